//! Builds the source model from a tree: one walk over the statements, with
//! queries for the searches that go into expressions.

use std::sync::LazyLock;

use tree_sitter::{Node, Query, QueryCursor, StreamingIterator, Tree};

use super::decorators::decorator_kind;
use super::grammar::{GRAMMAR, Grammar, Role};
use super::literal::docstring_of_block;
use super::model::{
    Attribute, BodyFacts, BodyLayout, ClassFacts, Decorator, DecoratorKind, Definition, DefinitionKind, Module, Param,
    ParamKind, Variable,
};

static YIELDS: LazyLock<Yields> = LazyLock::new(Yields::new);

// The queries ship inside the binary and the tests run them; one that does not
// compile is a build defect, not a user error, hence `expect`.
fn compile(source: &str, file: &str) -> Query {
    Query::new(&tree_sitter_python::LANGUAGE.into(), source).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn capture(query: &Query, name: &str) -> u32 {
    query.capture_index_for_name(name).unwrap_or_else(|| panic!("no @{name} capture"))
}

struct Yields {
    query: Query,
    yield_: u32,
    lambda: u32,
}

impl Yields {
    fn new() -> Self {
        let query = compile(include_str!("../../queries/python/yields.scm"), "yields.scm");
        Yields { yield_: capture(&query, "yield"), lambda: capture(&query, "lambda"), query }
    }

    /// Whether `node` holds a `yield` outside any lambda.
    fn any_in(&self, node: Node<'_>, source: &str) -> bool {
        let mut cursor = QueryCursor::new();
        let mut captures = cursor.captures(&self.query, node, source.as_bytes());
        let mut lambda_end = 0;
        while let Some((found, index)) = captures.next() {
            let capture = found.captures()[*index];
            if capture.index == self.lambda {
                lambda_end = lambda_end.max(capture.node.end_byte());
            } else if capture.index == self.yield_ && capture.node.start_byte() >= lambda_end {
                return true;
            }
        }
        false
    }
}

/// The source model of a parsed module.
pub fn extract(tree: &Tree, source: &str) -> Module {
    let root = tree.root_node();
    let mut module = Module {
        docstring: docstring_of_block(root, source),
        definitions: Vec::new(),
        variables: module_variables(root, source),
        has_syntax_errors: root.has_error(),
        line_count: line_count(source),
    };
    let mut walker = Walker { source, definitions: Vec::new(), caught: Vec::new(), grammar: &GRAMMAR };
    walker.statements(root, None);
    module.definitions = walker.definitions;
    module
}

/// Visits statements only: expressions are searched (with a query) just when
/// their text can hold a `yield`, which keeps the walk to a fraction of the tree.
struct Walker<'s> {
    source: &'s str,
    definitions: Vec<Definition>,
    /// The `except ... as name` clauses around the current statement, within
    /// the current function: the name and the caught types.
    caught: Vec<(String, Vec<String>)>,
    grammar: &'static Grammar,
}

impl Walker<'_> {
    /// The statements that are children of `node` (a module, block, clause,
    /// compound statement or error node), inside `scope`.
    fn statements(&mut self, node: Node<'_>, scope: Option<usize>) {
        let mut cursor = node.walk();
        if !cursor.goto_first_child() {
            return;
        }
        loop {
            let child = cursor.node();
            if child.is_named() {
                self.statement(child, scope);
            }
            if !cursor.goto_next_sibling() {
                break;
            }
        }
    }

    fn statement(&mut self, node: Node<'_>, scope: Option<usize>) {
        match self.grammar.role(node) {
            Role::Definition => self.definition(node, None, scope),
            Role::Decorated => match node.child_by_field_id(self.grammar.definition) {
                Some(definition) => self.definition(definition, Some(node), scope),
                None => self.statements(node, scope),
            },
            Role::Skip => {}
            Role::Raise => {
                let raised = raised_names(node, self.source, &self.caught);
                if let Some(function) = self.function(scope) {
                    for name in raised {
                        if !function.facts.raises.contains(&name) {
                            function.facts.raises.push(name);
                        }
                    }
                }
                self.expression(node, scope);
            }
            Role::Return => {
                let value = returns_value(node, self.source);
                if let Some(function) = self.function(scope) {
                    function.facts.returns_value |= value;
                }
                self.expression(node, scope);
            }
            Role::ExpressionStatement => {
                self.instance_attributes(node, scope);
                self.expression(node, scope);
            }
            Role::Except => {
                let caught = caught_names(node, self.source);
                let pushed = caught.is_some();
                self.caught.extend(caught);
                self.statements(node, scope);
                if pushed {
                    self.caught.pop();
                }
            }
            Role::Container => self.statements(node, scope),
            Role::Other => self.expression(node, scope),
        }
    }

    /// `self.x = ...` directly in a class's `__init__` (also in its nested
    /// blocks, not in functions nested in it): recorded on the class.
    fn instance_attributes(&mut self, statement: Node<'_>, scope: Option<usize>) {
        let Some(init) = scope.and_then(|at| self.definitions.get(at)) else { return };
        if !init.is_init() {
            return;
        }
        let Some(receiver) = init.params.first().filter(|p| p.implicit).map(|p| p.name.clone()) else { return };
        let Some(class) = init.parent else { return };
        let g = self.grammar;
        let source = self.source;
        let mut found: Vec<Attribute> = Vec::new();
        let mut current = statement.named_child(0);
        let value = current.filter(|n| n.kind_id() == g.assignment).and_then(assigned_value);
        let value = value.and_then(|v| text(v, source)).map(str::to_string);
        while let Some(assignment) = current.filter(|n| n.kind_id() == g.assignment) {
            let annotation = assignment.child_by_field_id(g.type_).and_then(|t| text(t, source)).map(str::to_string);
            let targets: Vec<Node<'_>> = match assignment.child_by_field_id(g.left) {
                Some(left) if left.kind_id() == g.pattern_list => {
                    let mut cursor = left.walk();
                    left.named_children(&mut cursor).collect()
                }
                Some(left) => vec![left],
                None => Vec::new(),
            };
            for target in targets.into_iter().filter(|t| t.kind_id() == g.attribute) {
                let object = target.child_by_field_id(g.object).filter(|o| o.kind_id() == g.identifier);
                let name = target.child_by_field_id(g.attribute_field).and_then(|n| text(n, source));
                if object.and_then(|o| text(o, source)) == Some(receiver.as_str())
                    && let Some(name) = name
                {
                    found.push(Attribute {
                        name: name.to_string(),
                        annotation: annotation.clone(),
                        default: value.clone(),
                        line: at_line(assignment),
                    });
                }
            }
            current = assignment.child_by_field_id(g.right);
        }
        if let Some(facts) = self.definitions.get_mut(class).and_then(|c| c.class.as_mut()) {
            for attribute in found {
                if !facts.instance_attributes.iter().any(|a| a.name == attribute.name) {
                    facts.instance_attributes.push(attribute);
                }
            }
        }
    }

    /// An expression or simple statement: only a `yield` matters here.
    fn expression(&mut self, node: Node<'_>, scope: Option<usize>) {
        let Some(text) = self.source.get(node.byte_range()) else { return };
        if !text.contains("yield") {
            return;
        }
        let source = self.source;
        if let Some(function) = self.function(scope)
            && !function.facts.yields
            && YIELDS.any_in(node, source)
        {
            function.facts.yields = true;
        }
    }

    /// The definition `scope` when it is a function (body facts belong to it).
    fn function(&mut self, scope: Option<usize>) -> Option<&mut Definition> {
        scope.and_then(|at| self.definitions.get_mut(at)).filter(|d| d.kind.is_function())
    }

    fn definition(&mut self, node: Node<'_>, decorated: Option<Node<'_>>, scope: Option<usize>) {
        let Some(definition) = definition(node, decorated, scope, &self.definitions, self.source) else {
            // Too broken to describe; what it contains may still be intact.
            self.statements(node, scope);
            return;
        };
        let at = self.definitions.len();
        self.register_init(&definition);
        self.definitions.push(definition);
        if let Some(body) = node.child_by_field_id(self.grammar.body) {
            // An `except ... as e` outside does not reach into a new scope.
            let outer = std::mem::take(&mut self.caught);
            self.statements(body, Some(at));
            self.caught = outer;
        }
        self.lift_init_raises(at);
    }

    /// What `__init__` raises, constructing the class raises: its docstring is
    /// where those exceptions are documented (the class docstring documents the
    /// constructor).
    fn lift_init_raises(&mut self, at: usize) {
        let Some(init) = self.definitions.get(at) else { return };
        if !init.is_init() || init.has_decorator(DecoratorKind::Overload) {
            return;
        }
        let raises = init.facts.raises.clone();
        if let Some(class) = init.parent.and_then(|p| self.definitions.get_mut(p)) {
            class.facts.raises = raises;
        }
    }

    /// When `init` is a class's `__init__`, records its parameters on the class
    /// (and starts its instance attributes afresh: the last `__init__` wins).
    fn register_init(&mut self, init: &Definition) {
        if !init.is_init() || init.has_decorator(DecoratorKind::Overload) {
            return;
        }
        let class = init.parent.and_then(|p| self.definitions.get_mut(p)).and_then(|c| c.class.as_mut());
        if let Some(class) = class {
            class.init_params = Some(init.documented_params().cloned().collect());
            class.instance_attributes.clear();
        }
    }
}

/// Builds one definition, or `None` when the node is too broken to describe.
fn definition(
    node: Node<'_>,
    decorated: Option<Node<'_>>,
    parent: Option<usize>,
    known: &[Definition],
    source: &str,
) -> Option<Definition> {
    let g = &*GRAMMAR;
    let name = text(node.child_by_field_id(g.name)?, source)?.to_string();
    let body = node.child_by_field_id(g.body)?;
    if name.is_empty() || body.is_missing() {
        return None;
    }
    let parent_def = parent.and_then(|p| known.get(p));
    let is_class = node.kind_id() == g.class_definition;
    let kind = match (is_class, parent_def.map(|p| p.kind)) {
        (true, _) => DefinitionKind::Class,
        (false, Some(DefinitionKind::Class)) => DefinitionKind::Method,
        (false, _) => DefinitionKind::Function,
    };
    let qualname = match parent_def {
        Some(p) => format!("{}.{}", p.qualname, name),
        None => name.clone(),
    };
    let decorators = decorated.map(|d| decorators(d, source)).unwrap_or_default();
    let outer = decorated.unwrap_or(node);
    let is_async = node.child(0).is_some_and(|c| c.kind() == "async");
    let receiver_expected =
        kind == DefinitionKind::Method && !decorators.iter().any(|d| d.kind == DecoratorKind::StaticMethod);
    let params = match node.child_by_field_id(g.parameters) {
        Some(p) if !is_class => parameters(p, receiver_expected, source),
        _ => Vec::new(),
    };
    let returns = node.child_by_field_id(g.return_type).and_then(|r| text(r, source)).map(str::to_string);
    let class = is_class.then(|| class_facts(node, body, &decorators, source));
    let (end_byte, end_row) = code_end(node);
    Some(Definition {
        kind,
        name,
        qualname,
        parent,
        range: outer.start_byte()..end_byte,
        keyword_start: node.start_byte(),
        line: node.start_position().row + 1,
        end_line: end_row + 1,
        start_line: outer.start_position().row + 1,
        is_async,
        decorators,
        params,
        returns,
        facts: BodyFacts::default(),
        class,
        docstring: docstring_of_block(body, source),
        body: body_layout(node, body),
    })
}

/// Where the code of a node ends: tree-sitter puts comments that follow the
/// last statement inside the block, Python does not count them.
fn code_end(node: Node<'_>) -> (usize, usize) {
    let comment = GRAMMAR.comment;
    let mut cursor = node.walk();
    // From the end backwards: the last child that is code, then its last, ...
    while cursor.goto_last_child() {
        loop {
            let child = cursor.node();
            if child.kind_id() != comment && !child.is_missing() {
                break;
            }
            if !cursor.goto_previous_sibling() {
                // Only comments here: the parent ends the code.
                cursor.goto_parent();
                let parent = cursor.node();
                return (parent.end_byte(), parent.end_position().row);
            }
        }
    }
    let last = cursor.node();
    (last.end_byte(), last.end_position().row)
}

fn body_layout(node: Node<'_>, body: Node<'_>) -> BodyLayout {
    // The `:` that ends the header is the last one before the body.
    let mut cursor = node.walk();
    let colon = node.children(&mut cursor).take_while(|c| c.id() != body.id()).filter(|c| c.kind() == ":").last();
    let (colon_end, colon_row) = match colon {
        Some(c) => (c.end_byte(), c.end_position().row),
        None => (body.start_byte(), body.start_position().row),
    };
    BodyLayout { colon_end, block: body.byte_range(), inline: body.start_position().row == colon_row }
}

fn decorators(decorated: Node<'_>, source: &str) -> Vec<Decorator> {
    let mut cursor = decorated.walk();
    decorated
        .named_children(&mut cursor)
        .filter(|n| n.kind() == "decorator")
        .filter_map(|d| {
            let expression = d.named_children(&mut d.walk()).find(|n| n.kind() != "comment")?;
            let text = text(expression, source)?.to_string();
            let kind = decorator_kind(&text);
            Some(Decorator { text, kind })
        })
        .collect()
}

fn parameters(list: Node<'_>, receiver_expected: bool, source: &str) -> Vec<Param> {
    let mut params: Vec<Param> = Vec::new();
    let mut keyword_only = false;
    let mut cursor = list.walk();
    for child in list.named_children(&mut cursor) {
        let (name_node, annotation, default, star) = match child.kind() {
            "identifier" => (Some(child), None, None, None),
            "typed_parameter" => {
                let inner =
                    child.named_children(&mut child.walk()).find(|n| n.kind() != "type" && n.kind() != "comment");
                let star = inner.and_then(|n| star_kind(n.kind()));
                let name = if star.is_some() { inner.and_then(|n| n.named_child(0)) } else { inner };
                (name, child.child_by_field_name("type"), None, star)
            }
            "default_parameter" => (child.child_by_field_name("name"), None, child.child_by_field_name("value"), None),
            "typed_default_parameter" => (
                child.child_by_field_name("name"),
                child.child_by_field_name("type"),
                child.child_by_field_name("value"),
                None,
            ),
            "list_splat_pattern" | "dictionary_splat_pattern" => {
                (child.named_child(0), None, None, star_kind(child.kind()))
            }
            "keyword_separator" => {
                keyword_only = true;
                continue;
            }
            "positional_separator" => {
                for param in params.iter_mut().filter(|p| p.kind == ParamKind::Regular) {
                    param.kind = ParamKind::PositionalOnly;
                }
                continue;
            }
            _ => continue,
        };
        let Some(name) = name_node.filter(|n| n.kind() == "identifier").and_then(|n| text(n, source)) else {
            continue;
        };
        let kind = match star {
            Some(kind) => {
                if kind == ParamKind::VarPositional {
                    keyword_only = true;
                }
                kind
            }
            None if keyword_only => ParamKind::KeywordOnly,
            None => ParamKind::Regular,
        };
        let implicit = receiver_expected && params.is_empty() && matches!(kind, ParamKind::Regular);
        params.push(Param {
            name: name.to_string(),
            kind,
            annotation: annotation.and_then(|a| text(a, source)).map(str::to_string),
            default: default.and_then(|d| text(d, source)).map(str::to_string),
            implicit,
        });
    }
    params
}

fn star_kind(kind: &str) -> Option<ParamKind> {
    match kind {
        "list_splat_pattern" => Some(ParamKind::VarPositional),
        "dictionary_splat_pattern" => Some(ParamKind::VarKeyword),
        _ => None,
    }
}

/// Bases, annotated attributes and field-ness; `__init__` facts are filled in
/// when the method is met.
fn class_facts(node: Node<'_>, body: Node<'_>, decorators: &[Decorator], source: &str) -> ClassFacts {
    let bases: Vec<String> = node
        .child_by_field_id(GRAMMAR.superclasses)
        .map(|list| {
            let mut cursor = list.walk();
            list.named_children(&mut cursor)
                .filter(|n| !matches!(n.kind(), "keyword_argument" | "comment"))
                .filter_map(|n| text(n, source).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let has_fields = decorators.iter().any(|d| d.kind == DecoratorKind::Dataclass)
        || bases.iter().any(|b| {
            let last = b.rsplit('.').next().unwrap_or(b);
            let last = last.split('[').next().unwrap_or(last);
            matches!(last, "NamedTuple" | "TypedDict" | "BaseModel" | "BaseSettings" | "Struct")
        });
    let mut attributes = Vec::new();
    let mut cursor = body.walk();
    for statement in body.named_children(&mut cursor) {
        for (name, annotation, default) in simple_assignments(statement, source) {
            if annotation.is_some() {
                attributes.push(Attribute { name, annotation, default, line: statement.start_position().row + 1 });
            }
        }
    }
    ClassFacts { bases, attributes, has_fields, init_params: None, instance_attributes: Vec::new() }
}

/// `NAME = value`, `NAME: T = value` or a chain `A = B = value` as a statement:
/// each plain-name target with its annotation and the value finally assigned
/// (tree-sitter nests a chain as `A = (B = value)`; Python binds both names
/// to `value`).
fn simple_assignments(statement: Node<'_>, source: &str) -> Vec<(String, Option<String>, Option<String>)> {
    let Some(first) = Some(statement).filter(|s| s.kind() == "expression_statement").and_then(|s| s.named_child(0))
    else {
        return Vec::new();
    };
    let value = assigned_value(first).and_then(|v| text(v, source)).map(str::to_string);
    let mut found = Vec::new();
    let mut current = Some(first);
    while let Some(assignment) = current.filter(|n| n.kind() == "assignment") {
        let target = assignment.child_by_field_name("left").filter(|n| n.kind() == "identifier");
        if let Some(name) = target.and_then(|t| text(t, source)) {
            let annotation = assignment.child_by_field_name("type").and_then(|t| text(t, source)).map(str::to_string);
            found.push((name.to_string(), annotation, value.clone()));
        }
        current = assignment.child_by_field_name("right");
    }
    found
}

/// The value an assignment finally assigns: `0` in `a = b = 0`.
fn assigned_value(assignment: Node<'_>) -> Option<Node<'_>> {
    let mut value = assignment.child_by_field_name("right")?;
    while value.kind() == "assignment" {
        value = value.child_by_field_name("right")?;
    }
    Some(value)
}

fn module_variables(root: Node<'_>, source: &str) -> Vec<Variable> {
    let mut cursor = root.walk();
    root.named_children(&mut cursor)
        .flat_map(|statement| {
            simple_assignments(statement, source).into_iter().map(move |(name, annotation, value)| Variable {
                name,
                annotation,
                value,
                line: statement.start_position().row + 1,
            })
        })
        .collect()
}

/// Exception names a `raise` statement raises: `raise X`, `raise X(...)`,
/// `raise X from e`; a re-raised `except ... as e` name stands for the caught
/// types. Bare `raise` and computed exceptions name nothing.
fn raised_names(statement: Node<'_>, source: &str, caught: &[(String, Vec<String>)]) -> Vec<String> {
    let cause = statement.child_by_field_name("cause").map(|c| c.id());
    let mut cursor = statement.walk();
    let Some(mut raised) =
        statement.named_children(&mut cursor).find(|n| Some(n.id()) != cause && n.kind() != "comment")
    else {
        return Vec::new();
    };
    if raised.kind() == "call"
        && let Some(function) = raised.child_by_field_name("function")
    {
        raised = function;
    }
    match raised.kind() {
        "identifier" => {
            let Some(name) = text(raised, source) else { return Vec::new() };
            match caught.iter().rev().find(|(alias, _)| alias == name) {
                Some((_, types)) => types.clone(),
                None => vec![name.to_string()],
            }
        }
        "attribute" => text(raised, source).map(|t| vec![t.split_whitespace().collect()]).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The `as` name of an `except` clause and the exception types it catches,
/// when it has a name and names types.
fn caught_names(clause: Node<'_>, source: &str) -> Option<(String, Vec<String>)> {
    let (alias, values) = except_alias_and_types(clause);
    let alias = text(alias?, source)?.to_string();
    let types: Vec<String> = values
        .into_iter()
        .flat_map(|v| match v.kind() {
            "tuple" | "parenthesized_expression" => {
                let mut inner = v.walk();
                v.named_children(&mut inner)
                    .filter(|e| e.kind() != "comment")
                    .filter_map(|e| text(e, source).map(str::to_string))
                    .collect::<Vec<_>>()
            }
            _ => text(v, source).map(str::to_string).into_iter().collect::<Vec<_>>(),
        })
        .collect();
    (!types.is_empty()).then_some((alias, types))
}

/// The `as` name and the caught type expressions of an `except` clause.
/// tree-sitter-python 0.25 parses `except (A, B) as e:` as an `as_pattern`
/// child (types first, the name in its `alias` field) rather than as the
/// clause's own `value` / `alias` fields, so both shapes are read.
fn except_alias_and_types(clause: Node<'_>) -> (Option<Node<'_>>, Vec<Node<'_>>) {
    let mut cursor = clause.walk();
    if let Some(pattern) = clause.named_children(&mut cursor).find(|c| c.kind() == "as_pattern") {
        let alias = pattern.child_by_field_name("alias");
        let mut inner = pattern.walk();
        let types = pattern
            .named_children(&mut inner)
            .filter(|c| Some(c.id()) != alias.map(|a| a.id()) && c.kind() != "comment")
            .take(1)
            .collect();
        return (alias, types);
    }
    let alias = clause.child_by_field_name("alias");
    let mut cursor = clause.walk();
    let types = clause.children_by_field_name("value", &mut cursor).collect();
    (alias, types)
}

/// A `return` with a value other than a plain `None`.
fn returns_value(statement: Node<'_>, source: &str) -> bool {
    let mut cursor = statement.walk();
    let Some(mut value) = statement.named_children(&mut cursor).find(|n| n.kind() != "comment") else {
        return false;
    };
    // `return (None)` returns None too.
    while value.kind() == "parenthesized_expression" {
        let mut inner = value.walk();
        match value.named_children(&mut inner).find(|n| n.kind() != "comment") {
            Some(expression) => value = expression,
            None => break,
        }
    }
    text(value, source) != Some("None")
}

fn at_line(node: Node<'_>) -> usize {
    node.start_position().row + 1
}

fn text<'s>(node: Node<'_>, source: &'s str) -> Option<&'s str> {
    source.get(node.byte_range())
}

fn line_count(source: &str) -> usize {
    let newlines = source.bytes().filter(|&b| b == b'\n').count();
    if source.is_empty() || source.ends_with('\n') { newlines } else { newlines + 1 }
}

/// A definition around a position, as the tree shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enclosing {
    pub kind: DefinitionKind,
    pub qualname: String,
    /// 1-based line of the `def` / `class` keyword.
    pub line: usize,
    pub has_docstring: bool,
}

/// The definitions whose node contains byte `offset`, outermost first. Reads
/// only the nodes on the way down to the offset, so it costs microseconds on
/// any file; a definition's decorators count as part of it.
pub fn enclosing_definitions(tree: &Tree, source: &str, offset: usize) -> Vec<Enclosing> {
    let g = &*GRAMMAR;
    let mut chain: Vec<Enclosing> = Vec::new();
    let mut seen: Option<usize> = None;
    let mut cursor = tree.walk();
    loop {
        let node = cursor.node();
        let definition = match g.role(node) {
            Role::Decorated => node.child_by_field_id(g.definition),
            Role::Definition => Some(node),
            _ => None,
        };
        if let Some(definition) = definition.filter(|d| Some(d.id()) != seen) {
            seen = Some(definition.id());
            let name = definition.child_by_field_id(g.name).and_then(|n| text(n, source));
            if let (Some(name), Some(body)) = (name, definition.child_by_field_id(g.body)) {
                let kind = match (definition.kind_id() == g.class_definition, chain.last().map(|c| c.kind)) {
                    (true, _) => DefinitionKind::Class,
                    (false, Some(DefinitionKind::Class)) => DefinitionKind::Method,
                    (false, _) => DefinitionKind::Function,
                };
                let qualname = match chain.last() {
                    Some(parent) => format!("{}.{name}", parent.qualname),
                    None => name.to_string(),
                };
                chain.push(Enclosing {
                    kind,
                    qualname,
                    line: definition.start_position().row + 1,
                    has_docstring: docstring_of_block(body, source).is_some(),
                });
            }
        }
        if cursor.goto_first_child_for_byte(offset).is_none() {
            return chain;
        }
    }
}
