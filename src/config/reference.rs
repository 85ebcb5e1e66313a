//! The settings reference, rendered from the tables `apply` checks keys
//! against: Markdown for the README, and the VS Code extension's settings
//! schema. Neither can drift from what the server accepts.

use serde_json::{Map, Value, json};

use super::{KEYS, Key, Shape};
use crate::cache::settings::CACHE_KEYS;
use crate::llm::settings::MODEL_KEYS;

/// The settings reference in Markdown: every key of every table, from the
/// tables `apply` checks keys against. The README's settings section is this
/// text (`docwright settings --markdown` prints it; a test compares them).
pub fn reference_markdown() -> String {
    let mut out = String::new();
    markdown_table(&mut out, "key", KEYS);
    out.push_str(
        "\n### The `model` table\n\n\
         `[tool.docwright.model]` in `pyproject.toml`, or `model` in an editor's settings: which service writes \
         the prose, how docwright authenticates, and the limits it keeps. A key or token is never a setting \
         (`apiKey` is refused): say where it comes from instead.\n\n",
    );
    markdown_table(&mut out, "key in `model`", MODEL_KEYS);
    out.push_str(
        "\n### The `cache` table\n\n\
         `[tool.docwright.cache]` in `pyproject.toml`, or `cache` in an editor's settings: where the model's \
         answers are kept.\n\n",
    );
    markdown_table(&mut out, "key in `cache`", CACHE_KEYS);
    out
}

fn markdown_table(out: &mut String, heading: &str, keys: &[Key]) {
    out.push_str(&format!("| {heading} | meaning | example |\n| --- | --- | --- |\n"));
    for key in keys {
        let mut name = format!("`{}`", key.name);
        if !key.aliases.is_empty() {
            let aliases: Vec<String> = key.aliases.iter().map(|a| format!("`{a}`")).collect();
            name.push_str(&format!(" (or {})", aliases.join(", ")));
        }
        let cell = |text: &str| text.replace('|', "\\|");
        out.push_str(&format!("| {name} | {} | `{}` |\n", cell(key.meaning), cell(key.example)));
    }
}

/// Settings that run a command: an editor takes them from the user's own
/// settings only, never from a workspace's (a cloned repository could
/// otherwise run anything).
const MACHINE_ONLY: &[&str] = &["apiKeyCommand", "tokenCommand"];

/// The `contributes.configuration` entry of the VS Code extension: one
/// property per key, `docwright.model.*` and `docwright.cache.*` for the
/// tables' keys. A setting without a fixed default is `null` until set.
pub fn vscode_configuration() -> Value {
    let mut properties = Map::new();
    let tables = [("model", MODEL_KEYS), ("cache", CACHE_KEYS)];
    let mut order = 0;
    for key in KEYS {
        match tables.iter().find(|(table, _)| *table == key.name) {
            Some((table, keys)) => {
                for inner in *keys {
                    properties.insert(format!("docwright.{table}.{}", inner.name), vscode_property(inner, order));
                    order += 1;
                }
            }
            None => {
                properties.insert(format!("docwright.{}", key.name), vscode_property(key, order));
                order += 1;
            }
        }
    }
    json!({ "id": "docwright.server", "title": "Server", "properties": properties })
}

fn vscode_property(key: &Key, order: usize) -> Value {
    let kind = match key.shape {
        Shape::Text | Shape::OneOf(_) => "string",
        Shape::Whole => "integer",
        Shape::Number => "number",
        Shape::Flag => "boolean",
        Shape::Table => "object",
        Shape::List => "array",
    };
    let default = toml_value(key.default);
    let mut property = json!({
        "type": if default.is_null() { json!([kind, "null"]) } else { json!(kind) },
        "default": default,
        "markdownDescription": key.meaning,
        "order": order,
    });
    if let Shape::OneOf(choices) = key.shape {
        let mut values: Vec<Value> = choices.iter().map(|c| json!(c)).collect();
        if property["default"].is_null() {
            values.push(Value::Null);
        }
        property["enum"] = json!(values);
    }
    if key.shape == Shape::List {
        property["items"] = json!({ "type": "string" });
    }
    if MACHINE_ONLY.contains(&key.name) {
        property["scope"] = json!("machine");
    }
    property
}

/// A TOML value (as the tables write defaults and examples) as JSON; `null`
/// for an empty one.
pub(crate) fn toml_value(text: &str) -> Value {
    if text.is_empty() {
        return Value::Null;
    }
    format!("v = {text}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut table| table.remove("v"))
        .and_then(|value| serde_json::to_value(value).ok())
        .unwrap_or(Value::Null)
}
