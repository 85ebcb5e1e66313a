//! `docwright doctor`: checks the model configuration, the credentials and one
//! tiny request, and says in plain words what is wrong and how to fix it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::json;

use crate::llm::{ChatMessage, Client, LlmError, Problem};
use crate::prompt::template::PromptManager;

#[derive(clap::Args, Debug)]
pub struct DoctorArgs {
    /// The project whose `[tool.docwright]` settings to check [default: the current directory].
    #[arg(default_value = ".")]
    pub path: PathBuf,
}

/// Prints one check's verdict.
fn report(check: &str, verdict: Result<String, String>) -> bool {
    match verdict {
        Ok(detail) => {
            println!("{check:<14} ok: {detail}");
            true
        }
        Err(problem) => {
            println!("{check:<14} problem: {problem}");
            false
        }
    }
}

pub fn run(args: &DoctorArgs) -> Result<i32> {
    let settings = super::project_settings(std::slice::from_ref(&args.path));
    let lookup = |name: &str| std::env::var(name).ok();
    let config = match settings.model.resolve(&lookup) {
        Ok(Some(config)) => config,
        Ok(None) => {
            report(
                "configuration",
                Err("no model is configured. Set AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY and \
                     AZURE_OPENAI_DEPLOYMENT (or OPENAI_API_KEY), or add [tool.docwright.model] to pyproject.toml; \
                     without a model docwright writes docstrings from templates"
                    .into()),
            );
            return Ok(1);
        }
        Err(problem) => {
            report("configuration", Err(problem));
            return Ok(1);
        }
    };
    report("configuration", Ok(config.provider.describe()));
    let client = match Client::from_config(&config) {
        Ok(client) => client,
        Err(problem) => {
            report("credentials", Err(format!("{}: {problem}", config.auth.describe())));
            return Ok(1);
        }
    };
    report("credentials", Ok(config.auth.describe()));
    let templates =
        PromptManager::load(&config.templates, super::project_root(std::slice::from_ref(&args.path)).as_deref());
    if !report("templates", templates.map(|t| t.describe()).map_err(|e| e.to_string())) {
        return Ok(1);
    }
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start a runtime")?;
    let client = Arc::new(client);
    let schema = json!({
        "type": "object",
        "properties": {"ok": {"type": "boolean"}},
        "required": ["ok"],
        "additionalProperties": false
    });
    let messages = [ChatMessage::system("Answer as JSON."), ChatMessage::user("Reply with {\"ok\": true}.")];
    let started = Instant::now();
    let answer = runtime.block_on(client.structured(&messages, "doctor", &schema));
    let verdict = match answer {
        Ok(answer) => Ok(format!(
            "{} answered in {} ms",
            answer.model.as_deref().unwrap_or("the model"),
            started.elapsed().as_millis()
        )),
        Err(error) => Err(explain(&error)),
    };
    Ok(i32::from(!report("request", verdict)))
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
