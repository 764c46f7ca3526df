//! Drawing step 7: the fields, the Save button, the files as a tree with their status, the YAML preview
//! of the catalog file; the merge-or-overwrite question; the final screen with the next commands.

use super::review::{FIELDS, SAVE_BUTTON};
use crate::catalog::FileStatus;
use crate::connector::endpoint::shell_words;
use crate::tui::msg::SavePreview;
use crate::tui::state::State;
use crate::tui::theme::Theme;
use crate::tui::widgets::log_pane;
use crate::tui::widgets::text::{fit, sanitize, truncate, width, wrap};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

fn draw(frame: &mut Frame, area: Rect, lines: Vec<Line>) {
    for (i, line) in lines.into_iter().enumerate().take(area.height as usize) {
        frame.render_widget(line, Rect::new(area.x, area.y + i as u16, area.width, 1));
    }
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
    t: &Theme,
) -> Vec<Line<'static>> {
    let mut out = vec![Line::styled(
        truncate(&format!("{}/", p.dir.display()), w),
        t.title(),
    )];
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
            tag.push_str(" · mode 0600");
        }
        let style = match status {
            FileStatus::New => t.ok(),
            FileStatus::Changed | FileStatus::Conflict => t.warn(),
            FileStatus::Unchanged => t.dim(),
        };
        let name_w = w.saturating_sub(width(indent) + width(&tag) + 2);
        out.push(Line::from(vec![
            Span::raw(indent),
            Span::raw(fit(&sanitize(&file), name_w)),
            Span::raw("  "),
            Span::styled(tag, style),
        ]));
    }
    out
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
    let status = if r.save_req.is_some() {
        Span::styled(
            format!("  {} writing…", log_pane::spinner(state.frame)),
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
    let notice = match (&r.problem, &r.preview) {
        (Some(e), _) => Line::styled(truncate(&format!("✗ {e}"), w), t.error()),
        (None, Some(p)) if p.touches_existing() => Line::styled(
            truncate(
                "⚠ This capture is already there: saving asks whether to merge or overwrite.",
                w,
            ),
            t.warn(),
        ),
        (None, Some(p)) => match p.warnings.first() {
            Some(wn) => Line::styled(truncate(&format!("⚠ {wn}"), w), t.warn()),
            None => Line::styled(truncate("Every file is new.", w), t.dim()),
        },
        _ => Line::default(),
    };
    lines.push(notice);
    let head = lines.len() as u16;
    draw(frame, body, lines);
    // The inputs, right of their labels, with their problems after them.
    for i in 0..FIELDS.len() {
        let y = body.y + 2 + i as u16;
        let x = body.x + label_w as u16;
        let iw = (w.saturating_sub(label_w) / 2)
            .max(20)
            .min(w.saturating_sub(label_w)) as u16;
        if let Some(f) = r.fields.get(i) {
            f.render(
                frame,
                Rect::new(x, y, iw, 1),
                t.input(),
                ("(the current directory)", t.dim()),
                r.focus == i && !r.question,
            );
        }
        let after = match (&r.errors[i], i, &r.preview) {
            (Some(e), _, _) => Line::styled(format!(" ✗ {e}"), t.error()),
            (None, 0, Some(p)) => Line::styled(format!(" → {}", p.dir.display()), t.dim()),
            (None, 2, _) => Line::styled(
                format!(
                    " capture {}/{}",
                    r.field(1).trim_end_matches('/'),
                    r.field(2)
                ),
                t.dim(),
            ),
            _ => Line::default(),
        };
        let ax = x + iw;
        let aw = body.width.saturating_sub(ax - body.x);
        frame.render_widget(after, Rect::new(ax, y, aw, 1));
    }
    let rest = Rect::new(
        body.x,
        body.y + head,
        body.width,
        body.height.saturating_sub(head),
    );
    if r.question {
        return question(state, frame, rest);
    }
    let Some(p) = &r.preview else {
        return;
    };
    let config_file = crate::catalog::config_file_name(r.field(2));
    let flow_file = crate::catalog::flow_file_name(r.field(2));
    let (tree_area, preview_area) = if w >= 110 {
        let tw = body.width * 45 / 100;
        (
            Rect::new(rest.x, rest.y, tw, rest.height),
            Rect::new(rest.x + tw + 1, rest.y, rest.width - tw - 1, rest.height),
        )
    } else {
        let th = (p.files.len() as u16 + 3)
            .min(rest.height / 2)
            .max(3.min(rest.height));
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
        format!("⚠ {} already has this capture.", p.dir.display())
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
    for (k, text) in [
        ("m", merge),
        (
            "o",
            "overwrite: replace the existing files with exactly what the preview shows."
                .to_string(),
        ),
        ("Esc", "write nothing, go back to the review.".to_string()),
    ] {
        for (i, l) in wrap(&text, w.saturating_sub(6)).into_iter().enumerate() {
            let key = if i == 0 {
                format!("  {k:<4}")
            } else {
                "      ".into()
            };
            lines.push(Line::from(vec![Span::styled(key, t.key()), Span::raw(l)]));
        }
    }
    draw(frame, area, lines);
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
                    "✓ Saved the capture {}: {} files written, {} unchanged.",
                    done.capture, done.written, done.unchanged
                ),
                w,
            ),
            t.ok(),
        ),
        Line::default(),
        Line::raw(truncate(&format!("Catalog  {flow}"), w)),
        Line::raw(truncate(
            &format!("Config   {} (mode 0600)", done.config_file.display()),
            w,
        )),
        Line::default(),
        Line::styled("Next:", t.title()),
    ];
    let source = shell_words(&[flow]);
    for (what, cmd) in [
        (
            "Check it (structure, config, the connector's validate):",
            format!("catwalk check --source {source}"),
        ),
        (
            "Publish it to Estuary Flow:",
            format!("flowctl catalog publish --source {source}"),
        ),
    ] {
        lines.push(Line::styled(truncate(&format!("  {what}"), w), t.dim()));
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
