//! McCabe cyclomatic complexity, measured exactly as mccabe 0.7 (flake8's
//! `C901`) measures it: the same path graph built from the same statements,
//! its complexity edges - nodes + 2.
//!
//! mccabe's choices, kept here because the numbers must be its numbers:
//!
//! - Each function or method outside any other function is a graph, named
//!   `Class.method` after the classes around it. A function inside a function
//!   is not a graph of its own: it adds its branches, plus one, to the
//!   enclosing one.
//! - An `if`, `for`, `while` or `try` outside any function (at module level or
//!   in a class body) is a graph of its own, named `If 12`, `Loop 12` or
//!   `TryExcept 12` after its line; functions defined inside it belong to it.
//! - Branches are `if`/`elif`, loops (their `else` adds nothing) and each
//!   `except` clause plus one for the `try`. Boolean operators,
//!   comprehensions, lambdas, `with`, `match` and `try`/`except*` add nothing;
//!   the statements inside a `finally`, a `match` or a `try`/`except*` are not
//!   looked at, functions defined there included.
//! - Graphs are kept by name: of two functions with the same name in the same
//!   class or module (a property and its setter, a redefinition), only the last
//!   is reported, in the place of the first.

use std::collections::HashMap;

use serde::Serialize;
use tree_sitter::Node;

use crate::python::SourceFile;

/// One graph mccabe reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Graph {
    /// `Class.method` for a function; `If 12`, `Loop 12` or `TryExcept 12` for
    /// a statement outside any function.
    pub name: String,
    /// The line of the `def` (or the statement).
    pub line: usize,
    /// Python's `col_offset`: bytes from the start of the line, from 0.
    pub column: usize,
    pub complexity: i64,
}

/// The graphs of a parsed file, in mccabe's order (the order their names were
/// first met).
pub fn graphs(file: &SourceFile) -> Result<Vec<Graph>, TooDeep> {
    let mut visitor = Visitor { source: file.text(), ..Visitor::default() };
    visitor.statements(Some(file.tree().root_node()));
    if visitor.too_deep {
        return Err(TooDeep);
    }
    Ok(visitor.graphs)
}

/// Blocks nested deeper than Python allows: 99 levels of indentation, and a
/// one-line block in the deepest (the module is level 0). The walk is
/// recursive, as mccabe's is; it stops there instead of running out of stack
/// on a file Python refuses anyway.
const MAX_DEPTH: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("blocks nested more than {MAX_DEPTH} deep, which Python refuses (at most 99 levels of indentation)")]
pub struct TooDeep;

/// A node of a path graph; `NONE` stands for Python's `None`, which mccabe
/// would connect like any node if a path ever started from nowhere.
type PathNode = usize;
const NONE: PathNode = 0;

/// mccabe's `PathGraph`: each node that has been connected, with the number
/// of edges leaving it.
struct PathGraph {
    name: String,
    line: usize,
    column: usize,
    edges_from: Vec<Option<usize>>,
}

impl PathGraph {
    fn new(name: String, at: Node<'_>) -> Self {
        let start = at.start_position();
        PathGraph { name, line: start.row + 1, column: start.column, edges_from: vec![None] }
    }

    fn node(&mut self) -> PathNode {
        self.edges_from.push(None);
        self.edges_from.len() - 1
    }

    /// mccabe's `connect`: an edge `from` → `to`, and `to` counted as a node
    /// with its edges forgotten (mccabe sets them to `[]`).
    fn connect(&mut self, from: Option<PathNode>, to: Option<PathNode>) {
        let (from, to) = (from.unwrap_or(NONE), to.unwrap_or(NONE));
        self.edges_from[from] = Some(self.edges_from[from].unwrap_or(0) + 1);
        self.edges_from[to] = Some(0);
    }

    fn complexity(&self) -> i64 {
        let counted = self.edges_from.iter().flatten();
        let edges: usize = counted.clone().sum();
        edges as i64 - counted.count() as i64 + 2
    }
}

/// What follows the body of an `if`, loop or `try`: nothing, an `else` block,
/// or (for `if`) an `elif` clause and the clauses after it, which Python reads
/// as an `if` in the `else`.
#[derive(Clone, Copy)]
enum OrElse<'t, 'a> {
    Nothing,
    Block(Option<Node<'t>>),
    Elif(Node<'t>, &'a [Node<'t>]),
}

/// mccabe's `PathGraphingAstVisitor`, over tree-sitter's statements.
#[derive(Default)]
struct Visitor<'s> {
    source: &'s str,
    /// `Outer.Inner.` inside class bodies.
    classname: String,
    graph: Option<PathGraph>,
    tail: Option<PathNode>,
    graphs: Vec<Graph>,
    /// Position in `graphs` of each key (`classname` + name).
    keys: HashMap<String, usize>,
    /// Blocks around the statements being walked (the module's are at 0).
    depth: usize,
    too_deep: bool,
}

impl<'t> Visitor<'_> {
    /// The statements of a block or module (comments and line continuations
    /// are not statements).
    fn statements(&mut self, block: Option<Node<'t>>) {
        let Some(block) = block else { return };
        if self.too_deep {
            return;
        }
        let depth = self.depth;
        if block.parent().is_some() {
            self.depth += 1;
        }
        if self.depth > MAX_DEPTH {
            self.too_deep = true;
        } else {
            let mut cursor = block.walk();
            let statements: Vec<Node<'t>> = block.named_children(&mut cursor).filter(|n| !n.is_extra()).collect();
            for statement in statements {
                self.statement(statement);
            }
        }
        self.depth = depth;
    }

    fn statement(&mut self, node: Node<'t>) {
        match node.kind() {
            "decorated_definition" => match node.child_by_field_name("definition") {
                Some(definition) => self.statement(definition),
                None => self.simple(),
            },
            "function_definition" => self.function(node),
            "class_definition" => self.class(node),
            "if_statement" => {
                let mut cursor = node.walk();
                let alternatives: Vec<Node<'t>> = node.children_by_field_name("alternative", &mut cursor).collect();
                self.if_chain(node, node.child_by_field_name("consequence"), &alternatives);
            }
            "for_statement" | "while_statement" => {
                let orelse = OrElse::Block(node.child_by_field_name("alternative").and_then(body));
                self.subgraph(node, format!("Loop {}", line(node)), body(node), &[], orelse);
            }
            // mccabe has no visitor for `try`/`except*` (Python's `TryStar`):
            // a plain statement to it.
            "try_statement" if !is_try_star(node) => {
                let mut cursor = node.walk();
                let children: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
                let handlers: Vec<Option<Node<'t>>> =
                    children.iter().filter(|c| c.kind() == "except_clause").map(|c| child_block(*c)).collect();
                let orelse = OrElse::Block(children.iter().find(|c| c.kind() == "else_clause").and_then(|c| body(*c)));
                self.subgraph(node, format!("TryExcept {}", line(node)), body(node), &handlers, orelse);
            }
            "with_statement" => {
                self.append_path_node();
                self.statements(body(node));
            }
            _ => self.simple(),
        }
    }

    fn function(&mut self, node: Node<'t>) {
        let name = node.child_by_field_name("name").and_then(|n| self.source.get(n.byte_range())).unwrap_or("");
        let entity = format!("{}{name}", self.classname);
        if self.graph.is_some() {
            // A closure: its paths join the enclosing graph.
            let pathnode = self.append_path_node();
            self.tail = pathnode;
            self.statements(body(node));
            if let Some(graph) = self.graph.as_mut() {
                let bottom = Some(graph.node());
                graph.connect(self.tail, bottom);
                graph.connect(pathnode, bottom);
                self.tail = bottom;
            }
        } else {
            let mut graph = PathGraph::new(entity.clone(), node);
            self.tail = Some(graph.node());
            self.graph = Some(graph);
            self.statements(body(node));
            self.finish(entity);
        }
    }

    fn class(&mut self, node: Node<'t>) {
        let name = node.child_by_field_name("name").and_then(|n| self.source.get(n.byte_range())).unwrap_or("");
        let outer = self.classname.clone();
        self.classname = format!("{outer}{name}.");
        self.statements(body(node));
        self.classname = outer;
    }

    /// An `if` (or `elif`) with its consequence and the clauses after it.
    fn if_chain(&mut self, node: Node<'t>, consequence: Option<Node<'t>>, alternatives: &[Node<'t>]) {
        self.subgraph(node, format!("If {}", line(node)), consequence, &[], orelse_of(alternatives));
    }

    fn simple(&mut self) {
        self.append_path_node();
    }

    /// mccabe's `appendPathNode`: a new node after the tail, when there is
    /// a tail (there is none outside a graph).
    fn append_path_node(&mut self) -> Option<PathNode> {
        self.tail?;
        let graph = self.graph.as_mut()?;
        let node = graph.node();
        graph.connect(self.tail, Some(node));
        self.tail = Some(node);
        Some(node)
    }

    /// mccabe's `_subgraph`: a branching statement, a graph of its own when
    /// met outside any graph.
    fn subgraph(
        &mut self,
        node: Node<'t>,
        name: String,
        body: Option<Node<'t>>,
        extra: &[Option<Node<'t>>],
        orelse: OrElse<'t, '_>,
    ) {
        if self.graph.is_none() {
            let mut graph = PathGraph::new(name.clone(), node);
            let pathnode = Some(graph.node());
            self.graph = Some(graph);
            self.subgraph_parse(pathnode, body, extra, orelse);
            self.finish(name);
        } else {
            let pathnode = self.append_path_node();
            self.subgraph_parse(pathnode, body, extra, orelse);
        }
    }

    /// mccabe's `_subgraph_parse`: the body, each extra block and the `else`
    /// (or the branch around the body when there is none) all start at
    /// `pathnode` and meet at a new node. An `elif` is an `if` in the `else`:
    /// mccabe recurses into it; here a chain of them is walked in a loop and
    /// joined on the way back, as a chain can be thousands long.
    fn subgraph_parse(
        &mut self,
        mut pathnode: Option<PathNode>,
        mut body: Option<Node<'t>>,
        mut extra: &[Option<Node<'t>>],
        mut orelse: OrElse<'t, '_>,
    ) {
        // The branches still open around the `elif` being walked.
        let mut open = Vec::new();
        loop {
            let mut loose_ends = Vec::with_capacity(extra.len() + 2);
            self.tail = pathnode;
            self.statements(body);
            loose_ends.push(self.tail);
            for block in extra {
                self.tail = pathnode;
                self.statements(*block);
                loose_ends.push(self.tail);
            }
            match orelse {
                OrElse::Nothing => loose_ends.push(pathnode),
                OrElse::Block(block) => {
                    self.tail = pathnode;
                    self.statements(block);
                    loose_ends.push(self.tail);
                }
                OrElse::Elif(clause, rest) => {
                    // mccabe's `_subgraph` for the `elif`, inside a graph.
                    self.tail = pathnode;
                    open.push((pathnode, loose_ends));
                    pathnode = self.append_path_node();
                    (body, extra, orelse) = (clause.child_by_field_name("consequence"), &[], orelse_of(rest));
                    continue;
                }
            }
            self.join(pathnode, loose_ends);
            break;
        }
        while let Some((pathnode, mut loose_ends)) = open.pop() {
            loose_ends.push(self.tail);
            self.join(pathnode, loose_ends);
        }
    }

    /// The loose ends of a branching statement meet at a new node, the tail.
    fn join(&mut self, pathnode: Option<PathNode>, loose_ends: Vec<Option<PathNode>>) {
        if pathnode.is_some()
            && let Some(graph) = self.graph.as_mut()
        {
            let bottom = Some(graph.node());
            for end in loose_ends {
                graph.connect(end, bottom);
            }
            self.tail = bottom;
        }
    }

    /// Files the graph being built under `classname` + `name` (replacing one
    /// filed under that key before, in its place) and leaves the graph.
    fn finish(&mut self, name: String) {
        let Some(graph) = self.graph.take() else { return };
        self.tail = None;
        let finished =
            Graph { complexity: graph.complexity(), name: graph.name, line: graph.line, column: graph.column };
        let key = format!("{}{name}", self.classname);
        match self.keys.get(&key) {
            Some(&at) => self.graphs[at] = finished,
            None => {
                self.keys.insert(key, self.graphs.len());
                self.graphs.push(finished);
            }
        }
    }
}

/// What follows an `if`'s body, from its `elif` and `else` clauses.
fn orelse_of<'t, 'a>(alternatives: &'a [Node<'t>]) -> OrElse<'t, 'a> {
    match alternatives.split_first() {
        None => OrElse::Nothing,
        Some((first, rest)) if first.kind() == "elif_clause" => OrElse::Elif(*first, rest),
        Some((first, _)) => OrElse::Block(body(*first)),
    }
}

fn line(node: Node<'_>) -> usize {
    node.start_position().row + 1
}

/// The `body` block of a definition, loop, `with` or `else` clause.
fn body(node: Node<'_>) -> Option<Node<'_>> {
    node.child_by_field_name("body")
}

/// The block of an `except` clause, which is not a field.
fn child_block(node: Node<'_>) -> Option<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).find(|c| c.kind() == "block")
}

/// A `try` whose handlers are `except*` clauses.
fn is_try_star(node: Node<'_>) -> bool {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).filter(|c| c.kind() == "except_clause").any(|clause| {
        let mut inner = clause.walk();
        clause.children(&mut inner).any(|c| c.kind() == "*")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each case's expectation is what mccabe 0.7 answers for the same source.
    fn measured(source: &str) -> Vec<(String, usize, usize, i64)> {
        let file = SourceFile::parse(source.to_string()).expect("parses");
        assert!(!file.has_syntax_errors(), "{source}");
        graphs(&file).expect("not too deep").into_iter().map(|g| (g.name, g.line, g.column, g.complexity)).collect()
    }

    fn complexity_of_f(body: &str) -> i64 {
        let graphs = measured(&format!("def f():\n{body}"));
        assert_eq!(graphs.len(), 1, "{graphs:?}");
        graphs[0].3
    }

    /// `def f():` then `levels - 1` nested `if`s, the last with a one-line body.
    fn nested(levels: usize) -> String {
        let mut source = "def f(x):\n".to_string();
        for level in 1..levels {
            source.push_str(&format!("{}if x:\n", "    ".repeat(level)));
        }
        source.push_str(&format!("{}if x: pass\n", "    ".repeat(levels)));
        source
    }

    #[test]
    fn nesting_stops_where_python_stops() {
        // 99 levels of indentation and a one-line block: Python reads it.
        assert_eq!(measured(&nested(99)), vec![("f".to_string(), 1, 0, 100)]);
        let file = SourceFile::parse(nested(150)).expect("parses");
        assert!(!file.has_syntax_errors());
        assert_eq!(graphs(&file), Err(TooDeep));
    }

    #[test]
    fn a_straight_function_is_one() {
        assert_eq!(complexity_of_f("    y = 1\n    return y\n"), 1);
    }

    #[test]
    fn if_and_each_elif_add_one_else_adds_nothing() {
        assert_eq!(complexity_of_f("    if x:\n        pass\n    elif y:\n        pass\n    else:\n        pass\n"), 3);
    }

    #[test]
    fn an_elif_chain_of_any_length_is_walked_without_recursion() {
        let mut body = "    if x == 0:\n        pass\n".to_string();
        for n in 1..5000 {
            body.push_str(&format!("    elif x == {n}:\n        pass\n"));
        }
        assert_eq!(complexity_of_f(&body), 5001);
    }

    #[test]
    fn boolean_operators_comprehensions_and_lambdas_add_nothing() {
        let body = "    if a and b or c:\n        return [i for i in a if i]\n    return lambda: a or b\n";
        assert_eq!(complexity_of_f(body), 2);
    }

    #[test]
    fn loops_add_one_whatever_their_kind_and_else() {
        let body = "    for x in xs:\n        pass\n    else:\n        pass\n    while xs:\n        break\n    async for y in xs:\n        pass\n";
        assert_eq!(complexity_of_f(body), 4);
        assert_eq!(complexity_of_f("    while a:\n        if b:\n            break\n    else:\n        pass\n"), 3);
    }

    #[test]
    fn try_adds_one_and_one_per_except_and_finally_is_not_looked_at() {
        let body = "    try:\n        pass\n    except A:\n        pass\n    except B:\n        pass\n    else:\n        pass\n    finally:\n        def hidden():\n            if x:\n                pass\n";
        assert_eq!(complexity_of_f(body), 4);
        assert_eq!(complexity_of_f("    try:\n        pass\n    finally:\n        pass\n"), 2);
    }

    #[test]
    fn with_match_and_except_star_add_nothing_and_hide_their_insides() {
        assert_eq!(
            complexity_of_f("    with a:\n        with b:\n            pass\n    async with c:\n        pass\n"),
            1
        );
        let matched = "    match x:\n        case 1:\n            if x:\n                pass\n        case _:\n            def hidden(): pass\n";
        assert_eq!(complexity_of_f(matched), 1);
        assert_eq!(complexity_of_f("    try:\n        pass\n    except* A:\n        if x:\n            pass\n"), 1);
    }

    #[test]
    fn a_nested_function_or_class_adds_its_branches_plus_one_to_the_enclosing_function() {
        assert_eq!(complexity_of_f("    def g():\n        if x:\n            pass\n    return g\n"), 3);
        assert_eq!(
            complexity_of_f(
                "    class K:\n        def m(self):\n            if a:\n                pass\n    return K\n"
            ),
            3
        );
    }

    #[test]
    fn statements_outside_functions_are_graphs_named_by_line() {
        let source = "\
if a:
    def f():
        pass
else:
    pass
for x in y:
    pass
try:
    pass
except E:
    pass
with m:
    def g():
        if a:
            pass
class C:
    if b:
        pass
    def m(self):
        pass
    class D:
        async def n(self):
            pass
";
        let expected = [
            ("If 1", 1, 0, 3),
            ("Loop 6", 6, 0, 2),
            ("TryExcept 8", 8, 0, 3),
            ("g", 13, 4, 2),
            ("If 17", 17, 4, 2),
            ("C.m", 19, 4, 1),
            ("C.D.n", 22, 8, 1),
        ];
        let expected: Vec<_> = expected.iter().map(|(n, l, c, x)| (n.to_string(), *l, *c, *x)).collect();
        assert_eq!(measured(source), expected);
    }

    #[test]
    fn a_second_function_of_the_same_name_replaces_the_first_in_its_place() {
        let source = "\
class C:
    @property
    def x(self):
        if a:
            return 1
        return 2
    def other(self):
        pass
    @x.setter
    def x(self, v):
        pass
def f():
    pass
";
        let expected = [("C.x", 10, 4, 1), ("C.other", 7, 4, 1), ("f", 12, 0, 1)];
        let expected: Vec<_> = expected.iter().map(|(n, l, c, x)| (n.to_string(), *l, *c, *x)).collect();
        assert_eq!(measured(source), expected);
    }
}
