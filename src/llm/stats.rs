//! What a client has done so far: requests, retries, failures by kind, tokens
//! and latency, for the CLI's summary and the language server.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::cost::Usage;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    /// HTTP requests sent, retries included.
    pub requests: u64,
    pub retries: u64,
    /// Answers received.
    pub answers: u64,
    /// Failures by kind (`auth`, `rate_limited`, `schema`, ...).
    pub failures: BTreeMap<String, u64>,
    pub usage: Usage,
    /// Estimated cost in USD.
    pub cost: f64,
    /// What the user should know (a budget nearly spent), each once.
    pub warnings: Vec<String>,
    /// Milliseconds from the answered attempt's send to its answer.
    #[serde(skip)]
    latencies: Vec<u32>,
}

impl Stats {
    pub fn success(&mut self, usage: Usage, elapsed: Duration) {
        self.answers += 1;
        self.usage += usage;
        self.latencies.push(u32::try_from(elapsed.as_millis()).unwrap_or(u32::MAX));
    }

    pub fn failure(&mut self, kind: &str) {
        *self.failures.entry(kind.to_string()).or_default() += 1;
    }

    /// The work in one line: requests, retries, tokens, cost, failures.
    pub fn summary(&self) -> String {
        let usage = &self.usage;
        let mut line = format!(
            "{} request{}, {} retr{}, {} prompt tokens ({} cached), {} completion tokens",
            self.requests,
            if self.requests == 1 { "" } else { "s" },
            self.retries,
            if self.retries == 1 { "y" } else { "ies" },
            usage.prompt_tokens,
            usage.cached_tokens,
            usage.completion_tokens
        );
        if self.cost > 0.0 {
            line.push_str(&format!(", about ${:.4}", self.cost));
        }
        if let (Some(p50), Some(p95)) = (self.latency(0.5), self.latency(0.95)) {
            line.push_str(&format!(", latency p50 {} ms, p95 {} ms", p50.as_millis(), p95.as_millis()));
        }
        if !self.failures.is_empty() {
            let failures: Vec<String> = self.failures.iter().map(|(kind, n)| format!("{kind} {n}")).collect();
            line.push_str(&format!("; failures: {}", failures.join(", ")));
        }
        line
    }

    /// The latency below which `quantile` (0 to 1) of the answers came.
    pub fn latency(&self, quantile: f64) -> Option<Duration> {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let last = sorted.len().checked_sub(1)?;
        // Nearest rank: the smallest value with at least `quantile` at or below it.
        let rank = ((quantile.clamp(0.0, 1.0) * sorted.len() as f64).ceil() as usize).saturating_sub(1).min(last);
        Some(Duration::from_millis(u64::from(sorted[rank])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_quantiles_by_nearest_rank() {
        let mut stats = Stats::default();
        assert_eq!(stats.latency(0.5), None);
        stats.requests = 5;
        for ms in [40, 10, 30, 20, 100] {
            stats.success(Usage { prompt_tokens: 2, ..Usage::default() }, Duration::from_millis(ms));
        }
        assert_eq!(stats.latency(0.5), Some(Duration::from_millis(30)));
        assert_eq!(stats.latency(0.95), Some(Duration::from_millis(100)));
        assert_eq!(stats.latency(0.0), Some(Duration::from_millis(10)));
        assert_eq!(stats.usage.prompt_tokens, 10);
        stats.failure("auth");
        stats.failure("auth");
        assert_eq!(stats.failures["auth"], 2);
        assert_eq!(
            stats.summary(),
            "5 requests, 0 retries, 10 prompt tokens (0 cached), 0 completion tokens, latency p50 30 ms, p95 100 ms; \
             failures: auth 2"
        );
    }
}
