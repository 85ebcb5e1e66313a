//! Server configuration: deployments, credentials, limiter and latency settings.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Tokenizer family of a deployment's model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    O200k,
    Cl100k,
}

/// One entry of the deployment registry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Deployment {
    /// Underlying model+version, reported as `model` in responses.
    pub model: String,
    pub family: Family,
    /// o-series style: rejects `max_tokens` and non-default sampling parameters.
    pub reasoning: bool,
    /// Serves `/embeddings` only (chat requests get 400 OperationNotSupported).
    pub embeddings: bool,
    pub supports_json_schema: bool,
    pub supports_tools: bool,
    pub supports_json_object: bool,
    pub context_window: u64,
    /// Requests per minute; 0 means unlimited.
    pub rpm: u64,
    /// Tokens per minute; 0 means unlimited.
    pub tpm: u64,
    /// Default embedding vector length.
    pub dimensions: usize,
}

impl Default for Deployment {
    fn default() -> Self {
        Deployment {
            model: "gpt-4o-2024-11-20".into(),
            family: Family::O200k,
            reasoning: false,
            embeddings: false,
            supports_json_schema: true,
            supports_tools: true,
            supports_json_object: true,
            context_window: 128_000,
            rpm: 600,
            tpm: 100_000,
            dimensions: 1536,
        }
    }
}

impl Deployment {
    /// A chat deployment supporting every response mode.
    pub fn chat(model: &str, family: Family, context_window: u64) -> Self {
        Deployment { model: model.into(), family, context_window, ..Deployment::default() }
    }

    /// A reasoning (o-series) chat deployment.
    pub fn reasoning(model: &str, context_window: u64) -> Self {
        Deployment { reasoning: true, ..Deployment::chat(model, Family::O200k, context_window) }
    }

    /// An embeddings deployment.
    pub fn embeddings(model: &str, dimensions: usize) -> Self {
        Deployment {
            embeddings: true,
            supports_json_schema: false,
            supports_tools: false,
            supports_json_object: false,
            dimensions,
            ..Deployment::chat(model, Family::Cl100k, 8191)
        }
    }

    /// Chooses which structured-output modes the deployment accepts.
    pub fn with_modes(mut self, json_schema: bool, tools: bool, json_object: bool) -> Self {
        self.supports_json_schema = json_schema;
        self.supports_tools = tools;
        self.supports_json_object = json_object;
        self
    }

    pub fn with_limits(mut self, rpm: u64, tpm: u64) -> Self {
        self.rpm = rpm;
        self.tpm = tpm;
        self
    }
}

/// What the answerer hook sees of a chat request.
#[derive(Clone, Debug)]
pub struct AnswerContext {
    pub deployment: String,
    pub model: String,
    /// The full parsed request body.
    pub body: Value,
    /// The schema the answer must satisfy (json_schema mode or the called tool's parameters).
    pub schema: Option<Value>,
    /// `"text"`, `"json_object"`, `"json_schema"` or `"tool"`.
    pub mode: &'static str,
    /// Text of the last user message.
    pub last_user: String,
}

/// Produces the answer content for a chat request; `None` falls back to the synthetic filler.
pub type Answerer = Arc<dyn Fn(&AnswerContext) -> Option<Value> + Send + Sync>;

/// Full server configuration; everything can be changed while the server runs.
#[derive(Clone)]
pub struct MockConfig {
    pub deployments: BTreeMap<String, Deployment>,
    /// Accepted `api-key` values (Azure resources have two, for rotation).
    pub api_keys: Vec<String>,
    /// Accepted Entra-like bearer tokens.
    pub tokens: Vec<String>,
    /// Tokens answered with the APIM 401 as if they had expired.
    pub expired_tokens: Vec<String>,
    /// Tokens that authenticate but lack the role: 401 PermissionDenied.
    pub no_role_tokens: Vec<String>,
    /// Accepted dated `api-version` values on the classic path.
    pub api_versions: Vec<String>,
    pub region: String,
    /// Delay before every model answer (not before gateway errors).
    pub latency: Duration,
    /// Reject requests over RPM/TPM with 429 instead of only reporting remaining counts.
    pub enforce_limits: bool,
    /// Request window: each allows `rpm * window / 60 s` requests (Azure: 10 s, RPM/6).
    pub rpm_window: Duration,
    /// Token window: each allows `tpm * window / 60 s` tokens.
    pub tpm_window: Duration,
    /// Fixed `created` timestamp; `None` uses the wall clock.
    pub created: Option<u64>,
    pub answerer: Option<Answerer>,
}

impl fmt::Debug for MockConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockConfig")
            .field("deployments", &self.deployments)
            .field("api_keys", &self.api_keys.len())
            .field("tokens", &self.tokens.len())
            .field("api_versions", &self.api_versions)
            .field("region", &self.region)
            .field("latency", &self.latency)
            .field("enforce_limits", &self.enforce_limits)
            .field("rpm_window", &self.rpm_window)
            .field("tpm_window", &self.tpm_window)
            .field("created", &self.created)
            .field("answerer", &self.answerer.is_some())
            .finish()
    }
}

/// Dated versions accepted by default: the two GA versions and the previews up to 2025-04-01-preview.
pub const DEFAULT_API_VERSIONS: &[&str] = &[
    "2024-06-01",
    "2024-10-21",
    "2024-08-01-preview",
    "2024-09-01-preview",
    "2024-10-01-preview",
    "2024-12-01-preview",
    "2025-01-01-preview",
    "2025-02-01-preview",
    "2025-03-01-preview",
    "2025-04-01-preview",
];

impl Default for MockConfig {
    fn default() -> Self {
        let mut deployments = BTreeMap::new();
        deployments.insert("gpt-4o".into(), Deployment::chat("gpt-4o-2024-11-20", Family::O200k, 128_000));
        deployments.insert("o3-mini".into(), Deployment::reasoning("o3-mini-2025-01-31", 200_000));
        deployments.insert("gpt-35-turbo".into(), Deployment::chat("gpt-35-turbo-0125", Family::Cl100k, 16_385));
        deployments.insert("text-embedding-3-small".into(), Deployment::embeddings("text-embedding-3-small", 1536));
        deployments.insert(
            "legacy".into(),
            Deployment::chat("gpt-4-turbo-2024-04-09", Family::Cl100k, 128_000).with_modes(false, true, true),
        );
        deployments.insert(
            "plain".into(),
            Deployment::chat("gpt-35-turbo-1106", Family::Cl100k, 16_385).with_modes(false, false, true),
        );
        MockConfig {
            deployments,
            api_keys: vec!["test-key".into()],
            tokens: vec!["test-token".into()],
            expired_tokens: Vec::new(),
            no_role_tokens: Vec::new(),
            api_versions: DEFAULT_API_VERSIONS.iter().map(|v| v.to_string()).collect(),
            region: "East US".into(),
            latency: Duration::ZERO,
            enforce_limits: false,
            rpm_window: Duration::from_secs(10),
            tpm_window: Duration::from_secs(60),
            created: None,
            answerer: None,
        }
    }
}

impl MockConfig {
    /// Sets the answerer hook.
    pub fn with_answerer(mut self, f: impl Fn(&AnswerContext) -> Option<Value> + Send + Sync + 'static) -> Self {
        self.answerer = Some(Arc::new(f));
        self
    }

    /// Sets RPM and TPM on every deployment and turns enforcement on.
    pub fn with_limits(mut self, rpm: u64, tpm: u64) -> Self {
        for d in self.deployments.values_mut() {
            d.rpm = rpm;
            d.tpm = tpm;
        }
        self.enforce_limits = true;
        self
    }

    /// Applies a JSON patch as accepted by `POST /_mock/config`; returns an error message on bad input.
    pub fn apply_json(&mut self, patch: &Value) -> Result<(), String> {
        let Some(obj) = patch.as_object() else { return Err("config patch must be a JSON object".into()) };
        for (key, value) in obj {
            let bad = || format!("bad value for '{key}'");
            match key.as_str() {
                "latency_ms" => self.latency = Duration::from_millis(value.as_u64().ok_or_else(bad)?),
                "enforce_limits" => self.enforce_limits = value.as_bool().ok_or_else(bad)?,
                "rpm" | "tpm" => {
                    let n = value.as_u64().ok_or_else(bad)?;
                    for d in self.deployments.values_mut() {
                        if key == "rpm" {
                            d.rpm = n;
                        } else {
                            d.tpm = n;
                        }
                    }
                }
                "rpm_window_ms" => self.rpm_window = Duration::from_millis(value.as_u64().ok_or_else(bad)?.max(1)),
                "tpm_window_ms" => self.tpm_window = Duration::from_millis(value.as_u64().ok_or_else(bad)?.max(1)),
                "region" => self.region = value.as_str().ok_or_else(bad)?.to_string(),
                "created" => self.created = value.as_u64(),
                "api_keys" => self.api_keys = strings(value).ok_or_else(bad)?,
                "tokens" => self.tokens = strings(value).ok_or_else(bad)?,
                "expired_tokens" => self.expired_tokens = strings(value).ok_or_else(bad)?,
                "no_role_tokens" => self.no_role_tokens = strings(value).ok_or_else(bad)?,
                "api_versions" => self.api_versions = strings(value).ok_or_else(bad)?,
                "deployments" => {
                    let map = value.as_object().ok_or_else(bad)?;
                    for (name, d) in map {
                        if d.is_null() {
                            self.deployments.remove(name);
                            continue;
                        }
                        let d: Deployment = serde_json::from_value(d.clone()).map_err(|e| format!("{name}: {e}"))?;
                        self.deployments.insert(name.clone(), d);
                    }
                }
                // Handled by the server (it owns the limiter state).
                "reset_limiter" => {}
                _ => return Err(format!("unknown config key '{key}'")),
            }
        }
        Ok(())
    }

    /// A JSON view for `GET /_mock/config` (credentials omitted).
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "deployments": self.deployments,
            "api_versions": self.api_versions,
            "region": self.region,
            "latency_ms": self.latency.as_millis() as u64,
            "enforce_limits": self.enforce_limits,
            "rpm_window_ms": self.rpm_window.as_millis() as u64,
            "tpm_window_ms": self.tpm_window.as_millis() as u64,
            "created": self.created,
        })
    }
}

fn strings(v: &Value) -> Option<Vec<String>> {
    v.as_array()?.iter().map(|s| s.as_str().map(str::to_string)).collect()
}
