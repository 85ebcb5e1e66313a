//! Token usage and what it costs: prices per model, and the arithmetic of the
//! wire contract (cached prompt tokens at their own price, reasoning tokens
//! billed as completion tokens).

use std::ops::{Add, AddAssign};

use serde::{Deserialize, Serialize};

const PER_MILLION: f64 = 1_000_000.0;

/// Tokens used by one request (or, summed, by many).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct Usage {
    /// All prompt tokens, cached ones included.
    pub prompt_tokens: u64,
    /// All completion tokens, reasoning ones included.
    pub completion_tokens: u64,
    /// Prompt tokens served from the prompt cache (a part of `prompt_tokens`).
    pub cached_tokens: u64,
    /// Completion tokens spent on hidden reasoning (a part of `completion_tokens`).
    pub reasoning_tokens: u64,
}

impl Usage {
    pub fn total_tokens(&self) -> u64 {
        self.prompt_tokens.saturating_add(self.completion_tokens)
    }
}

impl Add for Usage {
    type Output = Usage;

    fn add(self, other: Usage) -> Usage {
        Usage {
            prompt_tokens: self.prompt_tokens.saturating_add(other.prompt_tokens),
            completion_tokens: self.completion_tokens.saturating_add(other.completion_tokens),
            cached_tokens: self.cached_tokens.saturating_add(other.cached_tokens),
            reasoning_tokens: self.reasoning_tokens.saturating_add(other.reasoning_tokens),
        }
    }
}

impl AddAssign for Usage {
    fn add_assign(&mut self, other: Usage) {
        *self = *self + other;
    }
}

impl std::iter::Sum for Usage {
    fn sum<I: Iterator<Item = Usage>>(iter: I) -> Usage {
        iter.fold(Usage::default(), Add::add)
    }
}

/// Prices of one model in US dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Price {
    pub input_per_million: f64,
    /// Price of prompt tokens served from the cache; the input price when the
    /// service gives no discount.
    pub cached_input_per_million: f64,
    pub output_per_million: f64,
}

impl Price {
    pub const fn new(input_per_million: f64, cached_input_per_million: f64, output_per_million: f64) -> Self {
        Price { input_per_million, cached_input_per_million, output_per_million }
    }

    /// A model that costs nothing (a local server).
    pub const FREE: Price = Price::new(0.0, 0.0, 0.0);

    /// Whether every price is a finite, non-negative number (configuration
    /// should be checked with this before use).
    pub fn is_valid(&self) -> bool {
        [self.input_per_million, self.cached_input_per_million, self.output_per_million]
            .iter()
            .all(|p| p.is_finite() && *p >= 0.0)
    }
}

/// The cost in USD of `usage`: uncached prompt tokens at the input price,
/// cached ones at the cached price, completion tokens (reasoning included) at
/// the output price. More cached than prompt tokens (a confused server) is
/// read as all prompt tokens cached.
pub fn cost(usage: &Usage, price: &Price) -> f64 {
    let cached = usage.cached_tokens.min(usage.prompt_tokens);
    let uncached = usage.prompt_tokens - cached;
    (uncached as f64 * price.input_per_million
        + cached as f64 * price.cached_input_per_million
        + usage.completion_tokens as f64 * price.output_per_million)
        / PER_MILLION
}

/// The worst-case cost of a request before it is sent: every prompt token
/// uncached and the completion using all of `max_completion_tokens`.
pub fn estimate(prompt_tokens: u64, max_completion_tokens: u64, price: &Price) -> f64 {
    (prompt_tokens as f64 * price.input_per_million + max_completion_tokens as f64 * price.output_per_million)
        / PER_MILLION
}

/// OpenAI's standard-tier list prices (USD per million tokens: input, cached
/// input, output) as published in 2025. They are defaults only: prices change,
/// Azure's differ by deployment type and region, and negotiated prices differ
/// again, so users should set their own in configuration. A model missing
/// here takes the price of its longest listed prefix (`gpt-5.2` that of
/// `gpt-5`), which may be too low.
const LIST_PRICES: &[(&str, Price)] = &[
    ("gpt-5", Price::new(1.25, 0.125, 10.0)),
    ("gpt-5-mini", Price::new(0.25, 0.025, 2.0)),
    ("gpt-5-nano", Price::new(0.05, 0.005, 0.40)),
    ("gpt-5-pro", Price::new(15.0, 15.0, 120.0)),
    ("gpt-4.1", Price::new(2.0, 0.50, 8.0)),
    ("gpt-4.1-mini", Price::new(0.40, 0.10, 1.60)),
    ("gpt-4.1-nano", Price::new(0.10, 0.025, 0.40)),
    ("gpt-4o", Price::new(2.50, 1.25, 10.0)),
    ("gpt-4o-mini", Price::new(0.15, 0.075, 0.60)),
    ("o1", Price::new(15.0, 7.50, 60.0)),
    ("o1-mini", Price::new(1.10, 0.55, 4.40)),
    ("o1-pro", Price::new(150.0, 150.0, 600.0)),
    ("o3", Price::new(2.0, 0.50, 8.0)),
    ("o3-mini", Price::new(1.10, 0.55, 4.40)),
    ("o3-pro", Price::new(20.0, 20.0, 80.0)),
    ("o4-mini", Price::new(1.10, 0.275, 4.40)),
    ("gpt-4.5", Price::new(75.0, 37.5, 150.0)),
    ("gpt-4-turbo", Price::new(10.0, 10.0, 30.0)),
    ("gpt-4", Price::new(30.0, 30.0, 60.0)),
    ("gpt-3.5-turbo", Price::new(0.50, 0.50, 1.50)),
    ("gpt-35-turbo", Price::new(0.50, 0.50, 1.50)),
];

/// Prices by model name or name prefix; a model takes the price of the
/// longest matching entry (`gpt-4o-mini-2024-07-18` -> `gpt-4o-mini`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PriceTable {
    /// Lower-case prefixes; order does not matter.
    entries: Vec<(String, Price)>,
}

impl PriceTable {
    /// A table without any price.
    pub fn new() -> Self {
        Self::default()
    }

    /// A table holding OpenAI's list prices for common models; see
    /// [`PriceTable::insert`] to override them.
    pub fn with_list_prices() -> Self {
        let mut table = Self::new();
        for (prefix, price) in LIST_PRICES {
            table.insert(prefix, *price);
        }
        table
    }

    /// Sets the price of models starting with `prefix` (case-insensitive),
    /// replacing an entry of the same prefix.
    pub fn insert(&mut self, prefix: &str, price: Price) {
        let prefix = prefix.trim().to_ascii_lowercase();
        match self.entries.iter_mut().find(|(p, _)| *p == prefix) {
            Some(entry) => entry.1 = price,
            None => self.entries.push((prefix, price)),
        }
    }

    /// The price of `model`: the entry with the longest prefix of its name.
    /// `None` when no entry matches: the caller cannot cost the request and
    /// should say so (or treat it as configuration to add).
    pub fn lookup(&self, model: &str) -> Option<&Price> {
        let model = model.trim().to_ascii_lowercase();
        self.entries
            .iter()
            .filter(|(prefix, _)| model.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, price)| price)
    }

    pub fn entries(&self) -> impl Iterator<Item = (&str, &Price)> {
        self.entries.iter().map(|(prefix, price)| (prefix.as_str(), price))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn usage_adds_up() {
        let a = Usage { prompt_tokens: 100, completion_tokens: 20, cached_tokens: 50, reasoning_tokens: 5 };
        let b = Usage { prompt_tokens: 1, completion_tokens: 2, cached_tokens: 0, reasoning_tokens: 1 };
        let mut c = a;
        c += b;
        assert_eq!(c, a + b);
        assert_eq!(c, Usage { prompt_tokens: 101, completion_tokens: 22, cached_tokens: 50, reasoning_tokens: 6 });
        assert_eq!([a, b].into_iter().sum::<Usage>(), c);
        assert_eq!(c.total_tokens(), 123);
        let max = Usage { prompt_tokens: u64::MAX, ..Usage::default() };
        assert_eq!((max + a).prompt_tokens, u64::MAX);
    }

    #[test]
    fn usage_serde_round_trip() {
        let usage = Usage { prompt_tokens: 3, completion_tokens: 4, cached_tokens: 1, reasoning_tokens: 2 };
        let text = serde_json::to_string(&usage).unwrap();
        assert_eq!(text, r#"{"prompt_tokens":3,"completion_tokens":4,"cached_tokens":1,"reasoning_tokens":2}"#);
        assert_eq!(serde_json::from_str::<Usage>(&text).unwrap(), usage);
        assert_eq!(serde_json::from_str::<Usage>("{}").unwrap(), Usage::default());
    }

    #[test]
    fn cost_prices_cached_and_completion_tokens() {
        let price = Price::new(2.0, 0.5, 8.0);
        let usage = Usage {
            prompt_tokens: 1_000_000,
            completion_tokens: 500_000,
            cached_tokens: 400_000,
            reasoning_tokens: 100_000,
        };
        // 600k * 2 + 400k * 0.5 + 500k * 8 (reasoning already in completion), per million.
        assert!(close(cost(&usage, &price), 1.2 + 0.2 + 4.0));
        assert!(close(cost(&Usage::default(), &price), 0.0));
        let confused = Usage { prompt_tokens: 10, cached_tokens: 20, ..Usage::default() };
        assert!(close(cost(&confused, &price), 10.0 * 0.5 / 1e6));
        assert!(close(cost(&usage, &Price::FREE), 0.0));
    }

    #[test]
    fn estimate_is_the_worst_case() {
        let price = Price::new(2.0, 0.5, 8.0);
        assert!(close(estimate(1000, 500, &price), (2000.0 + 4000.0) / 1e6));
        let actual = Usage { prompt_tokens: 1000, completion_tokens: 200, cached_tokens: 500, reasoning_tokens: 0 };
        assert!(cost(&actual, &price) <= estimate(1000, 500, &price));
    }

    #[test]
    fn lookup_takes_the_longest_prefix() {
        let table = PriceTable::with_list_prices();
        assert_eq!(table.lookup("gpt-4o-mini-2024-07-18"), Some(&Price::new(0.15, 0.075, 0.60)));
        assert_eq!(table.lookup("gpt-4o-2024-08-06"), Some(&Price::new(2.50, 1.25, 10.0)));
        assert_eq!(table.lookup("GPT-4.1-nano"), Some(&Price::new(0.10, 0.025, 0.40)));
        assert_eq!(table.lookup("gpt-4-0613"), Some(&Price::new(30.0, 30.0, 60.0)));
        assert_eq!(table.lookup("o3-mini"), Some(&Price::new(1.10, 0.55, 4.40)));
        assert_eq!(table.lookup("llama3.1:8b"), None);
        assert_eq!(table.lookup(""), None);
        assert!(table.entries().all(|(_, price)| price.is_valid()));
    }

    #[test]
    fn configured_prices_override_and_extend() {
        let mut table = PriceTable::with_list_prices();
        let negotiated = Price::new(2.0, 1.0, 8.0);
        table.insert("GPT-4o", negotiated);
        assert_eq!(table.lookup("gpt-4o-2024-11-20"), Some(&negotiated));
        table.insert("llama", Price::FREE);
        assert_eq!(table.lookup("llama3.1:8b"), Some(&Price::FREE));
        assert_eq!(table.entries().filter(|(p, _)| *p == "gpt-4o").count(), 1);
        assert_eq!(PriceTable::new().lookup("gpt-4o"), None);
    }

    #[test]
    fn invalid_prices_are_detected() {
        assert!(!Price::new(-1.0, 0.0, 0.0).is_valid());
        assert!(!Price::new(1.0, f64::NAN, 0.0).is_valid());
        assert!(!Price::new(1.0, 0.0, f64::INFINITY).is_valid());
    }

    #[test]
    fn price_serde_uses_camel_case() {
        let price: Price = serde_json::from_value(
            json!({"inputPerMillion": 1.0, "cachedInputPerMillion": 0.5, "outputPerMillion": 4.0}),
        )
        .unwrap();
        assert_eq!(price, Price::new(1.0, 0.5, 4.0));
    }
}
