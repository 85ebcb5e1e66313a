//! Cache keys: a SHA-256 of a canonical encoding of everything that changes an
//! answer, and of nothing else. Never the credential (it does not change the
//! answer, and a key must not reveal it), never the answer's `model` field
//! (the service's name for what answered, which it may change at will).

use std::io::Write;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::CacheKey;
use crate::llm::{ChatMessage, Provider};

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
    pub messages: &'a [ChatMessage],
    pub schema_name: &'a str,
    pub schema: &'a Canonical,
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
        let scalars = json!({
            "version": KEY_VERSION,
            "provider": kind,
            "endpoint": endpoint.trim().trim_end_matches('/'),
            "deployment": deployment,
            "apiVersion": api_version,
            "template": {"name": self.template.0, "version": self.template.1},
            "style": self.style,
            "schemaName": self.schema_name,
            "temperature": self.temperature,
            "seed": self.seed,
            "maxCompletionTokens": self.max_completion_tokens,
        });
        // The messages and the schema are the bulk: the messages are encoded
        // in place, the schema was encoded once.
        let mut fields: Vec<(&str, Part<'_>)> =
            scalars.as_object().into_iter().flatten().map(|(k, v)| (k.as_str(), Part::Json(v))).collect();
        fields.extend([("messages", Part::Messages(self.messages)), ("schema", Part::Encoded(&self.schema.0))]);
        let mut hasher = Sha256::new();
        write_object(fields, &mut hasher);
        CacheKey(hasher.finalize().into())
    }
}

/// A JSON value's canonical encoding, made once for a value many keys hold
/// (the answer's schema).
pub struct Canonical(Vec<u8>);

impl Canonical {
    pub fn of(value: &Value) -> Self {
        let mut bytes = Vec::new();
        write_canonical(value, &mut bytes);
        Canonical(bytes)
    }

    /// The encoding's length in bytes, that of the value's compact JSON.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A field's value: JSON to encode, messages, or bytes already encoded.
enum Part<'a> {
    Json(&'a Value),
    Messages(&'a [ChatMessage]),
    Encoded(&'a [u8]),
}

/// Messages as the canonical encoding of `[{"role": ..., "content": ...}]`.
fn write_messages(messages: &[ChatMessage], out: &mut impl Write) {
    put(out, b"[");
    for (i, message) in messages.iter().enumerate() {
        if i > 0 {
            put(out, b",");
        }
        put(out, b"{\"content\":");
        write_string(&message.content, out);
        put(out, b",\"role\":");
        write_string(&message.role, out);
        put(out, b"}");
    }
    put(out, b"]");
}

/// JSON with object keys sorted and no whitespace: the same value always
/// encodes to the same bytes, whatever order its keys were built in.
fn write_canonical(value: &Value, out: &mut impl Write) {
    match value {
        Value::Object(map) => write_object(map.iter().map(|(k, v)| (k.as_str(), Part::Json(v))).collect(), out),
        Value::Array(items) => {
            put(out, b"[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    put(out, b",");
                }
                write_canonical(item, out);
            }
            put(out, b"]");
        }
        Value::String(text) => write_string(text, out),
        // Numbers, booleans and null print the same whatever the order.
        other => put(out, other.to_string().as_bytes()),
    }
}

fn put(out: &mut impl Write, bytes: &[u8]) {
    // Writing to a hash or a Vec cannot fail.
    let _ = out.write_all(bytes);
}

/// An object, its fields in key order.
fn write_object(mut fields: Vec<(&str, Part<'_>)>, out: &mut impl Write) {
    fields.sort_unstable_by_key(|(name, _)| *name);
    put(out, b"{");
    for (i, (name, part)) in fields.into_iter().enumerate() {
        if i > 0 {
            put(out, b",");
        }
        write_string(name, out);
        put(out, b":");
        match part {
            Part::Json(value) => write_canonical(value, out),
            Part::Messages(messages) => write_messages(messages, out),
            Part::Encoded(bytes) => put(out, bytes),
        }
    }
    put(out, b"}");
}

/// A JSON string, escaped as serde_json escapes it.
fn write_string(text: &str, out: &mut impl Write) {
    // Writing to a hash or a Vec cannot fail.
    let _ = serde_json::to_writer(out, text);
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
        messages: &[ChatMessage],
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
            schema: &Canonical::of(schema),
            temperature,
            seed: 0,
            max_completion_tokens: 1024,
        }
        .key()
    }

    #[test]
    fn everything_that_changes_an_answer_changes_the_key_and_nothing_else_does() {
        let p = provider("https://r.openai.azure.com", "d");
        let messages = [ChatMessage::user("def f(): pass")];
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
            key_with(&p, &[ChatMessage::user("def g(): pass")], &schema, "google", Some(0.0)),
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
        let canonical = Canonical::of(&schema);
        let with_template = |template| {
            KeyParts {
                provider: &p,
                template,
                style: "google",
                messages: &messages,
                schema_name: "python_docstring",
                schema: &canonical,
                temperature: Some(0.0),
                seed: 0,
                max_completion_tokens: 1024,
            }
            .key()
        };
        assert_eq!(base, with_template(("builtin", 1)));
        assert_ne!(base, with_template(("builtin", 2)), "the template's version changes the key");
        assert_ne!(base, with_template(("terse", 1)), "the template's name changes the key");
        let mut all = others.to_vec();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), others.len(), "variations do not collide with each other");
    }

    /// Keys must not change between versions unless `KEY_VERSION` does, or
    /// every cache in use is silently emptied.
    #[test]
    fn the_encoding_of_a_key_is_stable() {
        let p = provider("https://r.openai.azure.com", "d");
        let messages = [ChatMessage::system("Write \"docs\"."), ChatMessage::user("def f(): pass")];
        let schema = json!({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]});
        assert_eq!(
            key_with(&p, &messages, &schema, "google", Some(0.0)).hex(),
            "86e5cd01bc444b71c7ec29fca3a2aace2ccca99cdcc01a098108b52967374b7a"
        );
        assert_eq!(
            key_with(&p, &messages, &schema, "numpy", None).hex(),
            "2f3acbed3bd97a6cedebe30a913a5f46dba054adb2fcbea0090a2072c56678f0"
        );
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let mut out = Vec::new();
        write_canonical(&json!({"b": [{"z": 1, "a": "é\"x"}], "a": null}), &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), r#"{"a":null,"b":[{"a":"é\"x","z":1}]}"#);
    }
}
