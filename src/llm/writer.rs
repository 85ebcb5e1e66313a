//! The model as a docstring writer: the same interface the offline templates
//! implement, so the language server and the CLI use whichever is configured.
//!
//! The model writes prose only. Its answer is checked against the schema and
//! against the code; a failing answer is asked again once with the problems,
//! and if it fails again the offline skeleton stands in, with a note, so a
//! broken docstring never reaches the file.

use std::sync::Arc;

use crate::cache::layered::AnswerCache;
use crate::cache::{CacheKey, CachedAnswer};
use crate::docstring::Docstring;
use crate::docstring::answer::{self, Answer};
use crate::docstring::insert::Target;
use crate::engine::{DocstringWriter, Templates, WriteError, WriteRequest, Written};
use crate::prompt;

use super::client::{ChatMessage, Client, LlmError};
use super::shorten::shorten_definition;

const SCHEMA_NAME: &str = "python_docstring";

pub struct ModelWriter {
    client: Arc<Client>,
    runtime: tokio::runtime::Handle,
    cache: Option<Arc<AnswerCache>>,
}

impl ModelWriter {
    /// `runtime` runs the requests; `write` blocks on it, so it must be
    /// called off the runtime's own threads (a blocking task, or a plain
    /// thread).
    pub fn new(client: Arc<Client>, runtime: tokio::runtime::Handle) -> Self {
        ModelWriter { client, runtime, cache: None }
    }

    /// Answers are looked up in `cache` first, and kept there.
    pub fn with_cache(mut self, cache: Arc<AnswerCache>) -> Self {
        self.cache = Some(cache);
        self
    }

    pub fn cache(&self) -> Option<&Arc<AnswerCache>> {
        self.cache.as_ref()
    }

    pub fn client(&self) -> &Arc<Client> {
        &self.client
    }
}

/// One docstring to ask for: everything owned, so it can run as a task.
struct Job {
    messages: Vec<ChatMessage>,
    skeleton: Docstring,
    /// Where the answer is cached, and what it is about.
    key: CacheKey,
    scope: String,
}

/// The prompt for `request`, shortened to the client's prompt budget: the
/// signature, the docstring and the lines that raise, return or yield stay;
/// the middle of long runs of other lines gives way to a marker.
fn job(client: &Client, request: &WriteRequest<'_>) -> Result<Job, WriteError> {
    let (messages, skeleton) = prompt_for(client, request)?;
    let key =
        client.cache_key(&messages, SCHEMA_NAME, &answer::schema(), prompt::BUILTIN, request.options.style.as_str());
    let qualname = match request.target {
        Target::Module => "<module>",
        Target::Definition(index) => request.module.definitions.get(index).map_or("", |d| d.qualname.as_str()),
    };
    let scope = format!("{}:{qualname}", request.path.unwrap_or(""));
    Ok(Job { messages, skeleton, key, scope })
}

fn prompt_for(client: &Client, request: &WriteRequest<'_>) -> Result<(Vec<ChatMessage>, Docstring), WriteError> {
    let skeleton = Templates::skeleton(request)?;
    let messages = prompt::docstring_messages(request, &skeleton, None);
    let Target::Definition(index) = request.target else { return Ok((messages, skeleton)) };
    // A token is at least a byte: a prompt whose bytes fit needs no
    // tokenizer (loading one costs more than a cached run's other work).
    if client.surely_fits(&messages, &answer::schema()) {
        return Ok((messages, skeleton));
    }
    let budget = client.prompt_budget(&answer::schema());
    let tokens = client.count_messages(&messages);
    if tokens <= budget {
        return Ok((messages, skeleton));
    }
    let definition = request.module.definitions.get(index);
    let code = definition.map(|d| prompt::definition_source(request.source, d.range.clone())).unwrap_or("");
    // What the rest of the prompt takes is fixed; the code gets what is left.
    let code_budget = budget.saturating_sub(tokens.saturating_sub(client.count_text(code)));
    let shortened = shorten_definition(request.source, request.module, index, code_budget, |t| client.count_text(t));
    match shortened {
        Some(shortened) if shortened.fits => {
            tracing::debug!("shortened a prompt by {} lines to fit {budget} tokens", shortened.elided_lines);
            Ok((prompt::docstring_messages(request, &skeleton, Some(&shortened.text)), skeleton))
        }
        _ => Err(WriteError(format!(
            "too long for the model's prompt even shortened ({tokens} tokens; the budget is {budget}): \
             raise `model.promptTokens`"
        ))),
    }
}

impl DocstringWriter for ModelWriter {
    fn write(&self, request: &WriteRequest<'_>) -> Result<Written, WriteError> {
        let job = job(&self.client, request)?;
        self.runtime.block_on(ask(self.client.clone(), self.cache.clone(), job))
    }

    fn write_all(&self, requests: &[WriteRequest<'_>]) -> Vec<Result<Written, WriteError>> {
        let jobs: Vec<Result<Job, WriteError>> = requests.iter().map(|r| job(&self.client, r)).collect();
        let client = self.client.clone();
        let cache = self.cache.clone();
        self.runtime.block_on(async move {
            // The client's limiter bounds how many are in flight.
            let mut tasks = tokio::task::JoinSet::new();
            let mut results: Vec<Option<Result<Written, WriteError>>> = Vec::with_capacity(jobs.len());
            for (index, job) in jobs.into_iter().enumerate() {
                match job {
                    Ok(job) => {
                        let (client, cache) = (client.clone(), cache.clone());
                        tasks.spawn(async move { (index, ask(client, cache, job).await) });
                        results.push(None);
                    }
                    Err(error) => results.push(Some(Err(error))),
                }
            }
            while let Some(joined) = tasks.join_next().await {
                match joined {
                    Ok((index, result)) => results[index] = Some(result),
                    Err(error) => tracing::error!("a docstring request stopped: {error}"),
                }
            }
            results
                .into_iter()
                .map(|r| r.unwrap_or_else(|| Err(WriteError("the request stopped before it finished".into()))))
                .collect()
        })
    }
}

/// The cached answer to `job`, when there is one that still fits the code.
async fn cached(cache: &AnswerCache, job: &Job) -> Option<Written> {
    let hit = cache.get(&job.key).await?;
    let answer: Answer = serde_json::from_value(hit.value.clone()).ok()?;
    answer::check(&answer, &job.skeleton).ok()?;
    cache.hit(&hit);
    Some(Written::from(answer::apply(&answer, &job.skeleton)))
}

/// Asks for one docstring (unless it is cached), and once more when the
/// answer does not hold up. Only an answer that fits the code is cached.
async fn ask(client: Arc<Client>, cache: Option<Arc<AnswerCache>>, job: Job) -> Result<Written, WriteError> {
    if let Some(cache) = &cache {
        if let Some(written) = cached(cache, &job).await {
            return Ok(written);
        }
        cache.miss();
    }
    let schema = answer::schema();
    let mut messages = job.messages;
    let mut problems = Vec::new();
    for attempt in 0..2 {
        let (said, found): (Option<String>, Vec<String>) =
            match client.structured(&messages, SCHEMA_NAME, &schema).await {
                Ok(structured) => {
                    let parsed: Result<Answer, String> =
                        serde_json::from_value(structured.value.clone()).map_err(|e| e.to_string());
                    match parsed.map_err(|e| vec![e]).and_then(|a| answer::check(&a, &job.skeleton).map(|()| a)) {
                        Ok(answer) => {
                            if let Some(cache) = &cache {
                                let entry = CachedAnswer {
                                    cost: client.cost_of(&structured.usage),
                                    usage: structured.usage,
                                    value: structured.value,
                                    scope: job.scope.clone(),
                                };
                                cache.set(&job.key, &entry).await;
                            }
                            return Ok(Written::from(answer::apply(&answer, &job.skeleton)));
                        }
                        Err(found) => (Some(structured.value.to_string()), found),
                    }
                }
                Err(LlmError::Schema(found)) => (None, found),
                Err(error @ (LlmError::Malformed(_) | LlmError::Truncated { .. })) => (None, vec![error.to_string()]),
                Err(error) => return Err(WriteError(error.to_string())),
            };
        problems = found;
        if attempt == 0 {
            if let Some(said) = said {
                messages.push(ChatMessage::assistant(said));
            }
            messages.push(ChatMessage::user(format!(
                "That answer does not fit the code: {}. Answer again, describing exactly the listed entries.",
                problems.join("; ")
            )));
        }
    }
    Ok(Written {
        docstring: job.skeleton,
        note: Some(format!(
            "the model's answer did not fit the code twice ({}); the docstring is the offline skeleton",
            problems.join("; ")
        )),
    })
}
