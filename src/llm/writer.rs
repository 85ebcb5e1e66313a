//! The model as a docstring writer: the same interface the offline templates
//! implement, so the language server and the CLI use whichever is configured.
//!
//! The model writes prose only. Its answer is checked against the schema and
//! against the code; a failing answer is asked again once with the problems,
//! and if it fails again the offline skeleton stands in, with a note, so a
//! broken docstring never reaches the file.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex, RwLock};
use std::time::Duration;

use crate::cache::key::{Canonical, KeyTemplate};
use crate::cache::layered::AnswerCache;
use crate::cache::{CacheKey, CachedAnswer};
use crate::docstring::Docstring;
use crate::docstring::answer::{self, Answer};
use crate::docstring::insert::Target;
use crate::engine::{DocstringWriter, Templates, WriteError, WriteRequest, Written};
use crate::prompt::context::{Callee, Context, ModuleContext};
use crate::prompt::never_send::NeverSend;
use crate::prompt::redact;
use crate::prompt::template::{PromptManager, PromptTemplate};
use crate::prompt::truth::Known;
use crate::python::workspace::WorkspaceIndex;

use super::client::{ChatMessage, Client, LlmError};
use super::shorten::shorten_definition;

const SCHEMA_NAME: &str = "python_docstring";

/// The answer schema as cache keys encode it, made once.
fn schema_key() -> &'static Canonical {
    static ENCODED: LazyLock<Canonical> = LazyLock::new(|| Canonical::of(answer::schema()));
    &ENCODED
}

pub struct ModelWriter {
    client: Arc<Client>,
    runtime: tokio::runtime::Handle,
    cache: Option<Arc<AnswerCache>>,
    never_send: NeverSend,
    templates: Arc<PromptManager>,
    workspace: Option<Arc<RwLock<WorkspaceIndex>>>,
    /// Set when the user stops the run: requests under way are dropped.
    stop: Option<Arc<AtomicBool>>,
    /// What the cache keys of one style and template share, encoded on
    /// first use.
    key_templates: Mutex<Vec<(KeyTemplateFor, Arc<KeyTemplate>)>>,
}

/// How often requests under way look whether the run was stopped.
const STOP_POLL: Duration = Duration::from_millis(50);

/// A key template is made for a style and a prompt template (name, version).
type KeyTemplateFor = (crate::docstring::Style, String, u32);

impl ModelWriter {
    /// `runtime` runs the requests; `write` blocks on it, so it must be
    /// called off the runtime's own threads (a blocking task, or a plain
    /// thread).
    pub fn new(client: Arc<Client>, runtime: tokio::runtime::Handle) -> Self {
        ModelWriter {
            client,
            runtime,
            cache: None,
            never_send: NeverSend::defaults(),
            templates: Arc::new(PromptManager::builtin()),
            stop: None,
            workspace: None,
            key_templates: Mutex::default(),
        }
    }

    /// The key template for `style` and `template`; `system` is hashed
    /// ahead when it is made.
    fn key_template(
        &self,
        style: crate::docstring::Style,
        template: &PromptTemplate,
        system: Option<&ChatMessage>,
    ) -> Arc<KeyTemplate> {
        let mut made = self.key_templates.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let matches =
            |(s, name, version): &KeyTemplateFor| *s == style && *name == template.name && *version == template.version;
        if let Some((_, key_template)) = made.iter().find(|(made_for, _)| matches(made_for)) {
            return Arc::clone(key_template);
        }
        let key_template = Arc::new(self.client.key_template(
            SCHEMA_NAME,
            schema_key(),
            (&template.name, template.version),
            style.as_str(),
            system,
        ));
        made.push(((style, template.name.clone(), template.version), Arc::clone(&key_template)));
        key_template
    }

    /// Prompts show what the target calls from `workspace`, and answers are
    /// checked against it. Whoever holds it keeps it up to date (the server
    /// as files change; a batch run as it writes docstrings).
    pub fn with_workspace(mut self, workspace: Arc<RwLock<WorkspaceIndex>>) -> Self {
        self.workspace = Some(workspace);
        self
    }

    /// Prompts come from `templates` (the built-in ones unless the user's
    /// override them).
    pub fn with_templates(mut self, templates: PromptManager) -> Self {
        self.templates = Arc::new(templates);
        self
    }

    /// Files matching `never_send` get docstrings from templates; their code
    /// is never sent.
    pub fn with_never_send(mut self, never_send: NeverSend) -> Self {
        self.never_send = never_send;
        self
    }

    /// Once `stop` is set, `write_all` drops the requests under way and
    /// reports their docstrings as interrupted.
    pub fn with_stop(mut self, stop: Arc<AtomicBool>) -> Self {
        self.stop = Some(stop);
        self
    }

    /// The `model.neverSend` pattern `request`'s file matches, if any.
    fn never_sent(&self, request: &WriteRequest<'_>) -> Option<&str> {
        self.never_send.matching(request.path?)
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

/// The template docstring for a file that is never sent, with a note saying
/// why.
fn withheld(request: &WriteRequest<'_>, pattern: &str) -> Result<Written, WriteError> {
    Templates::skeleton(request).map(|docstring| Written {
        docstring,
        note: Some(format!(
            "written from templates: the file matches `{pattern}` in `model.neverSend`, so its code is not sent"
        )),
    })
}

/// One docstring to ask for: everything owned, so it can run as a task.
struct Job {
    messages: Vec<ChatMessage>,
    skeleton: Docstring,
    /// Where the answer is cached, and what it is about.
    key: CacheKey,
    scope: String,
    /// What the answer's names are checked against.
    truth: Truth,
}

/// Where a request stands before the cache is read: a question to look up
/// (or ask), or its outcome already.
enum Step {
    Ask(Job),
    Done(Result<Written, WriteError>),
}

impl From<Result<Job, WriteError>> for Step {
    fn from(job: Result<Job, WriteError>) -> Self {
        match job {
            Ok(job) => Step::Ask(job),
            Err(error) => Step::Done(Err(error)),
        }
    }
}

/// The code and the workspace, for the truthfulness check of an answer.
#[derive(Clone)]
struct Truth {
    source: Arc<str>,
    path: Option<PathBuf>,
    workspace: Option<Arc<RwLock<WorkspaceIndex>>>,
}

impl Truth {
    /// The names `answer` mentions that exist neither in the code nor in the
    /// workspace.
    fn unknown(&self, answer: &Answer) -> Vec<String> {
        let guard = self.workspace.as_ref().and_then(|w| w.read().ok());
        let known = Known { source: &self.source, path: self.path.as_deref(), workspace: guard.as_deref() };
        known.unknown_names(answer)
    }
}

/// The note for an answer that still names what does not exist.
fn unknown_note(unknown: &[String]) -> Option<String> {
    (!unknown.is_empty())
        .then(|| format!("the docstring names what the workspace does not define: {}", quoted(unknown)))
}

fn quoted(names: &[String]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// The prompt for `request`, fitted to the client's prompt budget: context
/// is cut first, by priority; when the code and entries alone are over, the
/// code is shortened (the signature, the docstring and the lines that raise,
/// return or yield stay; the middle of long runs of other lines gives way to
/// a marker).
fn job(writer: &ModelWriter, file: &FileShared, request: &WriteRequest<'_>) -> Result<Job, WriteError> {
    let client = &writer.client;
    let skeleton = Templates::skeleton(request)?;
    let path = request.path.map(PathBuf::from);
    let callees = writer.callees(request, path.as_deref());
    let mut context = Context::new(request, &skeleton, &file.context, &callees);
    let template = writer
        .templates
        .get(context.kind)
        .ok_or_else(|| WriteError(format!("there is no prompt template for {} docstrings", context.kind.as_str())))?;
    redacted(&mut context, request);
    let messages = fitted(client, request, &mut context, template)?;
    let system = messages.first().filter(|message| message.role == "system");
    let key = writer.key_template(request.options.style, template, system).key(&messages);
    let qualname = match request.target {
        Target::Module => "<module>",
        Target::Definition(index) => request.module.definitions.get(index).map_or("", |d| d.qualname.as_str()),
    };
    let scope = format!("{}:{qualname}", request.path.unwrap_or(""));
    let truth = Truth { source: file.source.clone(), path, workspace: writer.workspace.clone() };
    Ok(Job { messages, skeleton, key, scope, truth })
}

impl ModelWriter {
    /// The prompts and keys of `requests`: what a file's prompts share (its
    /// text for the checks, its module context) made once per file.
    fn jobs(&self, requests: &[WriteRequest<'_>]) -> Vec<Result<Job, WriteError>> {
        let mut shared: Option<(&str, FileShared)> = None;
        requests
            .iter()
            .map(|request| {
                let (_, file) = match shared.take() {
                    Some((text, file)) if std::ptr::eq(text, request.source) => shared.insert((text, file)),
                    _ => shared.insert((request.source, self.file_shared(request))),
                };
                job(self, file, request)
            })
            .collect()
    }

    fn file_shared(&self, request: &WriteRequest<'_>) -> FileShared {
        let path = request.path.map(Path::new);
        let stem = || path.and_then(Path::file_stem).and_then(|s| s.to_str()).unwrap_or("<module>").to_string();
        let name = match (self.workspace.as_ref().and_then(|w| w.read().ok()), path) {
            (Some(workspace), Some(path)) => workspace.module_name(path),
            _ => stem(),
        };
        FileShared {
            source: Arc::from(request.source),
            context: ModuleContext::new(request.source, request.module, name),
        }
    }

    /// The workspace functions the target calls.
    fn callees(&self, request: &WriteRequest<'_>, path: Option<&Path>) -> Vec<Callee> {
        let (Some(workspace), Some(path)) = (self.workspace.as_ref().and_then(|w| w.read().ok()), path) else {
            return Vec::new();
        };
        let Target::Definition(index) = request.target else { return Vec::new() };
        request.module.definitions.get(index).map_or_else(Vec::new, |definition| {
            workspace
                .callees(path, &definition.qualname)
                .into_iter()
                .map(|symbol| Callee {
                    name: format!("{}.{}", symbol.module, symbol.qualname),
                    signature: symbol.signature.clone(),
                    summary: symbol.summary.clone(),
                })
                .collect()
        })
    }
}

/// What every job of one file shares.
struct FileShared {
    /// One copy of the file's text for all its checks.
    source: Arc<str>,
    context: ModuleContext,
}

fn fitted(
    client: &Client,
    request: &WriteRequest<'_>,
    context: &mut Context,
    template: &PromptTemplate,
) -> Result<Vec<ChatMessage>, WriteError> {
    let messages = context.messages(template);
    // A token is at least a byte: a prompt whose bytes fit needs no
    // tokenizer (loading one costs more than a cached run's other work).
    if client.surely_fits(&messages, schema_key()) {
        return Ok(messages);
    }
    let budget = client.prompt_budget(answer::schema());
    let count = |messages: &[ChatMessage]| client.count_messages(messages);
    if count(&messages) <= budget {
        return Ok(messages);
    }
    if let Some((messages, cuts)) = context.fit(template, budget, &count) {
        tracing::debug!("context cut to fit {budget} tokens: {}", cuts.join(", "));
        return Ok(messages);
    }
    let too_long = |tokens: usize| {
        WriteError(format!(
            "too long for the model's prompt even shortened ({tokens} tokens; the budget is {budget}): \
             raise `model.promptTokens`"
        ))
    };
    let bare = count(&context.bare().messages(template));
    let Target::Definition(index) = request.target else { return Err(too_long(bare)) };
    // What the rest of the prompt takes is fixed; the code gets what is left.
    let code_budget = budget.saturating_sub(bare.saturating_sub(client.count_text(context.get("code"))));
    let shortened = shorten_definition(request.source, request.module, index, code_budget, |t| client.count_text(t))
        .filter(|shortened| shortened.fits)
        .ok_or_else(|| too_long(bare))?;
    tracing::debug!("shortened a prompt by {} lines to fit {budget} tokens", shortened.elided_lines);
    // The shortened code went through the same redaction as the whole.
    let (code, _) = redact::redact(&shortened.text);
    context.set("code", code.into_owned());
    let (messages, cuts) = context.fit(template, budget, &count).ok_or_else(|| too_long(bare))?;
    tracing::debug!("context cut to fit {budget} tokens: {}", cuts.join(", "));
    Ok(messages)
}

/// Replaces the likely secrets in `context`: every prompt passes here before
/// it is cut, keyed, cached or sent. The count is logged, never what was
/// found.
fn redacted(context: &mut Context, request: &WriteRequest<'_>) {
    let found = context.redact();
    if found > 0 {
        tracing::info!(
            path = request.path.unwrap_or(""),
            "{found} likely secret{} replaced with {} before the prompt left",
            if found == 1 { "" } else { "s" },
            redact::PLACEHOLDER
        );
    }
}

impl DocstringWriter for ModelWriter {
    fn write(&self, request: &WriteRequest<'_>) -> Result<Written, WriteError> {
        if let Some(pattern) = self.never_sent(request) {
            return withheld(request, pattern);
        }
        let job = job(self, &self.file_shared(request), request)?;
        self.runtime.block_on(ask(self.client.clone(), self.cache.clone(), job))
    }

    fn write_ready(&self, requests: &[WriteRequest<'_>]) -> Vec<Option<Result<Written, WriteError>>> {
        // Requests of many files: each file's withheld or prompted on its
        // own, then every answer looked up at once.
        let steps: Vec<Step> = requests
            .chunk_by(|a, b| std::ptr::eq(a.source, b.source))
            .flat_map(|file| match file.first().and_then(|first| self.never_sent(first)) {
                Some(pattern) => file.iter().map(|request| Step::Done(withheld(request, pattern))).collect::<Vec<_>>(),
                None => self.jobs(file).into_iter().map(Step::from).collect(),
            })
            .collect();
        let Some(cache) = &self.cache else {
            return steps.into_iter().map(|step| if let Step::Done(done) = step { Some(done) } else { None }).collect();
        };
        let asked: Vec<Option<&Job>> =
            steps.iter().map(|step| if let Step::Ask(job) = step { Some(job) } else { None }).collect();
        let hits = self.runtime.block_on(cached_many(&self.client, cache, &asked));
        steps
            .into_iter()
            .zip(hits)
            .map(|(step, hit)| match step {
                Step::Ask(_) => hit.map(Ok),
                Step::Done(done) => Some(done),
            })
            .collect()
    }

    fn write_all(&self, requests: &[WriteRequest<'_>]) -> Vec<Result<Written, WriteError>> {
        // One file's requests: withheld all together, or none.
        if let Some(pattern) = requests.first().and_then(|first| self.never_sent(first)) {
            return requests.iter().map(|request| withheld(request, pattern)).collect();
        }
        let jobs = self.jobs(requests);
        let client = self.client.clone();
        let cache = self.cache.clone();
        let stop = self.stop.clone();
        self.runtime.block_on(async move {
            // Hits first, read together: most of a cached run is these, and
            // they need no task.
            let hits = match &cache {
                Some(cache) => {
                    cached_many(&client, cache, &jobs.iter().map(|job| job.as_ref().ok()).collect::<Vec<_>>()).await
                }
                None => vec![None; jobs.len()],
            };
            // The client's limiter bounds how many are in flight.
            let mut tasks = tokio::task::JoinSet::new();
            let mut results: Vec<Option<Result<Written, WriteError>>> = Vec::with_capacity(jobs.len());
            for (index, (job, hit)) in jobs.into_iter().zip(hits).enumerate() {
                if let Some(written) = hit {
                    results.push(Some(Ok(written)));
                    continue;
                }
                match job {
                    Ok(job) => {
                        if let Some(cache) = &cache {
                            cache.miss();
                        }
                        let (client, cache) = (client.clone(), cache.clone());
                        tasks.spawn(async move { (index, ask_model(client, cache, job).await) });
                        results.push(None);
                    }
                    Err(error) => results.push(Some(Err(error))),
                }
            }
            let stopped = async {
                match &stop {
                    Some(stop) => {
                        while !stop.load(Ordering::Relaxed) {
                            tokio::time::sleep(STOP_POLL).await;
                        }
                    }
                    None => std::future::pending().await,
                }
            };
            tokio::pin!(stopped);
            loop {
                let joined = tokio::select! {
                    joined = tasks.join_next() => joined,
                    () = &mut stopped => {
                        tasks.abort_all();
                        None
                    }
                };
                let Some(joined) = joined else { break };
                match joined {
                    Ok((index, result)) => results[index] = Some(result),
                    Err(error) => tracing::error!("a docstring request stopped: {error}"),
                }
            }
            results
                .into_iter()
                .map(|r| {
                    r.unwrap_or_else(|| match &stop {
                        Some(stop) if stop.load(Ordering::Relaxed) => Err(WriteError::interrupted()),
                        _ => Err(WriteError("the request stopped before it finished".into())),
                    })
                })
                .collect()
        })
    }
}

/// The cached answer to `job`, when there is one that still fits the code.
async fn cached(client: &Client, cache: &AnswerCache, job: &Job) -> Option<Written> {
    let hit = cache.get(&job.key).await?;
    usable(client, cache, &hit, job)
}

/// The cached answers to `jobs` (`None` where there is no job), read
/// together.
async fn cached_many(client: &Client, cache: &AnswerCache, jobs: &[Option<&Job>]) -> Vec<Option<Written>> {
    let keys: Vec<CacheKey> = jobs.iter().flatten().map(|job| job.key).collect();
    let mut hits = cache.get_many(&keys).await.into_iter();
    jobs.iter()
        .map(|job| {
            let job = (*job)?;
            let hit = hits.next().flatten()?;
            usable(client, cache, &hit, job)
        })
        .collect()
}

/// `hit` as the docstring for `job`, if it still fits the code; counted,
/// and logged as an exchange the cache answered.
fn usable(client: &Client, cache: &AnswerCache, hit: &CachedAnswer, job: &Job) -> Option<Written> {
    let answer: Answer = serde_json::from_str(hit.value.get()).ok()?;
    answer::check(&answer, &job.skeleton).ok()?;
    cache.hit(hit);
    client.log_cached(&job.scope, hit.value.get(), hit.usage);
    let note = unknown_note(&job.truth.unknown(&answer));
    Some(Written { docstring: answer::apply(&answer, &job.skeleton), note })
}

/// One docstring: from the cache when it holds one, else from the model.
async fn ask(client: Arc<Client>, cache: Option<Arc<AnswerCache>>, job: Job) -> Result<Written, WriteError> {
    if let Some(cache) = &cache {
        if let Some(written) = cached(&client, cache, &job).await {
            return Ok(written);
        }
        cache.miss();
    }
    ask_model(client, cache, job).await
}

/// Asks the model for `job`, once more when the answer does not hold up, and
/// caches an answer that fits the code.
async fn ask_model(client: Arc<Client>, cache: Option<Arc<AnswerCache>>, job: Job) -> Result<Written, WriteError> {
    let schema = answer::schema();
    let mut messages = job.messages;
    let mut problems = Vec::new();
    for attempt in 0..2 {
        let asked = client.structured_for(Some(&job.scope), &messages, SCHEMA_NAME, schema).await;
        let (said, found): (Option<String>, Vec<String>) = match asked {
            Ok(structured) => {
                let parsed: Result<Answer, String> =
                    serde_json::from_value(structured.value.clone()).map_err(|e| e.to_string());
                let checked = parsed.map_err(|e| vec![e]).and_then(|a| answer::check(&a, &job.skeleton).map(|()| a));
                // An answer naming what does not exist is asked again once;
                // the second is kept, and the names are reported.
                let unknown = checked.as_ref().map(|answer| job.truth.unknown(answer)).unwrap_or_default();
                let checked = match checked {
                    Ok(_) if !unknown.is_empty() && attempt == 0 => Err(vec![format!(
                        "it names {}, which exist neither in the code nor in the workspace; name only what exists",
                        quoted(&unknown)
                    )]),
                    other => other,
                };
                match checked {
                    Ok(answer) => {
                        if let Some(cache) = &cache {
                            let entry = CachedAnswer::new(
                                &structured.value,
                                structured.usage,
                                client.cost_of(&structured.usage),
                                job.scope.clone(),
                            );
                            cache.set(&job.key, &entry).await;
                        }
                        let note = unknown_note(&unknown);
                        return Ok(Written { docstring: answer::apply(&answer, &job.skeleton), note });
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
