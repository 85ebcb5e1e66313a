//! When to retry a model request and how long to wait first: the policy of
//! the wire contract (openai-python's rules, with Azure's quota behaviour).
//!
//! Pure functions over what came back, so every rule is tested without a
//! network: the client feeds them the status, the headers and the error type.

use std::time::{Duration, SystemTime};

/// Retry settings; the defaults are openai-python's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First exponential delay (doubled per retry).
    pub initial_delay: Duration,
    /// Longest exponential delay.
    pub max_delay: Duration,
    /// A Retry-After longer than this is not waited out: the quota is spent.
    pub retry_after_cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            retry_after_cap: Duration::from_secs(120),
        }
    }
}

/// What an attempt ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt<'a> {
    /// An HTTP response that was not a success. `error_type` is the `type` or
    /// `code` of the error body, when there is one (`insufficient_quota`).
    Response { status: u16, headers: &'a [(String, String)], error_type: Option<&'a str> },
    /// No response: connect error, TLS error, reset, or timeout.
    Transport,
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send the request again, no earlier than after this delay.
    RetryAfter(Duration),
    /// Not retryable (or no retries left): report the failure.
    GiveUp,
    /// The service asked for a wait beyond the cap, or the quota is exhausted:
    /// report at once, with the wait it asked for when it said.
    QuotaExhausted(Option<Duration>),
}

/// Decides after a failed attempt. `retries_taken` counts retries already
/// made (0 after the first attempt); `jitter` is a number in `[0, 1)` that
/// shortens exponential delays by up to a quarter; `now` reads HTTP dates.
pub fn decide(
    policy: &RetryPolicy,
    attempt: Attempt<'_>,
    retries_taken: u32,
    jitter: f64,
    now: SystemTime,
) -> Decision {
    let exponential = || {
        let base = policy.initial_delay.as_secs_f64() * 2f64.powi(i32::try_from(retries_taken).unwrap_or(i32::MAX));
        let capped = base.min(policy.max_delay.as_secs_f64());
        Duration::from_secs_f64(capped * (1.0 - 0.25 * jitter.clamp(0.0, 1.0)))
    };
    let (status, headers, error_type) = match attempt {
        Attempt::Transport => {
            return if retries_taken < policy.max_retries {
                Decision::RetryAfter(exponential())
            } else {
                Decision::GiveUp
            };
        }
        Attempt::Response { status, headers, error_type } => (status, headers, error_type),
    };
    let asked = retry_after(headers, now);
    // A wait beyond the cap is a spent quota, whatever else the answer says.
    if let Some(wait) = asked
        && wait > policy.retry_after_cap
    {
        return Decision::QuotaExhausted(Some(wait));
    }
    if error_type == Some("insufficient_quota") {
        return Decision::QuotaExhausted(asked);
    }
    let retryable = match header(headers, "x-should-retry") {
        Some(value) if value.eq_ignore_ascii_case("true") => true,
        Some(value) if value.eq_ignore_ascii_case("false") => false,
        _ => matches!(status, 408 | 409 | 429) || status >= 500,
    };
    if !retryable || retries_taken >= policy.max_retries {
        return Decision::GiveUp;
    }
    match asked {
        Some(wait) if !wait.is_zero() => Decision::RetryAfter(wait),
        _ => Decision::RetryAfter(exponential()),
    }
}

/// The wait a response asks for: `retry-after-ms` (milliseconds), else
/// `retry-after` as seconds or as an HTTP date. A date in the past is no wait.
pub fn retry_after(headers: &[(String, String)], now: SystemTime) -> Option<Duration> {
    if let Some(ms) = header(headers, "retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok()) {
        return finite_seconds(ms / 1000.0);
    }
    let value = header(headers, "retry-after")?.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return finite_seconds(seconds);
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

fn finite_seconds(seconds: f64) -> Option<Duration> {
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(1e9)))
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn response(status: u16, headers: &[(String, String)]) -> Attempt<'_> {
        Attempt::Response { status, headers, error_type: None }
    }

    const NOW: SystemTime = SystemTime::UNIX_EPOCH;

    #[test]
    fn retryable_statuses_and_transport_errors() {
        let policy = RetryPolicy::default();
        let none = headers(&[]);
        for status in [408, 409, 429, 500, 502, 503, 504, 529] {
            assert!(
                matches!(decide(&policy, response(status, &none), 0, 0.0, NOW), Decision::RetryAfter(_)),
                "{status}"
            );
        }
        for status in [400, 401, 403, 404, 422] {
            assert_eq!(decide(&policy, response(status, &none), 0, 0.0, NOW), Decision::GiveUp, "{status}");
        }
        assert!(matches!(decide(&policy, Attempt::Transport, 0, 0.0, NOW), Decision::RetryAfter(_)));
        assert_eq!(decide(&policy, Attempt::Transport, 2, 0.0, NOW), Decision::GiveUp, "retries used up");
        assert_eq!(decide(&policy, response(503, &none), 2, 0.0, NOW), Decision::GiveUp, "retries used up");
    }

    #[test]
    fn exponential_delays_with_jitter_that_only_shortens() {
        let policy = RetryPolicy { max_retries: 10, ..RetryPolicy::default() };
        let none = headers(&[]);
        let delay = |n, jitter| match decide(&policy, response(500, &none), n, jitter, NOW) {
            Decision::RetryAfter(d) => d,
            other => panic!("{other:?}"),
        };
        assert_eq!(delay(0, 0.0), Duration::from_millis(500));
        assert_eq!(delay(1, 0.0), Duration::from_secs(1));
        assert_eq!(delay(3, 0.0), Duration::from_secs(4));
        assert_eq!(delay(6, 0.0), Duration::from_secs(8), "capped");
        assert_eq!(delay(0, 0.5), Duration::from_millis(437) + Duration::from_micros(500));
        assert!(delay(2, 0.999_999) > Duration::from_millis(1500));
    }

    #[test]
    fn retry_after_headers_in_order_of_precedence() {
        let both = headers(&[("Retry-After", "7"), ("retry-after-ms", "1500")]);
        assert_eq!(retry_after(&both, NOW), Some(Duration::from_millis(1500)));
        assert_eq!(retry_after(&headers(&[("retry-after", "2.5")]), NOW), Some(Duration::from_millis(2500)));
        let date = headers(&[("retry-after", "Thu, 01 Jan 1970 00:00:30 GMT")]);
        assert_eq!(retry_after(&date, NOW), Some(Duration::from_secs(30)));
        let past = SystemTime::UNIX_EPOCH + Duration::from_secs(60);
        assert_eq!(retry_after(&date, past), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")]), NOW), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "-3")]), NOW), None);
        // The service's wait is honoured exactly, never shortened.
        let policy = RetryPolicy::default();
        assert_eq!(
            decide(&policy, response(429, &headers(&[("retry-after", "20")])), 0, 0.9, NOW),
            Decision::RetryAfter(Duration::from_secs(20))
        );
    }

    #[test]
    fn x_should_retry_overrides_the_status() {
        let policy = RetryPolicy::default();
        let yes = headers(&[("x-should-retry", "true")]);
        let no = headers(&[("X-Should-Retry", "false")]);
        assert!(matches!(decide(&policy, response(400, &yes), 0, 0.0, NOW), Decision::RetryAfter(_)));
        assert_eq!(decide(&policy, response(503, &no), 0, 0.0, NOW), Decision::GiveUp);
    }

    #[test]
    fn a_wait_beyond_the_cap_or_an_exhausted_quota_is_reported_at_once() {
        let policy = RetryPolicy::default();
        let day = headers(&[("retry-after", "86400")]);
        assert_eq!(
            decide(&policy, response(429, &day), 0, 0.0, NOW),
            Decision::QuotaExhausted(Some(Duration::from_secs(86400)))
        );
        let none = headers(&[]);
        let quota = Attempt::Response { status: 429, headers: &none, error_type: Some("insufficient_quota") };
        assert_eq!(decide(&policy, quota, 0, 0.0, NOW), Decision::QuotaExhausted(None));
        // Even when the header says it should retry.
        let forced = headers(&[("retry-after", "300"), ("x-should-retry", "true")]);
        assert!(matches!(decide(&policy, response(429, &forced), 0, 0.0, NOW), Decision::QuotaExhausted(_)));
    }
}
