//! docwright writes and maintains Python docstrings.

pub mod docstring;
pub mod python;
