//! Turns a docstring's exact value into one Python string literal.
//!
//! The value may come from anywhere (a language model included), so this is
//! where the "exactly one literal" guarantee lives: nothing in the value can end
//! the literal early, start another token, or change meaning through escapes.

/// A triple-double-quoted literal whose Python value is exactly `value`.
///
/// A raw literal (`r"""..."""`) is used when the value holds backslashes and
/// nothing a raw literal cannot express (ruff D301 asks for raw docstrings when
/// backslashes are present); otherwise backslashes, control characters and
/// quote runs are escaped in a plain literal.
pub fn python_literal(value: &str) -> String {
    if value.contains('\\') && fits_raw(value) {
        return format!("r\"\"\"{value}\"\"\"");
    }
    let mut out = String::with_capacity(value.len() + 8);
    out.push_str("\"\"\"");
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            // A quote followed by another quote, or by the closing quotes, could
            // form `"""`; escaping it leaves no two unescaped quotes adjacent.
            '"' if matches!(chars.peek(), None | Some('"')) => out.push_str("\\\""),
            '\n' | '\t' => out.push(c),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push_str("\"\"\"");
    out
}

/// Whether `r"""value"""` has exactly `value` as its value. Raw literals cannot
/// escape anything: no `"""` inside, no quote or backslash at the end, and no
/// characters the tokenizer would reject or translate (NUL, `\r`, controls).
fn fits_raw(value: &str) -> bool {
    !value.contains("\"\"\"")
        && !value.ends_with('"')
        && !value.ends_with('\\')
        && !value.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
}

#[cfg(test)]
mod tests {
    use super::python_literal;

    #[test]
    fn plain_text_is_quoted_as_is() {
        assert_eq!(python_literal("Summary."), "\"\"\"Summary.\"\"\"");
    }

    #[test]
    fn backslashes_prefer_raw() {
        assert_eq!(python_literal(r"Match \d+."), "r\"\"\"Match \\d+.\"\"\"");
    }

    #[test]
    fn triple_quotes_are_broken_up() {
        assert_eq!(python_literal("a\"\"\"b"), "\"\"\"a\\\"\\\"\"b\"\"\"");
        assert_eq!(python_literal("ends\""), "\"\"\"ends\\\"\"\"\"");
    }

    #[test]
    fn trailing_backslash_is_escaped() {
        assert_eq!(python_literal("a\\"), "\"\"\"a\\\\\"\"\"");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(python_literal("a\0b\rc"), "\"\"\"a\\x00b\\rc\"\"\"");
    }
}
