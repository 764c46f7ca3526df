//! The one matching rule of every list filter (the connector list, the pickers, the bindings): the
//! filter's whitespace-separated words, lowercased, must each be found in an entry's lowercased text.

/// A filter's words, ready to match entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    terms: Vec<String>,
}

impl Query {
    pub fn new(filter: &str) -> Query {
        Query {
            terms: filter.split_whitespace().map(str::to_lowercase).collect(),
        }
    }

    /// No words: everything matches.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether the lowercased `hay` holds every word.
    pub fn matches(&self, hay: &str) -> bool {
        self.terms.iter().all(|t| hay.contains(t.as_str()))
    }

    /// The indices of the (lowercased) entries that match, in order.
    pub fn select<'a>(&self, hays: impl IntoIterator<Item = &'a str>) -> Vec<usize> {
        hays.into_iter()
            .enumerate()
            .filter(|(_, h)| self.matches(h))
            .map(|(i, _)| i)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_must_match_in_any_order_and_case() {
        let hays = [
            "public.users users",
            "public.orders orders",
            "sales.users users",
        ];
        assert_eq!(Query::new("  USERS public ").select(hays), [0]);
        assert_eq!(Query::new("users").select(hays), [0, 2]);
        assert_eq!(Query::new("").select(hays), [0, 1, 2]);
        assert!(Query::new(" ").is_empty());
        assert!(!Query::new("nothing").matches(hays[0]));
    }
}
