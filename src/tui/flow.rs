//! Which steps the wizard walks, per task: a [`Flow`] is the list of steps built from the task's kind and
//! origin, and a step answers with a [`Transition`] (stay, next, back, go to) that `update` applies in one
//! place. A leaf: steps and the stepper read it, it reads none of them.

use super::msg::Cmd;

/// Every step the wizard knows. Which of them a task walks, and in which order, is its [`Flow`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepId {
    Connector,
    Spec,
    Config,
    Tunnel,
    Check,
    Bindings,
    /// A few documents per chosen binding, read before saving.
    Preview,
    Review,
    /// A materialization's collections to write, from the catalogs found or opened.
    Collections,
    /// A materialization's resource config per chosen collection.
    Resources,
    /// A materialization's field selection per binding, from the connector's constraints.
    Fields,
    /// An existing task's reviewed diff: bindings added, removed, vanished, changed, a choice for each.
    Changes,
}

impl StepId {
    /// How many steps there are (no flow walks more).
    pub const COUNT: usize = 12;

    pub fn title(self) -> &'static str {
        match self {
            StepId::Connector => "Connector",
            StepId::Spec => "Spec",
            StepId::Config => "Config",
            StepId::Tunnel => "SSH tunnel",
            StepId::Check => "Check",
            StepId::Bindings => "Bindings",
            StepId::Preview => "Preview",
            StepId::Review => "Save",
            StepId::Collections => "Collections",
            StepId::Resources => "Resources",
            StepId::Fields => "Fields",
            StepId::Changes => "Changes",
        }
    }
}

/// What the task built does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskKind {
    Capture,
    Materialization,
}

/// Where the task comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Built from scratch: a connector is picked first.
    New,
    /// A task of a catalog that exists (its connector, config and bindings are known): its spec is
    /// fetched before the flow starts, and its changes are reviewed before saving back.
    Existing,
}

/// The steps of one task, in order. The stepper numbers and names these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub kind: TaskKind,
    pub origin: Origin,
    pub steps: Vec<StepId>,
}

impl Flow {
    /// The steps a task of this kind and origin walks. A new step goes into the lists here (and gets a
    /// `StepId`, a file under `steps/` and an arm in `steps::dispatch`).
    pub fn for_task(kind: TaskKind, origin: Origin) -> Flow {
        use StepId::*;
        // Settling the connector: the same for every new task.
        let mut steps = match origin {
            Origin::New => vec![Connector, Spec, Config, Tunnel, Check],
            Origin::Existing => vec![Config, Tunnel, Check],
        };
        steps.extend(match (kind, origin) {
            (TaskKind::Capture, Origin::New) => vec![Bindings, Preview, Review],
            // The preview after the Changes step: it runs the capture as the save would write it, the
            // person's choices there (disable, keep the old schema, remove) included.
            (TaskKind::Capture, Origin::Existing) => vec![Bindings, Changes, Preview, Review],
            (TaskKind::Materialization, _) => vec![Collections, Resources, Fields, Review],
        });
        Flow {
            kind,
            origin,
            steps,
        }
    }

    /// Where `step` is in the flow (0-based), if it is part of it.
    pub fn position(&self, step: StepId) -> Option<usize> {
        self.steps.iter().position(|s| *s == step)
    }

    /// 1-based, as the stepper shows it.
    pub fn number(&self, step: StepId) -> Option<usize> {
        self.position(step).map(|i| i + 1)
    }

    /// The step after `step` (`None` at the end, or when `step` is not in the flow).
    pub fn after(&self, step: StepId) -> Option<StepId> {
        self.steps.get(self.position(step)? + 1).copied()
    }

    /// The steps before `step`, nearest first.
    pub fn before(&self, step: StepId) -> impl Iterator<Item = StepId> + '_ {
        let end = self.position(step).unwrap_or(0);
        self.steps[..end].iter().rev().copied()
    }

    /// Whether `a` comes before `b` in this flow (a step not in it comes before none).
    pub fn precedes(&self, a: StepId, b: StepId) -> bool {
        matches!((self.position(a), self.position(b)), (Some(x), Some(y)) if x < y)
    }
}

/// Where the wizard goes after a step handled something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transition {
    /// Stay on this step.
    #[default]
    Stay,
    /// On to the flow's next step, which is entered (it may start work, or pass itself over).
    Next,
    /// Back to the nearest earlier step that applies; nothing is started there.
    Back,
    /// To this step: entered when it lies ahead, shown as it was when it lies behind.
    GoTo(StepId),
}

/// What a step's handler returns: commands to run, and where to go.
#[derive(Debug, Default)]
pub struct Reply {
    pub cmds: Vec<Cmd>,
    pub go: Transition,
}

impl Reply {
    /// Stay, running nothing.
    pub fn stay() -> Reply {
        Reply::default()
    }

    /// Go, running nothing.
    pub fn go(go: Transition) -> Reply {
        Reply {
            cmds: Vec::new(),
            go,
        }
    }

    /// These commands, and go.
    pub fn then(cmds: Vec<Cmd>, go: Transition) -> Reply {
        Reply { cmds, go }
    }
}

impl From<Vec<Cmd>> for Reply {
    fn from(cmds: Vec<Cmd>) -> Reply {
        Reply {
            cmds,
            go: Transition::Stay,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_capture_walks_the_eight_steps() {
        let f = Flow::for_task(TaskKind::Capture, Origin::New);
        assert_eq!(f.steps.len(), 8);
        assert_eq!(f.after(StepId::Bindings), Some(StepId::Preview));
        assert_eq!(f.number(StepId::Review), Some(8));
        assert_eq!(f.after(StepId::Check), Some(StepId::Bindings));
        assert_eq!(
            f.before(StepId::Check).collect::<Vec<_>>(),
            [
                StepId::Tunnel,
                StepId::Config,
                StepId::Spec,
                StepId::Connector
            ]
        );
        assert!(f.precedes(StepId::Config, StepId::Bindings));
        assert!(!f.precedes(StepId::Collections, StepId::Bindings));
    }

    #[test]
    fn a_materialization_goes_on_to_its_own_steps() {
        let f = Flow::for_task(TaskKind::Materialization, Origin::New);
        assert_eq!(f.after(StepId::Check), Some(StepId::Collections));
        assert_eq!(f.position(StepId::Bindings), None);
        assert_eq!(f.after(StepId::Collections), Some(StepId::Resources));
        assert_eq!(f.after(StepId::Resources), Some(StepId::Fields));
        assert_eq!(f.after(StepId::Fields), Some(StepId::Review));
        assert_eq!(f.steps.len(), 9);
    }

    #[test]
    fn an_existing_task_starts_at_its_config() {
        let f = Flow::for_task(TaskKind::Capture, Origin::Existing);
        assert_eq!(f.steps.first(), Some(&StepId::Config));
        assert_eq!(f.position(StepId::Connector), None);
        assert_eq!(f.after(StepId::Bindings), Some(StepId::Changes));
        assert_eq!(f.after(StepId::Changes), Some(StepId::Preview));
        assert_eq!(f.after(StepId::Preview), Some(StepId::Review));
        let new = Flow::for_task(TaskKind::Capture, Origin::New);
        assert_eq!(new.position(StepId::Changes), None);
    }
}
