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
/// (2: the messages moved to the end.)
const KEY_VERSION: u32 = 2;

/// What identifies one question to one model, apart from its messages.
pub struct KeyParts<'a> {
    pub provider: &'a Provider,
    /// The prompt template's name and version.
    pub template: (&'a str, u32),
    /// The docstring style asked for.
    pub style: &'a str,
    pub schema_name: &'a str,
    pub schema: &'a Canonical,
    /// Sampling: temperature (none for reasoning models), seed, answer limit.
    pub temperature: Option<f64>,
    pub seed: i64,
    pub max_completion_tokens: u32,
}

/// Stands for the messages in an encoding made without them: canonical JSON
/// escapes every control character, so this byte occurs nowhere else.
const MESSAGES_PLACE: u8 = 0;

impl KeyParts<'_> {
    /// The key of asking `messages`.
    pub fn key(&self, messages: &[ChatMessage]) -> CacheKey {
        let mut hasher = Sha256::new();
        self.write(Part::Messages(messages), &mut hasher);
        CacheKey(hasher.finalize().into())
    }

    /// These parts encoded once for the keys of many prompts; `system`, the
    /// first message most of them start with, hashed once too.
    pub fn template(&self, system: Option<&ChatMessage>) -> KeyTemplate {
        let mut encoded = Vec::new();
        self.write(Part::Encoded(&[MESSAGES_PLACE]), &mut encoded);
        let place = encoded.iter().position(|&byte| byte == MESSAGES_PLACE).unwrap_or(encoded.len());
        let mut before_messages = Sha256::new();
        before_messages.update(&encoded[..place]);
        let after_system = system.map(|message| {
            let mut hasher = before_messages.clone();
            put(&mut hasher, b"[");
            write_message(message, &mut hasher);
            (message.clone(), hasher)
        });
        let after_messages = encoded.get(place + 1..).unwrap_or_default().to_vec();
        KeyTemplate { before_messages, after_system, after_messages }
    }

    /// The key's canonical encoding, `messages` standing for the messages: an
    /// object with its other fields in key order and `messages` last, so that
    /// a key hashes only its own messages after what all keys share.
    fn write(&self, messages: Part<'_>, out: &mut impl Write) {
        let parts = self.provider.parts();
        let scalars = json!({
            "version": KEY_VERSION,
            "provider": parts.kind,
            "endpoint": parts.endpoint,
            "deployment": parts.deployment,
            "apiVersion": parts.api_version,
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
        fields.push(("schema", Part::Encoded(&self.schema.0)));
        fields.sort_unstable_by_key(|(name, _)| *name);
        fields.push(("messages", messages));
        write_fields(fields, out);
    }
}

/// The keys of prompts that differ in their messages only: the encoding
/// around the messages made once (`KeyParts::template`), so that a key hashes
/// only the messages (after the first, when that is the shared system
/// message) and the object's closing brace.
#[derive(Clone)]
pub struct KeyTemplate {
    /// The hash of the encoding up to the messages.
    before_messages: Sha256,
    /// A first message, and the hash up to and including it.
    after_system: Option<(ChatMessage, Sha256)>,
    after_messages: Vec<u8>,
}

impl KeyTemplate {
    /// The same key as `KeyParts::key` of `messages`.
    pub fn key(&self, messages: &[ChatMessage]) -> CacheKey {
        let mut hasher = match (&self.after_system, messages.split_first()) {
            (Some((system, after_system)), Some((first, rest))) if first == system => {
                let mut hasher = after_system.clone();
                for message in rest {
                    put(&mut hasher, b",");
                    write_message(message, &mut hasher);
                }
                put(&mut hasher, b"]");
                hasher
            }
            _ => {
                let mut hasher = self.before_messages.clone();
                write_messages(messages, &mut hasher);
                hasher
            }
        };
        hasher.update(&self.after_messages);
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
fn write_messages<W: Write>(messages: &[ChatMessage], out: &mut W) {
    write_list(messages, out, write_message);
}

/// `[a,b,...]`, each item written by `write_item`.
fn write_list<T, W: Write>(items: &[T], out: &mut W, write_item: impl Fn(&T, &mut W)) {
    put(out, b"[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            put(out, b",");
        }
        write_item(item, out);
    }
    put(out, b"]");
}

fn write_message(message: &ChatMessage, out: &mut impl Write) {
    put(out, b"{\"content\":");
    write_string(&message.content, out);
    put(out, b",\"role\":");
    write_string(&message.role, out);
    put(out, b"}");
}

/// JSON with object keys sorted and no whitespace: the same value always
/// encodes to the same bytes, whatever order its keys were built in.
fn write_canonical(value: &Value, out: &mut impl Write) {
    match value {
        Value::Object(map) => write_object(map.iter().map(|(k, v)| (k.as_str(), Part::Json(v))).collect(), out),
        Value::Array(items) => write_list(items, out, write_canonical),
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
    write_fields(fields, out);
}

/// An object, its fields in the order given.
fn write_fields(fields: Vec<(&str, Part<'_>)>, out: &mut impl Write) {
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
        let schema = Canonical::of(schema);
        let parts = KeyParts {
            provider,
            template: ("builtin", 1),
            style,
            schema_name: "python_docstring",
            schema: &schema,
            temperature,
            seed: 0,
            max_completion_tokens: 1024,
        };
        let key = parts.key(messages);
        // A template gives the same key whichever first message it hashed
        // ahead, matching the messages or not.
        let other = ChatMessage::system("Something else.");
        for system in [None, messages.first(), Some(&other)] {
            assert_eq!(parts.template(system).key(messages), key, "{system:?}");
        }
        key
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
                schema_name: "python_docstring",
                schema: &canonical,
                temperature: Some(0.0),
                seed: 0,
                max_completion_tokens: 1024,
            }
            .key(&messages)
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
            "c4c8ea1cdb4531f309d04cc8a61d5eeda6bc556dbdc3bacdb9f0fd4f45832451"
        );
        assert_eq!(
            key_with(&p, &messages, &schema, "numpy", None).hex(),
            "f4aafaeeae2574eae028a4e5408563b445b360b3724a0a9126c637d54d5ee710"
        );
    }

    #[test]
    fn a_template_keys_every_form_of_prompt_as_the_whole_encoding_does() {
        let p = provider("https://r.openai.azure.com", "d");
        let system = ChatMessage::system("Write \"docs\".");
        let user = ChatMessage::user("def f(): pass");
        let retry = [system.clone(), user.clone(), ChatMessage::assistant("{}"), ChatMessage::user("Again.")];
        let schema = json!({"type": "object"});
        let swapped = [user.clone(), system.clone()];
        for messages in [&[][..], std::slice::from_ref(&system), std::slice::from_ref(&user), &swapped, &retry] {
            key_with(&p, messages, &schema, "google", Some(0.0));
        }
        let parts = KeyParts {
            provider: &p,
            template: ("builtin", 1),
            style: "google",
            schema_name: "python_docstring",
            schema: &Canonical::of(&schema),
            temperature: Some(0.0),
            seed: 0,
            max_completion_tokens: 1024,
        };
        let mut whole = Vec::new();
        parts.write(Part::Messages(&retry), &mut whole);
        assert_eq!(parts.template(Some(&system)).key(&retry).0, <[u8; 32]>::from(Sha256::digest(&whole)));
    }

    /// What every key shares comes first, so a key hashes only its messages.
    #[test]
    fn the_messages_end_the_encoding() {
        let p = provider("https://r.openai.azure.com", "d");
        let schema = Canonical::of(&json!({"type": "object"}));
        let parts = KeyParts {
            provider: &p,
            template: ("builtin", 1),
            style: "google",
            schema_name: "python_docstring",
            schema: &schema,
            temperature: Some(0.0),
            seed: 0,
            max_completion_tokens: 1024,
        };
        let mut whole = Vec::new();
        parts.write(Part::Messages(&[ChatMessage::user("def f(): pass")]), &mut whole);
        let whole = String::from_utf8(whole).unwrap();
        assert!(whole.starts_with(r#"{"apiVersion":"2024-10-21","deployment":"d","#), "{whole}");
        assert!(whole.ends_with(r#","version":2,"messages":[{"content":"def f(): pass","role":"user"}]}"#), "{whole}");
        assert_eq!(parts.template(None).after_messages, b"}");
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let mut out = Vec::new();
        write_canonical(&json!({"b": [{"z": 1, "a": "é\"x"}], "a": null}), &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), r#"{"a":null,"b":[{"a":"é\"x","z":1}]}"#);
    }
}
