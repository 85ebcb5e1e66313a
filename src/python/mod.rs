//! Python source: parsing with tree-sitter (incrementally) and the source model
//! built from the tree.

mod decorators;
mod extract;
mod grammar;
mod literal;
pub mod model;
mod parse;
pub mod source_text;
pub mod workspace;

pub use decorators::decorator_kind;
pub use extract::extract;
pub use model::*;
pub use parse::{EditError, ParseError, SourceFile, first_error_line, parse_tree, splice};

/// Parses `source` and returns its source model.
pub fn parse_module(source: &str) -> Result<Module, ParseError> {
    let tree = parse_tree(source, None)?;
    Ok(extract(&tree, source))
}
