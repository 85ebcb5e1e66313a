//! The model client: one HTTP client for every provider, with the retry
//! policy of the wire contract, structured output with fallbacks, and answers
//! checked against their schema before anyone reads them.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::auth::{AuthOptions, CredentialResolver, CredentialSource};
use super::budget::{Budget, BudgetLimits};
use super::cost::{self, Price, PriceTable};
use super::error::{Problem, ServiceError, parse_error};
use super::exchange_log::{self, ExchangeLog, Line};
use super::limiter::{Limiter, LimiterConfig, LimiterStats};
use super::provider::{Credential, Provider};
use super::response::{ChatResponse, Unusable, WireUsage};
use super::retry::{Attempt, Decision, RetryPolicy, decide, retry_after};
use super::secret::Secret;
use super::settings::{AuthConfig, ModelConfig};
use super::single_flight::SingleFlight;
use super::stats::Stats;
use super::tokens::{Encoding, REPLY_PRIMING, TokenCounter};
use crate::cache::key::{Canonical, KeyParts, KeyTemplate};

/// The same question gets the same answer where the service can manage it.
const SEED: i64 = 0;

/// How long an error every request would repeat stops the client.
const FATAL_FOR: Duration = Duration::from_secs(60);

/// How the answer's shape is asked for. Servers that lack one get the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OutputMode {
    /// `response_format: json_schema` with `strict: true`.
    JsonSchema = 0,
    /// A forced function call whose parameters are the schema.
    Tool = 1,
    /// `response_format: json_object`, the schema described in the prompt.
    JsonObject = 2,
}

impl OutputMode {
    fn from_u8(value: u8) -> Self {
        match value {
            0 => OutputMode::JsonSchema,
            1 => OutputMode::Tool,
            _ => OutputMode::JsonObject,
        }
    }

    fn next(self) -> Option<Self> {
        match self {
            OutputMode::JsonSchema => Some(OutputMode::Tool),
            OutputMode::Tool => Some(OutputMode::JsonObject),
            OutputMode::JsonObject => None,
        }
    }
}

/// Everything that shapes the client, apart from where it sends.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub retry: RetryPolicy,
    pub connect_timeout: Duration,
    /// The whole request, answer included.
    pub request_timeout: Duration,
    /// Upper bound on the answer's tokens.
    pub max_completion_tokens: u32,
    /// Reasoning models (o-series, gpt-5) take no temperature.
    pub reasoning: bool,
    /// The first output mode to try.
    pub output_mode: OutputMode,
    /// The most tokens a prompt may take (longer code is shortened first).
    pub prompt_tokens: u64,
    /// The deployment's context window, when known.
    pub context_window: Option<u64>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(120),
            max_completion_tokens: 1024,
            reasoning: false,
            output_mode: OutputMode::JsonSchema,
            prompt_tokens: 6000,
            context_window: None,
        }
    }
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChatMessage {
    pub role: String,
    pub content: String,
}

impl ChatMessage {
    pub fn system(content: impl Into<String>) -> Self {
        ChatMessage { role: "system".into(), content: content.into() }
    }

    pub fn user(content: impl Into<String>) -> Self {
        ChatMessage { role: "user".into(), content: content.into() }
    }

    pub fn assistant(content: impl Into<String>) -> Self {
        ChatMessage { role: "assistant".into(), content: content.into() }
    }
}

/// Why a request produced no answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    /// The service refused the request; its words and what to do.
    #[error("{} ({}): {}", .0.message, .0.status, .0.advice())]
    Service(Box<ServiceError>),
    /// The service asked for a wait beyond the cap: the quota is spent.
    #[error("the quota is used up{}: raise it, or try again later", wait_words(*.wait))]
    QuotaExhausted { wait: Option<Duration> },
    /// No answer came: connection, TLS or timeout.
    #[error("could not get an answer from {url}: {detail}")]
    Transport { url: String, detail: String },
    #[error("the answer was cut off at the token limit ({limit} tokens): raise `maxCompletionTokens`")]
    Truncated { limit: u32 },
    #[error("the service's content filter stopped the answer{}; nothing was written", categories(.0))]
    AnswerFiltered(Vec<String>),
    #[error("the model declined: {0}")]
    Refused(String),
    /// The answer is not the JSON object asked for.
    #[error("the answer is not usable: {0}")]
    Malformed(String),
    /// The credential could not be had (a variable unset, a command failed).
    #[error("no credentials: {0}")]
    Credentials(String),
    /// A spending budget would be exceeded: the request is not sent.
    #[error("{0}")]
    Budget(String),
    /// The answer does not match the schema; each problem.
    #[error("the answer does not match its schema: {}", .0.join("; "))]
    Schema(Vec<String>),
}

fn wait_words(wait: Option<Duration>) -> String {
    wait.map(|w| format!(" (the service asked to wait {} s)", w.as_secs())).unwrap_or_default()
}

fn categories(names: &[String]) -> String {
    if names.is_empty() { String::new() } else { format!(" ({})", names.join(", ")) }
}

impl LlmError {
    /// A short name for counting failures by kind.
    pub fn kind(&self) -> &'static str {
        match self {
            LlmError::Service(error) => match error.problem() {
                Problem::Unauthorized | Problem::PermissionDenied => "auth",
                Problem::Firewall => "firewall",
                Problem::DeploymentNotFound | Problem::NotFound => "not_found",
                Problem::ApiVersionNotSupported => "api_version",
                Problem::ContentFilter => "content_filter",
                Problem::ContextLengthExceeded => "context_too_long",
                Problem::UnsupportedParameter(_) => "unsupported_parameter",
                Problem::InvalidSchema => "invalid_schema",
                Problem::RateLimited => "rate_limited",
                Problem::QuotaExhausted => "quota_exhausted",
                Problem::ServerError => "server",
                Problem::Other => "refused_request",
            },
            LlmError::QuotaExhausted { .. } => "quota_exhausted",
            LlmError::Credentials(_) => "auth",
            LlmError::Budget(_) => "budget",
            LlmError::Transport { .. } => "transport",
            LlmError::Truncated { .. } => "truncated",
            LlmError::AnswerFiltered(_) => "content_filter",
            LlmError::Refused(_) => "refused",
            LlmError::Malformed(_) => "malformed",
            LlmError::Schema(_) => "schema",
        }
    }

    /// Whether every later request would fail the same way (wrong key,
    /// wrong endpoint, quota spent): a batch stops instead of repeating it.
    pub fn is_fatal(&self) -> bool {
        matches!(self.kind(), "auth" | "firewall" | "not_found" | "api_version" | "quota_exhausted" | "budget")
    }
}

/// A JSON object answer and what it cost.
#[derive(Debug, Clone)]
pub struct StructuredAnswer {
    pub value: Value,
    pub usage: super::cost::Usage,
    /// The model that answered, as the service names it.
    pub model: Option<String>,
}

/// The client for one configured model.
pub struct Client {
    /// Set up on the first request: a run the cache answers whole never
    /// loads the certificate store.
    http: OnceLock<reqwest::Client>,
    provider: Provider,
    auth: CredentialResolver,
    limiter: Limiter,
    /// Identical requests in flight at once are sent once.
    flights: SingleFlight<String, Result<StructuredAnswer, LlmError>>,
    options: ClientOptions,
    /// The output mode that works with this server, learnt on the way.
    mode: AtomicU8,
    stats: Mutex<Stats>,
    /// Counts tokens the way the model does.
    counter: TokenCounter,
    /// The model's price, when known.
    price: Option<Price>,
    budget: Budget,
    /// An error every later request would repeat (a refused key, a spent
    /// quota): once seen, requests fail with it at once.
    fatal: Mutex<Option<(LlmError, Instant)>>,
    /// Where each attempt and each cached answer is logged, when asked.
    exchange_log: Option<Arc<ExchangeLog>>,
}

impl Client {
    pub fn new(provider: Provider, auth: CredentialResolver, options: ClientOptions, limits: LimiterConfig) -> Self {
        let mode = AtomicU8::new(options.output_mode as u8);
        Client {
            http: OnceLock::new(),
            provider,
            auth,
            limiter: Limiter::new(limits),
            flights: SingleFlight::new(),
            options,
            mode,
            stats: Mutex::new(Stats::default()),
            counter: TokenCounter::new(Encoding::Estimate),
            price: None,
            budget: Budget::unlimited(),
            fatal: Mutex::new(None),
            exchange_log: None,
        }
    }

    /// Logs every attempt, and every answer the cache gives, to `log`.
    pub fn with_exchange_log(mut self, log: Option<ExchangeLog>) -> Self {
        self.exchange_log = log.map(Arc::new);
        self
    }

    /// Logs an answer the cache gave for `scope` (no request was made).
    pub fn log_cached(&self, scope: &str, content: &str, usage: super::cost::Usage) {
        if self.exchange_log.is_some() {
            self.log(&Line::cached(&self.provider, scope, content, usage), None);
        }
    }

    /// Appends `line` to the exchange log; a log that fails is said once.
    fn log(&self, line: &Line<'_>, credential: Option<&Credential>) {
        if let Some(log) = &self.exchange_log
            && let Err(error) = log.write(line, credential)
        {
            self.warn(vec![error]);
        }
    }

    /// The HTTP client, set up on first use.
    fn http(&self, url: &str) -> Result<&reqwest::Client, LlmError> {
        if let Some(http) = self.http.get() {
            return Ok(http);
        }
        install_crypto_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(self.options.connect_timeout)
            .timeout(self.options.request_timeout)
            .user_agent(concat!("docwright/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| LlmError::Transport {
                url: url.to_string(),
                detail: format!("cannot set up the HTTP client: {e}"),
            })?;
        Ok(self.http.get_or_init(|| http))
    }

    /// Counts tokens with `counter`, prices answers at `price`, and keeps
    /// spending within `budget`.
    pub fn with_accounting(mut self, counter: TokenCounter, price: Option<Price>, budget: Budget) -> Self {
        self.counter = counter;
        self.price = price;
        self.budget = budget;
        self
    }

    /// What the cache keys of asking for an object matching `schema`, with
    /// `template` and `style`, share: everything that changes the answer but
    /// the messages. `system` is the first message most prompts hold.
    pub fn key_template(
        &self,
        name: &str,
        schema: &Canonical,
        template: (&str, u32),
        style: &str,
        system: Option<&ChatMessage>,
    ) -> KeyTemplate {
        KeyParts {
            provider: &self.provider,
            template,
            style,
            schema_name: name,
            schema,
            temperature: (!self.options.reasoning).then_some(0.0),
            seed: SEED,
            max_completion_tokens: self.options.max_completion_tokens,
        }
        .template(system)
    }

    /// What `usage` cost at this model's price.
    pub fn cost_of(&self, usage: &super::cost::Usage) -> f64 {
        self.price.map_or(0.0, |price| cost::cost(usage, &price))
    }

    /// Whether `messages` fit the prompt budget by a bound that needs no
    /// tokenizer: every token is at least one byte, and each message's
    /// framing is a few tokens.
    pub fn surely_fits(&self, messages: &[ChatMessage], schema: &Canonical) -> bool {
        let upper: usize = REPLY_PRIMING + messages.iter().map(|m| m.role.len() + m.content.len() + 4).sum::<usize>();
        (upper as u64) <= self.prompt_limit(schema.len() as u64)
    }

    /// The tokens `messages` take as a prompt.
    pub fn count_messages(&self, messages: &[ChatMessage]) -> usize {
        self.counter.count_messages(messages)
    }

    /// The counter's measure of `text`.
    pub fn count_text(&self, text: &str) -> usize {
        self.counter.count_text(text)
    }

    /// The most tokens a prompt's messages may take: the configured budget,
    /// and what the context window leaves after the answer and the schema.
    pub fn prompt_budget(&self, schema: &Value) -> usize {
        let schema_tokens = self.counter.count_text(&schema.to_string()) as u64;
        usize::try_from(self.prompt_limit(schema_tokens)).unwrap_or(usize::MAX)
    }

    /// The configured prompt budget, and what the context window leaves
    /// after the answer and a schema of `schema_tokens`.
    fn prompt_limit(&self, schema_tokens: u64) -> u64 {
        let window = self
            .options
            .context_window
            .map_or(u64::MAX, |w| w.saturating_sub(u64::from(self.options.max_completion_tokens) + schema_tokens));
        self.options.prompt_tokens.min(window)
    }

    /// The client a resolved configuration describes.
    pub fn from_config(config: &ModelConfig) -> Result<Self, String> {
        let source = match &config.auth {
            AuthConfig::None => CredentialSource::None,
            AuthConfig::KeyEnv(names) => CredentialSource::ApiKeyEnv(names.clone()),
            AuthConfig::KeyFile(path) => CredentialSource::ApiKeyFile(path.clone()),
            AuthConfig::KeyCommand(command) => CredentialSource::ApiKeyCommand(command.clone()),
            AuthConfig::TokenEnv(name) => CredentialSource::Bearer(Secret::new(
                std::env::var(name).map_err(|_| format!("{name} is not set"))?.trim(),
            )),
            AuthConfig::TokenCommand(command) => CredentialSource::EntraCommand(command.clone()),
        };
        let limits = LimiterConfig {
            requests_per_minute: config.deployment.rpm.and_then(|n| u32::try_from(n).ok()),
            tokens_per_minute: config.deployment.tpm,
            max_concurrent: config.concurrency,
            ..LimiterConfig::default()
        };
        let auth = CredentialResolver::new(source, AuthOptions::default());
        let counter = match config.deployment.tokenizer.as_deref() {
            Some(family) => TokenCounter::new(family.parse().map_err(|e| format!("{e}"))?),
            None => TokenCounter::for_model(&config.model),
        };
        let mut prices = PriceTable::with_list_prices();
        for (model, price) in &config.prices {
            prices.insert(model, *price);
        }
        let limits_usd = BudgetLimits { per_run: config.budget_per_run, per_day: config.budget_per_day };
        let ledger = config.budget_per_day.and(spending_ledger());
        let budget = Budget::new(limits_usd, ledger).map_err(|e| e.to_string())?;
        let client = Client::new(config.provider.clone(), auth, config.client.clone(), limits);
        Ok(client.with_accounting(counter, prices.lookup(&config.model).copied(), budget))
    }

    /// Resolves the credential now (runs a key or token command), to report
    /// a problem before any request.
    pub async fn check_credentials(&self) -> Result<(), String> {
        self.auth.resolve().await.map(|_| ()).map_err(|e| e.to_string())
    }

    /// The limiter's counters so far.
    pub fn limiter_stats(&self) -> LimiterStats {
        self.limiter.stats()
    }

    /// The error that stopped this client, if one did.
    pub fn fatal_error(&self) -> Option<LlmError> {
        let mut fatal = self.fatal.lock().ok()?;
        // A long session (the language server) tries again after a while:
        // the user may have fixed the key or the quota may be back.
        if fatal.as_ref().is_some_and(|(_, at)| at.elapsed() > FATAL_FOR) {
            *fatal = None;
        }
        fatal.as_ref().map(|(error, _)| error.clone())
    }

    pub fn provider(&self) -> &Provider {
        &self.provider
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Asks for one JSON object matching `schema` (named `name`), falling back
    /// from strict schemas to a forced tool to JSON mode on servers that lack
    /// one, and checks the object against the schema.
    pub async fn structured(
        &self,
        messages: &[ChatMessage],
        name: &str,
        schema: &Value,
    ) -> Result<StructuredAnswer, LlmError> {
        self.structured_for(None, messages, name, schema).await
    }

    /// As `structured`, about `scope` (`path:qualname`), which the exchange
    /// log names.
    pub async fn structured_for(
        &self,
        scope: Option<&str>,
        messages: &[ChatMessage],
        name: &str,
        schema: &Value,
    ) -> Result<StructuredAnswer, LlmError> {
        if let Some(error) = self.fatal_error() {
            self.count(|s| s.failure(error.kind()));
            return Err(error);
        }
        // The same question asked twice at once (two editor windows, a
        // duplicated function) is sent once.
        let key = serde_json::to_string(&(messages, name, schema)).unwrap_or_default();
        self.flights.run(key, || self.structured_once(scope, messages, name, schema)).await
    }

    async fn structured_once(
        &self,
        scope: Option<&str>,
        messages: &[ChatMessage],
        name: &str,
        schema: &Value,
    ) -> Result<StructuredAnswer, LlmError> {
        let mut mode = OutputMode::from_u8(self.mode.load(Ordering::Relaxed));
        loop {
            let body = self.structured_body(messages, name, schema, mode);
            match self.send::<ChatResponse>(&self.provider, &self.provider.chat_url(), &body, scope).await {
                Err(LlmError::Service(error)) if lacks_output_mode(&error, mode) => match mode.next() {
                    Some(next) => {
                        tracing::info!("the server does not take {mode:?} output; trying {next:?}");
                        self.mode.fetch_max(next as u8, Ordering::Relaxed);
                        mode = next;
                    }
                    None => return Err(LlmError::Service(error)),
                },
                Err(error) => return Err(error),
                Ok((response, _)) => return self.read_answer(&response, schema),
            }
        }
    }

    /// Embeds `inputs` with the embedding deployment (or model) `deployment`,
    /// through the same retries and limits as chat requests.
    pub async fn embed(&self, deployment: &str, inputs: &[String]) -> Result<Embeddings, LlmError> {
        if let Some(error) = self.fatal_error() {
            return Err(error);
        }
        let provider = self.provider.with_deployment(deployment);
        let mut body = json!({ "input": inputs });
        if let Some(model) = provider.model() {
            body["model"] = json!(model);
        }
        let (response, _) = self.send::<EmbeddingResponse>(&provider, &provider.embeddings_url(), &body, None).await?;
        let mut data = response.data;
        data.sort_by_key(|item| item.index);
        if data.len() != inputs.len() {
            return Err(LlmError::Malformed(format!("{} vectors for {} inputs", data.len(), inputs.len())));
        }
        let usage = response.usage.map(|u| u.usage()).unwrap_or_default();
        Ok(Embeddings { vectors: data.into_iter().map(|item| item.embedding).collect(), usage })
    }

    fn read_answer(&self, response: &ChatResponse, schema: &Value) -> Result<StructuredAnswer, LlmError> {
        let usage = response.usage.map(|u| u.usage()).unwrap_or_default();
        let value = response.json_object().map_err(|unusable| match unusable {
            Unusable::Filtered(categories) => LlmError::AnswerFiltered(categories),
            Unusable::Truncated => LlmError::Truncated { limit: self.options.max_completion_tokens },
            Unusable::Refused(text) => LlmError::Refused(text),
            Unusable::Malformed(what) => LlmError::Malformed(what),
        });
        let value = value.and_then(|value| schema_problems(schema, &value).map(|()| value));
        if let Err(error) = &value {
            self.count(|s| s.failure(error.kind()));
        }
        Ok(StructuredAnswer { value: value?, usage, model: response.model.clone() })
    }

    fn structured_body(&self, messages: &[ChatMessage], name: &str, schema: &Value, mode: OutputMode) -> Value {
        let mut messages: Vec<Value> = messages.iter().map(|m| json!(m)).collect();
        let limit = self.options.max_completion_tokens;
        let mut body = match mode {
            OutputMode::JsonSchema => self.provider.chat_body(&messages, limit, Some((name, schema))),
            OutputMode::Tool => {
                let mut body = self.provider.chat_body(&messages, limit, None);
                body["tools"] = json!([{
                    "type": "function",
                    "function": {"name": name, "description": "Return the answer.", "strict": true, "parameters": schema}
                }]);
                body["tool_choice"] = json!({"type": "function", "function": {"name": name}});
                body["parallel_tool_calls"] = json!(false);
                body
            }
            OutputMode::JsonObject => {
                // JSON mode needs the shape in words, and the word "JSON".
                messages.push(json!(ChatMessage::system(format!(
                    "Answer with one JSON object matching this JSON Schema, and nothing else:\n{schema}"
                ))));
                let mut body = self.provider.chat_body(&messages, limit, None);
                body["response_format"] = json!({"type": "json_object"});
                body
            }
        };
        if !self.options.reasoning {
            body["temperature"] = json!(0);
        }
        body["seed"] = json!(SEED);
        body
    }

    /// Sends `body` to `url` of `provider` until it succeeds or the retry
    /// policy gives up. Returns the parsed answer and the headers it came
    /// with. The exchange log names `scope` on each attempt's line.
    async fn send<T: DeserializeOwned>(
        &self,
        provider: &Provider,
        url: &str,
        body: &Value,
        scope: Option<&str>,
    ) -> Result<(T, Vec<(String, String)>), LlmError> {
        let bytes = serde_json::to_vec(body).map_err(|e| LlmError::Malformed(e.to_string()))?;
        // One id for the logical request, the same on every retry.
        let request_id = uuid::Uuid::new_v4().to_string();
        let estimate = self.estimate_tokens(body);
        let logged = self.exchange_log.as_ref().map(|_| exchange_log::request_summary(body));
        let mut retries = 0u32;
        let mut reauthenticated = false;
        // HTTP attempts of this request, a fresh credential's included.
        let mut attempt = 0u32;
        loop {
            // Every attempt, retries included, waits for the limiter: it
            // holds the whole client after a 429 until the service's time.
            let permit = self.limiter.acquire(estimate).await;
            // Another request may have learnt meanwhile that none can succeed.
            if let Some(error) = self.fatal_error() {
                return Err(error);
            }
            // Latency is the service's: from this attempt's send, not the
            // time spent waiting for the limiter.
            let started = Instant::now();
            let price = self.price.unwrap_or(Price::FREE);
            let limit = u64::from(self.options.max_completion_tokens);
            let worst = cost::estimate(estimate.saturating_sub(limit), limit, &price);
            let reservation = self.budget.reserve(worst).map_err(|e| {
                self.count(|s| s.failure("budget"));
                self.stop_if_fatal(LlmError::Budget(e.to_string()))
            })?;
            self.warn(reservation.warnings().iter().map(ToString::to_string).collect());
            let credential = self.auth.resolve().await.map_err(|e| {
                self.count(|s| s.failure("auth"));
                self.stop_if_fatal(LlmError::Credentials(e.to_string()))
            })?;
            let mut request = self
                .http(url)?
                .post(url)
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .header("x-ms-client-request-id", &request_id)
                .header("x-docwright-retry-count", retries.to_string())
                .body(bytes.clone());
            if let Some((name, value)) = self.provider.auth_header(&credential) {
                // Sensitive: kept out of any debug output of the request.
                let mut value = reqwest::header::HeaderValue::from_str(&value)
                    .map_err(|_| LlmError::Credentials("the credential holds characters a header cannot".into()))?;
                value.set_sensitive(true);
                request = request.header(name, value);
            }
            self.count(|s| s.requests += 1);
            attempt += 1;
            let outcome = match request.send().await {
                Err(error) => Err(transport(url, &error)),
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers = header_pairs(response.headers());
                    self.limiter.observe(&headers);
                    match response.bytes().await {
                        Err(error) => Err(transport(url, &error)),
                        Ok(body) => Ok((status, headers, body)),
                    }
                }
            };
            if self.exchange_log.is_some() {
                let line = Line::about(provider, Cow::Borrowed(&request_id), scope);
                let line = line.attempt(attempt, logged.as_ref(), started.elapsed()).outcome(&outcome);
                self.log(&line, Some(&credential));
            }
            let decision = match &outcome {
                Ok((status, headers, body)) if (200..300).contains(status) => {
                    let parsed: T = serde_json::from_slice(body).map_err(|e| {
                        self.count(|s| s.failure("malformed"));
                        LlmError::Malformed(format!("the service answered {status} with a body that is not JSON ({e})"))
                    })?;
                    let usage =
                        serde_json::from_slice::<UsageOnly>(body).ok().and_then(|u| u.usage).unwrap_or_default();
                    let usage = usage.usage();
                    permit.settle(usage.prompt_tokens + usage.completion_tokens);
                    let spent = cost::cost(&usage, &price);
                    match reservation.settle(spent) {
                        Ok(warnings) => self.warn(warnings.iter().map(ToString::to_string).collect()),
                        Err(error) => self.warn(vec![error.to_string()]),
                    }
                    let elapsed = started.elapsed();
                    self.count(|s| {
                        s.success(usage, elapsed);
                        s.cost += spent;
                    });
                    return Ok((parsed, headers.clone()));
                }
                // A refused key or token may have been rotated or expired:
                // resolve it afresh and try once more, at once.
                Ok((401, _, _)) if !reauthenticated && self.auth.source().can_refresh() => {
                    reauthenticated = true;
                    self.auth.reject(&credential);
                    continue;
                }
                Ok((status, headers, body)) => {
                    let error = parse_error(*status, body);
                    let error_type = error.kind.clone().or_else(|| error.code.clone());
                    let attempt = Attempt::Response { status: *status, headers, error_type: error_type.as_deref() };
                    let mut decision =
                        decide(&self.options.retry, attempt, retries, fastrand::f64(), SystemTime::now());
                    // "Please retry after 86400 seconds" with no header says
                    // the same as the header would.
                    if error.problem() == Problem::QuotaExhausted && !matches!(decision, Decision::QuotaExhausted(_)) {
                        decision = Decision::QuotaExhausted(error.retry_after_in_message());
                    }
                    (decision, LlmError::Service(Box::new(error)))
                }
                Err(error) => {
                    let decision =
                        decide(&self.options.retry, Attempt::Transport, retries, fastrand::f64(), SystemTime::now());
                    (decision, error.clone())
                }
            };
            let (decision, error) = decision;
            match decision {
                Decision::RetryAfter(wait) => {
                    tracing::debug!("retrying in {wait:?} after: {error}");
                    self.count(|s| s.retries += 1);
                    let until = tokio::time::Instant::now() + wait;
                    if matches!(&outcome, Ok((429, ..))) {
                        // The quota is the deployment's: no request of this
                        // client goes before the service's time.
                        self.limiter.pause_until(until);
                    }
                    drop(permit);
                    tokio::time::sleep_until(until).await;
                    retries += 1;
                }
                Decision::GiveUp => {
                    // Out of retries, a 429's time still holds the client's
                    // later requests.
                    if let Ok((429, headers, _)) = &outcome
                        && let Some(wait) = retry_after(headers, SystemTime::now())
                    {
                        self.limiter.pause_until(tokio::time::Instant::now() + wait);
                    }
                    self.count(|s| s.failure(error.kind()));
                    return Err(self.stop_if_fatal(error));
                }
                Decision::QuotaExhausted(wait) => {
                    self.count(|s| s.failure("quota_exhausted"));
                    return Err(self.stop_if_fatal(LlmError::QuotaExhausted { wait }));
                }
            }
        }
    }

    /// Tokens a request may take: its prompt (estimated from its size until
    /// the answer says) and the most the answer may use.
    fn estimate_tokens(&self, body: &Value) -> u64 {
        let messages = body.get("messages").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        let text = |message: &Value, field: &str| message.get(field).and_then(Value::as_str).unwrap_or("").to_string();
        let mut prompt = REPLY_PRIMING;
        for message in messages {
            prompt += self.counter.count_message(&text(message, "role"), &text(message, "content"), None);
        }
        // The schema (or tools) counts too: services prefix it to the prompt.
        for field in ["response_format", "tools", "input"] {
            if let Some(value) = body.get(field) {
                prompt += self.counter.count_text(&value.to_string());
            }
        }
        prompt as u64 + u64::from(self.options.max_completion_tokens)
    }

    /// Stops the client when `error` is one every request would repeat; set
    /// before the request's limiter slot is released, so no request waiting
    /// for the slot goes out after it.
    fn stop_if_fatal(&self, error: LlmError) -> LlmError {
        if error.is_fatal()
            && let Ok(mut fatal) = self.fatal.lock()
        {
            fatal.get_or_insert_with(|| (error.clone(), Instant::now()));
        }
        error
    }

    /// Records warnings for the user (a budget nearly spent), each once.
    fn warn(&self, warnings: Vec<String>) {
        for warning in warnings {
            tracing::warn!("{warning}");
            self.count(|s| {
                if !s.warnings.contains(&warning) {
                    s.warnings.push(warning);
                }
            });
        }
    }

    fn count(&self, update: impl FnOnce(&mut Stats)) {
        if let Ok(mut stats) = self.stats.lock() {
            update(&mut stats);
        }
    }
}

/// The usage of any answer (chat or embeddings).
#[derive(serde::Deserialize)]
struct UsageOnly {
    #[serde(default)]
    usage: Option<WireUsage>,
}

/// Vectors for texts, in their order, and what they cost.
#[derive(Debug, Clone)]
pub struct Embeddings {
    pub vectors: Vec<Vec<f32>>,
    pub usage: super::cost::Usage,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct EmbeddingResponse {
    data: Vec<EmbeddingItem>,
    usage: Option<WireUsage>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct EmbeddingItem {
    index: usize,
    embedding: Vec<f32>,
}

/// Whether `error` says the server does not take output `mode` (rather than
/// something wrong with the request).
fn lacks_output_mode(error: &ServiceError, mode: OutputMode) -> bool {
    // A refused schema is a fault of ours to report, not a missing feature.
    if (error.status != 400 && error.status != 422) || error.problem() == Problem::InvalidSchema {
        return false;
    }
    let param = error.param.as_deref().unwrap_or("");
    let message = error.message.to_ascii_lowercase();
    match mode {
        OutputMode::JsonSchema => {
            param.starts_with("response_format")
                || message.contains("response_format")
                || message.contains("json_schema")
        }
        OutputMode::Tool => param.starts_with("tool") || message.contains("tool"),
        OutputMode::JsonObject => false,
    }
}

/// Every way `value` misses `schema`, each with where.
fn schema_problems(schema: &Value, value: &Value) -> Result<(), LlmError> {
    let validator =
        jsonschema::validator_for(schema).map_err(|e| LlmError::Schema(vec![format!("bad schema: {e}")]))?;
    let problems: Vec<String> = validator
        .iter_errors(value)
        .map(|error| {
            let path = error.instance_path().to_string();
            if path.is_empty() { error.to_string() } else { format!("{path}: {error}") }
        })
        .collect();
    if problems.is_empty() { Ok(()) } else { Err(LlmError::Schema(problems)) }
}

fn transport(url: &str, error: &reqwest::Error) -> LlmError {
    let detail = if error.is_timeout() {
        "timed out".to_string()
    } else if error.is_connect() {
        "could not connect (check the endpoint, a proxy, or a firewall)".to_string()
    } else {
        // The source chain says what failed (reset, TLS, bad chunk).
        let mut text = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(inner) = source {
            text = format!("{text}: {inner}");
            source = inner.source();
        }
        text
    };
    LlmError::Transport { url: url.split('?').next().unwrap_or(url).to_string(), detail }
}

fn header_pairs(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|(name, value)| Some((name.as_str().to_string(), value.to_str().ok()?.to_string())))
        .collect()
}

/// Where the day's spending is kept across runs: the user's state folder.
fn spending_ledger() -> Option<std::path::PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(std::path::PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| std::path::PathBuf::from(home).join(".local/state")))
        .or_else(|| std::env::var_os("LOCALAPPDATA").map(std::path::PathBuf::from))?;
    Some(state.join("docwright").join("spending.json"))
}

/// rustls needs one process-wide crypto provider; ring is the one built in.
fn install_crypto_provider() {
    // A second install reports the first one; either way one is set.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_checked_against_the_schema() {
        let schema = crate::docstring::answer::schema();
        let good = json!({"summary": "S.", "description": "", "params": [], "returns": "", "yields": "",
            "raises": [], "attributes": []});
        assert_eq!(schema_problems(schema, &good), Ok(()));
        let bad = json!({"summary": 3, "description": "", "params": [{"name": "a"}], "returns": "", "yields": "",
            "raises": [], "attributes": [], "extra": true});
        let Err(LlmError::Schema(problems)) = schema_problems(schema, &bad) else { panic!("accepted") };
        assert!(problems.iter().any(|p| p.starts_with("/summary")), "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("/params/0")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("extra")), "{problems:?}");
    }

    #[test]
    fn output_modes_fall_back_in_order() {
        let schema_error = parse_error(
            400,
            br#"{"error":{"message":"Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.","type":"invalid_request_error","param":"response_format","code":null}}"#,
        );
        assert!(lacks_output_mode(&schema_error, OutputMode::JsonSchema));
        assert!(!lacks_output_mode(&schema_error, OutputMode::JsonObject));
        let tools = parse_error(400, br#"{"error":{"message":"tools are not supported","param":"tools"}}"#);
        assert!(lacks_output_mode(&tools, OutputMode::Tool));
        let key = parse_error(401, br#"{"error":{"code":"401","message":"denied"}}"#);
        assert!(!lacks_output_mode(&key, OutputMode::JsonSchema));
        let ours = parse_error(
            400,
            br#"{"error":{"message":"Invalid schema for response_format 'd': In context=(), 'additionalProperties' is required to be supplied and to be false.","type":"invalid_request_error","param":"response_format","code":null}}"#,
        );
        assert!(!lacks_output_mode(&ours, OutputMode::JsonSchema), "our own schema error is reported");
        assert_eq!(OutputMode::JsonSchema.next(), Some(OutputMode::Tool));
        assert_eq!(OutputMode::JsonObject.next(), None);
    }
}
