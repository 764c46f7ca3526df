//! Specs cached on disk (`<cache>/specs/<key>.json`), so that a connector asked again starts no process.
//! Shared by the verbs and the wizard; [`super::Connector::open`] reads it when [`super::Options`] carry one.
//!
//! Keys: an image by its digest (or, built locally, its id), which names exactly one image content. A local
//! command by a fingerprint ([`local_key`]): the program's path and file stamp (size, mtime, ctime, inode),
//! the arguments, the endpoint's environment, catwalk's own environment (less a few variables that change
//! from one shell command to the next), the working directory, and the stamps of every file the command
//! names (arguments that are files, or programs on PATH). Python gets more: the `site-packages` directories
//! of the interpreter (a console script's `#!` line names it; their mtime changes when a package is
//! installed, upgraded or removed), and the `.py` files of a `-m` module found in the working directory or
//! on PYTHONPATH. What it cannot see: an edit inside an editable install (`pip install -e`), a file the
//! program reads by itself (a config it finds in the home directory), a re-tagged image a wrapper script
//! pulls. `catwalk spec` always asks the connector (and refreshes the entry); `--no-cache` or
//! `CATWALK_NO_SPEC_CACHE=1` bypass the cache everywhere.

use super::ImageInfo;
use crate::model::Spec;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Set (to anything but empty or `0`) to bypass the cache: nothing read, nothing written. catwalk passes it
/// on to local connectors when bypassing, so that `catwalk adapt` run by `catwalk check` bypasses too.
pub const BYPASS_ENV: &str = "CATWALK_NO_SPEC_CACHE";

/// Variables left out of a local command's key: they change between two commands typed in one shell, or
/// catwalk sets them itself for every run.
const VOLATILE_ENV: &[&str] = &[
    "_",
    "OLDPWD",
    "PWD",
    "COLUMNS",
    "LINES",
    "LOG_LEVEL",
    "FLOW_RUNTIME_CODEC",
    BYPASS_ENV,
];

/// At most this many `.py` files of a `-m` package are stamped; a bigger tree is not cached.
const MAX_MODULE_FILES: usize = 2000;

#[derive(Debug, Clone)]
pub struct SpecCache {
    dir: PathBuf,
    /// False: only store fresh answers (`catwalk spec`, the wizard's "fetch again").
    read: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    /// What the spec is of (`image X`, `command Y`), for people reading the cache.
    #[serde(alias = "image")]
    subject: String,
    #[serde(alias = "digest")]
    key: String,
    spec: Spec,
}

/// Whether the cache is bypassed by the environment ([`BYPASS_ENV`]).
pub fn bypassed_by_env() -> bool {
    std::env::var_os(BYPASS_ENV).is_some_and(|v| !v.is_empty() && v != "0")
}

/// The key of an image: the hex of its registry digest, else of its id. `None` when neither is a sha256.
pub fn key(info: &ImageInfo) -> Option<String> {
    let hex = |s: &str| {
        let h = s.rsplit("sha256:").next().unwrap_or_default();
        (h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit())).then(|| h.to_ascii_lowercase())
    };
    info.digest
        .as_deref()
        .and_then(|d| d.contains("sha256:").then(|| hex(d)).flatten())
        .or_else(|| hex(&info.id))
}

/// The key of a local command (see the module header for what goes in), or `None` when it cannot be
/// cached: the program is not found, or it is catwalk itself (`catwalk adapt` caches the connector it
/// wraps, which this key could not see).
pub fn local_key(command: &[String], env: &BTreeMap<String, String>) -> Option<String> {
    let cwd = std::env::current_dir().ok()?;
    let path_var = env
        .get("PATH")
        .cloned()
        .or_else(|| std::env::var("PATH").ok())
        .unwrap_or_default();
    let program = resolve(command.first()?, &path_var, &cwd)?;
    if is_catwalk(&program) {
        return None;
    }
    let mut fp = Fingerprint::default();
    fp.add("local-v1");
    fp.add(&cwd.to_string_lossy());
    fp.stamp(&program)?;
    for arg in command {
        fp.add(arg);
    }
    for (k, v) in env {
        fp.add(&format!("endpoint-env {k}={v}"));
    }
    let mut ours: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.to_string_lossy().into_owned())))
        .filter(|(k, _)| !VOLATILE_ENV.contains(&k.as_str()))
        .collect();
    ours.sort();
    for (k, v) in ours {
        fp.add(&format!("env {k}={v}"));
    }
    // Every word that names a file: `python main.py`, wrappers (`uv run source-x`), the program itself.
    let mut pythons = Vec::new();
    for (i, word) in command.iter().enumerate() {
        let file = if i == 0 {
            Some(program.clone())
        } else {
            resolve(word, &path_var, &cwd).filter(|p| p.is_file())
        };
        if let Some(file) = file {
            fp.stamp(&file)?;
            pythons.extend(python_of(&file));
        }
    }
    pythons.sort();
    pythons.dedup();
    for python in &pythons {
        for dir in site_packages(python) {
            fp.add(&format!("site-packages {}", dir.display()));
            fp.stamp(&dir)?;
        }
    }
    if !pythons.is_empty()
        && let Some(module) = command
            .iter()
            .position(|a| a == "-m")
            .and_then(|i| command.get(i + 1))
    {
        let pythonpath = env
            .get("PYTHONPATH")
            .cloned()
            .or_else(|| std::env::var("PYTHONPATH").ok())
            .unwrap_or_default();
        let roots = std::iter::once(cwd.clone()).chain(std::env::split_paths(&pythonpath));
        for root in roots {
            let base = root.join(module.replace('.', "/"));
            let file = base.with_extension("py");
            if base.is_dir() {
                let mut files = Vec::new();
                py_files(&base, &mut files)?;
                files.sort();
                for f in files {
                    fp.stamp(&f)?;
                }
            } else if file.is_file() {
                fp.stamp(&file)?;
            }
        }
    }
    Some(fp.hex())
}

impl SpecCache {
    pub fn new(cache_dir: &Path) -> SpecCache {
        SpecCache {
            dir: cache_dir.join("specs"),
            read: true,
        }
    }

    /// `~/.cache/catwalk/specs` (XDG variables honoured); `None` without a home directory or when
    /// [`BYPASS_ENV`] is set.
    pub fn from_env() -> Option<SpecCache> {
        if bypassed_by_env() {
            return None;
        }
        let dirs = directories::ProjectDirs::from("", "", "catwalk")?;
        Some(SpecCache::new(dirs.cache_dir()))
    }

    /// The same cache, written but never read: every spec is asked of the connector.
    pub fn refreshing(mut self) -> SpecCache {
        self.read = false;
        self
    }

    pub fn reads(&self) -> bool {
        self.read
    }

    pub fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// The cached spec for `key`, if any (never when refreshing). A damaged entry is treated as missing
    /// (and logged).
    pub fn get(&self, key: &str) -> Option<Spec> {
        if !self.read {
            return None;
        }
        let path = self.path(key);
        let text = std::fs::read_to_string(&path).ok()?;
        match serde_json::from_str::<Entry>(&text) {
            Ok(e) if e.key == key => Some(e.spec),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(
                    "ignoring the damaged spec cache entry {}: {e}",
                    path.display()
                );
                None
            }
        }
    }

    /// Store a spec atomically. Failing to cache is not an error for the person: it is logged.
    pub fn put(&self, key: &str, subject: &str, spec: &Spec) {
        if let Err(e) = self.try_put(key, subject, spec) {
            tracing::warn!(
                "cannot cache the spec of {subject} in {}: {e}",
                self.dir.display()
            );
        }
    }

    fn try_put(&self, key: &str, subject: &str, spec: &Spec) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let entry = Entry {
            subject: subject.to_string(),
            key: key.to_string(),
            spec: spec.clone(),
        };
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        serde_json::to_writer(&mut tmp, &entry)?;
        tmp.flush()?;
        tmp.persist(self.path(key)).map_err(|e| e.error)?;
        Ok(())
    }
}

/// FNV-1a, 128 bits: stable across Rust versions and machines (the std hasher promises neither).
struct Fingerprint(u128);

impl Default for Fingerprint {
    fn default() -> Self {
        Fingerprint(0x6c62272e07bb014262b821756295c58d)
    }
}

impl Fingerprint {
    fn add(&mut self, s: &str) {
        for b in s.bytes().chain([0xff]) {
            self.0 ^= u128::from(b);
            self.0 = self.0.wrapping_mul(0x0000000001000000000000000000013B);
        }
    }

    /// The path and what changes when its contents change. `None` when it cannot be read.
    fn stamp(&mut self, path: &Path) -> Option<()> {
        let m = std::fs::metadata(path).ok()?;
        self.add(&format!(
            "{} {} {}.{} {}.{} {}",
            path.display(),
            m.size(),
            m.mtime(),
            m.mtime_nsec(),
            m.ctime(),
            m.ctime_nsec(),
            m.ino()
        ));
        Some(())
    }

    fn hex(&self) -> String {
        format!("local-{:032x}", self.0)
    }
}

/// A program as the shell would find it: a path (relative to `cwd`) when it has a slash, else the first
/// executable file of that name on `path_var`. Symlinks are kept (a venv's `bin/python` is one).
fn resolve(word: &str, path_var: &str, cwd: &Path) -> Option<PathBuf> {
    if word.is_empty() {
        return None;
    }
    if word.contains('/') {
        let p = cwd.join(word);
        return p.exists().then_some(p);
    }
    std::env::split_paths(path_var)
        .map(|dir| cwd.join(dir).join(word))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.mode() & 0o111 != 0)
}

fn is_catwalk(program: &Path) -> bool {
    let canonical = |p: &Path| std::fs::canonicalize(p).ok();
    program.file_name().is_some_and(|n| n == "catwalk")
        || std::env::current_exe()
            .ok()
            .and_then(|me| canonical(&me))
            .is_some_and(|me| canonical(program).as_deref() == Some(me.as_path()))
}

/// The Python interpreter behind a file: itself when it is named python*, else the one its `#!` line
/// names (also pip's `#!/bin/sh` + `'''exec' "PYTHON"` form for long paths).
fn python_of(file: &Path) -> Option<PathBuf> {
    let named_python = |p: &Path| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("python"))
    };
    if named_python(file) {
        return Some(file.to_path_buf());
    }
    let mut head = [0u8; 512];
    let n = {
        use std::io::Read;
        std::fs::File::open(file).ok()?.read(&mut head).ok()?
    };
    let text = String::from_utf8_lossy(&head[..n]);
    let mut lines = text.lines();
    let shebang = lines.next()?.strip_prefix("#!")?.trim();
    let mut words = shebang.split_whitespace();
    let interpreter = if shebang == "/bin/sh" {
        let exec = lines.next()?.strip_prefix("'''exec' \"")?;
        PathBuf::from(exec.split('"').next()?)
    } else {
        let first = words.next()?;
        if first.ends_with("/env") {
            // `#!/usr/bin/env python3`: the python on PATH.
            let name = words.find(|w| !w.starts_with('-'))?;
            let path_var = std::env::var("PATH").unwrap_or_default();
            resolve(name, &path_var, Path::new("/"))?
        } else {
            PathBuf::from(first)
        }
    };
    named_python(&interpreter).then_some(interpreter)
}

/// `<prefix>/lib/python*/site-packages` for the interpreter's own prefix (a venv: `<venv>/bin/python`) and
/// for the prefix of the file it links to.
fn site_packages(python: &Path) -> Vec<PathBuf> {
    let mut prefixes: Vec<PathBuf> = Vec::new();
    let mut candidates = vec![python.to_path_buf()];
    if let Ok(real) = std::fs::canonicalize(python) {
        candidates.push(real);
    }
    for c in candidates {
        if let Some(prefix) = c.parent().and_then(Path::parent) {
            prefixes.push(prefix.to_path_buf());
        }
    }
    prefixes.dedup();
    let mut out = Vec::new();
    for prefix in prefixes {
        let Ok(entries) = std::fs::read_dir(prefix.join("lib")) else {
            continue;
        };
        let mut found: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with("python"))
            .map(|e| e.path().join("site-packages"))
            .filter(|p| p.is_dir())
            .collect();
        found.sort();
        out.extend(found);
    }
    out
}

/// Every `.py` file below `dir`; `None` when there are more than [`MAX_MODULE_FILES`].
fn py_files(dir: &Path, out: &mut Vec<PathBuf>) -> Option<()> {
    for entry in std::fs::read_dir(dir).ok()?.filter_map(Result::ok) {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name != "__pycache__" {
                py_files(&path, out)?;
            }
        } else if path.extension().is_some_and(|e| e == "py") {
            out.push(path);
            if out.len() > MAX_MODULE_FILES {
                return None;
            }
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ConnectorKind, Protocol};
    use serde_json::json;

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn spec() -> Spec {
        Spec {
            protocol: Protocol::Flow,
            kind: ConnectorKind::Capture,
            config_schema: json!({"type": "object"}),
            resource_config_schema: json!({}),
            documentation_url: Some("https://go.estuary.dev/x".into()),
            resource_path_pointers: vec!["/name".into()],
            oauth2: None,
        }
    }

    #[test]
    fn keys_come_from_digests_then_ids() {
        let mut info = ImageInfo {
            id: format!("sha256:{}", HEX.replace('0', "f")),
            digest: Some(format!("ghcr.io/estuary/source-postgres@sha256:{HEX}")),
            ..Default::default()
        };
        assert_eq!(key(&info).as_deref(), Some(HEX));
        info.digest = None;
        assert_eq!(key(&info), Some(HEX.replace('0', "f")));
        info.id = "not-a-digest".into();
        assert_eq!(key(&info), None);
    }

    #[test]
    fn stores_and_reads_specs() {
        let dir = tempfile::tempdir().unwrap();
        let cache = SpecCache::new(dir.path());
        assert!(cache.get(HEX).is_none());
        cache.put(HEX, "img:1", &spec());
        assert_eq!(cache.get(HEX), Some(spec()));
        assert_eq!(
            cache.clone().refreshing().get(HEX),
            None,
            "refreshing never reads"
        );
        std::fs::write(cache.path(HEX), "{broken").unwrap();
        assert!(cache.get(HEX).is_none());
    }

    #[test]
    fn entries_written_by_the_wizard_before_the_move_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let cache = SpecCache::new(dir.path());
        std::fs::create_dir_all(dir.path().join("specs")).unwrap();
        let old = json!({"image": "img:1", "digest": HEX, "spec": spec()});
        std::fs::write(cache.path(HEX), old.to_string()).unwrap();
        assert_eq!(cache.get(HEX), Some(spec()));
    }

    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    #[test]
    fn a_local_key_changes_with_the_program_its_arguments_and_its_packages() {
        let dir = tempfile::tempdir().unwrap();
        // A pretend venv: bin/python and lib/python3.11/site-packages, and a console script using it.
        let venv = dir.path().join("venv");
        std::fs::create_dir_all(venv.join("bin")).unwrap();
        let site = venv.join("lib/python3.11/site-packages");
        std::fs::create_dir_all(&site).unwrap();
        let python = script(&venv.join("bin"), "python", "#!/bin/sh\n");
        let tool = script(
            &venv.join("bin"),
            "source-x",
            &format!("#!{}\nprint()\n", python.display()),
        );
        let cmd = |args: &[&str]| {
            let mut c = vec![tool.display().to_string()];
            c.extend(args.iter().map(|s| s.to_string()));
            c
        };
        let env = BTreeMap::new();
        let k1 = local_key(&cmd(&[]), &env).unwrap();
        assert_eq!(local_key(&cmd(&[]), &env).unwrap(), k1, "stable");
        assert_ne!(local_key(&cmd(&["--x"]), &env).unwrap(), k1, "arguments");
        let with_env = BTreeMap::from([("A".to_string(), "1".to_string())]);
        assert_ne!(local_key(&cmd(&[]), &with_env).unwrap(), k1, "endpoint env");

        // A package installed or upgraded in the venv changes site-packages' mtime.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::create_dir(site.join("pkg-2.0.dist-info")).unwrap();
        let k2 = local_key(&cmd(&[]), &env).unwrap();
        assert_ne!(k2, k1, "site-packages changed");

        // The script itself rewritten.
        std::thread::sleep(std::time::Duration::from_millis(20));
        script(
            &venv.join("bin"),
            "source-x",
            &format!("#!{}\nprint(1)\n", python.display()),
        );
        assert_ne!(local_key(&cmd(&[]), &env).unwrap(), k2, "program changed");

        assert_eq!(
            local_key(&["/no/such/program".into()], &env),
            None,
            "not found: not cached"
        );
    }

    #[test]
    fn a_python_module_is_stamped_by_its_files() {
        let dir = tempfile::tempdir().unwrap();
        let python = script(dir.path(), "python3", "#!/bin/sh\n");
        let pkg = dir.path().join("src/my_source");
        std::fs::create_dir_all(&pkg).unwrap();
        std::fs::write(pkg.join("__init__.py"), "A = 1\n").unwrap();
        let cmd = vec![
            python.display().to_string(),
            "-m".into(),
            "my_source".into(),
        ];
        let env = BTreeMap::from([(
            "PYTHONPATH".to_string(),
            dir.path().join("src").display().to_string(),
        )]);
        let k1 = local_key(&cmd, &env).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(pkg.join("__init__.py"), "A = 22\n").unwrap();
        assert_ne!(local_key(&cmd, &env).unwrap(), k1);
    }

    #[test]
    fn pip_long_path_shebangs_name_the_interpreter() {
        let dir = tempfile::tempdir().unwrap();
        let s = script(
            dir.path(),
            "tool",
            "#!/bin/sh\n'''exec' \"/very/long/venv/bin/python3\" \"$0\" \"$@\"\n' '''\n",
        );
        assert_eq!(
            python_of(&s),
            Some(PathBuf::from("/very/long/venv/bin/python3"))
        );
        let s = script(dir.path(), "tool2", "#!/usr/bin/env bash\n");
        assert_eq!(python_of(&s), None);
    }
}
