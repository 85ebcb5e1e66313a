//! Opening the cache the settings describe.

use std::sync::Arc;

use super::ResponseCache;
use super::layered::AnswerCache;
use super::memory::MemoryCache;
use super::redis::RedisCache;
use super::settings::{Backend, CacheSettings};
use super::sqlite::SqliteCache;

/// Memory bytes allowed per entry on average, for the memory layer's limit.
const MEMORY_BYTES_PER_ENTRY: u64 = 16 * 1024;

/// The cache `settings` describe, or `None` when it is off. A persistent
/// store that cannot be opened is reported in the returned warning and the
/// cache keeps answers in memory (or, behind Redis, in the local file).
pub async fn open(settings: &CacheSettings) -> (Option<Arc<AnswerCache>>, Option<String>) {
    open_layers(settings, None).await
}

/// `open` for a batch run, which reads each answer once, on `readers`
/// threads at once: answers found in the store are not also copied into
/// memory, and the local file's reader connections are opened now.
pub async fn open_for_batch(settings: &CacheSettings, readers: usize) -> (Option<Arc<AnswerCache>>, Option<String>) {
    open_layers(settings, Some(readers)).await
}

/// The layers; `batch`: how many threads a batch run reads on.
async fn open_layers(settings: &CacheSettings, batch: Option<usize>) -> (Option<Arc<AnswerCache>>, Option<String>) {
    if settings.backend == Backend::Off {
        return (None, None);
    }
    let entries = settings.memory_entries.max(1);
    let memory: Arc<dyn ResponseCache> = Arc::new(MemoryCache::new(entries, entries as u64 * MEMORY_BYTES_PER_ENTRY));
    let mut warning = None;
    let local = || -> Result<Arc<dyn ResponseCache>, String> {
        let path = settings.path.clone().or_else(SqliteCache::default_path).ok_or("no cache folder: set cache.path")?;
        SqliteCache::open(&path, settings.max_bytes)
            .map(|cache| match batch {
                Some(readers) => cache.with_readers(readers),
                None => cache,
            })
            .map(|c| Arc::new(c) as Arc<dyn ResponseCache>)
            .map_err(|e| e.to_string())
    };
    let (back, fallback) = match settings.backend {
        Backend::Off | Backend::Memory => (None, None),
        Backend::Sqlite => match local() {
            Ok(store) => (Some(store), None),
            Err(problem) => {
                warning = Some(format!("the answer cache is in memory only: {problem}"));
                (None, None)
            }
        },
        Backend::Redis => {
            let fallback = local().ok();
            let url = settings.redis_url.clone().unwrap_or_else(|| "redis://127.0.0.1:6379".to_string());
            match RedisCache::connect(&url, &settings.namespace).await {
                Ok(redis) => (Some(Arc::new(redis) as Arc<dyn ResponseCache>), fallback),
                Err(problem) => {
                    warning = Some(format!("the shared cache is not available ({problem}); using the local one"));
                    (fallback, None)
                }
            }
        }
    };
    let mut layers = AnswerCache::new(memory, back, fallback, settings.ttl);
    if batch.is_some() {
        layers = layers.without_promotion();
    }
    (Some(Arc::new(layers)), warning)
}
