//! Driving `catwalk adapt` as Flow's runtime does (`#[path]`-included by the adapt_open tests): requests
//! built from a catalog `catwalk discover` wrote, sent as JSON lines on a stdin kept open until the adapter
//! exits; the answers parsed; documents checked against their collections' schemas and keys.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A capture of a catalog, as the runtime builds it from the catalog's files.
pub struct Capture {
    /// `capture` of the open request (Flow's CaptureSpec, JSON).
    pub spec: Value,
    /// The endpoint's command (`catwalk adapt <protocol> -- ...`).
    pub command: Vec<String>,
}

impl Capture {
    /// The capture `name` of `<dir>/acmeCo/<file>.flow.yaml`, with its config file and collections' schemas.
    pub fn load(dir: &Path, file: &str, name: &str) -> Capture {
        let flow_path = dir.join("acmeCo").join(format!("{file}.flow.yaml"));
        let flow = super::support::read_yaml(&flow_path);
        let capture = &flow["captures"][name];
        let local = &capture["endpoint"]["local"];
        let config =
            super::support::read_yaml(&dir.join("acmeCo").join(local["config"].as_str().unwrap()));
        let bindings: Vec<Value> = capture["bindings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                let target = b["target"].as_str().unwrap();
                let collection = &flow["collections"][target];
                let schema = super::support::read_yaml(
                    &dir.join("acmeCo")
                        .join(collection["schema"].as_str().unwrap()),
                );
                json!({
                    "resourceConfig": b["resource"],
                    "collection": {"name": target, "key": collection["key"], "writeSchema": schema},
                })
            })
            .collect();
        Capture {
            spec: json!({"name": name, "connectorType": "LOCAL", "config": config, "bindings": bindings}),
            command: local["command"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_string())
                .collect(),
        }
    }

    pub fn bindings(&self) -> &Vec<Value> {
        self.spec["bindings"].as_array().unwrap()
    }

    pub fn bindings_mut(&mut self) -> &mut Vec<Value> {
        self.spec["bindings"].as_array_mut().unwrap()
    }

    /// The index of the binding whose resource names `stream`.
    pub fn binding(&self, stream: &str) -> usize {
        self.bindings()
            .iter()
            .position(|b| b["resourceConfig"]["stream"] == stream)
            .unwrap_or_else(|| panic!("no binding of stream {stream}"))
    }

    /// The requests of one session: spec, validate, apply, then open with `state`.
    pub fn requests(&self, state: &Value) -> Vec<Value> {
        let validate_bindings: Vec<Value> = self
            .bindings()
            .iter()
            .map(|b| json!({"resourceConfig": b["resourceConfig"], "collection": b["collection"]}))
            .collect();
        vec![
            json!({"spec": {"connectorType": "LOCAL", "config": self.spec["config"]}}),
            json!({"validate": {"name": self.spec["name"], "connectorType": "LOCAL",
                "config": self.spec["config"], "bindings": validate_bindings}}),
            json!({"apply": {"capture": self.spec, "version": "v1"}}),
            json!({"open": {"capture": self.spec, "version": "v1",
                "range": {"keyEnd": 4294967295u32, "rClockEnd": 4294967295u32}, "state": state}}),
        ]
    }

    /// Run the capture's command (its `catwalk` being the built one) in `dir` for one session resuming
    /// from `state`; `path` goes first on PATH.
    pub fn session(&self, dir: &Path, state: &Value, path: &[&Path]) -> Session {
        assert_eq!(self.command[1], "adapt", "{:?}", self.command);
        let mut cmd = super::support::catwalk(dir);
        if !path.is_empty() {
            let old = cmd
                .get_envs()
                .find(|(k, _)| *k == "PATH")
                .and_then(|(_, v)| v.map(|v| v.to_os_string()))
                .unwrap_or_default();
            let dirs = path
                .iter()
                .map(|p| p.to_path_buf())
                .chain(std::env::split_paths(&old));
            cmd.env("PATH", std::env::join_paths(dirs).unwrap());
        }
        cmd.args(&self.command[1..]);
        run_session(cmd, &self.requests(state))
    }
}

/// What one session answered.
pub struct Session {
    pub responses: Vec<Value>,
    pub stderr: String,
    pub code: Option<i32>,
}

impl Session {
    /// The documents captured for binding `binding`, in order.
    pub fn docs(&self, binding: usize) -> Vec<&Value> {
        self.responses
            .iter()
            .filter(|r| r["captured"]["binding"] == json!(binding))
            .map(|r| &r["captured"]["doc"])
            .collect()
    }

    /// `state` with this session's checkpoints applied, as Flow's runtime keeps it.
    pub fn state_after(&self, state: &Value) -> Value {
        let mut state = state.clone();
        for r in &self.responses {
            if let Some(update) = r.get("checkpoint").and_then(|c| c.get("state")) {
                let updated = update.get("updated").cloned().unwrap_or(Value::Null);
                if update.get("mergePatch") == Some(&json!(true)) {
                    merge_patch(&mut state, &updated);
                } else {
                    state = updated;
                }
            }
        }
        state
    }

    /// The answers to spec, validate, apply and open came first, in order, and the session succeeded
    /// ending with a checkpoint.
    pub fn assert_served(&self) {
        assert_eq!(self.code, Some(0), "stderr:\n{}", self.stderr);
        for (i, name) in ["spec", "validated", "applied", "opened"]
            .iter()
            .enumerate()
        {
            assert!(
                self.responses[i].get(*name).is_some(),
                "answer {i} is not {name}: {}",
                self.responses[i]
            );
        }
        assert_eq!(self.responses[3], json!({"opened": {}}));
        for r in &self.responses[4..] {
            assert!(
                r.get("captured").is_some() || r.get("checkpoint").is_some(),
                "only documents and checkpoints follow opened: {r}"
            );
        }
        assert!(
            self.responses.last().unwrap().get("checkpoint").is_some(),
            "the last documents are committed by a checkpoint: {}",
            self.responses.last().unwrap()
        );
    }

    /// Every document validates against its collection's schema and has every key location.
    pub fn assert_docs_fit(&self, capture: &Capture) {
        let validators: Vec<jsonschema::Validator> = capture
            .bindings()
            .iter()
            .map(|b| jsonschema::validator_for(&b["collection"]["writeSchema"]).unwrap())
            .collect();
        for r in &self.responses {
            let Some(captured) = r.get("captured") else {
                continue;
            };
            let i = captured["binding"].as_u64().unwrap() as usize;
            let doc = &captured["doc"];
            let errors: Vec<String> = validators[i]
                .iter_errors(doc)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            let collection = &capture.bindings()[i]["collection"];
            assert!(
                errors.is_empty(),
                "a document of {} does not fit its schema: {errors:?}\n{doc}",
                collection["name"]
            );
            for key in collection["key"].as_array().unwrap() {
                let at = doc.pointer(key.as_str().unwrap());
                assert!(
                    at.is_some_and(|v| !v.is_null()),
                    "a document of {} has no key {key}: {doc}",
                    collection["name"]
                );
            }
        }
    }
}

/// RFC 7396.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Some(patch) = patch.as_object() else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = json!({});
    }
    let map = target.as_object_mut().unwrap();
    for (k, v) in patch {
        if v.is_null() {
            map.remove(k);
        } else {
            merge_patch(map.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

/// Write `requests` on the command's stdin and keep it open until stdout ends (the adapter exits when its
/// connector is done), as Flow's runtime does. A session still running after ten minutes is killed.
pub fn run_session(mut cmd: Command, requests: &[Value]) -> Session {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("catwalk starts");
    let mut stdin = child.stdin.take().unwrap();
    for r in requests {
        writeln!(stdin, "{r}").unwrap();
    }
    stdin.flush().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let lines: Vec<Value> = BufReader::new(stdout)
            .lines()
            .map(|l| serde_json::from_str(&l.unwrap()).expect("stdout lines are JSON"))
            .collect();
        let _ = tx.send(lines);
    });
    let responses = match rx.recv_timeout(Duration::from_secs(600)) {
        Ok(lines) => lines,
        Err(_) => {
            let _ = child.kill();
            panic!("the session did not end: {}", err.join().unwrap());
        }
    };
    drop(stdin);
    let status = child.wait().unwrap();
    Session {
        responses,
        stderr: err.join().unwrap(),
        code: status.code(),
    }
}
