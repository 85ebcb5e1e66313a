//! The model client's building blocks (Azure OpenAI, OpenAI, local
//! OpenAI-compatible servers): so far the providers' differences, reading their
//! error answers, the retry policy of the wire contract, and the type that
//! keeps secrets out of logs.

pub mod error;
pub mod provider;
pub mod retry;
pub mod secret;

pub use error::{Problem, ServiceError, parse_error};
pub use provider::{Credential, Provider, from_env};
pub use retry::{Attempt, Decision, RetryPolicy, decide, retry_after};
pub use secret::Secret;
