//! A secret (API key, bearer token) that cannot end up in a log, an error
//! message or a cache key by accident: it prints as `[redacted]` and has no
//! serialisation; the one way to read it is `expose`, at the header (and text
//! from elsewhere can be searched for it and cleaned of it).

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the value replaced by `[redacted]`:
    /// for text that came back from elsewhere (a service echoing a key).
    pub fn hidden_in<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        if self.0.is_empty() || !text.contains(&self.0) {
            return std::borrow::Cow::Borrowed(text);
        }
        std::borrow::Cow::Owned(text.replace(&self.0, "[redacted]"))
    }

    /// Whether `json` (JSON text) holds the value in a string.
    pub fn appears_in_json(&self, json: &[u8]) -> bool {
        let escaped = serde_json::to_string(&self.0).unwrap_or_default();
        let escaped = escaped.as_bytes().get(1..escaped.len().saturating_sub(1)).unwrap_or_default();
        !escaped.is_empty() && json.windows(escaped.len()).any(|window| window == escaped)
    }

    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[derive(Debug)]
    #[allow(dead_code)] // read through Debug only
    struct Config {
        endpoint: String,
        key: Secret,
    }

    #[test]
    fn never_prints_its_value() {
        let key = Secret::new("sk-live-1234567890abcdef");
        let config = Config { endpoint: "https://x.openai.azure.com".into(), key: key.clone() };
        for printed in [format!("{key}"), format!("{key:?}"), format!("{config:?}"), format!("{config:#?}")] {
            assert!(!printed.contains("1234567890"), "{printed}");
            assert!(printed.contains("redacted"), "{printed}");
        }
        assert_eq!(key.expose(), "sk-live-1234567890abcdef");
        assert!(Secret::new("  ").is_empty());
    }
}
