//! Node kinds and field ids of the Python grammar, looked up once. The walk
//! over a module asks "what kind is this node" and "which child is its body"
//! hundreds of thousands of times; comparing numbers is far cheaper than
//! tree-sitter's name lookups (`Node::kind` measures a C string each call,
//! `child_by_field_name` searches the field names).

use std::sync::LazyLock;

use tree_sitter::{Language, Node};

/// What the statement walk does with a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Definition,
    Decorated,
    Raise,
    Return,
    ExpressionStatement,
    /// An `except` clause: its `as` name stands for the caught types inside.
    Except,
    /// Holds statements: blocks, clauses, compound statements.
    Container,
    /// Comments and decorators: nothing to look at.
    Skip,
    Other,
}

pub(crate) struct Grammar {
    roles: Vec<Role>,
    pub assignment: u16,
    pub attribute: u16,
    pub identifier: u16,
    pub pattern_list: u16,
    pub class_definition: u16,
    pub comment: u16,
    pub body: u16,
    pub definition: u16,
    pub name: u16,
    pub parameters: u16,
    pub return_type: u16,
    pub superclasses: u16,
    pub left: u16,
    pub right: u16,
    pub type_: u16,
    pub object: u16,
    pub attribute_field: u16,
}

pub(crate) static GRAMMAR: LazyLock<Grammar> = LazyLock::new(|| Grammar::new(&tree_sitter_python::LANGUAGE.into()));

impl Grammar {
    fn new(language: &Language) -> Self {
        let count = language.node_kind_count();
        let roles = (0..count)
            .map(|id| {
                let id = u16::try_from(id).unwrap_or(u16::MAX);
                match language.node_kind_for_id(id).unwrap_or("") {
                    "function_definition" | "class_definition" => Role::Definition,
                    "decorated_definition" => Role::Decorated,
                    "raise_statement" => Role::Raise,
                    "return_statement" => Role::Return,
                    "expression_statement" => Role::ExpressionStatement,
                    "except_clause" | "except_group_clause" => Role::Except,
                    "module" | "block" | "if_statement" | "elif_clause" | "else_clause" | "for_statement"
                    | "while_statement" | "try_statement" | "finally_clause" | "with_statement" | "match_statement"
                    | "case_clause" => Role::Container,
                    "comment" | "decorator" => Role::Skip,
                    _ => Role::Other,
                }
            })
            .collect();
        // Every name below is in tree-sitter-python's grammar; the tests parse
        // with it, so a missing one is a build defect.
        let kind = |name: &str| language.id_for_node_kind(name, true);
        let field = |name: &str| {
            language
                .field_id_for_name(name)
                .map(u16::from)
                .unwrap_or_else(|| panic!("no field `{name}` in the grammar"))
        };
        Grammar {
            roles,
            assignment: kind("assignment"),
            attribute: kind("attribute"),
            identifier: kind("identifier"),
            pattern_list: kind("pattern_list"),
            class_definition: kind("class_definition"),
            comment: kind("comment"),
            body: field("body"),
            definition: field("definition"),
            name: field("name"),
            parameters: field("parameters"),
            return_type: field("return_type"),
            superclasses: field("superclasses"),
            left: field("left"),
            right: field("right"),
            type_: field("type"),
            object: field("object"),
            attribute_field: field("attribute"),
        }
    }

    pub fn role(&self, node: Node<'_>) -> Role {
        if node.is_error() {
            return Role::Container;
        }
        self.roles.get(usize::from(node.kind_id())).copied().unwrap_or(Role::Other)
    }
}
