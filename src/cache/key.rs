//! Cache keys: a SHA-256 of a canonical encoding of everything that changes an
//! answer, and of nothing else. Never the credential (it does not change the
//! answer, and a key must not reveal it), never the answer's `model` field
//! (the service's name for what answered, which it may change at will).

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::CacheKey;
use crate::llm::Provider;

/// Bumped when the encoding changes, so old entries are simply never hit.
const KEY_VERSION: u32 = 1;

/// What identifies one question to one model.
pub struct KeyParts<'a> {
    pub provider: &'a Provider,
    /// The prompt template's name and version.
    pub template: (&'a str, u32),
    /// The docstring style asked for.
    pub style: &'a str,
    /// The messages as sent.
    pub messages: &'a Value,
    pub schema_name: &'a str,
    pub schema: &'a Value,
    /// Sampling: temperature (none for reasoning models), seed, answer limit.
    pub temperature: Option<f64>,
    pub seed: i64,
    pub max_completion_tokens: u32,
}

impl KeyParts<'_> {
    pub fn key(&self) -> CacheKey {
        let (kind, endpoint, deployment, api_version) = match self.provider {
            Provider::AzureClassic { endpoint, deployment, api_version } => {
                ("azure", endpoint.as_str(), deployment.as_str(), api_version.as_str())
            }
            Provider::AzureV1 { endpoint, deployment } => ("azure-v1", endpoint.as_str(), deployment.as_str(), "v1"),
            Provider::OpenAi { base_url, model } => ("openai", base_url.as_str(), model.as_str(), ""),
            Provider::Local { base_url, model } => ("local", base_url.as_str(), model.as_str(), ""),
        };
        let encoded = json!({
            "version": KEY_VERSION,
            "provider": kind,
            "endpoint": endpoint.trim().trim_end_matches('/'),
            "deployment": deployment,
            "apiVersion": api_version,
            "template": {"name": self.template.0, "version": self.template.1},
            "style": self.style,
            "messages": self.messages,
            "schemaName": self.schema_name,
            "schema": self.schema,
            "temperature": self.temperature,
            "seed": self.seed,
            "maxCompletionTokens": self.max_completion_tokens,
        });
        let mut canonical = String::new();
        write_canonical(&encoded, &mut canonical);
        CacheKey(Sha256::digest(canonical.as_bytes()).into())
    }
}

/// JSON with object keys sorted and no whitespace: the same value always
/// encodes to the same bytes, whatever order its keys were built in.
fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `map` rebuilt with its keys in another order.
    fn reversed(map: &serde_json::Map<String, Value>) -> Value {
        Value::Object(map.iter().rev().map(|(k, v)| (k.clone(), v.clone())).collect())
    }

    fn provider(endpoint: &str, deployment: &str) -> Provider {
        Provider::AzureClassic {
            endpoint: endpoint.into(),
            deployment: deployment.into(),
            api_version: "2024-10-21".into(),
        }
    }

    fn key_with(
        provider: &Provider,
        messages: &Value,
        schema: &Value,
        style: &str,
        temperature: Option<f64>,
    ) -> CacheKey {
        KeyParts {
            provider,
            template: ("builtin", 1),
            style,
            messages,
            schema_name: "python_docstring",
            schema,
            temperature,
            seed: 0,
            max_completion_tokens: 1024,
        }
        .key()
    }

    #[test]
    fn everything_that_changes_an_answer_changes_the_key_and_nothing_else_does() {
        let p = provider("https://r.openai.azure.com", "d");
        let messages = json!([{"role": "user", "content": "def f(): pass"}]);
        let schema = json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}});
        let base = key_with(&p, &messages, &schema, "google", Some(0.0));
        assert_eq!(base, key_with(&p, &messages, &schema, "google", Some(0.0)), "stable");
        assert_eq!(
            base,
            key_with(&provider("https://r.openai.azure.com/", "d"), &messages, &schema, "google", Some(0.0))
        );
        let reordered = reversed(schema.as_object().unwrap());
        assert_eq!(base, key_with(&p, &messages, &reordered, "google", Some(0.0)), "key order does not matter");
        let others = [
            key_with(&provider("https://s.openai.azure.com", "d"), &messages, &schema, "google", Some(0.0)),
            key_with(&provider("https://r.openai.azure.com", "e"), &messages, &schema, "google", Some(0.0)),
            key_with(&p, &json!([{"role": "user", "content": "def g(): pass"}]), &schema, "google", Some(0.0)),
            key_with(&p, &messages, &json!({"type": "object"}), "google", Some(0.0)),
            key_with(&p, &messages, &schema, "numpy", Some(0.0)),
            key_with(&p, &messages, &schema, "google", None),
            key_with(
                &Provider::AzureV1 { endpoint: "https://r.openai.azure.com".into(), deployment: "d".into() },
                &messages,
                &schema,
                "google",
                Some(0.0),
            ),
        ];
        for (i, other) in others.iter().enumerate() {
            assert_ne!(&base, other, "variation {i} must change the key");
        }
        let mut all = others.to_vec();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), others.len(), "variations do not collide with each other");
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let mut out = String::new();
        write_canonical(&json!({"b": [{"z": 1, "a": "é\"x"}], "a": null}), &mut out);
        assert_eq!(out, r#"{"a":null,"b":[{"a":"é\"x","z":1}]}"#);
    }
}
