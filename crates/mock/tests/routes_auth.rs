//! Routing, api-version handling, response envelope and headers, authentication and the journal.

mod common;

use common::*;
use docwright_mock::{MockConfig, MockServer, REDACTED, fingerprint};
use serde_json::json;

#[test]
fn classic_route_answers_with_the_full_azure_envelope() {
    let server = MockServer::start(MockConfig::default());
    let r = post(
        &server,
        &classic_path("gpt-4o"),
        &[("api-key", "test-key"), ("x-ms-client-request-id", "5b0e3c1e-3f1d")],
        &user("Say hello"),
    );
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["model"], "gpt-4o-2024-11-20");
    assert_eq!(v["object"], "chat.completion");
    assert!(v["id"].as_str().unwrap().starts_with("chatcmpl-"));
    assert!(v["system_fingerprint"].as_str().unwrap().starts_with("fp_"));
    assert_eq!(v["prompt_filter_results"][0]["prompt_index"], 0);
    assert_eq!(v["prompt_filter_results"][0]["content_filter_results"]["jailbreak"]["detected"], false);
    let choice = &v["choices"][0];
    assert_eq!(choice["finish_reason"], "stop");
    assert!(choice["logprobs"].is_null());
    assert!(choice["message"]["refusal"].is_null());
    assert_eq!(choice["content_filter_results"]["violence"]["severity"], "safe");
    assert_eq!(v["usage"]["prompt_tokens_details"]["cached_tokens"], 0);
    assert_eq!(v["usage"]["completion_tokens_details"]["reasoning_tokens"], 0);
    let u = &v["usage"];
    assert_eq!(u["total_tokens"], u["prompt_tokens"].as_u64().unwrap() + u["completion_tokens"].as_u64().unwrap());

    let id = r.header("apim-request-id").unwrap();
    assert_eq!(id.len(), 36);
    assert_eq!(id.matches('-').count(), 4);
    assert_eq!(r.header("x-ms-region"), Some("East US"));
    assert_eq!(r.header("x-ms-client-request-id"), Some("5b0e3c1e-3f1d"));
    assert_eq!(r.header("x-ratelimit-remaining-requests"), Some("99"));
    assert!(r.header("x-ratelimit-remaining-tokens").is_some());
}

#[test]
fn same_request_gives_same_content_and_id() {
    let server = MockServer::start(MockConfig { created: Some(1_767_225_600), ..MockConfig::default() });
    let body = structured("def f(x): pass", docstring_schema());
    let a = chat(&server, "gpt-4o", &body).json();
    let b = chat(&server, "gpt-4o", &body).json();
    assert_eq!(a["id"], b["id"]);
    assert_eq!(a["choices"], b["choices"]);
    assert_eq!(a["created"], 1_767_225_600);
    let mut seeded = body.clone();
    seeded["seed"] = json!(7);
    assert_ne!(chat(&server, "gpt-4o", &seeded).json()["id"], a["id"]);
    assert_ne!(chat(&server, "gpt-35-turbo", &body).json()["id"], a["id"]);
}

#[test]
fn v1_and_openai_routes_take_the_deployment_from_the_body() {
    let server = MockServer::start(MockConfig::default());
    let mut body = user("hi");
    body["model"] = json!("gpt-4o");
    let r = post(&server, "/openai/v1/chat/completions", &[("api-key", "test-key")], &body);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["model"], "gpt-4o-2024-11-20");
    let r = post(&server, "/openai/v1/chat/completions?api-version=preview", &[("api-key", "test-key")], &body);
    assert_eq!(r.status, 200);
    // v1 accepts the resource key as a bearer value.
    let r = post(&server, "/openai/v1/chat/completions", &[("authorization", "Bearer test-key")], &body);
    assert_eq!(r.status, 200);

    let r = post(&server, "/v1/chat/completions", &[("authorization", "Bearer test-key")], &body);
    assert_eq!(r.status, 200);
    let v = r.json();
    assert!(v.get("prompt_filter_results").is_none(), "OpenAI mode has no Azure filter results");
    // OpenAI mode also accepts the model name.
    body["model"] = json!("gpt-4o-2024-11-20");
    assert_eq!(post(&server, "/v1/chat/completions", &[("authorization", "Bearer test-key")], &body).status, 200);
    body["model"] = json!("nope");
    let r = post(&server, "/v1/chat/completions", &[("authorization", "Bearer test-key")], &body);
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["code"], "model_not_found");
    let r = post(&server, "/openai/v1/chat/completions", &[("api-key", "test-key")], &body);
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["code"], "DeploymentNotFound");
}

#[test]
fn version_and_path_errors() {
    let server = MockServer::start(MockConfig::default());
    let key = [("api-key", "test-key")];
    let r = post(&server, "/openai/deployments/gpt-4o/chat/completions", &key, &user("hi"));
    assert_eq!(r.status, 404);
    assert_eq!(r.json(), json!({"error": {"code": "404", "message": "Resource not found"}}));
    let r = post(&server, "/openai/deployments/gpt-4o/chat/completions?api-version=2019-01-01", &key, &user("hi"));
    assert_eq!(r.status, 400);
    assert_eq!(r.json(), json!({"error": {"code": "BadRequest", "message": "API version not supported"}}));
    let r = post(&server, "/openai/v1/chat/completions?api-version=2019-01-01", &key, &user("hi"));
    assert_eq!(r.status, 400);
    for v in ["2024-06-01", "2024-08-01-preview", "2025-04-01-preview"] {
        let r =
            post(&server, &format!("/openai/deployments/gpt-4o/chat/completions?api-version={v}"), &key, &user("hi"));
        assert_eq!(r.status, 200, "{v}");
    }
    let r = chat(&server, "missing", &user("hi"));
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["code"], "DeploymentNotFound");
    let r = post(&server, "/openai/deployments/gpt-4o/completions?api-version=2024-10-21", &key, &user("hi"));
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["message"], "Resource not found");
    let r = request(&server, "GET", &classic_path("gpt-4o"), &key, b"");
    assert_eq!(r.status, 404);
    let r = chat(&server, "text-embedding-3-small", &user("hi"));
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], "OperationNotSupported");
}

#[test]
fn embeddings_are_deterministic_vectors_with_usage() {
    let server = MockServer::start(MockConfig::default());
    let path = format!("/openai/deployments/text-embedding-3-small/embeddings?{CLASSIC}");
    let key = [("api-key", "test-key")];
    let r = post(&server, &path, &key, &json!({"input": ["hello world", "bye"]}));
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["object"], "list");
    assert_eq!(v["model"], "text-embedding-3-small");
    assert_eq!(v["data"].as_array().unwrap().len(), 2);
    assert_eq!(v["data"][1]["index"], 1);
    assert_eq!(v["data"][0]["embedding"].as_array().unwrap().len(), 1536);
    assert_eq!(v["usage"]["prompt_tokens"], 3);
    assert_eq!(v["usage"]["total_tokens"], 3);
    let again = post(&server, &path, &key, &json!({"input": "hello world", "dimensions": 8})).json();
    assert_eq!(again["data"][0]["embedding"].as_array().unwrap().len(), 8);
    let b64 = post(&server, &path, &key, &json!({"input": "x", "encoding_format": "base64", "dimensions": 4})).json();
    assert_eq!(b64["data"][0]["embedding"].as_str().unwrap().len(), 24);
    let mut body = json!({"input": "hello world", "model": "text-embedding-3-small"});
    let r = post(&server, "/openai/v1/embeddings", &key, &body);
    assert_eq!(r.json()["data"][0]["embedding"], v["data"][0]["embedding"]);
    body["input"] = json!([]);
    assert_eq!(post(&server, "/openai/v1/embeddings", &key, &body).status, 400);
    let r = post(&server, &format!("/openai/deployments/gpt-4o/embeddings?{CLASSIC}"), &key, &json!({"input": "x"}));
    assert_eq!(r.json()["error"]["code"], "OperationNotSupported");
}

#[test]
fn keys_and_tokens_authenticate_and_rotate() {
    let server = MockServer::start(MockConfig::default());
    let path = classic_path("gpt-4o");
    let ok = |h: &[(&str, &str)]| post(&server, &path, h, &user("hi")).status;
    assert_eq!(ok(&[("api-key", "test-key")]), 200);
    assert_eq!(ok(&[("authorization", "Bearer test-token")]), 200);

    let r = post(&server, &path, &[("api-key", "wrong")], &user("hi"));
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["code"], "401");
    assert!(
        r.json()["error"]["message"].as_str().unwrap().starts_with("Access denied due to invalid subscription key")
    );
    let r = post(&server, &path, &[], &user("hi"));
    assert_eq!(r.status, 401);
    let r = post(&server, &path, &[("authorization", "Bearer wrong")], &user("hi"));
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["statusCode"], 401);
    assert!(r.json().get("error").is_none());
    // The classic surface does not take the key as a bearer value.
    assert_eq!(ok(&[("authorization", "Bearer test-key")]), 401);

    server.set_api_keys(&["key-1", "key-2"]);
    assert_eq!(ok(&[("api-key", "test-key")]), 401);
    assert_eq!(ok(&[("api-key", "key-2")]), 200);

    server.expire_token("test-token");
    let r = post(&server, &path, &[("authorization", "Bearer test-token")], &user("hi"));
    assert_eq!(r.status, 401);
    assert!(r.json()["message"].as_str().unwrap().contains("have expired"));
    server.set_tokens(&["fresh-token"]);
    assert_eq!(ok(&[("authorization", "Bearer fresh-token")]), 200);

    server.deny_token_role("fresh-token");
    let r = post(&server, &path, &[("authorization", "Bearer fresh-token")], &user("hi"));
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["code"], "PermissionDenied");

    let r = post(
        &server,
        "/v1/chat/completions",
        &[("authorization", "Bearer nope")],
        &json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}),
    );
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["code"], "invalid_api_key");
}

#[test]
fn journal_records_requests_with_redacted_credentials() {
    let server = MockServer::start(MockConfig::default());
    let path = classic_path("gpt-4o");
    post(&server, &path, &[("api-key", "test-key"), ("x-stainless-retry-count", "0")], &user("one"));
    post(&server, &path, &[("authorization", "Bearer test-token")], &user("two"));
    post(&server, &path, &[("api-key", "bad")], &user("three"));
    let j = server.journal();
    assert_eq!(j.len(), 3);
    assert_eq!(j[0].seq, 0);
    assert_eq!(j[0].method, "POST");
    assert_eq!(j[0].path, "/openai/deployments/gpt-4o/chat/completions");
    assert_eq!(j[0].query.as_deref(), Some(CLASSIC));
    assert_eq!(j[0].header("api-key"), Some(REDACTED));
    assert_eq!(j[0].header("x-stainless-retry-count"), Some("0"));
    assert_eq!(j[0].body.as_ref().unwrap()["messages"][0]["content"], "one");
    assert_eq!(j[0].status, Some(200));
    assert_eq!(j[0].deployment.as_deref(), Some("gpt-4o"));
    let c = j[0].credential.as_ref().unwrap();
    assert_eq!((c.kind, c.matched.as_deref()), ("api-key", Some("key#0")));
    assert_eq!(c.fingerprint, fingerprint("test-key"));
    assert_eq!(j[1].header("authorization"), Some(REDACTED));
    let c = j[1].credential.as_ref().unwrap();
    assert_eq!((c.kind, c.matched.as_deref()), ("bearer", Some("token#0")));
    assert_eq!(j[2].status, Some(401));
    assert_eq!(j[2].credential.as_ref().unwrap().matched, None);
    assert!(j[0].ms_since_start <= j[1].ms_since_start && j[1].at <= j[2].at);

    // Over HTTP, without the secrets.
    let r = request(&server, "GET", "/_mock/journal", &[], b"");
    assert_eq!(r.status, 200);
    let text = String::from_utf8(r.body.clone()).unwrap();
    assert!(!text.contains("test-key") && !text.contains("test-token"));
    let v = r.json();
    assert_eq!(v.as_array().unwrap().len(), 3);
    assert_eq!(v[1]["credential"]["matched"], "token#0");
    assert_eq!(v[2]["status"], 401);

    server.clear_journal();
    assert!(server.journal().is_empty());
    post(&server, &path, &[("api-key", "test-key")], &user("four"));
    assert_eq!(request(&server, "DELETE", "/_mock/journal", &[], b"").status, 200);
    assert!(server.journal().is_empty());
}

#[test]
fn config_endpoint_changes_settings() {
    let server = MockServer::start(MockConfig::default());
    let r = post(&server, "/_mock/config", &[], &json!({"region": "West Europe", "api_keys": ["k2"], "latency_ms": 0}));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["region"], "West Europe");
    let r = post(&server, &classic_path("gpt-4o"), &[("api-key", "k2")], &user("hi"));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-ms-region"), Some("West Europe"));
    let r = post(
        &server,
        "/_mock/config",
        &[],
        &json!({"deployments": {"mine": {"model": "gpt-4.1-2025-04-14", "context_window": 1000}}}),
    );
    assert_eq!(r.status, 200);
    let r = post(&server, &classic_path("mine"), &[("api-key", "k2")], &user("hi"));
    assert_eq!(r.json()["model"], "gpt-4.1-2025-04-14");
    assert_eq!(post(&server, "/_mock/config", &[], &json!({"bogus": 1})).status, 400);
    assert_eq!(request(&server, "GET", "/_mock/health", &[], b"").status, 200);
    assert_eq!(request(&server, "GET", "/_mock/nothing", &[], b"").status, 404);
}
