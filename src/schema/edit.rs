//! Editing a [`Form`]: set and unset values, choose options (keeping shared values), add and
//! remove list items. Every edit writes the schema's defaults back in.

use super::defaults::{fill, placeholder};
use super::error::FormError;
use super::field::Kind;
use super::form::Form;
use super::pointer;
use serde_json::{Map, Value};

impl Form {
    /// Set the value at a config pointer, creating parent objects as needed. Setting a choice's
    /// discriminator to another option's tag switches to that option.
    pub fn set(&mut self, at: &str, value: Value) -> Result<(), FormError> {
        let tokens = pointer::split(at).ok_or_else(|| FormError::BadPointer {
            pointer: at.to_string(),
        })?;
        if let Some((last, parents)) = tokens.split_last() {
            let parent_at = parents
                .iter()
                .fold(String::new(), |p, t| pointer::join(&p, t));
            if let Some(choice) = self.field(&parent_at).and_then(|f| f.choice())
                && choice.discriminator.as_deref() == Some(last.as_str())
                && let Some(index) = choice
                    .options
                    .iter()
                    .position(|o| o.tag.as_ref() == Some(&value))
            {
                self.choose(&parent_at, index)?;
            }
        }
        let slot =
            pointer::create(&mut self.value, &tokens).map_err(|reason| FormError::CannotSet {
                pointer: at.to_string(),
                reason,
            })?;
        *slot = value;
        self.refill();
        Ok(())
    }

    /// Remove the value at a config pointer; a field with a default gets its default back.
    pub fn unset(&mut self, at: &str) -> Result<Option<Value>, FormError> {
        let tokens = pointer::split(at).ok_or_else(|| FormError::BadPointer {
            pointer: at.to_string(),
        })?;
        let removed = pointer::remove(&mut self.value, &tokens);
        self.refill();
        Ok(removed)
    }

    /// Choose option `index` of the choice at a config pointer. Values at keys both options
    /// describe are kept, as are values no option describes; the old option's other values are
    /// put aside and come back if it is chosen again.
    pub fn choose(&mut self, at: &str, index: usize) -> Result<(), FormError> {
        let field = self.field(at).ok_or_else(|| FormError::NoField {
            pointer: at.to_string(),
        })?;
        let choice = field.choice().ok_or_else(|| FormError::NotAChoice {
            pointer: at.to_string(),
        })?;
        if index >= choice.options.len() {
            return Err(FormError::NoOption {
                pointer: at.to_string(),
                index,
                count: choice.options.len(),
            });
        }
        let old = self.selected(at).unwrap_or(choice.default_option);
        let choice = choice.clone();
        self.selections.insert(at.to_string(), index);
        let prefix = format!("{at}/");
        self.selections.retain(|p, _| !p.starts_with(&prefix));
        if old == index {
            self.refill();
            return Ok(());
        }
        let new_option = &choice.options[index];
        let old_option = &choice.options[old];
        let discriminator = choice.discriminator.as_deref();
        let current = self.value.pointer(at).cloned();
        let new_value = match (current, &new_option.field.kind) {
            (Some(Value::Object(map)), Kind::Object(new_object)) => {
                let mut kept = Map::new();
                let mut aside = Map::new();
                for (key, v) in map {
                    if Some(key.as_str()) == discriminator {
                        continue;
                    }
                    let in_new = new_object.field(&key).is_some();
                    let in_old = old_option.field.fields().iter().any(|f| f.key == key);
                    if in_new || !in_old {
                        kept.insert(key, v);
                    } else {
                        aside.insert(key, v);
                    }
                }
                if let Some(back) = self.stash.remove(&(at.to_string(), index)) {
                    for (key, v) in back {
                        kept.entry(key).or_insert(v);
                    }
                }
                self.stash.insert((at.to_string(), old), aside);
                if let (Some(key), Some(tag)) = (discriminator, &new_option.tag) {
                    kept.insert(key.to_string(), tag.clone());
                }
                Some(Value::Object(kept))
            }
            (_, Kind::Object(_)) => {
                let mut fresh = Map::new();
                if let (Some(key), Some(tag)) = (discriminator, &new_option.tag) {
                    fresh.insert(key.to_string(), tag.clone());
                }
                Some(Value::Object(fresh))
            }
            (_, _) => new_option
                .field
                .default
                .clone()
                .or_else(|| new_option.tag.clone())
                .or_else(|| Some(placeholder(&new_option.field))),
        };
        let tokens = pointer::split(at).unwrap_or_default();
        if let (Some(v), Ok(slot)) = (new_value, pointer::create(&mut self.value, &tokens)) {
            *slot = v;
        }
        self.refill();
        Ok(())
    }

    /// Append an item to the list at a config pointer (its defaults filled in); returns its index.
    pub fn push_item(&mut self, at: &str) -> Result<usize, FormError> {
        let field = self.field(at).ok_or_else(|| FormError::NoField {
            pointer: at.to_string(),
        })?;
        let Kind::Array(items) = &field.kind else {
            return Err(FormError::NotAList {
                pointer: at.to_string(),
            });
        };
        let index = match self.value.pointer(at) {
            Some(Value::Array(list)) => list.len(),
            _ => 0,
        };
        let item_at = pointer::join_index(at, index);
        let item = match items {
            Some(items) => fill(items, None, &item_at, &self.selections, true)
                .unwrap_or_else(|| placeholder(items)),
            None => Value::Null,
        };
        let tokens = pointer::split(at).unwrap_or_default();
        let slot =
            pointer::create(&mut self.value, &tokens).map_err(|reason| FormError::CannotSet {
                pointer: at.to_string(),
                reason,
            })?;
        match slot {
            Value::Array(list) => list.push(item),
            other => *other = Value::Array(vec![item]),
        }
        self.refill();
        Ok(index)
    }

    /// Remove item `index` of the list at a config pointer, and return it.
    pub fn remove_item(&mut self, at: &str, index: usize) -> Result<Value, FormError> {
        let Some(Value::Array(list)) =
            pointer::split(at).and_then(|tokens| tokens_mut(&mut self.value, &tokens))
        else {
            return Err(FormError::NotAList {
                pointer: at.to_string(),
            });
        };
        if index >= list.len() {
            return Err(FormError::NoItem {
                pointer: at.to_string(),
                index,
            });
        }
        let removed = list.remove(index);
        let prefix = format!("{at}/");
        self.selections.retain(|p, _| !p.starts_with(&prefix));
        self.refill();
        Ok(removed)
    }
}

fn tokens_mut<'a>(value: &'a mut Value, tokens: &[String]) -> Option<&'a mut Value> {
    let mut current = value;
    for token in tokens {
        current = match current {
            Value::Object(map) => map.get_mut(token)?,
            Value::Array(list) => list.get_mut(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}
