//! Latency of a cache hit in each backend.
//!
//! `cargo bench --bench cache_get` stores 1,000 typical answers in memory, in a
//! SQLite file and, when `redis-server` is installed, in a Redis started on a
//! free loopback port, then reads each back 10 times in random order and
//! prints the median and 95th percentile of one `get`.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use docwright::cache::memory::MemoryCache;
use docwright::cache::redis::RedisCache;
use docwright::cache::sqlite::SqliteCache;
use docwright::cache::{CacheKey, CachedAnswer, ResponseCache};
use docwright::llm::cost::Usage;
use serde_json::json;

const ENTRIES: usize = 1000;
const READS: usize = 10;

fn answer(i: usize) -> CachedAnswer {
    let value = json!({"summary": format!("Compute step {i} of the pipeline."), "description": "",
        "params": [{"name": "value", "description": "The value to scale."}, {"name": "scale", "description": "How much."}],
        "returns": "The scaled value.", "yields": "", "raises": [], "attributes": []});
    let usage = Usage { prompt_tokens: 270, completion_tokens: 73, cached_tokens: 0, reasoning_tokens: 0 };
    CachedAnswer::new(&value, usage, 0.0014, format!("/project/pkg/mod_{}.py:step_{i}", i / 10))
}

fn key(i: usize) -> CacheKey {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&(i as u64).to_le_bytes());
    CacheKey(bytes)
}

async fn measure(name: &str, cache: Arc<dyn ResponseCache>) {
    for i in 0..ENTRIES {
        cache.set(&key(i), &answer(i), Duration::from_secs(3600)).await.expect("set");
    }
    let mut order: Vec<usize> = (0..ENTRIES * READS).map(|n| n % ENTRIES).collect();
    fastrand::shuffle(&mut order);
    let mut times = Vec::with_capacity(order.len());
    for i in order {
        let started = Instant::now();
        let hit = cache.get(&key(i)).await.expect("get");
        times.push(started.elapsed());
        assert!(hit.is_some(), "a stored answer is a hit");
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!("{name:7} get hit: p50 {:>8.1} µs, p95 {:>8.1} µs", micros(at(0.5)), micros(at(0.95)));
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    runtime.block_on(async {
        measure("memory", Arc::new(MemoryCache::new(ENTRIES * 2, 64 << 20))).await;
        let sqlite = SqliteCache::open(dir.path().join("answers.sqlite3"), 256 << 20).expect("sqlite");
        measure("sqlite", Arc::new(sqlite)).await;
    });
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap();
    let server = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .spawn();
    let Ok(mut server) = server else {
        println!("redis   (redis-server is not installed; skipped)");
        return;
    };
    std::thread::sleep(Duration::from_millis(300));
    runtime.block_on(async {
        match RedisCache::connect(&format!("redis://127.0.0.1:{port}"), "bench").await {
            Ok(redis) => measure("redis", Arc::new(redis)).await,
            Err(error) => println!("redis   could not connect: {error}"),
        }
    });
    let _ = server.kill();
    let _ = server.wait();
}
