//! The exchange log: one JSON object per line for every HTTP attempt the
//! client makes (retries included) and every answer the cache gives, for
//! whoever audits what was sent. Off unless asked for.
//!
//! A line holds what went out (the request body, its schema elided to its
//! name) and what came back (status, latency, usage, finish reason, the
//! answer), never a header, a key, a token or a query string. Answers and
//! error messages pass through the same redactor as prompts, and the
//! credential of the attempt is taken out of anything that still holds it.
//!
//! One writer, a whole line per write, in append mode: lines of requests in
//! flight at once never interleave. The file is created readable by its
//! owner only, as prompts hold code. A log that cannot be written never stops
//! the work: the caller says so once, and nothing more is written to it.

use std::borrow::Cow;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use super::client::LlmError;
use super::cost::Usage;
use super::error::parse_error;
use super::provider::{Credential, Provider, host};
use crate::prompt::redact::redact;

/// The environment variable naming the log (relative to the working
/// directory); `model.exchangeLog` names it relative to the project, and
/// `generate --exchange-log` overrides both.
pub const ENV: &str = "DOCWRIGHT_EXCHANGE_LOG";

/// An exchange log open for appending.
pub struct ExchangeLog {
    path: PathBuf,
    /// `None` once a write failed: the failure is said once, then nothing
    /// more is written.
    file: Mutex<Option<File>>,
}

impl std::fmt::Debug for ExchangeLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExchangeLog").field("path", &self.path).finish_non_exhaustive()
    }
}

impl ExchangeLog {
    /// Opens (or creates, owner-only, with its folders) the log at `path`.
    /// The error names the path and the system's reason.
    pub fn open(path: &Path) -> Result<Self, String> {
        let cannot = |e: std::io::Error| format!("the exchange log {} cannot be opened: {e}", path.display());
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(cannot)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path).map_err(cannot)?;
        Ok(ExchangeLog { path: path.to_path_buf(), file: Mutex::new(Some(file)) })
    }

    /// The log `path` names, relative to `root` (the project's directory)
    /// when it is relative; `None` when none is asked for. An error is the
    /// warning to give once: the work goes on without the log.
    pub fn open_in(path: Option<&Path>, root: Option<&Path>) -> Result<Option<Self>, String> {
        let Some(path) = path else { return Ok(None) };
        let path = match root {
            Some(root) => root.join(path),
            None => path.to_path_buf(),
        };
        ExchangeLog::open(&path).map(Some).map_err(|e| format!("{e}; the work goes on without it"))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `line`, with `credential` taken out of it wherever it
    /// appears. An error, given once, says why the log stopped.
    pub fn write(&self, line: &Line<'_>, credential: Option<&Credential>) -> Result<(), String> {
        let mut text = serde_json::to_vec(line).map_err(|e| e.to_string())?;
        if let Some(secret) = credential.and_then(Credential::secret)
            && secret.appears_in_json(&text)
        {
            // Rare (a service echoing the key): every string of the line is
            // cleaned, which keeps the line's shape.
            let mut value: Value = serde_json::from_slice(&text).map_err(|e| e.to_string())?;
            hide(&mut value, &|s: &str| secret.hidden_in(s).into_owned());
            text = serde_json::to_vec(&value).map_err(|e| e.to_string())?;
        }
        text.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(open) = file.as_mut() else { return Ok(()) };
        open.write_all(&text).map_err(|e| {
            *file = None;
            format!("the exchange log {} could not be written: {e}; nothing more is written to it", self.path.display())
        })
    }
}

/// Every string in `value` passed through `clean`.
fn hide(value: &mut Value, clean: &dyn Fn(&str) -> String) {
    match value {
        Value::String(text) => *text = clean(text),
        Value::Array(items) => items.iter_mut().for_each(|item| hide(item, clean)),
        Value::Object(fields) => fields.values_mut().for_each(|field| hide(field, clean)),
        _ => {}
    }
}

/// What an attempt came to: the service's status, headers and body, or why
/// no answer came.
pub type Outcome<B> = Result<(u16, Vec<(String, String)>, B), LlmError>;

/// One id for this process: a CLI run, or a language server session.
pub fn run_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| uuid::Uuid::new_v4().to_string())
}

/// The fields of a line, in the order they are written.
pub const FIELDS: [&str; 19] = [
    "timestamp",
    "run_id",
    "request_id",
    "attempt",
    "cached",
    "provider",
    "host",
    "deployment",
    "api_version",
    "scope",
    "request",
    "status",
    "latency_ms",
    "service_request_id",
    "usage",
    "finish_reason",
    "model",
    "content",
    "error",
];

/// One line of the log, its fields those of `FIELDS`. Every field is always
/// there (`null` where it does not apply), so a line reads the same whatever
/// happened.
#[derive(Debug, Serialize)]
pub struct Line<'a> {
    /// RFC 3339, UTC, milliseconds.
    pub timestamp: String,
    pub run_id: &'static str,
    /// The same on every attempt of one request (and sent to the service as
    /// `x-ms-client-request-id`); a cached answer has its own.
    pub request_id: Cow<'a, str>,
    /// 1 for the first attempt; `null` for a cached answer.
    pub attempt: Option<u32>,
    /// Served from the answer cache: no request was made.
    pub cached: bool,
    /// `azure`, `azure-v1`, `openai` or `local`.
    pub provider: &'static str,
    pub host: &'a str,
    pub deployment: &'a str,
    pub api_version: Option<&'a str>,
    /// The docstring asked for (`path:qualname`, `path:<module>`), when
    /// known.
    pub scope: Option<&'a str>,
    /// The body as sent, the schema elided to its name; `null` for a cached
    /// answer.
    pub request: Option<&'a Value>,
    pub status: Option<u16>,
    pub latency_ms: Option<u64>,
    /// The service's id of the request (`apim-request-id`, `x-request-id`).
    pub service_request_id: Option<&'a str>,
    pub usage: Option<Usage>,
    pub finish_reason: Option<String>,
    /// The model that answered, as the service names it.
    pub model: Option<String>,
    /// The answer's text, redacted.
    pub content: Option<String>,
    pub error: Option<LineError>,
}

/// Why an attempt failed.
#[derive(Debug, Serialize)]
pub struct LineError {
    /// As counted in the run's failures (`rate_limited`, `transport`, ...).
    pub kind: &'static str,
    /// Redacted.
    pub message: String,
}

impl<'a> Line<'a> {
    /// A line about a request to `provider` for `scope`, the rest to be
    /// filled in.
    pub fn about(provider: &'a Provider, request_id: Cow<'a, str>, scope: Option<&'a str>) -> Self {
        let parts = provider.parts();
        Line {
            timestamp: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            run_id: run_id(),
            request_id,
            attempt: None,
            cached: false,
            provider: parts.kind,
            host: host(parts.endpoint),
            deployment: parts.deployment,
            api_version: Some(parts.api_version).filter(|v| !v.is_empty()),
            scope,
            request: None,
            status: None,
            latency_ms: None,
            service_request_id: None,
            usage: None,
            finish_reason: None,
            model: None,
            content: None,
            error: None,
        }
    }

    /// An answer the cache gave for `scope`, with what it cost when asked.
    pub fn cached(provider: &'a Provider, scope: &'a str, content: &str, usage: Usage) -> Self {
        Line {
            cached: true,
            usage: Some(usage),
            content: Some(redacted(content)),
            ..Line::about(provider, Cow::Owned(uuid::Uuid::new_v4().to_string()), Some(scope))
        }
    }

    /// Attempt `attempt` of a request whose body was `request`, answered
    /// (or not) after `latency`.
    pub fn attempt(mut self, attempt: u32, request: Option<&'a Value>, latency: Duration) -> Self {
        self.attempt = Some(attempt);
        self.request = request;
        self.latency_ms = Some(u64::try_from(latency.as_millis()).unwrap_or(u64::MAX));
        self
    }

    /// What came of the attempt: the service's status, headers and body, or
    /// no answer.
    pub fn outcome<B: AsRef<[u8]>>(self, outcome: &'a Outcome<B>) -> Self {
        match outcome {
            Ok((status, headers, body)) if (200..300).contains(status) => {
                self.answered(*status, headers, body.as_ref())
            }
            Ok((status, headers, body)) => {
                let error = LlmError::Service(Box::new(parse_error(*status, body.as_ref())));
                self.answered(*status, headers, body.as_ref()).failed(error.kind(), &error.to_string())
            }
            Err(error) => self.failed(error.kind(), &error.to_string()),
        }
    }

    /// The service's answer: its status, its id and, when it is a chat
    /// answer, what it says.
    fn answered(mut self, status: u16, headers: &'a [(String, String)], body: &[u8]) -> Self {
        self.status = Some(status);
        self.service_request_id = ["apim-request-id", "x-request-id"]
            .iter()
            .find_map(|name| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()));
        if !(200..300).contains(&status) {
            return self;
        }
        match serde_json::from_slice::<Answered>(body) {
            Err(error) => self.failed("malformed", &format!("the answer is not a JSON chat answer ({error})")),
            Ok(answer) => self.answer(answer),
        }
    }

    /// What a chat answer says: its text (content, a tool call's arguments,
    /// or a refusal), why it finished, its usage and model.
    fn answer(mut self, answer: Answered) -> Self {
        let choice = answer.choices.into_iter().next().unwrap_or_default();
        let message = choice.message;
        let text = message
            .tool_calls
            .and_then(|calls| calls.into_iter().next())
            .map(|call| call.function.arguments)
            .or(message.content)
            .or(message.refusal);
        self.usage = answer.usage.map(|u| u.usage());
        self.finish_reason = choice.finish_reason;
        self.model = answer.model;
        self.content = text.as_deref().map(redacted);
        self
    }

    /// The attempt failed with `error` (of kind `kind`).
    fn failed(mut self, kind: &'static str, message: &str) -> Self {
        self.error = Some(LineError { kind, message: redacted(message) });
        self
    }
}

fn redacted(text: &str) -> String {
    redact(text).0.into_owned()
}

/// A request body for the log: as sent, with the schema (the same in every
/// request, and long) standing as its name.
pub fn request_summary(body: &Value) -> Value {
    let mut body = body.clone();
    if let Some(format) = body.pointer_mut("/response_format/json_schema").and_then(Value::as_object_mut) {
        format.remove("schema");
    }
    for tool in body.get_mut("tools").and_then(Value::as_array_mut).into_iter().flatten() {
        if let Some(function) = tool.get_mut("function").and_then(Value::as_object_mut) {
            function.remove("parameters");
        }
    }
    body
}

/// What the log reads of a chat answer: leniently, as anything may be
/// missing.
#[derive(Default, serde::Deserialize)]
#[serde(default)]
struct Answered {
    model: Option<String>,
    choices: Vec<AnsweredChoice>,
    usage: Option<super::response::WireUsage>,
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
struct AnsweredChoice {
    finish_reason: Option<String>,
    message: super::response::Message,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::Secret;
    use serde_json::json;

    fn provider() -> Provider {
        Provider::AzureClassic {
            endpoint: "https://user:pw@res.openai.azure.com/".into(),
            deployment: "docgen".into(),
            api_version: "2024-10-21".into(),
        }
    }

    /// A log in a folder of its own, named `name`.
    fn opened(name: &str) -> (tempfile::TempDir, PathBuf, ExchangeLog) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        let log = ExchangeLog::open(&path).unwrap();
        (dir, path, log)
    }

    fn lines(path: &Path) -> Vec<Value> {
        std::fs::read_to_string(path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    #[test]
    fn an_attempt_is_one_line_with_every_field() {
        let (_dir, path, log) = opened("logs/exchanges.jsonl");
        let provider = provider();
        let schema = json!({"type": "object", "properties": {"summary": {"type": "string"}}});
        let body = json!({"messages": [{"role": "user", "content": "def f(): pass"}], "temperature": 0, "seed": 0,
            "max_completion_tokens": 1024,
            "response_format": {"type": "json_schema", "json_schema": {"name": "python_docstring", "strict": true,
                "schema": schema}}});
        let request = request_summary(&body);
        let answer = json!({"model": "gpt-4o-2024-11-20", "choices": [{"finish_reason": "stop",
            "message": {"content": "{\"summary\": \"Uses AKIAIOSFODNN7EXAMPLE.\"}"}}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 5}});
        let headers = vec![("apim-request-id".to_string(), "svc-1".to_string())];
        let answered = Ok((200, headers, answer.to_string().into_bytes()));
        let line = Line::about(&provider, Cow::Borrowed("req-1"), Some("/p/m.py:f"))
            .attempt(2, Some(&request), Duration::from_millis(42))
            .outcome(&answered);
        log.write(&line, None).unwrap();
        let unanswered: Result<(u16, _, Vec<u8>), _> =
            Err(LlmError::Transport { url: "https://r/x".into(), detail: "reset by password = 'hunter2'".into() });
        let line = Line::about(&provider, Cow::Borrowed("req-2"), None).attempt(1, None, Duration::ZERO);
        log.write(&line.outcome(&unanswered), None).unwrap();
        let refused = Ok((429, Vec::new(), br#"{"error":{"code":"429","message":"Rate limit."}}"#.to_vec()));
        let line = Line::about(&provider, Cow::Borrowed("req-3"), None).attempt(1, None, Duration::ZERO);
        log.write(&line.outcome(&refused), None).unwrap();
        let not_json = Ok((200, Vec::new(), b"<html>".to_vec()));
        let line = Line::about(&provider, Cow::Borrowed("req-4"), None).attempt(1, None, Duration::ZERO);
        log.write(&line.outcome(&not_json), None).unwrap();
        let written = lines(&path);
        assert_eq!(written.len(), 4);
        let first = &written[0];
        let keys: Vec<&str> = first.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, FIELDS, "every field, in order");
        let timestamp = first["timestamp"].as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(timestamp).is_ok() && timestamp.ends_with('Z'), "{timestamp}");
        assert_eq!(first["run_id"], run_id());
        assert_eq!((first["request_id"].as_str(), first["attempt"].as_u64()), (Some("req-1"), Some(2)));
        assert_eq!(first["cached"], false);
        assert_eq!((first["provider"].as_str(), first["host"].as_str()), (Some("azure"), Some("res.openai.azure.com")));
        assert_eq!((first["deployment"].as_str(), first["api_version"].as_str()), (Some("docgen"), Some("2024-10-21")));
        assert_eq!(first["scope"], "/p/m.py:f");
        assert_eq!(first["request"]["messages"][0]["content"], "def f(): pass");
        assert_eq!(first["request"]["response_format"]["json_schema"]["name"], "python_docstring");
        assert_eq!(first["request"]["response_format"]["json_schema"].get("schema"), None, "the schema is elided");
        assert_eq!(first["request"]["temperature"], 0);
        assert_eq!((first["status"].as_u64(), first["latency_ms"].as_u64()), (Some(200), Some(42)));
        assert_eq!(first["service_request_id"], "svc-1");
        assert_eq!(first["usage"]["prompt_tokens"], 12);
        assert_eq!(
            (first["finish_reason"].as_str(), first["model"].as_str()),
            (Some("stop"), Some("gpt-4o-2024-11-20"))
        );
        assert_eq!(first["content"], "{\"summary\": \"Uses <redacted>.\"}", "the answer is redacted");
        assert_eq!(first["error"], Value::Null);
        let second = &written[1];
        assert_eq!((second["status"].clone(), second["usage"].clone()), (Value::Null, Value::Null));
        assert_eq!(second["error"]["kind"], "transport");
        assert_eq!(
            second["error"]["message"],
            "could not get an answer from https://r/x: reset by password = '<redacted>'"
        );
        assert_eq!(second["run_id"], first["run_id"], "one run id for the process");
        let refused = &written[2];
        assert_eq!((refused["status"].as_u64(), refused["error"]["kind"].as_str()), (Some(429), Some("rate_limited")));
        assert!(refused["error"]["message"].as_str().unwrap().starts_with("Rate limit."), "{refused}");
        assert_eq!(refused["content"], Value::Null);
        let not_json = &written[3];
        assert_eq!((not_json["status"].as_u64(), not_json["error"]["kind"].as_str()), (Some(200), Some("malformed")));
    }

    #[test]
    fn a_cached_answer_is_a_line_without_a_request() {
        let (_dir, path, log) = opened("x.jsonl");
        let provider = provider();
        let usage = Usage { prompt_tokens: 7, completion_tokens: 3, ..Usage::default() };
        log.write(&Line::cached(&provider, "/p/shapes.py:clamp", "{\"summary\": \"S.\"}", usage), None).unwrap();
        let line = &lines(&path)[0];
        assert_eq!(line["cached"], true);
        assert_eq!(line["scope"], "/p/shapes.py:clamp");
        assert_eq!((line["attempt"].clone(), line["request"].clone()), (Value::Null, Value::Null));
        assert_eq!((line["status"].clone(), line["latency_ms"].clone()), (Value::Null, Value::Null));
        assert_eq!(line["usage"]["completion_tokens"], 3);
        assert_eq!(line["content"], "{\"summary\": \"S.\"}");
        assert_eq!(line["request_id"].as_str().map(str::len), Some(36), "a uuid");
    }

    #[test]
    fn the_credential_never_reaches_the_file() {
        let (_dir, path, log) = opened("x.jsonl");
        let provider = provider();
        let key = Credential::ApiKey(Secret::new("0123abcd-key\"q"));
        let body = json!({"messages": [{"role": "user", "content": "key 0123abcd-key\"q"}]});
        let line = Line::about(&provider, Cow::Borrowed("r"), None)
            .attempt(1, Some(&body), Duration::ZERO)
            .failed("auth", "Incorrect API key provided: 0123abcd-key\"q.");
        log.write(&line, Some(&key)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("0123abcd-key"), "{text}");
        let line: Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(line["error"]["message"], "Incorrect API key provided: [redacted].");
        assert_eq!(line["request"]["messages"][0]["content"], "key [redacted]");
        assert_eq!(line["request"]["messages"][0]["role"], "user", "the line keeps its shape");
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_its_owners_only_and_appended_to() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jsonl");
        let provider = provider();
        for _ in 0..2 {
            let log = ExchangeLog::open(&path).unwrap();
            log.write(&Line::cached(&provider, "s", "{}", Usage::default()), None).unwrap();
        }
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(lines(&path).len(), 2, "a second opening appends");
    }

    #[test]
    fn a_log_that_cannot_be_opened_names_the_path_and_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("file"), "").unwrap();
        let error = ExchangeLog::open_in(Some(Path::new("file/x.jsonl")), Some(dir.path())).unwrap_err();
        assert!(error.starts_with(&format!("the exchange log {}", dir.path().join("file").display())), "{error}");
        assert!(error.contains("ot a directory") || error.contains("exists"), "{error}");
        assert!(ExchangeLog::open_in(None, Some(dir.path())).unwrap().is_none());
        let log = ExchangeLog::open_in(Some(Path::new("sub/x.jsonl")), Some(dir.path())).unwrap().unwrap();
        assert_eq!(log.path(), dir.path().join("sub/x.jsonl"), "relative to the project");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_failed_write_is_said_once() {
        let log = ExchangeLog::open(Path::new("/dev/full")).unwrap();
        let provider = provider();
        let line = Line::cached(&provider, "s", "{}", Usage::default());
        let error = log.write(&line, None).unwrap_err();
        assert!(error.contains("/dev/full could not be written"), "{error}");
        assert_eq!(log.write(&line, None), Ok(()), "said once; nothing more is written");
    }

    #[test]
    fn tools_lose_their_schema_too() {
        let body = json!({"tools": [{"type": "function", "function": {"name": "python_docstring",
            "parameters": {"type": "object"}}}], "tool_choice": {"type": "function"}});
        let summary = request_summary(&body);
        assert_eq!(summary["tools"][0]["function"], json!({"name": "python_docstring"}));
        assert_eq!(summary["tool_choice"], body["tool_choice"]);
    }
}
