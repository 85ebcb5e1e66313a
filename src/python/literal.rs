//! String literals: which expressions are docstrings, and the value Python sees.

use std::borrow::Cow;

use tree_sitter::Node;

use super::model::{DocstringSpan, QuoteStyle};

/// The docstring of a body, if its first statement is one.
///
/// Python's rule: the first statement is an expression that is a plain string
/// constant. Implicit concatenation and parentheses keep it a constant; an
/// f-string, t-string or bytes part does not.
pub(crate) fn docstring_of_block(block: Node<'_>, source: &str) -> Option<DocstringSpan> {
    let first = first_statement(block)?;
    if first.kind() != "expression_statement" || first.named_child_count() != 1 {
        return None;
    }
    let mut expr = first.named_child(0)?;
    while expr.kind() == "parenthesized_expression" {
        expr = single_named_child(expr)?;
    }
    let parts: Vec<Node<'_>> = match expr.kind() {
        "string" => vec![expr],
        "concatenated_string" => {
            let mut cursor = expr.walk();
            expr.named_children(&mut cursor).filter(|n| n.kind() == "string").collect()
        }
        _ => return None,
    };
    let first_part = *parts.first()?;
    let (prefix, quote) = opening(first_part, source)?;
    let mut value = String::new();
    for part in &parts {
        let (part_prefix, part_quote) = opening(*part, source)?;
        if part_prefix.chars().any(|c| matches!(c, 'f' | 'F' | 'b' | 'B' | 't' | 'T')) {
            return None;
        }
        let raw = part_prefix.chars().any(|c| matches!(c, 'r' | 'R'));
        let start = part.start_byte() + part_prefix.len() + part_quote.as_str().len();
        let end = part.end_byte().checked_sub(part_quote.as_str().len())?;
        let body = normalize_newlines(source.get(start..end)?);
        if raw {
            value.push_str(&body);
        } else {
            decode_escapes(&body, &mut value);
        }
    }
    let range = first.named_child(0)?.byte_range();
    Some(DocstringSpan {
        line: first.start_position().row + 1,
        end_line: first.end_position().row + 1,
        range,
        prefix: prefix.to_string(),
        quote,
        value,
    })
}

/// Python's tokenizer reads source with universal newlines: a `\r\n` or lone
/// `\r` line end inside a literal is a `\n` in its value (an escaped `\r` is
/// not touched, as it is decoded later).
fn normalize_newlines(body: &str) -> Cow<'_, str> {
    if body.contains('\r') { Cow::Owned(body.replace("\r\n", "\n").replace('\r', "\n")) } else { Cow::Borrowed(body) }
}

/// The first statement of a block or module, skipping comments.
pub(crate) fn first_statement(block: Node<'_>) -> Option<Node<'_>> {
    let mut cursor = block.walk();
    block.named_children(&mut cursor).find(|n| n.kind() != "comment")
}

fn single_named_child(node: Node<'_>) -> Option<Node<'_>> {
    let mut cursor = node.walk();
    let mut children = node.named_children(&mut cursor).filter(|n| n.kind() != "comment");
    let child = children.next()?;
    children.next().is_none().then_some(child)
}

/// The prefix (`r`, `u`, ...) and quote style of one string literal node.
fn opening<'s>(string: Node<'_>, source: &'s str) -> Option<(&'s str, QuoteStyle)> {
    let start = string.child(0).filter(|n| n.kind() == "string_start")?;
    let text = source.get(start.byte_range())?;
    let quote_at = text.find(['"', '\''])?;
    let (prefix, quote) = text.split_at(quote_at);
    Some((prefix, QuoteStyle::from_opening(quote)?))
}

/// Appends the value of a non-raw string body, decoding escape sequences as
/// Python does for `str` literals. Unknown escapes are kept as written, like
/// Python; `\N{...}` is kept as written (no name table here).
pub(crate) fn decode_escapes(body: &str, out: &mut String) {
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(&next) = chars.peek() else {
            out.push('\\');
            break;
        };
        let simple = match next {
            '\n' => Some(None),
            '\r' => {
                chars.next();
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                continue;
            }
            '\\' => Some(Some('\\')),
            '\'' => Some(Some('\'')),
            '"' => Some(Some('"')),
            'a' => Some(Some('\x07')),
            'b' => Some(Some('\x08')),
            'f' => Some(Some('\x0c')),
            'n' => Some(Some('\n')),
            'r' => Some(Some('\r')),
            't' => Some(Some('\t')),
            'v' => Some(Some('\x0b')),
            _ => None,
        };
        if let Some(decoded) = simple {
            chars.next();
            out.extend(decoded);
            continue;
        }
        let (radix, max_digits) = match next {
            '0'..='7' => (8, 3),
            'x' => (16, 2),
            'u' => (16, 4),
            'U' => (16, 8),
            _ => {
                out.push('\\');
                continue;
            }
        };
        if radix == 16 {
            chars.next();
        }
        let mut digits = String::new();
        while digits.len() < max_digits {
            match chars.peek() {
                Some(d) if d.is_digit(radix) => {
                    digits.push(*d);
                    chars.next();
                }
                _ => break,
            }
        }
        let exact = radix == 8 || digits.len() == max_digits;
        match u32::from_str_radix(&digits, radix).ok().filter(|_| exact).and_then(char::from_u32) {
            Some(decoded) => out.push(decoded),
            None => {
                // Python rejects these; keep the text rather than guess.
                out.push('\\');
                if radix == 16 {
                    out.push(next);
                }
                out.push_str(&digits);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::decode_escapes;

    fn decoded(body: &str) -> String {
        let mut out = String::new();
        decode_escapes(body, &mut out);
        out
    }

    #[test]
    fn decodes_python_escapes() {
        assert_eq!(decoded(r"a\nb\tc"), "a\nb\tc");
        assert_eq!(decoded(r#"\"\'\\"#), "\"'\\");
        assert_eq!(decoded(r"\x41\101\u00e9\U0001F600"), "AAé😀");
        assert_eq!(decoded("line\\\ncontinued"), "linecontinued");
        assert_eq!(decoded(r"\d\N{DASH}"), r"\d\N{DASH}");
        assert_eq!(decoded(r"\x4"), r"\x4");
        assert_eq!(decoded("end\\"), "end\\");
    }
}
