//! A secret (API key, bearer token) that cannot end up in a log, an error
//! message or a cache key by accident: it prints as `[redacted]` and has no
//! serialisation; the one way to read it is `expose`, at the header.

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
