//! The doctor: checks the model configuration, the credentials, the prompt
//! templates and one tiny request, and says in plain words what is wrong and
//! how to fix it. `docwright doctor` prints its checks; the language server
//! returns them to the editor.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use serde_json::json;

use super::{ChatMessage, Client, LlmError, ModelSettings, Problem};
use crate::prompt::template::PromptManager;

/// One check and its verdict: what was found, or what is wrong.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub check: &'static str,
    pub ok: bool,
    pub detail: String,
}

impl Check {
    fn new(check: &'static str, verdict: Result<String, String>) -> Self {
        match verdict {
            Ok(detail) => Check { check, ok: true, detail },
            Err(detail) => Check { check, ok: false, detail },
        }
    }

    /// `configuration  ok: ...` or `request        problem: ...`.
    pub fn line(&self) -> String {
        format!("{:<14} {}: {}", self.check, if self.ok { "ok" } else { "problem" }, self.detail)
    }
}

/// Runs the checks in order, stopping at the first problem. `lookup` reads
/// the environment; `root` is the project (for its templates).
pub async fn diagnose(
    settings: &ModelSettings,
    root: Option<&Path>,
    lookup: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Vec<Check> {
    let mut checks = Vec::new();
    let config = match settings.resolve(lookup) {
        Ok(Some(config)) => config,
        Ok(None) => {
            checks.push(Check::new(
                "configuration",
                Err("no model is configured. Set AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY and \
                     AZURE_OPENAI_DEPLOYMENT (or OPENAI_API_KEY), or add [tool.docwright.model] to pyproject.toml; \
                     without a model docwright writes docstrings from templates"
                    .into()),
            ));
            return checks;
        }
        Err(problem) => {
            checks.push(Check::new("configuration", Err(problem)));
            return checks;
        }
    };
    checks.push(Check::new("configuration", Ok(config.provider.describe())));
    let client = match Client::from_config(&config) {
        Ok(client) => Arc::new(client),
        Err(problem) => {
            checks.push(Check::new("credentials", Err(format!("{}: {problem}", config.auth.describe()))));
            return checks;
        }
    };
    checks.push(Check::new("credentials", Ok(config.auth.describe())));
    let templates = PromptManager::load(&config.templates, root).map(|t| t.describe()).map_err(|e| e.to_string());
    let templates_ok = templates.is_ok();
    checks.push(Check::new("templates", templates));
    if !templates_ok {
        return checks;
    }
    let schema = json!({
        "type": "object",
        "properties": {"ok": {"type": "boolean"}},
        "required": ["ok"],
        "additionalProperties": false
    });
    let messages = [ChatMessage::system("Answer as JSON."), ChatMessage::user("Reply with {\"ok\": true}.")];
    let started = Instant::now();
    let verdict = match client.structured(&messages, "doctor", &schema).await {
        Ok(answer) => Ok(format!(
            "{} answered in {} ms",
            answer.model.as_deref().unwrap_or("the model"),
            started.elapsed().as_millis()
        )),
        Err(error) => Err(explain(&error)),
    };
    checks.push(Check::new("request", verdict));
    checks
}

/// `text` ending with one period.
fn sentence(text: &str) -> String {
    format!("{}.", text.trim().trim_end_matches('.'))
}

/// What went wrong and what to do, for the errors a first setup meets.
fn explain(error: &LlmError) -> String {
    match error {
        LlmError::Service(service) => {
            let fix = match service.problem() {
                Problem::NotFound => {
                    "nothing at that address: check the endpoint (https://NAME.openai.azure.com, without a path), \
                     and for Azure's classic form an api-version such as 2024-10-21"
                        .to_string()
                }
                _ => service.advice(),
            };
            format!("the service answered {}: {} Fix: {fix}", service.status, sentence(&service.message))
        }
        LlmError::Transport { url, detail } => format!(
            "no answer from {url} ({detail}). Fix: check the endpoint's spelling, this machine's network, \
             a proxy (HTTPS_PROXY), or a firewall between here and the service"
        ),
        other => other.to_string(),
    }
}
