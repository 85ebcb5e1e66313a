//! The Redis backend: one cache shared by a team and its CI.
//!
//! Layout, all under a namespace (so one server can hold several caches, and
//! dropping everything never touches another namespace's keys):
//!
//! - `{namespace}:answer:{hex}`: the [`CachedAnswer`] as JSON, with the entry's
//!   TTL (`SET ... PX`).
//! - `{namespace}:scope:{scope}`: a set of the hex keys stored with that scope,
//!   its TTL kept at least as long as its longest-lived member's.
//!
//! Invalidating a scope scans only the index keys (one per definition, far
//! fewer and smaller than the answers), then checks each listed answer's own
//! scope before deleting it, since an overwrite may have moved a key to
//! another scope and left it listed in the old one. Dropping everything and
//! the statistics scan the namespace's answers (`SCAN MATCH`); the byte count
//! is the stored JSON's length (`STRLEN`), not Redis's memory overhead.
//!
//! Every command is bounded: connecting and point operations by
//! [`OPERATION_TIMEOUT`], each command of a scan by the same response timeout,
//! so an unreachable server gives [`CacheError::Unavailable`] quickly. The
//! connection manager reconnects in the background once the server is back.

use std::future::Future;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, ConnectionAddr, IntoConnectionInfo, RedisError, RedisResult};
use serde::Deserialize;

use super::{BackendStats, CacheError, CacheFuture, CacheKey, CachedAnswer, ResponseCache, Selector};

const BACKEND: &str = "redis";

/// How long a get or a set may take, reconnecting included.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(2);
/// How long opening a TCP (or TLS) connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// An upper bound on a whole scan (invalidating a scope or everything, stats);
/// each of its commands is bounded by the response timeout too.
const SCAN_TIMEOUT: Duration = Duration::from_secs(300);
/// Keys asked for per SCAN step and deleted per DEL.
const BATCH: usize = 500;
/// Redis refuses expiry times past this; far beyond any useful TTL anyway.
const MAX_TTL_MS: u128 = 100 * 365 * 24 * 3600 * 1000;

/// Environment variables read for a password when the URL has none, in order.
pub const PASSWORD_VARIABLES: [&str; 2] = ["DOCWRIGHT_REDIS_PASSWORD", "REDIS_PASSWORD"];

/// Stores the answer and adds it to its scope's index in one step, keeping
/// the index alive at least as long as the answer.
const SET_SCRIPT: &str = r"
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return 1
";

/// A cache in a Redis server, under a namespace.
pub struct RedisCache {
    connection: ConnectionManager,
    namespace: String,
    /// The URL without its password, for messages.
    location: String,
    /// Kept only to scrub it from messages, in case an error echoes it.
    password: Option<String>,
    set_script: redis::Script,
}

impl std::fmt::Debug for RedisCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisCache").field("location", &self.location).field("namespace", &self.namespace).finish()
    }
}

impl RedisCache {
    /// Connects to `url` (`redis://`, `rediss://` for TLS, or `unix://`),
    /// taking the password from the URL or else from `DOCWRIGHT_REDIS_PASSWORD`
    /// or `REDIS_PASSWORD`. Fails within about [`OPERATION_TIMEOUT`] when the
    /// server cannot be reached or refuses the credentials.
    ///
    /// `namespace` is made of ASCII letters, digits, `-`, `_` and `.`.
    pub async fn connect(url: &str, namespace: &str) -> Result<Self, CacheError> {
        Self::connect_with_password(url, namespace, password_from_env().as_deref()).await
    }

    /// [`RedisCache::connect`] with the fallback password given instead of
    /// read from the environment; a password in the URL still wins.
    pub async fn connect_with_password(url: &str, namespace: &str, password: Option<&str>) -> Result<Self, CacheError> {
        let location = redact_url(url);
        check_namespace(namespace)?;
        let mut info = url.into_connection_info().map_err(|error| {
            unavailable(format!("{location} is not a Redis URL (redis://, rediss:// or unix://): {:?}", error.kind()))
        })?;
        if info.redis_settings().password().is_none()
            && let Some(password) = password.filter(|p| !p.is_empty())
        {
            let settings = info.redis_settings().clone().set_password(password);
            info = info.set_redis_settings(settings);
        }
        let password = info.redis_settings().password().map(str::to_string);
        if matches!(info.addr(), ConnectionAddr::TcpTls { .. }) {
            // rustls needs one process-wide crypto provider; ring is the one
            // built in. A second install reports the first; either way one is set.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let scrub = |message: String| scrub(message, password.as_deref());
        let client =
            redis::Client::open(info).map_err(|error| unavailable(scrub(format!("cannot use {location}: {error}"))))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(OPERATION_TIMEOUT))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(200));
        // A PING too: a server wanting a password accepts the connection and
        // refuses only the first command, which should fail here, not later.
        let connect = async {
            let mut connection = ConnectionManager::new_with_config(client, config).await?;
            redis::cmd("PING").query_async::<String>(&mut connection).await?;
            Ok::<_, RedisError>(connection)
        };
        let connection = match tokio::time::timeout(OPERATION_TIMEOUT, connect).await {
            Ok(Ok(connection)) => connection,
            Ok(Err(error)) => return Err(unavailable(scrub(describe(&location, "cannot connect to", &error)))),
            Err(_) => {
                return Err(unavailable(format!(
                    "cannot connect to {location}: no answer within {} s",
                    OPERATION_TIMEOUT.as_secs()
                )));
            }
        };
        Ok(RedisCache {
            connection,
            namespace: namespace.to_string(),
            location,
            password,
            set_script: redis::Script::new(SET_SCRIPT),
        })
    }

    /// Where the cache is, without the password, and its namespace.
    pub fn location(&self) -> String {
        format!("{} (namespace {})", self.location, self.namespace)
    }

    /// The Redis key an answer is stored under.
    pub fn answer_key(&self, key: &CacheKey) -> String {
        format!("{}:answer:{}", self.namespace, key.hex())
    }

    fn answer_key_hex(&self, hex: &str) -> String {
        format!("{}:answer:{hex}", self.namespace)
    }

    fn scope_key(&self, scope: &str) -> String {
        format!("{}:scope:{scope}", self.namespace)
    }

    /// Runs `op`, once more if the connection had dropped (the manager
    /// reconnects meanwhile: a server restarted or an idle connection closed
    /// should not cost an answer), all within `limit`.
    async fn run<T, F>(&self, what: &str, limit: Duration, op: impl Fn(ConnectionManager) -> F) -> Result<T, CacheError>
    where
        F: Future<Output = RedisResult<T>>,
    {
        let attempts = async {
            match op(self.connection.clone()).await {
                Err(error) if error.is_io_error() || error.is_unrecoverable_error() => {
                    op(self.connection.clone()).await
                }
                done => done,
            }
        };
        match tokio::time::timeout(limit, attempts).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(unavailable(scrub(describe(&self.location, what, &error), self.password.as_deref()))),
            Err(_) => Err(unavailable(format!("{what} {}: no answer within {} s", self.location, limit.as_secs()))),
        }
    }

    /// One step of `SCAN cursor MATCH pattern`: the next cursor (0 at the
    /// end) and a batch of keys.
    async fn scan_step(
        connection: &mut ConnectionManager,
        cursor: u64,
        pattern: &str,
    ) -> RedisResult<(u64, Vec<String>)> {
        redis::cmd("SCAN").arg(cursor).arg("MATCH").arg(pattern).arg("COUNT").arg(BATCH).query_async(connection).await
    }

    async fn invalidate_scope(&self, selector: &Selector, prefix: &str) -> Result<u64, CacheError> {
        let index_prefix = &self.scope_key("");
        let pattern = &format!("{}*", self.scope_key(&glob_escape(prefix)));
        self.run("cannot invalidate in", SCAN_TIMEOUT, |mut connection| async move {
            let mut removed = 0u64;
            let mut cursor = 0;
            loop {
                let (next, indexes) = Self::scan_step(&mut connection, cursor, pattern).await?;
                for index in indexes {
                    let selected = index.strip_prefix(index_prefix.as_str()).is_some_and(|s| selector.matches_scope(s));
                    if selected {
                        removed += self.drop_indexed(&mut connection, &index, selector).await?;
                    }
                }
                if next == 0 {
                    return Ok(removed);
                }
                cursor = next;
            }
        })
        .await
    }

    /// Deletes the answers listed in `index` that are still about a scope
    /// `selector` matches (an overwrite may have moved one elsewhere), and
    /// empties the index.
    async fn drop_indexed(
        &self,
        connection: &mut ConnectionManager,
        index: &str,
        selector: &Selector,
    ) -> RedisResult<u64> {
        let members: Vec<String> = connection.smembers(index).await?;
        let mut removed = 0;
        for chunk in members.chunks(BATCH) {
            let keys: Vec<String> = chunk.iter().map(|hex| self.answer_key_hex(hex)).collect();
            let values: Vec<Option<Vec<u8>>> = redis::cmd("MGET").arg(&keys).query_async(connection).await?;
            let doomed: Vec<&String> = keys
                .iter()
                .zip(&values)
                .filter(|(_, value)| {
                    value.as_deref().and_then(stored_scope).is_some_and(|s| selector.matches_scope(&s))
                })
                .map(|(key, _)| key)
                .collect();
            if !doomed.is_empty() {
                let gone: u64 = connection.del(&doomed).await?;
                removed += gone;
            }
            // Members only, not the whole set: one added meanwhile stays listed.
            let _: u64 = connection.srem(index, chunk).await?;
        }
        Ok(removed)
    }

    async fn invalidate_all(&self) -> Result<u64, CacheError> {
        let answers = &format!("{}*", self.answer_key_hex(""));
        let indexes = &format!("{}*", self.scope_key(""));
        self.run("cannot invalidate in", SCAN_TIMEOUT, |mut connection| async move {
            let mut removed = 0u64;
            for (pattern, counted) in [(answers, true), (indexes, false)] {
                let mut cursor = 0;
                loop {
                    let (next, keys) = Self::scan_step(&mut connection, cursor, pattern).await?;
                    if !keys.is_empty() {
                        let gone: u64 = connection.del(&keys).await?;
                        if counted {
                            removed += gone;
                        }
                    }
                    if next == 0 {
                        break;
                    }
                    cursor = next;
                }
            }
            Ok(removed)
        })
        .await
    }
}

/// A stored answer read back.
fn parse(redis_key: &str, bytes: &[u8]) -> Result<CachedAnswer, CacheError> {
    serde_json::from_slice(bytes)
        .map_err(|error| CacheError::Corrupt { backend: BACKEND, message: format!("{redis_key}: {error}") })
}

impl ResponseCache for RedisCache {
    fn name(&self) -> &'static str {
        BACKEND
    }

    fn get<'a>(&'a self, key: &'a CacheKey) -> CacheFuture<'a, Option<CachedAnswer>> {
        Box::pin(async move {
            let redis_key = &self.answer_key(key);
            let raw: Option<Vec<u8>> =
                self.run("cannot read from", OPERATION_TIMEOUT, |mut c| async move { c.get(redis_key).await }).await?;
            raw.map(|bytes| parse(redis_key, &bytes)).transpose()
        })
    }

    /// One `MGET`: one round trip for a file's answers.
    fn get_many<'a>(&'a self, keys: &'a [CacheKey]) -> CacheFuture<'a, Vec<Option<CachedAnswer>>> {
        Box::pin(async move {
            if keys.is_empty() {
                return Ok(Vec::new());
            }
            let redis_keys = &keys.iter().map(|key| self.answer_key(key)).collect::<Vec<_>>();
            let raw: Vec<Option<Vec<u8>>> = self
                .run("cannot read from", OPERATION_TIMEOUT, |mut c| async move {
                    redis::cmd("MGET").arg(redis_keys).query_async(&mut c).await
                })
                .await?;
            raw.into_iter()
                .zip(redis_keys)
                .map(|(value, redis_key)| value.map(|b| parse(redis_key, &b)).transpose())
                .collect()
        })
    }

    fn set<'a>(&'a self, key: &'a CacheKey, answer: &'a CachedAnswer, ttl: Duration) -> CacheFuture<'a, ()> {
        Box::pin(async move {
            let json = &serde_json::to_string(answer)
                .map_err(|error| unavailable(format!("cannot store an answer in {}: {error}", self.location)))?;
            let redis_key = &self.answer_key(key);
            if ttl.is_zero() {
                // Expired on arrival; Redis refuses a zero expiry.
                return self
                    .run("cannot write to", OPERATION_TIMEOUT, |mut c| async move { c.del(redis_key).await })
                    .await;
            }
            // Rounded up: a TTL under a millisecond still keeps the entry briefly.
            let ttl_ms = &ttl.as_nanos().div_ceil(1_000_000).min(MAX_TTL_MS).to_string();
            let scope_key = &self.scope_key(&answer.scope);
            let hex = &key.hex();
            self.run("cannot write to", OPERATION_TIMEOUT, |mut c| async move {
                self.set_script
                    .key(redis_key)
                    .key(scope_key)
                    .arg(json)
                    .arg(ttl_ms)
                    .arg(hex)
                    .invoke_async::<i64>(&mut c)
                    .await
                    .map(drop)
            })
            .await
        })
    }

    fn invalidate<'a>(&'a self, selector: &'a Selector) -> CacheFuture<'a, u64> {
        Box::pin(async move {
            match selector {
                Selector::Key(key) => {
                    let redis_key = &self.answer_key(key);
                    self.run("cannot invalidate in", OPERATION_TIMEOUT, |mut c| async move { c.del(redis_key).await })
                        .await
                }
                Selector::Scope(prefix) => self.invalidate_scope(selector, prefix).await,
                Selector::All => self.invalidate_all().await,
            }
        })
    }

    fn stats(&self) -> CacheFuture<'_, BackendStats> {
        Box::pin(async move {
            let answers = &format!("{}*", self.answer_key_hex(""));
            self.run("cannot read statistics from", SCAN_TIMEOUT, |mut connection| async move {
                let mut stats = BackendStats::default();
                let mut cursor = 0;
                loop {
                    let (next, keys) = Self::scan_step(&mut connection, cursor, answers).await?;
                    if !keys.is_empty() {
                        let mut pipe = redis::pipe();
                        for key in &keys {
                            pipe.cmd("STRLEN").arg(key);
                        }
                        let lengths: Vec<u64> = pipe.query_async(&mut connection).await?;
                        // A key that expired since the scan has length 0.
                        for length in lengths.into_iter().filter(|&l| l > 0) {
                            stats.entries += 1;
                            stats.bytes += length;
                        }
                    }
                    if next == 0 {
                        return Ok(stats);
                    }
                    cursor = next;
                }
            })
            .await
        })
    }
}

/// The first password set in [`PASSWORD_VARIABLES`].
pub fn password_from_env() -> Option<String> {
    PASSWORD_VARIABLES.iter().filter_map(|name| std::env::var(name).ok()).find(|value| !value.is_empty())
}

/// `url` with the password in its user part replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let Some((user_info, host)) = authority.rsplit_once('@') else {
        return url.to_string();
    };
    let user = match user_info.split_once(':') {
        Some((user, _)) => format!("{user}:***"),
        // `redis://secret@host` is read as a password too.
        None => "***".to_string(),
    };
    format!("{scheme}://{user}@{host}{tail}")
}

fn check_namespace(namespace: &str) -> Result<(), CacheError> {
    let valid = !namespace.is_empty()
        && namespace.len() <= 128
        && namespace.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(())
    } else {
        // No `:` or glob characters: a namespace must never match another's keys.
        Err(unavailable(format!("the namespace {namespace:?} must be 1 to 128 ASCII letters, digits, '-', '_' or '.'")))
    }
}

/// `text` matched literally in a `SCAN MATCH` pattern.
fn glob_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\' | '^') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// The scope of a stored answer, without decoding the rest.
fn stored_scope(bytes: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Scope {
        scope: String,
    }
    serde_json::from_slice::<Scope>(bytes).ok().map(|s| s.scope)
}

fn describe(location: &str, what: &str, error: &RedisError) -> String {
    let auth =
        error.kind() == redis::ErrorKind::AuthenticationFailed || matches!(error.code(), Some("NOAUTH" | "WRONGPASS"));
    if auth {
        format!(
            "{what} {location}: authentication failed ({error}); give the password in the URL, {} or {}",
            PASSWORD_VARIABLES[0], PASSWORD_VARIABLES[1]
        )
    } else {
        format!("{what} {location}: {error}")
    }
}

fn scrub(message: String, password: Option<&str>) -> String {
    match password {
        Some(password) if !password.is_empty() => message.replace(password, "***"),
        _ => message,
    }
}

fn unavailable(message: String) -> CacheError {
    CacheError::Unavailable { backend: BACKEND, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_password() {
        assert_eq!(redact_url("redis://:hunter2@cache:6379/0"), "redis://:***@cache:6379/0");
        assert_eq!(redact_url("rediss://team:p@ss@cache/1?x=y"), "rediss://team:***@cache/1?x=y");
        assert_eq!(redact_url("redis://hunter2@cache"), "redis://***@cache");
        assert_eq!(redact_url("redis://cache:6379"), "redis://cache:6379");
        assert_eq!(redact_url("not a url"), "not a url");
        assert_eq!(redact_url("redis://"), "redis://");
    }

    #[test]
    fn namespaces_cannot_reach_into_others() {
        assert!(check_namespace("team-docwright_1.0").is_ok());
        for bad in ["", "a:b", "a*", "a b", "ä", &"x".repeat(129)] {
            assert!(check_namespace(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn scopes_are_matched_literally() {
        assert_eq!(glob_escape(r"a/[x]*?.py:f\g^"), r"a/\[x\]\*\?.py:f\\g\^");
        assert_eq!(stored_scope(br#"{"scope":"a.py:f","value":1}"#).as_deref(), Some("a.py:f"));
        assert_eq!(stored_scope(b"not json"), None);
    }
}
