//! The save request of an opened task (`catwalk edit`, a catalog opened on the first screen) for work that
//! plans the save without writing: the Changes step's diff (the bindings as chosen, a deselected saved one
//! removed) and the preview (the person's choices on the Changes step applied too). Both steps read it
//! here, neither importing the other.

use super::msg::{SaveRequest, TaskError};
use super::opened;
use super::session;
use super::state::State;
use crate::catalog::Choice;

/// What the plan applies of the person's answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choices {
    /// Only the bindings step's: a deselected saved binding removed (the Changes step shows the diff).
    Deselected,
    /// Every choice the save would send, the Changes step's too (what the preview runs).
    All,
}

/// The plan's request: the bindings as chosen under the task's prefix and name, the config as edited,
/// nothing encrypted, the config file left as it is; or why there is none.
pub fn request(state: &State, choices: Choices) -> Result<SaveRequest, TaskError> {
    let task = opened::task(state).ok_or_else(|| TaskError::invalid("no catalog is open"))?;
    let run =
        session::run_of(state).ok_or_else(|| TaskError::invalid("there is no connector spec"))?;
    let config = state
        .answers
        .config
        .clone()
        .ok_or_else(|| TaskError::invalid("there is no config"))?;
    let spec = state.spec.outcome.as_ref().map(|o| &o.spec);
    let choices = match choices {
        Choices::Deselected => opened::deselected(state)
            .into_iter()
            .map(|id| (id, Choice::Remove))
            .collect(),
        Choices::All => opened::edit_choices(state, None).choices,
    };
    let draft = super::task_draft::draft(state, &task.prefix, &task.short_name, choices)
        .map_err(TaskError::invalid)?;
    Ok(SaveRequest {
        dir: task.dir.display().to_string(),
        run,
        task: std::sync::Arc::new(draft),
        resource_path_pointers: spec
            .map(|s| s.resource_path_pointers.clone())
            .unwrap_or_default(),
        config,
        replace: false,
        confirmed: false,
        protection: None,
        config_schema: spec.map(|s| s.config_schema.clone()).unwrap_or_default(),
        wrap: None,
        keep_config: true,
    })
}
