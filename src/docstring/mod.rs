//! Structured docstrings: the model, renderers and parsers for every style,
//! merging with the current signature, offline generation, and the exact edit
//! that puts a docstring into a file.

pub mod insert;
pub mod merge;
pub mod model;
pub mod offline;
pub mod parse;
pub mod render;

pub use model::{AttributeDoc, Docstring, ParamDoc, RaiseDoc, ReturnDoc, Section, Style};
pub use render::{RenderOptions, render};
