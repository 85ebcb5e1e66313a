//! The cache backends: the shared suite against each, then what is particular
//! to each (eviction, the SQLite file and its sharing between processes).

#[path = "common/cache_suite.rs"]
mod cache_suite;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cache_suite::{LONG, answer, key, size};
use docwright::cache::memory::MemoryCache;
use docwright::cache::sqlite::SqliteCache;
use docwright::cache::{BackendStats, CacheError, ResponseCache};

const MIB: u64 = 1 << 20;

fn memory() -> MemoryCache {
    MemoryCache::new(10_000, 64 * MIB)
}

/// A cache in its own temporary directory, kept alive with it.
fn sqlite() -> (tempfile::TempDir, SqliteCache) {
    let dir = tempfile::tempdir().unwrap();
    let cache = SqliteCache::open(dir.path().join("answers.sqlite3"), 64 * MIB).unwrap();
    (dir, cache)
}

/// One test per suite case and backend.
macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod memory_suite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    super::cache_suite::$case(&super::memory()).await;
                }
            )*

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn concurrent_sets_and_gets() {
                super::cache_suite::concurrent_sets_and_gets(std::sync::Arc::new(super::memory())).await;
            }
        }

        mod sqlite_suite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let (_dir, cache) = super::sqlite();
                    super::cache_suite::$case(&cache).await;
                }
            )*

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn concurrent_sets_and_gets() {
                let (_dir, cache) = super::sqlite();
                super::cache_suite::concurrent_sets_and_gets(std::sync::Arc::new(cache)).await;
            }
        }
    };
}

suite!(
    get_misses_then_hits,
    get_many_answers_in_order,
    set_overwrites,
    ttl_expires,
    invalidate_by_key,
    invalidate_by_file,
    invalidate_by_definition,
    invalidate_treats_wildcards_literally,
    invalidate_all,
    stats_count_entries_and_bytes,
    non_ascii_and_large_values_round_trip,
);

/// Four answers of one size; a cap of three of them holds the three most
/// recently used.
async fn evicts_least_recently_used(cache: &dyn ResponseCache) {
    for n in 0..3 {
        cache.set(&key("lru", n), &answer("a.py:f", "Same size."), LONG).await.unwrap();
    }
    // Reading the oldest makes entry 1 the least recently used.
    assert!(cache.get(&key("lru", 0)).await.unwrap().is_some());
    cache.set(&key("lru", 3), &answer("a.py:f", "Same size."), LONG).await.unwrap();
    let mut present = Vec::new();
    for n in 0..4 {
        present.push(cache.get(&key("lru", n)).await.unwrap().is_some());
    }
    assert_eq!(present, [true, false, true, true]);
    assert_eq!(cache.stats().await.unwrap().entries, 3);
}

#[tokio::test]
async fn memory_evicts_by_entries() {
    evicts_least_recently_used(&MemoryCache::new(3, 64 * MIB)).await;
}

#[tokio::test]
async fn memory_evicts_by_bytes() {
    let one = size(&answer("a.py:f", "Same size."));
    evicts_least_recently_used(&MemoryCache::new(1000, 3 * one + one / 2)).await;
}

#[tokio::test]
async fn an_answer_larger_than_the_cap_is_not_kept() {
    let small = answer("a.py:f", "Small.");
    let big = answer("a.py:g", &"x".repeat(10_000));
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteCache::open(dir.path().join("c.sqlite3"), 5_000).unwrap();
    let memory = MemoryCache::new(10, 5_000);
    for cache in [&memory as &dyn ResponseCache, &sqlite] {
        cache.set(&key("cap", 1), &small, LONG).await.unwrap();
        cache.set(&key("cap", 2), &small, LONG).await.unwrap();
        // Replacing an entry with one too big drops the old answer.
        cache.set(&key("cap", 2), &big, LONG).await.unwrap();
        assert_eq!(cache.get(&key("cap", 2)).await.unwrap(), None, "{}", cache.name());
        assert_eq!(cache.stats().await.unwrap(), BackendStats { entries: 1, bytes: size(&small) }, "{}", cache.name());
    }
}

#[tokio::test]
async fn sqlite_evicts_by_bytes() {
    let one = size(&answer("a.py:f", "Same size."));
    let dir = tempfile::tempdir().unwrap();
    let cache =
        SqliteCache::open(dir.path().join("c.sqlite3"), 3 * one + one / 2).unwrap().with_use_resolution(Duration::ZERO);
    evicts_least_recently_used(&cache).await;
}

/// The recorded use of each entry, by key, read from the file.
fn last_uses(path: &Path) -> Vec<(String, i64)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut select = conn.prepare("SELECT key, last_used FROM answers ORDER BY key").unwrap();
    select.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).unwrap().map(Result::unwrap).collect()
}

#[tokio::test]
async fn sqlite_records_a_use_only_when_the_last_is_older_than_the_resolution() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite3");
    let cache = SqliteCache::open(&path, 64 * MIB).unwrap();
    cache.set(&key("use", 1), &answer("a.py:f", "Used."), LONG).await.unwrap();
    cache.set(&key("use", 2), &answer("a.py:g", "Used too."), LONG).await.unwrap();
    let written = last_uses(&path);
    // Read again at once: the same use, as eviction sees it; nothing is written.
    assert!(cache.get_many(&[key("use", 1), key("use", 2)]).await.unwrap().iter().all(Option::is_some));
    drop(cache);
    assert_eq!(last_uses(&path), written);

    // An old use is recorded anew.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE answers SET last_used = 1000", []).unwrap();
    drop(conn);
    let cache = SqliteCache::open(&path, 64 * MIB).unwrap();
    assert!(cache.get(&key("use", 2)).await.unwrap().is_some());
    drop(cache);
    let uses = last_uses(&path);
    assert_eq!(uses.iter().filter(|(_, used)| *used == 1000).count(), 1, "{uses:?}");
    assert!(uses.iter().any(|(k, used)| *k == key("use", 2).hex() && *used > written[0].1), "{uses:?}");
}

#[tokio::test]
async fn sqlite_keeps_answers_across_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite3");
    let a = answer("a.py:f", "Kept.");
    SqliteCache::open(&path, MIB).unwrap().set(&key("kept", 1), &a, LONG).await.unwrap();
    let again = SqliteCache::open(&path, MIB).unwrap();
    assert_eq!(again.get(&key("kept", 1)).await.unwrap(), Some(a));
}

/// Rows in the file, expired or not, read without the backend.
fn rows(path: &Path) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("SELECT COUNT(*) FROM answers", [], |row| row.get(0)).unwrap()
}

#[tokio::test]
async fn sqlite_removes_expired_rows_on_open_and_on_set() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite3");
    let cache = SqliteCache::open(&path, MIB).unwrap();
    cache.set(&key("expired", 1), &answer("a.py:f", "Brief."), Duration::from_secs(1)).await.unwrap();
    cache.set(&key("expired", 2), &answer("a.py:g", "Brief."), Duration::from_secs(1)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(rows(&path), 2);
    cache.set(&key("expired", 3), &answer("a.py:h", "Lasting."), LONG).await.unwrap();
    assert_eq!(rows(&path), 1);

    cache.set(&key("expired", 4), &answer("a.py:i", "Brief."), Duration::from_secs(1)).await.unwrap();
    drop(cache);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(rows(&path), 2);
    let _reopened = SqliteCache::open(&path, MIB).unwrap();
    assert_eq!(rows(&path), 1);
}

#[cfg(unix)]
#[tokio::test]
async fn sqlite_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("cache").join("docwright");
    let path = dir.join("answers.sqlite3");
    let cache = SqliteCache::open(&path, MIB).unwrap();
    cache.set(&key("private", 1), &answer("a.py:f", "Secret."), LONG).await.unwrap();
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&root.path().join("cache")), 0o700);
    for companion in ["answers.sqlite3-wal", "answers.sqlite3-shm"] {
        assert_eq!(mode(&dir.join(companion)), 0o600, "{companion}");
    }
}

/// A run must not delete the -wal and -shm files on its way out for the
/// next run to make them again, nor leave the -wal full for it to read.
#[tokio::test]
async fn sqlite_keeps_its_wal_files_between_processes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("answers.sqlite3");
    let cache = SqliteCache::open(&path, MIB).unwrap();
    cache.set(&key("kept", 1), &answer("a.py:f", "Kept."), LONG).await.unwrap();
    // A reader connection too: whichever closes last decides.
    assert!(cache.get_many(&[key("kept", 1)]).await.unwrap()[0].is_some());
    drop(cache);
    for companion in ["answers.sqlite3-wal", "answers.sqlite3-shm"] {
        assert!(dir.path().join(companion).exists(), "{companion} was deleted");
    }
    // Emptied: the next process would otherwise read all of it through.
    assert_eq!(std::fs::metadata(dir.path().join("answers.sqlite3-wal")).unwrap().len(), 0);
    let reopened = SqliteCache::open(&path, MIB).unwrap();
    assert_eq!(reopened.get(&key("kept", 1)).await.unwrap(), Some(answer("a.py:f", "Kept.")));
}

/// Opening must fail clearly, naming the file, and leave it as it was.
fn refuses_untouched(path: &Path) {
    let before = std::fs::read(path).unwrap();
    let err = match SqliteCache::open(path, MIB) {
        Ok(_) => panic!("{} opened as a cache", path.display()),
        Err(err) => err,
    };
    let CacheError::Unavailable { backend: "sqlite", message } = &err else { panic!("{err:?}") };
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert_eq!(std::fs::read(path).unwrap(), before);
    let name = path.file_name().unwrap().to_string_lossy();
    assert!(!path.with_file_name(format!("{name}-wal")).exists());
}

#[test]
fn sqlite_refuses_a_file_that_is_not_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("answers.sqlite3");
    std::fs::write(&path, "notes, not a database\n".repeat(500)).unwrap();
    refuses_untouched(&path);
}

#[test]
fn sqlite_refuses_another_applications_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("answers.sqlite3");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Ada');").unwrap();
    drop(conn);
    refuses_untouched(&path);
}

#[test]
fn sqlite_refuses_a_truncated_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("answers.sqlite3");
    let mut header = b"SQLite format 3\0".to_vec();
    header.extend(std::iter::repeat_n(0xA5, 200));
    std::fs::write(&path, header).unwrap();
    refuses_untouched(&path);
}

#[test]
fn sqlite_default_path_is_in_the_user_cache_directory() {
    if let Some(path) = SqliteCache::default_path() {
        assert!(path.is_absolute());
        assert!(path.ends_with(Path::new("docwright").join("answers.sqlite3")), "{}", path.display());
    }
}

const SHARED_PATH: &str = "DOCWRIGHT_TEST_SHARED_CACHE";
const PER_PROCESS: u64 = 150;

/// Writes into the same file until every entry of both sides is visible;
/// `mine` and `theirs` name the sides' keys.
async fn write_and_await_the_other(cache: &SqliteCache, mine: &str, theirs: &str) {
    for n in 0..PER_PROCESS {
        let a = answer(&format!("{mine}.py:f{n}"), "Shared.");
        cache.set(&key(mine, n), &a, LONG).await.unwrap();
        assert_eq!(cache.get(&key(mine, n)).await.unwrap(), Some(a));
        cache.get(&key(theirs, n)).await.unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    for n in 0..PER_PROCESS {
        while cache.get(&key(theirs, n)).await.unwrap().is_none() {
            assert!(Instant::now() < deadline, "{mine} never saw {theirs} {n}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// The other process of `sqlite_is_shared_by_two_processes`; does nothing
/// when run on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by sqlite_is_shared_by_two_processes"]
async fn sqlite_shared_child() {
    let Some(path) = std::env::var_os(SHARED_PATH) else { return };
    let cache = SqliteCache::open(&path, 64 * MIB).unwrap();
    write_and_await_the_other(&cache, "child", "parent").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_is_shared_by_two_processes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("answers.sqlite3");
    let cache = Arc::new(SqliteCache::open(&path, 64 * MIB).unwrap());
    let child = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "sqlite_shared_child", "--test-threads", "1"])
        .env(SHARED_PATH, &path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Start once the child writes, so that both write at the same time.
    let deadline = Instant::now() + Duration::from_secs(60);
    while cache.get(&key("child", 0)).await.unwrap().is_none() {
        assert!(Instant::now() < deadline, "the child process never wrote");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    write_and_await_the_other(&cache, "parent", "child").await;
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output()).await.unwrap().unwrap();
    let report = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{report}");
    assert!(report.contains("1 passed"), "the child ran no test: {report}");
    assert_eq!(cache.stats().await.unwrap().entries, 2 * PER_PROCESS);
}
