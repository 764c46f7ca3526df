//! Which option of a choice a config value selects: by discriminator tag, else by best fit.

use super::field::{Choice, Field, Kind};
use serde_json::Value;

impl Choice {
    /// The option `value` selects: the option whose tag equals the value's discriminator
    /// property; else, for objects, the option describing most of the value's keys (and none it
    /// forbids); for scalars, the first option whose type and `const`/`enum` admit the value.
    /// Absent, null or empty values select [`Choice::default_option`].
    pub fn select(&self, value: Option<&Value>) -> usize {
        let fallback = self
            .default_option
            .min(self.options.len().saturating_sub(1));
        let Some(value) = value.filter(|v| !v.is_null()) else {
            return fallback;
        };
        if value.as_object().is_some_and(|m| m.is_empty()) {
            return fallback;
        }
        if let (Some(key), Value::Object(map)) = (&self.discriminator, value)
            && let Some(tag) = map.get(key)
            && let Some(index) = self
                .options
                .iter()
                .position(|o| o.tag.as_ref() == Some(tag))
        {
            return index;
        }
        let mut best: Option<(i64, usize)> = None;
        for (index, option) in self.options.iter().enumerate() {
            let Some(score) = fit(&option.field, value) else {
                continue;
            };
            let better = match best {
                None => true,
                Some((s, b)) => score > s || (score == s && index == fallback && b != fallback),
            };
            if better {
                best = Some((score, index));
            }
        }
        best.map_or(fallback, |(_, index)| index)
    }
}

/// How well `value` fits an option's body: `None` when it cannot fit at all.
fn fit(body: &Field, value: &Value) -> Option<i64> {
    if let Some(c) = &body.const_value
        && c != value
    {
        return None;
    }
    if !body.enum_values.is_empty() && !body.enum_values.contains(value) {
        return None;
    }
    match (&body.kind, value) {
        (Kind::Object(object), Value::Object(map)) => {
            let mut score = 0i64;
            for (key, v) in map {
                match object.field(key) {
                    Some(f) => {
                        let pinned = f.const_value.as_ref().or(match f.enum_values.as_slice() {
                            [only] => Some(only),
                            _ => None,
                        });
                        match pinned {
                            // A value the option pins differently rules it out, unless it is the
                            // field's own default (so that filling defaults never flips options).
                            Some(p) if p != v && f.default.as_ref() != Some(v) => return None,
                            Some(_) => score += 4,
                            None => score += 2,
                        }
                    }
                    None if !object.additional_allowed => score -= 3,
                    None => score -= 1,
                }
            }
            // Missing keys do not count: filling defaults then never changes the best fit.
            Some(score)
        }
        // A choice inside an option fits as well as its best option.
        (Kind::Choice(choice), _) => choice
            .options
            .iter()
            .filter_map(|o| fit(&o.field, value))
            .max(),
        (Kind::Any, _) => Some(0),
        (Kind::Object(_), _) => None,
        (Kind::Array(_), Value::Array(_)) => Some(1),
        (Kind::String, Value::String(_)) | (Kind::Boolean, Value::Bool(_)) => Some(1),
        (Kind::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => Some(1),
        (Kind::Number, Value::Number(_)) => Some(1),
        (Kind::Null, Value::Null) => Some(1),
        _ => None,
    }
}
