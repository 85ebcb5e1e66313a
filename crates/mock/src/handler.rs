//! Request handling: routing, auth, faults, limiter, validation and answers, independent of the HTTP stack.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::config::{AnswerContext, Deployment, MockConfig};
use crate::fault::{Fault, RetryAfter, ScriptedFault, find_marker};
use crate::journal::{Credential, Entry, REDACTED, fingerprint};
use crate::limiter::{Limiter, Limits, Remaining};
use crate::schema::{self, Filler};
use crate::tokens::{content_text, count_messages, count_text};
use crate::wire;

/// Reasoning deployments report this many hidden reasoning tokens per answer.
const REASONING_TOKENS: u64 = 64;

pub(crate) struct State {
    pub config: MockConfig,
    pub faults: VecDeque<ScriptedFault>,
    pub journal: Vec<Entry>,
    pub limiter: Limiter,
}

pub(crate) struct Shared {
    pub start: Instant,
    salt: u128,
    seq: AtomicU64,
    state: Mutex<State>,
}

impl Shared {
    pub(crate) fn new(config: MockConfig) -> Self {
        let start = Instant::now();
        let salt = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        Shared {
            start,
            salt,
            seq: AtomicU64::new(0),
            state: Mutex::new(State {
                config,
                faults: VecDeque::new(),
                journal: Vec::new(),
                limiter: Limiter::new(start),
            }),
        }
    }

    /// The state lock; a panic elsewhere must not wedge the server, so poisoning is ignored.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A request as read off the wire.
pub(crate) struct Request {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn query_param(&self, name: &str) -> Option<&str> {
        self.query.as_deref()?.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k == name).then_some(v)
        })
    }
}

/// How the response goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    Normal,
    Hang,
    Close,
    ResetMidBody,
}

pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
    pub delivery: Delivery,
}

impl Reply {
    fn json(status: u16, body: &Value) -> Self {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: serde_json::to_vec(body).unwrap_or_default(),
            delay: Duration::ZERO,
            delivery: Delivery::Normal,
        }
    }
    fn text(status: u16, content_type: &str, body: String) -> Self {
        Reply {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into_bytes(),
            delay: Duration::ZERO,
            delivery: Delivery::Normal,
        }
    }
    fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Surface {
    Classic,
    V1,
    OpenAi,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Chat,
    Embeddings,
}

fn parse_path(path: &str) -> Option<(Surface, Op, Option<&str>)> {
    let op = |s: &str| match s {
        "chat/completions" => Some(Op::Chat),
        "embeddings" => Some(Op::Embeddings),
        _ => None,
    };
    if let Some(rest) = path.strip_prefix("/openai/deployments/") {
        let (dep, tail) = rest.split_once('/')?;
        return (!dep.is_empty()).then_some((Surface::Classic, op(tail)?, Some(dep)));
    }
    if let Some(tail) = path.strip_prefix("/openai/v1/") {
        return Some((Surface::V1, op(tail)?, None));
    }
    let tail = path.strip_prefix("/v1/")?;
    Some((Surface::OpenAi, op(tail)?, None))
}

/// What the journal records besides the request itself.
#[derive(Default)]
struct Record {
    deployment: Option<String>,
    credential: Option<Credential>,
    fault: Option<String>,
}

/// Handles one API or control request.
pub(crate) fn handle(shared: &Shared, req: Request) -> Reply {
    let at = Instant::now();
    if req.path.starts_with("/_mock/") {
        return control(shared, &req);
    }
    let seq = shared.seq.fetch_add(1, Ordering::Relaxed);
    let body: Option<Value> = serde_json::from_slice(&req.body).ok();
    let config = shared.lock().config.clone();
    let mut rec = Record::default();
    let request_id = uuid_like(shared.salt, seq);
    let mut reply = api(shared, &config, &req, body.as_ref(), at, &mut rec, &request_id);
    reply.headers.push(("apim-request-id".into(), request_id.clone()));
    reply.headers.push(("x-request-id".into(), request_id));
    reply.headers.push(("x-ms-region".into(), config.region.clone()));
    if let Some(id) = req.header("x-ms-client-request-id") {
        reply.headers.push(("x-ms-client-request-id".into(), id.to_string()));
    }
    let headers = req
        .headers
        .iter()
        .map(|(n, v)| {
            let n = n.to_ascii_lowercase();
            let v = if n == "api-key" || n == "authorization" { REDACTED.to_string() } else { v.clone() };
            (n, v)
        })
        .collect();
    let entry = Entry {
        seq,
        at,
        ms_since_start: at.saturating_duration_since(shared.start).as_secs_f64() * 1000.0,
        method: req.method.clone(),
        path: req.path.clone(),
        query: req.query.clone(),
        headers,
        credential: rec.credential,
        body,
        deployment: rec.deployment,
        status: matches!(reply.delivery, Delivery::Normal | Delivery::ResetMidBody).then_some(reply.status),
        fault: rec.fault,
    };
    shared.lock().journal.push(entry);
    reply
}

fn uuid_like(salt: u128, seq: u64) -> String {
    let h = Sha256::new().chain_update(salt.to_le_bytes()).chain_update(seq.to_le_bytes()).finalize();
    let hex: String = h.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

fn hex_digest(parts: &[&[u8]], len: usize) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect::<String>()[..len].to_string()
}

fn not_found() -> Reply {
    Reply::json(404, &wire::azure_error("404", wire::RESOURCE_NOT_FOUND))
}

fn bad_request(message: &str, param: Option<&str>, code: Option<&str>) -> Reply {
    Reply::json(400, &wire::invalid_request(message, param, code))
}

fn limits(config: &MockConfig, d: &Deployment) -> Limits {
    Limits { rpm: d.rpm, tpm: d.tpm, rpm_window: config.rpm_window, tpm_window: config.tpm_window }
}

fn with_remaining(mut reply: Reply, r: Remaining) -> Reply {
    if let Some(n) = r.requests {
        reply.headers.push(("x-ratelimit-remaining-requests".into(), n.to_string()));
    }
    if let Some(n) = r.tokens {
        reply.headers.push(("x-ratelimit-remaining-tokens".into(), n.to_string()));
    }
    reply
}

fn api(
    shared: &Shared,
    config: &MockConfig,
    req: &Request,
    body: Option<&Value>,
    at: Instant,
    rec: &mut Record,
    request_id: &str,
) -> Reply {
    let Some((surface, op, path_dep)) = parse_path(&req.path) else { return not_found() };
    if req.method != "POST" {
        return not_found();
    }
    let version = req.query_param("api-version");
    match surface {
        Surface::Classic => match version {
            None => return not_found(),
            Some(v) if !config.api_versions.iter().any(|a| a == v) => {
                return Reply::json(400, &wire::azure_error("BadRequest", "API version not supported"));
            }
            _ => {}
        },
        Surface::V1 => {
            if let Some(v) = version
                && !(v == "v1" || v == "preview" || config.api_versions.iter().any(|a| a == v))
            {
                return Reply::json(400, &wire::azure_error("BadRequest", "API version not supported"));
            }
        }
        Surface::OpenAi => {}
    }
    let version = version.unwrap_or("v1");

    // Peek the limiter so even gateway errors carry the remaining counts when the deployment is known.
    let path_remaining = path_dep.and_then(|name| {
        let d = config.deployments.get(name)?;
        Some(shared.lock().limiter.peek(name, &limits(config, d), at))
    });
    let gateway = |reply: Reply| match path_remaining {
        Some(r) => with_remaining(reply, r),
        None => reply,
    };

    if let Some(reply) = authenticate(config, req, surface, rec) {
        return gateway(reply);
    }

    let Some(body) = body.filter(|b| b.is_object()) else {
        return gateway(bad_request(
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
            None,
            None,
        ));
    };

    let name = match path_dep {
        Some(d) => d.to_string(),
        None => match body.get("model").and_then(Value::as_str) {
            Some(m) => m.to_string(),
            None => return bad_request("you must provide a model parameter", None, None),
        },
    };
    let found = config.deployments.get_key_value(&name).or_else(|| {
        // OpenAI mode addresses models rather than deployments.
        (surface == Surface::OpenAi).then(|| config.deployments.iter().find(|(_, d)| d.model == name)).flatten()
    });
    let Some((name, dep)) = found else {
        return if surface == Surface::OpenAi {
            Reply::json(
                404,
                &wire::invalid_request(
                    &format!("The model `{name}` does not exist or you do not have access to it."),
                    None,
                    Some("model_not_found"),
                ),
            )
        } else {
            Reply::json(404, &wire::deployment_not_found())
        };
    };
    rec.deployment = Some(name.clone());
    let lim = limits(config, dep);
    let remaining = shared.lock().limiter.peek(name, &lim, at);

    if (op == Op::Chat) == dep.embeddings {
        let operation = if op == Op::Chat { "chatCompletion" } else { "embeddings" };
        return with_remaining(
            Reply::json(
                400,
                &wire::azure_error(
                    "OperationNotSupported",
                    &format!(
                        "The {operation} operation does not work with the specified model, {}. Please choose different model and try again. You can learn more about which models can be used with each operation here: https://go.microsoft.com/fwlink/?linkid=2197993.",
                        dep.model
                    ),
                ),
            ),
            remaining,
        );
    }

    let fault = take_fault(shared, name).or_else(|| find_marker(&all_text(body)));
    if let Some(f) = &fault {
        rec.fault = Some(f.fault.to_string());
    }
    let retry_header = fault.as_ref().and_then(|f| f.should_retry);
    let should_retry = |reply: Reply| match retry_header {
        Some(b) => reply.header("x-should-retry", b.to_string()),
        None => reply,
    };
    let operation = if op == Op::Chat { "ChatCompletions_Create" } else { "Embeddings_Create" };
    if let Some(f) = fault.as_ref().filter(|f| f.fault.short_circuits()) {
        return should_retry(fault_reply(&f.fault, operation, version, request_id, remaining));
    }
    let post_fault = fault.map(|f| f.fault);

    let reply = match op {
        Op::Chat => chat(shared, config, name, dep, body, surface, post_fault.as_ref(), at, operation, version),
        Op::Embeddings => embeddings(shared, config, name, dep, body, post_fault.as_ref(), at, operation, version),
    };
    should_retry(reply)
}

fn authenticate(config: &MockConfig, req: &Request, surface: Surface, rec: &mut Record) -> Option<Reply> {
    let unauthorized_key = || {
        if surface == Surface::OpenAi {
            Reply::json(
                401,
                &wire::invalid_request(
                    "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
                    None,
                    Some("invalid_api_key"),
                ),
            )
        } else {
            Reply::json(401, &wire::azure_error("401", wire::BAD_KEY))
        }
    };
    let position = |list: &[String], v: &str| list.iter().position(|k| k == v);
    if let Some(key) = req.header("api-key") {
        let matched = position(&config.api_keys, key).map(|i| format!("key#{i}"));
        rec.credential = Some(Credential { kind: "api-key", fingerprint: fingerprint(key), matched: matched.clone() });
        return matched.is_none().then(unauthorized_key);
    }
    let Some(auth) = req.header("authorization") else {
        return Some(if surface == Surface::OpenAi {
            Reply::json(
                401,
                &wire::invalid_request(
                    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                    None,
                    None,
                ),
            )
        } else {
            unauthorized_key()
        });
    };
    let token = auth.strip_prefix("Bearer ").or_else(|| auth.strip_prefix("bearer ")).unwrap_or("").trim();
    let as_token = position(&config.tokens, token);
    // The v1 and OpenAI surfaces also take the resource key as a bearer value.
    let as_key = (surface != Surface::Classic).then(|| position(&config.api_keys, token)).flatten();
    let matched = as_token.map(|i| format!("token#{i}")).or_else(|| as_key.map(|i| format!("key#{i}")));
    rec.credential = Some(Credential { kind: "bearer", fingerprint: fingerprint(token), matched: matched.clone() });
    if as_token.is_some() {
        if config.expired_tokens.iter().any(|t| t == token) {
            return Some(Reply::json(401, &wire::apim_unauthorized()));
        }
        if config.no_role_tokens.iter().any(|t| t == token) {
            return Some(Reply::json(401, &wire::permission_denied()));
        }
        return None;
    }
    if as_key.is_some() {
        return None;
    }
    Some(if surface == Surface::OpenAi { unauthorized_key() } else { Reply::json(401, &wire::apim_unauthorized()) })
}

fn take_fault(shared: &Shared, deployment: &str) -> Option<ScriptedFault> {
    let mut st = shared.lock();
    let at = st.faults.iter().position(|f| f.deployment.as_deref().is_none_or(|d| d == deployment))?;
    st.faults.remove(at)
}

/// All message text of a chat request, or the input of an embeddings request, for marker search.
fn all_text(body: &Value) -> String {
    let mut out = String::new();
    if let Some(messages) = body.get("messages").and_then(Value::as_array) {
        for m in messages {
            if let Some(c) = m.get("content") {
                out.push_str(&content_text(c));
                out.push('\n');
            }
        }
    }
    match body.get("input") {
        Some(Value::String(s)) => out.push_str(s),
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).for_each(|s| {
            out.push_str(s);
            out.push('\n');
        }),
        _ => {}
    }
    out
}

fn retry_header_value(r: &RetryAfter) -> String {
    match r {
        RetryAfter::Seconds(n) => n.to_string(),
        RetryAfter::HttpDate(secs) => httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(*secs)),
    }
}

fn fault_reply(fault: &Fault, operation: &str, version: &str, request_id: &str, remaining: Remaining) -> Reply {
    let reply = match fault {
        Fault::RateLimited(r) => {
            let secs = match (&r.retry_after, r.retry_after_ms) {
                (Some(RetryAfter::Seconds(n)), _) => *n,
                (Some(RetryAfter::HttpDate(n)), _) => *n as i64,
                (None, Some(ms)) => ms.saturating_add(999).div_euclid(1000),
                (None, None) => r.message_secs.unwrap_or(1),
            };
            let message = if r.high_demand {
                wire::high_demand_message(secs)
            } else {
                wire::rate_limit_message(operation, version, true, secs)
            };
            let code = if r.integer_code { json!(429) } else { json!("429") };
            let mut reply = Reply::json(429, &wire::azure_error(code, &message));
            if let Some(ra) = &r.retry_after {
                reply = reply.header("retry-after", retry_header_value(ra));
            }
            if let Some(ms) = r.retry_after_ms {
                reply = reply.header("retry-after-ms", ms.to_string());
            }
            reply
        }
        Fault::InsufficientQuota => Reply::json(429, &wire::insufficient_quota()),
        Fault::ServerError => Reply::json(500, &wire::server_error(request_id)),
        Fault::Status(s) => Reply::json(*s, &wire::status_error(*s)),
        Fault::Html(s) => Reply::text(*s, "text/html; charset=utf-8", wire::html_page(*s)),
        Fault::Firewall => Reply::json(403, &wire::firewall()).header("policy-id", "ThrowExceptionDueToTrafficDenied"),
        Fault::PermissionDenied => Reply::json(401, &wire::permission_denied()),
        Fault::ContentFilterInput => Reply::json(400, &wire::input_filtered()),
        Fault::Hang => Reply { delivery: Delivery::Hang, ..Reply::json(200, &Value::Null) },
        Fault::Close => Reply { delivery: Delivery::Close, ..Reply::json(200, &Value::Null) },
        // Answer-shaping faults never get here.
        _ => Reply::json(500, &wire::server_error(request_id)),
    };
    with_remaining(reply, remaining)
}

fn rate_limited(refused: crate::limiter::Refused, operation: &str, version: &str) -> Reply {
    let ms = refused.wait.as_nanos().div_ceil(1_000_000) as i64;
    let secs = refused.wait.as_nanos().div_ceil(1_000_000_000) as i64;
    let message = wire::rate_limit_message(operation, version, refused.tokens, secs);
    with_remaining(
        Reply::json(429, &wire::azure_error("429", &message))
            .header("retry-after", secs.to_string())
            .header("retry-after-ms", ms.to_string()),
        refused.remaining,
    )
}

/// The answer mode of a chat request.
enum Mode {
    Text,
    JsonObject,
    JsonSchema { schema: Option<Value> },
    Tool { name: String, schema: Value, named: bool },
}

#[allow(clippy::too_many_arguments)]
fn chat(
    shared: &Shared,
    config: &MockConfig,
    name: &str,
    dep: &Deployment,
    body: &Value,
    surface: Surface,
    fault: Option<&Fault>,
    at: Instant,
    operation: &str,
    version: &str,
) -> Reply {
    let lim = limits(config, dep);
    let remaining_now = || shared.lock().limiter.peek(name, &lim, at);
    let fail = |reply: Reply| with_remaining(reply, remaining_now());

    let messages = match body.get("messages") {
        None => {
            return fail(bad_request(
                "Missing required parameter: 'messages'.",
                Some("messages"),
                Some("missing_required_parameter"),
            ));
        }
        Some(Value::Array(m)) if m.is_empty() => {
            return fail(bad_request(
                "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
                Some("messages"),
                Some("empty_array"),
            ));
        }
        Some(Value::Array(m)) => m,
        Some(_) => {
            return fail(bad_request(
                "Invalid type for 'messages': expected an array of objects, but got a value instead.",
                Some("messages"),
                Some("invalid_type"),
            ));
        }
    };
    for (i, m) in messages.iter().enumerate() {
        let role = m.get("role").and_then(Value::as_str);
        let ok = ["system", "developer", "user", "assistant", "tool", "function"];
        match role {
            Some(r) if ok.contains(&r) => {}
            Some(r) => {
                return fail(bad_request(
                    &format!(
                        "Invalid value: '{r}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'."
                    ),
                    Some(&format!("messages[{i}].role")),
                    Some("invalid_value"),
                ));
            }
            None => {
                return fail(bad_request(
                    &format!("Missing required parameter: 'messages[{i}].role'."),
                    Some(&format!("messages[{i}].role")),
                    Some("missing_required_parameter"),
                ));
            }
        }
    }

    let mut limit = None;
    for field in ["max_tokens", "max_completion_tokens"] {
        match body.get(field) {
            None | Some(Value::Null) => {}
            Some(v) => match v.as_u64().filter(|n| *n >= 1) {
                Some(n) => limit = limit.or(Some(n)),
                None => {
                    return fail(bad_request(
                        &format!("Invalid '{field}': expected an integer greater than or equal to 1."),
                        Some(field),
                        Some("invalid_value"),
                    ));
                }
            },
        }
    }
    // max_completion_tokens wins when both are sent.
    if let Some(n) = body.get("max_completion_tokens").and_then(Value::as_u64).filter(|n| *n >= 1) {
        limit = Some(n);
    }

    let prompt_tokens = count_messages(dep.family, messages);
    let charge = prompt_tokens.saturating_add(limit.unwrap_or(0));
    let remaining = match shared.lock().limiter.charge(name, &lim, charge, config.enforce_limits, at) {
        Ok(r) => r,
        Err(refused) => return rate_limited(refused, operation, version),
    };
    let fail = |reply: Reply| with_remaining(reply, remaining);

    if dep.reasoning {
        if body.get("max_tokens").is_some_and(|v| !v.is_null()) {
            return fail(bad_request(
                "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
                Some("max_tokens"),
                Some("unsupported_parameter"),
            ));
        }
        for p in ["temperature", "top_p"] {
            if let Some(v) = body.get(p).filter(|v| !v.is_null())
                && v.as_f64() != Some(1.0)
            {
                return fail(bad_request(
                    &format!(
                        "Unsupported value: '{p}' does not support {v} with this model. Only the default (1) value is supported."
                    ),
                    Some(p),
                    Some("unsupported_value"),
                ));
            }
        }
    }

    let mode = match request_mode(dep, body, messages, fault) {
        Ok(m) => m,
        Err(reply) => return fail(reply),
    };

    if charge > dep.context_window {
        let message = match limit {
            Some(c) => format!(
                "This model's maximum context length is {} tokens. However, you requested {} tokens ({prompt_tokens} in the messages, {c} in the completion). Please reduce the length of the messages or completion.",
                dep.context_window,
                prompt_tokens.saturating_add(c)
            ),
            None => format!(
                "This model's maximum context length is {} tokens. However, your messages resulted in {prompt_tokens} tokens. Please reduce the length of the messages.",
                dep.context_window
            ),
        };
        return fail(bad_request(&message, Some("messages"), Some("context_length_exceeded")));
    }

    let reply = answer(config, name, dep, body, messages, surface, &mode, fault, prompt_tokens, limit);
    let mut reply = with_remaining(reply, remaining);
    reply.delay = reply.delay.saturating_add(config.latency);
    reply
}

/// Reads `response_format`, `tools` and `tool_choice`, rejecting what the deployment or the strict rules refuse.
fn request_mode(dep: &Deployment, body: &Value, messages: &[Value], fault: Option<&Fault>) -> Result<Mode, Reply> {
    let unsupported = |what: &str| {
        bad_request(
            &format!("Invalid parameter: 'response_format' of type '{what}' is not supported with this model."),
            Some("response_format"),
            None,
        )
    };
    let mut mode = Mode::Text;
    if let Some(rf) = body.get("response_format").filter(|v| !v.is_null()) {
        match rf.get("type").and_then(Value::as_str) {
            Some("text") => {}
            Some("json_object") => {
                if !dep.supports_json_object {
                    return Err(unsupported("json_object"));
                }
                let mentions_json = messages
                    .iter()
                    .any(|m| m.get("content").is_some_and(|c| content_text(c).to_ascii_lowercase().contains("json")));
                if !mentions_json {
                    return Err(bad_request(
                        "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
                        Some("messages"),
                        None,
                    ));
                }
                mode = Mode::JsonObject;
            }
            Some("json_schema") => {
                if !dep.supports_json_schema {
                    return Err(unsupported("json_schema"));
                }
                let Some(js) = rf.get("json_schema").filter(|v| v.is_object()) else {
                    return Err(bad_request(
                        "Missing required parameter: 'response_format.json_schema'.",
                        Some("response_format.json_schema"),
                        Some("missing_required_parameter"),
                    ));
                };
                let Some(name) = js.get("name").and_then(Value::as_str) else {
                    return Err(bad_request(
                        "Missing required parameter: 'response_format.json_schema.name'.",
                        Some("response_format.json_schema.name"),
                        Some("missing_required_parameter"),
                    ));
                };
                if !schema::valid_name(name) {
                    return Err(bad_request(
                        &format!(
                            "Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'. Got '{name}'."
                        ),
                        Some("response_format.json_schema.name"),
                        Some("invalid_value"),
                    ));
                }
                let schema = js.get("schema").cloned();
                if js.get("strict").and_then(Value::as_bool) == Some(true) {
                    let checked = schema.as_ref().map_or_else(
                        || Err("schema must be a JSON Schema of 'type: \"object\"', got 'type: \"None\"'.".to_string()),
                        schema::check_strict,
                    );
                    if let Err(e) = checked {
                        return Err(bad_request(
                            &format!("Invalid schema for response_format '{name}': {e}"),
                            Some("response_format"),
                            None,
                        ));
                    }
                }
                mode = Mode::JsonSchema { schema };
            }
            other => {
                let got = other.unwrap_or("null");
                return Err(bad_request(
                    &format!("Invalid value: '{got}'. Supported values are: 'json_object', 'json_schema', and 'text'."),
                    Some("response_format.type"),
                    Some("invalid_value"),
                ));
            }
        }
    }

    let tools = match body.get("tools") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(t)) => t.as_slice(),
        Some(_) => {
            return Err(bad_request(
                "Invalid type for 'tools': expected an array.",
                Some("tools"),
                Some("invalid_type"),
            ));
        }
    };
    if tools.is_empty() {
        return Ok(mode);
    }
    if !dep.supports_tools {
        return Err(bad_request("Unrecognized request argument supplied: tools", None, None));
    }
    if tools.len() > 128 {
        return Err(bad_request(
            &format!(
                "Invalid 'tools': array too long. Expected an array with maximum length 128, but got an array with length {} instead.",
                tools.len()
            ),
            Some("tools"),
            Some("array_above_max_length"),
        ));
    }
    let mut functions = Vec::new();
    for (i, t) in tools.iter().enumerate() {
        let f = t.get("function");
        let fname = f.and_then(|f| f.get("name")).and_then(Value::as_str);
        let Some(fname) = fname.filter(|n| schema::valid_name(n)) else {
            return Err(bad_request(
                &format!("Invalid 'tools[{i}].function.name': expected a string matching '^[a-zA-Z0-9_-]{{1,64}}$'."),
                Some(&format!("tools[{i}].function.name")),
                Some("invalid_value"),
            ));
        };
        let params =
            f.and_then(|f| f.get("parameters")).cloned().unwrap_or_else(|| json!({"type": "object", "properties": {}}));
        if f.and_then(|f| f.get("strict")).and_then(Value::as_bool) == Some(true)
            && let Err(e) = schema::check_strict(&params)
        {
            return Err(bad_request(
                &format!("Invalid schema for function '{fname}': {e}"),
                Some(&format!("tools[{i}].function.parameters")),
                Some("invalid_function_parameters"),
            ));
        }
        functions.push((fname.to_string(), params));
    }
    let choice = body.get("tool_choice").filter(|v| !v.is_null());
    let (call, named) = match choice {
        Some(Value::String(s)) if s == "none" => (None, false),
        Some(Value::String(s)) if s == "required" => (functions.first(), false),
        Some(Value::String(s)) if s == "auto" => {
            (matches!(mode, Mode::Text).then(|| functions.first()).flatten(), false)
        }
        None => (matches!(mode, Mode::Text).then(|| functions.first()).flatten(), false),
        Some(obj @ Value::Object(_)) => {
            let wanted = obj.get("function").and_then(|f| f.get("name")).and_then(Value::as_str).unwrap_or("");
            match functions.iter().find(|(n, _)| n == wanted) {
                Some(f) => (Some(f), true),
                None => {
                    return Err(bad_request(
                        &format!("Invalid value for 'tool_choice': function '{wanted}' not found in 'tools'."),
                        Some("tool_choice"),
                        Some("invalid_value"),
                    ));
                }
            }
        }
        Some(_) => {
            return Err(bad_request(
                "Invalid value for 'tool_choice': expected 'none', 'auto', 'required' or a function object.",
                Some("tool_choice"),
                Some("invalid_value"),
            ));
        }
    };
    let call = call.or_else(|| (fault == Some(&Fault::ToolCalls)).then(|| functions.first()).flatten());
    Ok(match call {
        Some((n, s)) => Mode::Tool { name: n.clone(), schema: s.clone(), named },
        None => mode,
    })
}

fn last_user(messages: &[Value]) -> String {
    messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        .and_then(|m| m.get("content"))
        .map(content_text)
        .unwrap_or_default()
}

fn synthetic(mode: &Mode, messages: &[Value], last: &str) -> Value {
    let entries = schema::entries(last);
    let from_prompt = || {
        let text: String =
            messages.iter().filter_map(|m| m.get("content")).map(content_text).collect::<Vec<_>>().join("\n");
        match schema::embedded_schema(&text) {
            Some(s) => Filler::new(&s, entries.as_ref()).fill_root(),
            None => schema::generic_answer(entries.as_ref()),
        }
    };
    match mode {
        Mode::JsonSchema { schema: Some(s), .. } | Mode::Tool { schema: s, .. } => {
            Filler::new(s, entries.as_ref()).fill_root()
        }
        Mode::JsonSchema { schema: None, .. } | Mode::JsonObject => from_prompt(),
        Mode::Text => {
            if last.to_ascii_lowercase().contains("json") {
                from_prompt()
            } else {
                Value::String("Describe the thing.".into())
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn answer(
    config: &MockConfig,
    name: &str,
    dep: &Deployment,
    body: &Value,
    messages: &[Value],
    surface: Surface,
    mode: &Mode,
    fault: Option<&Fault>,
    prompt_tokens: u64,
    limit: Option<u64>,
) -> Reply {
    let last = last_user(messages);
    let (mode_name, schema) = match mode {
        Mode::Text => ("text", None),
        Mode::JsonObject => ("json_object", None),
        Mode::JsonSchema { schema, .. } => ("json_schema", schema.clone()),
        Mode::Tool { schema, .. } => ("tool", Some(schema.clone())),
    };
    let hooked = config.answerer.as_ref().and_then(|f| {
        f(&AnswerContext {
            deployment: name.to_string(),
            model: dep.model.clone(),
            body: body.clone(),
            schema,
            mode: mode_name,
            last_user: last.clone(),
        })
    });
    let value = hooked.unwrap_or_else(|| synthetic(mode, messages, &last));
    let mut text = match (&value, mode) {
        (Value::String(s), Mode::Text) => s.clone(),
        _ => value.to_string(),
    };

    let reasoning_tokens = if dep.reasoning { REASONING_TOKENS } else { 0 };
    let mut completion_tokens = count_text(dep.family, &text) + reasoning_tokens;
    let mut finish = match mode {
        Mode::Tool { named: true, .. } => "stop",
        Mode::Tool { .. } => "tool_calls",
        _ => "stop",
    };
    if let Some(l) = limit
        && completion_tokens > l
    {
        let available = l.saturating_sub(reasoning_tokens);
        let total = completion_tokens - reasoning_tokens;
        let keep = (text.chars().count() as u64 * available / total.max(1)) as usize;
        text = text.chars().take(keep).collect();
        completion_tokens = l;
        finish = "length";
    }
    if fault == Some(&Fault::Length) {
        let half = text.chars().count() / 2;
        text = text.chars().take(half).collect();
        completion_tokens = count_text(dep.family, &text) + reasoning_tokens;
        finish = "length";
    }

    let schema_json = body.get("response_format").map(Value::to_string).unwrap_or_default();
    let tools_json = body.get("tools").map(Value::to_string).unwrap_or_default();
    let choice_json = body.get("tool_choice").map(Value::to_string).unwrap_or_default();
    let seed = body.get("seed").map(Value::to_string).unwrap_or_default();
    let messages_json = Value::Array(messages.to_vec()).to_string();
    let digest = hex_digest(
        &[
            name.as_bytes(),
            messages_json.as_bytes(),
            schema_json.as_bytes(),
            tools_json.as_bytes(),
            choice_json.as_bytes(),
            seed.as_bytes(),
        ],
        24,
    );

    let mut message = Map::new();
    message.insert("role".into(), json!("assistant"));
    let mut content = Value::String(text.clone());
    let mut refusal = Value::Null;
    let mut tool_calls = Value::Null;
    if let Mode::Tool { name: fname, .. } = mode {
        content = Value::Null;
        tool_calls = json!([{
            "id": format!("call_{}", &digest[..24]),
            "type": "function",
            "function": {"name": fname, "arguments": text},
        }]);
    }
    let azure = surface != Surface::OpenAi;
    let mut choice_filter = wire::completion_filter_results(false);
    match fault {
        Some(Fault::ContentFilterOutput) => {
            content = Value::Null;
            tool_calls = Value::Null;
            finish = "content_filter";
            choice_filter = wire::completion_filter_results(true);
        }
        Some(Fault::FilterUnavailable) => choice_filter = wire::filter_unavailable(),
        Some(Fault::Refusal) => {
            content = Value::Null;
            tool_calls = Value::Null;
            refusal = json!("I'm sorry, but I can't assist with that request.");
            finish = "stop";
        }
        Some(Fault::UnknownFinishReason) => finish = "mystery",
        _ => {}
    }
    message.insert("content".into(), content);
    message.insert("refusal".into(), refusal);
    message.insert("tool_calls".into(), tool_calls);

    let mut choice = Map::new();
    choice.insert("index".into(), json!(0));
    choice.insert("finish_reason".into(), json!(finish));
    choice.insert("logprobs".into(), Value::Null);
    choice.insert("message".into(), Value::Object(message));
    if azure {
        choice.insert("content_filter_results".into(), choice_filter);
    }

    let created = config
        .created
        .unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0));
    let mut out = Map::new();
    out.insert("id".into(), json!(format!("chatcmpl-{digest}")));
    out.insert("object".into(), json!("chat.completion"));
    out.insert("created".into(), json!(created));
    out.insert("model".into(), json!(dep.model));
    out.insert("system_fingerprint".into(), json!(format!("fp_{}", hex_digest(&[dep.model.as_bytes()], 10))));
    if azure {
        out.insert(
            "prompt_filter_results".into(),
            json!([{"prompt_index": 0, "content_filter_results": wire::prompt_filter_results(false)}]),
        );
    }
    out.insert("choices".into(), json!([Value::Object(choice)]));
    if fault != Some(&Fault::MissingUsage) {
        out.insert(
            "usage".into(),
            json!({
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": null},
                "completion_tokens_details": {"reasoning_tokens": reasoning_tokens, "audio_tokens": null},
            }),
        );
    }
    finish_reply(Reply::json(200, &Value::Object(out)), fault)
}

/// Applies the delivery-shaping faults to a successful reply.
fn finish_reply(mut reply: Reply, fault: Option<&Fault>) -> Reply {
    match fault {
        Some(Fault::NonJson) => {
            reply.body = b"upstream connect error or disconnect/reset before headers. reset reason: overflow".to_vec();
        }
        Some(Fault::Delay(d)) => reply.delay = reply.delay.saturating_add(*d),
        Some(Fault::ResetMidBody) => reply.delivery = Delivery::ResetMidBody,
        _ => {}
    }
    reply
}

#[allow(clippy::too_many_arguments)]
fn embeddings(
    shared: &Shared,
    config: &MockConfig,
    name: &str,
    dep: &Deployment,
    body: &Value,
    fault: Option<&Fault>,
    at: Instant,
    operation: &str,
    version: &str,
) -> Reply {
    let lim = limits(config, dep);
    let fail = |reply: Reply| with_remaining(reply, shared.lock().limiter.peek(name, &lim, at));
    let inputs: Vec<String> = match body.get("input") {
        None | Some(Value::Null) => {
            return fail(bad_request(
                "Missing required parameter: 'input'.",
                Some("input"),
                Some("missing_required_parameter"),
            ));
        }
        Some(Value::String(s)) => vec![s.clone()],
        // Token arrays are hashed as their JSON text.
        Some(Value::Array(items)) if !items.is_empty() => {
            items.iter().map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())).collect()
        }
        Some(_) => {
            return fail(bad_request(
                "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
                Some("input"),
                Some("invalid_value"),
            ));
        }
    };
    let dims = match body.get("dimensions").filter(|v| !v.is_null()) {
        None => dep.dimensions,
        Some(v) => match v.as_u64().filter(|n| (1..=dep.dimensions as u64).contains(n)) {
            Some(n) => n as usize,
            None => {
                return fail(bad_request(
                    &format!("Invalid value for 'dimensions': must be between 1 and {}.", dep.dimensions),
                    Some("dimensions"),
                    Some("invalid_value"),
                ));
            }
        },
    };
    let base64 = match body.get("encoding_format").and_then(Value::as_str) {
        None | Some("float") => false,
        Some("base64") => true,
        Some(other) => {
            return fail(bad_request(
                &format!("Invalid value: '{other}'. Supported values are: 'float' and 'base64'."),
                Some("encoding_format"),
                Some("invalid_value"),
            ));
        }
    };
    let tokens: u64 = inputs.iter().map(|s| count_text(dep.family, s)).sum();
    let remaining = match shared.lock().limiter.charge(name, &lim, tokens, config.enforce_limits, at) {
        Ok(r) => r,
        Err(refused) => return rate_limited(refused, operation, version),
    };
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let v = vector(&dep.model, text, dims);
            let embedding = if base64 {
                json!(base64_encode(&v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>()))
            } else {
                json!(v)
            };
            json!({"object": "embedding", "index": i, "embedding": embedding})
        })
        .collect();
    let mut out = json!({"object": "list", "model": dep.model, "data": data});
    if fault != Some(&Fault::MissingUsage) {
        out["usage"] = json!({"prompt_tokens": tokens, "total_tokens": tokens});
    }
    let mut reply = finish_reply(with_remaining(Reply::json(200, &out), remaining), fault);
    reply.delay = reply.delay.saturating_add(config.latency);
    reply
}

/// A deterministic unit vector seeded by the model and text.
fn vector(model: &str, text: &str, dims: usize) -> Vec<f32> {
    let seed = Sha256::new().chain_update(model).chain_update([0]).chain_update(text).finalize();
    let mut state = u64::from_le_bytes(seed[..8].try_into().unwrap_or([1; 8])) | 1;
    let mut v: Vec<f32> = (0..dims)
        .map(|_| {
            // xorshift64*
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let r = state.wrapping_mul(0x2545_F491_4F6C_DD1D);
            (r >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
        })
        .collect();
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(f32::MIN_POSITIVE);
    v.iter_mut().for_each(|x| *x /= norm);
    v
}

fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `/_mock/*` control endpoints; not journaled.
fn control(shared: &Shared, req: &Request) -> Reply {
    let body: Option<Value> = serde_json::from_slice(&req.body).ok();
    let err = |status: u16, m: &str| Reply::json(status, &json!({"error": m}));
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/_mock/health") => Reply::json(200, &json!({"ok": true})),
        ("GET", "/_mock/journal") => {
            let mut entries = shared.lock().journal.clone();
            entries.sort_by_key(|e| e.seq);
            Reply::json(200, &serde_json::to_value(entries).unwrap_or(Value::Null))
        }
        ("DELETE", "/_mock/journal") | ("POST", "/_mock/journal/clear") => {
            shared.lock().journal.clear();
            Reply::json(200, &json!({"ok": true}))
        }
        ("GET", "/_mock/faults") => {
            let pending: Vec<String> = shared.lock().faults.iter().map(|f| f.fault.to_string()).collect();
            Reply::json(200, &json!(pending))
        }
        ("DELETE", "/_mock/faults") => {
            shared.lock().faults.clear();
            Reply::json(200, &json!({"ok": true}))
        }
        ("POST", "/_mock/faults") => {
            let Some(body) = body else { return err(400, "body must be JSON") };
            match parse_faults(&body) {
                Ok(faults) => {
                    let n = faults.len();
                    shared.lock().faults.extend(faults);
                    Reply::json(200, &json!({"queued": n}))
                }
                Err(e) => err(400, &e),
            }
        }
        ("GET", "/_mock/config") => Reply::json(200, &shared.lock().config.to_json()),
        ("POST", "/_mock/config") => {
            let Some(body) = body else { return err(400, "body must be JSON") };
            let mut st = shared.lock();
            let mut config = st.config.clone();
            if let Err(e) = config.apply_json(&body) {
                return err(400, &e);
            }
            st.config = config;
            if body.get("reset_limiter").and_then(Value::as_bool) == Some(true) {
                st.limiter.reset();
            }
            Reply::json(200, &st.config.to_json())
        }
        _ => err(404, "unknown control endpoint"),
    }
}

/// `"spec"`, `{"fault": "spec", "deployment"?, "should_retry"?}`, or an array of either.
fn parse_faults(body: &Value) -> Result<Vec<ScriptedFault>, String> {
    let one = |v: &Value| -> Result<ScriptedFault, String> {
        match v {
            Value::String(s) => ScriptedFault::parse(s),
            Value::Object(o) => {
                let spec = o.get("fault").and_then(Value::as_str).ok_or("fault object needs a 'fault' string")?;
                let mut f = ScriptedFault::parse(spec)?;
                if let Some(d) = o.get("deployment").and_then(Value::as_str) {
                    f.deployment = Some(d.to_string());
                }
                if let Some(b) = o.get("should_retry").and_then(Value::as_bool) {
                    f.should_retry = Some(b);
                }
                Ok(f)
            }
            _ => Err("a fault is a string or an object".into()),
        }
    };
    match body {
        Value::Array(items) => items.iter().map(one).collect(),
        v => Ok(vec![one(v)?]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_known_values() {
        assert_eq!(base64_encode(b""), "");
        assert_eq!(base64_encode(b"f"), "Zg==");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert_eq!(base64_encode(b"foo"), "Zm9v");
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn vectors_are_unit_and_deterministic() {
        let a = vector("m", "hello", 64);
        assert_eq!(a, vector("m", "hello", 64));
        assert_ne!(a, vector("m", "world", 64));
        let norm: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4);
    }

    #[test]
    fn paths_route() {
        assert!(parse_path("/openai/deployments/gpt-4o/chat/completions").is_some());
        assert!(parse_path("/openai/deployments//chat/completions").is_none());
        assert!(parse_path("/openai/v1/embeddings").is_some());
        assert!(parse_path("/v1/chat/completions").is_some());
        assert!(parse_path("/v1/completions").is_none());
    }
}
