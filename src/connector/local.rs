//! Local connectors: a command started as the leader of a session of its own (so also of a process group),
//! killed with every process of the session on every exit path. The session is recorded in this catwalk's
//! private directory (see `leftovers`): when catwalk is killed by SIGKILL, the direct child gets
//! `PR_SET_PDEATHSIG`, and the next catwalk ends whatever else of the session is left (a shell wrapper's
//! children). Input files are 0600 in a 0700 directory, removed with the run.

use super::error::ConnectorError;
use super::files::InputDir;
use super::leftovers::{self, SessionRecord};
use super::process::{
    Arg, Exit, Invocation, LineSplitter, LogCollector, ProcessControl, Running, send_lines,
};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use std::collections::BTreeMap;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

/// Start `command` (program and arguments) with `env` added to ours.
pub(crate) fn start(
    command: &[String],
    env: &BTreeMap<String, String>,
    inv: &Invocation,
    logs: LogCollector,
) -> Result<Running, ConnectorError> {
    let program = command.first().ok_or_else(|| ConnectorError::Spawn {
        command: String::new(),
        reason: "the command is empty".into(),
    })?;
    leftovers::reap_once();
    let dir = InputDir::create(&inv.files)?;
    let mut cmd = Command::new(program);
    cmd.args(&command[1..]);
    for arg in &inv.args {
        match arg {
            Arg::Lit(s) => cmd.arg(s),
            Arg::File(name) => cmd.arg(
                dir.as_ref()
                    .map(|d| d.path().join(name))
                    .unwrap_or_default(),
            ),
        };
    }
    cmd.envs(env)
        .envs(inv.env.iter().map(|(k, v)| (k, v)))
        .stdin(if inv.stdin {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    // A session of its own (which is also a new process group); if catwalk itself is killed (even by
    // SIGKILL), take the connector down with it.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let mut child = cmd.spawn().map_err(|e| ConnectorError::Spawn {
        command: command.join(" "),
        reason: e.to_string(),
    })?;
    let session = child.id().map(|id| SessionRecord::record(id as i32));
    if let Some(stdout) = &child.stdout {
        grow_pipe(stdout);
    }

    let stdin = child
        .stdin
        .take()
        .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncWrite + Send + Unpin>);
    let (tx, rx) = mpsc::channel(16);
    if let Some(mut stdout) = child.stdout.take() {
        tokio::spawn(async move {
            // A quarter of the pipe (see `grow_pipe`) per read: the connector blocks on a full pipe, and a
            // larger read frees it in fewer wake-ups (16 batches in the channel hold 4 MiB at most).
            let mut buf = vec![0u8; 256 * 1024];
            let mut splitter = LineSplitter::default();
            loop {
                match stdout.read(&mut buf).await {
                    Ok(0) => break,
                    Ok(n) => {
                        let mut lines = Vec::new();
                        splitter.push(&buf[..n], |l| lines.push(l));
                        if !send_lines(&tx, lines).await {
                            return;
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e)).await;
                        return;
                    }
                }
            }
            if let Some(rest) = splitter.finish() {
                let _ = tx.send(Ok(vec![rest])).await;
            }
        });
    }
    let stderr_done = child.stderr.take().map(|stderr| {
        let logs = logs.clone();
        tokio::spawn(async move {
            // Bytes, not `lines()`: a line that is not UTF-8 would end the reading; here each invalid
            // byte becomes one U+FFFD and the rest of the line (and the log) is kept.
            let mut reader = BufReader::new(stderr);
            let mut line = Vec::new();
            while let Ok(n) = reader.read_until(b'\n', &mut line).await {
                if n == 0 {
                    break;
                }
                logs.stderr_line(&String::from_utf8_lossy(&line));
                line.clear();
            }
        })
    });
    let control = LocalControl {
        child,
        session,
        stderr_done,
        _dir: dir,
    };
    Ok(Running::new(stdin, rx, Box::new(control), logs))
}

struct LocalControl {
    child: Child,
    session: Option<SessionRecord>,
    stderr_done: Option<tokio::task::JoinHandle<()>>,
    _dir: Option<InputDir>,
}

impl LocalControl {
    fn kill_group(&mut self) {
        if let Some(session) = self.session.take() {
            // The whole session: the connector and anything it started (dropping the record removes it).
            session.kill();
        }
    }
}

impl ProcessControl for LocalControl {
    fn wait(&mut self) -> BoxFuture<'_, Exit> {
        async move {
            let status = self.child.wait().await;
            if let Some(done) = self.stderr_done.take() {
                // Stderr ends when the last holder of the pipe exits; don't wait on stray grandchildren forever.
                let _ = tokio::time::timeout(std::time::Duration::from_secs(2), done).await;
            }
            self.kill_group();
            match status {
                Ok(s) => exit_of(s),
                Err(e) => Exit::Unknown(e.to_string()),
            }
        }
        .boxed()
    }

    fn kill(&mut self) -> BoxFuture<'_, ()> {
        async move {
            self.kill_group();
            let _ = self.child.kill().await;
            let _ = self.child.wait().await;
        }
        .boxed()
    }
}

impl Drop for LocalControl {
    fn drop(&mut self) {
        self.kill_group();
    }
}

/// A connector's stdout pipe, as large as an unprivileged process may make it (1 MiB by default, 16 times
/// the usual 64 KiB): Airbyte's CDK writes its output in bursts (one every 100 ms, about 1 MB when records
/// come fast), and with a small pipe it waits for us to read each burst. Best effort: a pipe left at its
/// size only costs the connector time.
fn grow_pipe(pipe: &impl std::os::fd::AsRawFd) {
    const PIPE_SIZE: libc::c_int = 1 << 20;
    // SAFETY: F_SETPIPE_SZ on a descriptor we own; a failure (EPERM above the limit) changes nothing.
    unsafe {
        libc::fcntl(pipe.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE_SIZE);
    }
}

fn exit_of(status: std::process::ExitStatus) -> Exit {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => Exit::Code(code as i64),
        (None, Some(sig)) => Exit::Signal(sig),
        _ => Exit::Unknown(status.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Vec<String> {
        vec!["/bin/sh".into(), "-c".into(), script.into()]
    }

    #[tokio::test]
    async fn reads_lines_logs_and_exit_code() {
        let logs = LogCollector::new("test", None);
        let inv = Invocation {
            stdin: true,
            ..Default::default()
        };
        let mut run = start(
            &sh("read x; echo \"got $x\"; echo oops >&2; exit 3"),
            &BTreeMap::new(),
            &inv,
            logs,
        )
        .unwrap();
        run.write_line(b"hello").await.unwrap();
        let line = run.next_line().await.unwrap().unwrap();
        assert_eq!(line, b"got hello");
        assert!(run.next_line().await.is_none());
        let logs = run.logs().clone();
        assert_eq!(run.finish().await, Exit::Code(3));
        assert_eq!(logs.last_error().as_deref(), Some("oops"));
    }

    #[tokio::test]
    async fn a_log_line_that_is_not_utf8_keeps_its_text_and_the_log_goes_on() {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let into = seen.clone();
        let sink: super::super::LogSink = std::sync::Arc::new(move |l: &crate::model::LogLine| {
            into.lock().unwrap().push(l.message.clone())
        });
        let logs = LogCollector::new("test", Some(sink));
        let inv = Invocation::default();
        // Latin-1 "é" (one invalid byte), then more lines: all kept, one U+FFFD for the byte.
        let mut run = start(
            &sh("printf 'caf\\351 au lait\\n' >&2; echo 'error: the last line' >&2; exit 1"),
            &BTreeMap::new(),
            &inv,
            logs,
        )
        .unwrap();
        assert!(run.next_line().await.is_none());
        let logs = run.logs().clone();
        assert_eq!(run.finish().await, Exit::Code(1));
        assert_eq!(logs.last_error().as_deref(), Some("error: the last line"));
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen, ["caf\u{FFFD} au lait", "error: the last line"]);
    }

    #[tokio::test]
    async fn input_files_and_env_reach_the_process() {
        let logs = LogCollector::new("test", None);
        let inv = Invocation {
            args: vec![Arg::File("config.json".into())],
            env: vec![("GREETING".into(), "hi".into())],
            files: vec![super::super::process::InputFile {
                name: "config.json".into(),
                contents: b"{\"a\":1}".to_vec(),
            }],
            stdin: false,
        };
        let mut run = start(
            &sh("cat \"$0\"; echo; echo $GREETING"),
            &BTreeMap::new(),
            &inv,
            logs,
        )
        .unwrap();
        assert_eq!(run.next_line().await.unwrap().unwrap(), b"{\"a\":1}");
        assert_eq!(run.next_line().await.unwrap().unwrap(), b"hi");
        assert!(run.finish().await.success());
    }

    #[tokio::test]
    async fn kill_takes_down_the_whole_group() {
        let logs = LogCollector::new("test", None);
        let marker = format!("catwalk-test-sleep-{}", std::process::id());
        // A grandchild that would outlive a plain kill of the direct child.
        let script = format!("sh -c 'exec -a {marker} sleep 300' & echo started; wait");
        let mut run = start(&sh(&script), &BTreeMap::new(), &Invocation::default(), logs).unwrap();
        assert_eq!(run.next_line().await.unwrap().unwrap(), b"started");
        run.kill().await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let out = std::process::Command::new("pgrep")
            .arg("-f")
            .arg(&marker)
            .output()
            .unwrap();
        assert!(
            out.stdout.is_empty(),
            "grandchild still running: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }

    #[tokio::test]
    async fn missing_program_is_a_spawn_error() {
        let logs = LogCollector::new("test", None);
        let err = start(
            &["/nonexistent/connector".into()],
            &BTreeMap::new(),
            &Invocation::default(),
            logs,
        )
        .err()
        .unwrap();
        assert!(matches!(err, ConnectorError::Spawn { .. }));
        assert!(err.to_string().contains("/nonexistent/connector"));
    }
}
