//! Drawing step 7: the fields, the Save button, the files as a tree with their status, the YAML preview
//! of the catalog file; the merge-or-overwrite question; the final screen with the next commands.

use super::review::{
    FIELDS, Input, RECIPIENTS_FIELD, ReviewState, SAVE_BUTTON, SOPS_FIELD, SopsMode, WRAP_FIELD,
    input_index,
};
use crate::catalog::FileStatus;
use crate::connector::endpoint::shell_words;
use crate::tui::msg::BindingVerdict;
use crate::tui::msg::SavePreview;
use crate::tui::state::State;
use crate::tui::theme::Theme;
use crate::tui::widgets::log_pane;
use crate::tui::widgets::text::{fit, sanitize, truncate, width, wrap};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

fn draw(frame: &mut Frame, area: Rect, lines: Vec<Line>) {
    crate::tui::widgets::page::draw(frame, area, lines);
}

fn status_text(s: FileStatus) -> &'static str {
    match s {
        FileStatus::New => "new",
        FileStatus::Changed => "changed",
        FileStatus::Unchanged => "unchanged",
        FileStatus::Conflict => "exists",
    }
}

/// The files as a tree under the directory: the catalog and config files first, then the others
/// (schemas), each directory once with its files indented under it, with their status; at most `max`
/// lines.
pub fn tree(
    p: &SavePreview,
    w: usize,
    max: usize,
    (flow_file, config_file): (&str, &str),
    config_tag: &str,
    t: &Theme,
) -> Vec<Line<'static>> {
    // Short of room, the directory is left out: the Directory field shows it already.
    let mut out = if max > 5 {
        vec![Line::styled(
            truncate(&format!("{}/", p.dir.display()), w),
            t.title(),
        )]
    } else {
        Vec::new()
    };
    let mut dir_shown: Option<String> = None;
    let first = |f: &&(String, FileStatus)| f.0 == flow_file || f.0 == config_file;
    let files: Vec<&(String, FileStatus)> = p
        .files
        .iter()
        .filter(first)
        .chain(p.files.iter().filter(|f| !first(f)))
        .collect();
    let total = files.len();
    for (n, (path, status)) in files.iter().enumerate() {
        if out.len() + 1 >= max && n + 1 < total {
            let rest = &files[n..];
            let count = |s: FileStatus| rest.iter().filter(|(_, x)| *x == s).count();
            out.push(Line::styled(
                truncate(
                    &format!(
                        "  … and {} more ({} new, {} changed, {} unchanged)",
                        rest.len(),
                        count(FileStatus::New),
                        count(FileStatus::Changed),
                        count(FileStatus::Unchanged)
                    ),
                    w,
                ),
                t.dim(),
            ));
            break;
        }
        let (dir, file) = match path.rsplit_once('/') {
            Some((d, f)) => (Some(d.to_string()), f.to_string()),
            None => (None, path.clone()),
        };
        if dir != dir_shown {
            if let Some(d) = &dir {
                out.push(Line::styled(truncate(&format!("  {d}/"), w), t.title()));
            }
            dir_shown = dir.clone();
        }
        let indent = if dir.is_some() { "    " } else { "  " };
        let mut tag = status_text(*status).to_string();
        if path == config_file {
            tag.push_str(" · ");
            tag.push_str(config_tag);
        }
        let style = match status {
            FileStatus::New => t.ok(),
            FileStatus::Changed | FileStatus::Conflict => t.warn(),
            FileStatus::Unchanged => t.dim(),
        };
        let name_w = w.saturating_sub(width(indent) + width(&tag) + 2);
        let file = sanitize(&file);
        if width(&file) > name_w {
            // No room for both: the whole name, its status on the line below (never cut).
            for part in wrap(&file, w.saturating_sub(width(indent)).max(1)) {
                out.push(Line::from(vec![Span::raw(indent), Span::raw(part)]));
            }
            out.push(Line::from(vec![
                Span::raw(format!("{indent}  ")),
                Span::styled(tag, style),
            ]));
            continue;
        }
        out.push(Line::from(vec![
            Span::raw(indent),
            Span::raw(fit(&file, name_w)),
            Span::raw("  "),
            Span::styled(tag, style),
        ]));
    }
    out
}

/// The body row of the first input (below the title and the intro line); one row per input, in focus
/// order, the Save button last.
const INPUTS_TOP: u16 = 2;

/// The input drawn at screen row `row` (mouse clicks land where the inputs are drawn).
pub fn input_at(body: Rect, row: u16) -> Option<Input> {
    let at = row.checked_sub(body.y + INPUTS_TOP)?;
    Input::at(at as usize)
}

pub fn view(state: &State, frame: &mut Frame, body: Rect) {
    let r = &state.review;
    if r.done.is_some() {
        return saved(state, frame, body);
    }
    let t = &state.theme;
    let w = body.width as usize;
    let mut lines = vec![
        Line::styled("Review and save", t.title()),
        Line::styled(
            truncate(
                "Where the catalog goes and under which names. Nothing is written until you save.",
                w,
            ),
            t.dim(),
        ),
    ];
    let label_w = 12;
    for (i, label) in FIELDS.iter().enumerate() {
        let focused = r.focus == i && !r.question;
        let mark = if focused { "› " } else { "  " };
        lines.push(Line::styled(
            format!("{mark}{label:<width$}", width = label_w - 2),
            if focused { t.current() } else { t.text() },
        ));
    }
    let button = if r.focus == SAVE_BUTTON && !r.question {
        Span::styled("› [ Save ]", t.selected())
    } else {
        Span::styled("  [ Save ]", t.text())
    };
    let status = if r.save_when_checked {
        Span::styled(
            format!(
                "  {} saves once the bindings are checked…",
                log_pane::spinner(state.frame)
            ),
            t.dim(),
        )
    } else if r.save_req.is_some() {
        let what = if r.wrap_tag().is_some() {
            "building the wrapped image, then writing…"
        } else {
            "writing…"
        };
        Span::styled(
            format!("  {} {what}", log_pane::spinner(state.frame)),
            t.dim(),
        )
    } else if r.plan_req.is_some() {
        Span::styled(
            format!(
                "  {} working out the files…",
                log_pane::spinner(state.frame)
            ),
            t.dim(),
        )
    } else {
        Span::styled("  ^S saves from any field", t.dim())
    };
    lines.push(Line::from(vec![button, status]));
    // The notice line: a problem, else what the save will do.
    let mut notice_more: Vec<Line<'static>> = Vec::new();
    // A field's problem is read whole here too (right of the field there is rarely room for it).
    let field_problem = r
        .errors
        .iter()
        .enumerate()
        .find_map(|(i, e)| e.as_ref().map(|e| format!("{}: {e}", FIELDS[i])));
    let problem = r.problem.clone().or(field_problem);
    let notice = match (&problem, &r.preview) {
        // A problem is read whole: wrapped over up to three lines.
        (Some(e), _) => {
            let mut wrapped = wrap(&format!("✗ {e}"), w).into_iter();
            let first = wrapped.next().unwrap_or_default();
            notice_more = wrapped
                .take(2)
                .map(|l| Line::styled(l, t.error()))
                .collect();
            Line::styled(first, t.error())
        }
        // Editing a catalog: the changes were reviewed; the preview is what is written.
        (None, Some(p)) if p.touches_existing() && crate::tui::opened::task(state).is_some() => {
            Line::styled(
                truncate(
                    "Saving writes the reviewed changes back into these files (comments kept).",
                    w,
                ),
                t.text(),
            )
        }
        (None, Some(p)) if p.touches_existing() => Line::styled(
            truncate(
                &format!(
                    "⚠ This {} is already there: saving asks whether to merge or overwrite.",
                    super::review::task_word(state)
                ),
                w,
            ),
            t.warn(),
        ),
        (None, Some(p)) if !p.plaintext_secrets.is_empty() => {
            let fields: Vec<&str> = p
                .plaintext_secrets
                .iter()
                .map(|f| f.split(" (").next().unwrap_or(f))
                .collect();
            let flow = shell_words(&[crate::catalog::flow_file_name(r.value(Input::Name))]);
            let fields = fields.join(", ");
            // One line: the longest wording that fits.
            let text = [
                format!(
                    "⚠ {fields} written in plaintext. Protect it above (Secrets), or later: catwalk encrypt --source {flow} --age …"
                ),
                format!("⚠ {fields} in plaintext; protect later: catwalk encrypt --source {flow}"),
                format!("⚠ {fields} in plaintext; protect later: catwalk encrypt --source …"),
            ]
            .into_iter()
            .find(|t| width(t) <= w)
            .unwrap_or_else(|| format!("⚠ {fields} in plaintext; later: catwalk encrypt"));
            Line::styled(truncate(&text, w), t.warn())
        }
        (None, Some(p)) => match p.warnings.first() {
            Some(wn) => {
                let mut wrapped = wrap(&format!("⚠ {wn}"), w).into_iter();
                let first = wrapped.next().unwrap_or_default();
                notice_more = wrapped.take(2).map(|l| Line::styled(l, t.warn())).collect();
                Line::styled(first, t.warn())
            }
            None => Line::styled(truncate("Every file is new.", w), t.dim()),
        },
        _ => Line::default(),
    };
    lines.push(notice);
    lines.extend(notice_more);
    let max_rows = if body.height >= 30 { 6 } else { 2 };
    lines.extend(bindings_block(r, w, max_rows, state.frame, t));
    let head = lines.len() as u16;
    draw(frame, body, lines);
    // The inputs, right of their labels, with their problems after them.
    let can_wrap = super::review::can_wrap(state);
    for i in 0..FIELDS.len() {
        let y = body.y + INPUTS_TOP + i as u16;
        let x = body.x + label_w as u16;
        let iw = (w.saturating_sub(label_w) / 2)
            .max(20)
            .min(w.saturating_sub(label_w)) as u16;
        let focused = r.focus == i && !r.question && !r.ask_failed;
        if i == SOPS_FIELD {
            let text = format!("‹ {} ›", r.sops.label());
            let style = if focused { t.selected() } else { t.text() };
            frame.render_widget(
                Line::styled(truncate(&text, w.saturating_sub(label_w)), style),
                Rect::new(x, y, body.width.saturating_sub(label_w as u16), 1),
            );
            continue;
        }
        let placeholder = if i == RECIPIENTS_FIELD {
            "age1… (comma-separated)"
        } else if i == WRAP_FIELD && can_wrap {
            "(empty: local, via catwalk adapt)"
        } else if i == WRAP_FIELD {
            "(not needed)"
        } else {
            "(the current directory)"
        };
        if let Some(f) = input_index(i).and_then(|k| r.fields.get(k)) {
            f.render(
                frame,
                Rect::new(x, y, iw, 1),
                t.input(),
                (placeholder, t.dim()),
                focused,
            );
        }
        let after = match (&r.errors[i], i, &r.preview) {
            (Some(e), _, _) => Line::styled(format!(" ✗ {e}"), t.error()),
            (None, RECIPIENTS_FIELD, p) => Line::styled(recipients_note(r, p.as_ref()), t.dim()),
            (None, WRAP_FIELD, _) => Line::styled(
                match (can_wrap, r.wrap_tag().is_some()) {
                    (true, true) => " wrapped for Flow on save: publishable",
                    (true, false) => " a tag (REGISTRY/NAME:TAG) makes it publishable",
                    (false, _) => " only Airbyte images are wrapped",
                },
                t.dim(),
            ),
            (None, 0, Some(p)) => Line::styled(format!(" → {}", p.dir.display()), t.dim()),
            (None, 2, _) => Line::styled(
                format!(
                    " {} {}/{}",
                    super::review::task_word(state),
                    r.value(Input::Prefix).trim_end_matches('/'),
                    r.value(Input::Name)
                ),
                t.dim(),
            ),
            _ => Line::default(),
        };
        let ax = x + iw;
        let aw = body.width.saturating_sub(ax - body.x);
        // A problem too long for the room right of the field is read whole in the notice below.
        let after = match &r.errors[i] {
            Some(e) if width(&format!(" ✗ {e}")) > aw as usize => {
                Line::styled(" ✗ (see below)", t.error())
            }
            _ => after,
        };
        frame.render_widget(after, Rect::new(ax, y, aw, 1));
    }
    let rest = Rect::new(
        body.x,
        body.y + head,
        body.width,
        body.height.saturating_sub(head),
    );
    if r.ask_failed {
        return ask_failed(state, frame, rest);
    }
    if r.question {
        return question(state, frame, rest);
    }
    let Some(p) = &r.preview else {
        return;
    };
    let config_file = crate::catalog::config_file_name(r.value(Input::Name));
    let flow_file = crate::catalog::flow_file_name(r.value(Input::Name));
    let (tree_area, preview_area) = if w >= 110 {
        let tw = body.width * 45 / 100;
        (
            Rect::new(rest.x, rest.y, tw, rest.height),
            Rect::new(rest.x + tw + 1, rest.y, rest.width - tw - 1, rest.height),
        )
    } else {
        // Half each, but the tree keeps room for the catalog and config files (their protection shows).
        let th = (p.files.len() as u16 + 2)
            .min(rest.height.saturating_sub(1) / 2)
            .max(4.min(rest.height));
        (
            Rect::new(rest.x, rest.y, rest.width, th),
            Rect::new(rest.x, rest.y + th, rest.width, rest.height - th),
        )
    };
    let mut tl = vec![Line::styled(
        truncate(
            &format!(
                "Files: {} new, {} changed, {} unchanged",
                p.files.iter().filter(|f| f.1 == FileStatus::New).count(),
                p.files
                    .iter()
                    .filter(|f| f.1 == FileStatus::Changed)
                    .count(),
                p.files
                    .iter()
                    .filter(|f| f.1 == FileStatus::Unchanged)
                    .count()
            ),
            tree_area.width as usize,
        ),
        t.dim(),
    )];
    tl.extend(tree(
        p,
        tree_area.width as usize,
        (tree_area.height as usize).saturating_sub(1),
        (&flow_file, &config_file),
        &config_tag(r),
        t,
    ));
    draw(frame, tree_area, tl);
    if preview_area.height < 2 {
        return;
    }
    let pw = preview_area.width as usize;
    let total = p.flow_yaml.lines().count();
    let room = preview_area.height as usize - 1;
    let mut pl = vec![Line::styled(
        truncate(
            &format!(
                "{flow_file} (lines {}-{} of {total}; PgUp/PgDn scroll)",
                (r.scroll + 1).min(total),
                (r.scroll + room).min(total)
            ),
            pw,
        ),
        t.dim(),
    )];
    pl.extend(
        p.flow_yaml
            .lines()
            .skip(r.scroll)
            .take(room)
            .map(|l| Line::raw(truncate(&sanitize(&format!(" {l}")), pw))),
    );
    draw(frame, preview_area, pl);
}

fn question(state: &State, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let r = &state.review;
    let w = area.width as usize;
    let Some(p) = &r.preview else {
        return;
    };
    let changed: Vec<&str> = p
        .files
        .iter()
        .filter(|f| f.1 == FileStatus::Changed)
        .map(|f| f.0.as_str())
        .collect();
    let list = if changed.len() > 4 {
        format!("{} and {} more", changed[..4].join(", "), changed.len() - 4)
    } else {
        changed.join(", ")
    };
    let mut lines = vec![Line::default()];
    let what = if changed.is_empty() {
        format!(
            "⚠ {} already has this {}.",
            p.dir.display(),
            super::review::task_word(state)
        )
    } else {
        format!(
            "⚠ These files exist in {} and would change: {list}.",
            p.dir.display()
        )
    };
    lines.extend(
        wrap(&what, w)
            .into_iter()
            .map(|l| Line::styled(l, t.warn())),
    );
    if !p.kept_as_is.is_empty() {
        let more = p.kept_as_is.len().saturating_sub(2);
        let mut text = format!(
            "A merge keeps what the catalog file says for bindings already in it: {}",
            p.kept_as_is[..p.kept_as_is.len().min(2)].join("; ")
        );
        if more > 0 {
            text.push_str(&format!("; and {more} more"));
        }
        text.push('.');
        lines.extend(
            wrap(&text, w)
                .into_iter()
                .map(|l| Line::styled(l, t.warn())),
        );
    }
    lines.push(Line::default());
    let merge = match &p.merged {
        Some(summary) => format!(
            "merge the bindings into the existing catalog ({summary}); your edits in it are kept, vanished bindings stay. Other files are replaced."
        ),
        None => "write the catalog; the files listed are replaced by the new ones.".into(),
    };
    choices(
        &mut lines,
        &[
            ("m", &merge),
            (
                "o",
                "overwrite: replace the existing files with exactly what the preview shows.",
            ),
            ("Esc", "write nothing, go back to the review."),
        ],
        w,
        t,
    );
    draw(frame, area, lines);
}

/// The answers of a question, a key then its meaning wrapped under it.
fn choices(lines: &mut Vec<Line<'static>>, items: &[(&str, &str)], w: usize, t: &Theme) {
    for (k, text) in items {
        for (i, l) in wrap(text, w.saturating_sub(6)).into_iter().enumerate() {
            let key = if i == 0 {
                format!("  {k:<4}")
            } else {
                "      ".into()
            };
            lines.push(Line::from(vec![Span::styled(key, t.key()), Span::raw(l)]));
        }
    }
}

fn saved(state: &State, frame: &mut Frame, body: Rect) {
    let t = &state.theme;
    let r = &state.review;
    let w = body.width as usize;
    let Some(done) = &r.done else {
        return;
    };
    let flow = done.flow_file.display().to_string();
    let mut lines = vec![
        Line::styled(
            truncate(
                &format!(
                    "✓ Saved the {} {}: {} files written, {} unchanged.",
                    super::review::task_word(state),
                    done.capture,
                    done.written,
                    done.unchanged
                ),
                w,
            ),
            t.ok(),
        ),
        Line::default(),
        Line::raw(truncate(&format!("Catalog  {flow}"), w)),
        Line::raw(truncate(
            &format!(
                "Config   {} ({})",
                done.config_file.display(),
                config_tag(r)
            ),
            w,
        )),
    ];
    // Where it can run, and what makes it publishable.
    let reach = done.reach();
    if let Some(reach) = &reach {
        let style = if reach.is_publishable() {
            t.ok()
        } else {
            t.warn()
        };
        lines.push(Line::styled(
            truncate(&format!("Runs     {}", reach_words(reach)), w),
            style,
        ));
    }
    lines.push(Line::default());
    lines.push(Line::styled("Next:", t.title()));
    let source = shell_words(&[flow]);
    let mut steps = vec![(
        if r.sops == SopsMode::Off {
            "Check it (structure, config, the connector's validate):".to_string()
        } else {
            "Check it (decrypts the config in memory with your sops key):".to_string()
        },
        format!("catwalk check --source {source}"),
    )];
    match &reach {
        Some(crate::catalog::Reach::Publishable { .. }) => steps.push((
            "Publish it to Estuary Flow:".into(),
            format!("flowctl catalog publish --source {source}"),
        )),
        Some(crate::catalog::Reach::NeedsPush { image }) => {
            steps.push((
                "Push the image to a registry Estuary can reach (a `:local` or 127.0.0.1 tag: tag it for one first):".into(),
                format!("docker push {}", shell_words(std::slice::from_ref(image))),
            ));
            steps.push((
                "Then publish it to Estuary Flow:".into(),
                format!("flowctl catalog publish --source {source}"),
            ));
        }
        Some(crate::catalog::Reach::LocalOnly {
            airbyte_image: Some(image),
        }) => {
            let tag = crate::catalog::suggested_wrap_tag(image);
            steps.push((
                "To publish: wrap the image for Flow and push it (or save again with \"Wrap as\"):".into(),
                format!("catwalk image wrap --image {image} --tag {tag} --push"),
            ));
        }
        Some(crate::catalog::Reach::LocalOnly {
            airbyte_image: None,
        }) => steps.push((
            "It runs where its command is installed: `catwalk check` here, or a local data plane. To publish, package the connector as an image.".into(),
            String::new(),
        )),
        None => {}
    }
    for (what, cmd) in steps {
        for l in wrap(&format!("  {what}"), w) {
            lines.push(Line::styled(l, t.dim()));
        }
        if cmd.is_empty() {
            continue;
        }
        for l in wrap(&format!("  {cmd}"), w) {
            lines.push(Line::styled(l, t.key()));
        }
    }
    lines.push(Line::default());
    lines.push(Line::styled(
        truncate("q or Enter leaves catwalk; Esc goes back to the review.", w),
        t.dim(),
    ));
    draw(frame, body, lines);
}

/// `publishable`, `local only: ...`, `needs the image pushed: ...`, for the final screen.
fn reach_words(reach: &crate::catalog::Reach) -> String {
    use crate::catalog::Reach;
    match reach {
        Reach::Publishable { image } => format!("publishable: Flow pulls {image}"),
        Reach::NeedsPush { image } => {
            format!("needs the image pushed: {image} is only on this machine")
        }
        Reach::LocalOnly { .. } => {
            "local only: a local command, runs only on this machine (catwalk check, a local data plane)".into()
        }
    }
}

/// How the config file is written, for the tree and the final screen.
pub fn config_tag(r: &ReviewState) -> String {
    let Some(p) = r.protection() else {
        return "plaintext, mode 0600".into();
    };
    let what = match p.scope {
        crate::secrets::Scope::Secrets => "",
        crate::secrets::Scope::Whole => "whole, ",
    };
    if p.keys.is_empty() {
        return format!("sops ({what}keys from .sops.yaml)");
    }
    let mut keys: Vec<String> = p
        .keys
        .age
        .iter()
        .map(|k| crate::tui::widgets::text::short(k))
        .collect();
    let others = p.keys.args().len() / 2 - usize::from(!p.keys.age.is_empty());
    if others > 0 {
        keys.push(format!(
            "+{others} kind{}",
            if others == 1 { "" } else { "s" }
        ));
    }
    let age = if p.keys.age.is_empty() { "" } else { "age " };
    format!("sops ({what}{age}{})", keys.join(", "))
}

/// What the recipients field means now, after it.
fn recipients_note(r: &ReviewState, p: Option<&SavePreview>) -> String {
    if r.sops == SopsMode::Off {
        return " (used when sops is on)".into();
    }
    if !r.recipients().is_empty() {
        return match &r.opened {
            Some(o) if o.keys.age == r.recipients() => " the opened file's keys".into(),
            _ => String::new(),
        };
    }
    match p.and_then(|p| p.sops_rules.as_ref().map(|r| (r, &p.dir))) {
        Some((rules, dir)) => format!(
            " → {} will be used",
            rules.strip_prefix(dir).unwrap_or(rules).display()
        ),
        None => " needed: no .sops.yaml applies here".into(),
    }
}

/// The bindings check: a heading line, the failing bindings with the connector's message, the passing
/// ones in one line; at most `max_rows` lines below the heading.
fn bindings_block(
    r: &ReviewState,
    w: usize,
    max_rows: usize,
    frame: u64,
    t: &Theme,
) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if let Some(why) = &r.not_checked {
        out.push(Line::styled(
            truncate(&format!("Bindings: not checked here: {why}"), w),
            t.dim(),
        ));
        return out;
    }
    let targets = &r.check_targets;
    match &r.checked {
        None if r.check.is_running() => out.push(Line::styled(
            truncate(
                &format!(
                    "Bindings: {} checking the {} chosen with the connector…",
                    log_pane::spinner(frame),
                    targets.len()
                ),
                w,
            ),
            t.dim(),
        )),
        None => {}
        Some(Err(e)) => out.push(Line::styled(
            truncate(&format!("Bindings: ✗ the check could not run: {e}"), w),
            t.error(),
        )),
        Some(Ok(c)) => {
            let failed = c.failed();
            let head = match (&c.overall, failed) {
                (Some(e), _) => Line::styled(
                    truncate(&format!("Bindings: ✗ the connector's check failed: {e}"), w),
                    t.error(),
                ),
                (None, 0) => Line::styled(
                    with_how(
                        format!(
                            "Bindings: ✓ all {} pass the connector's check",
                            c.verdicts.len()
                        ),
                        &c.how,
                        w,
                    ),
                    t.ok(),
                ),
                (None, n) => Line::styled(
                    with_how(
                        format!(
                            "Bindings: ✗ {n} of {} fail the connector's check; saving asks first",
                            c.verdicts.len()
                        ),
                        &c.how,
                        w,
                    ),
                    t.error(),
                ),
            };
            out.push(head);
            let mut rows = 0;
            let mut passed = Vec::new();
            for (i, v) in c.verdicts.iter().enumerate() {
                // Under the prefix typed now (the check's verdicts do not depend on it).
                let name = format!(
                    "{}/{}",
                    r.prefix().trim_end_matches('/'),
                    targets.get(i).map(String::as_str).unwrap_or("?")
                );
                match v {
                    BindingVerdict::Failed(m) if rows + 1 < max_rows.max(2) => {
                        // Wide screens give a message two lines.
                        let text = sanitize(&format!("{name}: {}", m.replace('\n', " ")));
                        let mut wrapped = wrap(&text, w.saturating_sub(4));
                        let room = if max_rows > 2 { 2 } else { 1 };
                        if wrapped.len() > room {
                            wrapped.truncate(room);
                            if let Some(l) = wrapped.last_mut() {
                                *l = truncate(&format!("{l} …"), w.saturating_sub(4));
                            }
                        }
                        for (k, l) in wrapped.into_iter().enumerate() {
                            rows += 1;
                            let mark = if k == 0 { "  ✗ " } else { "    " };
                            out.push(Line::from(vec![
                                Span::styled(mark, t.error()),
                                Span::raw(l),
                            ]));
                        }
                    }
                    BindingVerdict::Passed => passed.push(name),
                    _ => {}
                }
            }
            // Short of room, "all pass" says it: the names are listed only with a failure.
            if !passed.is_empty() && rows < max_rows && (failed > 0 || max_rows > 2) {
                out.push(Line::from(vec![
                    Span::styled("  ✓ ", t.ok()),
                    Span::raw(truncate(&passed.join(", "), w.saturating_sub(4))),
                ]));
            }
        }
    }
    out
}

fn ask_failed(state: &State, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let r = &state.review;
    let w = area.width as usize;
    let what = match &r.checked {
        Some(Ok(c)) if c.overall.is_none() => format!(
            "⚠ {} of the chosen bindings failed the connector's check (listed above). Flow will refuse \
             them when publishing until they are fixed.",
            c.failed()
        ),
        _ => "⚠ The connector's check of the chosen bindings failed (see above). Flow will refuse the \
              capture when publishing until it passes."
            .into(),
    };
    let mut lines = vec![Line::default()];
    lines.extend(
        wrap(&what, w)
            .into_iter()
            .map(|l| Line::styled(l, t.warn())),
    );
    lines.push(Line::default());
    choices(
        &mut lines,
        &[
            (
                "y",
                "save anyway (fix the bindings later, then `catwalk check`).",
            ),
            (
                "Esc",
                "write nothing, go back to the review (Esc again: the bindings).",
            ),
        ],
        w,
        t,
    );
    draw(frame, area, lines);
}

/// `head (how)` when it fits in `w`, else `head`.
fn with_how(head: String, how: &str, w: usize) -> String {
    let full = format!("{head} ({how})");
    if width(&full) <= w {
        full
    } else {
        truncate(&head, w)
    }
}
