//! What a model is asked for, and how its answer is checked against the code.
//!
//! The model writes prose only: the summary, the description, and the text of
//! each entry. Names, types and defaults come from the source model: the
//! answer is laid over the offline skeleton of the same definition, so an
//! answer can never invent a parameter, change a type, or add an exception the
//! body does not raise.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::model::Docstring;

/// The model's answer, as the JSON schema below describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub summary: String,
    pub description: String,
    pub params: Vec<EntryText>,
    /// Text of the Returns entry (empty when nothing is returned).
    pub returns: String,
    /// Text of the Yields entry (empty for a function that is not a generator).
    pub yields: String,
    pub raises: Vec<EntryText>,
    pub attributes: Vec<EntryText>,
}

/// The text for one named entry (a parameter, an exception, an attribute).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryText {
    pub name: String,
    pub description: String,
}

/// The answer's JSON schema, inside the subset strict structured outputs
/// accept: every object closed (`additionalProperties: false`) with every
/// property required, and no length or pattern keywords. Built once: every
/// request and every cache key uses it.
pub fn schema() -> &'static Value {
    static SCHEMA: std::sync::LazyLock<Value> = std::sync::LazyLock::new(build_schema);
    &SCHEMA
}

fn build_schema() -> Value {
    let entries = json!({
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "description": {"type": "string"}},
            "required": ["name", "description"],
            "additionalProperties": false
        }
    });
    json!({
        "type": "object",
        "properties": {
            "summary": {"type": "string", "description": "One sentence in the imperative mood, ending with a period."},
            "description": {"type": "string", "description": "Further paragraphs, or an empty string."},
            "params": entries,
            "returns": {"type": "string"},
            "yields": {"type": "string"},
            "raises": entries,
            "attributes": entries
        },
        "required": ["summary", "description", "params", "returns", "yields", "raises", "attributes"],
        "additionalProperties": false
    })
}

/// Checks `answer` against `skeleton` (the offline docstring of the same
/// definition, which holds exactly the entries the code calls for): every
/// parameter once, nothing invented, a summary. Returns every problem found.
pub fn check(answer: &Answer, skeleton: &Docstring) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    if answer.summary.trim().is_empty() {
        problems.push("the summary is empty".to_string());
    }
    let bare = |name: &str| name.trim().trim_start_matches('*').to_string();
    let expected: Vec<String> = skeleton.params.iter().map(|p| bare(&p.name)).collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for entry in &answer.params {
        *seen.entry(bare(&entry.name)).or_default() += 1;
    }
    for name in &expected {
        match seen.get(name) {
            None => problems.push(format!("parameter `{name}` is not described")),
            Some(count) if *count > 1 => problems.push(format!("parameter `{name}` is described {count} times")),
            Some(_) => {}
        }
    }
    for name in seen.keys().filter(|name| !expected.contains(name)) {
        problems.push(format!("`{name}` is not a parameter of this function"));
    }
    let last = |name: &str| name.rsplit('.').next().unwrap_or(name).trim().to_string();
    let raised: Vec<String> = skeleton.raises.iter().map(|r| last(&r.exception)).collect();
    for entry in &answer.raises {
        if !raised.contains(&last(&entry.name)) {
            problems.push(format!("`{}` is not raised in this body", entry.name));
        }
    }
    let attributes: Vec<&str> = skeleton.attributes.iter().map(|a| a.name.as_str()).collect();
    for entry in &answer.attributes {
        if !attributes.contains(&entry.name.trim()) {
            problems.push(format!("`{}` is not an attribute of this class", entry.name));
        }
    }
    problems.sort();
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

/// The docstring: `skeleton`'s structure (names, types, defaults, which
/// sections exist) with the answer's prose. Entries the answer left out keep
/// the skeleton's placeholder.
pub fn apply(answer: &Answer, skeleton: &Docstring) -> Docstring {
    let mut doc = skeleton.clone();
    doc.summary = answer.summary.trim().to_string();
    doc.description = answer.description.trim().to_string();
    let text_for = |entries: &[EntryText], name: &str| {
        let bare = name.trim_start_matches('*');
        entries
            .iter()
            .find(|e| e.name.trim().trim_start_matches('*') == bare || e.name.rsplit('.').next() == Some(bare))
            .map(|e| e.description.trim().to_string())
            .filter(|d| !d.is_empty())
    };
    for param in &mut doc.params {
        if let Some(text) = text_for(&answer.params, &param.name) {
            param.description = text;
        }
    }
    for raise in &mut doc.raises {
        let name = raise.exception.rsplit('.').next().unwrap_or(&raise.exception).to_string();
        if let Some(text) = text_for(&answer.raises, &name) {
            raise.description = text;
        }
    }
    for attribute in &mut doc.attributes {
        if let Some(text) = text_for(&answer.attributes, &attribute.name) {
            attribute.description = text;
        }
    }
    if let (Some(first), false) = (doc.returns.first_mut(), answer.returns.trim().is_empty()) {
        first.description = answer.returns.trim().to_string();
    }
    if let (Some(first), false) = (doc.yields.first_mut(), answer.yields.trim().is_empty()) {
        first.description = answer.yields.trim().to_string();
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docstring::offline::generate;
    use crate::python::parse_module;

    fn skeleton(source: &str) -> Docstring {
        let module = parse_module(source).unwrap();
        generate(&module.definitions[0])
    }

    fn entry(name: &str, description: &str) -> EntryText {
        EntryText { name: name.into(), description: description.into() }
    }

    #[test]
    fn the_schema_is_strict_everywhere() {
        fn closed(value: &Value) {
            if value.get("type") == Some(&json!("object")) {
                assert_eq!(value["additionalProperties"], false, "{value}");
                let properties: Vec<&String> = value["properties"].as_object().unwrap().keys().collect();
                let required: Vec<&str> =
                    value["required"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
                assert_eq!(properties.len(), required.len(), "{value}");
            }
            if let Some(children) = value.as_object() {
                children.values().for_each(closed);
            }
        }
        closed(schema());
        let answer: Answer = serde_json::from_value(json!({
            "summary": "S.", "description": "", "params": [], "returns": "", "yields": "", "raises": [], "attributes": []
        }))
        .unwrap();
        assert_eq!(answer.summary, "S.");
        let extra = json!({"summary": "S.", "description": "", "params": [], "returns": "", "yields": "",
            "raises": [], "attributes": [], "code": "import os"});
        assert!(serde_json::from_value::<Answer>(extra).is_err(), "unknown fields are refused");
    }

    #[test]
    fn answers_are_checked_against_the_code() {
        let skeleton = skeleton("def f(a, *args, b: int = 1):\n    if a:\n        raise ValueError(a)\n    return a\n");
        let good = Answer {
            summary: "Do it.".into(),
            params: vec![entry("a", "A."), entry("*args", "More."), entry("b", "B.")],
            raises: vec![entry("ValueError", "When a is set.")],
            returns: "The a.".into(),
            ..Answer::default()
        };
        assert_eq!(check(&good, &skeleton), Ok(()));
        let bad = Answer {
            summary: " ".into(),
            params: vec![entry("a", "A."), entry("a", "Again."), entry("c", "Invented.")],
            raises: vec![entry("KeyError", "Never raised.")],
            attributes: vec![entry("x", "Not a class.")],
            ..Answer::default()
        };
        assert_eq!(
            check(&bad, &skeleton),
            Err(vec![
                "`KeyError` is not raised in this body".to_string(),
                "`c` is not a parameter of this function".to_string(),
                "`x` is not an attribute of this class".to_string(),
                "parameter `a` is described 2 times".to_string(),
                "parameter `args` is not described".to_string(),
                "parameter `b` is not described".to_string(),
                "the summary is empty".to_string(),
            ])
        );
    }

    #[test]
    fn prose_fills_the_skeleton_and_nothing_else_changes() {
        let skeleton = skeleton("def f(a: str, b: int = 1) -> bool:\n    raise mod.Oops\n");
        let answer = Answer {
            summary: "Check a.".into(),
            description: "Longer.".into(),
            params: vec![entry("a", "The text.")],
            raises: vec![entry("Oops", "Always.")],
            returns: "Whether it holds.".into(),
            ..Answer::default()
        };
        let doc = apply(&answer, &skeleton);
        assert_eq!(doc.summary, "Check a.");
        assert_eq!(doc.params[0].description, "The text.");
        assert_eq!(doc.params[0].type_name.as_deref(), Some("str"), "types come from the code");
        assert_eq!(doc.params[1].description, skeleton.params[1].description, "left out: the placeholder stays");
        assert_eq!(doc.params[1].default.as_deref(), Some("1"));
        assert_eq!(doc.raises[0].exception, "mod.Oops");
        assert_eq!(doc.raises[0].description, "Always.");
        assert_eq!(doc.returns[0].description, "Whether it holds.");
        assert_eq!(doc.returns[0].type_name.as_deref(), Some("bool"));
    }
}
