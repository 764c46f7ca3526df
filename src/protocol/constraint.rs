//! A materialization's constraint on one field (`materialize.Response.Validated.Constraint`), and what each
//! type allows.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A connector's constraint on one projection of a validated binding.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Constraint {
    #[serde(rename = "type")]
    pub kind: ConstraintType,
    /// Why, in the connector's words.
    pub reason: String,
    /// The name the endpoint stores the field under, when it must differ (lower-cased, `/` replaced...).
    #[serde(alias = "folded_field", skip_serializing_if = "Option::is_none")]
    pub folded_field: Option<String>,
}

/// `Constraint.Type`. Flow rejects a type it does not know (no fallback variant: neither does this), and
/// accepts the enum's numbers as well as its names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum ConstraintType {
    /// Unset (0): a connector bug; never selectable.
    #[default]
    Invalid,
    /// A field of this exact name must be selected.
    FieldRequired,
    /// Some field of this location must be selected.
    LocationRequired,
    /// Deprecated: Flow reads it as [`ConstraintType::FieldOptional`], though recommended by default.
    LocationRecommended,
    /// May be selected.
    FieldOptional,
    /// Can never be selected.
    FieldForbidden,
    /// Cannot be selected unless the binding is backfilled.
    Incompatible,
    /// The old name of [`ConstraintType::Incompatible`].
    Unsatisfiable,
}

impl ConstraintType {
    pub const ALL: [ConstraintType; 8] = [
        ConstraintType::Invalid,
        ConstraintType::FieldRequired,
        ConstraintType::LocationRequired,
        ConstraintType::LocationRecommended,
        ConstraintType::FieldOptional,
        ConstraintType::FieldForbidden,
        ConstraintType::Incompatible,
        ConstraintType::Unsatisfiable,
    ];

    /// The wire name, e.g. `LOCATION_REQUIRED`.
    pub fn as_str(self) -> &'static str {
        match self {
            ConstraintType::Invalid => "INVALID",
            ConstraintType::FieldRequired => "FIELD_REQUIRED",
            ConstraintType::LocationRequired => "LOCATION_REQUIRED",
            ConstraintType::LocationRecommended => "LOCATION_RECOMMENDED",
            ConstraintType::FieldOptional => "FIELD_OPTIONAL",
            ConstraintType::FieldForbidden => "FIELD_FORBIDDEN",
            ConstraintType::Incompatible => "INCOMPATIBLE",
            ConstraintType::Unsatisfiable => "UNSATISFIABLE",
        }
    }

    /// The protobuf enum number.
    pub fn number(self) -> u32 {
        self as u32
    }

    pub fn from_name(name: &str) -> Option<ConstraintType> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    pub fn from_number(n: u64) -> Option<ConstraintType> {
        Self::ALL.into_iter().find(|t| u64::from(t.number()) == n)
    }

    /// The field (FIELD_REQUIRED) or its location (LOCATION_REQUIRED) must be selected.
    pub fn is_required(self) -> bool {
        matches!(
            self,
            ConstraintType::FieldRequired | ConstraintType::LocationRequired
        )
    }

    /// Selected when the binding asks for recommended fields.
    pub fn is_recommended(self) -> bool {
        self == ConstraintType::LocationRecommended
    }

    pub fn is_optional(self) -> bool {
        self == ConstraintType::FieldOptional
    }

    /// The field may be selected (by the user, or by default).
    pub fn is_selectable(self) -> bool {
        self.is_required() || self.is_recommended() || self.is_optional()
    }

    /// The field cannot be selected (forbidden, or incompatible without a backfill, or no valid type).
    pub fn refuses(self) -> bool {
        !self.is_selectable()
    }

    /// A backfill of the binding would make the field selectable again.
    pub fn cleared_by_backfill(self) -> bool {
        matches!(
            self,
            ConstraintType::Incompatible | ConstraintType::Unsatisfiable
        )
    }
}

impl std::fmt::Display for ConstraintType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ConstraintType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ConstraintType::from_name(s).ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|t| t.as_str()).collect();
            format!(
                "unknown constraint type {s:?}: expected one of {}",
                names.join(", ")
            )
        })
    }
}

impl Serialize for ConstraintType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ConstraintType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = ConstraintType;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a constraint type (FIELD_REQUIRED, LOCATION_REQUIRED, LOCATION_RECOMMENDED, FIELD_OPTIONAL, FIELD_FORBIDDEN, INCOMPATIBLE, UNSATISFIABLE) or its number")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ConstraintType, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ConstraintType, E> {
                ConstraintType::from_number(v)
                    .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ConstraintType, E> {
                u64::try_from(v)
                    .ok()
                    .and_then(ConstraintType::from_number)
                    .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Signed(v), &self))
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_and_numbers_round_trip() {
        for t in ConstraintType::ALL {
            assert_eq!(serde_json::to_value(t).unwrap(), json!(t.as_str()));
            assert_eq!(
                serde_json::from_value::<ConstraintType>(json!(t.as_str())).unwrap(),
                t
            );
            assert_eq!(
                serde_json::from_value::<ConstraintType>(json!(t.number())).unwrap(),
                t
            );
        }
        assert_eq!(ConstraintType::LocationRequired.number(), 2);
        assert_eq!(ConstraintType::Unsatisfiable.number(), 7);
        let e = serde_json::from_value::<ConstraintType>(json!("FIELD_MAYBE")).unwrap_err();
        assert!(
            e.to_string()
                .contains("unknown constraint type \"FIELD_MAYBE\""),
            "{e}"
        );
        assert!(serde_json::from_value::<ConstraintType>(json!(8)).is_err());
    }

    #[test]
    fn what_each_type_allows() {
        use ConstraintType::*;
        let required: Vec<_> = ConstraintType::ALL
            .into_iter()
            .filter(|t| t.is_required())
            .collect();
        assert_eq!(required, [FieldRequired, LocationRequired]);
        let refused: Vec<_> = ConstraintType::ALL
            .into_iter()
            .filter(|t| t.refuses())
            .collect();
        assert_eq!(
            refused,
            [Invalid, FieldForbidden, Incompatible, Unsatisfiable]
        );
        assert!(LocationRecommended.is_selectable() && !LocationRecommended.is_required());
        assert!(Incompatible.cleared_by_backfill() && !FieldForbidden.cleared_by_backfill());
    }

    #[test]
    fn constraints_read_flow_json() {
        let c: Constraint = serde_json::from_value(
            json!({"type": "FIELD_OPTIONAL", "reason": "r", "folded_field": "a_b", "extra": 1}),
        )
        .unwrap();
        assert_eq!(c.kind, ConstraintType::FieldOptional);
        assert_eq!(c.folded_field.as_deref(), Some("a_b"));
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            json!({"type": "FIELD_OPTIONAL", "reason": "r", "foldedField": "a_b"})
        );
        // Without a type it is INVALID (protobuf's zero value), and so refused.
        let c: Constraint = serde_json::from_value(json!({"reason": "r"})).unwrap();
        assert!(c.kind.refuses());
    }
}
