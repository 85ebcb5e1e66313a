//! The structured docstring: what every renderer reads, what every parser
//! produces, and what a model's answer is validated into.

use serde::{Deserialize, Serialize};

/// A docstring independent of its style.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Docstring {
    /// One sentence, ending with a period.
    pub summary: String,
    /// Extended description: paragraphs separated by blank lines.
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub params: Vec<ParamDoc>,
    /// One entry, or one per element of a returned tuple.
    #[serde(default)]
    pub returns: Vec<ReturnDoc>,
    #[serde(default)]
    pub yields: Vec<ReturnDoc>,
    #[serde(default)]
    pub raises: Vec<RaiseDoc>,
    #[serde(default)]
    pub attributes: Vec<AttributeDoc>,
    /// Example code, doctest style (`>>> ...`), without indentation.
    #[serde(default)]
    pub examples: String,
    /// Sections this model has no field for (Notes, See Also, Warnings, ...),
    /// kept verbatim so that no human-written text is lost.
    #[serde(default)]
    pub other_sections: Vec<Section>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamDoc {
    /// The name as written in the signature, stars included (`*args`).
    pub name: String,
    #[serde(default)]
    pub type_name: Option<String>,
    #[serde(default)]
    pub description: String,
    /// Default value as written in the signature.
    #[serde(default)]
    pub default: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnDoc {
    /// Name of the element, for tuple returns (NumPy allows names).
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub type_name: Option<String>,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaiseDoc {
    pub exception: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeDoc {
    pub name: String,
    #[serde(default)]
    pub type_name: Option<String>,
    #[serde(default)]
    pub description: String,
}

/// A section kept as written: its title and its body text (dedented).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub title: String,
    pub body: String,
}

/// The docstring styles docwright reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Style {
    #[default]
    Google,
    Numpy,
    Sphinx,
    Epytext,
    Pep257,
}

impl Style {
    pub const ALL: [Style; 5] = [Style::Google, Style::Numpy, Style::Sphinx, Style::Epytext, Style::Pep257];

    pub fn as_str(self) -> &'static str {
        match self {
            Style::Google => "google",
            Style::Numpy => "numpy",
            Style::Sphinx => "sphinx",
            Style::Epytext => "epytext",
            Style::Pep257 => "pep257",
        }
    }
}

impl std::str::FromStr for Style {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Style::ALL
            .into_iter()
            .find(|style| {
                style.as_str().eq_ignore_ascii_case(s) || (s.eq_ignore_ascii_case("rest") && *style == Style::Sphinx)
            })
            .ok_or_else(|| {
                format!("unknown docstring style `{s}` (expected one of: google, numpy, sphinx, epytext, pep257)")
            })
    }
}

impl std::fmt::Display for Style {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
