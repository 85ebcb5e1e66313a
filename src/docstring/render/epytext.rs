//! Epytext (epydoc) fields: `@param`, `@type`, `@return`, `@rtype`, `@raise`.

use super::fields::{FieldNames, blocks as field_blocks};
use super::layout::Layout;
use crate::docstring::model::Docstring;

const EPYTEXT: FieldNames = FieldNames {
    lead: "@",
    param: "param",
    param_type: "type",
    returns: "return",
    return_type: "rtype",
    // Epydoc has no yield fields; these are the names docstring_parser reads.
    yields: "yield",
    yield_type: "ytype",
    raises: "raise",
    attribute: "ivar",
    // Epydoc's `@type` describes variables as well as parameters.
    attribute_type: "type",
};

pub(super) fn blocks(doc: &Docstring, l: &Layout) -> Vec<Vec<String>> {
    field_blocks(doc, l, &EPYTEXT)
}
