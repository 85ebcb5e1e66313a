//! What every cache backend must do, as plain async functions so that each
//! backend's test file runs the same checks:
//!
//! ```ignore
//! #[path = "common/cache_suite.rs"]
//! mod cache_suite;
//! ```
//!
//! Each function expects a fresh, empty cache holding at least 1,000 entries
//! and 4 MiB. `bytes` in stats is the size of the answer serialized as
//! compact JSON.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use docwright::cache::{BackendStats, CacheKey, CachedAnswer, ResponseCache, Selector};
use docwright::llm::cost::Usage;

pub const LONG: Duration = Duration::from_secs(3600);

/// A distinct key per `(label, n)`.
pub fn key(label: &str, n: u64) -> CacheKey {
    let mut bytes = [0u8; 32];
    for (slot, byte) in bytes[..24].iter_mut().zip(label.bytes()) {
        *slot = byte;
    }
    bytes[24..].copy_from_slice(&n.to_be_bytes());
    CacheKey(bytes)
}

pub fn answer(scope: &str, summary: &str) -> CachedAnswer {
    answer_with(scope, serde_json::json!({"summary": summary, "params": {"x": "The x."}}))
}

pub fn answer_with(scope: &str, value: serde_json::Value) -> CachedAnswer {
    let usage = Usage { prompt_tokens: 120, completion_tokens: 40, cached_tokens: 20, reasoning_tokens: 5 };
    CachedAnswer::new(&value, usage, 0.375, scope.to_string())
}

pub fn size(answer: &CachedAnswer) -> u64 {
    serde_json::to_vec(answer).map_or(0, |bytes| bytes.len() as u64)
}

pub async fn get_misses_then_hits(cache: &dyn ResponseCache) {
    let k = key("hit", 1);
    assert_eq!(cache.get(&k).await.unwrap(), None);
    let a = answer("pkg/a.py:f", "Adds.");
    cache.set(&k, &a, LONG).await.unwrap();
    assert_eq!(cache.get(&k).await.unwrap(), Some(a.clone()));
    assert_eq!(cache.get(&k).await.unwrap(), Some(a));
    assert_eq!(cache.get(&key("hit", 2)).await.unwrap(), None);
}

pub async fn get_many_answers_in_order(cache: &dyn ResponseCache) {
    assert_eq!(cache.get_many(&[]).await.unwrap(), Vec::new());
    let (a, b) = (answer("pkg/a.py:f", "Adds."), answer("pkg/a.py:g", "Subtracts."));
    cache.set(&key("many", 1), &a, LONG).await.unwrap();
    cache.set(&key("many", 3), &b, LONG).await.unwrap();
    let keys = [key("many", 3), key("many", 2), key("many", 1), key("many", 3)];
    assert_eq!(cache.get_many(&keys).await.unwrap(), vec![Some(b.clone()), None, Some(a), Some(b)]);
}

pub async fn set_overwrites(cache: &dyn ResponseCache) {
    let k = key("overwrite", 1);
    cache.set(&k, &answer("pkg/a.py:f", "First."), LONG).await.unwrap();
    let second = answer("pkg/b.py:g", "Second, and longer.");
    cache.set(&k, &second, LONG).await.unwrap();
    assert_eq!(cache.get(&k).await.unwrap(), Some(second.clone()));
    assert_eq!(cache.stats().await.unwrap(), BackendStats { entries: 1, bytes: size(&second) });
    // The old scope no longer selects it; the new one does.
    assert_eq!(cache.invalidate(&Selector::Scope("pkg/a.py:".into())).await.unwrap(), 0);
    assert_eq!(cache.invalidate(&Selector::Scope("pkg/b.py:".into())).await.unwrap(), 1);
}

pub async fn ttl_expires(cache: &dyn ResponseCache) {
    let short = key("ttl", 1);
    let long = key("ttl", 2);
    cache.set(&short, &answer("pkg/a.py:f", "Short."), Duration::from_secs(1)).await.unwrap();
    cache.set(&long, &answer("pkg/a.py:g", "Long."), LONG).await.unwrap();
    assert!(cache.get(&short).await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(cache.get(&short).await.unwrap(), None);
    assert!(cache.get(&long).await.unwrap().is_some());
    assert_eq!(cache.stats().await.unwrap().entries, 1);
}

pub async fn invalidate_by_key(cache: &dyn ResponseCache) {
    cache.set(&key("inv", 1), &answer("pkg/a.py:f", "One."), LONG).await.unwrap();
    cache.set(&key("inv", 2), &answer("pkg/a.py:f", "Two."), LONG).await.unwrap();
    assert_eq!(cache.invalidate(&Selector::Key(key("inv", 1))).await.unwrap(), 1);
    assert_eq!(cache.invalidate(&Selector::Key(key("inv", 1))).await.unwrap(), 0);
    assert_eq!(cache.get(&key("inv", 1)).await.unwrap(), None);
    assert!(cache.get(&key("inv", 2)).await.unwrap().is_some());
}

/// Sets one entry per scope under `label`; returns their keys in order.
async fn fill(cache: &dyn ResponseCache, label: &str, scopes: &[&str]) -> Vec<CacheKey> {
    let mut keys = Vec::new();
    for (n, scope) in scopes.iter().enumerate() {
        let k = key(label, n as u64);
        cache.set(&k, &answer(scope, "Does."), LONG).await.unwrap();
        keys.push(k);
    }
    keys
}

/// Which of `keys` are still there.
async fn present(cache: &dyn ResponseCache, keys: &[CacheKey]) -> Vec<bool> {
    let mut out = Vec::new();
    for k in keys {
        out.push(cache.get(k).await.unwrap().is_some());
    }
    out
}

pub async fn invalidate_by_file(cache: &dyn ResponseCache) {
    let scopes = ["pkg/a.py:f", "pkg/a.py:<module>", "pkg/a.py:Box.open", "pkg/a.py.bak:f", "pkg/b.py:f", "pkg/a.p:f"];
    let keys = fill(cache, "file", &scopes).await;
    assert_eq!(cache.invalidate(&Selector::Scope("pkg/a.py:".into())).await.unwrap(), 3);
    assert_eq!(present(cache, &keys).await, [false, false, false, true, true, true]);
}

pub async fn invalidate_by_definition(cache: &dyn ResponseCache) {
    let scopes =
        ["a.py:Class", "a.py:Class.method", "a.py:Class.Inner.m", "a.py:ClassB", "a.py:ClassB.m", "b.py:Class"];
    let keys = fill(cache, "definition", &scopes).await;
    assert_eq!(cache.invalidate(&Selector::Scope("a.py:Class".into())).await.unwrap(), 3);
    assert_eq!(present(cache, &keys).await, [false, false, false, true, true, true]);
    assert_eq!(cache.invalidate(&Selector::Scope("a.py:Class.method".into())).await.unwrap(), 0);
}

/// `%`, `_` and `*` are plain characters in scopes, never wildcards.
pub async fn invalidate_treats_wildcards_literally(cache: &dyn ResponseCache) {
    let scopes = ["my_mod.py:f", "myXmod.py:f", "100%.py:f", "100abc.py:f", "a*.py:f", "ab.py:f", "my_mod.py:C_x"];
    let keys = fill(cache, "wildcards", &scopes).await;
    assert_eq!(cache.invalidate(&Selector::Scope("my_mod.py:".into())).await.unwrap(), 2);
    assert_eq!(cache.invalidate(&Selector::Scope("100%.py:".into())).await.unwrap(), 1);
    assert_eq!(cache.invalidate(&Selector::Scope("a*.py:".into())).await.unwrap(), 1);
    assert_eq!(present(cache, &keys).await, [false, true, false, true, false, true, false]);
}

pub async fn invalidate_all(cache: &dyn ResponseCache) {
    let keys = fill(cache, "all", &["a.py:f", "b.py:g", "c.py:<module>"]).await;
    assert_eq!(cache.invalidate(&Selector::All).await.unwrap(), 3);
    assert_eq!(present(cache, &keys).await, [false, false, false]);
    assert_eq!(cache.stats().await.unwrap(), BackendStats::default());
    assert_eq!(cache.invalidate(&Selector::All).await.unwrap(), 0);
}

pub async fn stats_count_entries_and_bytes(cache: &dyn ResponseCache) {
    assert_eq!(cache.stats().await.unwrap(), BackendStats::default());
    let a = answer("a.py:f", "One.");
    let b = answer("b.py:g", "Two, a little longer.");
    cache.set(&key("stats", 1), &a, LONG).await.unwrap();
    cache.set(&key("stats", 2), &b, LONG).await.unwrap();
    assert_eq!(cache.stats().await.unwrap(), BackendStats { entries: 2, bytes: size(&a) + size(&b) });
    cache.invalidate(&Selector::Key(key("stats", 1))).await.unwrap();
    assert_eq!(cache.stats().await.unwrap(), BackendStats { entries: 1, bytes: size(&b) });
}

/// Many tasks setting and reading at once, each seeing its own writes.
pub async fn concurrent_sets_and_gets(cache: Arc<dyn ResponseCache>) {
    const TASKS: u64 = 16;
    const EACH: u64 = 25;
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..TASKS {
        let cache = Arc::clone(&cache);
        tasks.spawn(async move {
            for n in 0..EACH {
                let k = key("concurrent", t * EACH + n);
                let a = answer(&format!("pkg/m{t}.py:f{n}"), &format!("Task {t}, entry {n}."));
                cache.set(&k, &a, LONG).await.unwrap();
                assert_eq!(cache.get(&k).await.unwrap(), Some(a));
                // Reads of other tasks' keys, present or not, must not fail.
                cache.get(&key("concurrent", (t + 1) % TASKS * EACH + n)).await.unwrap();
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    assert_eq!(cache.stats().await.unwrap().entries, TASKS * EACH);
    for n in 0..TASKS * EACH {
        assert!(cache.get(&key("concurrent", n)).await.unwrap().is_some(), "entry {n}");
    }
}

pub async fn non_ascii_and_large_values_round_trip(cache: &dyn ResponseCache) {
    let unicode = answer_with(
        "pkg/ünïcode/模块.py:Klasse.größe",
        serde_json::json!({
            "summary": "Retourne la « taille » — 大きさ, 🦀, \u{0} and \\ \" '.",
            "raises": {"ValueError": "Wenn ß ≠ ss.\n\tIndented."},
        }),
    );
    cache.set(&key("unicode", 1), &unicode, LONG).await.unwrap();
    assert_eq!(cache.get(&key("unicode", 1)).await.unwrap(), Some(unicode));
    assert_eq!(cache.invalidate(&Selector::Scope("pkg/ünïcode/模块.py:Klasse".into())).await.unwrap(), 1);

    let large = answer("pkg/big.py:f", &"A long docstring line, é and 字. ".repeat(30_000));
    assert!(size(&large) > 1_000_000);
    cache.set(&key("large", 1), &large, LONG).await.unwrap();
    assert_eq!(cache.get(&key("large", 1)).await.unwrap(), Some(large));
}
