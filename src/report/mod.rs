//! Reports over Python files whose numbers are those of the reference tools:
//! docstring coverage as interrogate counts it, and McCabe complexity as
//! mccabe measures it. Each works on one parsed file; the CLI finds, reads and
//! prints.

pub mod complexity;
pub mod coverage;
