//! Reports over Python files whose numbers are those of the reference tools:
//! docstring coverage as interrogate counts it, and McCabe complexity as
//! mccabe measures it; and Markdown documentation pages that show both. Each
//! works on one parsed file; the CLI finds, reads, prints and writes.

pub mod complexity;
pub mod coverage;
pub mod markdown;
