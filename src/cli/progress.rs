//! How far a long run is: a bar on a terminal, plain lines in a log.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// When to show progress.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Show {
    /// A bar on a terminal; elsewhere a line now and then on a long run.
    #[default]
    Auto,
    /// A bar on a terminal; elsewhere a line at every tenth of the work.
    Always,
    Never,
}

/// A line in a log at most this often, on `Show::Auto`.
const QUIET_LINE_EVERY: Duration = Duration::from_secs(10);
/// A bar appears only on a run longer than this: a quick run stays quiet.
const BAR_AFTER: Duration = Duration::from_secs(1);
/// The figures beside the bar are asked for at most this often.
const DETAILS_EVERY: Duration = Duration::from_millis(200);

/// Progress over `total` units of work, written to stderr.
pub struct Progress {
    /// Known once the work is planned (`set_total`).
    total: AtomicU64,
    unit: &'static str,
    /// Figures beside the count (cache hits, tokens, cost).
    details: Box<dyn Fn() -> String + Send + Sync>,
    shown: Shown,
    state: Mutex<State>,
}

enum Shown {
    Bar(ProgressBar),
    Lines { every_tenth: bool },
    Nothing,
}

struct State {
    done: u64,
    started: Instant,
    last_line: Instant,
    last_tenth: u64,
    last_details: Option<Instant>,
}

impl Progress {
    pub fn new(total: u64, unit: &'static str, show: Show, details: Box<dyn Fn() -> String + Send + Sync>) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let shown = match show {
            Show::Never => Shown::Nothing,
            _ if terminal => {
                let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
                let template = format!("{{bar:30}} {{pos}}/{{len}} {unit} · {{per_sec}} · ETA {{eta}} {{msg}}");
                if let Ok(style) = ProgressStyle::with_template(&template) {
                    bar.set_style(style.progress_chars("█▌ "));
                }
                Shown::Bar(bar)
            }
            Show::Always => Shown::Lines { every_tenth: true },
            Show::Auto => Shown::Lines { every_tenth: false },
        };
        let now = Instant::now();
        let state = State { done: 0, started: now, last_line: now, last_tenth: 0, last_details: None };
        Progress { total: AtomicU64::new(total), unit, details, shown, state: Mutex::new(state) }
    }

    /// The work turned out to be `total` units.
    pub fn set_total(&self, total: u64) {
        self.total.store(total, Ordering::Relaxed);
        if let Shown::Bar(bar) = &self.shown {
            bar.set_length(total);
        }
    }

    fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// `n` more units done.
    pub fn advance(&self, n: u64) {
        let Ok(mut state) = self.state.lock() else { return };
        state.done += n;
        let now = Instant::now();
        match &self.shown {
            Shown::Bar(bar) => {
                if bar.is_hidden() && now.duration_since(state.started) >= BAR_AFTER {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                }
                bar.inc(n);
                if state.last_details.is_none_or(|at| now.duration_since(at) >= DETAILS_EVERY) {
                    state.last_details = Some(now);
                    let details = (self.details)();
                    bar.set_message(if details.is_empty() { details } else { format!("· {details}") });
                }
            }
            Shown::Lines { every_tenth } => {
                let tenth = (state.done * 10).checked_div(self.total()).unwrap_or(10);
                let due = if *every_tenth {
                    tenth > state.last_tenth
                } else {
                    now.duration_since(state.last_line) >= QUIET_LINE_EVERY && state.done < self.total()
                };
                if due {
                    state.last_tenth = tenth;
                    state.last_line = now;
                    eprintln!("docwright: {}", self.line(&state, now));
                }
            }
            Shown::Nothing => {}
        }
    }

    /// Says the run is stopping (after Ctrl-C).
    pub fn stopping(&self) {
        match &self.shown {
            Shown::Bar(bar) => bar.set_message("· stopping: finishing what is under way (Ctrl-C again to quit now)"),
            Shown::Lines { .. } => {
                eprintln!("docwright: stopping: finishing what is under way (Ctrl-C again to quit now)")
            }
            Shown::Nothing => {}
        }
    }

    /// Removes the bar; the summary follows.
    pub fn finish(&self) {
        if let Shown::Bar(bar) = &self.shown {
            bar.finish_and_clear();
        }
    }

    fn line(&self, state: &State, now: Instant) -> String {
        let percent = (state.done * 100).checked_div(self.total()).unwrap_or(100);
        let mut line = format!("{}/{} {} ({percent}%)", state.done, self.total(), self.unit);
        let details = (self.details)();
        if !details.is_empty() {
            line.push_str(&format!(", {details}"));
        }
        let elapsed = now.duration_since(state.started).as_secs_f64();
        if elapsed > 0.0 && state.done > 0 {
            let rate = state.done as f64 / elapsed;
            let left = self.total().saturating_sub(state.done) as f64 / rate;
            line.push_str(&format!(", {rate:.1}/s, about {} left", rounded(left)));
        }
        line
    }
}

/// Seconds as a person would say them: "40 s", "3 min".
fn rounded(seconds: f64) -> String {
    if seconds < 90.0 { format!("{:.0} s", seconds.max(1.0)) } else { format!("{:.0} min", seconds / 60.0) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remaining_time_reads_naturally() {
        assert_eq!(rounded(0.2), "1 s");
        assert_eq!(rounded(42.4), "42 s");
        assert_eq!(rounded(600.0), "10 min");
    }

    #[test]
    fn a_line_gives_the_count_the_share_the_figures_and_the_rate() {
        let progress = Progress::new(200, "docstrings", Show::Always, Box::new(|| "3 cache hits".to_string()));
        let started = Instant::now();
        let state = State { done: 50, started, last_line: started, last_tenth: 2, last_details: None };
        let line = progress.line(&state, started + Duration::from_secs(10));
        assert_eq!(line, "50/200 docstrings (25%), 3 cache hits, 5.0/s, about 30 s left");
    }
}
