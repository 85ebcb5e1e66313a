//! A client-side limiter shared by every request of one client: a bound on
//! concurrent requests, the request quota (Azure evaluates RPM over 10-second
//! windows, RPM/6 in each), the token quota (TPM, pre-charged with prompt +
//! max completion tokens), the rate-limit headers of answers, and the
//! hold-off a 429 asks for.
//!
//! Every send waits here, retries included: then no request leaves before the
//! time a 429 named, and the service's window rule is never tripped.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Azure's request window.
const REQUEST_WINDOW: Duration = Duration::from_secs(10);
/// The token quota's window (and the request quota's nominal one).
const MINUTE: Duration = Duration::from_secs(60);
/// A rate-limit header's figure is not trusted for longer than this, whatever
/// its reset says: a stale figure should not stall the client.
const MAX_HINT_HOLD: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimiterConfig {
    /// The deployment's request quota; `None` for no request limit.
    pub requests_per_minute: Option<u32>,
    /// The deployment's token quota; `None` for no token limit.
    pub tokens_per_minute: Option<u64>,
    /// Requests in flight at once (at least 1).
    pub max_concurrent: usize,
    /// Added to every window: a request reaches the service later than it
    /// leaves, so the service may count it in a later window than ours.
    pub window_margin: Duration,
}

impl Default for LimiterConfig {
    fn default() -> Self {
        LimiterConfig {
            requests_per_minute: None,
            tokens_per_minute: None,
            max_concurrent: 8,
            window_margin: Duration::from_millis(50),
        }
    }
}

/// What the limiter did so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimiterStats {
    /// Requests let through.
    pub admitted: u64,
    /// Requests that had to wait (for a slot, a window, a pause or a header).
    pub waits: u64,
    /// Time those requests spent waiting, added up.
    pub waited: Duration,
    /// `pause_until` calls that moved the hold-off later.
    pub pauses: u64,
    /// Answers whose rate-limit headers made the client hold off.
    pub header_holds: u64,
}

/// The shared limiter; clones share one state.
#[derive(Clone)]
pub struct Limiter {
    shared: Arc<Shared>,
}

struct Shared {
    config: LimiterConfig,
    /// Held by the request at the head of the queue: tokio's mutex is fair, so
    /// requests are admitted first come first served, large ones included.
    turn: tokio::sync::Mutex<()>,
    slots: Arc<Semaphore>,
    state: Mutex<State>,
    /// Wakes the head of the queue when a wait may have become shorter.
    wake: Notify,
}

#[derive(Default)]
struct State {
    /// When requests were let through, oldest first, for the last minute.
    sends: VecDeque<Instant>,
    /// Tokens charged in the last minute, oldest first.
    charges: VecDeque<Charge>,
    next_charge: u64,
    paused_until: Option<Instant>,
    /// Requests the service still takes, from the last answer's headers.
    requests_hint: Option<Hint>,
    /// The most requests a service window was seen to allow: the largest
    /// remaining count seen, plus the request it answered.
    seen_window: u64,
    /// Tokens the service still takes, from the last answer's headers.
    tokens_hint: Option<Hint>,
    stats: LimiterStats,
}

struct Charge {
    id: u64,
    at: Instant,
    tokens: u64,
}

struct Hint {
    remaining: u64,
    until: Instant,
}

/// Leave to send one request. Dropping it frees the concurrency slot; the
/// tokens stay charged for the minute, as the service counts them.
pub struct Permit {
    shared: Arc<Shared>,
    charge: u64,
    waited: Duration,
    _slot: Option<OwnedSemaphorePermit>,
}

impl Limiter {
    pub fn new(config: LimiterConfig) -> Self {
        let slots = config.max_concurrent.clamp(1, Semaphore::MAX_PERMITS);
        Limiter {
            shared: Arc::new(Shared {
                config,
                turn: tokio::sync::Mutex::new(()),
                slots: Arc::new(Semaphore::new(slots)),
                state: Mutex::new(State::default()),
                wake: Notify::new(),
            }),
        }
    }

    pub fn config(&self) -> &LimiterConfig {
        &self.shared.config
    }

    /// Waits until a request estimated at `tokens` (prompt + max completion
    /// tokens) may be sent, in arrival order. Cancelling the wait charges
    /// nothing and keeps no place in the queue.
    pub async fn acquire(&self, tokens: u64) -> Permit {
        let shared = &self.shared;
        let started = Instant::now();
        let _turn = shared.turn.lock().await;
        // The semaphore is never closed, so this is always a slot.
        let slot = Arc::clone(&shared.slots).acquire_owned().await.ok();
        loop {
            // Registered before reading the state, so no wake-up is missed.
            let woken = shared.wake.notified();
            let now = Instant::now();
            match shared.try_admit(now, started, tokens) {
                Ok((charge, waited)) => {
                    return Permit { shared: Arc::clone(shared), charge, waited, _slot: slot };
                }
                Err(at) => tokio::select! {
                    () = tokio::time::sleep_until(at) => {}
                    () = woken => {}
                },
            }
        }
    }

    /// Holds every request of the client until `at` (a 429's Retry-After).
    /// A later pause wins over an earlier one.
    pub fn pause_until(&self, at: Instant) {
        let mut state = self.shared.lock();
        if at > Instant::now() && state.paused_until.is_none_or(|p| p < at) {
            state.paused_until = Some(at);
            state.stats.pauses += 1;
        }
    }

    /// Reads an answer's rate-limit headers and holds off when the service
    /// says its quota is nearly spent.
    pub fn observe(&self, headers: &[(String, String)]) {
        let now = Instant::now();
        let margin = self.shared.config.window_margin;
        // Without a reset time, the service's current window ends within one
        // window from now.
        let hold = |reset: Option<&str>| {
            let wait = reset.and_then(parse_reset).map_or(REQUEST_WINDOW, |d| d.min(MAX_HINT_HOLD));
            now + wait + margin
        };
        let mut state = self.shared.lock();
        if let Some(remaining) = header_u64(headers, "x-ratelimit-remaining-requests") {
            let reset = header(headers, "x-ratelimit-reset-requests");
            let mut until = hold(reset);
            // Without a reset time: when the window's size is known, the
            // window began no later than the oldest of the requests it
            // counted, which are among our latest sends, so it ends within a
            // window of that one's send. Waiting a window from now would
            // lose most of a window each time the quota runs out.
            state.seen_window = state.seen_window.max(remaining.saturating_add(1));
            // Told by the service or the configuration, else learnt from the
            // counts seen (too small a guess only makes the wait longer).
            let limit = header_u64(headers, "x-ratelimit-limit-requests")
                .or_else(|| self.shared.config.requests_per_minute.map(|rpm| u64::from(rpm / 6).max(1)))
                .or(Some(state.seen_window));
            if reset.is_none()
                && let Some(counted) = limit.map(|l| l.saturating_sub(remaining)).filter(|c| *c > 0)
                && let Some(&oldest) = usize::try_from(counted)
                    .ok()
                    .and_then(|c| state.sends.len().checked_sub(c))
                    .and_then(|i| state.sends.get(i))
            {
                until = until.min(oldest + REQUEST_WINDOW + margin);
            }
            // One kept in reserve: answers to requests still in flight are not
            // counted in the figure yet.
            let remaining = remaining.saturating_sub(1);
            if remaining == 0 {
                state.stats.header_holds += 1;
            }
            state.requests_hint = Some(Hint { remaining, until });
        }
        if let Some(remaining) = header_u64(headers, "x-ratelimit-remaining-tokens") {
            state.tokens_hint = Some(Hint { remaining, until: hold(header(headers, "x-ratelimit-reset-tokens")) });
        }
        drop(state);
        // A fresh figure may allow more than the one it replaces.
        self.shared.wake.notify_waiters();
    }

    pub fn stats(&self) -> LimiterStats {
        self.shared.lock().stats
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Charges a request of `tokens` and returns its charge and wait, or the
    /// earliest time worth trying again.
    fn try_admit(&self, now: Instant, started: Instant, tokens: u64) -> Result<(u64, Duration), Instant> {
        let mut state = self.lock();
        if let Some(at) = state.blocked_until(&self.config, now, tokens) {
            return Err(at);
        }
        let charge = state.admit(now, tokens);
        let waited = now.saturating_duration_since(started);
        state.stats.admitted += 1;
        if !waited.is_zero() {
            state.stats.waits += 1;
            state.stats.waited += waited;
        }
        Ok((charge, waited))
    }
}

impl State {
    /// `None` when a request of `tokens` may go now, else the earliest time
    /// worth looking again.
    fn blocked_until(&mut self, config: &LimiterConfig, now: Instant, tokens: u64) -> Option<Instant> {
        self.prune(config, now);
        let mut until: Option<Instant> = None;
        let mut later = |at: Instant| {
            if at > now {
                until = Some(until.map_or(at, |u| u.max(at)));
            }
        };
        if let Some(at) = self.paused_until {
            later(at);
        }
        if let Some(rpm) = config.requests_per_minute {
            let rpm = rpm.max(1);
            // Azure's rule (RPM/6 per 10 s, at least one), and the minute's
            // total for quotas that do not divide by six.
            let per_window = usize::try_from(rpm / 6).unwrap_or(usize::MAX).max(1);
            let per_minute = usize::try_from(rpm).unwrap_or(usize::MAX);
            for (window, limit) in [(REQUEST_WINDOW, per_window), (MINUTE, per_minute)] {
                if let Some(at) = nth_expiry(&self.sends, now, window + config.window_margin, limit) {
                    later(at);
                }
            }
        }
        if let Some(tpm) = config.tokens_per_minute {
            let used: u64 = self.charges.iter().map(|c| c.tokens).fold(0, u64::saturating_add);
            if used > 0 && used.saturating_add(tokens) > tpm {
                // A request larger than the whole quota goes alone.
                let to_free = if tokens > tpm { used } else { used.saturating_add(tokens) - tpm };
                let mut freed = 0u64;
                for charge in &self.charges {
                    freed = freed.saturating_add(charge.tokens);
                    if freed >= to_free {
                        later(charge.at + MINUTE + config.window_margin);
                        break;
                    }
                }
            }
        }
        if let Some(hint) = &self.requests_hint
            && hint.remaining == 0
        {
            later(hint.until);
        }
        if let Some(hint) = &self.tokens_hint
            && tokens > hint.remaining
        {
            later(hint.until);
        }
        until
    }

    fn prune(&mut self, config: &LimiterConfig, now: Instant) {
        let minute = MINUTE + config.window_margin;
        let old = |at: Instant| now.saturating_duration_since(at) >= minute;
        while self.sends.front().is_some_and(|&at| old(at)) {
            self.sends.pop_front();
        }
        while self.charges.front().is_some_and(|c| old(c.at)) {
            self.charges.pop_front();
        }
        if self.paused_until.is_some_and(|at| at <= now) {
            self.paused_until = None;
        }
        if self.requests_hint.as_ref().is_some_and(|h| h.until <= now) {
            self.requests_hint = None;
        }
        if self.tokens_hint.as_ref().is_some_and(|h| h.until <= now) {
            self.tokens_hint = None;
        }
    }

    fn admit(&mut self, now: Instant, tokens: u64) -> u64 {
        self.sends.push_back(now);
        let id = self.next_charge;
        self.next_charge = self.next_charge.wrapping_add(1);
        self.charges.push_back(Charge { id, at: now, tokens });
        // What we send after an answer is not in that answer's figures.
        if let Some(hint) = &mut self.requests_hint {
            hint.remaining = hint.remaining.saturating_sub(1);
        }
        if let Some(hint) = &mut self.tokens_hint {
            hint.remaining = hint.remaining.saturating_sub(tokens);
        }
        id
    }
}

/// When `sends` (sorted) leaves room for one more in `window`: never blocked
/// while fewer than `limit` fall in it; else when the oldest one that must
/// leave it does.
fn nth_expiry(sends: &VecDeque<Instant>, now: Instant, window: Duration, limit: usize) -> Option<Instant> {
    let inside = sends.iter().rev().take_while(|&&at| now.saturating_duration_since(at) < window).count();
    if inside < limit {
        return None;
    }
    sends.get(sends.len() - limit).map(|&at| at + window)
}

impl Permit {
    /// Corrects the charge once the answer's usage is known.
    pub fn settle(&self, actual_tokens: u64) {
        let mut state = self.shared.lock();
        if let Some(charge) = state.charges.iter_mut().find(|c| c.id == self.charge) {
            charge.tokens = actual_tokens;
        }
        drop(state);
        self.shared.wake.notify_waiters();
    }

    /// How long this request waited for its turn.
    pub fn waited(&self) -> Duration {
        self.waited
    }
}

impl fmt::Debug for Limiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Limiter").field("config", &self.shared.config).field("stats", &self.stats()).finish()
    }
}

impl fmt::Debug for Permit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").field("charge", &self.charge).field("waited", &self.waited).finish()
    }
}

/// A rate-limit reset: integer or decimal seconds (Azure), or a duration
/// such as `1s`, `6m0s`, `250ms`, `1h2m3.5s` (OpenAI).
pub fn parse_reset(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return seconds_to_duration(seconds);
    }
    let mut rest = value;
    let mut total = 0.0;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let scale = match &rest[..unit] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += number * scale;
        rest = &rest[unit..];
    }
    seconds_to_duration(total)
}

fn seconds_to_duration(seconds: f64) -> Option<Duration> {
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(1e9)))
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
}

/// A count header; `-1` and other non-counts (seen on some surfaces) are no
/// figure at all.
fn header_u64(headers: &[(String, String)], name: &str) -> Option<u64> {
    header(headers, name)?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tokio::task::JoinSet;

    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// Admission times of `count` requests of `tokens`, each released at once.
    async fn admissions(limiter: &Limiter, count: usize, tokens: u64) -> Vec<Duration> {
        let start = Instant::now();
        let mut tasks = JoinSet::new();
        for i in 0..count {
            let limiter = limiter.clone();
            tasks.spawn(async move {
                let _permit = limiter.acquire(tokens).await;
                (i, start.elapsed())
            });
            // Queue them in order, as a client would.
            tokio::task::yield_now().await;
        }
        let mut times = tasks.join_all().await;
        times.sort();
        times.into_iter().map(|(_, at)| at).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn requests_stay_under_the_quota_in_every_ten_second_window_without_overcaution() {
        let limiter = Limiter::new(LimiterConfig { requests_per_minute: Some(600), ..LimiterConfig::default() });
        let mut times = admissions(&limiter, 250, 10).await;
        times.sort();
        for (i, &start) in times.iter().enumerate() {
            let in_window = times[i..].iter().take_while(|&&t| t - start < REQUEST_WINDOW).count();
            assert!(in_window <= 100, "{in_window} requests in the window from {start:?}");
        }
        let last = *times.last().unwrap();
        assert!(last >= Duration::from_secs(20) && last < Duration::from_millis(20_500), "{last:?}");
        let stats = limiter.stats();
        assert_eq!(stats.admitted, 250);
        assert_eq!(stats.waits, 150);
    }

    #[tokio::test(start_paused = true)]
    async fn a_small_quota_is_kept_over_the_minute_too() {
        // RPM 10: one per 10 s by Azure's rule, and ten per minute.
        let limiter = Limiter::new(LimiterConfig { requests_per_minute: Some(10), ..LimiterConfig::default() });
        let times = admissions(&limiter, 3, 1).await;
        assert_eq!(times[0], Duration::ZERO);
        assert!(times[1] >= REQUEST_WINDOW && times[2] >= 2 * REQUEST_WINDOW, "{times:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn tokens_are_charged_for_a_minute_and_settled_to_the_actual_usage() {
        let config = LimiterConfig { tokens_per_minute: Some(1000), ..LimiterConfig::default() };
        let limiter = Limiter::new(config);
        let times = admissions(&limiter, 3, 400).await;
        assert_eq!(&times[..2], &[Duration::ZERO, Duration::ZERO]);
        assert!(times[2] >= MINUTE && times[2] < MINUTE + Duration::from_millis(100), "{times:?}");

        // Settling the first request to its real usage lets the third one go
        // as soon as the usage is known.
        let limiter = Limiter::new(config);
        let first = limiter.acquire(400).await;
        let _second = limiter.acquire(400).await;
        let start = Instant::now();
        let third = tokio::spawn({
            let limiter = limiter.clone();
            async move { limiter.acquire(400).await.waited() }
        });
        tokio::time::sleep(Duration::from_secs(3)).await;
        first.settle(100);
        let waited = third.await.unwrap();
        assert_eq!(waited, Duration::from_secs(3));
        assert_eq!(start.elapsed(), Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_larger_than_the_quota_goes_alone() {
        let limiter = Limiter::new(LimiterConfig { tokens_per_minute: Some(1000), ..LimiterConfig::default() });
        let lone = limiter.acquire(5000).await;
        assert_eq!(lone.waited(), Duration::ZERO, "nothing else charged: no deadlock");
        let next = limiter.acquire(10).await;
        assert!(next.waited() >= MINUTE, "{:?}", next.waited());
    }

    #[tokio::test(start_paused = true)]
    async fn requests_are_admitted_first_come_first_served() {
        let limiter = Limiter::new(LimiterConfig { tokens_per_minute: Some(1000), ..LimiterConfig::default() });
        let _held = limiter.acquire(900).await;
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = JoinSet::new();
        // A large request waits for the minute; small ones that would fit now
        // do not overtake it.
        for (name, tokens) in [("large", 1000), ("small-1", 50), ("small-2", 50)] {
            let (limiter, order) = (limiter.clone(), Arc::clone(&order));
            tasks.spawn(async move {
                let _permit = limiter.acquire(tokens).await;
                order.lock().unwrap().push(name);
            });
            tokio::task::yield_now().await;
        }
        tasks.join_all().await;
        assert_eq!(*order.lock().unwrap(), ["large", "small-1", "small-2"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_every_request_until_the_time_the_service_asked_for() {
        let limiter = Limiter::new(LimiterConfig::default());
        let start = Instant::now();
        limiter.pause_until(start + Duration::from_secs(2));
        limiter.pause_until(start + Duration::from_secs(1)); // an earlier one does not shorten it
        let times = admissions(&limiter, 5, 1).await;
        assert_eq!(times, [Duration::from_secs(2); 5]);
        assert_eq!(limiter.stats().pauses, 1);
        assert_eq!(limiter.stats().waits, 5);

        // A request already waiting (here for a slot) when the 429 comes is
        // held too.
        let limiter = Limiter::new(LimiterConfig { max_concurrent: 1, ..LimiterConfig::default() });
        let start = Instant::now();
        let held = limiter.acquire(1).await;
        let waiting = tokio::spawn({
            let limiter = limiter.clone();
            async move { limiter.acquire(1).await.waited() }
        });
        tokio::task::yield_now().await;
        limiter.pause_until(start + Duration::from_secs(6));
        tokio::time::sleep(Duration::from_secs(1)).await;
        drop(held);
        assert_eq!(waiting.await.unwrap(), Duration::from_secs(6));
    }

    #[tokio::test(start_paused = true)]
    async fn nearly_spent_quotas_in_the_headers_slow_the_client_down() {
        let limiter = Limiter::new(LimiterConfig::default());
        limiter.observe(&headers(&[("x-ratelimit-remaining-requests", "1")]));
        let permit = limiter.acquire(1).await;
        assert_eq!(permit.waited(), REQUEST_WINDOW + Duration::from_millis(50));
        assert_eq!(limiter.stats().header_holds, 1);

        // Three left: two go at once (one is kept in reserve), then a hold.
        limiter.observe(&headers(&[("X-RateLimit-Remaining-Requests", "3"), ("x-ratelimit-reset-requests", "2s")]));
        let times = admissions(&limiter, 3, 1).await;
        assert_eq!(&times[..2], &[Duration::ZERO, Duration::ZERO]);
        assert_eq!(times[2], Duration::from_millis(2050));

        // Too few tokens left for the next request: wait for the reset.
        limiter.observe(&headers(&[("x-ratelimit-remaining-tokens", "100"), ("x-ratelimit-reset-tokens", "250ms")]));
        assert_eq!(limiter.acquire(80).await.waited(), Duration::ZERO);
        assert_eq!(limiter.acquire(80).await.waited(), Duration::from_millis(300), "20 left after the first");

        // A figure that is not a count changes nothing.
        limiter.observe(&headers(&[("x-ratelimit-remaining-tokens", "-1"), ("x-ratelimit-remaining-requests", "")]));
        assert_eq!(limiter.acquire(1_000_000).await.waited(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn no_more_than_the_concurrency_bound_in_flight() {
        let limiter = Limiter::new(LimiterConfig { max_concurrent: 2, ..LimiterConfig::default() });
        let (current, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let start = Instant::now();
        let mut tasks = JoinSet::new();
        for _ in 0..5 {
            let (limiter, current, peak) = (limiter.clone(), Arc::clone(&current), Arc::clone(&peak));
            tasks.spawn(async move {
                let _permit = limiter.acquire(1).await;
                let now = current.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_secs(1)).await;
                current.fetch_sub(1, Ordering::SeqCst);
            });
        }
        tasks.join_all().await;
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        assert_eq!(start.elapsed(), Duration::from_secs(3));
        // A bound of zero would never admit anything: it means one.
        let one = Limiter::new(LimiterConfig { max_concurrent: 0, ..LimiterConfig::default() });
        drop(one.acquire(1).await);
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_wait_keeps_no_place_and_charges_nothing() {
        let limiter = Limiter::new(LimiterConfig { tokens_per_minute: Some(100), ..LimiterConfig::default() });
        let _held = limiter.acquire(60).await;
        let gave_up = tokio::time::timeout(Duration::from_secs(1), limiter.acquire(60)).await;
        assert!(gave_up.is_err());
        assert_eq!(limiter.acquire(40).await.waited(), Duration::ZERO);
        assert_eq!(limiter.stats().admitted, 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_spent_window_is_waited_out_from_its_oldest_request_not_from_now() {
        // 60 RPM: 10 a window. Ten go at once; their answers come 2 s later
        // saying none remain. The service's window began no later than the
        // first of the ten, so it ends by 10 s (plus the margin), not 12 s.
        let limiter = Limiter::new(LimiterConfig { requests_per_minute: Some(60), ..LimiterConfig::default() });
        let start = Instant::now();
        let first = admissions(&limiter, 10, 1).await;
        assert!(first.iter().all(|at| at.is_zero()));
        tokio::time::sleep(Duration::from_secs(2)).await;
        limiter.observe(&headers(&[("x-ratelimit-remaining-requests", "0")]));
        let _next = limiter.acquire(1).await;
        let at = start.elapsed();
        assert!(at >= Duration::from_secs(10) && at <= Duration::from_millis(10_100), "{at:?}");
        // With the limit in a header and no configured quota, the same.
        let limiter = Limiter::new(LimiterConfig::default());
        let start = Instant::now();
        admissions(&limiter, 4, 1).await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        limiter.observe(&headers(&[("x-ratelimit-remaining-requests", "0"), ("x-ratelimit-limit-requests", "4")]));
        let _next = limiter.acquire(1).await;
        let at = start.elapsed();
        assert!(at >= Duration::from_secs(10) && at <= Duration::from_millis(10_100), "{at:?}");
        // Nothing told of the window's size: learnt from the counts seen.
        let limiter = Limiter::new(LimiterConfig::default());
        let start = Instant::now();
        admissions(&limiter, 5, 1).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        for remaining in (0..5).rev() {
            limiter.observe(&headers(&[("x-ratelimit-remaining-requests", &remaining.to_string())]));
        }
        let _next = limiter.acquire(1).await;
        let at = start.elapsed();
        assert!(at >= Duration::from_secs(10) && at <= Duration::from_millis(10_100), "{at:?}");
        // Nothing known at all: a whole window from now.
        let limiter = Limiter::new(LimiterConfig::default());
        let start = Instant::now();
        limiter.observe(&headers(&[("x-ratelimit-remaining-requests", "0")]));
        let _next = limiter.acquire(1).await;
        assert!(start.elapsed() >= Duration::from_secs(10), "{:?}", start.elapsed());
    }

    #[test]
    fn reset_values_in_both_spellings() {
        let ms = Duration::from_millis;
        assert_eq!(parse_reset("6"), Some(Duration::from_secs(6)));
        assert_eq!(parse_reset(" 0.5 "), Some(ms(500)));
        assert_eq!(parse_reset("1s"), Some(Duration::from_secs(1)));
        assert_eq!(parse_reset("6m0s"), Some(Duration::from_secs(360)));
        assert_eq!(parse_reset("250ms"), Some(ms(250)));
        assert_eq!(parse_reset("1h2m3.5s"), Some(ms(3_723_500)));
        assert_eq!(parse_reset("20us"), Some(Duration::from_micros(20)));
        for bad in ["", "s", "1x", "-1", "1s2", "..s", "NaN", "inf", "1e999"] {
            assert_eq!(parse_reset(bad), None, "{bad}");
        }
    }
}
