//! The model client (Azure OpenAI, OpenAI, local OpenAI-compatible servers):
//! the providers' differences, the HTTP client with the retry policy of the
//! wire contract, reading answers and error answers, usage counters, the type
//! that keeps secrets out of logs, credentials resolved at request time, the
//! client-side rate limiter, and the sharing of identical requests in flight.

pub mod auth;
pub mod budget;
pub mod client;
pub mod cost;
pub mod doctor;
pub mod error;
pub mod exchange_log;
pub mod limiter;
pub mod provider;
pub mod response;
pub mod retry;
pub mod secret;
pub mod settings;
pub mod shorten;
pub mod single_flight;
pub mod stats;
pub mod tokens;
pub mod writer;

pub use auth::{AuthError, AuthOptions, CredentialResolver, CredentialSource};
pub use budget::{Budget, BudgetError, BudgetLimits, BudgetWarning, Reservation};
pub use client::{ChatMessage, Client, ClientOptions, LlmError, OutputMode, StructuredAnswer};
pub use cost::{Price, PriceTable, Usage};
pub use error::{Problem, ServiceError, parse_error};
pub use exchange_log::ExchangeLog;
pub use limiter::{Limiter, LimiterConfig, LimiterStats, Permit};
pub use provider::{Credential, Provider, ProviderParts};
pub use retry::{Attempt, Decision, RetryPolicy, decide, retry_after};
pub use secret::Secret;
pub use settings::{ModelConfig, ModelSettings};
pub use shorten::{Shortened, shorten, shorten_definition};
pub use single_flight::SingleFlight;
pub use stats::Stats;
pub use tokens::{Encoding, TokenCounter, context_window};
pub use writer::ModelWriter;
