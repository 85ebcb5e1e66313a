//! The cache the model writer uses: memory in front of a persistent store
//! (SQLite or Redis), counting what it saves. A persistent store that fails
//! (Redis down, a locked or damaged file) never stops the work: the memory
//! layer and, behind Redis, the local store carry on, and the failure is said
//! once.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::Serialize;

use super::{BackendStats, CacheError, CacheKey, CachedAnswer, ResponseCache, Selector};
use crate::llm::cost::Usage;

/// What the cache did for a run or a session.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CacheCounters {
    pub hits: u64,
    pub misses: u64,
    /// Tokens and USD the hits did not spend again.
    pub saved: Usage,
    pub saved_cost: f64,
    /// Store operations that failed (the work went on without them).
    pub errors: u64,
}

impl CacheCounters {
    /// In one line, for the CLI's summary and the language server.
    pub fn summary(&self) -> String {
        let mut line = format!("{} hit{}, {} miss{}", self.hits, plural(self.hits), self.misses, es(self.misses));
        if self.hits > 0 {
            line.push_str(&format!(", {} tokens saved", self.saved.prompt_tokens + self.saved.completion_tokens));
            if self.saved_cost > 0.0 {
                line.push_str(&format!(" (about ${:.4})", self.saved_cost));
            }
        }
        if self.errors > 0 {
            line.push_str(&format!(", {} store error{}", self.errors, plural(self.errors)));
        }
        line
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn es(n: u64) -> &'static str {
    if n == 1 { "" } else { "es" }
}

pub struct AnswerCache {
    front: Arc<dyn ResponseCache>,
    /// The persistent store, and the local one to fall back on when it fails.
    back: Option<Arc<dyn ResponseCache>>,
    fallback: Option<Arc<dyn ResponseCache>>,
    ttl: Duration,
    counters: Mutex<CacheCounters>,
    /// The persistent store failed: said once, then the fallback is used.
    back_failed: AtomicBool,
    /// Whether an answer found in a store is also kept in memory.
    promote_hits: bool,
}

impl AnswerCache {
    pub fn new(
        front: Arc<dyn ResponseCache>,
        back: Option<Arc<dyn ResponseCache>>,
        fallback: Option<Arc<dyn ResponseCache>>,
        ttl: Duration,
    ) -> Self {
        AnswerCache {
            front,
            back,
            fallback,
            ttl,
            counters: Mutex::new(CacheCounters::default()),
            back_failed: AtomicBool::new(false),
            promote_hits: true,
        }
    }

    /// Answers found in a store are not copied into memory: for a run that
    /// reads each answer once (the CLI), where the copy never pays.
    pub fn without_promotion(mut self) -> Self {
        self.promote_hits = false;
        self
    }

    /// The stores behind memory, in the order they are asked.
    fn stores(&self) -> Vec<&Arc<dyn ResponseCache>> {
        let back = self.back.as_ref().filter(|_| !self.back_failed.load(Ordering::Relaxed));
        back.into_iter().chain(self.fallback.as_ref()).collect()
    }

    fn failed(&self, store: &Arc<dyn ResponseCache>, error: &CacheError) {
        self.count(|c| c.errors += 1);
        let is_back = self.back.as_ref().is_some_and(|b| Arc::ptr_eq(b, store));
        if is_back && !self.back_failed.swap(true, Ordering::Relaxed) {
            let instead = match &self.fallback {
                Some(local) => format!("using the {} cache instead", local.name()),
                None => "keeping answers in memory only".to_string(),
            };
            tracing::warn!("the {} cache is not available ({error}); {instead}", store.name());
        } else {
            tracing::debug!("cache: {error}");
        }
    }

    /// The answer stored under `key`, from memory or the stores behind it.
    /// A store's failure is a miss there.
    pub async fn get(&self, key: &CacheKey) -> Option<CachedAnswer> {
        self.get_many(std::slice::from_ref(key)).await.pop().flatten()
    }

    /// The answers stored under `keys`, in order: from memory, then from the
    /// stores behind it, each asked once for what is still missing.
    pub async fn get_many(&self, keys: &[CacheKey]) -> Vec<Option<CachedAnswer>> {
        let mut answers = self.front.get_many(keys).await.unwrap_or_else(|_| vec![None; keys.len()]);
        for store in self.stores() {
            let missing: Vec<usize> = (0..keys.len()).filter(|&i| answers[i].is_none()).collect();
            if missing.is_empty() {
                break;
            }
            let wanted: Vec<CacheKey> = missing.iter().map(|&i| keys[i]).collect();
            match store.get_many(&wanted).await {
                Ok(found) => {
                    for (i, answer) in missing.into_iter().zip(found) {
                        if let Some(answer) = answer {
                            if self.promote_hits {
                                let _ = self.front.set(&keys[i], &answer, self.ttl).await;
                            }
                            answers[i] = Some(answer);
                        }
                    }
                }
                Err(error) => self.failed(store, &error),
            }
        }
        answers
    }

    /// Stores `answer` in memory and in the first store that takes it.
    pub async fn set(&self, key: &CacheKey, answer: &CachedAnswer) {
        let _ = self.front.set(key, answer, self.ttl).await;
        for store in self.stores() {
            match store.set(key, answer, self.ttl).await {
                Ok(()) => return,
                Err(error) => self.failed(store, &error),
            }
        }
    }

    /// Drops what `selector` names everywhere; how many entries went from
    /// the persistent store (or memory, without one).
    pub async fn invalidate(&self, selector: &Selector) -> Result<u64, CacheError> {
        let in_memory = self.front.invalidate(selector).await?;
        let mut removed = None;
        for store in self.back.iter().chain(self.fallback.iter()) {
            let n = store.invalidate(selector).await?;
            removed.get_or_insert(n);
        }
        Ok(removed.unwrap_or(in_memory))
    }

    /// What the persistent store (or memory) holds, and its name.
    pub async fn stored(&self) -> Result<(&'static str, BackendStats), CacheError> {
        let store = self.back.as_ref().unwrap_or(&self.front);
        Ok((store.name(), store.stats().await?))
    }

    /// A cached answer was used.
    pub fn hit(&self, answer: &CachedAnswer) {
        self.count(|c| {
            c.hits += 1;
            c.saved += answer.usage;
            c.saved_cost += answer.cost;
        });
    }

    /// No usable answer was cached.
    pub fn miss(&self) {
        self.count(|c| c.misses += 1);
    }

    pub fn counters(&self) -> CacheCounters {
        self.counters.lock().map(|c| c.clone()).unwrap_or_default()
    }

    fn count(&self, update: impl FnOnce(&mut CacheCounters)) {
        if let Ok(mut counters) = self.counters.lock() {
            update(&mut counters);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::memory::MemoryCache;

    /// A store hit goes into memory too (the language server asks again),
    /// unless the cache was made for one pass over a batch.
    #[tokio::test]
    async fn store_hits_are_kept_in_memory_unless_asked_not_to() {
        let key = CacheKey([7; 32]);
        let answer =
            CachedAnswer::new(&serde_json::json!({"summary": "x"}), Default::default(), 0.0, "a.py:f".to_string());
        for promote in [true, false] {
            let memory = Arc::new(MemoryCache::new(10, 1 << 20));
            let store = Arc::new(MemoryCache::new(10, 1 << 20));
            store.set(&key, &answer, Duration::from_secs(60)).await.unwrap();
            let mut layers = AnswerCache::new(
                memory.clone() as Arc<dyn ResponseCache>,
                Some(store as Arc<dyn ResponseCache>),
                None,
                Duration::from_secs(60),
            );
            if !promote {
                layers = layers.without_promotion();
            }
            assert_eq!(layers.get(&key).await, Some(answer.clone()), "found in the store");
            let in_memory = memory.get(&key).await.unwrap();
            assert_eq!(in_memory.is_some(), promote, "promote: {promote}");
        }
    }
}
