//! Credentials resolved when a request is about to go, not once at start:
//! a key in a file is re-read when the file changes, a key or token printed
//! by a command is cached and fetched again when it is rejected, and an Entra
//! ID token (`az account get-access-token`) is refreshed before it expires.
//!
//! Errors say what to fix and never carry the secret: command output is not
//! quoted, and the error stream of a failed command is shown with anything
//! that looks like a token removed.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::provider::Credential;
use super::secret::Secret;
use super::single_flight::SingleFlight;

/// Where the credential comes from.
#[derive(Clone)]
pub enum CredentialSource {
    /// No authentication (local servers).
    None,
    ApiKey(Secret),
    /// The first of these environment variables that is set and not blank.
    ApiKeyEnv(Vec<String>),
    /// A file holding the key; re-read when it changes.
    ApiKeyFile(PathBuf),
    /// A shell command that prints the key; cached until the key is rejected.
    ApiKeyCommand(String),
    /// A bearer token as given (such as `AZURE_OPENAI_AD_TOKEN`).
    Bearer(Secret),
    /// A shell command that prints an Entra ID token, raw or as the JSON of
    /// `az account get-access-token --output json`; cached until shortly
    /// before it expires.
    EntraCommand(String),
}

impl CredentialSource {
    /// Whether resolving again after a rejection can give another
    /// credential (a rotated file, a command run afresh).
    pub fn can_refresh(&self) -> bool {
        matches!(
            self,
            CredentialSource::ApiKeyFile(_) | CredentialSource::ApiKeyCommand(_) | CredentialSource::EntraCommand(_)
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthOptions {
    /// A credential command still running after this is stopped.
    pub command_timeout: Duration,
    /// A token is fetched again this long before it expires.
    pub expiry_margin: Duration,
    /// How long a token whose expiry cannot be read is used.
    pub unknown_expiry_lifetime: Duration,
}

impl Default for AuthOptions {
    fn default() -> Self {
        AuthOptions {
            command_timeout: Duration::from_secs(30),
            expiry_margin: Duration::from_secs(5 * 60),
            unknown_expiry_lifetime: Duration::from_secs(5 * 60),
        }
    }
}

/// Why no credential could be had. Never contains the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("{}", unset_message(.names))]
    VariableUnset { names: Vec<String> },
    #[error("cannot read the key file {}: {message}", .path.display())]
    FileUnreadable { path: PathBuf, message: String },
    #[error("the key file {} is empty", .path.display())]
    EmptyFile { path: PathBuf },
    #[error("the credential command `{program}` was not found")]
    CommandNotFound { program: String },
    #[error("the credential command `{program}` could not be run: {message}")]
    CommandUnstartable { program: String, message: String },
    #[error("the credential command `{program}` failed ({status}){}", stderr_note(.stderr))]
    CommandFailed { program: String, status: String, stderr: String },
    #[error("the credential command `{program}` did not finish within {} s", .after.as_secs_f64())]
    CommandTimedOut { program: String, after: Duration },
    #[error("the credential command `{program}` printed nothing")]
    EmptyOutput { program: String },
    #[error("the credential command `{program}` printed {reason}")]
    MalformedOutput { program: String, reason: &'static str },
}

fn unset_message(names: &[String]) -> String {
    match names {
        [] => "no environment variable was named for the key".to_string(),
        [name] => format!("the environment variable {name} is not set"),
        names => format!("none of the environment variables {} is set", names.join(", ")),
    }
}

fn stderr_note(stderr: &str) -> String {
    if stderr.is_empty() { String::new() } else { format!(": {stderr}") }
}

type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;
type Env = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Resolves a source into the credential of the next request; share one per
/// client so every request sees the same cache.
pub struct CredentialResolver {
    source: CredentialSource,
    options: AuthOptions,
    env: Env,
    clock: Clock,
    cache: Mutex<Option<Cached>>,
    /// Callers that find the cache stale at once share one fetch.
    refresh: SingleFlight<(), Result<Secret, AuthError>>,
}

struct Cached {
    secret: Secret,
    /// `None`: until rejected.
    fresh_until: Option<SystemTime>,
    /// For a key file: what the file looked like when read.
    stamp: Option<FileStamp>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    modified: Option<SystemTime>,
    len: u64,
}

impl CredentialResolver {
    pub fn new(source: CredentialSource, options: AuthOptions) -> Self {
        CredentialResolver {
            source,
            options,
            env: Arc::new(|name| std::env::var(name).ok()),
            clock: Arc::new(SystemTime::now),
            cache: Mutex::new(None),
            refresh: SingleFlight::new(),
        }
    }

    /// Reads variables through `env` instead of the process environment.
    pub fn with_env(mut self, env: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        self.env = Arc::new(env);
        self
    }

    /// Reads the time through `clock` (token expiry) instead of the system's.
    pub fn with_clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    pub fn source(&self) -> &CredentialSource {
        &self.source
    }

    /// The credential for the request about to be sent. After a 401, `reject`
    /// it (or `invalidate`) and resolve again for the one retry.
    pub async fn resolve(&self) -> Result<Credential, AuthError> {
        match &self.source {
            CredentialSource::None => Ok(Credential::None),
            CredentialSource::ApiKey(key) => Ok(Credential::ApiKey(key.clone())),
            CredentialSource::Bearer(token) => Ok(Credential::Bearer(token.clone())),
            CredentialSource::ApiKeyEnv(names) => names
                .iter()
                .find_map(|name| (self.env)(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty()))
                .map(|key| Credential::ApiKey(Secret::new(key)))
                .ok_or_else(|| AuthError::VariableUnset { names: names.clone() }),
            CredentialSource::ApiKeyFile(path) => self.file_key(path).await.map(Credential::ApiKey),
            CredentialSource::ApiKeyCommand(command) => {
                self.command_secret(command, false).await.map(Credential::ApiKey)
            }
            CredentialSource::EntraCommand(command) => self.command_secret(command, true).await.map(Credential::Bearer),
        }
    }

    /// Forgets the cached credential: the next request fetches it again.
    /// For after a 401.
    pub fn invalidate(&self) {
        *self.lock() = None;
    }

    /// Forgets the cached credential if it is `rejected`: of many requests
    /// refused with one stale credential, only the first causes a refresh.
    pub fn reject(&self, rejected: &Credential) {
        let mut cache = self.lock();
        let stale = match (rejected, cache.as_ref()) {
            (Credential::ApiKey(secret) | Credential::Bearer(secret), Some(cached)) => cached.secret == *secret,
            _ => false,
        };
        if stale {
            *cache = None;
        }
    }

    async fn file_key(&self, path: &Path) -> Result<Secret, AuthError> {
        let unreadable =
            |e: std::io::Error| AuthError::FileUnreadable { path: path.to_path_buf(), message: e.to_string() };
        let metadata = tokio::fs::metadata(path).await.map_err(unreadable)?;
        let stamp = FileStamp { modified: metadata.modified().ok(), len: metadata.len() };
        if let Some(cached) = self.lock().as_ref()
            && cached.stamp == Some(stamp)
        {
            return Ok(cached.secret.clone());
        }
        let text = tokio::fs::read_to_string(path).await.map_err(unreadable)?;
        let key = text.trim();
        if key.is_empty() {
            return Err(AuthError::EmptyFile { path: path.to_path_buf() });
        }
        let secret = Secret::new(key);
        *self.lock() = Some(Cached { secret: secret.clone(), fresh_until: None, stamp: Some(stamp) });
        Ok(secret)
    }

    async fn command_secret(&self, command: &str, entra: bool) -> Result<Secret, AuthError> {
        if let Some(secret) = self.fresh() {
            return Ok(secret);
        }
        self.refresh
            .run((), || async {
                // A flight that ended just before this one began may have
                // stored a fresh credential already.
                if let Some(secret) = self.fresh() {
                    return Ok(secret);
                }
                let program = program_name(command);
                let output = run_command(command, &program, self.options.command_timeout).await?;
                let now = (self.clock)();
                let (secret, fresh_until) = if entra {
                    let (token, expires) = parse_entra(output.expose())
                        .map_err(|reason| AuthError::MalformedOutput { program, reason })?;
                    let fresh_until = match expires {
                        Some(at) => refresh_time(at, self.options.expiry_margin, now),
                        None => now + self.options.unknown_expiry_lifetime,
                    };
                    (token, Some(fresh_until))
                } else if output.expose().contains(char::is_whitespace) {
                    return Err(AuthError::MalformedOutput { program, reason: "more than one word" });
                } else {
                    (output, None)
                };
                *self.lock() = Some(Cached { secret: secret.clone(), fresh_until, stamp: None });
                Ok(secret)
            })
            .await
    }

    fn fresh(&self) -> Option<Secret> {
        let now = (self.clock)();
        let cache = self.lock();
        let cached = cache.as_ref()?;
        cached.fresh_until.is_none_or(|until| now < until).then(|| cached.secret.clone())
    }

    fn lock(&self) -> MutexGuard<'_, Option<Cached>> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// When to fetch a token expiring `at` again: `margin` before, or, for a
/// token handed out already within the margin, halfway to its expiry rather
/// than before every request.
fn refresh_time(at: SystemTime, margin: Duration, now: SystemTime) -> SystemTime {
    match at.checked_sub(margin) {
        Some(refresh) if refresh > now => refresh,
        _ => now + at.duration_since(now).unwrap_or(Duration::ZERO) / 2,
    }
}

/// The command's first word, to name it in errors; the rest (and leading
/// `VAR=value` assignments) may hold secrets.
fn program_name(command: &str) -> String {
    let program = command.split_whitespace().find(|word| !word.contains('=')).unwrap_or("sh");
    program.chars().take(80).collect()
}

/// Runs `command` in the shell and returns its trimmed output.
async fn run_command(command: &str, program: &str, timeout: Duration) -> Result<Secret, AuthError> {
    let mut shell = if cfg!(windows) {
        let mut shell = tokio::process::Command::new("cmd");
        shell.arg("/C");
        shell
    } else {
        let mut shell = tokio::process::Command::new("sh");
        shell.arg("-c");
        shell
    };
    shell.arg(command).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    // Its own process group, so that what the shell started can be stopped
    // with it.
    #[cfg(unix)]
    shell.process_group(0);
    let child = shell.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => AuthError::CommandNotFound { program: program.to_string() },
        _ => AuthError::CommandUnstartable { program: program.to_string(), message: e.to_string() },
    })?;
    // Stops the group on a timeout, or when the caller gives up waiting.
    let mut group = GroupKiller(child.id());
    let output = tokio::time::timeout(timeout, child.wait_with_output()).await;
    let output = match output {
        Err(_) => return Err(AuthError::CommandTimedOut { program: program.to_string(), after: timeout }),
        Ok(Err(e)) => {
            return Err(AuthError::CommandUnstartable { program: program.to_string(), message: e.to_string() });
        }
        Ok(Ok(output)) => output,
    };
    group.0 = None;
    let stdout = Secret::new(String::from_utf8_lossy(&output.stdout).trim());
    if !output.status.success() {
        // The shell's "command not found".
        if output.status.code() == Some(127) {
            return Err(AuthError::CommandNotFound { program: program.to_string() });
        }
        return Err(AuthError::CommandFailed {
            program: program.to_string(),
            status: output.status.to_string(),
            stderr: scrub(&String::from_utf8_lossy(&output.stderr), stdout.expose()),
        });
    }
    if stdout.is_empty() {
        return Err(AuthError::EmptyOutput { program: program.to_string() });
    }
    Ok(stdout)
}

/// Kills a command's process group when dropped while armed.
struct GroupKiller(Option<u32>);

impl Drop for GroupKiller {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(pid) = self.0.and_then(|pid| libc::pid_t::try_from(pid).ok()).filter(|&pid| pid > 0) {
            // SAFETY: kill(2) takes no pointers; a negative id names the
            // process group the command was started in, and never ours (the
            // id is positive, and the group was made for the command).
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
    }
}

const MAX_STDERR: usize = 400;
/// A run of token characters this long, with letters and digits, is taken
/// for a secret (keys, JWTs); words and paths are shorter or lack digits.
const TOKEN_LIKE: usize = 20;

/// A failed command's error stream fit to show: without what it printed on
/// its output or anything token-like, trimmed and shortened.
fn scrub(stderr: &str, stdout: &str) -> String {
    let mut text = stderr.trim().to_string();
    let printed = std::iter::once(stdout).chain(stdout.split_whitespace());
    for secret in printed.filter(|s| s.chars().count() >= 8) {
        text = text.replace(secret, "[redacted]");
    }
    let mut scrubbed = String::with_capacity(text.len());
    let mut run = String::new();
    let is_token_char = |c: char| c.is_ascii_alphanumeric() || "-_.+=~".contains(c);
    let flush = |run: &mut String, out: &mut String| {
        let looks_secret = run.len() >= TOKEN_LIKE
            && run.chars().any(|c| c.is_ascii_digit())
            && run.chars().any(|c| c.is_ascii_alphabetic());
        out.push_str(if looks_secret { "[redacted]" } else { run });
        run.clear();
    };
    for c in text.chars() {
        if is_token_char(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut scrubbed);
            scrubbed.push(c);
        }
    }
    flush(&mut run, &mut scrubbed);
    if scrubbed.chars().count() > MAX_STDERR {
        scrubbed = scrubbed.chars().take(MAX_STDERR).collect::<String>() + "...";
    }
    scrubbed
}

/// An Entra token command's output: the token and, when it can be read, its
/// expiry. The reason of an error never quotes the output.
fn parse_entra(output: &str) -> Result<(Secret, Option<SystemTime>), &'static str> {
    let output = output.trim();
    if !output.starts_with('{') {
        if output.is_empty() || output.contains(char::is_whitespace) {
            return Err("neither JSON nor a single token");
        }
        return Ok((Secret::new(output), jwt_expiry(output)));
    }
    let json: Value = serde_json::from_str(output).map_err(|_| "JSON that does not parse")?;
    let token = ["accessToken", "access_token"]
        .iter()
        .find_map(|field| json.get(field).and_then(Value::as_str))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or("JSON without an accessToken")?;
    // `expires_on` is exact; `expiresOn` is local time, ambiguous around a
    // clock change; a JWT's own `exp` is the last resort.
    let expires = json
        .get("expires_on")
        .and_then(unix_time)
        .or_else(|| json.get("expiresOn").and_then(Value::as_str).and_then(local_time))
        .or_else(|| jwt_expiry(token));
    Ok((Secret::new(token), expires))
}

/// Unix seconds, as a number or a string.
fn unix_time(value: &Value) -> Option<SystemTime> {
    let seconds = match value {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    if !(0.0..=1e12).contains(&seconds) {
        return None;
    }
    UNIX_EPOCH.checked_add(Duration::from_secs_f64(seconds))
}

/// `YYYY-MM-DD HH:MM:SS[.ffffff]` in the machine's time zone (the Azure CLI's
/// `expiresOn`); the earlier reading when a clock change makes it ambiguous.
fn local_time(text: &str) -> Option<SystemTime> {
    use chrono::TimeZone;
    let naive = chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S%.f").ok()?;
    chrono::Local.from_local_datetime(&naive).earliest().map(SystemTime::from)
}

/// The `exp` claim of a JWT, read without checking its signature (only to
/// know when to fetch a new one).
fn jwt_expiry(token: &str) -> Option<SystemTime> {
    let mut parts = token.split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    let claims: Value = serde_json::from_slice(&base64url(payload)?).ok()?;
    unix_time(claims.get("exp")?)
}

fn base64url(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.trim_end_matches('=').bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

impl fmt::Debug for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialSource::None => f.write_str("None"),
            CredentialSource::ApiKey(key) => f.debug_tuple("ApiKey").field(key).finish(),
            CredentialSource::ApiKeyEnv(names) => f.debug_tuple("ApiKeyEnv").field(names).finish(),
            CredentialSource::ApiKeyFile(path) => f.debug_tuple("ApiKeyFile").field(path).finish(),
            // Only the program: the arguments may hold secrets.
            CredentialSource::ApiKeyCommand(command) => {
                f.debug_tuple("ApiKeyCommand").field(&program_name(command)).finish()
            }
            CredentialSource::Bearer(token) => f.debug_tuple("Bearer").field(token).finish(),
            CredentialSource::EntraCommand(command) => {
                f.debug_tuple("EntraCommand").field(&program_name(command)).finish()
            }
        }
    }
}

impl fmt::Debug for CredentialResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cached = self.lock().as_ref().map(|c| c.secret.clone());
        f.debug_struct("CredentialResolver")
            .field("source", &self.source)
            .field("options", &self.options)
            .field("cached", &cached)
            .finish()
    }
}

#[cfg(all(test, unix))]
mod tests {
    use tokio::task::JoinSet;

    use super::*;

    fn key(credential: Credential) -> String {
        match credential {
            Credential::ApiKey(secret) | Credential::Bearer(secret) => secret.expose().to_string(),
            Credential::None => String::new(),
        }
    }

    fn runs(count: &Path) -> usize {
        std::fs::read_to_string(count).map(|text| text.lines().count()).unwrap_or(0)
    }

    /// A command that records each run in `count` before running `then`.
    fn counted(count: &Path, then: &str) -> String {
        format!("echo run >> '{}'; {then}", count.display())
    }

    #[tokio::test]
    async fn a_rotated_key_file_is_picked_up_without_restarting() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, "key-one\n").unwrap();
        let resolver = CredentialResolver::new(CredentialSource::ApiKeyFile(path.clone()), AuthOptions::default());
        assert_eq!(key(resolver.resolve().await.unwrap()), "key-one");
        std::fs::write(&path, "  key-rotated\n").unwrap();
        assert_eq!(key(resolver.resolve().await.unwrap()), "key-rotated");
        // Same length: the modification time tells.
        std::fs::write(&path, "key-ROTATED").unwrap();
        let later = SystemTime::now() + Duration::from_secs(5);
        std::fs::File::options().write(true).open(&path).unwrap().set_modified(later).unwrap();
        assert_eq!(key(resolver.resolve().await.unwrap()), "key-ROTATED");

        std::fs::write(&path, " \n").unwrap();
        assert_eq!(resolver.resolve().await, Err(AuthError::EmptyFile { path: path.clone() }));
        let missing = dir.path().join("missing");
        let resolver = CredentialResolver::new(CredentialSource::ApiKeyFile(missing.clone()), AuthOptions::default());
        let error = resolver.resolve().await.unwrap_err();
        assert!(matches!(&error, AuthError::FileUnreadable { path, .. } if *path == missing));
        assert!(error.to_string().contains(&missing.display().to_string()), "{error}");
    }

    #[tokio::test]
    async fn command_output_is_cached_until_the_key_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let count = dir.path().join("count");
        let command = counted(&count, &format!("echo key-$(wc -l < '{}' | tr -d ' ')", count.display()));
        let resolver = CredentialResolver::new(CredentialSource::ApiKeyCommand(command), AuthOptions::default());
        let first = resolver.resolve().await.unwrap();
        assert_eq!(key(first.clone()), "key-1");
        assert_eq!(key(resolver.resolve().await.unwrap()), "key-1");
        assert_eq!(runs(&count), 1);
        resolver.reject(&first);
        let second = resolver.resolve().await.unwrap();
        assert_eq!(key(second.clone()), "key-2");
        // A late 401 for the old key does not throw away the new one.
        resolver.reject(&first);
        assert_eq!(resolver.resolve().await.unwrap(), second);
        resolver.invalidate();
        assert_eq!(key(resolver.resolve().await.unwrap()), "key-3");
        assert_eq!(runs(&count), 3);
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_run_of_the_command() {
        let dir = tempfile::tempdir().unwrap();
        let count = dir.path().join("count");
        let command = counted(&count, r#"sleep 0.3; echo '{"accessToken": "tok", "expires_on": "4102444800"}'"#);
        let resolver =
            Arc::new(CredentialResolver::new(CredentialSource::EntraCommand(command), AuthOptions::default()));
        let mut tasks = JoinSet::new();
        for _ in 0..10 {
            let resolver = Arc::clone(&resolver);
            tasks.spawn(async move { resolver.resolve().await });
        }
        for result in tasks.join_all().await {
            assert_eq!(result, Ok(Credential::Bearer(Secret::new("tok"))));
        }
        assert_eq!(runs(&count), 1);
    }

    #[tokio::test]
    async fn a_token_is_fetched_again_within_the_margin_before_it_expires() {
        let dir = tempfile::tempdir().unwrap();
        let count = dir.path().join("count");
        let expires = UNIX_EPOCH + Duration::from_secs(2_000_000_000);
        let command = counted(&count, r#"echo '{"accessToken": "tok", "expires_on": 2000000000}'"#);
        let now = Arc::new(Mutex::new(expires - Duration::from_secs(600)));
        let options = AuthOptions { expiry_margin: Duration::from_secs(300), ..AuthOptions::default() };
        let resolver = CredentialResolver::new(CredentialSource::EntraCommand(command), options).with_clock({
            let now = Arc::clone(&now);
            move || *now.lock().unwrap()
        });
        resolver.resolve().await.unwrap();
        *now.lock().unwrap() = expires - Duration::from_secs(301);
        resolver.resolve().await.unwrap();
        assert_eq!(runs(&count), 1, "still outside the margin");
        *now.lock().unwrap() = expires - Duration::from_secs(299);
        resolver.resolve().await.unwrap();
        assert_eq!(runs(&count), 2, "within the margin");
        *now.lock().unwrap() = expires - Duration::from_secs(200);
        resolver.resolve().await.unwrap();
        assert_eq!(runs(&count), 2, "a token handed out within the margin is kept for half its life left");
        *now.lock().unwrap() = expires - Duration::from_secs(140);
        resolver.resolve().await.unwrap();
        assert_eq!(runs(&count), 3);
    }

    #[test]
    fn entra_output_in_every_form() {
        let at = |s| Some(UNIX_EPOCH + Duration::from_secs(s));
        let (token, expires) = parse_entra(r#"{"accessToken": "eyJ0", "expires_on": 1700000000}"#).unwrap();
        assert_eq!((token.expose(), expires), ("eyJ0", at(1_700_000_000)));
        let (_, expires) = parse_entra(r#"{"accessToken": "t", "expires_on": "1700000000"}"#).unwrap();
        assert_eq!(expires, at(1_700_000_000));
        // The Azure CLI's local time, alone and next to the exact form.
        let local = r#"{"accessToken": "t", "expiresOn": "2023-11-14 22:13:20.000000", "tokenType": "Bearer"}"#;
        let expected = {
            use chrono::TimeZone;
            let naive = chrono::NaiveDate::from_ymd_opt(2023, 11, 14).unwrap().and_hms_opt(22, 13, 20).unwrap();
            chrono::Local.from_local_datetime(&naive).earliest().map(SystemTime::from)
        };
        assert_eq!(parse_entra(local).unwrap().1, expected);
        let both = r#"{"accessToken": "t", "expiresOn": "2023-11-14 22:13:20.5", "expires_on": 1700000123}"#;
        assert_eq!(parse_entra(both).unwrap().1, at(1_700_000_123), "the exact form wins");
        // A raw token: a JWT tells its expiry, anything else does not.
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDAsImF1ZCI6ImNvZ25pdGl2ZSJ9.c2ln";
        assert_eq!(parse_entra(&format!("{jwt}\n")).unwrap().1, at(1_700_000_000));
        assert_eq!(parse_entra("opaque-token").unwrap().1, None);
        let (_, expires) = parse_entra(r#"{"accessToken": "t", "expires_on": "soon"}"#).unwrap();
        assert_eq!(expires, None);
        for bad in ["", "two words", "{not json", r#"{"expires_on": 1}"#, r#"{"accessToken": " "}"#] {
            assert!(parse_entra(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn errors_name_what_to_fix_and_never_the_secret() {
        let resolve = |command: &str, timeout: u64| {
            let options = AuthOptions { command_timeout: Duration::from_millis(timeout), ..AuthOptions::default() };
            let resolver = CredentialResolver::new(CredentialSource::ApiKeyCommand(command.to_string()), options);
            async move { resolver.resolve().await.unwrap_err() }
        };
        let secret = "sk-live-0123456789abcdefghij";
        let leaky = format!("echo {secret}; echo \"key {secret} was rejected\" >&2; exit 3");
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDB9.c2lnbmF0dXJlc2lnbmF0dXJl";
        let jwt_leak = format!("echo \"bad token {jwt} for /home/me/.azure\" >&2; exit 1");
        let in_command = "SECRET_KEY=hunter2-0123456789abcdef sh -c 'exit 2'";
        for (command, expected) in
            [(leaky.as_str(), "exit status: 3"), (jwt_leak.as_str(), "/home/me/.azure"), (in_command, "exit status: 2")]
        {
            let error = resolve(command, 5000).await;
            assert!(matches!(error, AuthError::CommandFailed { .. }), "{error:?}");
            for printed in [error.to_string(), format!("{error:?}")] {
                for part in ["0123456789abcdef", "eyJleHAi", "hunter2"] {
                    assert!(!printed.contains(part), "{printed}");
                }
                assert!(printed.contains(expected), "{printed}");
            }
        }
        let long = resolve("yes 'error line' | head -c 5000 >&2; exit 1", 5000).await;
        assert!(long.to_string().len() < 600, "{long}");

        let missing = resolve("definitely-not-a-command-xyz --flag", 5000).await;
        assert_eq!(missing, AuthError::CommandNotFound { program: "definitely-not-a-command-xyz".into() });
        assert!(missing.to_string().contains("not found"));
        assert!(matches!(resolve("sleep 5", 200).await, AuthError::CommandTimedOut { .. }));
        assert_eq!(resolve("true", 5000).await, AuthError::EmptyOutput { program: "true".into() });
        let two = resolve("printf 'a\\nb'", 5000).await;
        assert!(matches!(two, AuthError::MalformedOutput { .. }), "{two:?}");

        let names = vec!["DOCWRIGHT_TEST_KEY".to_string(), "AZURE_OPENAI_API_KEY".to_string()];
        let resolver = CredentialResolver::new(CredentialSource::ApiKeyEnv(names.clone()), AuthOptions::default());
        let unset = resolver.with_env(|_| None).resolve().await.unwrap_err();
        assert_eq!(
            unset.to_string(),
            "none of the environment variables DOCWRIGHT_TEST_KEY, AZURE_OPENAI_API_KEY is set"
        );
        let resolver = CredentialResolver::new(CredentialSource::ApiKeyEnv(names), AuthOptions::default())
            .with_env(|name| (name == "AZURE_OPENAI_API_KEY").then(|| format!(" {} ", "k-0123456789abcdef")));
        assert_eq!(key(resolver.resolve().await.unwrap()), "k-0123456789abcdef");

        // Nor in the resolver's or the source's own Debug.
        let command = format!("echo {secret}");
        let resolver = CredentialResolver::new(CredentialSource::EntraCommand(command), AuthOptions::default());
        resolver.resolve().await.unwrap();
        let printed = format!("{resolver:?}");
        assert!(!printed.contains("0123456789abcdef") && printed.contains("echo"), "{printed}");
    }

    #[tokio::test]
    async fn a_stopped_command_takes_what_it_started_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let marker = |name: &str| dir.path().join(name);
        let command = |name: &str| format!("(sleep 1; echo survived > '{}') & wait", marker(name).display());
        let options = AuthOptions { command_timeout: Duration::from_millis(200), ..AuthOptions::default() };
        let timed_out = CredentialResolver::new(CredentialSource::ApiKeyCommand(command("timeout")), options);
        assert!(matches!(timed_out.resolve().await, Err(AuthError::CommandTimedOut { .. })));
        // A caller that stops waiting stops the command too.
        let abandoned = CredentialResolver::new(CredentialSource::EntraCommand(command("dropped")), options);
        assert!(tokio::time::timeout(Duration::from_millis(100), abandoned.resolve()).await.is_err());
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(!marker("timeout").exists() && !marker("dropped").exists());
    }

    #[tokio::test]
    async fn static_sources_need_no_fetch() {
        let resolve = |source| async move { CredentialResolver::new(source, AuthOptions::default()).resolve().await };
        assert_eq!(resolve(CredentialSource::None).await, Ok(Credential::None));
        let token = Secret::new("t");
        assert_eq!(resolve(CredentialSource::Bearer(token.clone())).await, Ok(Credential::Bearer(token.clone())));
        assert_eq!(resolve(CredentialSource::ApiKey(token.clone())).await, Ok(Credential::ApiKey(token)));
    }

    #[test]
    fn scrubbing_keeps_what_helps() {
        let text = scrub("ERROR: Please run 'az login' to setup account. ManagedIdentityCredential failed", "");
        assert_eq!(text, "ERROR: Please run 'az login' to setup account. ManagedIdentityCredential failed");
        assert_eq!(scrub("  key 0123456789abcdef0123456789abcdef invalid \n", ""), "key [redacted] invalid");
        assert_eq!(scrub("échec: ça", ""), "échec: ça", "not ASCII, not cut mid-character");
    }
}
