//! Which linter's expectations generated and merged docstrings must meet.

/// Choices that differ between linters and documentation conventions.
///
/// The default, [`LintProfile::Pydoclint`], produces docstrings that pass
/// pydoclint with its default options (and ruff's `D` rules): types are copied
/// verbatim from annotations, `__init__` arguments go in the class docstring
/// (`--allow-init-docstring=False`) and the Attributes section lists only
/// class-level attributes (`--check-class-attributes=True` reports documented
/// instance attributes as DOC602/DOC603).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LintProfile {
    #[default]
    Pydoclint,
    /// Like `Pydoclint`, but also documents public instance attributes
    /// (`self.x = ...` in `__init__`), as the Google style guide suggests.
    Thorough,
}

impl LintProfile {
    pub fn documents_instance_attributes(self) -> bool {
        matches!(self, LintProfile::Thorough)
    }
}
