//! A materialization's Resources step: one form per chosen collection, built from the connector's
//! resource config schema with the config step's form editor, prefilled as Estuary does
//! (`catalog::materialization::resource_for`: the `x-collection-name` property gets the collection name's
//! last part, `x-schema-name` the part before it when naming with schema, `x-delta-updates` off). ^T
//! switches the naming (forms the person edited stay). ^N on the last field goes to the next binding's
//! form, then on to the fields; Esc to the previous one, then back. Going on settles the resources in
//! `state.mat`.

use super::{Reply, Step};
use crate::catalog::materialization::{ResourceOptions, resource_for};
use crate::schema::{Form, Validator};
use crate::tui::flow::Transition;
use crate::tui::keys::{Action, Ctx};
use crate::tui::materialization::Naming;
use crate::tui::state::State;
use crate::tui::widgets::form_page::{Notice, areas};
use crate::tui::widgets::form_ui::{FormUi, Outcome};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyEvent, MouseEvent};
use ratatui::layout::Rect;
use serde_json::Value;
use std::sync::Arc;

/// One binding's form.
#[derive(Debug, Clone)]
pub struct Page {
    pub collection: String,
    pub form: Form,
    pub ui: FormUi,
    /// The resource it was prefilled with: a form still equal to it follows a naming change.
    pub prefill: Value,
}

#[derive(Debug, Clone, Default)]
pub struct ResourcesState {
    /// The resource schema the forms were built from.
    pub schema: Option<Value>,
    pub pages: Vec<Page>,
    /// The page shown.
    pub at: usize,
    pub notice: Option<Notice>,
    /// Why the resource schema cannot be a form.
    pub error: Option<String>,
}

impl ResourcesState {
    pub fn page(&self) -> Option<&Page> {
        self.pages.get(self.at)
    }
}

/// The resource a new binding of `collection` gets.
fn prefill(collection: &str, schema: &Value, naming: Naming) -> Value {
    let opts = ResourceOptions {
        with_schema: naming == Naming::WithSchema,
        delta_updates: false,
    };
    resource_for(collection, schema, &opts)
}

fn next_label(at: usize, len: usize) -> String {
    if at + 1 < len {
        format!("Next: binding {} of {len} ›", at + 2)
    } else {
        "Next: fields ›".into()
    }
}

fn page(
    collection: &str,
    schema: &Value,
    value: &Value,
    prefill: Value,
    at: usize,
    len: usize,
) -> Result<Page, String> {
    let (form, _) = Form::from_config(schema, value).map_err(|e| e.to_string())?;
    let validator = Validator::new(schema).ok().map(Arc::new);
    let ui = FormUi::new(&form, validator, Vec::new(), &next_label(at, len), None);
    Ok(Page {
        collection: collection.to_string(),
        form,
        ui,
        prefill,
    })
}

/// Build the forms for the chosen collections: a collection that had one keeps it (same schema), a new
/// one is prefilled (or refilled from what was settled for it before).
fn enter(state: &mut State) {
    let Some(schema) = state
        .spec
        .outcome
        .as_ref()
        .map(|o| o.spec.resource_config_schema.clone())
    else {
        return;
    };
    let names = state.mat.chosen_names();
    let r = &mut state.resources;
    let same_schema = r.schema.as_ref() == Some(&schema);
    let mut old: Vec<Page> = if same_schema {
        std::mem::take(&mut r.pages)
    } else {
        Vec::new()
    };
    let settled: Vec<(String, Value)> = names
        .iter()
        .cloned()
        .zip(state.mat.resources.iter().cloned())
        .collect();
    let mut pages = Vec::with_capacity(names.len());
    let len = names.len();
    for (at, name) in names.iter().enumerate() {
        if let Some(k) = old.iter().position(|p| &p.collection == name) {
            let mut p = old.swap_remove(k);
            p.ui.next_label = next_label(at, len);
            p.ui.refresh(&p.form);
            pages.push(p);
            continue;
        }
        let fresh = prefill(name, &schema, state.mat.naming);
        let value = settled
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .or_else(|| state.mat.resumed.get(name).cloned())
            .unwrap_or_else(|| fresh.clone());
        match page(name, &schema, &value, fresh, at, len) {
            Ok(p) => pages.push(p),
            Err(e) => {
                r.error = Some(e);
                r.pages.clear();
                r.schema = Some(schema);
                return;
            }
        }
    }
    r.error = None;
    r.schema = Some(schema);
    r.pages = pages;
    r.at = 0;
    r.notice = None;
}

/// The fields step may have changed a resource (delta updates): the forms show what is settled.
fn revisit(state: &mut State) {
    let Some(schema) = state.resources.schema.clone() else {
        return;
    };
    let len = state.resources.pages.len();
    for (at, settled) in state.mat.resources.clone().into_iter().enumerate() {
        let Some(p) = state.resources.pages.get(at) else {
            break;
        };
        if p.form.to_config() != settled
            && let Ok(fresh) = page(
                &p.collection.clone(),
                &schema,
                &settled,
                p.prefill.clone(),
                at,
                len,
            )
        {
            state.resources.pages[at] = fresh;
        }
    }
}

/// Settle every form's resource in `state.mat`.
fn settle(state: &mut State) {
    state.mat.resources = state
        .resources
        .pages
        .iter()
        .map(|p| p.form.to_config())
        .collect();
}

fn form_area(state: &State) -> Rect {
    let body = crate::tui::layout::areas(state.screen()).body;
    areas(body, super::resources_view::HEAD).form
}

/// Keep the form's scroll valid.
fn clamp(state: &mut State) {
    let h = form_area(state).height as usize;
    let at = state.resources.at;
    if let Some(p) = state.resources.pages.get_mut(at) {
        p.ui.scroll(h);
    }
}

/// ^N: this form must be complete; then the next binding's, or on (every form complete).
fn next(state: &mut State) -> Reply {
    let r = &mut state.resources;
    let at = r.at;
    let Some(p) = r.pages.get_mut(at) else {
        return Reply::stay();
    };
    let n = p.ui.check_all(&p.form);
    if n > 0 {
        r.notice = Some(Notice {
            text: format!(
                "✗ {n} field(s) of {} need attention; the first one has the focus.",
                p.collection
            ),
            bad: true,
        });
        return Reply::stay();
    }
    r.notice = None;
    if at + 1 < r.pages.len() {
        r.at += 1;
        return Reply::stay();
    }
    // Pages passed over with F8 are checked too.
    if let Some(k) = r.pages.iter_mut().position(|p| p.ui.check_all(&p.form) > 0) {
        r.at = k;
        r.notice = Some(Notice {
            text: format!(
                "✗ The resource of {} needs attention.",
                r.pages[k].collection
            ),
            bad: true,
        });
        return Reply::stay();
    }
    settle(state);
    Reply::then(
        crate::tui::materialization::keep_answer(state),
        Transition::Next,
    )
}

fn back(state: &mut State) -> Reply {
    let r = &mut state.resources;
    r.notice = None;
    if r.at > 0 {
        r.at -= 1;
        return Reply::stay();
    }
    settle(state);
    Reply::then(
        crate::tui::materialization::keep_answer(state),
        Transition::Back,
    )
}

/// ^T: the other naming; forms still as prefilled follow it.
fn switch_naming(state: &mut State) {
    let naming = state.mat.naming.next();
    state.mat.naming = naming;
    let Some(schema) = state.resources.schema.clone() else {
        return;
    };
    let len = state.resources.pages.len();
    let (mut moved, mut kept) = (0, 0);
    for at in 0..len {
        let p = &state.resources.pages[at];
        if p.form.to_config() != p.prefill {
            kept += 1;
            continue;
        }
        let fresh = prefill(&p.collection, &schema, naming);
        if let Ok(np) = page(
            &p.collection.clone(),
            &schema,
            &fresh,
            fresh.clone(),
            at,
            len,
        ) {
            state.resources.pages[at] = np;
            moved += 1;
        }
    }
    let kept = if kept > 0 {
        format!("; {kept} you edited kept as they are")
    } else {
        String::new()
    };
    state.resources.notice = Some(Notice {
        text: format!("Naming: {} ({moved} renamed{kept}).", naming.label()),
        bad: false,
    });
}

pub struct ResourcesStep;

impl Step for ResourcesStep {
    fn contexts(state: &State) -> Vec<Ctx> {
        match state.resources.page() {
            None => vec![Ctx::Page],
            Some(p) => {
                let mut ctxs = vec![Ctx::Resources];
                ctxs.extend(p.ui.contexts());
                ctxs
            }
        }
    }

    fn enter(state: &mut State) -> Reply {
        enter(state);
        Reply::stay()
    }

    fn revisit(state: &mut State) {
        revisit(state);
    }

    fn on_action(state: &mut State, action: Action) -> Reply {
        let area = form_area(state);
        let theme = state.theme;
        match action {
            Action::Naming => {
                switch_naming(state);
                return Reply::stay();
            }
            Action::NextBinding | Action::PrevBinding => {
                let r = &mut state.resources;
                let len = r.pages.len();
                if len > 0 {
                    r.at = if action == Action::NextBinding {
                        (r.at + 1) % len
                    } else {
                        (r.at + len - 1) % len
                    };
                }
                return Reply::stay();
            }
            _ => {}
        }
        let r = &mut state.resources;
        let at = r.at;
        let Some(p) = r.pages.get_mut(at) else {
            return if action == Action::Back {
                Reply::go(Transition::Back)
            } else {
                Reply::stay()
            };
        };
        let out = p.ui.on_action(&mut p.form, action, area, &theme);
        let reply = match out {
            Outcome::Next => next(state),
            Outcome::Back => back(state),
            Outcome::Read(_) => {
                let at = state.resources.at;
                if let Some(p) = state.resources.pages.get_mut(at) {
                    p.ui.read_failed(
                        "a resource field is not read from a file here: open the editor (Enter) and paste the text"
                            .into(),
                    );
                }
                Reply::stay()
            }
            Outcome::Changed | Outcome::Nothing => Reply::stay(),
        };
        clamp(state);
        reply
    }

    fn on_text(state: &mut State, text: &str) -> Reply {
        let theme = state.theme;
        let at = state.resources.at;
        if let Some(p) = state.resources.pages.get_mut(at) {
            p.ui.on_text(&mut p.form, text, &theme);
        }
        clamp(state);
        Reply::stay()
    }

    fn on_key(state: &mut State, key: KeyEvent) -> Reply {
        let at = state.resources.at;
        if let Some(p) = state.resources.pages.get_mut(at) {
            p.ui.on_key(key);
        }
        Reply::stay()
    }

    fn on_mouse(state: &mut State, body: Rect, ev: MouseEvent) -> Reply {
        let area = areas(body, super::resources_view::HEAD).form;
        let theme = state.theme;
        let at = state.resources.at;
        let Some(p) = state.resources.pages.get_mut(at) else {
            return Reply::stay();
        };
        let out = p.ui.mouse(&mut p.form, ev, area, &theme);
        let reply = match out {
            Outcome::Next => next(state),
            Outcome::Back => back(state),
            _ => Reply::stay(),
        };
        clamp(state);
        reply
    }

    fn view(state: &State, frame: &mut Frame, body: Rect) {
        super::resources_view::view(state, frame, body);
    }
}
