//! Input echoed back never floods the terminal: a connector's 50 MB log line, a 50 MB line of garbage on its
//! stdout, a 10 MB one-line catalog and `/etc/passwd` imported as a catalog all give short output that says
//! how big the input was and, for files, names the file and line.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

const MB50: usize = 50 * 1024 * 1024;

/// A local connector that prints one `bytes`-long line: `stderr` (an Airbyte connector whose log line is
/// huge, then exit 1), `stdout` (an Airbyte connector whose first stdout line is huge and not JSON, then
/// its spec), `flow` (a Flow connector answering with a huge line that is not JSON).
fn flooder(dir: &Path) -> PathBuf {
    let path = dir.join("flooder");
    std::fs::write(
        &path,
        r#"#!/bin/sh
big() { head -c "$2" /dev/zero | tr '\0' x; }
case "$1" in
  stderr) { printf 'ERROR: '; big "$@"; echo; } >&2; exit 1 ;;
  stdout) big "$@"; echo; echo '{"type":"SPEC","spec":{"connectionSpecification":{"type":"object"}}}' ;;
  flow) big "$@"; echo ;;
esac
"#,
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn spec(dir: &Path, protocol: &str, how: &str, extra: &[&str]) -> support::Ran {
    let script = flooder(dir);
    let bytes = MB50.to_string();
    let mut args = vec!["spec"];
    args.extend_from_slice(extra);
    args.extend(["--protocol", protocol, "--local", "--"]);
    args.extend([script.to_str().unwrap(), how, &bytes]);
    support::run_catwalk(dir, &args)
}

#[test]
fn a_50_mb_log_line_is_shown_clipped_with_its_size() {
    let tmp = support::temp_dir();
    let ran = spec(tmp.path(), "airbyte", "stderr", &[]);
    let err = ran.stderr();
    assert_ne!(ran.code(), Some(0), "{err}");
    assert!(err.len() < 6_000, "{} bytes on stderr", err.len());
    // The printed log line, then the error naming the line as the reason.
    assert!(
        err.contains("connector error: ERROR: xxx")
            && err.contains("… (52,428,807 bytes; first 2,000 shown)"),
        "{err}"
    );
    assert!(err.contains("(52,428,807 bytes; first 500 shown)"), "{err}");
}

#[test]
fn a_50_mb_line_of_stdout_garbage_is_logged_clipped() {
    let tmp = support::temp_dir();
    // Airbyte: a line that is not JSON is logged (shown with -v), and the spec that follows is read.
    let ran = spec(tmp.path(), "airbyte", "stdout", &["-v"]);
    let err = ran.stderr();
    assert_eq!(ran.code(), Some(0), "{err}");
    assert!(err.len() < 6_000, "{} bytes on stderr", err.len());
    assert!(
        err.contains("xxx… (52,428,800 bytes; first 500 shown)"),
        "{err}"
    );
    assert!(
        ran.stdout().contains("\"type\": \"object\""),
        "{}",
        ran.stdout()
    );

    // Flow: an answer that is not JSON is a protocol error quoting the line.
    let ran = spec(tmp.path(), "flow", "flow", &[]);
    let err = ran.stderr();
    assert_ne!(ran.code(), Some(0), "{err}");
    assert!(err.len() < 2_000, "{} bytes on stderr: {err}", err.len());
    assert!(
        err.contains("xxx… (52,428,800 bytes; first 200 shown)"),
        "{err}"
    );
}

fn check(dir: &Path, catalog: &str) -> support::Ran {
    support::run_catwalk(dir, &["check", "--source", catalog])
}

#[test]
fn a_10_mb_one_line_catalog_gives_a_short_error_with_file_and_line() {
    let tmp = support::temp_dir();
    let big = "x".repeat(10 * 1024 * 1024);
    for (name, text) in [
        ("big.flow.yaml", format!("collections: \"{big}\"")),
        ("big.flow.json", format!("{{\"collections\": \"{big}\"}}")),
    ] {
        std::fs::write(tmp.path().join(name), text).unwrap();
        let ran = check(tmp.path(), name);
        let err = ran.stderr();
        assert_eq!(ran.code(), Some(3), "{err}");
        assert!(err.len() < 1_000, "{name}: {} bytes on stderr", err.len());
        assert!(err.contains(&format!("{name}:1:")), "{err}");
        assert!(err.contains("(10,485,760 bytes; first 200 shown)"), "{err}");
        assert!(err.contains("expected a map"), "{err}");
    }

    // A catalog that parses, with a 10 MB value where Flow's schema wants another type: the structure
    // error names the file and the JSON pointer, with the value clipped.
    let name = "typed.flow.yaml";
    std::fs::write(tmp.path().join(name), format!("tests: \"{big}\"")).unwrap();
    let ran = check(tmp.path(), name);
    let err = ran.stderr();
    assert_eq!(ran.code(), Some(3), "{err}");
    assert!(err.len() < 2_000, "{} bytes on stderr", err.len());
    assert!(err.contains(name) && err.contains("/tests"), "{err}");
    assert!(err.contains("(10,485,762 bytes; first 200 shown)"), "{err}");
}

#[test]
fn importing_etc_passwd_gives_a_short_error_with_file_and_line() {
    let tmp = support::temp_dir();
    std::fs::write(tmp.path().join("cat.flow.yaml"), "import: [/etc/passwd]\n").unwrap();
    let ran = check(tmp.path(), "cat.flow.yaml");
    let err = ran.stderr();
    assert_eq!(ran.code(), Some(3), "{err}");
    assert!(err.contains("/etc/passwd:1:"), "{err}");
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
    let second = passwd.lines().nth(10).unwrap_or("no such line");
    assert!(!err.contains(second), "the file is echoed: {err}");
    assert!(err.len() < 800, "{} bytes on stderr: {err}", err.len());
}
