//! Python source: parsing with tree-sitter (incrementally) and the source model
//! built from the tree.

pub mod model;

pub use model::*;
