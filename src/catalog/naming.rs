//! Catalog names: connector names from images, normalising recommended names into valid collection
//! names, validating prefixes, and de-duplicating names deterministically. Pure: no I/O.
//!
//! A Flow catalog name matches `^[\p{Letter}\p{Number}\-_\.]+(/[\p{Letter}\p{Number}\-_\.]+)*$`,
//! and no part of it is `.` or `..`: names become paths (`<prefix>/<name>.flow.yaml`), and such a
//! part would lead out of the directory (Flow refuses them too).

use regex::Regex;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// The pattern Flow's JSON Schema gives for capture, collection and materialization names.
pub const NAME_PATTERN: &str = r"^[\p{Letter}\p{Number}\-_\.]+(/[\p{Letter}\p{Number}\-_\.]+)*$";

/// The name used when a recommended name has no usable character at all.
pub const FALLBACK_NAME: &str = "unnamed";

static TOKEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[\p{Letter}\p{Number}\-_\.]+").expect("valid token regex"));
static NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(NAME_PATTERN).expect("valid name regex"));

/// A name that Flow would refuse, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("the {what} is empty: give a name such as `acmeCo` or `acmeCo/dev`")]
    Empty { what: String },
    #[error(
        "the {what} `{name}` has an empty part at character {column} (two `/` in a row, or a `/` at the start or end): \
         write parts separated by single `/`, e.g. `acmeCo/dev`"
    )]
    EmptySegment {
        what: String,
        name: String,
        column: usize,
    },
    #[error(
        "the {what} `{name}` has the part `{part}` at character {column}: a part may not be `.` or `..` \
         (names become paths, and such a part leads out of the directory); use letters, numbers, `-`, `_` \
         and `.`, e.g. `acmeCo/dev`"
    )]
    DotPart {
        what: String,
        name: String,
        part: String,
        /// 1-based character position where the part starts.
        column: usize,
    },
    #[error(
        "the {what} `{name}` has {shown} at character {column}, which Flow does not allow in names: \
         use letters, numbers, `-`, `_` and `.`, with `/` between parts"
    )]
    BadChar {
        what: String,
        name: String,
        /// The offending character, described for a person (`' ' (a space)`).
        shown: String,
        /// 1-based character position.
        column: usize,
    },
}

/// True when `c` may appear inside a name part (`\p{Letter}`, `\p{Number}`, `-`, `_`, `.`).
pub fn is_name_char(c: char) -> bool {
    let mut buf = [0u8; 4];
    let s: &str = c.encode_utf8(&mut buf);
    TOKEN.is_match(s)
}

/// True when `name` is a valid Flow catalog name (the pattern, and no `.` or `..` part).
pub fn is_valid_name(name: &str) -> bool {
    NAME.is_match(name) && name.split('/').all(|part| part != "." && part != "..")
}

/// Check a full catalog name (capture, collection, materialization). `what` names it in the error,
/// e.g. `"collection name"`.
pub fn validate_name(what: &str, name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty { what: what.into() });
    }
    let mut column = 0;
    let mut segment_len = 0;
    for c in name.chars() {
        column += 1;
        if c == '/' {
            if segment_len == 0 {
                return Err(empty_segment(what, name, column));
            }
            segment_len = 0;
        } else if is_name_char(c) {
            segment_len += 1;
        } else {
            return Err(NameError::BadChar {
                what: what.into(),
                name: name.into(),
                shown: describe_char(c),
                column,
            });
        }
    }
    if segment_len == 0 {
        return Err(empty_segment(what, name, column));
    }
    let mut start = 1;
    for part in name.split('/') {
        if part == "." || part == ".." {
            return Err(NameError::DotPart {
                what: what.into(),
                name: name.into(),
                part: part.into(),
                column: start,
            });
        }
        start += part.chars().count() + 1;
    }
    debug_assert!(is_valid_name(name));
    Ok(())
}

fn empty_segment(what: &str, name: &str, column: usize) -> NameError {
    NameError::EmptySegment {
        what: what.into(),
        name: name.into(),
        column,
    }
}

fn describe_char(c: char) -> String {
    match c {
        ' ' => "' ' (a space)".into(),
        '\t' => "a tab".into(),
        '\\' => "'\\' (a backslash; use `/` between parts)".into(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        c => format!("'{c}' (U+{:04X})", c as u32),
    }
}

/// Check a prefix such as `acmeCo` or `acmeCo/dev/` and return it without a trailing `/`.
pub fn validate_prefix(prefix: &str) -> Result<String, NameError> {
    let trimmed = prefix.strip_suffix('/').unwrap_or(prefix);
    validate_name("prefix", trimmed)?;
    Ok(trimmed.to_string())
}

/// The connector's name from its image: the last `/` segment without tag or digest.
/// `ghcr.io/estuary/source-postgres:v1` -> `source-postgres`. Always a valid single name part.
pub fn connector_name(image: &str) -> String {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    let no_tag = last.split(':').next().unwrap_or(last);
    normalize_segment(no_tag).unwrap_or_else(|| FALLBACK_NAME.to_string())
}

/// The connector's name for a local command: the program's file name (`./bin/source-hello.py` ->
/// `source-hello.py`). Always a valid single name part.
pub fn local_connector_name(command: &[String]) -> String {
    let program = command.first().map(String::as_str).unwrap_or("");
    let file = std::path::Path::new(program)
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or(program);
    normalize_segment(file).unwrap_or_else(|| FALLBACK_NAME.to_string())
}

/// Turn a connector's recommended name into a valid collection name (without prefix).
///
/// Within each `/`-separated part, runs of allowed characters are joined with `_`
/// (`some greetings!` -> `some_greetings`); unicode letters and numbers are kept. Parts that end up
/// empty, or made only of dots (`.`, `..`), are dropped. Never empty: [`FALLBACK_NAME`] when nothing is left.
pub fn normalize_name(recommended: &str) -> String {
    let parts: Vec<String> = recommended
        .split('/')
        .filter_map(normalize_segment)
        .collect();
    if parts.is_empty() {
        FALLBACK_NAME.to_string()
    } else {
        parts.join("/")
    }
}

fn normalize_segment(segment: &str) -> Option<String> {
    let mut out = String::with_capacity(segment.len());
    for token in TOKEN.find_iter(segment) {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(token.as_str());
    }
    if out.chars().all(|c| c == '.') {
        None
    } else {
        Some(out)
    }
}

/// The last `/` part of a name: `acmeCo/public/orders` -> `orders`.
pub fn last_segment(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// Hands out unique names. Comparison ignores case, since two names differing only in case would make
/// files that collide on case-insensitive file systems. A taken name gets `_2`, `_3`, ... appended.
#[derive(Debug, Default, Clone)]
pub struct NameAllocator {
    taken: HashSet<String>,
    next_suffix: HashMap<String, usize>,
}

impl NameAllocator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Mark `name` as used. Returns false when it already was.
    pub fn reserve(&mut self, name: &str) -> bool {
        self.taken.insert(name.to_lowercase())
    }

    /// True when `name` (ignoring case) is taken.
    pub fn is_taken(&self, name: &str) -> bool {
        self.taken.contains(&name.to_lowercase())
    }

    /// `base` if free, else the first free `base_N` (N from 2). The result is reserved.
    pub fn allocate(&mut self, base: &str) -> String {
        let folded = base.to_lowercase();
        if self.taken.insert(folded.clone()) {
            return base.to_string();
        }
        let n = self.next_suffix.entry(folded).or_insert(2);
        loop {
            let candidate = format!("{base}_{n}");
            *n += 1;
            if self.taken.insert(candidate.to_lowercase()) {
                return candidate;
            }
        }
    }
}

/// Make a list of names unique, keeping order: the first of several equal names keeps it, later ones get
/// `_2`, `_3`, ... (skipping any name that appears elsewhere in the list). Deterministic, linear time.
pub fn dedupe_names(names: &[String]) -> Vec<String> {
    let mut counts: HashMap<String, usize> = HashMap::with_capacity(names.len());
    for n in names {
        *counts.entry(n.to_lowercase()).or_default() += 1;
    }
    let mut alloc = NameAllocator::new();
    // Names that occur once are reserved up front, so a suffixed duplicate never steals them.
    for n in names {
        if counts[&n.to_lowercase()] == 1 {
            alloc.reserve(n);
        }
    }
    names
        .iter()
        .map(|n| {
            if counts[&n.to_lowercase()] == 1 {
                n.clone()
            } else {
                alloc.allocate(n)
            }
        })
        .collect()
}

/// Default collection names for recommended names: `<prefix>/<normalize_name(r)>`, de-duplicated.
pub fn default_targets<'a>(
    prefix: &str,
    recommended: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    let names: Vec<String> = recommended
        .into_iter()
        .map(|r| format!("{prefix}/{}", normalize_name(r)))
        .collect();
    dedupe_names(&names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connector_names() {
        assert_eq!(
            connector_name("ghcr.io/estuary/source-postgres:v1"),
            "source-postgres"
        );
        assert_eq!(connector_name("source-hello"), "source-hello");
        assert_eq!(
            connector_name("localhost:5000/a/b/source-x:dev"),
            "source-x"
        );
        assert_eq!(connector_name("ghcr.io/x/source-y@sha256:abcd"), "source-y");
        assert_eq!(
            connector_name("ghcr.io/x/source-y:v2@sha256:abcd"),
            "source-y"
        );
        assert_eq!(connector_name(""), FALLBACK_NAME);
        let cmd = vec!["./fixtures/source hello.py".to_string(), "--x".into()];
        assert_eq!(local_connector_name(&cmd), "source_hello.py");
        assert_eq!(local_connector_name(&[]), FALLBACK_NAME);
    }

    #[test]
    fn normalize_examples() {
        assert_eq!(normalize_name("some greetings!"), "some_greetings");
        assert_eq!(normalize_name("public/orders"), "public/orders");
        assert_eq!(normalize_name("/a//b/"), "a/b");
        assert_eq!(normalize_name("Größe café 東京"), "Größe_café_東京");
        assert_eq!(normalize_name("v1.2-beta_x"), "v1.2-beta_x");
        assert_eq!(normalize_name("a/../b/./c"), "a/b/c");
        assert_eq!(normalize_name(""), FALLBACK_NAME);
        assert_eq!(normalize_name("!!! / ???"), FALLBACK_NAME);
        assert_eq!(normalize_name("  orders  "), "orders");
        assert_eq!(normalize_name("a\\b"), "a_b");
        for s in ["x y/z", "", "é", "🎉 party", "a:b", "..", "a/.../b"] {
            assert!(is_valid_name(&normalize_name(s)), "{s:?}");
        }
    }

    #[test]
    fn validate_reports_the_bad_char() {
        assert_eq!(validate_prefix("acmeCo/").unwrap(), "acmeCo");
        assert_eq!(validate_prefix("acmeCo/dev").unwrap(), "acmeCo/dev");
        let e = validate_prefix("acme Co").unwrap_err();
        assert!(matches!(&e, NameError::BadChar { column: 5, .. }), "{e:?}");
        assert!(e.to_string().contains("a space"), "{e}");
        assert!(matches!(
            validate_prefix("a//b").unwrap_err(),
            NameError::EmptySegment { column: 3, .. }
        ));
        assert!(matches!(
            validate_prefix("").unwrap_err(),
            NameError::Empty { .. }
        ));
        assert!(matches!(
            validate_prefix("/").unwrap_err(),
            NameError::Empty { .. }
        ));
        assert!(validate_name("collection name", "ünï/cödé-1.2_3").is_ok());
        for bad in ["..", ".", "acmeCo/../..", "acmeCo/./x", "a/.."] {
            let e = validate_prefix(bad).unwrap_err();
            assert!(matches!(e, NameError::DotPart { .. }), "{bad}: {e:?}");
            assert!(!is_valid_name(bad), "{bad}");
        }
        let e = validate_name("--name", "acmeCo/../evil").unwrap_err();
        assert!(
            matches!(&e, NameError::DotPart { column: 8, part, .. } if part == ".."),
            "{e:?}"
        );
        assert!(validate_name("prefix", "a/.../b.c/.x").is_ok());
        let e = validate_name("collection name", "a/b:c").unwrap_err();
        assert!(e.to_string().contains("':'"), "{e}");
    }

    #[test]
    fn dedupe_is_deterministic() {
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            dedupe_names(&v(&["a", "b", "a", "a_2", "a", "A"])),
            v(&["a", "b", "a_3", "a_2", "a_4", "A_5"])
        );
        assert_eq!(
            default_targets("p", ["some greetings!", "some greetings?", "x"]),
            v(&["p/some_greetings", "p/some_greetings_2", "p/x"])
        );
    }

    #[test]
    fn allocator_suffixes() {
        let mut a = NameAllocator::new();
        assert_eq!(a.allocate("x"), "x");
        assert_eq!(a.allocate("X"), "X_2");
        assert!(a.reserve("x_3"));
        assert_eq!(a.allocate("x"), "x_4");
    }
}
