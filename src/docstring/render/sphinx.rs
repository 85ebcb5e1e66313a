//! Sphinx / reST field lists, with the field names pydoclint reads
//! (`:ytype:` for yields).

use super::fields::{FieldNames, blocks as field_blocks};
use super::layout::Layout;
use crate::docstring::model::Docstring;

const SPHINX: FieldNames = FieldNames {
    lead: ":",
    param: "param",
    param_type: "type",
    returns: "returns",
    return_type: "rtype",
    yields: "yields",
    yield_type: "ytype",
    raises: "raises",
    attribute: "ivar",
    attribute_type: "vartype",
};

pub(super) fn blocks(doc: &Docstring, l: &Layout) -> Vec<Vec<String>> {
    field_blocks(doc, l, &SPHINX)
}
