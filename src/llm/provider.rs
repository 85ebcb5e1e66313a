//! The differences between the services docwright talks to, in one place:
//! where a chat request goes, how it authenticates, where the model name goes,
//! and which token-limit field the service reads.

use serde_json::{Value, json};

use super::secret::Secret;

/// Azure's latest GA dated API version.
pub const DEFAULT_AZURE_API_VERSION: &str = "2024-10-21";
pub const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provider {
    /// `{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=...`
    AzureClassic { endpoint: String, deployment: String, api_version: String },
    /// `{endpoint}/openai/v1/chat/completions`, the deployment in `model`.
    AzureV1 { endpoint: String, deployment: String },
    /// OpenAI itself (or a proxy of it) at `base_url`.
    OpenAi { base_url: String, model: String },
    /// An OpenAI-compatible local server (Ollama, llama.cpp, vLLM, LM Studio).
    Local { base_url: String, model: String },
}

/// How requests prove who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    None,
    /// An API key: `api-key` on Azure, a Bearer value elsewhere.
    ApiKey(Secret),
    /// A Microsoft Entra ID (or other) bearer token.
    Bearer(Secret),
}

impl Credential {
    /// The key or token, if there is one.
    pub fn secret(&self) -> Option<&Secret> {
        match self {
            Credential::None => None,
            Credential::ApiKey(secret) | Credential::Bearer(secret) => Some(secret),
        }
    }
}

impl Provider {
    /// Where chat completion requests go.
    pub fn chat_url(&self) -> String {
        match self {
            Provider::AzureClassic { endpoint, deployment, api_version } => format!(
                "{}/openai/deployments/{}/chat/completions?api-version={}",
                trim(endpoint),
                encode_segment(deployment),
                encode_segment(api_version)
            ),
            Provider::AzureV1 { endpoint, .. } => format!("{}/openai/v1/chat/completions", azure_base(endpoint)),
            Provider::OpenAi { base_url, .. } | Provider::Local { base_url, .. } => {
                format!("{}/chat/completions", trim(base_url))
            }
        }
    }

    /// Where embedding requests go.
    pub fn embeddings_url(&self) -> String {
        let chat = self.chat_url();
        chat.replacen("/chat/completions", "/embeddings", 1)
    }

    /// The same service, with another deployment (or model): the embedding
    /// model is not the chat model.
    pub fn with_deployment(&self, name: &str) -> Provider {
        let mut other = self.clone();
        match &mut other {
            Provider::AzureClassic { deployment, .. } | Provider::AzureV1 { deployment, .. } => {
                *deployment = name.into()
            }
            Provider::OpenAi { model, .. } | Provider::Local { model, .. } => *model = name.into(),
        }
        other
    }

    /// The service and where it is, in words.
    pub fn describe(&self) -> String {
        match self {
            Provider::AzureClassic { endpoint, deployment, api_version } => {
                format!("Azure OpenAI at {}, deployment `{deployment}`, api-version {api_version}", trim(endpoint))
            }
            Provider::AzureV1 { endpoint, deployment } => {
                format!("Azure OpenAI (v1) at {}, deployment `{deployment}`", azure_base(endpoint))
            }
            Provider::OpenAi { base_url, model } => format!("OpenAI at {}, model `{model}`", trim(base_url)),
            Provider::Local { base_url, model } => format!("local server at {}, model `{model}`", trim(base_url)),
        }
    }

    /// Which service, where, which deployment (or model) and which
    /// api-version (empty where the service has none), as settings name them.
    pub fn parts(&self) -> ProviderParts<'_> {
        let (kind, endpoint, deployment, api_version) = match self {
            Provider::AzureClassic { endpoint, deployment, api_version } => {
                ("azure", endpoint.as_str(), deployment.as_str(), api_version.as_str())
            }
            Provider::AzureV1 { endpoint, deployment } => ("azure-v1", endpoint.as_str(), deployment.as_str(), "v1"),
            Provider::OpenAi { base_url, model } => ("openai", base_url.as_str(), model.as_str(), ""),
            Provider::Local { base_url, model } => ("local", base_url.as_str(), model.as_str(), ""),
        };
        ProviderParts { kind, endpoint: trim(endpoint), deployment, api_version }
    }

    /// The authentication header for `credential`: its name and value. The
    /// value leaves the `Secret` only here, on its way to the wire.
    pub fn auth_header(&self, credential: &Credential) -> Option<(&'static str, String)> {
        let azure = matches!(self, Provider::AzureClassic { .. } | Provider::AzureV1 { .. });
        match credential {
            Credential::None => None,
            Credential::ApiKey(key) if azure => Some(("api-key", key.expose().to_string())),
            Credential::ApiKey(token) | Credential::Bearer(token) => {
                Some(("Authorization", format!("Bearer {}", token.expose())))
            }
        }
    }

    /// The `model` field of the body; the classic Azure path names the
    /// deployment in the URL instead.
    pub fn model(&self) -> Option<&str> {
        match self {
            Provider::AzureClassic { .. } => None,
            Provider::AzureV1 { deployment, .. } => Some(deployment),
            Provider::OpenAi { model, .. } | Provider::Local { model, .. } => Some(model),
        }
    }

    /// The field that limits the answer's length: reasoning models reject
    /// `max_tokens`, Ollama ignores `max_completion_tokens`, and Azure versions
    /// before 2024-09-01-preview know only `max_tokens`.
    pub fn token_limit_field(&self) -> &'static str {
        match self {
            Provider::Local { .. } => "max_tokens",
            Provider::AzureClassic { api_version, .. } if api_version.as_str() < "2024-09-01" => "max_tokens",
            _ => "max_completion_tokens",
        }
    }

    /// A chat completion body: the messages, the model where it belongs, the
    /// right token-limit field, and, when given, a strict JSON schema for the
    /// answer.
    pub fn chat_body(&self, messages: &[Value], max_tokens: u32, schema: Option<(&str, &Value)>) -> Value {
        let mut body = json!({ "messages": messages });
        if let Some(model) = self.model() {
            body["model"] = json!(model);
        }
        body[self.token_limit_field()] = json!(max_tokens);
        if let Some((name, schema)) = schema {
            body["response_format"] =
                json!({ "type": "json_schema", "json_schema": { "name": name, "strict": true, "schema": schema } });
        }
        body
    }
}

/// A provider taken apart, for cache keys and the exchange log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderParts<'a> {
    /// `azure`, `azure-v1`, `openai` or `local`.
    pub kind: &'static str,
    /// The endpoint or base URL, without a trailing `/`.
    pub endpoint: &'a str,
    pub deployment: &'a str,
    /// Empty where the service takes none.
    pub api_version: &'a str,
}

/// The host (and port) of `url`: no scheme, no user or password, no path or
/// query.
pub fn host(url: &str) -> &str {
    let rest = url.trim().split_once("://").map_or(url.trim(), |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority.rsplit_once('@').map_or(authority, |(_, host)| host)
}

fn trim(url: &str) -> &str {
    url.trim().trim_end_matches('/')
}

/// An endpoint given with or without `/openai` or `/openai/v1` at its end.
fn azure_base(endpoint: &str) -> &str {
    let endpoint = trim(endpoint);
    let endpoint = endpoint.strip_suffix("/openai/v1").unwrap_or(endpoint);
    endpoint.strip_suffix("/openai").unwrap_or(endpoint)
}

/// Percent-encodes what cannot stand in a path segment or query value.
fn encode_segment(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_for_every_provider() {
        let classic = Provider::AzureClassic {
            endpoint: "https://res.openai.azure.com/".into(),
            deployment: "gpt 4o".into(),
            api_version: "2024-10-21".into(),
        };
        assert_eq!(
            classic.chat_url(),
            "https://res.openai.azure.com/openai/deployments/gpt%204o/chat/completions?api-version=2024-10-21"
        );
        let v1 =
            Provider::AzureV1 { endpoint: "https://res.openai.azure.com/openai/v1/".into(), deployment: "d".into() };
        assert_eq!(v1.chat_url(), "https://res.openai.azure.com/openai/v1/chat/completions");
        let openai = Provider::OpenAi { base_url: OPENAI_BASE_URL.into(), model: "gpt-4o".into() };
        assert_eq!(openai.chat_url(), "https://api.openai.com/v1/chat/completions");
        let local = Provider::Local { base_url: "http://localhost:11434/v1/".into(), model: "llama3".into() };
        assert_eq!(local.chat_url(), "http://localhost:11434/v1/chat/completions");
        assert_eq!(
            classic.with_deployment("emb").embeddings_url(),
            "https://res.openai.azure.com/openai/deployments/emb/embeddings?api-version=2024-10-21"
        );
        assert_eq!(v1.embeddings_url(), "https://res.openai.azure.com/openai/v1/embeddings");
        assert_eq!(local.with_deployment("nomic").model(), Some("nomic"));
    }

    #[test]
    fn hosts_keep_no_credentials_path_or_query() {
        assert_eq!(host("https://res.openai.azure.com/openai?api-version=1&sig=abc"), "res.openai.azure.com");
        assert_eq!(host("http://user:pw@localhost:11434/v1"), "localhost:11434");
        assert_eq!(host("http://[::1]:8000"), "[::1]:8000");
        assert_eq!(host("https://r.example?sig=x"), "r.example");
        let classic = Provider::AzureClassic {
            endpoint: "https://r.openai.azure.com/".into(),
            deployment: "d".into(),
            api_version: "2024-10-21".into(),
        };
        let parts = classic.parts();
        assert_eq!(
            (parts.kind, parts.endpoint, parts.api_version),
            ("azure", "https://r.openai.azure.com", "2024-10-21")
        );
        let local = Provider::Local { base_url: "http://localhost:11434/v1".into(), model: "llama3".into() };
        assert_eq!((local.parts().kind, local.parts().deployment, local.parts().api_version), ("local", "llama3", ""));
    }

    #[test]
    fn auth_headers_differ_by_service() {
        let key = Credential::ApiKey(Secret::new("k"));
        let token = Credential::Bearer(Secret::new("t"));
        let azure = Provider::AzureV1 { endpoint: "https://r".into(), deployment: "d".into() };
        let openai = Provider::OpenAi { base_url: OPENAI_BASE_URL.into(), model: "m".into() };
        assert_eq!(azure.auth_header(&key), Some(("api-key", "k".to_string())));
        assert_eq!(azure.auth_header(&token), Some(("Authorization", "Bearer t".to_string())));
        assert_eq!(openai.auth_header(&key), Some(("Authorization", "Bearer k".to_string())));
        assert_eq!(openai.auth_header(&Credential::None), None);
    }

    #[test]
    fn bodies_put_the_model_and_the_token_limit_where_each_service_reads_them() {
        let messages = [json!({"role": "user", "content": "hi"})];
        let schema = json!({"type": "object"});
        let classic = Provider::AzureClassic {
            endpoint: "https://r".into(),
            deployment: "d".into(),
            api_version: "2024-06-01".into(),
        };
        let body = classic.chat_body(&messages, 300, Some(("docstring", &schema)));
        assert_eq!(body.get("model"), None, "the deployment is in the URL");
        assert_eq!(body["max_tokens"], 300, "an old api-version knows only max_tokens");
        assert_eq!(body["response_format"]["json_schema"]["strict"], true);
        let v1 = Provider::AzureV1 { endpoint: "https://r".into(), deployment: "d".into() };
        let body = v1.chat_body(&messages, 300, None);
        assert_eq!(body["model"], "d");
        assert_eq!(body["max_completion_tokens"], 300);
        assert_eq!(body.get("max_tokens"), None);
        let local = Provider::Local { base_url: "http://localhost:11434/v1".into(), model: "llama3".into() };
        assert_eq!(local.chat_body(&messages, 5, None)["max_tokens"], 5, "Ollama ignores max_completion_tokens");
    }
}
