//! A tiny blocking HTTP/1.1 client over std::net, enough to see transport faults as they are.
#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use docwright_mock::MockServer;
use serde_json::{Value, json};

pub const CLASSIC: &str = "api-version=2024-10-21";

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    /// The answer content of a chat completion, parsed as JSON.
    pub fn content_json(&self) -> Value {
        let v = self.json();
        let content = v["choices"][0]["message"]["content"].as_str().expect("content string").to_string();
        serde_json::from_str(&content).expect("content is JSON")
    }
}

/// What came back before EOF or an error.
pub struct Raw {
    pub bytes: Vec<u8>,
    pub error: Option<io::Error>,
}

pub fn raw(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    timeout: Duration,
) -> Raw {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(timeout)).unwrap();
    let mut req = format!(
        "{method} {target} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut bytes = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Raw { bytes, error: None },
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e) => return Raw { bytes, error: Some(e) },
        }
    }
}

pub fn parse(raw: &[u8]) -> Option<Response> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some(Response { status, headers, body: raw[split + 4..].to_vec() })
}

pub fn request(server: &MockServer, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
    let r = raw(server.addr(), method, target, headers, body, Duration::from_secs(10));
    if let Some(e) = r.error {
        panic!("transport error: {e}");
    }
    parse(&r.bytes).expect("an HTTP response")
}

pub fn post(server: &MockServer, target: &str, headers: &[(&str, &str)], body: &Value) -> Response {
    let mut h = vec![("content-type", "application/json")];
    h.extend_from_slice(headers);
    request(server, "POST", target, &h, body.to_string().as_bytes())
}

pub fn classic_path(deployment: &str) -> String {
    format!("/openai/deployments/{deployment}/chat/completions?{CLASSIC}")
}

/// A chat request to the classic route with the default key.
pub fn chat(server: &MockServer, deployment: &str, body: &Value) -> Response {
    post(server, &classic_path(deployment), &[("api-key", "test-key")], body)
}

pub fn user(text: &str) -> Value {
    json!({"messages": [{"role": "user", "content": text}]})
}

pub fn docstring_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "summary": {"type": "string"},
            "params": {"type": "array", "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "type": {"type": ["string", "null"]}, "description": {"type": "string"}},
                "required": ["name", "type", "description"],
                "additionalProperties": false
            }},
            "returns": {"type": ["string", "null"]},
            "raises": {"type": "array", "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "description": {"type": "string"}},
                "required": ["name", "description"],
                "additionalProperties": false
            }}
        },
        "required": ["summary", "params", "returns", "raises"],
        "additionalProperties": false
    })
}

pub fn structured(text: &str, schema: Value) -> Value {
    json!({
        "messages": [{"role": "system", "content": "Write a docstring."}, {"role": "user", "content": text}],
        "max_completion_tokens": 512,
        "response_format": {"type": "json_schema", "json_schema": {"name": "python_docstring", "strict": true, "schema": schema}}
    })
}
