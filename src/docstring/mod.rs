//! Structured docstrings: the model, renderers and parsers for every style,
//! merging with the current signature, offline generation, the checks that find
//! stale docstrings, and the exact edit that puts a docstring into a file.

pub mod annotation;
pub mod answer;
pub mod expected;
pub mod insert;
pub mod literal;
pub mod merge;
pub mod model;
pub mod offline;
pub mod parse;
pub mod profile;
pub mod render;
pub mod staleness;

pub use literal::python_literal;
pub use merge::{added_placeholders, fill_placeholders, merge, merge_with};
pub use model::{AttributeDoc, Docstring, ParamDoc, RaiseDoc, ReturnDoc, Section, Style};
pub use offline::{GenerateOptions, PLACEHOLDER, generate, generate_module, generate_with};
pub use parse::{detect_style, parse};
pub use profile::LintProfile;
pub use render::{RenderOptions, render, render_value};
pub use staleness::{Staleness, findings, is_stale};
