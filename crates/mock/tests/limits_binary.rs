//! The fixed-window limiter, latency, and the binary.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use docwright_mock::{MockConfig, MockServer};
use serde_json::json;

/// Sleeps until shortly after the next window boundary, counted from the server start.
fn align(server: &MockServer, window: Duration) {
    let elapsed = server.started_at().elapsed();
    let into = Duration::from_nanos((elapsed.as_nanos() % window.as_nanos()) as u64);
    std::thread::sleep(window - into + Duration::from_millis(20));
}

fn limited(rpm: u64, tpm: u64, rpm_window: Duration, tpm_window: Duration) -> MockServer {
    let mut config = MockConfig::default().with_limits(rpm, tpm);
    config.rpm_window = rpm_window;
    config.tpm_window = tpm_window;
    MockServer::start(config)
}

#[test]
fn request_windows_allow_rpm_scaled_to_the_window() {
    let window = Duration::from_millis(1000);
    // 300 RPM over 1 s windows: 5 requests per window (as 600 RPM gives 100 per 10 s).
    let server = limited(300, 0, window, Duration::from_secs(60));
    align(&server, window);
    for left in (0..5).rev() {
        let r = chat(&server, "gpt-4o", &user("hi"));
        assert_eq!(r.status, 200);
        assert_eq!(r.header("x-ratelimit-remaining-requests"), Some(left.to_string().as_str()));
    }
    let r = chat(&server, "gpt-4o", &user("hi"));
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("1"));
    let ms: u64 = r.header("retry-after-ms").unwrap().parse().unwrap();
    assert!((1..=1000).contains(&ms), "{ms}");
    let e = &r.json()["error"];
    assert_eq!(e["code"], "429");
    assert!(e["message"].as_str().unwrap().contains("call rate limit"));
    assert_eq!(r.header("x-ratelimit-remaining-requests"), Some("0"));
    // Other deployments have their own counts.
    assert_eq!(chat(&server, "gpt-35-turbo", &user("hi")).status, 200);
    // Waiting out the announced time opens the next window.
    std::thread::sleep(Duration::from_millis(ms + 5));
    assert_eq!(chat(&server, "gpt-4o", &user("hi")).status, 200);
    let statuses: Vec<Option<u16>> = server.journal().iter().map(|e| e.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == Some(429)).count(), 1);
}

#[test]
fn windows_are_aligned_to_the_server_start() {
    let window = Duration::from_millis(1000);
    let server = limited(60, 0, window, Duration::from_secs(60));
    align(&server, window);
    assert_eq!(chat(&server, "gpt-4o", &user("hi")).status, 200);
    std::thread::sleep(Duration::from_millis(300));
    let r = chat(&server, "gpt-4o", &user("hi"));
    assert_eq!(r.status, 429);
    let ms: u64 = r.header("retry-after-ms").unwrap().parse().unwrap();
    let expected = window.as_millis() as u64 - (server.started_at().elapsed().as_millis() as u64 % 1000);
    assert!(ms.abs_diff(expected) <= 30, "{ms} vs {expected}");
}

#[test]
fn concurrent_requests_get_exactly_the_window_allowance() {
    let window = Duration::from_millis(2000);
    let server = limited(300, 0, window, Duration::from_secs(60));
    align(&server, window);
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..14).map(|_| s.spawn(|| chat(&server, "gpt-4o", &user("hi")).status)).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 10, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 4);
}

#[test]
fn tokens_are_precharged_with_the_completion_limit() {
    let window = Duration::from_millis(1000);
    // 60000 TPM over 1 s windows: 1000 tokens per window.
    let server = limited(0, 60_000, Duration::from_secs(10), window);
    align(&server, window);
    let mut body = user("hi");
    body["max_completion_tokens"] = json!(400);
    let first = chat(&server, "gpt-4o", &body);
    assert_eq!(first.status, 200);
    let prompt = first.json()["usage"]["prompt_tokens"].as_u64().unwrap();
    assert_eq!(first.header("x-ratelimit-remaining-tokens"), Some((1000 - prompt - 400).to_string().as_str()));
    assert!(first.header("x-ratelimit-remaining-requests").is_none(), "RPM unlimited");
    assert_eq!(chat(&server, "gpt-4o", &body).status, 200);
    let r = chat(&server, "gpt-4o", &body);
    assert_eq!(r.status, 429);
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("token rate limit"));
    // max_tokens counts the same way.
    body = user("hi");
    body["max_tokens"] = json!(400);
    assert_eq!(chat(&server, "gpt-4o", &body).status, 429);
    // A small request still fits.
    assert_eq!(chat(&server, "gpt-4o", &user("hi")).status, 200);
}

#[test]
fn without_enforcement_only_headers_count_down() {
    let server = MockServer::start(MockConfig::default());
    server.update_config(|c| c.deployments.get_mut("gpt-4o").unwrap().rpm = 12);
    let rem: Vec<String> = (0..4)
        .map(|_| {
            let r = chat(&server, "gpt-4o", &user("hi"));
            assert_eq!(r.status, 200);
            r.header("x-ratelimit-remaining-requests").unwrap().to_string()
        })
        .collect();
    // 12 RPM over the default 10 s window is 2 per window; the count floors at zero.
    assert_eq!(rem[0], "1");
    assert!(rem.iter().all(|r| r == "0" || r == "1"), "{rem:?}");
    let r = post(&server, "/_mock/config", &[], &json!({"enforce_limits": true, "reset_limiter": true}));
    assert_eq!(r.status, 200);
    let codes: Vec<u16> = (0..3).map(|_| chat(&server, "gpt-4o", &user("hi")).status).collect();
    assert!(codes.contains(&429), "{codes:?}");
}

#[test]
fn latency_delays_answers_but_not_gateway_errors() {
    let server = MockServer::start(MockConfig { latency: Duration::from_millis(300), ..MockConfig::default() });
    let t = Instant::now();
    assert_eq!(chat(&server, "gpt-4o", &user("hi")).status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    let t = Instant::now();
    assert_eq!(post(&server, &classic_path("gpt-4o"), &[("api-key", "bad")], &user("hi")).status, 401);
    assert!(t.elapsed() < Duration::from_millis(250));
    server.set_latency(Duration::ZERO);
    let t = Instant::now();
    chat(&server, "gpt-4o", &user("hi"));
    assert!(t.elapsed() < Duration::from_millis(250));
}

#[test]
fn binary_prints_its_url_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_docwright-mock"))
        .args(["--port", "0", "--latency-ms", "50", "--rpm", "600", "--key", "K1", "--token", "T1"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn docwright-mock");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let addr: SocketAddr = url.trim_start_matches("http://").parse().unwrap();
    let send = |auth: (&str, &str)| {
        let body = user("hi").to_string();
        let r = raw(addr, "POST", &classic_path("gpt-4o"), &[auth], body.as_bytes(), Duration::from_secs(5));
        parse(&r.bytes).unwrap()
    };
    let t = Instant::now();
    let r = send(("api-key", "K1"));
    assert_eq!(r.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(50));
    assert_eq!(r.header("x-ratelimit-remaining-requests"), Some("99"));
    assert_eq!(send(("authorization", "Bearer T1")).status, 200);
    assert_eq!(send(("api-key", "test-key")).status, 401);
    child.kill().unwrap();
    child.wait().unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_docwright-mock")).args(["--port", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
