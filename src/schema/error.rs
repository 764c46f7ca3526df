//! Errors and warnings of the schema engine: what is wrong with a schema or an edit, and where.

/// A schema the engine cannot use. `pointer` is a JSON pointer into the schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    /// A keyword has a value JSON Schema does not allow (e.g. `type: ["number", null]`).
    #[error("invalid schema at {}: {message}", display_pointer(pointer))]
    Invalid { pointer: String, message: String },
    /// The schema expands to more fields than the engine will build (pathological `$ref` fan-out).
    #[error("schema is too large: it expands to more than {limit} fields")]
    TooLarge { limit: usize },
    /// The validator could not be built, even after skipping keywords it could not compile.
    #[error(
        "schema cannot be compiled for validation at {}: {message}",
        display_pointer(pointer)
    )]
    Compile { pointer: String, message: String },
}

impl SchemaError {
    pub(crate) fn invalid(pointer: &str, message: impl Into<String>) -> Self {
        SchemaError::Invalid {
            pointer: pointer.to_string(),
            message: message.into(),
        }
    }

    /// The JSON pointer into the schema where the problem is (empty for the root or for size limits).
    pub fn pointer(&self) -> &str {
        match self {
            SchemaError::Invalid { pointer, .. } | SchemaError::Compile { pointer, .. } => pointer,
            SchemaError::TooLarge { .. } => "",
        }
    }
}

/// Something the engine worked around: the schema stays usable, but a part of it was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaWarning {
    /// JSON pointer into the schema.
    pub pointer: String,
    pub message: String,
}

impl std::fmt::Display for SchemaWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "schema at {}: {}",
            display_pointer(&self.pointer),
            self.message
        )
    }
}

/// An edit of a [`Form`](super::Form) that cannot be made. Pointers are into the config.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("{pointer:?} is not a valid JSON pointer (it must be empty or start with `/`)")]
    BadPointer { pointer: String },
    #[error("cannot set {pointer}: {reason}")]
    CannotSet { pointer: String, reason: String },
    #[error("no field of the form is at {pointer}")]
    NoField { pointer: String },
    #[error("the field at {pointer} is not a choice between options")]
    NotAChoice { pointer: String },
    #[error("the choice at {pointer} has no option {index} (it has {count})")]
    NoOption {
        pointer: String,
        index: usize,
        count: usize,
    },
    #[error("the field at {pointer} is not a list")]
    NotAList { pointer: String },
    #[error("the list at {pointer} has no item {index}")]
    NoItem { pointer: String, index: usize },
}

/// How a pointer reads in a message: the root is shown as `/`.
pub(crate) fn display_pointer(pointer: &str) -> &str {
    if pointer.is_empty() { "/" } else { pointer }
}
