//! A mock Azure OpenAI / OpenAI chat-completions and embeddings server for tests and benchmarks.
//!
//! It follows the wire contract of the real services closely enough to exercise a client's routing,
//! authentication, validation handling, structured-output parsing, retries and rate limiting:
//!
//! * routes: `POST /openai/deployments/{deployment}/{chat/completions|embeddings}?api-version=...`
//!   (Azure classic), `POST /openai/v1/{chat/completions|embeddings}` (Azure v1, deployment in `model`),
//!   `POST /v1/{chat/completions|embeddings}` (OpenAI);
//! * control: `GET /_mock/health`, `GET|DELETE /_mock/journal`, `GET|POST|DELETE /_mock/faults`,
//!   `GET|POST /_mock/config`;
//! * faults: see [`fault`] for the names, the `MOCK_FAULT:` prompt marker and the queue.
//!
//! ```no_run
//! use docwright_mock::{Fault, MockConfig, MockServer};
//! let server = MockServer::start(MockConfig::default());
//! server.push_fault(Fault::ServerError.for_deployment("gpt-4o"));
//! let url = format!("{}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", server.url());
//! # let _ = url;
//! ```

pub mod config;
pub mod fault;
mod handler;
pub mod journal;
mod limiter;
mod schema;
mod server;
pub mod tokens;
mod wire;

pub use config::{AnswerContext, Answerer, DEFAULT_API_VERSIONS, Deployment, Family, MockConfig};
pub use fault::{Fault, MARKER, RateLimited, RetryAfter, ScriptedFault};
pub use journal::{Credential, Entry, REDACTED, fingerprint};
pub use server::MockServer;
