//! Hand-built source models for tests: a small builder for `Definition`
//! (no Python parser involved).

#![allow(dead_code)]

use docwright::python::{
    Attribute, BodyFacts, BodyLayout, ClassFacts, Decorator, DecoratorKind, Definition,
    DefinitionKind, Param, ParamKind,
};

pub fn param(name: &str, annotation: Option<&str>, default: Option<&str>) -> Param {
    Param {
        name: name.to_string(),
        kind: ParamKind::Regular,
        annotation: annotation.map(str::to_string),
        default: default.map(str::to_string),
        implicit: false,
    }
}

pub fn kind_param(
    name: &str,
    kind: ParamKind,
    annotation: Option<&str>,
    default: Option<&str>,
) -> Param {
    Param {
        kind,
        ..param(name, annotation, default)
    }
}

pub fn self_param() -> Param {
    Param {
        implicit: true,
        ..param("self", None, None)
    }
}

pub fn attribute(name: &str, annotation: Option<&str>) -> Attribute {
    Attribute {
        name: name.to_string(),
        annotation: annotation.map(str::to_string),
        default: None,
        line: 1,
    }
}

/// A function `name(params) -> returns` with empty body facts.
pub fn function(name: &str, params: Vec<Param>, returns: Option<&str>) -> Definition {
    Definition {
        kind: DefinitionKind::Function,
        name: name.to_string(),
        qualname: name.to_string(),
        parent: None,
        range: 0..0,
        keyword_start: 0,
        line: 1,
        end_line: 1,
        start_line: 1,
        is_async: false,
        decorators: Vec::new(),
        params,
        returns: returns.map(str::to_string),
        facts: BodyFacts::default(),
        class: None,
        docstring: None,
        body: BodyLayout {
            colon_end: 0,
            block: 0..0,
            inline: false,
        },
    }
}

pub fn method(name: &str, mut params: Vec<Param>, returns: Option<&str>) -> Definition {
    params.insert(0, self_param());
    Definition {
        kind: DefinitionKind::Method,
        ..function(name, params, returns)
    }
}

pub fn class(name: &str, facts: ClassFacts) -> Definition {
    Definition {
        kind: DefinitionKind::Class,
        class: Some(facts),
        ..function(name, Vec::new(), None)
    }
}

pub fn with_facts(
    mut def: Definition,
    raises: &[&str],
    returns_value: bool,
    yields: bool,
) -> Definition {
    def.facts = BodyFacts {
        raises: raises.iter().map(|s| s.to_string()).collect(),
        returns_value,
        yields,
    };
    def
}

pub fn decorated(mut def: Definition, text: &str, kind: DecoratorKind) -> Definition {
    def.decorators.push(Decorator {
        text: text.to_string(),
        kind,
    });
    def
}
