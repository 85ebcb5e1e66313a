//! A chat completion answer, read leniently (every field optional, unknown
//! fields ignored: services add fields at any time), and what it means for a
//! caller that wants one JSON object back.

use serde::Deserialize;
use serde_json::Value;

use super::cost::Usage;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ChatResponse {
    pub id: Option<String>,
    /// The underlying model and version (not the deployment name).
    pub model: Option<String>,
    pub choices: Vec<Choice>,
    pub usage: Option<WireUsage>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Choice {
    pub finish_reason: Option<String>,
    pub message: Message,
    pub content_filter_results: Option<Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Message {
    pub content: Option<String>,
    pub refusal: Option<String>,
    pub tool_calls: Option<Vec<ToolCall>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ToolCall {
    pub function: FunctionCall,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FunctionCall {
    pub name: String,
    /// A JSON object written as a string.
    pub arguments: String,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(default)]
pub struct WireUsage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub prompt_tokens_details: Option<PromptDetails>,
    pub completion_tokens_details: Option<CompletionDetails>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(default)]
pub struct PromptDetails {
    pub cached_tokens: Option<u64>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(default)]
pub struct CompletionDetails {
    pub reasoning_tokens: Option<u64>,
}

impl WireUsage {
    pub fn usage(&self) -> Usage {
        Usage {
            prompt_tokens: self.prompt_tokens,
            completion_tokens: self.completion_tokens,
            cached_tokens: self.prompt_tokens_details.and_then(|d| d.cached_tokens).unwrap_or(0),
            reasoning_tokens: self.completion_tokens_details.and_then(|d| d.reasoning_tokens).unwrap_or(0),
        }
    }
}

/// Why an answer holds no usable JSON object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    /// The output filter stopped the answer; the triggered categories.
    Filtered(Vec<String>),
    /// `finish_reason: length`: the JSON is cut short.
    Truncated,
    /// The model declined, in its words.
    Refused(String),
    /// No choice, no content, an unknown finish reason, or content that is not
    /// a JSON object; what was found.
    Malformed(String),
}

impl ChatResponse {
    /// The JSON object the answer carries (in `content`, or in a tool call's
    /// arguments), or why there is none.
    pub fn json_object(&self) -> Result<Value, Unusable> {
        let Some(choice) = self.choices.first() else {
            return Err(Unusable::Malformed("the answer has no choices".into()));
        };
        match choice.finish_reason.as_deref() {
            Some("content_filter") => {
                return Err(Unusable::Filtered(filtered_categories(choice.content_filter_results.as_ref())));
            }
            Some("length") => return Err(Unusable::Truncated),
            _ => {}
        }
        if let Some(refusal) = choice.message.refusal.as_deref().filter(|r| !r.trim().is_empty()) {
            return Err(Unusable::Refused(refusal.trim().to_string()));
        }
        // A forced tool may end with `stop`: the tool call itself is the sign.
        let text = match choice.message.tool_calls.as_ref().and_then(|calls| calls.first()) {
            Some(call) => call.function.arguments.as_str(),
            None => match (choice.finish_reason.as_deref(), choice.message.content.as_deref()) {
                (Some("stop") | None, Some(content)) => content,
                (Some("stop") | None, None) => return Err(Unusable::Malformed("the answer has no content".into())),
                (Some(other), _) => return Err(Unusable::Malformed(format!("unknown finish reason `{other}`"))),
            },
        };
        match serde_json::from_str::<Value>(strip_fence(text)) {
            Ok(value @ Value::Object(_)) => Ok(value),
            Ok(other) => Err(Unusable::Malformed(format!("expected a JSON object, got {}", kind(&other)))),
            Err(error) => Err(Unusable::Malformed(format!("the answer is not JSON ({error})"))),
        }
    }
}

/// Models in JSON mode sometimes wrap the object in a Markdown fence.
fn strip_fence(text: &str) -> &str {
    let trimmed = text.trim();
    let Some(rest) = trimmed.strip_prefix("```") else { return trimmed };
    let rest = rest.strip_prefix("json").unwrap_or(rest);
    rest.strip_suffix("```").unwrap_or(rest).trim()
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The categories marked `filtered: true` in a content-filter result set.
pub fn filtered_categories(results: Option<&Value>) -> Vec<String> {
    let mut names: Vec<String> = results
        .and_then(Value::as_object)
        .map(|categories| {
            categories
                .iter()
                .filter(|(_, verdict)| verdict.get("filtered").and_then(Value::as_bool) == Some(true))
                .map(|(name, _)| name.clone())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> ChatResponse {
        serde_json::from_str(body).unwrap()
    }

    #[test]
    fn content_tool_calls_and_fences() {
        let content =
            parse(r#"{"choices":[{"finish_reason":"stop","message":{"content":"{\"a\":1}","refusal":null}}]}"#);
        assert_eq!(content.json_object().unwrap()["a"], 1);
        let tool = parse(
            r#"{"choices":[{"finish_reason":"stop","message":{"content":null,
            "tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{\"b\":2}"}}]}}]}"#,
        );
        assert_eq!(tool.json_object().unwrap()["b"], 2);
        let fenced = parse(r#"{"choices":[{"finish_reason":"stop","message":{"content":"```json\n{\"c\":3}\n```"}}]}"#);
        assert_eq!(fenced.json_object().unwrap()["c"], 3);
    }

    #[test]
    fn unusable_answers_say_why() {
        let filtered = parse(
            r#"{"choices":[{"finish_reason":"content_filter","message":{"content":null},
            "content_filter_results":{"hate":{"filtered":false},"violence":{"filtered":true,"severity":"high"}}}]}"#,
        );
        assert_eq!(filtered.json_object(), Err(Unusable::Filtered(vec!["violence".into()])));
        let truncated = parse(r#"{"choices":[{"finish_reason":"length","message":{"content":"{\"a\":"}}]}"#);
        assert_eq!(truncated.json_object(), Err(Unusable::Truncated));
        let refused = parse(r#"{"choices":[{"finish_reason":"stop","message":{"content":null,"refusal":"No."}}]}"#);
        assert_eq!(refused.json_object(), Err(Unusable::Refused("No.".into())));
        let odd = parse(r#"{"choices":[{"finish_reason":"tool","message":{"content":"{}"}}]}"#);
        assert!(matches!(odd.json_object(), Err(Unusable::Malformed(m)) if m.contains("`tool`")));
        let array = parse(r#"{"choices":[{"finish_reason":"stop","message":{"content":"[1]"}}]}"#);
        assert!(matches!(array.json_object(), Err(Unusable::Malformed(m)) if m.contains("an array")));
        assert!(matches!(parse("{}").json_object(), Err(Unusable::Malformed(_))));
        let usage = parse(
            r#"{"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,
            "prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":2}}}"#,
        );
        let usage = usage.usage.unwrap().usage();
        assert_eq!((usage.prompt_tokens, usage.cached_tokens, usage.reasoning_tokens), (10, 4, 2));
    }
}
