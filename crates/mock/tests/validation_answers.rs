//! Request validation, strict schemas, mode support per deployment, token counting and the answers.

mod common;

use common::*;
use docwright_mock::tokens::count_text;
use docwright_mock::{Deployment, Family, MockConfig, MockServer};
use serde_json::{Value, json};

fn error(r: &Response) -> Value {
    r.json()["error"].clone()
}

#[test]
fn malformed_bodies_get_400() {
    let server = MockServer::start(MockConfig::default());
    let key = [("api-key", "test-key")];
    let r = request(&server, "POST", &classic_path("gpt-4o"), &key, b"{not json");
    assert_eq!(r.status, 400);
    assert_eq!(error(&r)["type"], "invalid_request_error");
    let r = request(&server, "POST", &classic_path("gpt-4o"), &key, b"");
    assert_eq!(r.status, 400);
    let r = request(&server, "POST", &classic_path("gpt-4o"), &key, b"[1,2]");
    assert_eq!(r.status, 400);
    let r = chat(&server, "gpt-4o", &json!({"model": "x"}));
    assert_eq!(error(&r)["code"], "missing_required_parameter");
    assert_eq!(error(&r)["param"], "messages");
    assert_eq!(error(&chat(&server, "gpt-4o", &json!({"messages": []})))["code"], "empty_array");
    assert_eq!(error(&chat(&server, "gpt-4o", &json!({"messages": "hi"})))["code"], "invalid_type");
    assert_eq!(
        error(&chat(&server, "gpt-4o", &json!({"messages": [{"role": "robot", "content": "x"}]})))["code"],
        "invalid_value"
    );
    assert_eq!(error(&chat(&server, "gpt-4o", &json!({"messages": [42]})))["code"], "missing_required_parameter");
    let mut body = user("hi");
    body["max_completion_tokens"] = json!(-3);
    assert_eq!(chat(&server, "gpt-4o", &body).status, 400);
    body["max_completion_tokens"] = json!("many");
    assert_eq!(chat(&server, "gpt-4o", &body).status, 400);
    let mut body = user("hi");
    body["response_format"] = json!({"type": "yaml"});
    assert_eq!(error(&chat(&server, "gpt-4o", &body))["param"], "response_format.type");
    body["response_format"] = json!(17);
    assert_eq!(chat(&server, "gpt-4o", &body).status, 400);
    let mut body = user("hi");
    body["tools"] = json!("all");
    assert_eq!(chat(&server, "gpt-4o", &body).status, 400);
    body["tools"] = json!([{"type": "function"}]);
    assert_eq!(chat(&server, "gpt-4o", &body).status, 400);
    // Extreme numbers are refused, not overflowed.
    let mut body = user("hi MOCK_FAULT:429-ms=9223372036854775807");
    assert_eq!(chat(&server, "gpt-4o", &body).status, 429);
    body = user("hi");
    body["max_completion_tokens"] = json!(u64::MAX);
    assert_eq!(error(&chat(&server, "gpt-4o", &body))["code"], "context_length_exceeded");
    // The server is still fine afterwards.
    assert_eq!(chat(&server, "gpt-4o", &user("hi")).status, 200);
}

#[test]
fn reasoning_deployments_reject_max_tokens_and_temperature() {
    let server = MockServer::start(MockConfig::default());
    let mut body = user("hi");
    body["max_tokens"] = json!(100);
    let r = chat(&server, "o3-mini", &body);
    assert_eq!(r.status, 400);
    assert_eq!(error(&r)["code"], "unsupported_parameter");
    assert_eq!(error(&r)["param"], "max_tokens");
    assert_eq!(
        error(&r)["message"],
        "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."
    );
    // Non-reasoning deployments still take max_tokens.
    assert_eq!(chat(&server, "gpt-4o", &body).status, 200);

    let mut body = user("hi");
    body["temperature"] = json!(0);
    let r = chat(&server, "o3-mini", &body);
    assert_eq!(error(&r)["code"], "unsupported_value");
    assert_eq!(error(&r)["param"], "temperature");
    body["temperature"] = json!(1);
    body["max_completion_tokens"] = json!(2000);
    body["messages"] = json!([{"role": "developer", "content": "Be brief."}, {"role": "user", "content": "hi"}]);
    let r = chat(&server, "o3-mini", &body);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["model"], "o3-mini-2025-01-31");
    assert_eq!(r.json()["usage"]["completion_tokens_details"]["reasoning_tokens"], 64);
}

#[test]
fn strict_schemas_are_checked() {
    let server = MockServer::start(MockConfig::default());
    let mut schema = docstring_schema();
    schema.as_object_mut().unwrap().remove("additionalProperties");
    let r = chat(&server, "gpt-4o", &structured("x", schema));
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({"error": {
            "message": "Invalid schema for response_format 'python_docstring': In context=(), 'additionalProperties' is required to be supplied and to be false.",
            "type": "invalid_request_error",
            "param": "response_format",
            "code": null
        }})
    );
    let mut schema = docstring_schema();
    schema["required"] = json!(["summary", "params", "raises"]);
    let e = error(&chat(&server, "gpt-4o", &structured("x", schema)));
    assert!(e["message"].as_str().unwrap().ends_with("Missing 'returns'."), "{e}");
    let mut schema = docstring_schema();
    schema["properties"]["summary"]["pattern"] = json!("^A");
    assert!(
        error(&chat(&server, "gpt-4o", &structured("x", schema)))["message"]
            .as_str()
            .unwrap()
            .contains("'pattern' is not permitted")
    );
    let e = error(&chat(&server, "gpt-4o", &structured("x", json!({"anyOf": [docstring_schema()]}))));
    assert_eq!(e["param"], "response_format");
    let mut deep = json!({"type": "string"});
    for _ in 0..6 {
        deep = json!({"type": "object", "properties": {"d": deep}, "required": ["d"], "additionalProperties": false});
    }
    assert!(error(&chat(&server, "gpt-4o", &structured("x", deep)))["message"].as_str().unwrap().contains("nesting"));

    let mut body = structured("x", docstring_schema());
    body["response_format"]["json_schema"]["name"] = json!("has spaces");
    assert_eq!(error(&chat(&server, "gpt-4o", &body))["param"], "response_format.json_schema.name");
    // Non-strict schemas are not checked.
    let mut body = structured("x", json!({"type": "object", "properties": {"a": {"type": "string", "maxLength": 3}}}));
    body["response_format"]["json_schema"]["strict"] = json!(false);
    assert_eq!(chat(&server, "gpt-4o", &body).status, 200);

    // Strict tools get the same checks.
    let mut bad = docstring_schema();
    bad["properties"]["params"]["items"]["additionalProperties"] = json!(true);
    let body = json!({
        "messages": [{"role": "user", "content": "x"}],
        "tools": [{"type": "function", "function": {"name": "emit_docstring", "strict": true, "parameters": bad}}],
        "tool_choice": {"type": "function", "function": {"name": "emit_docstring"}}
    });
    let e = error(&chat(&server, "gpt-4o", &body));
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid schema for function 'emit_docstring': In context=('properties', 'params', 'items')"),
        "{e}"
    );
    assert_eq!(e["param"], "tools[0].function.parameters");
    let many: Vec<Value> =
        (0..129).map(|i| json!({"type": "function", "function": {"name": format!("f{i}")}})).collect();
    let r = chat(&server, "gpt-4o", &json!({"messages": [{"role": "user", "content": "x"}], "tools": many}));
    assert_eq!(r.status, 400);
}

#[test]
fn deployments_refuse_modes_they_lack_so_clients_can_fall_back() {
    let server = MockServer::start(MockConfig::default());
    let schema_body = structured("Entries: {\"params\":[\"a\"]}", docstring_schema());
    let r = chat(&server, "legacy", &schema_body);
    assert_eq!(r.status, 400);
    assert_eq!(error(&r)["param"], "response_format");
    assert!(error(&r)["message"].as_str().unwrap().contains("'json_schema' is not supported"));

    let tools_body = json!({
        "messages": [{"role": "user", "content": "def f(a): pass\nEntries: {\"params\":[\"a\"]}"}],
        "tools": [{"type": "function", "function": {"name": "emit_docstring", "parameters": docstring_schema()}}],
        "tool_choice": {"type": "function", "function": {"name": "emit_docstring"}}
    });
    let r = chat(&server, "legacy", &tools_body);
    assert_eq!(r.status, 200);
    let v = r.json();
    let msg = &v["choices"][0]["message"];
    assert!(msg["content"].is_null());
    assert_eq!(msg["tool_calls"][0]["type"], "function");
    assert_eq!(msg["tool_calls"][0]["function"]["name"], "emit_docstring");
    // A forced named tool ends with "stop", as the real service does.
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    let args: Value = serde_json::from_str(msg["tool_calls"][0]["function"]["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(args["params"][0]["name"], "a");
    let mut required = tools_body.clone();
    required["tool_choice"] = json!("required");
    assert_eq!(chat(&server, "legacy", &required).json()["choices"][0]["finish_reason"], "tool_calls");

    let r = chat(&server, "plain", &tools_body);
    assert_eq!(r.status, 400);
    assert_eq!(error(&r)["message"], "Unrecognized request argument supplied: tools");
    let json_object = json!({
        "messages": [{"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": "def f(a): pass\nEntries: {\"params\":[\"a\",\"b\"]}"}],
        "response_format": {"type": "json_object"}
    });
    let r = chat(&server, "plain", &json_object);
    assert_eq!(r.status, 200);
    let c = r.content_json();
    assert_eq!(
        c["params"],
        json!([{"name": "a", "description": "Describe a."}, {"name": "b", "description": "Describe b."}])
    );
    // json_object requires the word "json" somewhere in the messages.
    let r = chat(
        &server,
        "plain",
        &json!({"messages": [{"role": "user", "content": "hi"}], "response_format": {"type": "json_object"}}),
    );
    assert_eq!(r.status, 400);
    // A schema written into the prompt shapes the json_object answer.
    let prompt =
        format!("Answer with JSON matching this schema: {}\nEntries: {{\"params\":[\"x\"]}}", docstring_schema());
    let r = chat(
        &server,
        "plain",
        &json!({"messages": [{"role": "user", "content": prompt}], "response_format": {"type": "json_object"}}),
    );
    let c = r.content_json();
    assert_eq!(c["params"][0], json!({"name": "x", "type": null, "description": "Describe x."}));
    assert_eq!(c["returns"], Value::Null);

    let custom = MockConfig::default();
    let mut custom = custom;
    custom.deployments.insert(
        "only-schema".into(),
        Deployment::chat("gpt-4o-2024-08-06", Family::O200k, 128_000).with_modes(true, false, false),
    );
    let server = MockServer::start(custom);
    assert_eq!(chat(&server, "only-schema", &schema_body).status, 200);
    assert_eq!(chat(&server, "only-schema", &json_object).status, 400);
}

#[test]
fn prompt_tokens_follow_the_chat_formula_and_context_limit() {
    let server = MockServer::start(MockConfig::default());
    let messages = json!([
        {"role": "system", "content": "You write docstrings."},
        {"role": "user", "content": "def clamp(x, lo, hi):\n    return max(lo, min(x, hi))", "name": "dev"}
    ]);
    for (dep, family) in [("gpt-4o", Family::O200k), ("gpt-35-turbo", Family::Cl100k)] {
        let r = chat(&server, dep, &json!({"messages": messages}));
        let expected = 3
            + 3
            + count_text(family, "system")
            + count_text(family, "You write docstrings.")
            + 3
            + count_text(family, "user")
            + count_text(family, "def clamp(x, lo, hi):\n    return max(lo, min(x, hi))")
            + count_text(family, "dev")
            + 1;
        assert_eq!(r.json()["usage"]["prompt_tokens"], expected, "{dep}");
    }
    assert_ne!(count_text(Family::O200k, "Ünïcödé façade"), count_text(Family::Cl100k, "Ünïcödé façade"));

    let mut config = MockConfig::default();
    config.deployments.insert("tiny".into(), Deployment::chat("gpt-4o-2024-11-20", Family::O200k, 100));
    let server = MockServer::start(config);
    let mut body = user("hello");
    body["max_completion_tokens"] = json!(95);
    let r = chat(&server, "tiny", &body);
    assert_eq!(r.status, 400);
    let e = error(&r);
    assert_eq!(e["code"], "context_length_exceeded");
    assert_eq!(e["param"], "messages");
    let prompt = 3 + 3 + count_text(Family::O200k, "user") + count_text(Family::O200k, "hello");
    assert_eq!(
        e["message"],
        format!(
            "This model's maximum context length is 100 tokens. However, you requested {} tokens ({prompt} in the messages, 95 in the completion). Please reduce the length of the messages or completion.",
            prompt + 95
        )
    );
    body["max_completion_tokens"] = json!(100 - prompt);
    assert_eq!(chat(&server, "tiny", &body).status, 200);
    let r = chat(&server, "tiny", &user(&"word ".repeat(200)));
    assert!(error(&r)["message"].as_str().unwrap().contains("your messages resulted in"));
}

#[test]
fn entries_line_fills_lists_of_named_items() {
    let server = MockServer::start(MockConfig::default());
    let text = "def f(a, b):\n    raise ValueError\nEntries: {\"params\":[\"a\",\"b\"],\"raises\":[\"ValueError\"],\"attributes\":[]}\n";
    let r = chat(&server, "gpt-4o", &structured(text, docstring_schema()));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.content_json(),
        json!({
            "summary": "Describe the summary.",
            "params": [
                {"name": "a", "type": null, "description": "Describe a."},
                {"name": "b", "type": null, "description": "Describe b."}
            ],
            "returns": null,
            "raises": [{"name": "ValueError", "description": "Describe ValueError."}]
        })
    );
    // Keys come out in schema order.
    let content = r.json()["choices"][0]["message"]["content"].as_str().unwrap().to_string();
    assert!(content.starts_with("{\"summary\":"));
    // Without the line, lists stay empty.
    let r = chat(&server, "gpt-4o", &structured("def f(a): pass", docstring_schema()));
    assert_eq!(r.content_json()["params"], json!([]));
    // Only the last user message counts.
    let mut body = structured("def g(): pass", docstring_schema());
    body["messages"] = json!([
        {"role": "user", "content": "Entries: {\"params\":[\"old\"]}"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "def g(): pass"}
    ]);
    assert_eq!(chat(&server, "gpt-4o", &body).content_json()["params"], json!([]));
    // Schemas using $defs/$ref and enums are filled too.
    let schema = json!({
        "type": "object",
        "$defs": {"item": {"type": "object", "properties": {"name": {"type": "string"}, "kind": {"type": "string", "enum": ["pos", "kw"]}}, "required": ["name", "kind"], "additionalProperties": false}},
        "properties": {"params": {"type": "array", "items": {"$ref": "#/$defs/item"}}, "count": {"type": "integer"}, "ok": {"type": "boolean"}},
        "required": ["params", "count", "ok"],
        "additionalProperties": false
    });
    let r = chat(&server, "gpt-4o", &structured("Entries: {\"params\":[\"z\"]}", schema));
    assert_eq!(r.content_json(), json!({"params": [{"name": "z", "kind": "pos"}], "count": 0, "ok": false}));
}

#[test]
fn answerer_hook_supplies_content() {
    let config = MockConfig::default().with_answerer(|ctx| {
        if ctx.last_user.contains("special") {
            Some(json!({"summary": format!("Answer from {} in {} mode.", ctx.deployment, ctx.mode), "params": [], "returns": null, "raises": []}))
        } else {
            None
        }
    });
    let server = MockServer::start(config);
    let r = chat(&server, "gpt-4o", &structured("special case", docstring_schema()));
    assert_eq!(r.content_json()["summary"], "Answer from gpt-4o in json_schema mode.");
    let r = chat(&server, "gpt-4o", &structured("ordinary", docstring_schema()));
    assert_eq!(r.content_json()["summary"], "Describe the summary.");
    server.set_answerer(|_| Some(json!("plain words")));
    let v = chat(&server, "gpt-4o", &user("anything")).json();
    assert_eq!(v["choices"][0]["message"]["content"], "plain words");
}

#[test]
fn small_completion_limits_truncate_with_length() {
    let server = MockServer::start(MockConfig::default());
    let mut body = structured("Entries: {\"params\":[\"alpha\",\"beta\",\"gamma\"]}", docstring_schema());
    body["max_completion_tokens"] = json!(10);
    let v = chat(&server, "gpt-4o", &body).json();
    assert_eq!(v["choices"][0]["finish_reason"], "length");
    assert_eq!(v["usage"]["completion_tokens"], 10);
    let content = v["choices"][0]["message"]["content"].as_str().unwrap();
    assert!(serde_json::from_str::<Value>(content).is_err(), "truncated JSON: {content}");
}
