//! Progress while the demo runs: the library reports steps and details through [`Progress`];
//! the binary prints them, a test stays [`Quiet`].

use std::time::{Duration, Instant};

/// Receives the demo's progress. Details are lines within the current step (the plan, why a
/// target is replaced); they may carry strings from the config or AWS, so a printer must make
/// them safe for its output (the binary escapes control characters).
pub trait Progress: Send + Sync {
    /// Step `number` of `total` begins.
    fn begin(&self, number: usize, total: usize, title: &str);
    /// A line of detail within the current step.
    fn detail(&self, line: &str);
    /// The current step is over, after `elapsed`; `summary` is a few words, maybe empty.
    fn end(&self, elapsed: Duration, summary: &str);
}

/// Reports nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Quiet;

impl Progress for Quiet {
    fn begin(&self, _: usize, _: usize, _: &str) {}
    fn detail(&self, _: &str) {}
    fn end(&self, _: Duration, _: &str) {}
}

/// How long one step took.
#[derive(Debug, Clone, PartialEq)]
pub struct StepTime {
    pub title: String,
    pub elapsed: Duration,
}

/// Numbers the steps and times them.
pub(crate) struct Steps<'a> {
    progress: &'a dyn Progress,
    total: usize,
    next: usize,
    current: Option<(String, Instant)>,
    pub(crate) times: Vec<StepTime>,
}

impl<'a> Steps<'a> {
    pub(crate) fn new(progress: &'a dyn Progress, total: usize) -> Self {
        Steps {
            progress,
            total,
            next: 1,
            current: None,
            times: Vec::new(),
        }
    }

    pub(crate) fn begin(&mut self, title: &str) {
        debug_assert!(self.current.is_none(), "a step is still running");
        self.progress.begin(self.next, self.total, title);
        self.next += 1;
        self.current = Some((title.to_owned(), Instant::now()));
    }

    pub(crate) fn detail(&self, line: &str) {
        self.progress.detail(line);
    }

    pub(crate) fn progress(&self) -> &'a dyn Progress {
        self.progress
    }

    pub(crate) fn end(&mut self, summary: &str) {
        if let Some((title, started)) = self.current.take() {
            let elapsed = started.elapsed();
            self.progress.end(elapsed, summary);
            self.times.push(StepTime { title, elapsed });
        }
    }
}
