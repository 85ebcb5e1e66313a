//! The commands about the session rather than a document: its figures
//! (`docwright.showStats` says them, `docwright.stats` only returns them, for
//! a status bar), clearing the answer cache, and the doctor.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Value, json};

use super::commands::count;
use crate::cache::settings::CacheSettings;
use crate::cache::{self, Selector, layered::AnswerCache};
use crate::llm::{Client, ModelSettings, doctor};

pub const SHOW_STATS: &str = "docwright.showStats";
pub const STATS: &str = "docwright.stats";
pub const CLEAR_CACHE: &str = "docwright.clearCache";
pub const DOCTOR: &str = "docwright.doctor";

/// The session's model and cache figures, in a line and as JSON (`null`
/// without a model).
pub fn stats(model: Option<&Arc<Client>>, answers: Option<&Arc<AnswerCache>>) -> (String, Value) {
    let Some(client) = model else {
        return ("docwright: no model is configured; docstrings come from templates".to_string(), Value::Null);
    };
    let stats = client.stats();
    let cache = answers.map(|a| a.counters());
    let value = json!({
        "model": client.provider().describe(),
        "stats": stats,
        "latencyP50Ms": stats.latency(0.5).map(|d| d.as_millis() as u64),
        "latencyP95Ms": stats.latency(0.95).map(|d| d.as_millis() as u64),
        "cache": cache,
    });
    let cache_line = cache.map(|c| format!("; cache: {}", c.summary())).unwrap_or_default();
    (format!("docwright: {}: {}{cache_line}", client.provider().describe(), stats.summary()), value)
}

/// Drops every cached answer: from the session's cache, or, when the session
/// has none (no model configured), from the store the settings name.
pub async fn clear_cache(
    answers: Option<Arc<AnswerCache>>,
    settings: &CacheSettings,
) -> Result<(String, Value), String> {
    let answers = match answers {
        Some(answers) => answers,
        None => match cache::open::open(settings).await {
            (Some(answers), _) => answers,
            (None, Some(warning)) => return Err(warning),
            (None, None) => return Err("the answer cache is off (cache.backend = \"off\")".to_string()),
        },
    };
    let removed = answers.invalidate(&Selector::All).await.map_err(|e| format!("the answer cache: {e}"))?;
    let shown = count(usize::try_from(removed).unwrap_or(usize::MAX), "cached answer");
    Ok((format!("docwright: removed {shown}"), json!({ "removed": removed })))
}

/// The doctor's checks with the session's settings, in a line (the first
/// problem, or that all is well) and as JSON.
pub async fn doctor(settings: &ModelSettings, root: Option<PathBuf>) -> (String, Value) {
    let lookup = |name: &str| std::env::var(name).ok();
    let checks = doctor::diagnose(settings, root.as_deref(), &lookup).await;
    let ok = checks.iter().all(|c| c.ok);
    let line = match checks.iter().find(|c| !c.ok) {
        Some(problem) => format!("docwright doctor: {}: {}", problem.check, problem.detail),
        None => format!("docwright doctor: all {} checks passed", checks.len()),
    };
    let text: Vec<String> = checks.iter().map(doctor::Check::line).collect();
    (line, json!({ "ok": ok, "checks": checks, "text": text.join("\n") }))
}
