//! docwright writes and maintains Python docstrings.

pub mod allocator;
pub mod cache;
pub mod cli;
pub mod config;
pub mod docstring;
pub mod engine;
pub mod files;
pub mod git;
pub mod line_index;
pub mod llm;
pub mod lsp;
pub mod prompt;
pub mod python;
pub mod report;
