//! Scripted faults, from the queue, the control endpoint and prompt markers.

mod common;

use std::time::{Duration, Instant, SystemTime};

use common::*;
use docwright_mock::{Fault, MockConfig, MockServer, RateLimited, ScriptedFault};
use serde_json::{Value, json};

fn fault_reply(server: &MockServer, fault: &str) -> Response {
    chat(server, "gpt-4o", &structured(&format!("def f(a): pass\nMOCK_FAULT:{fault}"), docstring_schema()))
}

#[test]
fn queued_faults_are_consumed_once_and_can_be_scoped() {
    let server = MockServer::start(MockConfig::default());
    server.push_fault(Fault::ServerError);
    server.push_fault(Fault::Status(503).for_deployment("gpt-35-turbo"));
    assert_eq!(server.pending_faults(), 2);
    let r = chat(&server, "gpt-4o", &user("hi"));
    assert_eq!(r.status, 500);
    let e = &r.json()["error"];
    assert_eq!(e["type"], "server_error");
    assert!(e["code"].is_null());
    assert!(e["message"].as_str().unwrap().contains(r.header("apim-request-id").unwrap()));
    // The scoped fault waits for its deployment.
    assert_eq!(chat(&server, "gpt-4o", &user("hi")).status, 200);
    assert_eq!(chat(&server, "gpt-35-turbo", &user("hi")).status, 503);
    assert_eq!(chat(&server, "gpt-35-turbo", &user("hi")).status, 200);
    assert_eq!(server.pending_faults(), 0);
    let j = server.journal();
    assert_eq!(j[0].fault.as_deref(), Some("500"));
    assert_eq!(j[1].fault, None);

    server.push_fault(Fault::Status(502).should_retry(false));
    server.push_fault(Fault::RateLimited(RateLimited::seconds(2)).should_retry(true));
    let r = chat(&server, "gpt-4o", &user("hi"));
    assert_eq!((r.status, r.header("x-should-retry")), (502, Some("false")));
    let r = chat(&server, "gpt-4o", &user("hi"));
    assert_eq!((r.status, r.header("x-should-retry")), (429, Some("true")));
    server.push_fault(Fault::ServerError);
    server.clear_faults();
    assert_eq!(chat(&server, "gpt-4o", &user("hi")).status, 200);
}

#[test]
fn control_endpoint_queues_faults() {
    let server = MockServer::start(MockConfig::default());
    let r = post(
        &server,
        "/_mock/faults",
        &[],
        &json!(["504", {"fault": "429-ms=1500", "deployment": "gpt-4o", "should_retry": false}]),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["queued"], 2);
    assert_eq!(request(&server, "GET", "/_mock/faults", &[], b"").json().as_array().unwrap().len(), 2);
    assert_eq!(chat(&server, "gpt-4o", &user("hi")).status, 504);
    let r = chat(&server, "gpt-4o", &user("hi"));
    assert_eq!((r.status, r.header("retry-after-ms"), r.header("retry-after")), (429, Some("1500"), None));
    assert_eq!(r.header("x-should-retry"), Some("false"));
    assert_eq!(post(&server, "/_mock/faults", &[], &json!("no-such-fault")).status, 400);
    assert_eq!(post(&server, "/_mock/faults", &[], &json!("500")).status, 200);
    assert_eq!(request(&server, "DELETE", "/_mock/faults", &[], b"").status, 200);
    assert_eq!(server.pending_faults(), 0);
}

#[test]
fn rate_limit_variants() {
    let server = MockServer::start(MockConfig::default());
    let r = fault_reply(&server, "429");
    assert_eq!((r.status, r.header("retry-after"), r.header("retry-after-ms")), (429, Some("1"), Some("1000")));
    let e = &r.json()["error"];
    assert_eq!(e["code"], "429");
    assert!(e["message"].as_str().unwrap().contains("API version 2024-10-21 have exceeded token rate limit"));
    assert!(r.header("x-ratelimit-remaining-requests").is_some());

    let r = fault_reply(&server, "429-seconds=6");
    assert_eq!((r.header("retry-after"), r.header("retry-after-ms")), (Some("6"), None));
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("retry after 6 seconds"));
    let r = fault_reply(&server, "429-ms=250");
    assert_eq!((r.header("retry-after"), r.header("retry-after-ms")), (None, Some("250")));
    let r = fault_reply(&server, "429-none");
    assert_eq!((r.status, r.header("retry-after"), r.header("retry-after-ms")), (429, None, None));
    assert_eq!(fault_reply(&server, "429-zero").header("retry-after"), Some("0"));
    assert_eq!(fault_reply(&server, "429-negative").header("retry-after"), Some("-5"));
    let r = fault_reply(&server, "429-huge");
    assert_eq!(r.header("retry-after"), Some("86400"));
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("retry after 86400 seconds"));
    assert_eq!(fault_reply(&server, "429-int").json()["error"]["code"], 429);
    let r = fault_reply(&server, "429-high-demand");
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("high demand"));

    let r = fault_reply(&server, "429-date=30");
    let when = httpdate::parse_http_date(r.header("retry-after").unwrap()).unwrap();
    let ahead = when.duration_since(SystemTime::now()).unwrap_or_default().as_secs();
    assert!((28..=30).contains(&ahead), "{ahead}");

    let r = fault_reply(&server, "insufficient-quota");
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["error"]["type"], "insufficient_quota");
    assert_eq!(r.json()["error"]["code"], "insufficient_quota");
}

#[test]
fn gateway_and_permission_faults() {
    let server = MockServer::start(MockConfig::default());
    for (spec, status) in [("500", 500), ("502", 502), ("503", 503), ("504", 504), ("status=418", 418)] {
        let r = fault_reply(&server, spec);
        assert_eq!(r.status, status, "{spec}");
        assert!(r.json().get("error").is_some());
    }
    let r = fault_reply(&server, "html");
    assert_eq!(r.status, 502);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(String::from_utf8_lossy(&r.body).starts_with("<!DOCTYPE html>"));
    assert_eq!(fault_reply(&server, "html=503").status, 503);
    let r = fault_reply(&server, "firewall");
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["error"]["message"], "Access denied due to Virtual Network/Firewall rules.");
    assert_eq!(r.header("policy-id"), Some("ThrowExceptionDueToTrafficDenied"));
    let r = fault_reply(&server, "permission-denied");
    assert_eq!((r.status, r.json()["error"]["code"].clone()), (401, json!("PermissionDenied")));
    let r = fault_reply(&server, "500,should-retry=false");
    assert_eq!((r.status, r.header("x-should-retry")), (500, Some("false")));
    // Markers apply to embeddings too.
    let path = format!("/openai/deployments/text-embedding-3-small/embeddings?{CLASSIC}");
    let r = post(&server, &path, &[("api-key", "test-key")], &json!({"input": "MOCK_FAULT:503"}));
    assert_eq!(r.status, 503);
}

#[test]
fn content_filter_faults() {
    let server = MockServer::start(MockConfig::default());
    let r = fault_reply(&server, "content-filter-input");
    assert_eq!(r.status, 400);
    let e = &r.json()["error"];
    assert_eq!(e["code"], "content_filter");
    assert_eq!(e["param"], "prompt");
    assert_eq!(e["status"], 400);
    assert_eq!(e["innererror"]["code"], "ResponsibleAIPolicyViolation");
    assert_eq!(e["innererror"]["content_filter_result"]["jailbreak"], json!({"filtered": true, "detected": true}));

    let v = fault_reply(&server, "content-filter-output").json();
    let choice = &v["choices"][0];
    assert_eq!(choice["finish_reason"], "content_filter");
    assert!(choice["message"]["content"].is_null());
    assert_eq!(choice["content_filter_results"]["violence"], json!({"filtered": true, "severity": "medium"}));

    let r = fault_reply(&server, "filter-unavailable");
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["choices"][0]["content_filter_results"]["error"]["code"], "content_filter_error");
    assert!(v["choices"][0]["message"]["content"].is_string());
}

#[test]
fn answer_shaping_faults() {
    let server = MockServer::start(MockConfig::default());
    let v = fault_reply(&server, "length").json();
    assert_eq!(v["choices"][0]["finish_reason"], "length");
    let content = v["choices"][0]["message"]["content"].as_str().unwrap();
    assert!(content.starts_with('{') && serde_json::from_str::<Value>(content).is_err());

    let v = fault_reply(&server, "refusal").json();
    let m = &v["choices"][0]["message"];
    assert!(m["content"].is_null());
    assert!(m["refusal"].as_str().unwrap().contains("can't assist"));

    assert_eq!(fault_reply(&server, "unknown-finish").json()["choices"][0]["finish_reason"], "mystery");
    let v = fault_reply(&server, "no-usage").json();
    assert!(v.get("usage").is_none());
    assert!(v["choices"][0]["message"]["content"].is_string());

    let r = fault_reply(&server, "non-json");
    assert_eq!(r.status, 200);
    assert!(serde_json::from_slice::<Value>(&r.body).is_err());

    let body = json!({
        "messages": [{"role": "user", "content": "MOCK_FAULT:tool-calls"}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "d", "schema": docstring_schema()}},
        "tools": [{"type": "function", "function": {"name": "emit", "parameters": docstring_schema()}}]
    });
    let v = chat(&server, "gpt-4o", &body).json();
    assert_eq!(v["choices"][0]["finish_reason"], "tool_calls");
    assert_eq!(v["choices"][0]["message"]["tool_calls"][0]["function"]["name"], "emit");
}

#[test]
fn transport_faults() {
    let server = MockServer::start(MockConfig::default());
    let body = |spec: &str| user(&format!("MOCK_FAULT:{spec}")).to_string().into_bytes();
    let path = classic_path("gpt-4o");
    let h = [("api-key", "test-key")];

    let started = Instant::now();
    let r = raw(server.addr(), "POST", &path, &h, &body("delay=300"), Duration::from_secs(5));
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(parse(&r.bytes).unwrap().status, 200);

    let r = raw(server.addr(), "POST", &path, &h, &body("close"), Duration::from_secs(5));
    assert!(r.bytes.is_empty(), "no response bytes at all");

    let r = raw(server.addr(), "POST", &path, &h, &body("hang"), Duration::from_millis(400));
    assert!(r.bytes.is_empty());
    let e = r.error.expect("read timed out");
    assert!(matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut), "{e}");

    let r = raw(server.addr(), "POST", &path, &h, &body("reset"), Duration::from_secs(5));
    let resp = parse(&r.bytes).expect("headers were sent");
    assert_eq!(resp.status, 200);
    let announced: usize = resp.header("content-length").unwrap().parse().unwrap();
    assert!(resp.body.len() < announced, "{} of {announced}", resp.body.len());

    let j = server.journal();
    assert_eq!(j[1].status, None);
    assert_eq!(j[2].status, None);
    assert_eq!(j[3].status, Some(200));
    assert_eq!(j[3].fault.as_deref(), Some("reset"));
    // The server still answers after all that.
    assert_eq!(chat(&server, "gpt-4o", &user("hi")).status, 200);
}

#[test]
fn fault_specs_parse_and_reject_garbage() {
    assert_eq!(ScriptedFault::parse("delay=5").unwrap().fault, Fault::Delay(Duration::from_millis(5)));
    assert_eq!(Fault::parse("429-date=3").unwrap(), Fault::RateLimited(RateLimited::http_date(3)));
    for bad in ["", "429-seconds", "429-seconds=x", "delay=-1", "status=9999", "500,retry=maybe", "nope"] {
        assert!(ScriptedFault::parse(bad).is_err(), "{bad}");
    }
    // An unknown marker is ignored rather than failing the request.
    let server = MockServer::start(MockConfig::default());
    assert_eq!(chat(&server, "gpt-4o", &user("MOCK_FAULT:bogus then MOCK_FAULT:503.")).status, 503);
    assert_eq!(chat(&server, "gpt-4o", &user("MOCK_FAULT:bogus")).status, 200);
}
