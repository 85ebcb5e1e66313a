//! The `model` table of the settings: which service, which deployment, how to
//! authenticate, and the limits to keep. Read from `[tool.docwright.model]`,
//! the editor's settings, and the environment variables users already have.
//!
//! Secrets are never settings: a key comes from the environment, a file or a
//! command, and a token from a command.

use crate::prompt::never_send::NeverSend;
use crate::prompt::template::{TemplateKind, TemplateSettings};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::config::{Key, Shape, find_key, normal_key};

use super::client::{ClientOptions, OutputMode};
use super::cost::Price;
use super::provider::{DEFAULT_AZURE_API_VERSION, OPENAI_BASE_URL, Provider};
use super::retry::RetryPolicy;

/// Which kind of service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// Azure OpenAI with a dated api-version (the classic path).
    Azure,
    /// Azure OpenAI's v1 surface.
    AzureV1,
    OpenAi,
    /// An OpenAI-compatible server (Ollama, llama.cpp, vLLM, LM Studio).
    Local,
}

/// What is known of one deployment (or model, outside Azure).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeploymentSettings {
    /// The deployment's name, when a model name maps to it.
    pub deployment: Option<String>,
    /// Tokenizer family: `o200k` or `cl100k`.
    pub tokenizer: Option<String>,
    pub context_window: Option<u64>,
    /// A reasoning model (o-series, gpt-5): no temperature.
    pub reasoning: Option<bool>,
    pub rpm: Option<u64>,
    pub tpm: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelSettings {
    pub provider: Option<ProviderKind>,
    /// The Azure endpoint, or the base URL of another service.
    pub endpoint: Option<String>,
    /// The model asked for (`gpt-4o`); `deployments` maps it to a deployment.
    pub model: Option<String>,
    pub deployment: Option<String>,
    pub api_version: Option<String>,
    /// Per model name (or deployment name): its deployment and what it is.
    pub deployments: BTreeMap<String, DeploymentSettings>,
    /// The environment variable holding the key, instead of the usual ones.
    pub api_key_env: Option<String>,
    pub api_key_file: Option<PathBuf>,
    pub api_key_command: Option<String>,
    /// A command printing a Microsoft Entra ID token (for example
    /// `az account get-access-token --resource https://cognitiveservices.azure.com`).
    pub token_command: Option<String>,
    pub timeout: Option<Duration>,
    pub connect_timeout: Option<Duration>,
    pub max_retries: Option<u32>,
    pub retry_after_cap: Option<Duration>,
    pub max_completion_tokens: Option<u32>,
    /// The most tokens a prompt may take; longer code is shortened.
    pub prompt_tokens: Option<u64>,
    pub concurrency: Option<usize>,
    pub output_mode: Option<OutputMode>,
    /// Budgets in USD.
    pub budget_per_run: Option<f64>,
    pub budget_per_day: Option<f64>,
    pub prices: BTreeMap<String, Price>,
    /// Files never sent to the model.
    pub never_send: Option<NeverSend>,
    /// Where the user's prompt templates are, and which are used.
    pub templates: TemplateSettings,
    /// The exchange log, relative to the project when relative.
    pub exchange_log: Option<PathBuf>,
    /// The defaults of `deployments`, for the deployment in use.
    pub this: DeploymentSettings,
}

/// The keys of the `model` table, as documented: `apply` accepts these and
/// no others.
pub const MODEL_KEYS: &[Key] = &[
    Key {
        name: "provider",
        aliases: &[],
        meaning: "`azure`, `azure-v1`, `openai` or `local` (default: from the endpoint or the environment)",
        example: r#""azure""#,
        shape: Shape::OneOf(&["azure", "azure-v1", "openai", "local"]),
        default: "",
    },
    Key {
        name: "endpoint",
        aliases: &["baseUrl"],
        meaning: "the Azure endpoint, or a base URL such as `http://localhost:11434/v1`",
        example: r#""https://NAME.openai.azure.com""#,
        shape: Shape::Text,
        default: "",
    },
    Key {
        name: "model",
        aliases: &[],
        meaning: "the model asked for; `deployments` maps it to a deployment",
        example: r#""gpt-4o""#,
        shape: Shape::Text,
        default: "",
    },
    Key {
        name: "deployment",
        aliases: &[],
        meaning: "the Azure deployment serving the model (default: `AZURE_OPENAI_DEPLOYMENT`, else the model)",
        example: r#""docgen-4o""#,
        shape: Shape::Text,
        default: "",
    },
    Key {
        name: "apiVersion",
        aliases: &[],
        meaning: "Azure api-version (default `2024-10-21`; `v1` for the v1 surface)",
        example: r#""2024-10-21""#,
        shape: Shape::Text,
        default: "",
    },
    Key {
        name: "deployments",
        aliases: &[],
        meaning: "per model or deployment: `deployment`, `tokenizer`, `contextWindow`, `reasoning`, `rpm`, `tpm` \
                  (the keys below), or just the deployment's name",
        example: r#"{ "gpt-4o" = { deployment = "docgen-4o", tpm = 100000 } }"#,
        shape: Shape::Table,
        default: "",
    },
    Key {
        name: "tokenizer",
        aliases: &[],
        meaning: "the deployment's tokenizer: `o200k` or `cl100k` (default: from the model's name)",
        example: r#""o200k""#,
        shape: Shape::OneOf(&["o200k", "cl100k"]),
        default: "",
    },
    Key {
        name: "contextWindow",
        aliases: &[],
        meaning: "the deployment's context window, in tokens",
        example: "128000",
        shape: Shape::Whole,
        default: "",
    },
    Key {
        name: "reasoning",
        aliases: &[],
        meaning: "a reasoning model (o-series, gpt-5): sent no temperature",
        example: "true",
        shape: Shape::Flag,
        default: "",
    },
    Key {
        name: "apiKeyEnv",
        aliases: &[],
        meaning: "the environment variable holding the key",
        example: r#""MY_AZURE_KEY""#,
        shape: Shape::Text,
        default: "",
    },
    Key {
        name: "apiKeyFile",
        aliases: &[],
        meaning: "a file holding the key, read again when it changes",
        example: r#""~/.config/docwright/key""#,
        shape: Shape::Text,
        default: "",
    },
    Key {
        name: "apiKeyCommand",
        aliases: &[],
        meaning: "a command printing the key, run again when the key is refused",
        example: r#""pass show azure/openai""#,
        shape: Shape::Text,
        default: "",
    },
    Key {
        name: "tokenCommand",
        aliases: &[],
        meaning: "a command printing a Microsoft Entra ID token (plain, or `az`'s JSON); the token is kept until 5 \
                  minutes before it expires and fetched again once if refused",
        example: r#""az account get-access-token --resource https://cognitiveservices.azure.com --output json""#,
        shape: Shape::Text,
        default: "",
    },
    Key {
        name: "rpm",
        aliases: &[],
        meaning: "requests per minute the deployment allows; docwright keeps under it",
        example: "600",
        shape: Shape::Whole,
        default: "",
    },
    Key {
        name: "tpm",
        aliases: &[],
        meaning: "tokens per minute the deployment allows; docwright keeps under it",
        example: "100000",
        shape: Shape::Whole,
        default: "",
    },
    Key {
        name: "concurrency",
        aliases: &[],
        meaning: "requests in flight at once, 1 to 256 (default 8)",
        example: "4",
        shape: Shape::Whole,
        default: "8",
    },
    Key {
        name: "timeout",
        aliases: &[],
        meaning: "seconds for a whole request (default 120)",
        example: "60",
        shape: Shape::Number,
        default: "120",
    },
    Key {
        name: "connectTimeout",
        aliases: &[],
        meaning: "seconds to connect (default 5)",
        example: "10",
        shape: Shape::Number,
        default: "5",
    },
    Key {
        name: "maxRetries",
        aliases: &[],
        meaning: "retries after a failed attempt, 0 to 20 (default 2)",
        example: "3",
        shape: Shape::Whole,
        default: "2",
    },
    Key {
        name: "retryAfterCap",
        aliases: &[],
        meaning: "the longest wait, in seconds, a service may ask for before docwright reports the quota as spent \
                  (default 120)",
        example: "30",
        shape: Shape::Number,
        default: "120",
    },
    Key {
        name: "maxCompletionTokens",
        aliases: &[],
        meaning: "the answer's limit, in tokens (default 1024)",
        example: "2048",
        shape: Shape::Whole,
        default: "1024",
    },
    Key {
        name: "promptTokens",
        aliases: &[],
        meaning: "the prompt's limit, in tokens: context is cut first, then longer code is shortened, keeping the \
                  signature, the docstring and the lines that raise, return or yield (default 6000)",
        example: "8000",
        shape: Shape::Whole,
        default: "6000",
    },
    Key {
        name: "outputMode",
        aliases: &[],
        meaning: "how the answer's shape is asked for: `json_schema` (default), `tool` or `json_object`; servers \
                  that lack one get the next automatically",
        example: r#""tool""#,
        shape: Shape::OneOf(&["json_schema", "tool", "json_object"]),
        default: r#""json_schema""#,
    },
    Key {
        name: "budget",
        aliases: &[],
        meaning: "`perRun`, `perDay`: spending limits in USD, a warning at 80 %, a refusal before the request that \
                  would pass 100 %",
        example: "{ perRun = 2.0, perDay = 10.0 }",
        shape: Shape::Table,
        default: "",
    },
    Key {
        name: "prices",
        aliases: &[],
        meaning: "per model: `input`, `cachedInput`, `output` in USD per million tokens (list prices of common \
                  models are built in)",
        example: r#"{ "my-model" = { input = 2.5, cachedInput = 1.25, output = 10.0 } }"#,
        shape: Shape::Table,
        default: "",
    },
    Key {
        name: "neverSend",
        aliases: &[],
        meaning: "globs of files whose code is never sent; their docstrings come from templates, with a note \
                  (default `.env*`, `*secret*`, `*credentials*`; a glob without `/` matches the file's name, case \
                  ignored)",
        example: r#"[".env*", "*secret*", "config/prod/**"]"#,
        shape: Shape::List,
        default: "",
    },
    Key {
        name: "templates",
        aliases: &[],
        meaning: "prompt templates: `directory` (default `.docwright/templates` in the project) and, per kind \
                  (`function`, `method`, `class`, `module`, `update`), the name of the template it uses",
        example: r#"{ function = "terse" }"#,
        shape: Shape::Table,
        default: "",
    },
    Key {
        name: "exchangeLog",
        aliases: &[],
        meaning: "a file (relative to the project) to which every request and every cached answer is appended as a \
                  JSON line, for audits; created owner-only (default: none; `DOCWRIGHT_EXCHANGE_LOG` or \
                  `--exchange-log` win)",
        example: r#"".docwright/exchanges.jsonl""#,
        shape: Shape::Text,
        default: "",
    },
];

type Parsed<T> = Result<T, String>;

fn string(value: &Value) -> Parsed<String> {
    value
        .as_str()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| format!("expected a non-empty string, got {value}"))
}

/// The `templates` table: `directory`, and a template name per kind.
fn template_settings(value: &Value) -> Parsed<TemplateSettings> {
    let object = value.as_object().ok_or_else(|| format!("expected a table, got {value}"))?;
    let mut settings = TemplateSettings::default();
    for (key, value) in object {
        if key == "directory" {
            settings.directory = Some(PathBuf::from(string(value)?));
        } else if let Some(kind) = TemplateKind::parse(key) {
            settings.chosen.insert(kind, string(value).map_err(|e| format!("{key}: {e}"))?);
        } else {
            return Err(format!("`{key}` is not directory, function, method, class, module or update"));
        }
    }
    Ok(settings)
}

fn count(value: &Value) -> Parsed<u64> {
    value.as_u64().filter(|n| *n > 0).ok_or_else(|| format!("expected a whole number above 0, got {value}"))
}

fn seconds(value: &Value) -> Parsed<Duration> {
    value
        .as_f64()
        .filter(|s| s.is_finite() && *s > 0.0 && *s <= 86_400.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("expected a number of seconds above 0, got {value}"))
}

fn dollars(value: &Value) -> Parsed<f64> {
    value
        .as_f64()
        .filter(|d| d.is_finite() && *d >= 0.0)
        .ok_or_else(|| format!("expected an amount in USD, got {value}"))
}

fn flag(value: &Value) -> Parsed<bool> {
    value.as_bool().ok_or_else(|| format!("expected true or false, got {value}"))
}

fn table(value: &Value) -> Parsed<&serde_json::Map<String, Value>> {
    value.as_object().ok_or_else(|| format!("expected a table, got {value}"))
}

fn tokenizer(value: &Value) -> Parsed<String> {
    let name = string(value)?;
    match name.to_ascii_lowercase().trim_end_matches("_base") {
        family @ ("o200k" | "cl100k") => Ok(family.to_string()),
        _ => Err(format!("expected o200k or cl100k, got {value}")),
    }
}

impl DeploymentSettings {
    /// Applies one key, named as documented; `None` when the key is not a
    /// deployment key.
    fn apply(&mut self, name: &str, value: &Value) -> Option<Parsed<()>> {
        Some(match name {
            "deployment" => string(value).map(|v| self.deployment = Some(v)),
            "tokenizer" => tokenizer(value).map(|v| self.tokenizer = Some(v)),
            "contextWindow" => count(value).map(|v| self.context_window = Some(v)),
            "reasoning" => flag(value).map(|v| self.reasoning = Some(v)),
            "rpm" => count(value).map(|v| self.rpm = Some(v)),
            "tpm" => count(value).map(|v| self.tpm = Some(v)),
            _ => return None,
        })
    }

    /// `self`, with what it leaves unset taken from `fallback`.
    fn or(&self, fallback: &DeploymentSettings) -> DeploymentSettings {
        DeploymentSettings {
            deployment: self.deployment.clone().or_else(|| fallback.deployment.clone()),
            tokenizer: self.tokenizer.clone().or_else(|| fallback.tokenizer.clone()),
            context_window: self.context_window.or(fallback.context_window),
            reasoning: self.reasoning.or(fallback.reasoning),
            rpm: self.rpm.or(fallback.rpm),
            tpm: self.tpm.or(fallback.tpm),
        }
    }
}

impl ModelSettings {
    /// Applies the `model` table `value`; each problem names `prefix.key`.
    pub fn apply(&mut self, value: &Value, prefix: &str) -> Vec<String> {
        let mut problems = Vec::new();
        let Some(object) = value.as_object() else {
            return vec![format!("{prefix}: expected a table of settings, got {value}")];
        };
        for (key, value) in object {
            let result = match find_key(MODEL_KEYS, key) {
                Some(documented) => self.apply_key(documented.name, value, &mut problems, &format!("{prefix}.{key}")),
                None if matches!(normal_key(key).as_str(), "apikey" | "key" | "token") => {
                    Err("a secret does not belong in settings: use apiKeyEnv, apiKeyFile or apiKeyCommand".into())
                }
                None => Err("unknown setting".into()),
            };
            if let Err(problem) = result {
                problems.push(format!("{prefix}.{key}: {problem}"));
            }
        }
        problems
    }

    /// Applies the key documented as `name`.
    fn apply_key(&mut self, name: &str, value: &Value, problems: &mut Vec<String>, path: &str) -> Parsed<()> {
        // At the top level `deployment` names the one to use.
        if name == "deployment" {
            self.deployment = Some(string(value)?);
            return Ok(());
        }
        if let Some(result) = self.this.apply(name, value) {
            return result;
        }
        match name {
            "provider" => {
                self.provider = Some(match string(value)?.to_ascii_lowercase().as_str() {
                    "azure" => ProviderKind::Azure,
                    "azure-v1" | "azurev1" | "azure_v1" => ProviderKind::AzureV1,
                    "openai" => ProviderKind::OpenAi,
                    "local" | "ollama" | "llama.cpp" | "vllm" | "lmstudio" => ProviderKind::Local,
                    _ => return Err(format!("expected azure, azure-v1, openai or local, got {value}")),
                })
            }
            "endpoint" => self.endpoint = Some(string(value)?),
            "model" => self.model = Some(string(value)?),
            "apiVersion" => self.api_version = Some(string(value)?),
            "apiKeyEnv" => self.api_key_env = Some(string(value)?),
            "apiKeyFile" => self.api_key_file = Some(PathBuf::from(string(value)?)),
            "apiKeyCommand" => self.api_key_command = Some(string(value)?),
            "tokenCommand" => self.token_command = Some(string(value)?),
            "timeout" => self.timeout = Some(seconds(value)?),
            "connectTimeout" => self.connect_timeout = Some(seconds(value)?),
            "maxRetries" => {
                self.max_retries = Some(
                    value
                        .as_u64()
                        .and_then(|n| u32::try_from(n).ok())
                        .filter(|n| *n <= 20)
                        .ok_or_else(|| format!("expected a whole number from 0 to 20, got {value}"))?,
                )
            }
            "retryAfterCap" => self.retry_after_cap = Some(seconds(value)?),
            "maxCompletionTokens" => {
                self.max_completion_tokens = Some(u32::try_from(count(value)?).map_err(|_| "too large".to_string())?)
            }
            "promptTokens" => self.prompt_tokens = Some(count(value)?),
            "neverSend" => {
                let patterns = value
                    .as_array()
                    .ok_or_else(|| format!("expected a list of globs, got {value}"))?
                    .iter()
                    .map(string)
                    .collect::<Parsed<Vec<String>>>()?;
                self.never_send = Some(NeverSend::new(&patterns)?);
            }
            "templates" => self.templates = template_settings(value)?,
            "exchangeLog" => self.exchange_log = Some(PathBuf::from(string(value)?)),
            "concurrency" => {
                self.concurrency = Some(
                    usize::try_from(count(value)?)
                        .ok()
                        .filter(|n| *n <= 256)
                        .ok_or_else(|| format!("expected a whole number from 1 to 256, got {value}"))?,
                )
            }
            "outputMode" => {
                self.output_mode = Some(match string(value)?.as_str() {
                    "json_schema" | "json-schema" => OutputMode::JsonSchema,
                    "tool" | "tools" => OutputMode::Tool,
                    "json_object" | "json-object" | "json" => OutputMode::JsonObject,
                    _ => return Err(format!("expected json_schema, tool or json_object, got {value}")),
                })
            }
            "budget" => {
                for (name, amount) in table(value)? {
                    match normal_key(name).as_str() {
                        "perrun" => self.budget_per_run = Some(dollars(amount)?),
                        "perday" => self.budget_per_day = Some(dollars(amount)?),
                        _ => problems.push(format!("{path}.{name}: unknown setting (perRun or perDay)")),
                    }
                }
            }
            "deployments" => {
                for (name, settings) in table(value)? {
                    let mut deployment = DeploymentSettings::default();
                    match settings {
                        // `"gpt-4o" = "my-deployment"` is the short form.
                        Value::String(target) => deployment.deployment = Some(target.clone()),
                        _ => {
                            for (key, value) in table(settings)? {
                                let documented = find_key(MODEL_KEYS, key);
                                match documented.and_then(|d| deployment.apply(d.name, value)) {
                                    Some(Ok(())) => {}
                                    Some(Err(problem)) => problems.push(format!("{path}.{name}.{key}: {problem}")),
                                    None => problems.push(format!("{path}.{name}.{key}: unknown setting")),
                                }
                            }
                        }
                    }
                    self.deployments.insert(name.clone(), deployment);
                }
            }
            "prices" => {
                for (name, price) in table(value)? {
                    let (mut input, mut cached, mut output) = (0.0, None, 0.0);
                    for (key, amount) in table(price)? {
                        match normal_key(key).as_str() {
                            "input" => input = dollars(amount)?,
                            "cachedinput" => cached = Some(dollars(amount)?),
                            "output" => output = dollars(amount)?,
                            _ => problems.push(format!("{path}.{name}.{key}: unknown setting")),
                        }
                    }
                    // Without a cached price, cached tokens cost what others do.
                    self.prices.insert(name.clone(), Price::new(input, cached.unwrap_or(input), output));
                }
            }
            // A documented key nothing reads: the tests catch it.
            _ => return Err("unknown setting".into()),
        }
        Ok(())
    }

    /// Whether anything here names a service (else the environment decides).
    pub fn is_set(&self) -> bool {
        self.provider.is_some() || self.endpoint.is_some()
    }

    /// The model configuration: these settings over the environment
    /// variables `lookup` reads. `Ok(None)` when no service is configured
    /// anywhere; an error says what is missing.
    pub fn resolve(&self, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Option<ModelConfig>, String> {
        let get = |names: &[&str]| names.iter().find_map(|name| lookup(name).filter(|v| !v.trim().is_empty()));
        let azure_endpoint = get(&["AZURE_OPENAI_ENDPOINT"]);
        let kind = match self.provider {
            Some(kind) => kind,
            None if self.endpoint.as_deref().is_some_and(|e| e.contains(".azure.com")) => ProviderKind::Azure,
            None if self.endpoint.is_some() => ProviderKind::OpenAi,
            None if azure_endpoint.is_some() => ProviderKind::Azure,
            None if get(&["OPENAI_API_KEY", "OPENAI_BASE_URL"]).is_some() => ProviderKind::OpenAi,
            None => return Ok(None),
        };
        let api_version = self.api_version.clone().or_else(|| get(&["OPENAI_API_VERSION", "AZURE_OPENAI_VERSION"]));
        let kind = match (kind, api_version.as_deref()) {
            (ProviderKind::Azure, Some("v1")) => ProviderKind::AzureV1,
            (kind, _) => kind,
        };
        let endpoint = match (&self.endpoint, kind) {
            (Some(endpoint), _) => endpoint.clone(),
            (None, ProviderKind::Azure | ProviderKind::AzureV1) => azure_endpoint.ok_or(
                "no Azure endpoint: set AZURE_OPENAI_ENDPOINT or model.endpoint (https://NAME.openai.azure.com)",
            )?,
            (None, ProviderKind::OpenAi) => get(&["OPENAI_BASE_URL"]).unwrap_or_else(|| OPENAI_BASE_URL.into()),
            (None, ProviderKind::Local) => get(&["OPENAI_BASE_URL"])
                .ok_or("no server address: set model.endpoint (for Ollama, http://localhost:11434/v1)")?,
        };
        if !(endpoint.starts_with("https://") || endpoint.starts_with("http://")) {
            return Err(format!("the endpoint `{endpoint}` is not an http:// or https:// address"));
        }
        // An OpenAI-style server on this machine is a local one (Ollama reads
        // only `max_tokens`).
        let kind = if kind == ProviderKind::OpenAi && self.provider.is_none() && is_loopback(&endpoint) {
            ProviderKind::Local
        } else {
            kind
        };
        let azure = matches!(kind, ProviderKind::Azure | ProviderKind::AzureV1);
        let model = self.model.clone();
        let mapped = model.as_ref().and_then(|m| self.deployments.get(m));
        let deployment = self
            .deployment
            .clone()
            .or_else(|| mapped.and_then(|d| d.deployment.clone()))
            .or_else(|| if azure { get(&["AZURE_OPENAI_DEPLOYMENT"]) } else { None })
            .or_else(|| model.clone())
            .ok_or(if azure {
                "no deployment: set model.deployment (or AZURE_OPENAI_DEPLOYMENT) to your deployment's name"
            } else {
                "no model: set model.model (for example gpt-4o, or the local model's name)"
            })?;
        // What is known of the deployment: its own entry, the model's entry,
        // then the table's top level.
        let known = self
            .deployments
            .get(&deployment)
            .cloned()
            .unwrap_or_default()
            .or(&mapped.cloned().unwrap_or_default())
            .or(&self.this);
        let provider = match kind {
            ProviderKind::Azure => Provider::AzureClassic {
                endpoint,
                deployment: deployment.clone(),
                api_version: api_version.unwrap_or_else(|| DEFAULT_AZURE_API_VERSION.to_string()),
            },
            ProviderKind::AzureV1 => Provider::AzureV1 { endpoint, deployment: deployment.clone() },
            ProviderKind::OpenAi => Provider::OpenAi { base_url: endpoint, model: deployment.clone() },
            ProviderKind::Local => Provider::Local { base_url: endpoint, model: deployment.clone() },
        };
        // The model's name tells the tokenizer and the prices; a deployment's
        // name may say nothing of the model.
        let model_name = model.unwrap_or_else(|| deployment.clone());
        let reasoning = known.reasoning.unwrap_or_else(|| is_reasoning_model(&model_name));
        let defaults = ClientOptions::default();
        let client = ClientOptions {
            retry: RetryPolicy {
                max_retries: self.max_retries.unwrap_or(defaults.retry.max_retries),
                retry_after_cap: self.retry_after_cap.unwrap_or(defaults.retry.retry_after_cap),
                ..defaults.retry
            },
            connect_timeout: self.connect_timeout.unwrap_or(defaults.connect_timeout),
            request_timeout: self.timeout.unwrap_or(defaults.request_timeout),
            max_completion_tokens: self.max_completion_tokens.unwrap_or(defaults.max_completion_tokens),
            reasoning,
            output_mode: self.output_mode.unwrap_or(defaults.output_mode),
            prompt_tokens: self.prompt_tokens.unwrap_or(defaults.prompt_tokens),
            context_window: known
                .context_window
                .or_else(|| super::tokens::context_window(&model_name).and_then(|w| u64::try_from(w).ok())),
        };
        let auth = self.auth(kind, lookup)?;
        Ok(Some(ModelConfig {
            provider,
            auth,
            client,
            model: model_name,
            deployment: known,
            concurrency: self.concurrency.unwrap_or(8),
            budget_per_run: self.budget_per_run,
            budget_per_day: self.budget_per_day,
            prices: self.prices.clone(),
            never_send: self.never_send.clone().unwrap_or_else(NeverSend::defaults),
            templates: self.templates.clone(),
            exchange_log: lookup(super::exchange_log::ENV)
                .filter(|v| !v.trim().is_empty())
                .map(|v| std::path::absolute(&v).unwrap_or_else(|_| PathBuf::from(v)))
                .or_else(|| self.exchange_log.clone()),
        }))
    }

    /// Where credentials come from: the settings first, then the usual
    /// variables (a token wins over a key, as in the official SDKs).
    fn auth(&self, kind: ProviderKind, lookup: &dyn Fn(&str) -> Option<String>) -> Result<AuthConfig, String> {
        let azure = matches!(kind, ProviderKind::Azure | ProviderKind::AzureV1);
        if let Some(command) = &self.token_command {
            return Ok(AuthConfig::TokenCommand(command.clone()));
        }
        if let Some(command) = &self.api_key_command {
            return Ok(AuthConfig::KeyCommand(command.clone()));
        }
        if let Some(path) = &self.api_key_file {
            return Ok(AuthConfig::KeyFile(path.clone()));
        }
        if let Some(name) = &self.api_key_env {
            return match lookup(name).filter(|v| !v.trim().is_empty()) {
                Some(_) => Ok(AuthConfig::KeyEnv(vec![name.clone()])),
                None => Err(format!("model.apiKeyEnv names `{name}`, which is not set")),
            };
        }
        let set = |name: &str| lookup(name).is_some_and(|v| !v.trim().is_empty());
        if azure {
            if set("AZURE_OPENAI_AD_TOKEN") {
                return Ok(AuthConfig::TokenEnv("AZURE_OPENAI_AD_TOKEN".into()));
            }
            if let Some(name) = ["AZURE_OPENAI_API_KEY", "AZURE_OPENAI_KEY"].into_iter().find(|n| set(n)) {
                return Ok(AuthConfig::KeyEnv(vec![name.to_string()]));
            }
            return Err("no credentials for Azure OpenAI: set AZURE_OPENAI_API_KEY, or model.tokenCommand \
                 (for example `az account get-access-token --resource https://cognitiveservices.azure.com`)"
                .into());
        }
        if set("OPENAI_API_KEY") {
            return Ok(AuthConfig::KeyEnv(vec!["OPENAI_API_KEY".into()]));
        }
        match kind {
            ProviderKind::OpenAi => Err("no API key for OpenAI: set OPENAI_API_KEY".into()),
            // Local servers usually take no key.
            _ => Ok(AuthConfig::None),
        }
    }
}

/// Where the credential comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthConfig {
    None,
    /// The first of these environment variables that is set.
    KeyEnv(Vec<String>),
    KeyFile(PathBuf),
    KeyCommand(String),
    /// A bearer token in an environment variable.
    TokenEnv(String),
    /// A command printing an Entra ID token.
    TokenCommand(String),
}

impl AuthConfig {
    /// Where the credential comes from, in words (never the credential).
    pub fn describe(&self) -> String {
        match self {
            AuthConfig::None => "no credentials (a local server)".to_string(),
            AuthConfig::KeyEnv(names) => format!("API key from {}", names.join(" or ")),
            AuthConfig::KeyFile(path) => format!("API key from the file {}", path.display()),
            AuthConfig::KeyCommand(command) => format!("API key from the command `{command}`"),
            AuthConfig::TokenEnv(name) => format!("bearer token from {name}"),
            AuthConfig::TokenCommand(command) => format!("Entra ID token from the command `{command}`"),
        }
    }
}

/// Everything needed to build a client, resolved.
#[derive(Debug, Clone)]
pub struct ModelConfig {
    pub provider: Provider,
    pub auth: AuthConfig,
    pub client: ClientOptions,
    /// The model's name (for the tokenizer and prices).
    pub model: String,
    pub deployment: DeploymentSettings,
    pub concurrency: usize,
    pub budget_per_run: Option<f64>,
    pub budget_per_day: Option<f64>,
    pub prices: BTreeMap<String, Price>,
    /// Files whose code is never sent.
    pub never_send: NeverSend,
    pub templates: TemplateSettings,
    /// The exchange log: `DOCWRIGHT_EXCHANGE_LOG` made absolute, else
    /// `model.exchangeLog` as written (relative to the project).
    pub exchange_log: Option<PathBuf>,
}

/// Whether `url` names this machine (a local model server).
fn is_loopback(url: &str) -> bool {
    let authority = super::provider::host(url);
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    matches!(host, "localhost" | "0.0.0.0" | "::1") || host.starts_with("127.")
}

/// Whether a model name is one of the reasoning families, which take no
/// temperature.
fn is_reasoning_model(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["o1", "o3", "o4", "gpt-5", "codex-mini"].iter().any(|prefix| name.starts_with(prefix))
        && !name.starts_with("gpt-5-chat")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    }

    #[test]
    fn keys_are_read_and_problems_named() {
        let mut settings = ModelSettings::default();
        let problems = settings.apply(
            &json!({"provider": "azure", "endpoint": "https://r.openai.azure.com", "api-version": "2024-10-21",
                "model": "gpt-4o", "deployments": {"gpt-4o": {"deployment": "docgen", "tokenizer": "o200k_base",
                "contextWindow": 128000, "colour": 1}, "gpt-35-turbo": "old"}, "max_retries": 3, "timeout": 0,
                "apiKey": "sk-secret", "budget": {"perRun": 2.5, "perWeek": 1}, "concurrency": 4}),
            "pyproject.toml: docwright.model",
        );
        assert_eq!(settings.provider, Some(ProviderKind::Azure));
        assert_eq!(settings.max_retries, Some(3));
        assert_eq!(settings.budget_per_run, Some(2.5));
        assert_eq!(settings.deployments["gpt-4o"].tokenizer.as_deref(), Some("o200k"));
        assert_eq!(settings.deployments["gpt-35-turbo"].deployment.as_deref(), Some("old"));
        assert_eq!(settings.timeout, None);
        let joined = problems.join("\n");
        assert!(joined.contains("docwright.model.deployments.gpt-4o.colour: unknown setting"), "{joined}");
        assert!(joined.contains("docwright.model.timeout: expected a number of seconds"), "{joined}");
        assert!(joined.contains("docwright.model.apiKey: a secret does not belong in settings"), "{joined}");
        assert!(joined.contains("docwright.model.budget.perWeek"), "{joined}");
        assert!(!joined.contains("sk-secret"), "a secret is not repeated: {joined}");
    }

    #[test]
    fn a_model_name_maps_to_its_deployment() {
        let mut settings = ModelSettings::default();
        settings.apply(
            &json!({"model": "gpt-4o", "deployments": {"gpt-4o": {"deployment": "docgen", "rpm": 600}}}),
            "model",
        );
        let lookup = env(&[("AZURE_OPENAI_ENDPOINT", "https://r.openai.azure.com"), ("AZURE_OPENAI_API_KEY", "k")]);
        let config = settings.resolve(&lookup).unwrap().unwrap();
        assert_eq!(
            config.provider.chat_url(),
            "https://r.openai.azure.com/openai/deployments/docgen/chat/completions?api-version=2024-10-21"
        );
        assert_eq!(config.model, "gpt-4o");
        assert_eq!(config.deployment.rpm, Some(600));
        assert_eq!(config.auth, AuthConfig::KeyEnv(vec!["AZURE_OPENAI_API_KEY".into()]));
        assert!(!config.client.reasoning);
    }

    #[test]
    fn the_exchange_log_comes_from_the_environment_else_the_settings() {
        let mut settings = ModelSettings::default();
        let problems = settings.apply(
            &json!({"provider": "local", "endpoint": "http://localhost:11434/v1", "model": "m",
                "exchange-log": "logs/exchanges.jsonl"}),
            "m",
        );
        assert_eq!(problems, Vec::<String>::new());
        assert_eq!(settings.resolve(&env(&[])).unwrap().unwrap().exchange_log, Some("logs/exchanges.jsonl".into()));
        let config = settings.resolve(&env(&[("DOCWRIGHT_EXCHANGE_LOG", "audit.jsonl")])).unwrap().unwrap();
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(config.exchange_log, Some(cwd.join("audit.jsonl")), "relative to the working directory");
        assert!(ModelSettings::default().resolve(&env(&[("DOCWRIGHT_EXCHANGE_LOG", "a")])).unwrap().is_none());
        let problems = settings.apply(&json!({"exchangeLog": ""}), "m");
        assert_eq!(problems, vec!["m.exchangeLog: expected a non-empty string, got \"\""]);
        assert!(MODEL_KEYS.iter().any(|key| key.name == "exchangeLog"));
    }

    #[test]
    fn the_environment_alone_configures_a_model() {
        let settings = ModelSettings::default();
        assert!(settings.resolve(&env(&[])).unwrap().is_none(), "nothing configured");
        let lookup = env(&[
            ("AZURE_OPENAI_ENDPOINT", "https://r.openai.azure.com"),
            ("AZURE_OPENAI_AD_TOKEN", "jwt"),
            ("OPENAI_API_VERSION", "v1"),
            ("AZURE_OPENAI_DEPLOYMENT", "o3-mini"),
        ]);
        let config = settings.resolve(&lookup).unwrap().unwrap();
        assert!(matches!(config.provider, Provider::AzureV1 { .. }));
        assert_eq!(config.auth, AuthConfig::TokenEnv("AZURE_OPENAI_AD_TOKEN".into()));
        assert!(config.client.reasoning, "o3-mini is a reasoning model");
        let error = settings.resolve(&env(&[("AZURE_OPENAI_ENDPOINT", "https://r")])).unwrap_err();
        assert!(error.contains("no deployment"), "{error}");
        let error = settings
            .resolve(&env(&[("AZURE_OPENAI_ENDPOINT", "https://r"), ("AZURE_OPENAI_DEPLOYMENT", "d")]))
            .unwrap_err();
        assert!(error.contains("AZURE_OPENAI_API_KEY"), "{error}");
        let mut local = ModelSettings::default();
        local.apply(&json!({"provider": "local", "endpoint": "http://localhost:11434/v1", "model": "llama3"}), "m");
        let config = local.resolve(&env(&[])).unwrap().unwrap();
        assert_eq!(config.auth, AuthConfig::None);
        assert_eq!(config.provider.chat_url(), "http://localhost:11434/v1/chat/completions");
        let config = settings
            .resolve(&env(&[("OPENAI_BASE_URL", "http://127.0.0.1:8080/v1"), ("OPENAI_API_KEY", "x")]))
            .map(|c| c.map(|c| c.provider));
        assert!(matches!(config, Err(ref e) if e.contains("no model")), "{config:?}");
        for local in ["http://localhost:11434/v1", "http://[::1]:8000/v1", "http://127.0.0.2/v1"] {
            assert!(is_loopback(local), "{local}");
        }
        assert!(!is_loopback("https://api.example.com/v1"));
        let mut named = ModelSettings::default();
        named.apply(&json!({"provider": "azure", "endpoint": "https://r.openai.azure.com", "deployment": "mine"}), "m");
        let config = named.resolve(&env(&[("AZURE_OPENAI_API_KEY", "k")])).unwrap().unwrap();
        assert!(config.provider.chat_url().contains("/deployments/mine/"), "{}", config.provider.chat_url());
        let mut bad = ModelSettings::default();
        bad.apply(&json!({"endpoint": "res.openai.azure.com", "deployment": "d"}), "m");
        assert!(bad.resolve(&env(&[("AZURE_OPENAI_API_KEY", "k")])).unwrap_err().contains("not an http"));
    }
}
