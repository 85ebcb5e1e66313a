//! The request journal.

use std::time::Instant;

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Replaces credential header values in the journal.
pub const REDACTED: &str = "[redacted]";

/// Short stable fingerprint of a secret, so tests can tell which one was sent without logging it.
pub fn fingerprint(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// Which credential a request carried.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Credential {
    /// `"api-key"` or `"bearer"`.
    pub kind: &'static str,
    /// `fingerprint()` of the value sent.
    pub fingerprint: String,
    /// The configured credential it matched: `"key#0"`, `"key#1"`, `"token#0"`...; `None` if it matched none.
    pub matched: Option<String>,
}

/// One recorded request.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    /// Arrival order, from 0.
    pub seq: u64,
    #[serde(skip)]
    pub at: Instant,
    /// Arrival time in milliseconds since the server started.
    pub ms_since_start: f64,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Header names lower-cased, in arrival order; `api-key` and `authorization` values redacted.
    pub headers: Vec<(String, String)>,
    pub credential: Option<Credential>,
    /// The parsed JSON body, or `None` when it was empty or not JSON.
    pub body: Option<Value>,
    pub deployment: Option<String>,
    /// Status sent; `None` when the connection was closed or left hanging.
    pub status: Option<u16>,
    /// The fault applied, in `Fault`'s display form.
    pub fault: Option<String>,
}

impl Entry {
    /// First value of a header (name matched case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}
