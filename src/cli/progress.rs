//! Progress bars on stderr for the library's [`Progress`] steps: one line at a time, a bar with
//! counts and an estimate of the time left when the step's size is known (bytes for steps
//! named "reading …"), a spinner otherwise; cleared when the step ends. Nothing at all is
//! drawn with `--quiet` or when stderr is not a terminal (redirected to a file or a pipe).

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lifecircle::Progress;

/// Draws the current step as a progress bar on stderr.
pub struct Bars {
    /// Whether anything is drawn.
    enabled: bool,
    /// The bar of the step in progress.
    current: Mutex<Option<ProgressBar>>,
}

impl Bars {
    /// Bars on stderr, or none with `quiet` or when stderr is not a terminal.
    pub fn new(quiet: bool) -> Bars {
        Bars { enabled: !quiet && std::io::stderr().is_terminal(), current: Mutex::new(None) }
    }

    fn current(&self) -> std::sync::MutexGuard<'_, Option<ProgressBar>> {
        self.current.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` (which prints to stderr) with the bar in progress, if any, out of the way.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        let bar = self.current().clone();
        match bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }
}

fn style(total: Option<u64>, bytes: bool) -> ProgressStyle {
    let template = match (total, bytes) {
        (None, _) => "{spinner:.green} {msg} {elapsed}",
        (Some(_), true) => {
            "{spinner:.green} {msg} [{wide_bar:.cyan/blue}] {binary_bytes}/{binary_total_bytes} {elapsed} (eta {eta})"
        }
        (Some(_), false) => {
            "{spinner:.green} {msg} [{wide_bar:.cyan/blue}] {human_pos}/{human_len} {elapsed} (eta {eta})"
        }
    };
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()).progress_chars("=> ")
}

impl Progress for Bars {
    fn begin(&self, step: &str, total: Option<u64>) {
        if !self.enabled {
            return;
        }
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr())
            .with_style(style(total, step.starts_with("reading")))
            .with_message(step.to_owned());
        bar.enable_steady_tick(Duration::from_millis(100));
        if let Some(previous) = self.current().replace(bar) {
            previous.finish_and_clear();
        }
    }

    fn advance(&self, n: u64) {
        if !self.enabled {
            return;
        }
        if let Some(bar) = self.current().as_ref() {
            bar.inc(n);
        }
    }

    fn end(&self) {
        if !self.enabled {
            return;
        }
        if let Some(bar) = self.current().take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Bars {
    /// A run that fails mid-step leaves no bar behind its error message.
    fn drop(&mut self) {
        if let Some(bar) = self.current().take() {
            bar.finish_and_clear();
        }
    }
}
