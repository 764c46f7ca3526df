//! Pure JSON-Schema work (no I/O): the form tree, defaults, validation and config stubs.
//!
//! A connector's config schema becomes a [`Form`]: a tree of [`Field`]s (objects, lists, choices
//! between `oneOf`/`anyOf` options, scalars) carrying the annotations people see (title,
//! description, `order`, `secret`/`airbyte_secret`, `advanced`, `group`, …), plus the config
//! being edited. The same tree gives [`with_defaults`], [`secret_pointers`] and [`stub_yaml`];
//! [`validate`] checks a config with the `jsonschema` crate and words each error for a person, on
//! the field it concerns.
//!
//! ```
//! use catwalk::schema::{self, Form};
//! use serde_json::json;
//!
//! let schema = json!({"type": "object", "required": ["password"], "properties": {
//!     "user": {"type": "string", "default": "flow"},
//!     "password": {"type": "string", "title": "Password", "secret": true}}});
//! let mut form = Form::build(&schema).unwrap();
//! assert_eq!(form.to_config(), json!({"user": "flow"}));
//! let errors = schema::validate(&schema, &form.to_config()).unwrap();
//! assert_eq!(errors[0].to_string(), "Password (/password): is required");
//! form.set("/password", json!("s3cret")).unwrap();
//! assert_eq!(schema::secret_pointers(&schema, &form.to_config()), ["/password"]);
//! // Required fields first; optional fields without a default are written commented out.
//! assert!(schema::stub_yaml(&schema).unwrap().starts_with("password: \"\"\n# Password\n"));
//! ```
//!
//! Files: `resolve` (`$ref`, `allOf`), `build` (schema -> fields), `field` (the types),
//! `choice` (which option a value selects), `walk` (config + fields together), `defaults`,
//! `form` / `edit` / `view` (the form a wizard drives), `validate` + `message`, `stub`, `tree` (a
//! document schema as rows to read).

mod build;
mod choice;
mod defaults;
mod edit;
mod error;
mod field;
mod form;
mod message;
pub mod pointer;
mod resolve;
mod stub;
pub mod tree;
mod validate;
mod view;
mod walk;

pub use defaults::placeholder;
pub use error::{FormError, SchemaError, SchemaWarning};
pub use field::{Bounds, Choice, ChoiceOption, Field, Group, Kind, Object, humanize};
pub use form::{Form, Unknown};
pub use stub::stub_yaml;
pub use validate::{FieldError, Validator};
pub use view::FieldView;

use serde_json::Value;

/// `config` with every schema default written in: inside nested objects, inside the option each
/// choice selects (its `const` discriminator included) and inside list items. Values the schema
/// does not describe are kept. A missing optional object is added only when defaults alone
/// complete it. When the schema cannot be used, `config` comes back unchanged.
pub fn with_defaults(schema: &Value, config: &Value) -> Value {
    match build::build_root(schema) {
        Ok((root, _, _)) => defaults::fill_root(&root, config, &walk::Selections::new()),
        Err(_) => config.clone(),
    }
}

/// Check `config` against `schema`. Each error names the field (title and config pointer) and
/// says what is wrong, secrets masked. `Err` when the schema itself is unusable.
pub fn validate(schema: &Value, config: &Value) -> Result<Vec<FieldError>, SchemaError> {
    Ok(Validator::new(schema)?.validate(config))
}

/// Config pointers of every value the schema marks secret (`secret`, `airbyte_secret`,
/// `writeOnly`), following the options chosen in `config`, list items and `$ref`s. Empty when the
/// schema cannot be used.
pub fn secret_pointers(schema: &Value, config: &Value) -> Vec<String> {
    match build::build_root(schema) {
        Ok((root, _, _)) => form::secret_pointers_in(&root, config, &walk::Selections::new()),
        Err(_) => Vec::new(),
    }
}
