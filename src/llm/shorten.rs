//! Shortening a definition's source so that its prompt fits a token budget.
//!
//! What a docstring needs survives: the header (decorators and signature), the
//! existing docstring, the lines that raise, return or yield, and the
//! signatures of nested definitions. The other lines form runs between those;
//! the middle of a run is replaced by one marker line such as
//! `# ... 37 lines elided ...` at the run's indentation. Runs are elided
//! longest first, first keeping two lines of context at each end, then one,
//! then none, until the text fits; the run whose elision made it fit then
//! keeps as many of its lines as still fit. Lines are kept or dropped whole.

use std::ops::Range;

use crate::python::Module;

/// Context lines kept at each end of an elided run, in the order tried.
const CONTEXT_LEVELS: [usize; 3] = [2, 1, 0];

/// A shortened source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortened {
    pub text: String,
    /// Tokens of `text` by the counting function.
    pub tokens: usize,
    /// Source lines replaced by markers (0: the text is unchanged).
    pub elided_lines: usize,
    /// False when even the minimal form (only the lines that are always kept)
    /// is over the budget: the definition is too long for the prompt.
    pub fits: bool,
}

/// Shortens `text` (a definition's source) to at most `budget` tokens as
/// counted by `count`. `header` and `docstring` are 0-based ranges of lines of
/// `text` (lines end after each `\n`); both are kept whole. Ranges past the
/// end of the text are clipped.
pub fn shorten(
    text: &str,
    header: Range<usize>,
    docstring: Option<Range<usize>>,
    budget: usize,
    count: impl Fn(&str) -> usize,
) -> Shortened {
    let whole = count(text);
    if whole <= budget {
        return Shortened { text: text.to_string(), tokens: whole, elided_lines: 0, fits: true };
    }
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut keep: Vec<bool> = lines.iter().map(|line| is_essential(line)).collect();
    for range in std::iter::once(header).chain(docstring) {
        let end = range.end.min(lines.len());
        for k in keep.iter_mut().take(end).skip(range.start) {
            *k = true;
        }
    }
    let tokens: Vec<usize> = lines.iter().map(|line| count(line)).collect();
    let mut runs = runs(&keep);
    // Longest first; ties in document order.
    let mut order: Vec<usize> = (0..runs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(runs[i].lines.len()));

    let fits =
        |runs: &[Run]| approximate(&lines, &tokens, runs, &count) <= budget && count(&render(&lines, runs)) <= budget;
    for context in CONTEXT_LEVELS {
        for &i in &order {
            let run = &runs[i];
            let Some(elided) = run.elided_with(context) else { continue };
            if elided == run.elided {
                continue;
            }
            let candidate = Run { elided: elided.clone(), ..run.clone() };
            // A marker longer than what it replaces saves nothing.
            let saved: usize = tokens[elided.clone()].iter().sum();
            if count(&candidate.marker(&lines)) >= saved {
                continue;
            }
            runs[i] = candidate;
            if fits(&runs) {
                // The last elision may be more than needed: keep as much
                // context of this run as still fits (fitting only gets easier
                // as the context shrinks).
                let (mut fitting, mut too_much) = (context, runs[i].lines.len().div_ceil(2));
                while too_much - fitting > 1 {
                    let middle = fitting + (too_much - fitting) / 2;
                    let mut trial = runs.clone();
                    match trial[i].elided_with(middle) {
                        Some(elided) => trial[i].elided = elided,
                        None => trial[i].elided = trial[i].lines.start..trial[i].lines.start,
                    }
                    if fits(&trial) {
                        fitting = middle;
                    } else {
                        too_much = middle;
                    }
                }
                if let Some(elided) = runs[i].elided_with(fitting) {
                    runs[i].elided = elided;
                }
                return finish(render(&lines, &runs), &runs, true, &count);
            }
        }
    }
    let text = render(&lines, &runs);
    let fits = count(&text) <= budget;
    finish(text, &runs, fits, &count)
}

fn finish(text: String, runs: &[Run], fits: bool, count: &impl Fn(&str) -> usize) -> Shortened {
    let tokens = count(&text);
    let elided_lines = runs.iter().map(|r| r.elided.len()).sum();
    Shortened { text, tokens, elided_lines, fits }
}

/// [`shorten`] for definition `index` of `module`, parsed from `source`: the
/// header runs from the first decorator to the `:` that ends the signature.
/// `None` when there is no such definition or its lines are not in `source`
/// (a model of another text).
pub fn shorten_definition(
    source: &str,
    module: &Module,
    index: usize,
    budget: usize,
    count: impl Fn(&str) -> usize,
) -> Option<Shortened> {
    let definition = module.definitions.get(index)?;
    let first = definition.start_line.checked_sub(1)?;
    let last = definition.end_line.checked_sub(1)?;
    if last < first {
        return None;
    }
    let starts: Vec<usize> = std::iter::once(0).chain(source.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let start = *starts.get(first)?;
    let end = starts.get(last + 1).copied().unwrap_or(source.len());
    let text = source.get(start..end)?;
    // The line of the `:` ending the header (the byte before `colon_end`).
    let colon_line = source
        .get(..definition.body.colon_end.saturating_sub(1))
        .map_or(definition.line.saturating_sub(1), |before| before.matches('\n').count());
    let header = 0..colon_line.saturating_sub(first) + 1;
    let docstring = definition
        .docstring
        .as_ref()
        .map(|doc| doc.line.saturating_sub(1).saturating_sub(first)..doc.end_line.saturating_sub(first));
    Some(shorten(text, header, docstring, budget, count))
}

/// A run of consecutive lines that are not always kept, and the part of it
/// replaced by a marker (empty: none).
#[derive(Debug, Clone)]
struct Run {
    lines: Range<usize>,
    elided: Range<usize>,
}

impl Run {
    /// The middle of the run without `context` lines at each end; `None` when
    /// nothing would be left to elide.
    fn elided_with(&self, context: usize) -> Option<Range<usize>> {
        let start = self.lines.start + context;
        let end = self.lines.end.checked_sub(context)?;
        (start < end).then_some(start..end)
    }

    /// The marker line for the elided part, at its smallest indentation, with
    /// the line ending of its last line.
    fn marker(&self, lines: &[&str]) -> String {
        let elided = &lines[self.elided.clone()];
        let indent = elided
            .iter()
            .filter(|line| !line.trim().is_empty())
            .map(|line| &line[..line.len() - line.trim_start_matches([' ', '\t']).len()])
            .min_by_key(|indent| indent.len())
            .unwrap_or("");
        let last = elided.last().copied().unwrap_or("");
        let ending = &last[last.trim_end_matches(['\r', '\n']).len()..];
        let n = elided.len();
        let noun = if n == 1 { "line" } else { "lines" };
        format!("{indent}# ... {n} {noun} elided ...{ending}")
    }
}

/// The maximal runs of lines not kept.
fn runs(keep: &[bool]) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < keep.len() {
        if keep[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < keep.len() && !keep[i] {
            i += 1;
        }
        runs.push(Run { lines: start..i, elided: start..start });
    }
    runs
}

fn render(lines: &[&str], runs: &[Run]) -> String {
    let mut out = String::new();
    // Elided ranges are disjoint and in document order.
    let mut elided = runs.iter().filter(|r| !r.elided.is_empty()).peekable();
    let mut i = 0;
    while i < lines.len() {
        if let Some(run) = elided.next_if(|r| r.elided.start == i) {
            out.push_str(&run.marker(lines));
            i = run.elided.end;
        } else {
            out.push_str(lines[i]);
            i += 1;
        }
    }
    out
}

/// Tokens of the rendered text as the sum of its lines' and markers' counts:
/// cheap, and for BPE counts equal to or close to the count of the whole.
fn approximate(lines: &[&str], tokens: &[usize], runs: &[Run], count: &impl Fn(&str) -> usize) -> usize {
    let all: usize = tokens.iter().sum();
    runs.iter().filter(|r| !r.elided.is_empty()).fold(all, |total, run| {
        let saved: usize = tokens[run.elided.clone()].iter().sum();
        total.saturating_sub(saved).saturating_add(count(&run.marker(lines)))
    })
}

/// Lines always kept besides header and docstring: those with a `raise`,
/// `return` or `yield` keyword in code (not in a comment or a one-line string
/// literal), and the first lines of nested definitions.
fn is_essential(line: &str) -> bool {
    let code = code_part(line);
    let trimmed = code.trim_start();
    if ["def ", "async def ", "class "].iter().any(|k| trimmed.starts_with(k)) {
        return true;
    }
    ["raise", "return", "yield"].iter().any(|keyword| has_word(&code, keyword))
}

/// The line with string literal contents blanked and any comment removed. A
/// simple scan: strings spanning lines are not followed, which at worst keeps
/// a line that mentions a keyword in prose.
fn code_part(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in line.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                    out.push(c);
                    continue;
                }
                out.push(' ');
            }
            None => match c {
                '#' => break,
                '\'' | '"' => {
                    quote = Some(c);
                    out.push(c);
                }
                _ => out.push(c),
            },
        }
    }
    out
}

/// Whether `word` occurs in `code` delimited by non-identifier characters.
fn has_word(code: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    code.match_indices(word).any(|(i, _)| {
        let before = code[..i].chars().next_back();
        let after = code[i + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::tokens::Encoding;
    use crate::python::parse_module;

    fn count(text: &str) -> usize {
        Encoding::O200k.count(text)
    }

    /// A long function: decorator and two-line signature (lines 0-2), a
    /// three-line docstring (3-5), filler with a `raise`, a `yield` and a
    /// `return` among it.
    fn long_function() -> String {
        let mut lines = vec![
            "@functools.cache".to_string(),
            "def load(path: str,".to_string(),
            "         strict: bool = False) -> dict:".to_string(),
            "    \"\"\"Load a file.".to_string(),
            "".to_string(),
            "    Reads it whole.\"\"\"".to_string(),
        ];
        for i in 0..40 {
            lines.push(format!("    value_{i} = compute(path, {i})  # return nothing here"));
        }
        lines.push("    if not strict:".to_string());
        lines.push("        raise ValueError(\"not strict\")".to_string());
        for i in 0..25 {
            lines.push(format!("    other_{i} = \"raise and return in a string\" + str({i})"));
        }
        lines.push("    for item in items:".to_string());
        lines.push("        yield item".to_string());
        for i in 0..10 {
            lines.push(format!("        total_{i} += len(item) * {i}"));
        }
        lines.push("    return {\"total\": total_0}".to_string());
        lines.join("\n") + "\n"
    }

    fn always_kept(source: &str) -> Vec<&str> {
        source
            .lines()
            .enumerate()
            .filter(|(i, line)| {
                *i < 6 || line.contains("raise V") || line.contains("yield") || line.contains("return {")
            })
            .map(|(_, line)| line)
            .collect()
    }

    /// Every output line is a whole source line (in order) or a marker.
    fn assert_whole_lines(source: &str, shortened: &str) {
        let mut source_lines = source.lines();
        for line in shortened.lines() {
            if line.trim_start().starts_with("# ...") && line.ends_with("elided ...") {
                continue;
            }
            assert!(source_lines.any(|s| s == line), "not a whole source line in order: {line:?}");
        }
    }

    #[test]
    fn long_function_keeps_what_matters_and_fits() {
        let source = long_function();
        let full = count(&source);
        let budget = full / 3;
        let result = shorten(&source, 0..3, Some(3..6), budget, count);
        assert!(result.fits, "{result:?}");
        assert!(result.tokens <= budget, "{} > {budget}", result.tokens);
        assert_eq!(result.tokens, count(&result.text));
        assert!(result.elided_lines > 0);
        for line in always_kept(&source) {
            assert!(result.text.lines().any(|l| l == line), "lost {line:?}:\n{}", result.text);
        }
        assert!(result.text.contains("    # ... "), "{}", result.text);
        assert!(result.text.contains(" lines elided ...\n"), "{}", result.text);
        assert_whole_lines(&source, &result.text);
    }

    #[test]
    fn context_is_kept_when_the_budget_allows() {
        let source = long_function();
        let result = shorten(&source, 0..3, Some(3..6), count(&source) * 3 / 4, count);
        assert!(result.fits && result.elided_lines > 0, "{result:?}");
        // The line before the raise and the lines after the yield survive.
        assert!(result.text.contains("    if not strict:\n        raise"), "{}", result.text);
        assert!(result.text.contains("        yield item\n        total_0"), "{}", result.text);
        assert_whole_lines(&source, &result.text);
    }

    #[test]
    fn the_longest_run_goes_first_and_loses_only_what_it_must() {
        let source = long_function();
        // Just under the full count: a few lines from the middle of the
        // 41-line run before the raise are enough.
        let result = shorten(&source, 0..3, Some(3..6), count(&source) - 5, count);
        assert!(result.fits && result.tokens <= count(&source) - 5);
        assert!((1..=3).contains(&result.elided_lines), "{}", result.text);
        let marker = result.text.find("    # ... ").unwrap();
        assert!(result.text[..marker].contains("value_15 ="), "{}", result.text);
        assert!(result.text[marker..].contains("value_25 ="), "{}", result.text);
        for i in 0..25 {
            assert!(result.text.contains(&format!("other_{i} =")), "{}", result.text);
        }
        assert_whole_lines(&source, &result.text);
    }

    #[test]
    fn too_long_returns_the_minimal_form() {
        let source = long_function();
        let result = shorten(&source, 0..3, Some(3..6), 20, count);
        assert!(!result.fits);
        assert!(result.tokens > 20);
        for line in always_kept(&source) {
            assert!(result.text.lines().any(|l| l == line), "lost {line:?}");
        }
        assert!(!result.text.contains("value_1 "), "{}", result.text);
        assert!(!result.text.contains("other_3 "), "{}", result.text);
        assert_whole_lines(&source, &result.text);
    }

    #[test]
    fn fitting_text_is_unchanged() {
        let source = long_function();
        let result = shorten(&source, 0..3, Some(3..6), count(&source), count);
        assert_eq!(result, Shortened { text: source.clone(), tokens: count(&source), elided_lines: 0, fits: true });
    }

    #[test]
    fn markers_take_the_indentation_and_line_ending_of_the_run() {
        let mut source = "def f():\r\n".to_string();
        for i in 0..30 {
            source.push_str(&format!("\t\tcall_{i}(some, arguments, here)\r\n"));
        }
        source.push_str("\treturn 1");
        let result = shorten(&source, 0..1, None, 25, count);
        assert!(result.text.contains("\t\t# ... "), "{:?}", result.text);
        assert!(result.text.contains("elided ...\r\n"), "{:?}", result.text);
        assert!(result.text.ends_with("\treturn 1"), "{:?}", result.text);
        assert!(result.tokens <= 25 && result.fits, "{result:?}");
    }

    #[test]
    fn keywords_are_found_in_code_only() {
        for line in [
            "    return",
            "    return x",
            "    else: return y",
            "        raise",
            "        raise Error('x') from e",
            "    yield from gen()",
            "    x = (yield)",
            "    async def inner():",
            "    class Inner:",
            "    def nested(a, b):",
            "    s = 'it\\'s'; return s",
        ] {
            assert!(is_essential(line), "{line:?}");
        }
        for line in [
            "    return_value = 1",
            "    self.returns = []",
            "    x = 'raise'",
            "    y = \"yield to\"  # and return",
            "    # return early",
            "    log('failed to return')",
            "    reraise(e)",
            "    define = 1",
            "",
        ] {
            assert!(!is_essential(line), "{line:?}");
        }
    }

    #[test]
    fn definitions_from_the_model() {
        let source = format!(
            "import os\n\n\nclass Store:\n    \"\"\"A store.\"\"\"\n\n    @property\n    def size(\n        self,\n    ) -> int:\n        \"\"\"Size.\"\"\"\n{}        if self.empty:\n            raise KeyError('empty')\n        return 3\n\n\nx = 1\n",
            (0..60).map(|i| format!("        step_{i} = self.work({i})\n")).collect::<String>()
        );
        let module = parse_module(&source).unwrap();
        let index = module.definitions.iter().position(|d| d.name == "size").unwrap();
        let budget = 120;
        let result = shorten_definition(&source, &module, index, budget, count).unwrap();
        assert!(result.fits && result.tokens <= budget, "{result:?}");
        assert!(
            result
                .text
                .starts_with("    @property\n    def size(\n        self,\n    ) -> int:\n        \"\"\"Size.\"\"\"\n"),
            "{}",
            result.text
        );
        assert!(result.text.contains("            raise KeyError('empty')\n        return 3\n"), "{}", result.text);
        assert!(result.text.contains("        # ... "), "{}", result.text);
        assert!(!result.text.contains("x = 1") && !result.text.contains("class Store"));
        assert_whole_lines(&source, &result.text);

        // The class keeps its header, its docstring and the nested signature.
        let class = module.definitions.iter().position(|d| d.name == "Store").unwrap();
        let result = shorten_definition(&source, &module, class, budget, count).unwrap();
        assert!(result.text.starts_with("class Store:\n    \"\"\"A store.\"\"\"\n"), "{}", result.text);
        assert!(result.text.contains("    def size(\n"), "{}", result.text);

        assert_eq!(shorten_definition(&source, &module, 99, budget, count), None);
        // A model of another text gives no answer or a harmless one, never a panic.
        let _ = shorten_definition("x", &module, index, budget, count);
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        let texts = ["", "\n", "x", "def f():\n", "\n\n\n\n", "é\u{a0}\t\n#\n'\"\\"];
        for text in texts {
            for budget in [0, 1, 5, 1000] {
                for header in [0..0, 0..1, Range { start: 3, end: 1 }, 5..50] {
                    let result = shorten(text, header.clone(), Some(2..100), budget, count);
                    assert_eq!(result.tokens, count(&result.text));
                    let _ = shorten(text, header, None, budget, |t: &str| t.len());
                }
            }
        }
    }
}
