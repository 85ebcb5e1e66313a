//! Reading type annotations as text: just enough to find tuple elements,
//! generator yield types and "returns nothing" annotations.

/// Splits `s` at top-level occurrences of `sep` (not inside brackets, parens,
/// braces or quotes), trimming each part.
pub fn split_top_level(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth: i32 = 0;
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '[' | '(' | '{') => depth += 1,
            (None, ']' | ')' | '}') => depth -= 1,
            (None, c) if c == sep && depth == 0 => {
                parts.push(s[start..i].trim());
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(s[start..].trim());
    parts
}

/// `Name[args]` split into the name and its top-level arguments.
pub fn subscript(annotation: &str) -> Option<(&str, Vec<&str>)> {
    let annotation = annotation.trim();
    let open = annotation.find('[')?;
    let inner = annotation.strip_suffix(']')?.get(open + 1..)?;
    Some((annotation[..open].trim(), split_top_level(inner, ',')))
}

/// The last component of a dotted name: `typing.Tuple` -> `Tuple`.
fn base_name(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// The element types of a fixed-length tuple annotation (`tuple[int, str]`);
/// `None` for anything else, including `tuple[int, ...]`.
pub fn tuple_elements(annotation: &str) -> Option<Vec<String>> {
    let (name, args) = subscript(annotation)?;
    if !matches!(base_name(name), "tuple" | "Tuple")
        || args.len() < 2
        || args.iter().any(|a| a.is_empty() || *a == "..." || *a == "()")
    {
        return None;
    }
    Some(args.into_iter().map(str::to_string).collect())
}

/// What a generator annotation says it yields: the first argument of
/// `Generator`, `Iterator`, `Iterable` and their async forms.
pub fn yield_type(annotation: &str) -> Option<String> {
    let (name, args) = subscript(annotation)?;
    let known = matches!(
        base_name(name),
        "Generator" | "Iterator" | "Iterable" | "AsyncGenerator" | "AsyncIterator" | "AsyncIterable"
    );
    let first = args.first().filter(|a| !a.is_empty())?;
    known.then(|| first.to_string())
}

/// True for annotations that say a function returns no value.
pub fn is_no_value(annotation: &str) -> bool {
    matches!(base_name(annotation.trim()), "None" | "NoReturn" | "Never")
}

/// True for annotations of generators (whose docstrings document yields).
pub fn is_generator_annotation(annotation: &str) -> bool {
    yield_type(annotation).is_some()
        || matches!(base_name(annotation.trim()), "Generator" | "Iterator" | "AsyncGenerator" | "AsyncIterator")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuples_split_at_top_level_only() {
        assert_eq!(
            tuple_elements("tuple[dict[str, int], str | None]"),
            Some(vec!["dict[str, int]".to_string(), "str | None".to_string()])
        );
        assert_eq!(tuple_elements("tuple[int, ...]"), None);
        assert_eq!(tuple_elements("list[int]"), None);
    }

    #[test]
    fn yield_types() {
        assert_eq!(yield_type("Generator[int, None, None]").as_deref(), Some("int"));
        assert_eq!(yield_type("typing.Iterator[str]").as_deref(), Some("str"));
        assert_eq!(yield_type("list[int]"), None);
    }

    #[test]
    fn no_value_annotations() {
        assert!(is_no_value("None"));
        assert!(is_no_value("typing.NoReturn"));
        assert!(!is_no_value("int | None"));
    }
}
