//! Snapshots of every style for the usual shapes of code, and the linters'
//! verdict on them.

mod common;

use common::{fixtures, written_fetch};
use docwright::docstring::{Docstring, GenerateOptions, RenderOptions, Style, generate_with, render};

fn opts(style: Style, indent: &str) -> RenderOptions {
    RenderOptions { style, width: 88, indent: indent.to_string() }
}

fn skeleton_options(style: Style) -> GenerateOptions {
    GenerateOptions { tuple_returns_per_element: style == Style::Numpy, ..GenerateOptions::default() }
}

fn all_styles(doc: &Docstring, indent: &str) -> String {
    Style::ALL.iter().map(|&style| format!("--- {style}\n{}\n", render(doc, &opts(style, indent)))).collect()
}

#[test]
fn skeletons_in_every_style() {
    for f in fixtures() {
        let rendered: String = Style::ALL
            .iter()
            .map(|&style| {
                let doc = generate_with(&f.def, &skeleton_options(style));
                format!("--- {style}\n{}\n", render(&doc, &opts(style, f.indent)))
            })
            .collect();
        insta::assert_snapshot!(format!("skeleton_{}", f.name), rendered);
    }
}

#[test]
fn written_docstring_with_wrapping_description() {
    insta::assert_snapshot!("written_fetch", all_styles(&written_fetch(), "    "));
}

#[test]
fn one_liner_and_module() {
    let one = Docstring { summary: "Return the answer.".into(), ..Docstring::default() };
    insta::assert_snapshot!("one_liner", all_styles(&one, "    "));
    let module = docwright::docstring::generate_module(&docwright::python::Module::default());
    insta::assert_snapshot!("module", all_styles(&module, ""));
}
