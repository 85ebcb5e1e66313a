//! Fixed-window RPM/TPM limiter, windows aligned to the server start.
//!
//! Azure evaluates RPM over 10-second windows (RPM/6 requests each) and pre-charges a request's
//! prompt tokens plus its completion limit against the minute's TPM at arrival.

use std::collections::HashMap;
use std::time::{Duration, Instant};

#[derive(Default)]
struct Usage {
    req_window: u64,
    requests: u64,
    tok_window: u64,
    tokens: u64,
}

/// Remaining allowance after (or without) a charge; `None` means unlimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Remaining {
    pub requests: Option<u64>,
    pub tokens: Option<u64>,
}

/// Why a request was refused and how long until the window that refused it ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Refused {
    pub wait: Duration,
    /// Token limit (as opposed to the request limit).
    pub tokens: bool,
    pub remaining: Remaining,
}

pub(crate) struct Limits {
    pub rpm: u64,
    pub tpm: u64,
    pub rpm_window: Duration,
    pub tpm_window: Duration,
}

impl Limits {
    fn per_window(per_minute: u64, window: Duration) -> u64 {
        ((per_minute as u128 * window.as_millis()) / 60_000).max(1) as u64
    }
    fn requests(&self) -> Option<u64> {
        (self.rpm > 0).then(|| Self::per_window(self.rpm, self.rpm_window))
    }
    fn tokens(&self) -> Option<u64> {
        (self.tpm > 0).then(|| Self::per_window(self.tpm, self.tpm_window))
    }
}

pub(crate) struct Limiter {
    start: Instant,
    usage: HashMap<String, Usage>,
}

fn window_of(start: Instant, now: Instant, len: Duration) -> (u64, Duration) {
    let len_ns = len.as_nanos().max(1);
    let elapsed = now.saturating_duration_since(start).as_nanos();
    let index = elapsed / len_ns;
    let end = (index + 1) * len_ns;
    (index as u64, Duration::from_nanos((end - elapsed) as u64))
}

impl Limiter {
    pub(crate) fn new(start: Instant) -> Self {
        Limiter { start, usage: HashMap::new() }
    }

    pub(crate) fn reset(&mut self) {
        self.usage.clear();
    }

    fn roll(&mut self, deployment: &str, limits: &Limits, now: Instant) -> (&mut Usage, Duration, Duration) {
        let (rw, r_wait) = window_of(self.start, now, limits.rpm_window);
        let (tw, t_wait) = window_of(self.start, now, limits.tpm_window);
        let u = self.usage.entry(deployment.to_string()).or_default();
        if u.req_window != rw {
            u.req_window = rw;
            u.requests = 0;
        }
        if u.tok_window != tw {
            u.tok_window = tw;
            u.tokens = 0;
        }
        (u, r_wait, t_wait)
    }

    /// Remaining allowance without charging.
    pub(crate) fn peek(&mut self, deployment: &str, limits: &Limits, now: Instant) -> Remaining {
        let (u, _, _) = self.roll(deployment, limits, now);
        Remaining {
            requests: limits.requests().map(|l| l.saturating_sub(u.requests)),
            tokens: limits.tokens().map(|l| l.saturating_sub(u.tokens)),
        }
    }

    /// Charges one request and `tokens`; with `enforce`, refuses (without charging) when over a limit.
    pub(crate) fn charge(
        &mut self,
        deployment: &str,
        limits: &Limits,
        tokens: u64,
        enforce: bool,
        now: Instant,
    ) -> Result<Remaining, Refused> {
        let (u, r_wait, t_wait) = self.roll(deployment, limits, now);
        let req_limit = limits.requests();
        let tok_limit = limits.tokens();
        let over_requests = req_limit.is_some_and(|l| u.requests + 1 > l);
        let over_tokens = tok_limit.is_some_and(|l| u.tokens.saturating_add(tokens) > l);
        if enforce && (over_requests || over_tokens) {
            let remaining = Remaining {
                requests: req_limit.map(|l| l.saturating_sub(u.requests)),
                tokens: tok_limit.map(|l| l.saturating_sub(u.tokens)),
            };
            let wait = match (over_requests, over_tokens) {
                (true, true) => r_wait.max(t_wait),
                (true, false) => r_wait,
                _ => t_wait,
            };
            return Err(Refused { wait, tokens: over_tokens && !over_requests, remaining });
        }
        u.requests += 1;
        u.tokens = u.tokens.saturating_add(tokens);
        Ok(Remaining {
            requests: req_limit.map(|l| l.saturating_sub(u.requests)),
            tokens: tok_limit.map(|l| l.saturating_sub(u.tokens)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_second_windows_allow_rpm_over_six() {
        let start = Instant::now();
        let limits =
            Limits { rpm: 600, tpm: 0, rpm_window: Duration::from_secs(10), tpm_window: Duration::from_secs(60) };
        let mut l = Limiter::new(start);
        let at = start + Duration::from_millis(2500);
        for i in 0..100 {
            let r = l.charge("d", &limits, 10, true, at).unwrap();
            assert_eq!(r.requests, Some(99 - i));
        }
        let refused = l.charge("d", &limits, 10, true, at).unwrap_err();
        assert_eq!(refused.wait, Duration::from_millis(7500));
        assert!(!refused.tokens);
        // The next window starts at 10 s after the start.
        assert!(l.charge("d", &limits, 10, true, start + Duration::from_secs(10)).is_ok());
    }

    #[test]
    fn tokens_are_precharged_per_minute() {
        let start = Instant::now();
        let limits =
            Limits { rpm: 0, tpm: 1000, rpm_window: Duration::from_secs(10), tpm_window: Duration::from_secs(60) };
        let mut l = Limiter::new(start);
        assert_eq!(l.charge("d", &limits, 600, true, start).unwrap().tokens, Some(400));
        let refused = l.charge("d", &limits, 600, true, start + Duration::from_secs(1)).unwrap_err();
        assert!(refused.tokens);
        assert_eq!(refused.wait, Duration::from_secs(59));
        // Without enforcement the charge goes through and the remaining count floors at zero.
        assert_eq!(l.charge("d", &limits, 600, false, start).unwrap().tokens, Some(0));
    }
}
