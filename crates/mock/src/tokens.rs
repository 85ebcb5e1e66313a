//! Prompt token counting with the OpenAI cookbook chat formula.

use serde_json::Value;
use tiktoken_rs::CoreBPE;

use crate::config::Family;

pub(crate) fn bpe(family: Family) -> &'static CoreBPE {
    match family {
        Family::O200k => tiktoken_rs::o200k_base_singleton(),
        Family::Cl100k => tiktoken_rs::cl100k_base_singleton(),
    }
}

/// Tokens of a plain text.
pub fn count_text(family: Family, text: &str) -> u64 {
    bpe(family).count_with_special_tokens(text) as u64
}

/// The text of a message `content`: a string, or the `text` parts of a content-part array.
pub(crate) fn content_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str).or_else(|| p.get("refusal").and_then(Value::as_str)))
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

/// Prompt tokens of a `messages` array: 3 per message + role + content (+ name + 1) + tool calls, + 3 priming.
pub fn count_messages(family: Family, messages: &[Value]) -> u64 {
    let mut n = 3;
    for m in messages {
        n += 3;
        let field = |k: &str| m.get(k).and_then(Value::as_str);
        if let Some(role) = field("role") {
            n += count_text(family, role);
        }
        if let Some(content) = m.get("content") {
            n += count_text(family, &content_text(content));
        }
        if let Some(name) = field("name") {
            n += count_text(family, name) + 1;
        }
        if let Some(refusal) = field("refusal") {
            n += count_text(family, refusal);
        }
        let calls = m.get("tool_calls").and_then(Value::as_array).map(|c| c.as_slice()).unwrap_or(&[]);
        let legacy = m.get("function_call").into_iter();
        for f in calls.iter().filter_map(|c| c.get("function")).chain(legacy) {
            let s = |k: &str| f.get(k).and_then(Value::as_str).unwrap_or("");
            n += count_text(family, s("name")) + count_text(family, s("arguments")) + 1;
        }
    }
    n
}
