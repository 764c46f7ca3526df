//! A running connector process, whatever runs it (local process group or Docker container): stdin to write
//! requests to, stdout as lines, stderr parsed into a log tail and forwarded, and its exit status.

use super::logs::{LogTail, parse_stderr_line};
use crate::model::LogLine;
use std::fmt;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

/// One argument of an invocation: literal, or the path of an input file as the process sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Lit(String),
    File(String),
}

/// A file handed to the process (Airbyte config and catalog). Written to a private, memory-backed directory
/// when possible, readable by the connector's user, removed when the process ends.
#[derive(Clone)]
pub struct InputFile {
    pub name: String,
    pub contents: Vec<u8>,
}

impl fmt::Debug for InputFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Contents may hold secrets: never print them.
        write!(f, "InputFile({}, {} bytes)", self.name, self.contents.len())
    }
}

/// What to run, independent of where it runs.
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    /// Appended to the endpoint's own argv (the local command, or the image's entrypoint).
    pub args: Vec<Arg>,
    pub env: Vec<(String, String)>,
    pub files: Vec<InputFile>,
    /// Keep stdin open for requests (Flow protocol). Otherwise stdin is closed at once.
    pub stdin: bool,
}

impl Invocation {
    /// When `value` is given: `FLAG <path of NAME>`, NAME holding `value` as JSON in the private input
    /// directory (see `files`). Airbyte's `--config F` and Singer's `--config F --catalog F --state F`.
    pub fn add_file(&mut self, flag: &str, name: &str, value: Option<&serde_json::Value>) {
        if let Some(v) = value {
            self.args.push(Arg::Lit(flag.into()));
            self.args.push(Arg::File(name.into()));
            self.files.push(InputFile {
                name: name.into(),
                contents: serde_json::to_vec(v).unwrap_or_default(),
            });
        }
    }
}

/// How a process ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Exit {
    Code(i64),
    Signal(i32),
    Unknown(String),
}

impl Exit {
    pub fn success(&self) -> bool {
        matches!(self, Exit::Code(0))
    }
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exit::Code(c) => write!(f, "exit code {c}"),
            Exit::Signal(s) => write!(f, "signal {s}"),
            Exit::Unknown(why) => write!(f, "an unknown status ({why})"),
        }
    }
}

/// Where log lines go besides the tail: the CLI prints them, the wizard shows the latest one.
pub type LogSink = Arc<dyn Fn(&LogLine) + Send + Sync>;

/// Shared by the stderr pump and the reader of a running process.
#[derive(Clone)]
pub(crate) struct LogCollector {
    tail: Arc<Mutex<LogTail>>,
    sink: Option<LogSink>,
    subject: Arc<str>,
    /// Set when the process was started inside [`LogHold::scope`].
    hold: Option<LogHold>,
}

tokio::task_local! {
    static HOLD: LogHold;
}

type HeldLine = (Arc<str>, Option<LogSink>, LogLine);

/// Holds back the log lines of the connectors started inside [`LogHold::scope`] (from the screen, the wizard
/// and the log file; the tail for error messages gets them at once) until [`LogHold::release`]: a Singer
/// tap's discover runs beside its `--about`, and what it logs must wait until the secrets the spec names
/// are registered for masking.
#[derive(Clone)]
pub struct LogHold(Arc<Mutex<Option<Vec<HeldLine>>>>);

impl Default for LogHold {
    fn default() -> Self {
        Self::new()
    }
}

impl LogHold {
    pub fn new() -> Self {
        Self(Arc::new(Mutex::new(Some(Vec::new()))))
    }

    /// Run `f`; connectors it starts have their log lines held.
    pub async fn scope<F: std::future::Future>(&self, f: F) -> F::Output {
        HOLD.scope(self.clone(), f).await
    }

    /// Show the held lines, in order, and let later ones through.
    pub fn release(&self) {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for (subject, sink, line) in state.take().unwrap_or_default() {
            emit(&subject, sink.as_ref(), &line);
        }
    }

    /// Drop the held lines unseen (nothing says which values are secret), and let later ones through.
    pub fn discard(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take();
    }
}

fn emit(subject: &str, sink: Option<&LogSink>, line: &LogLine) {
    tracing::debug!(target: "connector", subject = %subject, level = ?line.level, "{}", line.message);
    if let Some(sink) = sink {
        sink(line);
    }
}

impl LogCollector {
    pub(crate) fn new(subject: &str, sink: Option<LogSink>) -> Self {
        Self {
            tail: Arc::default(),
            sink,
            subject: subject.into(),
            hold: HOLD.try_with(LogHold::clone).ok(),
        }
    }

    pub(crate) fn stderr_line(&self, raw: &str) {
        if raw.trim().is_empty() {
            return;
        }
        self.log(parse_stderr_line(raw));
    }

    pub(crate) fn log(&self, line: LogLine) {
        let line = super::logs::clipped(line);
        let held = self.hold.as_ref().is_some_and(|hold| {
            let mut state = hold.0.lock().unwrap_or_else(|e| e.into_inner());
            state
                .as_mut()
                .map(|held| {
                    held.push((self.subject.clone(), self.sink.clone(), line.clone()));
                })
                .is_some()
        });
        if !held {
            emit(&self.subject, self.sink.as_ref(), &line);
        }
        if let Ok(mut tail) = self.tail.lock() {
            tail.push(line);
        }
    }

    pub(crate) fn last_error(&self) -> Option<String> {
        self.tail.lock().ok().and_then(|t| t.last_error())
    }

    /// Log a line of text (a stray stdout line, a note about an ignored message).
    pub(crate) fn text(&self, level: crate::model::LogLevel, message: String) {
        self.log(LogLine {
            level,
            message,
            fields: None,
        });
    }
}

/// One stdout line of a connector whose messages are JSON objects with a `type` (Airbyte, Singer): the type,
/// upper-cased, and the object; or, when the line is not a JSON object, its text for the log (shortened).
pub(crate) fn typed_message(
    line: &[u8],
) -> Result<(String, serde_json::Map<String, serde_json::Value>), String> {
    let text = String::from_utf8_lossy(line);
    match serde_json::from_str::<serde_json::Value>(text.trim()) {
        Ok(serde_json::Value::Object(msg)) => {
            let ty = msg
                .get("type")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("")
                .to_ascii_uppercase();
            Ok((ty, msg))
        }
        _ => Err(crate::clip::clip(text.trim_end(), 500)),
    }
}

/// Splits a byte stream into lines (without the newline); keeps a partial line until its end arrives.
#[derive(Default)]
pub(crate) struct LineSplitter {
    partial: Vec<u8>,
}

impl LineSplitter {
    pub(crate) fn push(&mut self, mut chunk: &[u8], mut emit: impl FnMut(Vec<u8>)) {
        while let Some(pos) = chunk.iter().position(|b| *b == b'\n') {
            self.partial.extend_from_slice(&chunk[..pos]);
            let mut line = std::mem::take(&mut self.partial);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            emit(line);
            chunk = &chunk[pos + 1..];
        }
        self.partial.extend_from_slice(chunk);
    }

    pub(crate) fn finish(&mut self) -> Option<Vec<u8>> {
        (!self.partial.is_empty()).then(|| std::mem::take(&mut self.partial))
    }
}

/// The part of a running process that differs between local processes and containers.
pub(crate) trait ProcessControl: Send {
    /// Wait for the process to end. Called once, after stdout reached its end or after `kill`.
    fn wait(&mut self) -> futures_util::future::BoxFuture<'_, Exit>;
    /// Stop it now and release everything it holds (container, process group, input files).
    fn kill(&mut self) -> futures_util::future::BoxFuture<'_, ()>;
}

/// A started connector. Dropping it kills the process and removes its container; prefer `finish`/`kill`.
pub struct Running {
    stdin: Option<Box<dyn AsyncWrite + Send + Unpin>>,
    stdout: mpsc::Receiver<std::io::Result<Vec<Vec<u8>>>>,
    /// Lines of the last batch received, not yet taken.
    pending: std::collections::VecDeque<Vec<u8>>,
    control: Box<dyn ProcessControl>,
    logs: LogCollector,
    exit: Option<Exit>,
}

impl Running {
    pub(crate) fn new(
        stdin: Option<Box<dyn AsyncWrite + Send + Unpin>>,
        stdout: mpsc::Receiver<std::io::Result<Vec<Vec<u8>>>>,
        control: Box<dyn ProcessControl>,
        logs: LogCollector,
    ) -> Self {
        Self {
            stdin,
            stdout,
            pending: Default::default(),
            control,
            logs,
            exit: None,
        }
    }

    /// Write one line (a newline is appended) and flush.
    pub async fn write_line(&mut self, line: &[u8]) -> std::io::Result<()> {
        let stdin = self.stdin.as_mut().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "stdin is closed")
        })?;
        stdin.write_all(line).await?;
        stdin.write_all(b"\n").await?;
        stdin.flush().await
    }

    /// Close stdin: the connector sees end of input and should exit.
    pub async fn close_stdin(&mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.shutdown().await;
        }
    }

    /// The next line of stdout, or `None` at its end.
    pub async fn next_line(&mut self) -> Option<std::io::Result<Vec<u8>>> {
        loop {
            if let Some(line) = self.pending.pop_front() {
                return Some(Ok(line));
            }
            match self.stdout.recv().await? {
                Ok(batch) => self.pending.extend(batch),
                Err(e) => return Some(Err(e)),
            }
        }
    }

    /// Close stdin, discard what is left of stdout, wait for the exit and clean up.
    pub async fn finish(mut self) -> Exit {
        self.close_stdin().await;
        self.pending.clear();
        while self.stdout.recv().await.is_some() {}
        let exit = self.control.wait().await;
        self.exit = Some(exit.clone());
        exit
    }

    /// [`Running::finish`] until `deadline`; a process still running then (it answered but never exits)
    /// is stopped as by [`Running::kill`], and the answer is `None`.
    pub async fn finish_by(mut self, deadline: tokio::time::Instant) -> Option<Exit> {
        let ended = tokio::time::timeout_at(deadline, async {
            self.close_stdin().await;
            self.pending.clear();
            while self.stdout.recv().await.is_some() {}
            self.control.wait().await
        })
        .await;
        match ended {
            Ok(exit) => {
                self.exit = Some(exit.clone());
                Some(exit)
            }
            Err(_) => {
                self.stdin = None;
                self.control.kill().await;
                self.exit = Some(Exit::Unknown("killed".into()));
                None
            }
        }
    }

    /// Stop the process now and clean up (timeouts, cancellation, protocol errors).
    pub async fn kill(mut self) {
        self.stdin = None;
        self.control.kill().await;
        self.exit = Some(Exit::Unknown("killed".into()));
    }

    /// Hand each non-blank stdout line to `f` (with the log, for what is not a message) until stdout ends.
    pub(crate) async fn each_line(
        &mut self,
        mut f: impl FnMut(&LogCollector, Vec<u8>),
    ) -> Result<(), super::ConnectorError> {
        while let Some(line) = self.next_line().await {
            let line = line.map_err(|e| super::ConnectorError::Io(e.to_string()))?;
            if !line.iter().all(u8::is_ascii_whitespace) {
                f(&self.logs, line);
            }
        }
        Ok(())
    }

    /// The line to show when it failed.
    pub fn last_error(&self) -> Option<String> {
        self.logs.last_error()
    }

    /// Where its log lines go (the tail and the sink).
    pub(crate) fn logs(&self) -> &LogCollector {
        &self.logs
    }
}

/// Forward the stdout lines of one read into a bounded channel, as one batch: one wake-up of the reader
/// per chunk, not per line (a capture's documents are many small lines). Back-pressure keeps memory
/// bounded: at most the channel's capacity in chunks.
pub(crate) async fn send_lines(
    tx: &mpsc::Sender<std::io::Result<Vec<Vec<u8>>>>,
    lines: Vec<Vec<u8>>,
) -> bool {
    lines.is_empty() || tx.send(Ok(lines)).await.is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitter_handles_chunk_boundaries_and_crlf() {
        let mut s = LineSplitter::default();
        let mut out = Vec::new();
        s.push(b"{\"a\":", |l| out.push(l));
        s.push(b"1}\r\n{\"b\"", |l| out.push(l));
        s.push(b":2}\nrest", |l| out.push(l));
        assert_eq!(out, vec![b"{\"a\":1}".to_vec(), b"{\"b\":2}".to_vec()]);
        assert_eq!(s.finish(), Some(b"rest".to_vec()));
        assert_eq!(s.finish(), None);
    }

    #[test]
    fn input_file_debug_hides_contents() {
        let f = InputFile {
            name: "config.json".into(),
            contents: b"{\"password\":\"hunter2\"}".to_vec(),
        };
        let shown = format!("{f:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn exit_display() {
        assert_eq!(Exit::Code(3).to_string(), "exit code 3");
        assert!(Exit::Code(0).success());
        assert!(!Exit::Signal(9).success());
    }
}
