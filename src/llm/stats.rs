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
    /// Milliseconds from first send to answer, per answer.
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
    }
}
