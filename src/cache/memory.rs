//! A cache in this process's memory: bounded by entries and by bytes, least
//! recently used first out. For one long-lived process (the language server)
//! or tests; nothing outlives the process.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use lru::LruCache;

use super::{BackendStats, CacheError, CacheFuture, CacheKey, CachedAnswer, ResponseCache, Selector};

struct Entry {
    answer: CachedAnswer,
    /// The serialized answer's size, what `max_bytes` bounds.
    bytes: u64,
    /// `None`: a TTL too long to represent, so never.
    expires: Option<Instant>,
}

impl Entry {
    fn expired(&self, now: Instant) -> bool {
        self.expires.is_some_and(|at| at <= now)
    }
}

struct Inner {
    // Unbounded: both limits are enforced here, by popping the least recently used.
    entries: LruCache<CacheKey, Entry>,
    bytes: u64,
}

impl Inner {
    fn remove(&mut self, key: &CacheKey) -> bool {
        match self.entries.pop(key) {
            Some(entry) => {
                self.bytes -= entry.bytes;
                true
            }
            None => false,
        }
    }

    fn retain(&mut self, mut keep: impl FnMut(&Entry) -> bool) -> u64 {
        let before = self.entries.len();
        let mut freed = 0;
        self.entries.retain(|_, entry| {
            let kept = keep(entry);
            if !kept {
                freed += entry.bytes;
            }
            kept
        });
        self.bytes -= freed;
        (before - self.entries.len()) as u64
    }
}

pub struct MemoryCache {
    inner: Mutex<Inner>,
    max_entries: usize,
    max_bytes: u64,
}

impl MemoryCache {
    /// A cache holding at most `max_entries` answers of at most `max_bytes`
    /// serialized bytes in all. An answer larger than `max_bytes` on its own is
    /// not kept.
    pub fn new(max_entries: usize, max_bytes: u64) -> Self {
        MemoryCache { inner: Mutex::new(Inner { entries: LruCache::unbounded(), bytes: 0 }), max_entries, max_bytes }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every update leaves `Inner` consistent before anything that could
        // panic, so a poisoned lock still guards sound data.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn get_now(&self, key: &CacheKey) -> Option<CachedAnswer> {
        let mut inner = self.lock();
        let now = Instant::now();
        // `get` marks the entry as recently used.
        match inner.entries.get(key) {
            Some(entry) if !entry.expired(now) => Some(entry.answer.clone()),
            Some(_) => {
                inner.remove(key);
                None
            }
            None => None,
        }
    }

    fn set_now(&self, key: &CacheKey, answer: &CachedAnswer, ttl: Duration) -> Result<(), CacheError> {
        let bytes = serde_json::to_vec(answer)
            .map_err(|err| CacheError::Corrupt { backend: "memory", message: err.to_string() })?
            .len() as u64;
        let now = Instant::now();
        let mut inner = self.lock();
        inner.remove(key);
        if bytes > self.max_bytes || self.max_entries == 0 {
            return Ok(());
        }
        // Expired entries go before live ones are evicted.
        if inner.entries.len() >= self.max_entries || inner.bytes + bytes > self.max_bytes {
            inner.retain(|entry| !entry.expired(now));
        }
        while inner.entries.len() >= self.max_entries || inner.bytes + bytes > self.max_bytes {
            match inner.entries.pop_lru() {
                Some((_, evicted)) => inner.bytes -= evicted.bytes,
                None => break,
            }
        }
        inner.bytes += bytes;
        inner.entries.put(*key, Entry { answer: answer.clone(), bytes, expires: now.checked_add(ttl) });
        Ok(())
    }

    fn invalidate_now(&self, selector: &Selector) -> u64 {
        let mut inner = self.lock();
        match selector {
            Selector::Key(key) => u64::from(inner.remove(key)),
            _ => inner.retain(|entry| !selector.matches_scope(&entry.answer.scope)),
        }
    }

    fn stats_now(&self) -> BackendStats {
        let mut inner = self.lock();
        let now = Instant::now();
        inner.retain(|entry| !entry.expired(now));
        BackendStats { entries: inner.entries.len() as u64, bytes: inner.bytes }
    }
}

impl ResponseCache for MemoryCache {
    fn name(&self) -> &'static str {
        "memory"
    }

    fn get<'a>(&'a self, key: &'a CacheKey) -> CacheFuture<'a, Option<CachedAnswer>> {
        Box::pin(async move { Ok(self.get_now(key)) })
    }

    fn set<'a>(&'a self, key: &'a CacheKey, answer: &'a CachedAnswer, ttl: Duration) -> CacheFuture<'a, ()> {
        Box::pin(async move { self.set_now(key, answer, ttl) })
    }

    fn invalidate<'a>(&'a self, selector: &'a Selector) -> CacheFuture<'a, u64> {
        Box::pin(async move { Ok(self.invalidate_now(selector)) })
    }

    fn stats(&self) -> CacheFuture<'_, BackendStats> {
        Box::pin(async move { Ok(self.stats_now()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> CacheKey {
        CacheKey([n; 32])
    }

    fn answer(scope: &str) -> CachedAnswer {
        CachedAnswer::new(&serde_json::json!({"summary": "x"}), Default::default(), 0.0, scope.to_string())
    }

    #[test]
    fn zero_limits_keep_nothing_and_do_not_fail() {
        for cache in [MemoryCache::new(0, 1 << 20), MemoryCache::new(10, 0)] {
            cache.set_now(&key(1), &answer("a.py:f"), Duration::from_secs(60)).unwrap();
            assert_eq!(cache.get_now(&key(1)), None);
            assert_eq!(cache.stats_now(), BackendStats::default());
        }
    }

    #[test]
    fn an_endless_ttl_never_expires() {
        let cache = MemoryCache::new(10, 1 << 20);
        cache.set_now(&key(1), &answer("a.py:f"), Duration::MAX).unwrap();
        assert!(cache.get_now(&key(1)).is_some());
    }

    #[test]
    fn overwriting_counts_the_new_size_only() {
        let cache = MemoryCache::new(10, 1 << 20);
        cache.set_now(&key(1), &answer("a.py:f"), Duration::from_secs(60)).unwrap();
        let one = cache.stats_now().bytes;
        cache.set_now(&key(1), &answer("a.py:longer_name"), Duration::from_secs(60)).unwrap();
        assert_eq!(cache.stats_now(), BackendStats { entries: 1, bytes: one + "longer_name".len() as u64 - 1 });
    }
}
