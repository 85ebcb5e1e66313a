//! Answers already paid for: a cache of model answers keyed by everything that
//! changes an answer, in memory, in SQLite (the default, shared by every
//! editor window and CLI run on the machine) or in Redis (shared by a team and
//! its CI).
//!
//! Backends store bytes under a key; the layers above decide what is worth
//! keeping (never a truncated, filtered, refused or invalid answer) and count
//! hits, misses and what they saved.

pub mod key;
pub mod layered;
pub mod memory;
pub mod open;
pub mod redis;
pub mod settings;
pub mod sqlite;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::llm::cost::Usage;

/// A SHA-256 digest of a request's canonical encoding.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CacheKey(pub [u8; 32]);

impl CacheKey {
    /// Lower-case hex, as stored.
    pub fn hex(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut hex = String::with_capacity(64);
        for byte in self.0 {
            hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
            hex.push(char::from(DIGITS[usize::from(byte & 0xf)]));
        }
        hex
    }
}

impl std::fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CacheKey({})", self.hex())
    }
}

/// One cached answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CachedAnswer {
    /// The answer's JSON object, kept as text: a hit is parsed once, by
    /// whoever uses it, into what it needs.
    pub value: Box<RawValue>,
    /// What the answer cost when it was asked for: what a hit saves.
    pub usage: Usage,
    pub cost: f64,
    /// What the answer is about, `path:qualname` (`path:<module>` for a
    /// module), for invalidating by file or definition.
    pub scope: String,
}

impl CachedAnswer {
    pub fn new(value: &serde_json::Value, usage: Usage, cost: f64, scope: String) -> Self {
        // A `Value` always encodes; `null` stands in for the impossible.
        let value = serde_json::value::to_raw_value(value).unwrap_or_default();
        CachedAnswer { value, usage, cost, scope }
    }
}

impl PartialEq for CachedAnswer {
    fn eq(&self, other: &Self) -> bool {
        self.value.get() == other.value.get()
            && self.usage == other.usage
            && self.cost == other.cost
            && self.scope == other.scope
    }
}

/// Which entries to drop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    Key(CacheKey),
    /// A file's entries (`path:`), or a definition's and those of what is
    /// inside it (`path:Class` matches `path:Class` and `path:Class.method`,
    /// not `path:ClassB`).
    Scope(String),
    All,
}

impl Selector {
    /// Whether an entry with `scope` is selected (keys are matched by the
    /// backend).
    pub fn matches_scope(&self, scope: &str) -> bool {
        match self {
            Selector::Key(_) => false,
            Selector::All => true,
            Selector::Scope(prefix) if prefix.ends_with(':') => scope.starts_with(prefix.as_str()),
            Selector::Scope(prefix) => {
                scope.strip_prefix(prefix.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
            }
        }
    }
}

/// What a backend holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BackendStats {
    pub entries: u64,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CacheError {
    /// The store cannot be reached or used; what and where.
    #[error("{backend}: {message}")]
    Unavailable { backend: &'static str, message: String },
    /// A stored value that cannot be read back.
    #[error("{backend}: a stored entry is damaged: {message}")]
    Corrupt { backend: &'static str, message: String },
}

pub type CacheFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, CacheError>> + Send + 'a>>;

/// A store of answers. Every backend passes the same test suite
/// (`tests/cache_backends.rs`).
pub trait ResponseCache: Send + Sync {
    /// A short name for messages (`memory`, `sqlite`, `redis`).
    fn name(&self) -> &'static str;
    /// The answer under `key`, unless it has expired.
    fn get<'a>(&'a self, key: &'a CacheKey) -> CacheFuture<'a, Option<CachedAnswer>>;
    /// The answers under `keys`, in their order. Stores that can read many
    /// at once (one transaction, one round trip) do.
    fn get_many<'a>(&'a self, keys: &'a [CacheKey]) -> CacheFuture<'a, Vec<Option<CachedAnswer>>> {
        Box::pin(async move {
            let mut answers = Vec::with_capacity(keys.len());
            for key in keys {
                answers.push(self.get(key).await?);
            }
            Ok(answers)
        })
    }
    /// Stores `answer` under `key` for `ttl`.
    fn set<'a>(&'a self, key: &'a CacheKey, answer: &'a CachedAnswer, ttl: Duration) -> CacheFuture<'a, ()>;
    /// Drops what `selector` names; returns how many entries went.
    fn invalidate<'a>(&'a self, selector: &'a Selector) -> CacheFuture<'a, u64>;
    fn stats(&self) -> CacheFuture<'_, BackendStats>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_select_a_file_or_a_definition_and_what_it_holds() {
        let file = Selector::Scope("pkg/a.py:".into());
        assert!(file.matches_scope("pkg/a.py:f") && file.matches_scope("pkg/a.py:<module>"));
        assert!(!file.matches_scope("pkg/a.py.bak:f"));
        let class = Selector::Scope("pkg/a.py:Box".into());
        assert!(class.matches_scope("pkg/a.py:Box") && class.matches_scope("pkg/a.py:Box.open"));
        assert!(!class.matches_scope("pkg/a.py:BoxB") && !class.matches_scope("pkg/b.py:Box"));
        assert!(Selector::All.matches_scope("anything"));
        assert!(!Selector::Key(CacheKey([0; 32])).matches_scope("pkg/a.py:f"));
        assert_eq!(CacheKey([0xab; 32]).hex().len(), 64);
    }
}
