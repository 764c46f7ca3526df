//! A step's background job (a connector run, a plan, a catalog read) as the steps keep it: the request
//! whose reports are current, when it started (the first tick after), the tail of its log and how far its
//! failure page is scrolled. What the job is doing or how it ended is each step's own `Phase`.

use super::msg::{Cmd, ReqId};
use crate::model::LogLine;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How many connector log lines a job keeps for its log pane.
pub const KEEP_LOGS: usize = 200;

#[derive(Debug, Clone, Default)]
pub struct Job {
    /// The request whose reports are current; any other is stale (dropped).
    pub req: Option<ReqId>,
    /// When the first tick after the start arrived (the elapsed time counts from it).
    pub started: Option<Instant>,
    /// The latest log lines, newest last, at most [`KEEP_LOGS`].
    pub logs: VecDeque<LogLine>,
    /// How far the failure page is scrolled: lines back from the newest log line (the spec step: lines
    /// down its error text).
    pub scroll: usize,
}

impl Job {
    /// A job for request `id`: its log, clock and scroll start afresh.
    pub fn start(&mut self, id: ReqId) {
        *self = Job {
            req: Some(id),
            ..Job::default()
        };
    }

    /// Whether `id` is this job's current request.
    pub fn is_current(&self, id: ReqId) -> bool {
        self.req == Some(id)
    }

    /// Whether a request is under way.
    pub fn is_running(&self) -> bool {
        self.req.is_some()
    }

    /// A timer tick: the clock of a running job starts at its first one.
    pub fn tick(&mut self, now: Instant) {
        if self.req.is_some() && self.started.is_none() {
            self.started = Some(now);
        }
    }

    /// The time since the job started, as of `now` (zero before its first tick).
    pub fn elapsed(&self, now: Option<Instant>) -> Duration {
        match (self.started, now) {
            (Some(a), Some(b)) => b.saturating_duration_since(a),
            _ => Duration::ZERO,
        }
    }

    /// Keep `line` at the end of the log tail, dropping the oldest beyond [`KEEP_LOGS`].
    pub fn log(&mut self, line: LogLine) {
        if self.logs.len() == KEEP_LOGS {
            self.logs.pop_front();
        }
        self.logs.push_back(line);
    }

    /// The request answered (or failed): it is no longer current; the failure page shows the newest lines.
    pub fn finish(&mut self) {
        self.req = None;
        self.scroll = 0;
    }

    /// Stop waiting for the request: the command that aborts it, if one was under way.
    pub fn cancel(&mut self) -> Option<Cmd> {
        self.req.take().map(Cmd::Cancel)
    }

    /// Move the failure page through the log: up (negative) is older lines, never past the oldest.
    pub fn scroll_log(&mut self, delta: isize) {
        self.scroll = self
            .scroll
            .saturating_add_signed(-delta)
            .min(self.logs.len().saturating_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LogLevel;

    fn line(n: usize) -> LogLine {
        LogLine {
            level: LogLevel::Info,
            message: format!("line {n}"),
            fields: Default::default(),
        }
    }

    #[test]
    fn a_job_keeps_its_request_clock_and_log_tail() {
        let mut job = Job::default();
        let t0 = Instant::now();
        job.tick(t0);
        assert_eq!(job.started, None, "no clock before a request");
        job.start(ReqId(7));
        assert!(job.is_current(ReqId(7)) && !job.is_current(ReqId(6)));
        job.tick(t0);
        job.tick(t0 + Duration::from_secs(5));
        assert_eq!(
            job.elapsed(Some(t0 + Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(job.elapsed(None), Duration::ZERO);
        for n in 0..KEEP_LOGS + 5 {
            job.log(line(n));
        }
        assert_eq!(job.logs.len(), KEEP_LOGS);
        assert_eq!(job.logs.front().unwrap().message, "line 5");
        job.scroll_log(-3);
        assert_eq!(job.scroll, 3, "up goes back to older lines");
        job.scroll_log(-10_000);
        assert_eq!(job.scroll, KEEP_LOGS - 1, "never past the oldest");
        assert_eq!(job.cancel(), Some(Cmd::Cancel(ReqId(7))));
        assert_eq!(job.cancel(), None, "cancelled once");
        job.start(ReqId(8));
        assert!(job.logs.is_empty() && job.started.is_none() && job.scroll == 0);
        job.finish();
        assert!(!job.is_running());
    }
}
