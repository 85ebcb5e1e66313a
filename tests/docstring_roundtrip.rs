//! Parsing: round trips through every style, the reference examples, and
//! odd inputs that must not panic.

mod common;

use docwright::docstring::{
    AttributeDoc, Docstring, ParamDoc, RaiseDoc, RenderOptions, ReturnDoc, Section, Style, detect_style, parse,
    render_value,
};
use pretty_assertions::assert_eq;

fn full() -> Docstring {
    Docstring {
        summary: "Download a resource, retrying on transient failures.".into(),
        description: "Makes up to ``retries`` extra attempts.\n\nA second paragraph.".into(),
        params: vec![
            ParamDoc {
                name: "url".into(),
                type_name: Some("str".into()),
                description: "Address.".into(),
                default: None,
            },
            ParamDoc {
                name: "retries".into(),
                type_name: Some("int".into()),
                description: "How many extra attempts.\nA second line.".into(),
                default: Some("3".into()),
            },
            ParamDoc {
                name: "*args".into(),
                type_name: Some("int".into()),
                description: "Extra.".into(),
                default: None,
            },
            ParamDoc { name: "**kwargs".into(), type_name: None, description: "Options.".into(), default: None },
        ],
        returns: vec![ReturnDoc { name: None, type_name: Some("bytes".into()), description: "The body.".into() }],
        yields: vec![],
        raises: vec![
            RaiseDoc { exception: "TimeoutError".into(), description: "If every attempt times out.".into() },
            RaiseDoc { exception: "ValueError".into(), description: "If the URL is bad.".into() },
        ],
        attributes: vec![AttributeDoc {
            name: "hits".into(),
            type_name: Some("int".into()),
            description: "Hits.".into(),
        }],
        examples: ">>> fetch('x')\nb''".into(),
        other_sections: vec![Section { title: "Note".into(), body: "Be careful.".into() }],
    }
}

/// The fields `style` can express; the rest is cleared before comparing.
fn expressible(mut doc: Docstring, style: Style) -> Docstring {
    if style == Style::Pep257 {
        for p in &mut doc.params {
            p.type_name = None;
        }
        for r in &mut doc.returns {
            r.type_name = None;
        }
        for a in &mut doc.attributes {
            a.type_name = None;
        }
    }
    if style == Style::Pep257 {
        // `Keyword Arguments:` (defaults and `**kwargs`) come after `Arguments:`.
        let (keyword, positional): (Vec<ParamDoc>, Vec<ParamDoc>) =
            doc.params.into_iter().partition(|p| p.default.is_some() || p.name.starts_with("**"));
        doc.params = positional.into_iter().chain(keyword).collect();
    }
    doc
}

#[test]
fn render_then_parse_gives_the_same_docstring_in_every_style() {
    for style in Style::ALL {
        let doc = expressible(full(), style);
        let opts = RenderOptions { style, ..RenderOptions::default() };
        let value = render_value(&doc, &opts);
        assert_eq!(detect_style(&value), Some(style), "detect {style}:\n{value}");
        let parsed = parse(&value, Some(style));
        assert_eq!(parsed, doc, "style {style}:\n{value}");
        // Parsing without a style hint gives the same.
        assert_eq!(parse(&value, None), doc, "detected {style}");
    }
}

#[test]
fn wrapped_text_reaches_a_fixed_point() {
    let long = "word ".repeat(60).trim_end().to_string() + ".";
    let mut doc = full();
    doc.description = long.clone();
    doc.params[0].description = long;
    for style in Style::ALL {
        let opts = RenderOptions { style, width: 72, ..RenderOptions::default() };
        let once = render_value(&doc, &opts);
        assert!(once.lines().all(|l| l.len() <= 72), "{style}: too wide:\n{once}");
        let twice = render_value(&parse(&once, Some(style)), &opts);
        assert_eq!(once, twice, "{style}");
    }
}

fn reference_expected() -> Docstring {
    // The reference examples have no extended description.
    Docstring { description: String::new(), ..common::written_fetch() }
}

const GOOGLE: &str = r#"Download a resource, retrying on transient failures.

    Args:
        url (str): Address of the resource.
        retries (int): How many extra attempts to make. Defaults to 3.

    Returns:
        bytes: The response body.

    Raises:
        TimeoutError: If every attempt times out.
    "#;

const NUMPY: &str = r#"Download a resource, retrying on transient failures.

    Parameters
    ----------
    url : str
        Address of the resource.
    retries : int, default=3
        How many extra attempts to make.

    Returns
    -------
    bytes
        The response body.

    Raises
    ------
    TimeoutError
        If every attempt times out.
    "#;

const SPHINX: &str = r#"Download a resource, retrying on transient failures.

    :param url: Address of the resource.
    :type url: str
    :param retries: How many extra attempts to make, defaults to 3.
    :type retries: int
    :returns: The response body.
    :rtype: bytes
    :raises TimeoutError: If every attempt times out.
    "#;

const SPHINX_ONE_LINE: &str = r#"Download a resource, retrying on transient failures.

    :param str url: Address of the resource.
    :param int retries: How many extra attempts to make, defaults to 3.
    :raises TimeoutError: If every attempt times out.
    :return bytes: The response body.
    "#;

const EPYTEXT: &str = r#"Download a resource, retrying on transient failures.

    @param url: Address of the resource.
    @type url: str
    @param retries: How many extra attempts to make.
    @type retries: int
    @return: The response body.
    @rtype: bytes
    @raise TimeoutError: If every attempt times out.
    "#;

const PEP257_PLAIN: &str = r#"Download a resource, retrying on transient failures.

    Makes up to ``retries`` extra attempts and returns the body as bytes;
    raises TimeoutError when all attempts time out.
    "#;

const PEP257_AUTODOCSTRING: &str = r#"Download a resource, retrying on transient failures.

    Arguments:
        url -- Address of the resource.

    Keyword Arguments:
        retries -- How many extra attempts to make. (default: {3})

    Raises:
        TimeoutError: If every attempt times out.

    Returns:
        The response body.
    "#;

#[test]
fn reference_examples_parse_to_the_expected_structure() {
    let expected = reference_expected();
    assert_eq!(detect_style(GOOGLE), Some(Style::Google));
    assert_eq!(parse(GOOGLE, None), expected);
    assert_eq!(detect_style(NUMPY), Some(Style::Numpy));
    assert_eq!(parse(NUMPY, None), expected);
    assert_eq!(detect_style(SPHINX), Some(Style::Sphinx));
    assert_eq!(parse(SPHINX, None), expected);
    assert_eq!(parse(SPHINX_ONE_LINE, None), expected);

    let mut epytext = expected.clone();
    epytext.params[1].default = None;
    assert_eq!(detect_style(EPYTEXT), Some(Style::Epytext));
    assert_eq!(parse(EPYTEXT, None), epytext);

    let mut autodoc = expected.clone();
    for p in &mut autodoc.params {
        p.type_name = None;
    }
    autodoc.returns[0].type_name = None;
    assert_eq!(detect_style(PEP257_AUTODOCSTRING), Some(Style::Pep257));
    assert_eq!(parse(PEP257_AUTODOCSTRING, None), autodoc);

    assert_eq!(detect_style(PEP257_PLAIN), None);
    let plain = parse(PEP257_PLAIN, None);
    assert_eq!(plain.summary, expected.summary);
    assert_eq!(
        plain.description,
        "Makes up to ``retries`` extra attempts and returns the body as bytes;\nraises TimeoutError when all attempts time out."
    );
}

#[test]
fn unknown_sections_and_stray_text_are_kept() {
    let text = "Do it.\n\n    Args:\n        x (int): The x.\n          Indented more.\n\n    Warning:\n        Hot.\n\n    Trailing words.\n";
    let doc = parse(text, Some(Style::Google));
    assert_eq!(doc.params[0].description, "The x.\nIndented more.");
    assert_eq!(
        doc.other_sections,
        vec![
            Section { title: "Warning".into(), body: "Hot.".into() },
            Section { title: String::new(), body: "Trailing words.".into() },
        ]
    );
    let numpy = "Do it.\n\nNotes\n-----\nSome notes\n  indented.\n\nFoo Bar\n-------\nCustom.\n";
    let doc = parse(numpy, None);
    assert_eq!(
        doc.other_sections,
        vec![
            Section { title: "Notes".into(), body: "Some notes\n  indented.".into() },
            Section { title: "Foo Bar".into(), body: "Custom.".into() },
        ]
    );
    let sphinx = "Do it.\n\n:param x: The x.\n:meta private:\n";
    let doc = parse(sphinx, None);
    assert_eq!(doc.other_sections, vec![Section { title: String::new(), body: ":meta private:".into() }]);
}

/// A deterministic pseudo-random generator (no extra dependency).
fn lcg(state: &mut u64) -> u64 {
    *state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    *state >> 33
}

#[test]
fn parse_never_panics() {
    let mut cases: Vec<String> = [
        "",
        " ",
        "\n",
        "\n\n\n",
        ":",
        "@",
        "::",
        ":param",
        ":param:",
        ":param x",
        ":type:",
        "@type x",
        "@param: x",
        "Args:",
        "Args:\n",
        "Args:\n    ",
        "Args:\n    (",
        "Args:\n    x (",
        "Args:\n    x (int",
        "Args:\n    x ((((: y",
        "Args:\n    *: y",
        "Args:\n    **: z",
        "Returns:\n    :",
        "Raises:\n    : x",
        "Parameters\n---",
        "Parameters\n----------",
        "Parameters\n----------\n : ",
        "Returns\n-------\n : \n",
        "---\n---\n---",
        "a\n---\nb\n---",
        "\t\tArgs:\n\t\t\tx: y",
        "Summary.\r\n\r\n    Args:\r\n        x: y\r\n",
        "\r\r\r",
        "Args:\n x -- ",
        "Arguments:\n    -- x",
        "Keyword Arguments:\n    x -- y (default: {",
        "x (default: )",
        "Defaults to .",
        ", defaults to .",
        "é\u{301}\u{200b}:param é: ü",
        "\u{0}\u{1}\u{7f}",
        ":returns bytes:",
        ":rtype:",
        ":raises:",
        ":ivar:",
        ":vartype:",
        "@ivar",
        "\"\"\"",
        "\\",
        "'''",
        "Returns:\n    tuple[int, str: broken",
        "Args:\n    x (int]: y",
        "Args:\n    x (int)) : y",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let alphabet: Vec<char> = " \n\t\r:@-*()[]{},.|=>\\\"'aAxyé\u{0}\u{2028}".chars().collect();
    let words = ["Args:", "Returns:", "Parameters", "----------", ":param", "@param", "x", " : ", "--", "\n    "];
    let mut state = 42u64;
    for _ in 0..3000 {
        let len = (lcg(&mut state) % 60) as usize;
        let mut s = String::new();
        for _ in 0..len {
            if lcg(&mut state).is_multiple_of(4) {
                s.push_str(words[(lcg(&mut state) as usize) % words.len()]);
            } else {
                s.push(alphabet[(lcg(&mut state) as usize) % alphabet.len()]);
            }
        }
        cases.push(s);
    }
    for case in &cases {
        let detected = parse(case, None);
        for style in Style::ALL {
            let doc = parse(case, Some(style));
            // Rendering whatever came out must not panic either.
            let _ = render_value(&doc, &RenderOptions { style, ..RenderOptions::default() });
        }
        let _ = detected;
    }
}
