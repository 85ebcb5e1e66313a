//! Strict structured-output schema checks (the Azure/OpenAI subset) and the synthetic answer filler.

use serde_json::{Map, Value, json};

const MAX_DEPTH: usize = 5;
const MAX_PROPERTIES: usize = 100;

const UNSUPPORTED: &[&str] = &[
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "multipleOf",
    "patternProperties",
    "unevaluatedProperties",
    "propertyNames",
    "minProperties",
    "maxProperties",
    "unevaluatedItems",
    "contains",
    "minContains",
    "maxContains",
    "minItems",
    "maxItems",
    "uniqueItems",
];

const TYPES: &[&str] = &["string", "number", "boolean", "integer", "object", "array", "null"];

/// `^[a-zA-Z0-9_-]{1,64}$`, the rule for schema and function names.
pub(crate) fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Checks a strict schema; the error is the text that follows "Invalid schema for ...: ".
pub(crate) fn check_strict(schema: &Value) -> Result<(), String> {
    let Some(obj) = schema.as_object() else {
        return Err("schema must be a JSON Schema of 'type: \"object\"', got 'type: \"None\"'.".into());
    };
    if obj.contains_key("anyOf") {
        return Err("In context=(), root schema must not use 'anyOf'; it must be of 'type: \"object\"'.".into());
    }
    match obj.get("type") {
        Some(Value::String(t)) if t == "object" => {}
        other => {
            let got = other.map(|t| t.to_string().trim_matches('"').to_string()).unwrap_or_else(|| "None".into());
            return Err(format!("schema must be a JSON Schema of 'type: \"object\"', got 'type: \"{got}\"'."));
        }
    }
    let mut total = 0;
    walk(schema, &mut Vec::new(), 0, &mut total)
}

fn context(path: &[String]) -> String {
    match path {
        [] => "()".into(),
        [one] => format!("('{one}',)"),
        _ => format!("({})", path.iter().map(|p| format!("'{p}'")).collect::<Vec<_>>().join(", ")),
    }
}

fn walk(schema: &Value, path: &mut Vec<String>, depth: usize, total: &mut usize) -> Result<(), String> {
    let Some(obj) = schema.as_object() else {
        return Err(format!("In context={}, schema must be a JSON object.", context(path)));
    };
    if obj.contains_key("$ref") {
        return Ok(());
    }
    if let Some(kw) = UNSUPPORTED.iter().find(|k| obj.contains_key(**k)) {
        return Err(format!("In context={}, '{kw}' is not permitted.", context(path)));
    }
    let types: Vec<&str> = match obj.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        Some(_) => return Err(format!("In context={}, 'type' must be a string or an array.", context(path))),
        None => Vec::new(),
    };
    if let Some(bad) = types.iter().find(|t| !TYPES.contains(t)) {
        return Err(format!("In context={}, '{bad}' is not a valid type.", context(path)));
    }
    for defs_key in ["$defs", "definitions"] {
        if let Some(defs) = obj.get(defs_key).and_then(Value::as_object) {
            for (name, def) in defs {
                path.extend([defs_key.to_string(), name.clone()]);
                walk(def, path, depth, total)?;
                path.truncate(path.len() - 2);
            }
        }
    }
    if let Some(branches) = obj.get("anyOf") {
        let Some(branches) = branches.as_array() else {
            return Err(format!("In context={}, 'anyOf' must be an array.", context(path)));
        };
        for (i, b) in branches.iter().enumerate() {
            path.extend(["anyOf".to_string(), i.to_string()]);
            walk(b, path, depth, total)?;
            path.truncate(path.len() - 2);
        }
    }
    if types.contains(&"object") || obj.contains_key("properties") {
        let depth = depth + 1;
        if depth > MAX_DEPTH {
            return Err(format!(
                "In context={}, schema nesting exceeds the maximum depth of {MAX_DEPTH} levels.",
                context(path)
            ));
        }
        if obj.get("additionalProperties") != Some(&Value::Bool(false)) {
            return Err(format!(
                "In context={}, 'additionalProperties' is required to be supplied and to be false.",
                context(path)
            ));
        }
        let empty = Map::new();
        let props = match obj.get("properties") {
            Some(Value::Object(p)) => p,
            Some(_) => return Err(format!("In context={}, 'properties' must be an object.", context(path))),
            None => &empty,
        };
        let required: Vec<&str> = obj
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(missing) = props.keys().find(|k| !required.contains(&k.as_str())) {
            return Err(format!(
                "In context={}, 'required' is required to be supplied and to be an array including every key in properties. Missing '{missing}'.",
                context(path)
            ));
        }
        *total += props.len();
        if *total > MAX_PROPERTIES {
            return Err(format!("Object schema has too many properties: more than the maximum of {MAX_PROPERTIES}."));
        }
        for (name, prop) in props {
            path.extend(["properties".to_string(), name.clone()]);
            walk(prop, path, depth, total)?;
            path.truncate(path.len() - 2);
        }
    }
    if types.contains(&"array") {
        match obj.get("items") {
            Some(items) => {
                path.push("items".into());
                walk(items, path, depth, total)?;
                path.pop();
            }
            None => return Err(format!("In context={}, array schema missing items.", context(path))),
        }
    }
    Ok(())
}

/// Fills a schema with a synthetic, deterministic value.
pub(crate) struct Filler<'a> {
    root: &'a Value,
    entries: Option<&'a Map<String, Value>>,
}

impl<'a> Filler<'a> {
    pub(crate) fn new(root: &'a Value, entries: Option<&'a Map<String, Value>>) -> Self {
        Filler { root, entries }
    }

    /// Resolves `#`, `#/$defs/X` and `#/definitions/X` references.
    fn resolve(&self, schema: &'a Value) -> &'a Value {
        let mut s = schema;
        for _ in 0..8 {
            let Some(r) = s.get("$ref").and_then(Value::as_str) else { return s };
            let target = if r == "#" {
                Some(self.root)
            } else if let Some(name) = r.strip_prefix("#/$defs/") {
                self.root.get("$defs").and_then(|d| d.get(name))
            } else if let Some(name) = r.strip_prefix("#/definitions/") {
                self.root.get("definitions").and_then(|d| d.get(name))
            } else {
                None
            };
            match target {
                Some(t) => s = t,
                None => return &Value::Null,
            }
        }
        s
    }

    pub(crate) fn fill_root(&self) -> Value {
        let root = self.resolve(self.root);
        let Some(props) = root.get("properties").and_then(Value::as_object) else {
            return self.fill(root, "thing", 0, None);
        };
        let mut out = Map::new();
        for (key, prop) in props {
            let listed = self.entries.and_then(|e| e.get(key)).and_then(Value::as_array);
            let value = match (listed, self.entry_item_schema(prop)) {
                (Some(names), Some(item)) => Value::Array(
                    names.iter().filter_map(Value::as_str).map(|n| self.fill(item, key, 1, Some(n))).collect(),
                ),
                _ => self.fill(prop, key, 1, None),
            };
            out.insert(key.clone(), value);
        }
        Value::Object(out)
    }

    /// The item schema of an array of objects that have a `name` property.
    fn entry_item_schema(&self, prop: &'a Value) -> Option<&'a Value> {
        let prop = self.resolve(prop);
        let mut candidates = vec![prop];
        if let Some(branches) = prop.get("anyOf").and_then(Value::as_array) {
            candidates.extend(branches.iter().map(|b| self.resolve(b)));
        }
        candidates.into_iter().find_map(|c| {
            let item = self.resolve(c.get("items")?);
            item.get("properties")?.get("name").map(|_| item)
        })
    }

    fn fill(&self, schema: &'a Value, name: &str, depth: usize, entry: Option<&str>) -> Value {
        if depth > 16 {
            return Value::Null;
        }
        let schema = self.resolve(schema);
        if let Some(c) = schema.get("const") {
            return c.clone();
        }
        if let Some(first) = schema.get("enum").and_then(Value::as_array).and_then(|e| e.first()) {
            return first.clone();
        }
        if let Some(branches) = schema.get("anyOf").and_then(Value::as_array) {
            if branches.iter().any(|b| self.resolve(b).get("type").and_then(Value::as_str) == Some("null")) {
                return Value::Null;
            }
            return branches.first().map(|b| self.fill(b, name, depth + 1, entry)).unwrap_or(Value::Null);
        }
        let ty = match schema.get("type") {
            Some(Value::String(t)) => t.as_str(),
            Some(Value::Array(ts)) => {
                if ts.iter().any(|t| t == "null") {
                    return Value::Null;
                }
                ts.first().and_then(Value::as_str).unwrap_or("string")
            }
            _ if schema.get("properties").is_some() => "object",
            _ if schema.get("items").is_some() => "array",
            _ => "string",
        };
        match ty {
            "object" => {
                let mut out = Map::new();
                if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                    for (key, prop) in props {
                        let v = match entry {
                            Some(n) if key == "name" => Value::String(n.to_string()),
                            _ => self.fill(prop, key, depth + 1, entry),
                        };
                        out.insert(key.clone(), v);
                    }
                }
                Value::Object(out)
            }
            "array" => json!([]),
            "integer" | "number" => json!(0),
            "boolean" => json!(false),
            "null" => Value::Null,
            _ => Value::String(sentence(name, entry)),
        }
    }
}

/// A short sentence ending with a period.
fn sentence(name: &str, entry: Option<&str>) -> String {
    match entry {
        Some(n) => format!("Describe {n}."),
        None => {
            let words = name.replace(['_', '-'], " ");
            let words = words.trim();
            format!("Describe the {}.", if words.is_empty() { "thing" } else { words })
        }
    }
}

/// The object of an `Entries: {...}` line in a text.
pub(crate) fn entries(text: &str) -> Option<Map<String, Value>> {
    text.lines().find_map(|line| {
        let rest = line.trim_start().strip_prefix("Entries: ")?;
        match serde_json::from_str::<Value>(rest.trim()) {
            Ok(Value::Object(m)) => Some(m),
            _ => None,
        }
    })
}

/// A JSON schema written into a prompt (json_object mode has none on the wire).
pub(crate) fn embedded_schema(text: &str) -> Option<Value> {
    for (tries, (at, _)) in text.match_indices('{').enumerate() {
        if tries >= 200 {
            break;
        }
        let mut stream = serde_json::Deserializer::from_str(&text[at..]).into_iter::<Value>();
        if let Some(Ok(v)) = stream.next()
            && v.get("type").and_then(Value::as_str) == Some("object")
            && v.get("properties").is_some_and(Value::is_object)
        {
            return Some(v);
        }
    }
    None
}

/// The answer when no schema is known: a summary plus one item per listed entry.
pub(crate) fn generic_answer(entries: Option<&Map<String, Value>>) -> Value {
    let mut out = Map::new();
    out.insert("summary".into(), Value::String("Describe the thing.".into()));
    for (key, names) in entries.into_iter().flatten() {
        let items: Vec<Value> = names
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|n| json!({"name": n, "description": format!("Describe {n}.")}))
            .collect();
        out.insert(key.clone(), Value::Array(items));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docstring_schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "summary": {"type": "string"},
                "params": {"type": "array", "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "type": {"type": ["string", "null"]}, "description": {"type": "string"}},
                    "required": ["name", "type", "description"],
                    "additionalProperties": false
                }},
                "returns": {"type": ["string", "null"]},
                "raises": {"type": "array", "items": {"type": "string"}}
            },
            "required": ["summary", "params", "returns", "raises"],
            "additionalProperties": false
        })
    }

    #[test]
    fn docstring_schema_is_strict_valid() {
        assert_eq!(check_strict(&docstring_schema()), Ok(()));
    }

    #[test]
    fn strict_errors_name_the_context() {
        let mut s = docstring_schema();
        s["properties"]["params"]["items"].as_object_mut().unwrap().remove("additionalProperties");
        let e = check_strict(&s).unwrap_err();
        assert!(e.starts_with("In context=('properties', 'params', 'items'), 'additionalProperties'"), "{e}");
        let mut s = docstring_schema();
        s["required"] = json!(["summary"]);
        assert!(check_strict(&s).unwrap_err().contains("Missing 'params'"));
        let mut s = docstring_schema();
        s["properties"]["summary"]["maxLength"] = json!(10);
        assert_eq!(
            check_strict(&s).unwrap_err(),
            "In context=('properties', 'summary'), 'maxLength' is not permitted."
        );
        assert!(check_strict(&json!({"anyOf": []})).is_err());
        assert!(check_strict(&json!({"type": "array", "items": {"type": "string"}})).is_err());
    }

    #[test]
    fn nesting_and_property_limits() {
        let mut s = json!({"type": "object", "properties": {}, "required": [], "additionalProperties": false});
        for _ in 0..5 {
            s = json!({"type": "object", "properties": {"x": s}, "required": ["x"], "additionalProperties": false});
        }
        assert!(check_strict(&s).unwrap_err().contains("nesting"));
        let props: Map<String, Value> = (0..101).map(|i| (format!("p{i}"), json!({"type": "string"}))).collect();
        let keys: Vec<&String> = props.keys().collect();
        let s = json!({"type": "object", "properties": props, "required": keys, "additionalProperties": false});
        assert!(check_strict(&s).unwrap_err().contains("too many properties"));
    }

    #[test]
    fn filler_uses_entries() {
        let e = entries("Write it.\nEntries: {\"params\":[\"a\",\"b\"],\"raises\":[\"ValueError\"]}\n").unwrap();
        let schema = docstring_schema();
        let v = Filler::new(&schema, Some(&e)).fill_root();
        assert_eq!(
            v,
            json!({
                "summary": "Describe the summary.",
                "params": [
                    {"name": "a", "type": null, "description": "Describe a."},
                    {"name": "b", "type": null, "description": "Describe b."}
                ],
                "returns": null,
                "raises": []
            })
        );
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["summary", "params", "returns", "raises"]);
    }

    #[test]
    fn embedded_schema_is_found() {
        let text = format!("Answer with JSON matching {} please.", docstring_schema());
        assert_eq!(embedded_schema(&text), Some(docstring_schema()));
        assert_eq!(embedded_schema("def f(): return {1: 2}"), None);
    }
}
