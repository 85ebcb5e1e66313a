//! The model client end to end against the mock service: providers, structured
//! output, retries, error classification, credentials, the limiter, single
//! flight, the docstring writer, embeddings and settings.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use docwright::docstring::answer;
use docwright::engine::{self, EngineOptions};
use docwright::llm::{
    AuthOptions, ChatMessage, Client, ClientOptions, CredentialResolver, CredentialSource, ExchangeLog, LimiterConfig,
    LlmError, ModelSettings, ModelWriter, Problem, Provider, RetryPolicy, Secret, StructuredAnswer,
};
use docwright::python::SourceFile;
use docwright_mock::{Deployment, Entry, Fault, MockConfig, MockServer, RateLimited, fingerprint};
use serde_json::{Value, json};

const KEY: &str = "test-key";
const SCHEMA_NAME: &str = "python_docstring";

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Default options with short exponential delays; a service's own delay is still honoured.
fn fast() -> ClientOptions {
    ClientOptions {
        retry: RetryPolicy { initial_delay: ms(20), max_delay: ms(100), ..RetryPolicy::default() },
        ..ClientOptions::default()
    }
}

fn classic(server: &MockServer, deployment: &str) -> Provider {
    Provider::AzureClassic { endpoint: server.url(), deployment: deployment.into(), api_version: "2024-10-21".into() }
}

fn build(provider: Provider, source: CredentialSource, options: ClientOptions) -> Client {
    let auth = CredentialResolver::new(source, AuthOptions::default());
    Client::new(provider, auth, options, LimiterConfig::default())
}

fn key() -> CredentialSource {
    CredentialSource::ApiKey(Secret::new(KEY))
}

/// A classic Azure client with the right key and fast retries.
fn client(server: &MockServer, deployment: &str) -> Client {
    build(classic(server, deployment), key(), fast())
}

fn messages(text: &str) -> Vec<ChatMessage> {
    vec![ChatMessage::system("You write Python docstrings."), ChatMessage::user(text)]
}

async fn ask(client: &Client, text: &str) -> Result<StructuredAnswer, LlmError> {
    client.structured(&messages(text), SCHEMA_NAME, answer::schema()).await
}

fn statuses(journal: &[Entry]) -> Vec<Option<u16>> {
    journal.iter().map(|e| e.status).collect()
}

/// Milliseconds between consecutive arrivals.
fn gaps(journal: &[Entry]) -> Vec<f64> {
    journal.windows(2).map(|w| w[1].ms_since_start - w[0].ms_since_start).collect()
}

fn body(entry: &Entry) -> &Value {
    entry.body.as_ref().expect("a JSON body")
}

fn service_error(result: Result<StructuredAnswer, LlmError>) -> Box<docwright::llm::ServiceError> {
    match result {
        Err(LlmError::Service(error)) => error,
        other => panic!("expected a service error, got {other:?}"),
    }
}

// 1. Providers

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn azure_classic_sends_the_api_version_and_the_api_key_header() {
    let server = MockServer::start(MockConfig::default());
    let answer = ask(&client(&server, "gpt-4o"), "def f(a): pass").await.unwrap();
    assert_eq!(answer.model.as_deref(), Some("gpt-4o-2024-11-20"));
    let journal = server.journal();
    assert_eq!(journal.len(), 1);
    let entry = &journal[0];
    assert_eq!(entry.path, "/openai/deployments/gpt-4o/chat/completions");
    assert_eq!(entry.query.as_deref(), Some("api-version=2024-10-21"));
    assert!(entry.header("api-key").is_some() && entry.header("authorization").is_none());
    let credential = entry.credential.as_ref().unwrap();
    assert_eq!((credential.kind, credential.matched.as_deref()), ("api-key", Some("key#0")));
    assert_eq!(credential.fingerprint, fingerprint(KEY));
    assert_eq!(body(entry).get("model"), None, "the deployment is in the path");
    assert_eq!(body(entry)["max_completion_tokens"], 1024);
    assert_eq!(body(entry).get("max_tokens"), None);
    assert_eq!(body(entry)["temperature"], 0);
    assert_eq!(entry.status, Some(200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn azure_v1_names_the_deployment_in_the_body() {
    let server = MockServer::start(MockConfig::default());
    let provider = Provider::AzureV1 { endpoint: format!("{}/openai/v1/", server.url()), deployment: "gpt-4o".into() };
    ask(&build(provider, key(), fast()), "def f(a): pass").await.unwrap();
    let journal = server.journal();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].path, "/openai/v1/chat/completions");
    assert_eq!(journal[0].query, None);
    assert_eq!(body(&journal[0])["model"], "gpt-4o");
    assert_eq!(journal[0].deployment.as_deref(), Some("gpt-4o"));
    assert!(journal[0].header("api-key").is_some());
    assert_eq!(journal[0].status, Some(200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_style_sends_a_bearer_key() {
    let server = MockServer::start(MockConfig::default());
    let provider = Provider::OpenAi { base_url: format!("{}/v1", server.url()), model: "gpt-4o".into() };
    ask(&build(provider, key(), fast()), "def f(a): pass").await.unwrap();
    let journal = server.journal();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].path, "/v1/chat/completions");
    assert_eq!(body(&journal[0])["model"], "gpt-4o");
    assert!(journal[0].header("authorization").is_some() && journal[0].header("api-key").is_none());
    let credential = journal[0].credential.as_ref().unwrap();
    assert_eq!((credential.kind, credential.fingerprint.as_str()), ("bearer", fingerprint(KEY).as_str()));
    assert_eq!(body(&journal[0])["max_completion_tokens"], 1024);
    assert_eq!(journal[0].status, Some(200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bearer_token_on_azure_goes_in_the_authorization_header() {
    let server = MockServer::start(MockConfig::default());
    let source = CredentialSource::Bearer(Secret::new("test-token"));
    ask(&build(classic(&server, "gpt-4o"), source, fast()), "def f(a): pass").await.unwrap();
    let journal = server.journal();
    assert_eq!(journal.len(), 1);
    assert!(journal[0].header("authorization").is_some() && journal[0].header("api-key").is_none());
    let credential = journal[0].credential.as_ref().unwrap();
    assert_eq!((credential.kind, credential.matched.as_deref()), ("bearer", Some("token#0")));
    assert_eq!(journal[0].status, Some(200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_limit_field_and_sampling_follow_the_service_and_model() {
    let server = MockServer::start(MockConfig::default());
    // A local server reads `max_tokens` only.
    let local = Provider::Local { base_url: format!("{}/v1", server.url()), model: "gpt-4o".into() };
    ask(&build(local, key(), fast()), "def f(a): pass").await.unwrap();
    // A reasoning deployment: no temperature, no `max_tokens`.
    let v1 = Provider::AzureV1 { endpoint: server.url(), deployment: "o3-mini".into() };
    let reasoning = build(v1.clone(), key(), ClientOptions { reasoning: true, ..fast() });
    let answer = ask(&reasoning, "def f(a): pass").await.unwrap();
    assert_eq!(answer.model.as_deref(), Some("o3-mini-2025-01-31"));
    // The same deployment refuses a temperature: the mock checks what the client leaves out.
    let error = service_error(ask(&build(v1, key(), fast()), "def g(b): pass").await);
    assert_eq!((error.status, error.param.as_deref()), (400, Some("temperature")));

    let journal = server.journal();
    assert_eq!(statuses(&journal), [Some(200), Some(200), Some(400)]);
    let local = body(&journal[0]);
    assert_eq!((local["max_tokens"].clone(), local.get("max_completion_tokens")), (json!(1024), None));
    let reasoning = body(&journal[1]);
    assert_eq!(reasoning["max_completion_tokens"], 1024);
    assert_eq!(reasoning.get("max_tokens"), None);
    assert_eq!(reasoning.get("temperature"), None);
}

// 2. Structured output

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_json_schema_is_accepted_by_the_strict_validator() {
    let server = MockServer::start(MockConfig::default());
    let answer = ask(&client(&server, "gpt-4o"), "def f(a): pass").await.unwrap();
    assert!(answer.value["summary"].is_string());
    let journal = server.journal();
    assert_eq!(statuses(&journal), [Some(200)]);
    let format = &body(&journal[0])["response_format"];
    assert_eq!(format["type"], "json_schema");
    assert_eq!(format["json_schema"]["name"], SCHEMA_NAME);
    assert_eq!(format["json_schema"]["strict"], true);
    assert_eq!(format["json_schema"]["schema"], *answer::schema());
    assert_eq!(body(&journal[0]).get("tools"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_json_schema_the_client_falls_back_to_a_forced_tool_and_remembers() {
    let server = MockServer::start(MockConfig::default());
    let client = client(&server, "legacy");
    ask(&client, "def f(a): pass").await.unwrap();
    let journal = server.journal();
    assert_eq!(statuses(&journal), [Some(400), Some(200)]);
    assert_eq!(body(&journal[0])["response_format"]["type"], "json_schema");
    let tool = body(&journal[1]);
    assert_eq!(tool.get("response_format"), None);
    assert_eq!(tool["tools"][0]["function"]["name"], SCHEMA_NAME);
    assert_eq!(tool["tools"][0]["function"]["strict"], true);
    assert_eq!(tool["tool_choice"]["function"]["name"], SCHEMA_NAME);
    // The next question goes straight to the tool.
    ask(&client, "def g(b): pass").await.unwrap();
    let journal = server.journal();
    assert_eq!(journal.len(), 3);
    assert!(body(&journal[2]).get("tools").is_some() && body(&journal[2]).get("response_format").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_json_schema_or_tools_the_client_falls_back_to_json_mode_and_remembers() {
    let server = MockServer::start(MockConfig::default());
    let client = client(&server, "plain");
    let answer = ask(&client, "def f(a): pass").await.unwrap();
    assert!(answer.value["summary"].is_string());
    let journal = server.journal();
    assert_eq!(statuses(&journal), [Some(400), Some(400), Some(200)]);
    assert!(body(&journal[1]).get("tools").is_some());
    let json_mode = body(&journal[2]);
    assert_eq!(json_mode["response_format"], json!({"type": "json_object"}));
    assert_eq!(json_mode.get("tools"), None);
    ask(&client, "def g(b): pass").await.unwrap();
    let journal = server.journal();
    assert_eq!(journal.len(), 4, "the learnt mode is used at once");
    assert_eq!(body(&journal[3])["response_format"]["type"], "json_object");
    assert_eq!(journal[3].status, Some(200));
}

// 3. Retries

/// Sends one question through a 429 and returns the gap between the two attempts, in ms.
async fn gap_after_429(rate_limited: RateLimited) -> f64 {
    let server = MockServer::start(MockConfig::default());
    server.push_fault(Fault::RateLimited(rate_limited));
    ask(&client(&server, "gpt-4o"), "def f(a): pass").await.unwrap();
    let journal = server.journal();
    assert_eq!(statuses(&journal), [Some(429), Some(200)]);
    gaps(&journal)[0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_retried_no_earlier_than_retry_after_ms() {
    let gap = gap_after_429(RateLimited::ms(400)).await;
    assert!(gap >= 400.0, "retried after {gap} ms");
    assert!(gap < 5000.0, "retried after {gap} ms");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_retried_no_earlier_than_retry_after_seconds() {
    let gap = gap_after_429(RateLimited::seconds(1)).await;
    assert!(gap >= 1000.0, "retried after {gap} ms");
    assert!(gap < 6000.0, "retried after {gap} ms");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_retried_no_earlier_than_a_retry_after_date() {
    let server = MockServer::start(MockConfig::default());
    // Journal instants read as wall-clock times.
    let (wall, instant) = (SystemTime::now(), Instant::now());
    let wall_at = |at: Instant| wall + at.saturating_duration_since(instant);
    server.push_fault(Fault::RateLimited(RateLimited::http_date(2)));
    ask(&client(&server, "gpt-4o"), "def f(a): pass").await.unwrap();
    let journal = server.journal();
    assert_eq!(statuses(&journal), [Some(429), Some(200)]);
    // The date is whole seconds, written after the first attempt arrived.
    let first = wall_at(journal[0].at).duration_since(UNIX_EPOCH).unwrap();
    let date = Duration::from_secs(first.as_secs() + 2);
    let retry = wall_at(journal[1].at).duration_since(UNIX_EPOCH).unwrap();
    assert!(retry + ms(5) >= date, "retried at {retry:?}, asked for {date:?}");
    let gap = gaps(&journal)[0];
    assert!((1000.0..6000.0).contains(&gap), "retried after {gap} ms");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x_should_retry_overrides_the_status() {
    let server = MockServer::start(MockConfig::default());
    let client = client(&server, "gpt-4o");
    server.push_fault(Fault::ServerError.should_retry(false));
    let error = service_error(ask(&client, "def f(a): pass").await);
    assert_eq!(error.status, 500);
    assert_eq!(server.journal().len(), 1, "x-should-retry: false stops at once");

    server.clear_journal();
    server.push_fault(Fault::Status(400).should_retry(true));
    ask(&client, "def g(b): pass").await.unwrap();
    assert_eq!(statuses(&server.journal()), [Some(400), Some(200)], "x-should-retry: true retries a 400");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_retried_twice_then_reported() {
    let server = MockServer::start(MockConfig::default());
    let client = client(&server, "gpt-4o");
    for status in [500u16, 502, 503, 504] {
        server.clear_journal();
        for _ in 0..3 {
            server.push_fault(if status == 500 { Fault::ServerError } else { Fault::Status(status) });
        }
        let error = service_error(ask(&client, &format!("def f{status}(a): pass")).await);
        assert_eq!(error.status, status);
        assert_eq!(error.problem(), Problem::ServerError);
        let journal = server.journal();
        assert_eq!(statuses(&journal), [Some(status); 3], "{status}");
        // Exponential delays of 20 ms and 40 ms, shortened by at most a quarter.
        let gaps = gaps(&journal);
        assert!(gaps[0] >= 15.0 && gaps[1] >= 30.0, "{status}: {gaps:?}");
    }
    // Two failures and then an answer: the third attempt succeeds.
    server.clear_journal();
    server.push_fault(Fault::Status(503));
    server.push_fault(Fault::Status(502));
    ask(&client, "def ok(a): pass").await.unwrap();
    assert_eq!(statuses(&server.journal()), [Some(503), Some(502), Some(200)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_long_retry_after_is_a_spent_quota_reported_at_once() {
    let server = MockServer::start(MockConfig::default());
    let client = client(&server, "gpt-4o");
    let started = Instant::now();
    let error = ask(&client, "def f(a): pass\nMOCK_FAULT:429-huge").await.unwrap_err();
    assert_eq!(error, LlmError::QuotaExhausted { wait: Some(Duration::from_secs(86_400)) });
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(statuses(&server.journal()), [Some(429)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_long_wait_named_only_in_the_message_is_a_spent_quota_too() {
    let server = MockServer::start(MockConfig::default());
    let client = client(&server, "gpt-4o");
    let error = ask(&client, "def f(a): pass\nMOCK_FAULT:429-quota-body").await.unwrap_err();
    assert_eq!(error, LlmError::QuotaExhausted { wait: Some(Duration::from_secs(86_400)) });
    assert_eq!(statuses(&server.journal()), [Some(429)], "not retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insufficient_quota_is_not_retried() {
    let server = MockServer::start(MockConfig::default());
    server.push_fault(Fault::InsufficientQuota);
    let error = ask(&client(&server, "gpt-4o"), "def f(a): pass").await.unwrap_err();
    assert!(matches!(error, LlmError::QuotaExhausted { .. }), "{error:?}");
    assert_eq!(error.kind(), "quota_exhausted");
    assert_eq!(statuses(&server.journal()), [Some(429)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_service_times_out_after_every_retry() {
    let server = MockServer::start(MockConfig::default());
    for _ in 0..3 {
        server.push_fault(Fault::Hang);
    }
    let options = ClientOptions { request_timeout: ms(300), ..fast() };
    let client = build(classic(&server, "gpt-4o"), key(), options);
    let started = Instant::now();
    let error = ask(&client, "def f(a): pass").await.unwrap_err();
    let LlmError::Transport { url, detail } = &error else { panic!("{error:?}") };
    assert!(detail.contains("timed out"), "{detail}");
    assert!(!url.contains("api-version"), "{url}");
    assert_eq!(statuses(&server.journal()), [None, None, None]);
    assert!(started.elapsed() >= ms(900), "{:?}", started.elapsed());
    assert_eq!(client.stats().retries, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_or_reset_connection_is_retried() {
    let server = MockServer::start(MockConfig::default());
    let client = client(&server, "gpt-4o");
    server.push_fault(Fault::Close);
    ask(&client, "def f(a): pass").await.unwrap();
    let journal = server.journal();
    assert_eq!(statuses(&journal), [None, Some(200)]);
    assert_eq!(journal[0].fault.as_deref(), Some("close"));
    assert_eq!(client.stats().retries, 1, "the client's own retry");

    server.clear_journal();
    server.push_fault(Fault::ResetMidBody);
    ask(&client, "def g(b): pass").await.unwrap();
    let journal = server.journal();
    assert_eq!(journal.len(), 2);
    assert_eq!(journal[0].fault.as_deref(), Some("reset"));
    assert_eq!(journal[1].status, Some(200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_attempt_carries_the_request_id_and_its_retry_count() {
    let server = MockServer::start(MockConfig::default());
    let client = client(&server, "gpt-4o");
    server.push_fault(Fault::ServerError);
    server.push_fault(Fault::Status(503));
    ask(&client, "def f(a): pass").await.unwrap();
    ask(&client, "def g(b): pass").await.unwrap();
    let journal = server.journal();
    assert_eq!(journal.len(), 4);
    let ids: Vec<&str> = journal.iter().map(|e| e.header("x-ms-client-request-id").unwrap()).collect();
    assert_eq!((ids[0], ids[1]), (ids[2], ids[2]));
    assert_ne!(ids[3], ids[0], "a new logical request has a new id");
    assert!(uuid_like(ids[0]), "{}", ids[0]);
    let counts: Vec<&str> = journal.iter().map(|e| e.header("x-docwright-retry-count").unwrap()).collect();
    assert_eq!(counts, ["0", "1", "2", "0"]);
}

fn uuid_like(text: &str) -> bool {
    let parts: Vec<usize> = text.split('-').map(str::len).collect();
    parts == [8, 4, 4, 4, 12] && text.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

// 4. Errors

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filtered_prompt_names_its_categories() {
    let server = MockServer::start(MockConfig::default());
    server.push_fault(Fault::ContentFilterInput);
    let error = service_error(ask(&client(&server, "gpt-4o"), "def f(a): pass").await);
    assert_eq!(error.problem(), Problem::ContentFilter);
    assert_eq!(error.filtered, ["jailbreak"]);
    let shown = LlmError::Service(error).to_string();
    assert!(shown.contains("jailbreak"), "{shown}");
    assert_eq!(server.journal().len(), 1, "not retried");
}

type Expected = fn(&LlmError) -> bool;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unusable_answers_are_classified() {
    let server = MockServer::start(MockConfig::default());
    let client = client(&server, "gpt-4o");
    let cases: [(Fault, Expected); 5] = [
        (Fault::ContentFilterOutput, |e| matches!(e, LlmError::AnswerFiltered(c) if c == &["violence"])),
        (Fault::Length, |e| matches!(e, LlmError::Truncated { limit: 1024 })),
        (Fault::Refusal, |e| matches!(e, LlmError::Refused(text) if text.contains("can't assist"))),
        (Fault::UnknownFinishReason, |e| matches!(e, LlmError::Malformed(what) if what.contains("mystery"))),
        (Fault::NonJson, |e| matches!(e, LlmError::Malformed(what) if what.contains("not JSON"))),
    ];
    for (i, (fault, expected)) in cases.into_iter().enumerate() {
        server.clear_journal();
        let name = fault.to_string();
        server.push_fault(fault);
        let error = ask(&client, &format!("def f{i}(a): pass")).await.unwrap_err();
        assert!(expected(&error), "{name}: {error:?}");
        assert_eq!(statuses(&server.journal()), [Some(200)], "{name}: one request, not retried");
        if name == "content-filter-output" {
            assert!(error.to_string().contains("violence"), "{error}");
        }
    }
    assert!(client.fatal_error().is_none(), "none of these stops the client");
    // An answer without usage, or whose output filter could not run, is still an answer.
    for fault in [Fault::MissingUsage, Fault::FilterUnavailable] {
        server.clear_journal();
        server.push_fault(fault);
        let answer = ask(&client, "def fine(a): pass").await.unwrap();
        assert!(answer.value["summary"].is_string());
        assert_eq!(statuses(&server.journal()), [Some(200)]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_requests_are_classified() {
    let server = MockServer::start(MockConfig::default());
    // Context: a completion limit beyond the deployment's window.
    let options = ClientOptions { max_completion_tokens: 20_000, ..fast() };
    let too_long = service_error(ask(&build(classic(&server, "gpt-35-turbo"), key(), options), "def f(a): pass").await);
    assert_eq!((too_long.status, too_long.problem()), (400, Problem::ContextLengthExceeded));
    assert!(too_long.message.contains("maximum context length"), "{}", too_long.message);

    let old = Provider::AzureClassic {
        endpoint: server.url(),
        deployment: "gpt-4o".into(),
        api_version: "2023-03-15-preview".into(),
    };
    let version = service_error(ask(&build(old, key(), fast()), "def f(a): pass").await);
    assert_eq!((version.status, version.problem()), (400, Problem::ApiVersionNotSupported));

    let missing = service_error(ask(&client(&server, "no-such-deployment"), "def f(a): pass").await);
    assert_eq!((missing.status, missing.problem()), (404, Problem::DeploymentNotFound));

    let wrong = CredentialSource::ApiKey(Secret::new("wrong-key"));
    let unauthorized = service_error(ask(&build(classic(&server, "gpt-4o"), wrong, fast()), "def f(a): pass").await);
    assert_eq!((unauthorized.status, unauthorized.problem()), (401, Problem::Unauthorized));

    server.push_fault(Fault::Firewall);
    let firewall = service_error(ask(&client(&server, "gpt-4o"), "def f(a): pass").await);
    assert_eq!((firewall.status, firewall.problem()), (403, Problem::Firewall));

    // None of them is retried.
    assert_eq!(statuses(&server.journal()), [Some(400), Some(400), Some(404), Some(401), Some(403)]);

    let no_retries = ClientOptions { retry: RetryPolicy { max_retries: 0, ..fast().retry }, ..fast() };
    server.push_fault(Fault::RateLimited(RateLimited { integer_code: true, ..RateLimited::ms(10) }));
    let limited = service_error(ask(&build(classic(&server, "gpt-4o"), key(), no_retries), "def f(a): pass").await);
    assert_eq!((limited.status, limited.code.as_deref()), (429, Some("429")));
    assert_eq!(limited.problem(), Problem::RateLimited);
    assert!(limited.message.contains("exceeded token rate limit"), "{}", limited.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_fatal_error_later_requests_fail_without_a_request() {
    let server = MockServer::start(MockConfig::default());
    let wrong = CredentialSource::ApiKey(Secret::new("wrong-key"));
    let refused = build(classic(&server, "gpt-4o"), wrong, fast());
    let first = ask(&refused, "def f(a): pass").await.unwrap_err();
    assert_eq!(first.kind(), "auth");
    assert_eq!(server.journal().len(), 1);
    let second = ask(&refused, "def g(b): pass").await.unwrap_err();
    assert_eq!(second, first);
    assert_eq!(refused.fatal_error(), Some(first));
    assert_eq!(server.journal().len(), 1, "no request after the fatal error");

    server.clear_journal();
    let spent = client(&server, "gpt-4o");
    server.push_fault(Fault::RateLimited(RateLimited::seconds(86_400)));
    assert!(matches!(ask(&spent, "def f(a): pass").await, Err(LlmError::QuotaExhausted { .. })));
    assert!(matches!(ask(&spent, "def g(b): pass").await, Err(LlmError::QuotaExhausted { .. })));
    assert!(matches!(
        spent.embed("text-embedding-3-small", &["x".to_string()]).await,
        Err(LlmError::QuotaExhausted { .. })
    ));
    assert_eq!(server.journal().len(), 1, "no request after the spent quota");
}

// 5. Credentials

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).map(|t| t.lines().count()).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_key_file_is_read_again() {
    let server = MockServer::start(MockConfig::default());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("key");
    write(&file, &format!("{KEY}\n"));
    let client = build(classic(&server, "gpt-4o"), CredentialSource::ApiKeyFile(file.clone()), fast());
    ask(&client, "def f(a): pass").await.unwrap();
    server.set_api_key("rotated-key-number-2");
    write(&file, "rotated-key-number-2\n");
    ask(&client, "def g(b): pass").await.unwrap();
    let journal = server.journal();
    assert_eq!(statuses(&journal), [Some(200), Some(200)], "no request with the old key");
    let prints: Vec<&str> = journal.iter().map(|e| e.credential.as_ref().unwrap().fingerprint.as_str()).collect();
    assert_eq!(prints, [fingerprint(KEY), fingerprint("rotated-key-number-2")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_key_from_a_command_is_fetched_again_once() {
    let server = MockServer::start(MockConfig::default());
    let dir = tempfile::tempdir().unwrap();
    let (file, runs) = (dir.path().join("key"), dir.path().join("runs"));
    write(&file, KEY);
    let command = format!("echo run >> '{}'; cat '{}'", runs.display(), file.display());
    let client = build(classic(&server, "gpt-4o"), CredentialSource::ApiKeyCommand(command), fast());
    ask(&client, "def f(a): pass").await.unwrap();
    ask(&client, "def g(b): pass").await.unwrap();
    assert_eq!(lines(&runs), 1, "the key is kept");
    // The key is rotated on the service and where the command reads it.
    server.set_api_key("second-key");
    write(&file, "second-key");
    ask(&client, "def h(c): pass").await.unwrap();
    assert_eq!(lines(&runs), 2);
    let journal = server.journal();
    assert_eq!(statuses(&journal), [Some(200), Some(200), Some(401), Some(200)]);
    assert_eq!(journal[2].credential.as_ref().unwrap().fingerprint, fingerprint(KEY));
    assert_eq!(journal[3].credential.as_ref().unwrap().fingerprint, fingerprint("second-key"));
    assert_eq!(journal[2].header("x-ms-client-request-id"), journal[3].header("x-ms-client-request-id"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_from_a_command_is_fetched_again_once() {
    let server = MockServer::start(MockConfig::default());
    server.set_tokens(&["token-one", "token-two"]);
    let dir = tempfile::tempdir().unwrap();
    let (file, runs) = (dir.path().join("token"), dir.path().join("runs"));
    write(&file, "token-one");
    let command = format!("echo run >> '{}'; cat '{}'", runs.display(), file.display());
    let client = build(classic(&server, "gpt-4o"), CredentialSource::EntraCommand(command), fast());
    ask(&client, "def f(a): pass").await.unwrap();
    server.expire_token("token-one");
    write(&file, "token-two");
    ask(&client, "def g(b): pass").await.unwrap();
    assert_eq!(lines(&runs), 2);
    let journal = server.journal();
    assert_eq!(statuses(&journal), [Some(200), Some(401), Some(200)]);
    let prints: Vec<&str> = journal.iter().map(|e| e.credential.as_ref().unwrap().fingerprint.as_str()).collect();
    assert_eq!(prints, [fingerprint("token-one"), fingerprint("token-one"), fingerprint("token-two")]);

    // A fresh token that is refused too is reported after one more try, not looped on.
    server.expire_token("token-two");
    server.clear_journal();
    let error = service_error(ask(&client, "def h(c): pass").await);
    assert_eq!(error.problem(), Problem::Unauthorized);
    assert_eq!(statuses(&server.journal()), [Some(401), Some(401)]);
    assert_eq!(lines(&runs), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secret_never_shows_in_errors() {
    let server = MockServer::start(MockConfig::default());
    let secret = "sk-never-print-0123456789abcdef";
    let mut shown = Vec::new();
    let mut show = |error: &LlmError| shown.push(format!("{error} {error:?}"));

    let wrong = CredentialSource::ApiKey(Secret::new(secret));
    show(&ask(&build(classic(&server, "gpt-4o"), wrong, fast()), "def f(a): pass").await.unwrap_err());
    let bearer = CredentialSource::Bearer(Secret::new(secret));
    show(&ask(&build(classic(&server, "gpt-4o"), bearer, fast()), "def f(a): pass").await.unwrap_err());
    let openai = Provider::OpenAi { base_url: format!("{}/v1", server.url()), model: "gpt-4o".into() };
    let wrong = CredentialSource::ApiKey(Secret::new(secret));
    show(&ask(&build(openai, wrong, fast()), "def f(a): pass").await.unwrap_err());
    // A key command that fails after printing the key and echoing it to stderr.
    let leaky = format!("echo {secret}; echo \"key {secret} refused\" >&2; exit 3");
    let command = build(classic(&server, "gpt-4o"), CredentialSource::ApiKeyCommand(leaky), fast());
    let error = ask(&command, "def f(a): pass").await.unwrap_err();
    assert!(matches!(error, LlmError::Credentials(_)), "{error:?}");
    show(&error);
    // A transport error.
    let hang = build(classic(&server, "gpt-4o"), CredentialSource::ApiKey(Secret::new(secret)), {
        ClientOptions { request_timeout: ms(200), retry: RetryPolicy { max_retries: 0, ..fast().retry }, ..fast() }
    });
    server.push_fault(Fault::Hang);
    show(&ask(&hang, "def f(a): pass").await.unwrap_err());

    shown.push(format!("{:?}", CredentialSource::ApiKey(Secret::new(secret))));
    shown.push(format!("{:?}", CredentialSource::Bearer(Secret::new(secret))));
    assert_eq!(shown.len(), 7);
    for text in &shown {
        assert!(!text.contains("0123456789abcdef"), "{text}");
    }
    // The journal keeps credentials only as fingerprints.
    for entry in server.journal() {
        assert!(entry.headers.iter().all(|(_, value)| !value.contains(secret)));
    }
}

// 6. Limiter

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_keeping_the_deployments_rpm_gets_no_429() {
    // 24 RPM: four requests per 10-second window, on the mock and in the client.
    let server = MockServer::start(MockConfig::default().with_limits(24, 10_000_000));
    let limits = LimiterConfig { requests_per_minute: Some(24), ..LimiterConfig::default() };
    let auth = CredentialResolver::new(key(), AuthOptions::default());
    let client = Arc::new(Client::new(classic(&server, "gpt-4o"), auth, fast(), limits));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..5 {
        let client = Arc::clone(&client);
        tasks.spawn(async move { ask(&client, &format!("def f{i}(a): pass")).await });
    }
    for result in tasks.join_all().await {
        result.unwrap();
    }
    let journal = server.journal();
    assert_eq!(statuses(&journal), [Some(200); 5], "no 429 and no retry");
    let first = journal[0].ms_since_start;
    assert!(journal[4].ms_since_start - first >= 10_000.0, "the fifth waits for the next window");
    assert!(client.limiter_stats().waits >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_holds_every_request_of_the_client_until_its_time() {
    let server = MockServer::start(MockConfig::default());
    let client = Arc::new(client(&server, "gpt-4o"));
    server.push_fault(Fault::RateLimited(RateLimited::ms(700)));
    let first = tokio::spawn({
        let client = Arc::clone(&client);
        async move { ask(&client, "def first(a): pass").await }
    });
    // Once the client has seen the 429, other questions start.
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.limiter_stats().pauses == 0 {
        assert!(Instant::now() < deadline, "no 429 seen");
        tokio::time::sleep(ms(5)).await;
    }
    let (second, third) = tokio::join!(ask(&client, "def second(b): pass"), ask(&client, "def third(c): pass"));
    second.unwrap();
    third.unwrap();
    first.await.unwrap().unwrap();
    let journal = server.journal();
    assert_eq!(journal.len(), 4);
    assert_eq!(journal[0].status, Some(429));
    let released = journal[0].ms_since_start + 700.0;
    for entry in &journal[1..] {
        assert_eq!(entry.status, Some(200));
        assert!(entry.ms_since_start >= released, "{} ms, held until {released} ms", entry.ms_since_start);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_on_the_last_attempt_still_holds_the_next_request() {
    let server = MockServer::start(MockConfig::default());
    let options = ClientOptions { retry: RetryPolicy { max_retries: 0, ..fast().retry }, ..fast() };
    let client = build(classic(&server, "gpt-4o"), key(), options);
    server.push_fault(Fault::RateLimited(RateLimited::ms(600)));
    let error = service_error(ask(&client, "def first(a): pass").await);
    assert_eq!(error.status, 429);
    ask(&client, "def second(b): pass").await.unwrap();
    let journal = server.journal();
    assert_eq!(statuses(&journal), [Some(429), Some(200)]);
    let gap = gaps(&journal)[0];
    assert!(gap >= 600.0, "the next request came {gap} ms after the 429");
}

// 7. Single flight

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_questions_in_flight_are_sent_once() {
    let server = MockServer::start(MockConfig::default());
    server.set_latency(ms(300));
    let client = client(&server, "gpt-4o");
    let same = "def f(a): pass";
    let (a, b, c, d, e) = tokio::join!(
        ask(&client, same),
        ask(&client, same),
        ask(&client, same),
        ask(&client, same),
        ask(&client, same)
    );
    let values: Vec<Value> = [a, b, c, d, e].into_iter().map(|r| r.unwrap().value).collect();
    assert!(values.iter().all(|v| *v == values[0]));
    assert_eq!(server.journal().len(), 1);

    server.clear_journal();
    let (a, b, c) = tokio::join!(ask(&client, "def a(x): pass"), ask(&client, "def b(y): pass"), ask(&client, same));
    a.unwrap();
    b.unwrap();
    c.unwrap();
    assert_eq!(server.journal().len(), 3, "different questions are sent apart");
}

// 8. The writer

const MODULE: &str = r#""""Arithmetic."""


def add(a: int, b: int = 2) -> int:
    return a + b
"#;

fn options() -> EngineOptions {
    EngineOptions { width: 88, ..EngineOptions::default() }
}

fn add_answer(params: &[&str]) -> Value {
    let params: Vec<Value> =
        params.iter().map(|name| json!({"name": name, "description": format!("The {name} operand.")})).collect();
    json!({"summary": "Add two numbers from the mock.", "description": "", "params": params,
        "returns": "Their sum, from the mock.", "yields": "", "raises": [], "attributes": []})
}

/// Runs the engine over `source` with a model writer on `server`.
fn plan(server: &MockServer, source: &str) -> engine::ModulePlan {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let writer = ModelWriter::new(Arc::new(client(server, "gpt-4o")), runtime.handle().clone());
    let file = SourceFile::parse(source.to_string()).unwrap();
    engine::edits(None, file.text(), file.module(), &options(), &writer).unwrap()
}

fn user_text(entry: &Entry) -> String {
    body(entry)["messages"].as_array().unwrap().iter().map(|m| m["content"].as_str().unwrap_or("")).collect()
}

#[test]
fn the_writer_takes_prose_from_the_model_and_names_from_the_code() {
    let server = MockServer::start(MockConfig::default());
    server.set_answerer(|_| Some(add_answer(&["a", "b"])));
    let plan = plan(&server, MODULE);
    assert!(plan.failures.is_empty(), "{:?}", plan.failures);
    assert_eq!(plan.edits.len(), 1);
    let edit = &plan.edits[0];
    assert_eq!((edit.qualname.as_str(), edit.note.as_deref()), ("add", None));
    let text = &edit.edit.new_text;
    for expected in
        ["Add two numbers from the mock.", "a (int): The a operand.", "b (int): The b operand. Defaults to 2."]
    {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
    assert!(text.contains("int: Their sum, from the mock."), "{text}");
    let journal = server.journal();
    assert_eq!(journal.len(), 1);
    assert!(user_text(&journal[0]).contains("def add(a: int, b: int = 2) -> int:"));
}

#[test]
fn an_invented_parameter_is_asked_again_once() {
    let server = MockServer::start(MockConfig::default());
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    server.set_answerer(move |_| {
        let first = counter.fetch_add(1, Ordering::SeqCst) == 0;
        Some(add_answer(if first { &["a", "b", "c"] } else { &["a", "b"] }))
    });
    let plan = plan(&server, MODULE);
    assert_eq!(plan.edits.len(), 1);
    assert_eq!(plan.edits[0].note, None);
    assert!(plan.edits[0].edit.new_text.contains("The b operand."));
    let journal = server.journal();
    assert_eq!(journal.len(), 2);
    let retry = body(&journal[1])["messages"].as_array().unwrap();
    let last = retry.last().unwrap();
    assert_eq!(last["role"], "user");
    assert!(last["content"].as_str().unwrap().contains("`c` is not a parameter of this function"), "{last}");
    assert!(retry.iter().any(|m| m["role"] == "assistant" && m["content"].as_str().unwrap().contains("\"c\"")));
}

#[test]
fn an_answer_invalid_twice_leaves_the_offline_skeleton_with_a_note() {
    let server = MockServer::start(MockConfig::default());
    server.set_answerer(|_| Some(add_answer(&["a", "b", "c"])));
    let plan = plan(&server, MODULE);
    assert_eq!(server.journal().len(), 2);
    assert_eq!(plan.edits.len(), 1);
    let edit = &plan.edits[0];
    let note = edit.note.as_deref().unwrap_or_default();
    assert!(note.contains("offline skeleton") && note.contains("`c` is not a parameter"), "{note}");
    assert!(!edit.edit.new_text.contains("from the mock"), "{}", edit.edit.new_text);
    assert!(edit.edit.new_text.contains("a (int)"), "{}", edit.edit.new_text);
}

#[test]
fn a_filtered_target_fails_alone() {
    let server = MockServer::start(MockConfig::default());
    server.set_answerer(|context| context.last_user.contains("`add`").then(|| add_answer(&["a", "b"])));
    let source = format!("{MODULE}\n\ndef hidden(x):\n    # MOCK_FAULT:content-filter-input\n    return x\n");
    let plan = plan(&server, &source);
    assert_eq!(plan.edits.len(), 1);
    assert_eq!(plan.edits[0].qualname, "add");
    assert!(plan.edits[0].edit.new_text.contains("Add two numbers from the mock."));
    assert_eq!(plan.failures.len(), 1);
    let failure = &plan.failures[0];
    assert_eq!(failure.qualname, "hidden");
    assert!(failure.error.0.contains("jailbreak"), "{}", failure.error);
    let mut statuses = statuses(&server.journal());
    statuses.sort();
    assert_eq!(statuses, [Some(200), Some(400)]);
}

// 9. Embeddings

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embeddings_come_in_input_order_with_the_configured_dimensions() {
    let mut config = MockConfig::default();
    config.deployments.insert("embed-small".into(), Deployment::embeddings("text-embedding-3-small", 256));
    let server = MockServer::start(config);
    let client = client(&server, "gpt-4o");
    let inputs: Vec<String> = ["alpha", "beta", "gamma"].map(String::from).to_vec();
    let batch = client.embed("embed-small", &inputs).await.unwrap();
    assert_eq!(batch.vectors.len(), 3);
    assert!(batch.vectors.iter().all(|v| v.len() == 256));
    assert!(batch.usage.prompt_tokens > 0);
    for (input, vector) in inputs.iter().zip(&batch.vectors) {
        let one = client.embed("embed-small", std::slice::from_ref(input)).await.unwrap();
        assert_eq!(&one.vectors[0], vector, "{input}");
    }
    assert_ne!(batch.vectors[0], batch.vectors[1]);
    let journal = server.journal();
    assert_eq!(journal[0].path, "/openai/deployments/embed-small/embeddings");
    assert_eq!(journal[0].query.as_deref(), Some("api-version=2024-10-21"));
    assert_eq!(body(&journal[0])["input"], json!(inputs));
    assert_eq!(body(&journal[0]).get("model"), None);

    let v1 = Provider::AzureV1 { endpoint: server.url(), deployment: "gpt-4o".into() };
    let vectors = build(v1, key(), fast()).embed("text-embedding-3-small", &inputs).await.unwrap();
    assert!(vectors.vectors.iter().all(|v| v.len() == 1536));
    let last = server.journal().pop().unwrap();
    assert_eq!((last.path.as_str(), last.query.as_deref()), ("/openai/v1/embeddings", None));
    assert_eq!(body(&last)["model"], "text-embedding-3-small");
    assert_eq!(last.status, Some(200));
}

// 10. Settings

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_resolve_to_a_working_client() {
    let server = MockServer::start(MockConfig::default());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("key");
    write(&file, KEY);
    let mut settings = ModelSettings::default();
    let problems = settings.apply(
        &json!({"model": "gpt-4o", "deployments": {"gpt-4o": {"deployment": "legacy"}},
            "apiKeyFile": file.display().to_string(), "maxRetries": 1, "maxCompletionTokens": 300}),
        "model",
    );
    assert!(problems.is_empty(), "{problems:?}");
    let url = server.url();
    let lookup = move |name: &str| (name == "AZURE_OPENAI_ENDPOINT").then(|| url.clone());
    let config = settings.resolve(&lookup).unwrap().expect("configured");
    let client = Client::from_config(&config).unwrap();
    server.push_fault(Fault::Status(503).for_deployment("legacy"));
    server.push_fault(Fault::Status(503).for_deployment("legacy"));
    let error = service_error(ask(&client, "def f(a): pass").await);
    assert_eq!(error.status, 503);
    assert_eq!(server.journal().len(), 2, "maxRetries 1: two attempts");
    ask(&client, "def f(a): pass").await.unwrap();
    let journal = server.journal();
    let last = journal.last().unwrap();
    assert_eq!(last.path, "/openai/deployments/legacy/chat/completions");
    assert_eq!(last.query.as_deref(), Some("api-version=2024-10-21"));
    assert_eq!(last.credential.as_ref().unwrap().matched.as_deref(), Some("key#0"));
    assert_eq!(body(last)["max_completion_tokens"], 300);
    assert_eq!(last.status, Some(200));
}

#[test]
fn a_long_body_is_shortened_to_the_prompt_budget_keeping_what_raises_and_returns() {
    let server = MockServer::start(MockConfig::default());
    let mut source = String::from("\"\"\"Long.\"\"\"\n\n\ndef crunch(data):\n    total = 0\n");
    for i in 0..400 {
        source.push_str(&format!("    total += data[{i}] * {i}  # step {i} of the long computation\n"));
    }
    source.push_str("    if total < 0:\n        raise ValueError(total)\n    return total\n");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let budgeted = ClientOptions { prompt_tokens: 1500, ..fast() };
    let client = Arc::new(build(classic(&server, "gpt-4o"), key(), budgeted));
    let writer = ModelWriter::new(Arc::clone(&client), runtime.handle().clone());
    let file = SourceFile::parse(source.clone()).unwrap();
    let plan = engine::edits(None, file.text(), file.module(), &options(), &writer).unwrap();
    assert!(plan.failures.is_empty(), "{:?}", plan.failures);
    let journal = server.journal();
    assert_eq!(journal.len(), 1);
    let sent = user_text(&journal[0]);
    assert!(sent.contains("def crunch(data):"), "the signature stays");
    assert!(sent.contains("raise ValueError(total)") && sent.contains("return total"), "raise and return stay");
    assert!(sent.contains("lines elided"), "a marker shows the cut");
    assert!(!sent.contains("step 200 of"), "the middle of the body is left out");
    let messages: Vec<ChatMessage> = body(&journal[0])["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| ChatMessage {
            role: m["role"].as_str().unwrap().into(),
            content: m["content"].as_str().unwrap().into(),
        })
        .collect();
    assert!(client.count_messages(&messages) <= 1500, "the prompt fits its budget");
    // A budget nothing can fit: a clear failure, and nothing sent.
    let tiny = Arc::new(build(classic(&server, "gpt-4o"), key(), ClientOptions { prompt_tokens: 40, ..fast() }));
    let writer = ModelWriter::new(tiny, runtime.handle().clone());
    let plan = engine::edits(None, file.text(), file.module(), &options(), &writer).unwrap();
    assert_eq!(plan.failures.len(), 1);
    assert!(plan.failures[0].error.0.contains("promptTokens"), "{:?}", plan.failures[0].error);
    assert_eq!(server.journal().len(), 1);
}

// 11. The exchange log

fn exchange_lines(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exchange_log_has_each_attempt_and_never_the_key() {
    let server = MockServer::start(MockConfig::default());
    // The answer repeats the key, as a service echoing a credential would.
    server.set_answerer(|_| {
        Some(json!({"summary": format!("Sign with {KEY}."), "description": "", "params": [], "returns": "",
            "yields": "", "raises": [], "attributes": []}))
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exchanges.jsonl");
    let client = client(&server, "gpt-4o").with_exchange_log(Some(ExchangeLog::open(&path).unwrap()));
    server.push_fault(Fault::Close);
    server.push_fault(Fault::ServerError);
    ask(&client, "def f(): pass").await.unwrap();
    assert_eq!(statuses(&server.journal()), [None, Some(500), Some(200)]);
    let lines = exchange_lines(&path);
    assert_eq!(lines.len(), 3, "{lines:#?}");
    let attempts: Vec<(Option<u64>, Option<u64>, Option<&str>)> =
        lines.iter().map(|l| (l["attempt"].as_u64(), l["status"].as_u64(), l["error"]["kind"].as_str())).collect();
    assert_eq!(
        attempts,
        [(Some(1), None, Some("transport")), (Some(2), Some(500), Some("server")), (Some(3), Some(200), None)]
    );
    assert!(lines.iter().all(|l| l["request_id"] == lines[0]["request_id"]), "one request: {lines:#?}");
    assert_eq!(lines[0]["scope"], Value::Null, "asked about nothing in particular");
    assert_eq!(lines[2]["request"]["messages"][1]["content"], "def f(): pass");
    let content = lines[2]["content"].as_str().unwrap();
    assert!(content.contains("Sign with [redacted]."), "{content}");
    let bytes = std::fs::read(&path).unwrap();
    assert!(!bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()), "the key is in the log");
    assert!(!String::from_utf8_lossy(&bytes).contains("Bearer"));
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_that_cannot_be_written_is_said_once_and_the_answers_still_come() {
    let server = MockServer::start(MockConfig::default());
    let client = client(&server, "gpt-4o").with_exchange_log(Some(ExchangeLog::open(Path::new("/dev/full")).unwrap()));
    ask(&client, "def f(a): pass").await.unwrap();
    ask(&client, "def g(b): pass").await.unwrap();
    let stats = client.stats();
    assert_eq!(stats.answers, 2);
    assert_eq!(stats.warnings.len(), 1, "{:?}", stats.warnings);
    assert!(stats.warnings[0].contains("/dev/full could not be written"), "{:?}", stats.warnings);
}
