//! Estuary Flow's connector protocol as typed messages, in protobuf canonical JSON (the JSON codec): one
//! [`capture::Request`]/[`capture::Response`] or [`materialize::Request`]/[`materialize::Response`] per line.
//!
//! Shapes follow Flow's capture.proto, materialize.proto and flow.proto: lowerCamel names (protobuf's
//! snake_case names are accepted too, as Flow's own decoder does), enums as strings, `*_json` fields embedded
//! as real JSON under their name without `Json` (`configSchema`, `resourceConfig`, `documentSchema`).
//! Unknown fields are ignored, as Flow ignores them; fields at their default value are left out when
//! writing, as protobuf's canonical JSON does.
//!
//! A leaf: it depends on serde and serde_json only, so the test fixture (tests/fixtures/flow-fixture)
//! includes these very files by path instead of keeping its own copy.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A protocol message: an object with exactly one known variant key (`{"spec": {...}}`).
/// Written by [`message_enum!`], which keeps the variant list in one place.
pub trait Message: Sized + Serialize + DeserializeOwned {
    /// Wire names of the variants, e.g. `["spec", "discovered", ...]`.
    const NAMES: &'static [&'static str];
    /// Wire name of this message's variant.
    fn name(&self) -> &'static str;
    /// The variant a key of the wire object names (its lowerCamel name or protobuf's snake_case one).
    fn variant_of(key: &str) -> Option<&'static str>;
}

/// The body of one variant of message `M` (e.g. `capture::response::Discovered` of `capture::Response`).
pub trait Variant<M: Message>: Sized {
    const NAME: &'static str;
    fn wrap(self) -> M;
    /// The body, or the message back when it is another variant.
    fn take(message: M) -> Result<Self, M>;
}

/// Why a line is not a message of the expected kind.
#[derive(Debug, Clone, PartialEq)]
pub enum DecodeError {
    /// Not JSON at all.
    NotJson(String),
    /// JSON, but not an object (the JSON type is named).
    NotAnObject(&'static str),
    /// An object naming no variant: `{}`, or only keys this protocol does not know.
    NoMessage { keys: Vec<String> },
    /// An object naming several variants.
    Several(Vec<&'static str>),
    /// The variant's body does not have the protocol's shape.
    Malformed {
        variant: &'static str,
        error: String,
    },
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::NotJson(e) => write!(f, "not JSON ({e})"),
            DecodeError::NotAnObject(t) => write!(f, "JSON {t}, not an object"),
            DecodeError::NoMessage { keys } if keys.is_empty() => {
                f.write_str("an empty object `{}`")
            }
            DecodeError::NoMessage { keys } => {
                write!(f, "an object with only unknown keys ({})", keys.join(", "))
            }
            DecodeError::Several(names) => {
                write!(f, "an object with several messages ({})", quoted(names))
            }
            DecodeError::Malformed { variant, error } => {
                write!(f, "a malformed `{variant}` message: {error}")
            }
        }
    }
}

impl std::error::Error for DecodeError {}

/// `` `a`, `b` ``.
pub fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Decode one line (or any JSON text) into message `M`, with a typed error.
pub fn decode<M: Message>(line: &[u8]) -> Result<M, DecodeError> {
    // Every document of a capture passes here: the common case in one pass, straight into the message;
    // the parse into a `Value` below only to say what is wrong.
    if let Ok(message) = serde_json::from_slice::<M>(line) {
        return Ok(message);
    }
    let value: Value =
        serde_json::from_slice(line).map_err(|e| DecodeError::NotJson(e.to_string()))?;
    decode_value(value)
}

/// [`decode`] of a parsed value.
pub fn decode_value<M: Message>(value: Value) -> Result<M, DecodeError> {
    let obj = match value {
        Value::Object(obj) => obj,
        other => return Err(DecodeError::NotAnObject(json_type(&other))),
    };
    let named: Vec<&'static str> = obj.keys().filter_map(|k| M::variant_of(k)).collect();
    match named.as_slice() {
        [] => Err(DecodeError::NoMessage {
            keys: obj.keys().cloned().collect(),
        }),
        [variant] => {
            let variant = *variant;
            serde_json::from_value(Value::Object(obj)).map_err(|e| DecodeError::Malformed {
                variant,
                error: e.to_string(),
            })
        }
        _ => Err(DecodeError::Several(named)),
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// One line of the JSON codec: the compact message and a newline.
pub fn encode<M: Message>(message: &M) -> Vec<u8> {
    let mut out = serde_json::to_vec(message).expect("protocol messages always serialize");
    out.push(b'\n');
    out
}

/// Writes a message enum: `enum Name { Variant(Body) = "wire" | "snake_alias", ... }` with serde impls
/// that read an object with one known key (unknown keys ignored) and write `{"wire": body}`, plus
/// [`Message`] and one [`Variant`] impl per body.
macro_rules! message_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident($body:ty) = $wire:literal $(| $alias:literal)* , )+
        }
    ) => {
        $(#[$meta])*
        // One message per line, moved along once: boxing the large bodies would buy nothing.
        #[allow(clippy::large_enum_variant)]
        #[derive(Debug, Clone, PartialEq)]
        pub enum $name {
            $( $(#[$vmeta])* $variant($body), )+
        }

        impl super::Message for $name {
            const NAMES: &'static [&'static str] = &[$($wire),+];
            fn name(&self) -> &'static str {
                match self {
                    $( $name::$variant(_) => $wire, )+
                }
            }
            fn variant_of(key: &str) -> Option<&'static str> {
                match key {
                    $( $wire $(| $alias)* => Some($wire), )+
                    _ => None,
                }
            }
        }

        $(
            impl super::Variant<$name> for $body {
                const NAME: &'static str = $wire;
                fn wrap(self) -> $name {
                    $name::$variant(self)
                }
                fn take(message: $name) -> Result<Self, $name> {
                    match message {
                        $name::$variant(body) => Ok(body),
                        #[allow(unreachable_patterns)]
                        other => Err(other),
                    }
                }
            }
        )+

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(Some(1))?;
                match self {
                    $( $name::$variant(body) => map.serialize_entry($wire, body)?, )+
                }
                map.end()
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visit;
                impl<'de> serde::de::Visitor<'de> for Visit {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(f, "an object with one of {}", super::quoted(&[$($wire),+]))
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                        use serde::de::Error;
                        let mut found: Option<$name> = None;
                        while let Some(key) = map.next_key::<String>()? {
                            let message = match key.as_str() {
                                $( $wire $(| $alias)* => $name::$variant(map.next_value()?), )+
                                _ => {
                                    map.next_value::<serde::de::IgnoredAny>()?;
                                    continue;
                                }
                            };
                            if let Some(first) = &found {
                                return Err(A::Error::custom(format!(
                                    "an object with several messages (`{}`, `{}`)",
                                    super::Message::name(first),
                                    super::Message::name(&message)
                                )));
                            }
                            found = Some(message);
                        }
                        found.ok_or_else(|| A::Error::custom(format!(
                            "an object with none of {}", super::quoted(&[$($wire),+])
                        )))
                    }
                }
                deserializer.deserialize_map(Visit)
            }
        }
    };
}

pub mod capture;
pub mod constraint;
pub mod flow;
pub mod materialize;

pub use constraint::{Constraint, ConstraintType};
pub use flow::{
    CaptureBinding, CaptureSpec, CollectionSpec, ConnectorState, ConnectorType, Exists,
    FieldSelection, Inference, MaterializationBinding, MaterializationSpec, PROTOCOL_VERSION,
    Projection, RangeSpec, Spec, SpecRequest, StringInference,
};

/// serde `skip_serializing_if` helpers: protobuf's canonical JSON leaves default values out.
pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}

pub(crate) fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests;
