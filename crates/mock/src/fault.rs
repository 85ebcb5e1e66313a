//! Scripted faults: what they are, and the text syntax shared by prompt markers and `POST /_mock/faults`.
//!
//! Syntax: `<name>[=<arg>][,should-retry=true|false]`. In a prompt it follows `MOCK_FAULT:`, e.g.
//! `MOCK_FAULT:429-ms=1500` or `MOCK_FAULT:500,should-retry=false`.
//!
//! | name | effect |
//! |---|---|
//! | `429` | 429, `retry-after: 1` and `retry-after-ms: 1000`, Azure body |
//! | `429-seconds=N` | 429 with only `retry-after: N` (N may be 0 or negative) |
//! | `429-ms=N` | 429 with only `retry-after-ms: N` |
//! | `429-date=N` | 429 with `retry-after` as an HTTP date N seconds ahead |
//! | `429-none` | 429 without retry headers |
//! | `429-quota-body` | 429 without retry headers whose message says to retry after 86400 seconds |
//! | `429-zero` / `429-negative` / `429-huge` | `retry-after` 0 / -5 / 86400 |
//! | `429-int` | 429 whose body `code` is the integer 429 (`retry-after: 1`) |
//! | `429-high-demand` | capacity 429 ("high demand"), `retry-after: 1` |
//! | `insufficient-quota` | OpenAI-style 429 `insufficient_quota`, no retry headers |
//! | `500` | 500 `server_error` body |
//! | `502`, `503`, `504`, `status=N` | that status with an Azure-style body |
//! | `html[=N]` | an HTML error page with status N (default 502) |
//! | `firewall` | 403 Virtual Network/Firewall body |
//! | `permission-denied` | 401 PermissionDenied body |
//! | `content-filter-input` | 400 `content_filter` with `innererror.content_filter_result` |
//! | `content-filter-output` | 200, `finish_reason: content_filter`, content null |
//! | `filter-unavailable` | 200 whose `content_filter_results` carry an `error` |
//! | `length` | 200, `finish_reason: length`, JSON content cut in half |
//! | `refusal` | 200, content null, `refusal` text |
//! | `unknown-finish` | 200 with `finish_reason: "mystery"` |
//! | `tool-calls` | 200 answering through a tool call even without `tool_choice` (needs `tools`) |
//! | `no-usage` | 200 without `usage` |
//! | `non-json` | 200 whose body is not JSON |
//! | `delay=MS` | answer normally after MS milliseconds |
//! | `hang` | never answer |
//! | `close` | close the connection without a response |
//! | `reset` | send headers and half of the body, then reset |

use std::fmt;
use std::time::Duration;

/// How a 429's `retry-after` header is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RetryAfter {
    Seconds(i64),
    /// An HTTP date this many seconds after the response is made.
    HttpDate(u64),
}

/// A scripted 429.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimited {
    pub retry_after: Option<RetryAfter>,
    pub retry_after_ms: Option<i64>,
    /// Body `code` as the integer 429 instead of the string "429".
    pub integer_code: bool,
    pub high_demand: bool,
    /// The wait the message names when no header does (a daily quota's
    /// "Please retry after 86400 seconds" with no Retry-After).
    pub message_secs: Option<i64>,
}

impl RateLimited {
    pub fn seconds(n: i64) -> Self {
        RateLimited { retry_after: Some(RetryAfter::Seconds(n)), retry_after_ms: None, ..Self::bare() }
    }
    pub fn ms(n: i64) -> Self {
        RateLimited { retry_after_ms: Some(n), ..Self::bare() }
    }
    pub fn http_date(in_secs: u64) -> Self {
        RateLimited { retry_after: Some(RetryAfter::HttpDate(in_secs)), ..Self::bare() }
    }
    /// No retry headers at all.
    pub fn bare() -> Self {
        RateLimited {
            retry_after: None,
            retry_after_ms: None,
            integer_code: false,
            high_demand: false,
            message_secs: None,
        }
    }
}

/// One fault kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    RateLimited(RateLimited),
    InsufficientQuota,
    ServerError,
    /// Any status with an Azure-style body (502, 503, 504...).
    Status(u16),
    Html(u16),
    Firewall,
    PermissionDenied,
    ContentFilterInput,
    ContentFilterOutput,
    FilterUnavailable,
    Length,
    Refusal,
    UnknownFinishReason,
    ToolCalls,
    MissingUsage,
    NonJson,
    Delay(Duration),
    Hang,
    Close,
    ResetMidBody,
}

/// A fault in the queue: consumed by the first matching request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptedFault {
    pub fault: Fault,
    /// Only requests to this deployment consume it.
    pub deployment: Option<String>,
    /// Adds `x-should-retry: true|false` to the response.
    pub should_retry: Option<bool>,
}

impl From<Fault> for ScriptedFault {
    fn from(fault: Fault) -> Self {
        ScriptedFault { fault, deployment: None, should_retry: None }
    }
}

impl Fault {
    /// Scopes the fault to one deployment.
    pub fn for_deployment(self, deployment: &str) -> ScriptedFault {
        ScriptedFault { deployment: Some(deployment.into()), ..self.into() }
    }
    /// Adds an `x-should-retry` header.
    pub fn should_retry(self, retry: bool) -> ScriptedFault {
        ScriptedFault { should_retry: Some(retry), ..self.into() }
    }

    /// Parses `name[=arg]`.
    pub fn parse(spec: &str) -> Result<Fault, String> {
        let (name, arg) = match spec.split_once('=') {
            Some((n, a)) => (n.trim(), Some(a.trim())),
            None => (spec.trim(), None),
        };
        let int = || -> Result<i64, String> {
            arg.ok_or_else(|| format!("fault '{name}' needs =N"))?
                .parse::<i64>()
                .map_err(|_| format!("bad number in '{spec}'"))
        };
        let uint = || int().and_then(|n| u64::try_from(n).map_err(|_| format!("negative number in '{spec}'")));
        let status = || -> Result<u16, String> {
            let n = uint()?;
            if (100..=599).contains(&n) { Ok(n as u16) } else { Err(format!("bad status in '{spec}'")) }
        };
        let both = RateLimited {
            retry_after: Some(RetryAfter::Seconds(1)),
            retry_after_ms: Some(1000),
            ..RateLimited::bare()
        };
        Ok(match name {
            "429" => Fault::RateLimited(both),
            "429-seconds" => Fault::RateLimited(RateLimited::seconds(int()?)),
            "429-ms" => Fault::RateLimited(RateLimited::ms(int()?)),
            "429-date" => Fault::RateLimited(RateLimited::http_date(uint()?)),
            "429-none" => Fault::RateLimited(RateLimited::bare()),
            "429-zero" => Fault::RateLimited(RateLimited::seconds(0)),
            "429-negative" => Fault::RateLimited(RateLimited::seconds(-5)),
            "429-huge" => Fault::RateLimited(RateLimited::seconds(86_400)),
            "429-quota-body" => Fault::RateLimited(RateLimited { message_secs: Some(86_400), ..RateLimited::bare() }),
            "429-int" => Fault::RateLimited(RateLimited { integer_code: true, ..RateLimited::seconds(1) }),
            "429-high-demand" => Fault::RateLimited(RateLimited { high_demand: true, ..RateLimited::seconds(1) }),
            "insufficient-quota" => Fault::InsufficientQuota,
            "500" => Fault::ServerError,
            "502" | "503" | "504" => Fault::Status(name.parse().unwrap_or(503)),
            "status" => Fault::Status(status()?),
            "html" => Fault::Html(if arg.is_some() { status()? } else { 502 }),
            "firewall" => Fault::Firewall,
            "permission-denied" => Fault::PermissionDenied,
            "content-filter-input" => Fault::ContentFilterInput,
            "content-filter-output" => Fault::ContentFilterOutput,
            "filter-unavailable" => Fault::FilterUnavailable,
            "length" => Fault::Length,
            "refusal" => Fault::Refusal,
            "unknown-finish" => Fault::UnknownFinishReason,
            "tool-calls" => Fault::ToolCalls,
            "no-usage" => Fault::MissingUsage,
            "non-json" => Fault::NonJson,
            "delay" => Fault::Delay(Duration::from_millis(uint()?)),
            "hang" => Fault::Hang,
            "close" => Fault::Close,
            "reset" => Fault::ResetMidBody,
            _ => return Err(format!("unknown fault '{name}'")),
        })
    }

    /// Whether the fault answers instead of the model (as opposed to shaping the model's answer).
    pub(crate) fn short_circuits(&self) -> bool {
        !matches!(
            self,
            Fault::ContentFilterOutput
                | Fault::FilterUnavailable
                | Fault::Length
                | Fault::Refusal
                | Fault::UnknownFinishReason
                | Fault::ToolCalls
                | Fault::MissingUsage
                | Fault::NonJson
                | Fault::Delay(_)
                | Fault::ResetMidBody
        )
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::RateLimited(r) => {
                write!(f, "429")?;
                if let Some(ra) = &r.retry_after {
                    match ra {
                        RetryAfter::Seconds(n) => write!(f, " retry-after={n}")?,
                        RetryAfter::HttpDate(n) => write!(f, " retry-after=date+{n}s")?,
                    }
                }
                if let Some(ms) = r.retry_after_ms {
                    write!(f, " retry-after-ms={ms}")?;
                }
                if r.integer_code {
                    write!(f, " int-code")?;
                }
                if r.high_demand {
                    write!(f, " high-demand")?;
                }
                Ok(())
            }
            Fault::InsufficientQuota => write!(f, "insufficient-quota"),
            Fault::ServerError => write!(f, "500"),
            Fault::Status(s) => write!(f, "status={s}"),
            Fault::Html(s) => write!(f, "html={s}"),
            Fault::Firewall => write!(f, "firewall"),
            Fault::PermissionDenied => write!(f, "permission-denied"),
            Fault::ContentFilterInput => write!(f, "content-filter-input"),
            Fault::ContentFilterOutput => write!(f, "content-filter-output"),
            Fault::FilterUnavailable => write!(f, "filter-unavailable"),
            Fault::Length => write!(f, "length"),
            Fault::Refusal => write!(f, "refusal"),
            Fault::UnknownFinishReason => write!(f, "unknown-finish"),
            Fault::ToolCalls => write!(f, "tool-calls"),
            Fault::MissingUsage => write!(f, "no-usage"),
            Fault::NonJson => write!(f, "non-json"),
            Fault::Delay(d) => write!(f, "delay={}", d.as_millis()),
            Fault::Hang => write!(f, "hang"),
            Fault::Close => write!(f, "close"),
            Fault::ResetMidBody => write!(f, "reset"),
        }
    }
}

impl ScriptedFault {
    /// Parses `name[=arg][,should-retry=true|false]`.
    pub fn parse(spec: &str) -> Result<ScriptedFault, String> {
        let mut parts = spec.split(',');
        let fault = Fault::parse(parts.next().unwrap_or(""))?;
        let mut scripted = ScriptedFault::from(fault);
        for modifier in parts {
            match modifier.trim() {
                "should-retry=true" => scripted.should_retry = Some(true),
                "should-retry=false" => scripted.should_retry = Some(false),
                other => return Err(format!("unknown fault modifier '{other}'")),
            }
        }
        Ok(scripted)
    }
}

/// The prompt marker prefix.
pub const MARKER: &str = "MOCK_FAULT:";

/// Finds the first parseable `MOCK_FAULT:` marker in a text.
pub(crate) fn find_marker(text: &str) -> Option<ScriptedFault> {
    let mut rest = text;
    while let Some(at) = rest.find(MARKER) {
        let after = &rest[at + MARKER.len()..];
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '=' | ',' | '.')))
            .unwrap_or(after.len());
        // A trailing sentence period is not part of the spec.
        let spec = after[..end].trim_end_matches('.');
        if let Ok(f) = ScriptedFault::parse(spec) {
            return Some(f);
        }
        rest = after;
    }
    None
}
