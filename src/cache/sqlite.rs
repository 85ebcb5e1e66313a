//! The default cache: one SQLite file per user, shared at once by every
//! editor window and CLI run on the machine.
//!
//! Sharing relies on SQLite's own locking: WAL journal mode (readers never
//! wait for the writer), a busy timeout (a writer waits for another instead of
//! failing) and one short transaction per operation, write transactions taken
//! `IMMEDIATE` so that two writers never deadlock upgrading a read lock.
//!
//! Writes block on disk and on other processes' locks, so they run on tokio's
//! blocking pool, one at a time per `SqliteCache` (one writing connection).
//! Reads run in place, each on a connection of its own: in WAL mode they wait
//! for nothing.
//!
//! A hit is a read only. The uses that order eviction are recorded in
//! batches (every `TOUCH_BATCH` hits, before any other operation, and when
//! the cache is dropped), and only for entries whose recorded use is older
//! than `USE_RESOLUTION`: eviction does not tell apart uses closer together
//! than that, and a cached run repeated within it writes nothing.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, ffi, named_params};

use super::{BackendStats, CacheError, CacheFuture, CacheKey, CachedAnswer, ResponseCache, Selector};

const BACKEND: &str = "sqlite";
/// How much of the file reader connections map into memory.
const READ_MAP_BYTES: i64 = 256 * 1024 * 1024;

/// Marks the file as docwright's (`PRAGMA application_id`, "dwrc").
const APPLICATION_ID: i32 = 0x6477_7263;
const SCHEMA_VERSION: i32 = 1;
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// What the -wal file is cut back to after a checkpoint, when it has grown
/// (when the last connection closes, it is emptied).
const WAL_LIMIT_BYTES: i64 = 8 * 1024 * 1024;
/// Hits whose use is recorded in one transaction.
const TOUCH_BATCH: usize = 256;
/// Uses closer together than this are one use, as eviction sees them.
pub const USE_RESOLUTION: Duration = Duration::from_secs(10 * 60);

// `totals` is kept by triggers so that the size cap and `stats` need no scan,
// and stays right whichever process writes.
const SCHEMA: &str = "
CREATE TABLE answers (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    scope TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    created INTEGER NOT NULL,
    expires INTEGER NOT NULL,
    last_used INTEGER NOT NULL
);
CREATE INDEX answers_scope ON answers (scope);
CREATE INDEX answers_expires ON answers (expires);
CREATE INDEX answers_last_used ON answers (last_used);
CREATE TABLE totals (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    entries INTEGER NOT NULL,
    bytes INTEGER NOT NULL
);
INSERT INTO totals (id, entries, bytes) VALUES (0, 0, 0);
CREATE TRIGGER answers_insert AFTER INSERT ON answers BEGIN
    UPDATE totals SET entries = entries + 1, bytes = bytes + NEW.bytes;
END;
CREATE TRIGGER answers_delete AFTER DELETE ON answers BEGIN
    UPDATE totals SET entries = entries - 1, bytes = bytes - OLD.bytes;
END;
CREATE TRIGGER answers_update AFTER UPDATE OF bytes ON answers BEGIN
    UPDATE totals SET bytes = bytes - OLD.bytes + NEW.bytes;
END;
";

/// `last_used` as a clock shared by all processes: the time in milliseconds,
/// but always past the latest use, so that uses within one millisecond keep
/// their order.
const NEXT_USE: &str = "MAX(:now, (SELECT COALESCE(MAX(last_used), 0) + 1 FROM answers))";

pub struct SqliteCache {
    path: PathBuf,
    /// The path as errors show it.
    shown: Arc<str>,
    /// The connection that writes.
    store: Arc<Mutex<Store>>,
    /// Connections that only read, one per concurrent reader: WAL readers do
    /// not wait for each other nor for the writer.
    readers: Mutex<Vec<Connection>>,
    /// The keys read since their use was last recorded.
    used: Arc<Mutex<Vec<String>>>,
    max_bytes: u64,
    /// In milliseconds: see `USE_RESOLUTION`.
    use_resolution: i64,
}

/// The writing connection, and the keys read since their use was last
/// recorded (shared with the readers, which add to it).
struct Store {
    conn: Connection,
    used: Arc<Mutex<Vec<String>>>,
}

impl Store {
    /// Records the pending uses. Losing them only makes eviction less exact,
    /// so a failure is logged, not returned.
    fn record_uses(&mut self) {
        let used = std::mem::take(&mut *lock(&self.used));
        if used.is_empty() {
            return;
        }
        if let Err(err) = touch(&mut self.conn, &used, now_millis()) {
            tracing::debug!("cache: cannot record {} uses: {err}", used.len());
        }
    }
}

/// A panic mid-transaction rolls it back when the transaction drops, so
/// what a poisoned lock guards is still sound.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Drop for SqliteCache {
    fn drop(&mut self) {
        lock(&self.store).record_uses();
    }
}

impl SqliteCache {
    /// Where the cache lives by default: `docwright/answers.sqlite3` in the
    /// platform's cache directory ($XDG_CACHE_HOME or ~/.cache,
    /// ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows).
    pub fn default_path() -> Option<PathBuf> {
        let absolute = |name: &str| std::env::var_os(name).map(PathBuf::from).filter(|path| path.is_absolute());
        let base = if cfg!(windows) {
            absolute("LOCALAPPDATA")
        } else if cfg!(target_os = "macos") {
            absolute("HOME").map(|home| home.join("Library").join("Caches"))
        } else {
            absolute("XDG_CACHE_HOME").or_else(|| absolute("HOME").map(|home| home.join(".cache")))
        }?;
        Some(base.join("docwright").join("answers.sqlite3"))
    }

    /// Opens the cache at `path`, creating it (and its directory) readable by
    /// the owner only; holds at most `max_bytes` of answers. A file that is
    /// not a docwright cache is an error and is left as it is.
    pub fn open(path: impl AsRef<Path>, max_bytes: u64) -> Result<Self, CacheError> {
        let path = path.as_ref().to_path_buf();
        let unavailable = |what: &str, err: &dyn std::fmt::Display| CacheError::Unavailable {
            backend: BACKEND,
            message: format!("{}: {what}: {err}", path.display()),
        };
        create_private(&path).map_err(|err| unavailable("cannot create the cache file", &err))?;
        let mut conn = Connection::open(&path).map_err(|err| unavailable("cannot open", &err))?;
        prepare(&mut conn).map_err(|err| match err {
            Prepare::Sqlite(err) => unavailable("not a usable docwright cache", &err),
            Prepare::Foreign(why) => unavailable("not a docwright cache, left untouched", &why),
        })?;
        let used = Arc::default();
        let store = Arc::new(Mutex::new(Store { conn, used: Arc::clone(&used) }));
        let shown = path.display().to_string().into();
        let use_resolution = USE_RESOLUTION.as_millis() as i64;
        Ok(SqliteCache { path, shown, store, readers: Mutex::default(), used, max_bytes, use_resolution })
    }

    /// Opens `count` reader connections now, each with its query ready, for
    /// a batch about to read on that many threads at once: its first reads
    /// then wait on no opening. One that cannot be opened now is tried again
    /// when needed, and its error reported then.
    pub fn with_readers(self, count: usize) -> Self {
        let opened: Vec<Connection> = (0..count)
            .map_while(|_| {
                let conn = self.open_reader().ok()?;
                conn.prepare_cached(SELECT_ANSWER).ok()?;
                Some(conn)
            })
            .collect();
        lock(&self.readers).extend(opened);
        self
    }

    /// Eviction tells apart uses `resolution` apart (every use, with zero).
    pub fn with_use_resolution(mut self, resolution: Duration) -> Self {
        self.use_resolution = i64::try_from(resolution.as_millis()).unwrap_or(i64::MAX);
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `work` on the blocking pool with the store.
    fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Store) -> Result<T, CacheError> + Send + 'static,
    ) -> CacheFuture<'_, T> {
        let store = Arc::clone(&self.store);
        Box::pin(async move {
            tokio::task::spawn_blocking(move || work(&mut lock(&store)))
                .await
                .map_err(|err| CacheError::Unavailable { backend: BACKEND, message: err.to_string() })?
        })
    }

    /// The answers under `keys`, read in one transaction on a reader
    /// connection (opened when every one is in use).
    fn read(&self, keys: &[CacheKey]) -> Result<Vec<Option<CachedAnswer>>, CacheError> {
        let popped = lock(&self.readers).pop();
        let mut conn = match popped {
            Some(conn) => conn,
            None => self.open_reader().map_err(self.sql_error())?,
        };
        let hex: Vec<String> = keys.iter().map(CacheKey::hex).collect();
        let now = now_millis();
        let values = get_many(&mut conn, &hex, now);
        lock(&self.readers).push(conn);
        let values = values.map_err(self.sql_error())?;
        let mut answers = Vec::with_capacity(values.len());
        let mut used = Vec::new();
        for (key, value) in hex.into_iter().zip(values) {
            let Some((value, last_used)) = value else {
                answers.push(None);
                continue;
            };
            let answer = serde_json::from_str(&value).map_err(|err| CacheError::Corrupt {
                backend: BACKEND,
                message: format!("{}: {key}: {err}", self.shown),
            })?;
            answers.push(Some(answer));
            if last_used <= now.saturating_sub(self.use_resolution) {
                used.push(key);
            }
        }
        lock(&self.used).extend(used);
        Ok(answers)
    }

    fn open_reader(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open(&self.path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        keep_wal_files(&conn)?;
        // Reads through a memory map: pages come from the OS's cache instead
        // of being copied into each connection's own (a cached run's reads
        // cost about a seventh less CPU). Writers keep ordinary I/O.
        conn.pragma_update(None, "mmap_size", READ_MAP_BYTES)?;
        Ok(conn)
    }

    fn sql_error(&self) -> impl Fn(rusqlite::Error) -> CacheError + Send + 'static {
        let path = Arc::clone(&self.shown);
        move |err| CacheError::Unavailable { backend: BACKEND, message: format!("{path}: {err}") }
    }
}

enum Prepare {
    Sqlite(rusqlite::Error),
    Foreign(String),
}

impl From<rusqlite::Error> for Prepare {
    fn from(err: rusqlite::Error) -> Self {
        Prepare::Sqlite(err)
    }
}

/// Creates the directory (0700) and an empty file (0600) unless they exist:
/// SQLite gives the -wal and -shm files the database file's mode.
fn create_private(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    // Never truncate: the file may be another process's live cache.
    options.read(true).write(true).create(true).truncate(false);
    // On Windows the per-user %LOCALAPPDATA% already keeps others out.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

/// Checks that the file is a docwright cache (or empty, and makes it one),
/// sets up sharing and drops expired rows. Reads before it writes anything, so
/// a file that is someone else's is never changed.
fn prepare(conn: &mut Connection) -> Result<(), Prepare> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    check_kind(conn)?;
    // A no-op when already in WAL mode; the mode is kept in the file.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    keep_wal_files(conn)?;
    // In WAL mode, NORMAL can lose the last commits on power loss but never
    // corrupts: fine for a cache, and much cheaper per write.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Again under the write lock: another process may have just created it.
    if check_kind(&tx)? == Kind::Empty {
        tx.execute_batch(SCHEMA)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    }
    tx.execute("DELETE FROM answers WHERE expires <= ?1", [now_millis()])?;
    tx.commit()?;
    Ok(())
}

/// Keeps the -wal and -shm files when the last connection closes, the -wal
/// file emptied. SQLite deletes both then by default, and the next process
/// makes them again: for a run that only reads, that is most of the cost
/// of using the file. Left full, the -wal would be read through by the
/// next process to open it. Every connection says so: the one that closes
/// last decides, and only one with a size limit empties the file.
fn keep_wal_files(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "journal_size_limit", WAL_LIMIT_BYTES)?;
    let mut keep: std::ffi::c_int = 1;
    // SAFETY: the handle is this open connection's, used on this thread for
    // the call only, and the control reads the int `keep` points to, which
    // outlives the call.
    let code = unsafe {
        ffi::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            ffi::SQLITE_FCNTL_PERSIST_WAL,
            (&raw mut keep).cast(),
        )
    };
    match code {
        ffi::SQLITE_OK => Ok(()),
        code => Err(rusqlite::Error::SqliteFailure(ffi::Error::new(code), Some("cannot keep the -wal file".into()))),
    }
}

#[derive(PartialEq)]
enum Kind {
    Empty,
    Ours,
}

fn check_kind(conn: &Connection) -> Result<Kind, Prepare> {
    let application_id: i32 = conn.pragma_query_value(None, "application_id", |row| row.get(0))?;
    let version: i32 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let objects: i64 = conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |row| row.get(0))?;
    match (application_id, version, objects) {
        (0, 0, 0) => Ok(Kind::Empty),
        (APPLICATION_ID, SCHEMA_VERSION, _) => Ok(Kind::Ours),
        (APPLICATION_ID, newer, _) if newer > SCHEMA_VERSION => {
            Err(Prepare::Foreign(format!("written by a newer docwright (schema {newer})")))
        }
        (APPLICATION_ID, older, _) => Err(Prepare::Foreign(format!("unknown schema version {older}"))),
        _ => Err(Prepare::Foreign("a database of another application".into())),
    }
}

fn now_millis() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| i64::try_from(since.as_millis()).unwrap_or(i64::MAX))
}

const SELECT_ANSWER: &str = "SELECT value, last_used FROM answers WHERE key = ?1 AND expires > ?2";

/// Reads only, in one transaction: in WAL mode they wait for no writer, and
/// take the file's locks once. Each found answer comes with its last
/// recorded use; uses are recorded later, together, by `touch`.
fn get_many(conn: &mut Connection, keys: &[String], now: i64) -> rusqlite::Result<Vec<Option<(String, i64)>>> {
    let tx = conn.transaction()?;
    let mut values = Vec::with_capacity(keys.len());
    {
        let mut select = tx.prepare_cached(SELECT_ANSWER)?;
        for key in keys {
            let row = select.query_row(rusqlite::params![key, now], |row| Ok((row.get(0)?, row.get(1)?)));
            values.push(row.optional()?);
        }
    }
    tx.commit()?;
    Ok(values)
}

/// Marks `keys` as just used, in the order given, in one transaction.
fn touch(conn: &mut Connection, keys: &[String], now: i64) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    {
        let sql = format!("UPDATE answers SET last_used = {NEXT_USE} WHERE key = :key");
        let mut update = tx.prepare(&sql)?;
        for key in keys {
            update.execute(named_params! {":key": key, ":now": now})?;
        }
    }
    tx.commit()
}

struct Row {
    key: String,
    value: String,
    scope: String,
    bytes: i64,
    expires: i64,
}

fn set(conn: &mut Connection, row: &Row, now: i64, max_bytes: i64) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Expired rows go first, and cheaply: `expires` is indexed.
    tx.execute("DELETE FROM answers WHERE expires <= ?1", [now])?;
    if row.bytes > max_bytes {
        // Larger than the whole cache: not kept, and nor is an older answer.
        tx.execute("DELETE FROM answers WHERE key = ?1", [&row.key])?;
        return tx.commit();
    }
    let sql = format!(
        "INSERT INTO answers (key, value, scope, bytes, created, expires, last_used)
         VALUES (:key, :value, :scope, :bytes, :now, :expires, {NEXT_USE})
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, scope = excluded.scope, bytes = excluded.bytes,
             created = excluded.created, expires = excluded.expires, last_used = excluded.last_used"
    );
    tx.execute(
        &sql,
        named_params! {
            ":key": row.key, ":value": row.value, ":scope": row.scope, ":bytes": row.bytes, ":now": now,
            ":expires": row.expires,
        },
    )?;
    let mut total: i64 = tx.query_row("SELECT bytes FROM totals", [], |r| r.get(0))?;
    if total > max_bytes {
        let mut oldest = tx.prepare("SELECT key, bytes FROM answers ORDER BY last_used")?;
        let mut rows = oldest.query([])?;
        let mut evict = Vec::new();
        while total > max_bytes
            && let Some(r) = rows.next()?
        {
            total -= r.get::<_, i64>(1)?;
            evict.push(r.get::<_, String>(0)?);
        }
        drop(rows);
        drop(oldest);
        let mut delete = tx.prepare("DELETE FROM answers WHERE key = ?1")?;
        for key in evict {
            delete.execute([key])?;
        }
    }
    tx.commit()
}

fn invalidate(conn: &mut Connection, selector: &Selector) -> rusqlite::Result<u64> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let removed = match selector {
        Selector::Key(key) => tx.execute("DELETE FROM answers WHERE key = ?1", [key.hex()])?,
        Selector::All => tx.execute("DELETE FROM answers", [])?,
        Selector::Scope(prefix) => {
            // Scopes sharing a prefix sort together (binary collation is
            // byte order), so the index finds them; `matches_scope` then
            // decides, with no LIKE and its wildcards involved.
            let mut keys = Vec::new();
            let mut candidates = tx.prepare("SELECT key, scope FROM answers WHERE scope >= ?1 ORDER BY scope")?;
            let mut rows = candidates.query([prefix])?;
            while let Some(r) = rows.next()? {
                let scope: String = r.get(1)?;
                if !scope.starts_with(prefix.as_str()) {
                    break;
                }
                if selector.matches_scope(&scope) {
                    keys.push(r.get::<_, String>(0)?);
                }
            }
            drop(rows);
            drop(candidates);
            let mut delete = tx.prepare("DELETE FROM answers WHERE key = ?1")?;
            let mut removed = 0;
            for key in keys {
                removed += delete.execute([key])?;
            }
            drop(delete);
            removed
        }
    };
    tx.commit()?;
    Ok(removed as u64)
}

fn stats(conn: &mut Connection, now: i64) -> rusqlite::Result<BackendStats> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute("DELETE FROM answers WHERE expires <= ?1", [now])?;
    let (entries, bytes): (i64, i64) =
        tx.query_row("SELECT entries, bytes FROM totals", [], |r| Ok((r.get(0)?, r.get(1)?)))?;
    tx.commit()?;
    Ok(BackendStats { entries: entries.max(0) as u64, bytes: bytes.max(0) as u64 })
}

impl ResponseCache for SqliteCache {
    fn name(&self) -> &'static str {
        BACKEND
    }

    fn get<'a>(&'a self, key: &'a CacheKey) -> CacheFuture<'a, Option<CachedAnswer>> {
        let read = self.get_many(std::slice::from_ref(key));
        Box::pin(async move { Ok(read.await?.pop().flatten()) })
    }

    fn get_many<'a>(&'a self, keys: &'a [CacheKey]) -> CacheFuture<'a, Vec<Option<CachedAnswer>>> {
        // A WAL read waits for no writer and takes microseconds: done in
        // place, on a connection of its own.
        let result = self.read(keys);
        Box::pin(async move {
            if lock(&self.used).len() >= TOUCH_BATCH {
                let _ = self
                    .run(|store| {
                        store.record_uses();
                        Ok(())
                    })
                    .await;
            }
            result
        })
    }

    fn set<'a>(&'a self, key: &'a CacheKey, answer: &'a CachedAnswer, ttl: Duration) -> CacheFuture<'a, ()> {
        let value = match serde_json::to_string(answer) {
            Ok(value) => value,
            Err(err) => {
                return Box::pin(
                    async move { Err(CacheError::Corrupt { backend: BACKEND, message: err.to_string() }) },
                );
            }
        };
        let now = now_millis();
        let ttl = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        let row = Row {
            key: key.hex(),
            bytes: value.len() as i64,
            value,
            scope: answer.scope.clone(),
            expires: now.saturating_add(ttl),
        };
        let max_bytes = i64::try_from(self.max_bytes).unwrap_or(i64::MAX);
        let sql_error = self.sql_error();
        self.run(move |store| {
            store.record_uses();
            set(&mut store.conn, &row, now, max_bytes).map_err(sql_error)
        })
    }

    fn invalidate<'a>(&'a self, selector: &'a Selector) -> CacheFuture<'a, u64> {
        let selector = selector.clone();
        let sql_error = self.sql_error();
        self.run(move |store| {
            store.record_uses();
            invalidate(&mut store.conn, &selector).map_err(sql_error)
        })
    }

    fn stats(&self) -> CacheFuture<'_, BackendStats> {
        let sql_error = self.sql_error();
        self.run(move |store| {
            store.record_uses();
            stats(&mut store.conn, now_millis()).map_err(sql_error)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_opens_its_readers_ahead_and_reads_on_them() {
        let dir = tempfile::tempdir().unwrap();
        let cache = SqliteCache::open(dir.path().join("answers.sqlite3"), 1 << 20).unwrap().with_readers(3);
        assert_eq!(lock(&cache.readers).len(), 3);
        let key = CacheKey([7; 32]);
        assert_eq!(cache.read(&[key]).unwrap(), vec![None]);
        // The read took one of them and gave it back: none was opened.
        assert_eq!(lock(&cache.readers).len(), 3);
    }
}
