//! Error answers from the services, read leniently (every envelope of the wire
//! contract: OpenAI style, Azure style with a string or integer code, Azure's
//! content filter, the token gateway's flat body, llama.cpp, vLLM, Ollama),
//! and told to the user in plain words with what to do.

use std::time::Duration;

use serde_json::Value;

/// What a service said when it refused a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    pub status: u16,
    /// `error.code`, an integer code written as a string.
    pub code: Option<String>,
    /// `error.type`.
    pub kind: Option<String>,
    pub param: Option<String>,
    pub message: String,
    /// Content-filter categories that were triggered.
    pub filtered: Vec<String>,
}

/// What went wrong, for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Wrong key or token, or a key for another resource.
    Unauthorized,
    /// The identity lacks the role to call the model.
    PermissionDenied,
    /// A virtual network or firewall rule blocks this machine.
    Firewall,
    DeploymentNotFound,
    /// Wrong path, or no `api-version`.
    NotFound,
    ApiVersionNotSupported,
    ContentFilter,
    ContextLengthExceeded,
    UnsupportedParameter(String),
    /// The answer's JSON schema was refused.
    InvalidSchema,
    RateLimited,
    QuotaExhausted,
    ServerError,
    Other,
}

const MAX_MESSAGE: usize = 500;

/// Reads an error body of any known shape; a body that is not JSON is kept as
/// (shortened) text.
pub fn parse_error(status: u16, body: &[u8]) -> ServiceError {
    let text = String::from_utf8_lossy(body);
    let Ok(json) = serde_json::from_slice::<Value>(body) else {
        return ServiceError {
            status,
            code: None,
            kind: None,
            param: None,
            message: shorten(text.trim()),
            filtered: Vec::new(),
        };
    };
    let error = json.get("error").filter(|e| e.is_object()).unwrap_or(&json);
    let string = |value: Option<&Value>| match value {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let message = string(error.get("message"))
        .or_else(|| string(json.get("message")))
        .or_else(|| json.get("error").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| shorten(text.trim()));
    let inner = error.get("innererror").or_else(|| error.get("inner_error"));
    let results = inner.and_then(|i| i.get("content_filter_result").or_else(|| i.get("content_filter_results")));
    let filtered = super::response::filtered_categories(results);
    ServiceError {
        status,
        code: string(error.get("code")).or_else(|| string(json.get("statusCode")).filter(|_| error == &json)),
        kind: string(error.get("type")),
        param: string(error.get("param")),
        message: shorten(&message),
        filtered,
    }
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(MAX_MESSAGE) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

impl ServiceError {
    pub fn problem(&self) -> Problem {
        let code = self.code.as_deref().unwrap_or("");
        let message = self.message.to_ascii_lowercase();
        match (self.status, code) {
            (_, "content_filter") => Problem::ContentFilter,
            (_, "context_length_exceeded") => Problem::ContextLengthExceeded,
            (_, "unsupported_parameter") => Problem::UnsupportedParameter(self.param.clone().unwrap_or_default()),
            (_, "DeploymentNotFound") => Problem::DeploymentNotFound,
            (_, "PermissionDenied") => Problem::PermissionDenied,
            _ if self.kind.as_deref() == Some("insufficient_quota") => Problem::QuotaExhausted,
            (400, _) if message.contains("api version") => Problem::ApiVersionNotSupported,
            (400, _) if message.starts_with("invalid schema") => Problem::InvalidSchema,
            (401, _) => Problem::Unauthorized,
            (403, _) if message.contains("virtual network") || message.contains("firewall") => Problem::Firewall,
            (403, _) => Problem::PermissionDenied,
            (404, _) => Problem::NotFound,
            (429, _) if self.retry_after_in_message().is_some_and(|d| d > Duration::from_secs(120)) => {
                Problem::QuotaExhausted
            }
            (429, _) => Problem::RateLimited,
            (500.., _) => Problem::ServerError,
            _ => Problem::Other,
        }
    }

    /// The wait a 429's message names ("Please retry after 6 seconds").
    pub fn retry_after_in_message(&self) -> Option<Duration> {
        let lower = self.message.to_ascii_lowercase();
        let rest = &lower[lower.find("retry after ")? + "retry after ".len()..];
        let number: String = rest.chars().take_while(char::is_ascii_digit).collect();
        rest[number.len()..].trim_start().starts_with("second").then_some(())?;
        number.parse().ok().map(Duration::from_secs)
    }

    /// What the user can do about it, in plain words.
    pub fn advice(&self) -> String {
        match self.problem() {
            Problem::Unauthorized => "the key or token was refused: check AZURE_OPENAI_API_KEY (or OPENAI_API_KEY) and that it belongs to this endpoint's resource; an Entra ID token may have expired".to_string(),
            Problem::PermissionDenied => "the identity may not call this model: give it the 'Cognitive Services OpenAI User' role on the resource".to_string(),
            Problem::Firewall => "the resource's network rules block this machine: allow its address, or use the resource from an allowed network".to_string(),
            Problem::DeploymentNotFound => "no deployment of that name on this resource: check the deployment name (a new deployment can take 5 minutes to appear)".to_string(),
            Problem::NotFound => "nothing at that address: check the endpoint, and the api-version for the classic Azure form".to_string(),
            Problem::ApiVersionNotSupported => "this api-version is not supported: use 2024-10-21, or v1".to_string(),
            Problem::ContentFilter => {
                let categories = if self.filtered.is_empty() { String::new() } else { format!(" ({})", self.filtered.join(", ")) };
                format!("the service's content filter refused the prompt{categories}; nothing was written")
            }
            Problem::ContextLengthExceeded => "the prompt is too long for this model: lower the prompt budget".to_string(),
            Problem::UnsupportedParameter(param) => format!("this model does not accept `{param}`"),
            Problem::InvalidSchema => "the service refused the answer's JSON schema: please report this".to_string(),
            Problem::RateLimited => "the rate limit was reached; docwright waits as the service asks".to_string(),
            Problem::QuotaExhausted => "the quota is used up for now: raise it, or try again later".to_string(),
            Problem::ServerError => "the service had an error; it may pass".to_string(),
            Problem::Other => "the service refused the request".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(status: u16, body: &str) -> Problem {
        parse_error(status, body.as_bytes()).problem()
    }

    #[test]
    fn every_envelope_is_read() {
        let openai = parse_error(
            400,
            br#"{"error":{"message":"too long","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"#,
        );
        assert_eq!(openai.code.as_deref(), Some("context_length_exceeded"));
        assert_eq!(openai.kind.as_deref(), Some("invalid_request_error"));
        assert_eq!(openai.param.as_deref(), Some("messages"));
        let integer = parse_error(429, br#"{"error":{"code":429,"message":"slow down"}}"#);
        assert_eq!(integer.code.as_deref(), Some("429"));
        let gateway = parse_error(401, br#"{"statusCode":401,"message":"Unauthorized. Access token is missing"}"#);
        assert_eq!(gateway.message, "Unauthorized. Access token is missing");
        assert_eq!(gateway.code.as_deref(), Some("401"));
        let vllm = parse_error(400, br#"{"object":"error","message":"bad","type":"BadRequestError","code":400}"#);
        assert_eq!((vllm.message.as_str(), vllm.code.as_deref()), ("bad", Some("400")));
        let html = parse_error(502, b"<html>Bad Gateway</html>");
        assert_eq!(html.message, "<html>Bad Gateway</html>");
        let long = parse_error(500, "x".repeat(2000).as_bytes());
        assert_eq!(long.message.chars().count(), MAX_MESSAGE + 1);
    }

    #[test]
    fn content_filter_categories() {
        let body = r#"{"error":{"message":"filtered","type":null,"param":"prompt","code":"content_filter","status":400,
            "innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{
            "hate":{"filtered":false,"severity":"safe"},"jailbreak":{"filtered":true,"detected":true}}}}}"#;
        let error = parse_error(400, body.as_bytes());
        assert_eq!(error.filtered, vec!["jailbreak"]);
        assert_eq!(error.problem(), Problem::ContentFilter);
        assert!(error.advice().contains("(jailbreak)"));
    }

    #[test]
    fn problems_and_advice_in_plain_words() {
        assert_eq!(
            problem(
                401,
                r#"{"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint."}}"#
            ),
            Problem::Unauthorized
        );
        assert_eq!(
            problem(
                404,
                r#"{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist."}}"#
            ),
            Problem::DeploymentNotFound
        );
        assert_eq!(problem(404, r#"{"error":{"code":"404","message":"Resource not found"}}"#), Problem::NotFound);
        assert_eq!(
            problem(400, r#"{"error":{"code":"BadRequest","message":"API version not supported"}}"#),
            Problem::ApiVersionNotSupported
        );
        assert_eq!(
            problem(
                403,
                r#"{"error":{"code":"403","message":"Access denied due to Virtual Network/Firewall rules."}}"#
            ),
            Problem::Firewall
        );
        assert_eq!(
            problem(
                400,
                r#"{"error":{"code":"unsupported_parameter","param":"max_tokens","message":"Unsupported parameter"}}"#
            ),
            Problem::UnsupportedParameter("max_tokens".into())
        );
        assert_eq!(
            problem(429, r#"{"error":{"code":"429","message":"Please retry after 6 seconds."}}"#),
            Problem::RateLimited
        );
        assert_eq!(
            problem(429, r#"{"error":{"code":"429","message":"Please retry after 86400 seconds."}}"#),
            Problem::QuotaExhausted
        );
        assert_eq!(
            problem(429, r#"{"error":{"type":"insufficient_quota","message":"quota"}}"#),
            Problem::QuotaExhausted
        );
        assert_eq!(problem(503, "Loading model"), Problem::ServerError);
        assert_eq!(
            problem(
                400,
                r#"{"error":{"message":"Invalid schema for response_format 'd': In context=(), 'additionalProperties' is required","param":"response_format","code":null}}"#
            ),
            Problem::InvalidSchema
        );
        let key = parse_error(401, br#"{"error":{"code":"401","message":"denied"}}"#);
        assert!(key.advice().contains("AZURE_OPENAI_API_KEY"));
    }
}
