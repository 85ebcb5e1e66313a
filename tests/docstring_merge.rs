//! Merging existing docstrings with the current code.

mod common;

use common::*;
use docwright::docstring::{PLACEHOLDER, Style, merge, parse};
use docwright::python::ClassFacts;
use pretty_assertions::assert_eq;

const EXISTING: &str = "Fetch it.\n\n    Args:\n        url (str): Where it lives, written\n            over two lines.\n        retries (int): How often. Defaults to 3.\n\n    Returns:\n        bytes: The body.\n\n    Warning:\n        Keep this.\n";

fn names(doc: &docwright::docstring::Docstring) -> Vec<String> {
    doc.params.iter().map(|p| p.name.clone()).collect()
}

#[test]
fn added_removed_reordered_and_retyped_params() {
    let existing = parse(EXISTING, Some(Style::Google));
    let def = function(
        "fetch",
        vec![param("timeout", Some("float"), None), param("url", Some("str | bytes"), None)],
        Some("bytes"),
    );
    let merged = merge(&existing, &def);
    assert_eq!(names(&merged), vec!["timeout", "url"]);
    assert!(merged.params[0].description.starts_with(PLACEHOLDER));
    assert_eq!(merged.params[1].description, "Where it lives, written\nover two lines.");
    assert_eq!(merged.params[1].type_name.as_deref(), Some("str | bytes"));
    assert_eq!(merged.returns[0].description, "The body.");
    assert_eq!(merged.other_sections, existing.other_sections);
}

#[test]
fn a_rename_keeps_the_description() {
    let existing = parse(EXISTING, Some(Style::Google));
    let def = function(
        "fetch",
        vec![param("address", Some("str"), None), param("retries", Some("int"), Some("5"))],
        Some("bytes"),
    );
    let merged = merge(&existing, &def);
    assert_eq!(names(&merged), vec!["address", "retries"]);
    assert_eq!(merged.params[0].description, "Where it lives, written\nover two lines.");
    assert_eq!(merged.params[1].description, "How often.");
    assert_eq!(merged.params[1].default.as_deref(), Some("5"));
}

#[test]
fn returns_follow_the_code() {
    let existing = parse(EXISTING, Some(Style::Google));
    let none = function("fetch", vec![param("url", Some("str"), None)], Some("None"));
    assert!(merge(&existing, &none).returns.is_empty());
    // An abstract stub keeps (and wants) its Returns section.
    let stub = with_facts(
        function("fetch", vec![param("url", Some("str"), None)], None),
        &["NotImplementedError"],
        false,
        false,
    );
    let merged = merge(&existing, &stub);
    assert_eq!(merged.returns, existing.returns);
    assert_eq!(merged.raises[0].exception, "NotImplementedError");
    // A generator loses Returns and gains Yields typed from the annotation.
    let generator = with_facts(function("fetch", vec![], Some("Iterator[bytes]")), &[], false, true);
    let merged = merge(&existing, &generator);
    assert!(merged.returns.is_empty());
    assert_eq!(merged.yields[0].type_name.as_deref(), Some("bytes"));
}

#[test]
fn raises_are_added_and_kept() {
    let existing = parse("Do it.\n\nRaises:\n    KeyError: From the callee.\n", Some(Style::Google));
    let def = with_facts(function("go", vec![], None), &["ValueError", "KeyError"], false, false);
    let merged = merge(&existing, &def);
    let raised: Vec<&str> = merged.raises.iter().map(|r| r.exception.as_str()).collect();
    assert_eq!(raised, vec!["KeyError", "ValueError"]);
    assert_eq!(merged.raises[0].description, "From the callee.");
}

#[test]
fn class_params_come_from_init_and_attributes_are_added() {
    let existing = parse(
        "A cache.\n\nArgs:\n    size (int): Max entries.\n\nAttributes:\n    size: Kept by hand.\n",
        Some(Style::Google),
    );
    let def = class(
        "Cache",
        ClassFacts {
            attributes: vec![attribute("hits", Some("int"))],
            init_params: Some(vec![self_param(), param("size", Some("int"), None), param("ttl", None, None)]),
            instance_attributes: vec![attribute("size", None), attribute("ttl", None), attribute("_lock", None)],
            ..ClassFacts::default()
        },
    );
    let merged = merge(&existing, &def);
    assert_eq!(names(&merged), vec!["size", "ttl"]);
    let attrs: Vec<&str> = merged.attributes.iter().map(|a| a.name.as_str()).collect();
    // The author documents instance attributes, so new public ones join.
    assert_eq!(attrs, vec!["size", "hits", "ttl"]);
    assert_eq!(merged.attributes[0].description, "Kept by hand.");
}

#[test]
fn round_trip_of_merge_keeps_human_text_byte_for_byte() {
    let def = function(
        "fetch",
        vec![param("url", Some("str"), None), param("retries", Some("int"), Some("3"))],
        Some("bytes"),
    );
    let existing = parse(EXISTING, Some(Style::Google));
    let rendered = docwright::docstring::render_value(&merge(&existing, &def), &Default::default());
    assert_eq!(rendered, EXISTING.trim_end_matches('\n').to_string() + "\n    ");
}
