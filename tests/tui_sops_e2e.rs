//! The wizard with sops end to end: the real `catwalk` binary in tmux, the Flow fixture as a local command
//! (protocol flow, whose `password` is secret), a config encrypted by the real sops for a real age key
//! (`SOPS_AGE_KEY_FILE` in the pane's environment). Step 3 opens the encrypted file (decrypted in memory,
//! the password masked), steps 4 to 6 go through, step 7 checks the bindings with the connector and saves
//! the config encrypted again for the same key. The saved config has `password_sops` as ciphertext and no
//! plaintext password; `catwalk check --source` passes with the key; the password is in no capture, not in
//! catwalk's log and not in any file written.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::tmux::Tmux;

const PASSWORD: &str = "s3cret-e2e-sops-pw";
const SLOW: Duration = Duration::from_secs(120);

/// The fixture's config encrypted by sops itself (suffix mode, as Flow writes them), through pipes: the
/// plaintext never touches the disk, so any file holding the password was written by catwalk.
fn encrypted_config(path: &Path, recipient: &str) {
    let plain = serde_json::json!({"host": "db.internal", "password_sops": PASSWORD});
    let text = support::sops_encrypt(&plain, recipient);
    assert!(!text.contains(PASSWORD));
    std::fs::write(path, text).unwrap();
}

fn drive(name: &str, w: u16, h: u16) {
    let tmp = support::temp_dir();
    let support::AgeKey {
        file: key_file,
        recipient,
    } = support::age_key(tmp.path(), "age-key.txt");
    let input = tmp.path().join("pg.config.yaml");
    encrypted_config(&input, &recipient);
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();

    let t = Tmux::start(&format!("sops-{name}"), w, h, None);
    t.forbid(PASSWORD, false);
    t.text(&format!(
        "export SOPS_AGE_KEY_FILE={} CATWALK_SOPS={} CATWALK_LOG=catwalk=trace",
        key_file.display(),
        support::sops_bin().display()
    ));
    t.keys(&["Enter"]);
    t.start_catwalk(Some(&out));
    t.wait_for(&["1 Connector", "Local command…"]);
    t.keys(&["Down", "Enter"]);
    t.wait_for(&["Protocol"]);
    t.text(&support::fixture_bin().display().to_string());
    t.keys(&["Tab", "Right", "Enter"]);
    t.wait_long(&["The endpoint config tells", "› Host *"], SLOW);
    // Step 3: open the encrypted config.
    t.keys(&["C-o"]);
    t.wait_for(&["Fill the form from a config file"]);
    t.text(&input.display().to_string());
    t.keys(&["Enter"]);
    let screen = t.wait_long(&["Decrypted", "with sops", "db.internal"], SLOW);
    assert!(screen.contains("••••"), "the password is masked:\n{screen}");
    t.keys(&["C-n"]);
    t.wait_for(&["SSH tunnel", "Enter skip"]);
    t.keys(&["Enter"]);
    t.wait_long(&["✓ The check passed"], SLOW);
    t.keys(&["Enter"]);
    t.wait_long(&["2 of 3 selected"], SLOW);
    t.keys(&["C-n"]);
    // The preview step (documents read before saving): passed over here.
    t.wait_for(&["A few documents per binding"]);
    t.keys(&["s"]);
    let screen = t.wait_long(
        &[
            "Review and save",
            "Bindings: ✓ all 2 pass",
            "sops: secret fields",
            "sops (age",
        ],
        SLOW,
    );
    assert!(screen.contains("the opened file's keys"), "{screen}");
    for line in screen.lines() {
        assert!(
            line.chars().count() <= w as usize,
            "wider than the pane: {line}"
        );
    }
    t.keys(&["Enter"]);
    let screen = t.wait_long(&["✓ Saved the capture", "with your sops key"], SLOW);
    assert!(screen.contains("catwalk check --source"), "{screen}");
    t.keys(&["q"]);
    t.assert_restored();

    // The saved config: the password encrypted under `password_sops`, the rest readable, mode 0600.
    let flow = support::files_below(&out)
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with(".flow.yaml"))
        .expect("a catalog file");
    let config = PathBuf::from(flow.to_string_lossy().replace(".flow.yaml", ".config.yaml"));
    let doc = support::read_yaml(&config);
    let pw = doc["password_sops"].as_str().unwrap_or_default();
    assert!(pw.starts_with("ENC[AES256_GCM,"), "{doc:#}");
    assert!(doc.get("password").is_none(), "{doc:#}");
    assert_eq!(doc["host"], "db.internal");
    assert_eq!(doc["sops"]["encrypted_suffix"], "_sops");
    assert_eq!(doc["sops"]["age"][0]["recipient"], recipient.as_str());
    let mode = std::fs::metadata(&config).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "config mode {mode:o}");

    // `catwalk check` decrypts it with the key and passes.
    let ran = support::run_with_timeout(
        support::catwalk(&out)
            .args(["check", "--source", &flow.display().to_string()])
            .env("SOPS_AGE_KEY_FILE", &key_file)
            .env("CATWALK_SOPS", support::sops_bin())
            .env("XDG_STATE_HOME", t.dir.path().join("state")),
        None,
        SLOW,
    );
    support::assert_check_passed(&ran);
    for text in [ran.stdout(), ran.stderr()] {
        assert!(
            !text.contains(PASSWORD),
            "check printed the password:\n{text}"
        );
    }

    // No file written (catalog, config, schemas, draft, catwalk's log at trace level) holds the password.
    let log = t.dir.path().join("state/catwalk/catwalk.log");
    assert!(log.is_file(), "catwalk's log is at {}", log.display());
    let mut files = support::files_below(&out);
    files.extend(support::files_below(t.dir.path()));
    files.push(input.clone());
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(PASSWORD),
            "{} holds the password",
            f.display()
        );
    }
    assert!(files.len() >= 5, "{files:?}");
}

#[test]
fn an_encrypted_config_opened_in_the_wizard_is_saved_encrypted_at_120x40() {
    drive("wide", 120, 40);
}

#[test]
fn an_encrypted_config_opened_in_the_wizard_is_saved_encrypted_at_80x24() {
    drive("narrow", 80, 24);
}

/// Step 7's bindings check with the real fixture (a local command, protocol flow): with one binding whose
/// resource the fixture does not have, validating all fails, each is then validated alone, and the verdicts
/// say which one fails with the connector's own message.
#[tokio::test]
async fn the_bindings_check_names_the_failing_binding_with_the_connectors_message() {
    use catwalk::model::{CollectionSpec, ConnectorKind, Protocol, ValidateBinding};
    use catwalk::tui::connectors::ConnectorChoice;
    use catwalk::tui::msg::{BindingVerdict, Run};
    let binding = |name: &str| ValidateBinding {
        resource_config: serde_json::json!({"name": name}),
        collection: CollectionSpec {
            name: format!("acmeCo/{name}"),
            key: vec!["/id".into()],
            write_schema: serde_json::json!({"type": "object", "required": ["id"],
                "properties": {"id": {"type": "integer"}}}),
            read_schema: None,
        },
        backfill: 0,
        field_config: Default::default(),
    };
    let run = Run {
        choice: ConnectorChoice::Local {
            command: vec![support::fixture_bin().display().to_string()],
            title: None,
            protocol: Some(Protocol::Flow),
            env: Default::default(),
        },
        protocol: Protocol::Flow,
        kind: ConnectorKind::Capture,
    };
    let config = serde_json::json!({"host": "db.internal", "password": PASSWORD});
    let bindings = [
        binding("users"),
        binding("no_such_table"),
        binding("events"),
    ];
    let resource_schema = serde_json::json!({"type": "object", "required": ["name"],
        "properties": {"name": {"type": "string"}}});
    let report: catwalk::tui::tasks::Report = std::sync::Arc::new(|_| {});
    let check = catwalk::tui::tasks::check_bindings(
        &run,
        "acmeCo/flow-fixture",
        &config,
        &bindings,
        &resource_schema,
        report.clone(),
    )
    .await
    .expect("the check runs");
    assert_eq!(check.overall, None, "{check:?}");
    assert_eq!(check.verdicts[0], BindingVerdict::Passed, "{check:?}");
    assert_eq!(check.verdicts[2], BindingVerdict::Passed, "{check:?}");
    match &check.verdicts[1] {
        BindingVerdict::Failed(m) => assert!(m.contains("\"no_such_table\" does not exist"), "{m}"),
        other => panic!("{other:?}"),
    }
    // A resource that does not match the resource schema fails before the connector runs.
    let mut bad = binding("users");
    bad.resource_config = serde_json::json!({"name": 7});
    let check = catwalk::tui::tasks::check_bindings(
        &run,
        "acmeCo/flow-fixture",
        &config,
        &[bad],
        &resource_schema,
        report,
    )
    .await
    .unwrap();
    match &check.verdicts[0] {
        BindingVerdict::Failed(m) => assert!(m.contains("resource schema"), "{m}"),
        other => panic!("{other:?}"),
    }
}
