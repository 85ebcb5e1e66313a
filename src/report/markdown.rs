//! Markdown documentation of modules: a page per module (its docstring, its
//! figures, its classes, functions and variables) and an index of them.
//!
//! Pure: parsed modules and their report figures in, Markdown text out. The
//! text is CommonMark with GitHub's tables; whatever comes from the code or
//! a docstring is escaped so that it shows as written (backquoted code spans
//! in docstrings stay code spans), every class and function heading carries
//! an anchor named by its qualified name (`#Box.area`), and the same input
//! always gives the same bytes.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::docstring::{self, Docstring};
use crate::git::LastChange;
use crate::python::workspace::signature;
use crate::python::{Definition, DefinitionKind, Module, Param, SourceFile, Variable, is_private_name};
use crate::report::complexity::Graph;
use crate::report::coverage::{Tally, documented};

/// What a module's page is made of.
pub struct ModuleDoc<'a> {
    /// The dotted module name: `pkg.sub.mod`.
    pub name: &'a str,
    pub file: &'a SourceFile,
    /// The module's docstring coverage, as `docwright coverage` counts it.
    pub coverage: Tally,
    /// The module's complexity report, as `docwright complexity` lists it.
    pub graphs: &'a [Graph],
    pub last_change: Option<&'a LastChange>,
    /// Show `_private` names too.
    pub private: bool,
}

/// What the index says of a module.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexEntry {
    pub name: String,
    /// The page's file name, relative to the index.
    pub page: String,
    /// The first line of the module's docstring.
    pub summary: Option<String>,
    pub coverage: Tally,
    /// The complexity of each function the complexity report lists.
    pub complexities: Vec<i64>,
    pub items: Vec<IndexItem>,
}

/// A class or function on a module's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexItem {
    pub qualname: String,
    /// Its anchor on the page: the qualified name, unless that is another's.
    pub anchor: String,
    pub kind: DefinitionKind,
    pub documented: bool,
}

/// The file name of a module's page: `pkg.sub.mod.md`. A module named
/// `index` gets `index_.md`, as `index.md` is the index.
pub fn page_file(name: &str) -> String {
    if name == "index" { "index_.md".to_string() } else { format!("{name}.md") }
}

/// One definition shown on a page, or several with the same qualified name
/// (overloads, a property's getter and setter, a conditional redefinition):
/// one heading and anchor, each signature, the first docstring.
struct Item<'m> {
    qualname: &'m str,
    anchor: String,
    kind: DefinitionKind,
    definitions: Vec<&'m Definition>,
    /// A class's methods.
    methods: Vec<Item<'m>>,
}

impl Item<'_> {
    fn docstring(&self) -> Option<&str> {
        self.definitions.iter().filter_map(|d| d.docstring.as_ref()).map(|d| d.value.as_str()).find(|v| documented(v))
    }

    fn index_item(&self) -> IndexItem {
        IndexItem {
            qualname: self.qualname.to_string(),
            anchor: self.anchor.clone(),
            kind: self.kind,
            documented: self.docstring().is_some(),
        }
    }
}

/// What a page shows: classes (with their methods) and functions, in the
/// order of the source.
struct Contents<'m> {
    classes: Vec<Item<'m>>,
    functions: Vec<Item<'m>>,
}

impl Contents<'_> {
    /// The anchor of the function or method named `qualname`, when shown.
    fn function_anchor(&self, qualname: &str) -> Option<&str> {
        let items = self.classes.iter().flat_map(|c| c.methods.iter()).chain(&self.functions);
        items.filter(|i| i.qualname == qualname).map(|i| i.anchor.as_str()).next()
    }
}

fn contents(module: &Module, private: bool) -> Contents<'_> {
    // Whether each definition is shown: its name is, and it is at the top
    // level, a method, or a class in a class, all of whose parents are shown.
    let mut shown = vec![false; module.definitions.len()];
    for (at, definition) in module.definitions.iter().enumerate() {
        let parent_shown =
            definition.parent.is_none_or(|p| shown[p] && module.definitions[p].kind == DefinitionKind::Class);
        shown[at] = parent_shown && (private || !definition.is_private());
    }
    let mut contents = Contents { classes: Vec::new(), functions: Vec::new() };
    for (definition, _) in module.definitions.iter().zip(&shown).filter(|(_, shown)| **shown) {
        let items = match (definition.kind, definition.parent) {
            (DefinitionKind::Class, _) => &mut contents.classes,
            (_, None) => &mut contents.functions,
            (_, Some(parent)) => {
                let class = &module.definitions[parent].qualname;
                let Some(class) = contents.classes.iter_mut().find(|c| c.qualname == class) else { continue };
                &mut class.methods
            }
        };
        match items.iter_mut().find(|item| item.qualname == definition.qualname) {
            Some(item) => item.definitions.push(definition),
            None => items.push(Item {
                qualname: &definition.qualname,
                anchor: String::new(),
                kind: definition.kind,
                definitions: vec![definition],
                methods: Vec::new(),
            }),
        }
    }
    let mut taken = HashSet::new();
    name_anchors(&mut contents.classes, &mut taken);
    name_anchors(&mut contents.functions, &mut taken);
    contents
}

/// Each item's anchor, in page order: its qualified name, or with `-2`,
/// `-3`... when that is taken (a class and a function of the same name).
fn name_anchors(items: &mut [Item<'_>], taken: &mut HashSet<String>) {
    for item in items {
        item.anchor = (1..)
            .map(|n| if n == 1 { item.qualname.to_string() } else { format!("{}-{n}", item.qualname) })
            .find(|anchor| taken.insert(anchor.clone()))
            .unwrap_or_default();
        name_anchors(&mut item.methods, taken);
    }
}

/// The complexity figures of a module: the graphs that are functions (not
/// `If 12`-like statements outside any function).
fn function_graphs(graphs: &[Graph]) -> impl Iterator<Item = &Graph> {
    graphs.iter().filter(|g| !g.name.contains(' '))
}

/// A module's page, and what the index says of it.
pub fn module_page(doc: &ModuleDoc<'_>) -> (String, IndexEntry) {
    let module = doc.file.module();
    let contents = contents(module, doc.private);
    let mut out = String::new();
    out.push_str(&format!("# {}\n\n", inline(doc.name)));
    let module_docstring = module.docstring.as_ref().map(|d| d.value.as_str()).filter(|v| documented(v));
    match module_docstring {
        Some(text) => out.push_str(&docstring_markdown(text, &[], None)),
        None => out.push_str(UNDOCUMENTED),
    }
    out.push_str(&figures(doc, &contents));
    if let Some(change) = doc.last_change {
        out.push_str(&format!(
            "**Last change:** {} by {}, {}: {}\n\n",
            inline(&change.date),
            inline(&change.author),
            code_span(&change.hash, false),
            inline(&change.subject)
        ));
    }
    let complexity: HashMap<&str, i64> = function_graphs(doc.graphs).map(|g| (g.name.as_str(), g.complexity)).collect();
    let mut items = Vec::new();
    if !contents.classes.is_empty() {
        out.push_str("## Classes\n\n");
        for class in &contents.classes {
            out.push_str(&item_markdown(doc.file, class, 3, &complexity));
            items.push(class.index_item());
            for method in &class.methods {
                out.push_str(&item_markdown(doc.file, method, 4, &complexity));
                items.push(method.index_item());
            }
        }
    }
    if !contents.functions.is_empty() {
        out.push_str("## Functions\n\n");
        for function in &contents.functions {
            out.push_str(&item_markdown(doc.file, function, 3, &complexity));
            items.push(function.index_item());
        }
    }
    let variables = variables(module, doc.private);
    if !variables.is_empty() {
        out.push_str("## Variables\n\n| name | type | value |\n| --- | --- | --- |\n");
        for variable in variables {
            let annotation = variable.annotation.as_deref().map(|t| code_span(t, true)).unwrap_or_default();
            let value = match variable.value.as_deref() {
                Some(value) if is_short(value) => code_span(value, true),
                Some(_) => "…".to_string(),
                None => String::new(),
            };
            out.push_str(&format!("| {} | {annotation} | {value} |\n", code_span(&variable.name, true)));
        }
        out.push('\n');
    }
    let entry = IndexEntry {
        name: doc.name.to_string(),
        page: page_file(doc.name),
        summary: module_docstring.map(|text| docstring::parse(text, None).summary).filter(|s| !s.is_empty()),
        coverage: doc.coverage,
        complexities: function_graphs(doc.graphs).map(|g| g.complexity).collect(),
        items,
    };
    (finish(out), entry)
}

const UNDOCUMENTED: &str = "*Undocumented.*\n\n";

/// The figures line: coverage, and the average and highest complexity.
fn figures(doc: &ModuleDoc<'_>, contents: &Contents<'_>) -> String {
    let coverage = doc.coverage;
    let mut line =
        format!("**Docstring coverage:** {:.1}% ({} of {})", coverage.percent(), coverage.documented, coverage.total);
    let graphs: Vec<&Graph> = function_graphs(doc.graphs).collect();
    // The first of the most complex, in the report's order.
    let highest = graphs.iter().fold(None, |best: Option<&&Graph>, g| match best {
        Some(b) if b.complexity >= g.complexity => Some(b),
        _ => Some(g),
    });
    match highest {
        Some(highest) => {
            let average = graphs.iter().map(|g| g.complexity).sum::<i64>() as f64 / graphs.len() as f64;
            let name = match contents.function_anchor(&highest.name) {
                Some(anchor) => link(&code_span(&highest.name, false), &format!("#{}", url(anchor))),
                None => code_span(&highest.name, false),
            };
            line.push_str(&format!(
                " · **Complexity:** average {average:.1}, highest {} in {name}",
                highest.complexity
            ));
        }
        None => line.push_str(" · **Complexity:** no functions"),
    }
    line.push_str("\n\n");
    line
}

/// A class or function: its heading with its anchor, its signatures, its
/// docstring, its complexity.
fn item_markdown(file: &SourceFile, item: &Item<'_>, level: usize, complexity: &HashMap<&str, i64>) -> String {
    let mut out = String::new();
    let what = if item.kind == DefinitionKind::Class { "class " } else { "" };
    out.push_str(&format!(
        "{} {}{what}{}\n\n",
        "#".repeat(level),
        anchor(&item.anchor),
        code_span(item.qualname, false)
    ));
    let signatures: Vec<String> = item
        .definitions
        .iter()
        .map(|d| {
            let mut lines: Vec<String> = d.decorators.iter().map(|dec| format!("@{}", dec.text)).collect();
            lines.push(signature(file, d));
            lines.join("\n")
        })
        .collect();
    out.push_str(&fenced("python", &signatures.join("\n\n")));
    match item.docstring() {
        Some(text) => {
            let documented = item.definitions.iter().find(|d| d.docstring.as_ref().is_some_and(|d| d.value == text));
            let params = documented.map_or(&[][..], |d| &d.params[..]);
            out.push_str(&docstring_markdown(text, params, documented.and_then(|d| d.returns.as_deref())));
        }
        None => out.push_str(UNDOCUMENTED),
    }
    if let Some(value) = complexity.get(item.qualname).filter(|_| item.kind.is_function()) {
        out.push_str(&format!("Complexity: {value}\n\n"));
    }
    out
}

/// The variables a page lists: each name once, as last assigned, where it
/// is first assigned.
fn variables(module: &Module, private: bool) -> Vec<&Variable> {
    let mut order: Vec<&str> = Vec::new();
    let mut last: HashMap<&str, &Variable> = HashMap::new();
    for variable in &module.variables {
        let name = variable.name.as_str();
        if !private && is_private_name(name) {
            continue;
        }
        if last.insert(name, variable).is_none() {
            order.push(name);
        }
    }
    order.into_iter().filter_map(|name| last.get(name).copied()).collect()
}

/// A value short enough for a table cell.
fn is_short(value: &str) -> bool {
    value.chars().count() <= 60 && !value.contains(['\n', '\r'])
}

/// The index: a table of the modules, the totals, and each module's classes
/// and functions.
pub fn index_page(entries: &[IndexEntry]) -> String {
    let mut entries: Vec<&IndexEntry> = entries.iter().collect();
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    let mut total = Tally::default();
    let mut complexities = Vec::new();
    let mut out = String::from("# API reference\n\n| module | summary | docstring coverage |\n| --- | --- | --- |\n");
    for entry in &entries {
        total.add(entry.coverage);
        complexities.extend(&entry.complexities);
        let summary = entry.summary.as_deref().map_or_else(|| "*undocumented*".to_string(), inline_cell);
        out.push_str(&format!(
            "| {} | {summary} | {:.1}% |\n",
            link(&inline_cell(&entry.name), &url(&entry.page)),
            entry.coverage.percent()
        ));
    }
    out.push_str(&format!(
        "\n**Total:** {} module{}, {} of {} documented ({:.1}%)",
        entries.len(),
        if entries.len() == 1 { "" } else { "s" },
        total.documented,
        total.total,
        total.percent()
    ));
    if !complexities.is_empty() {
        let average = complexities.iter().sum::<i64>() as f64 / complexities.len() as f64;
        out.push_str(&format!(", average complexity {average:.1}"));
    }
    out.push_str("\n\n");
    for entry in entries.iter().filter(|e| !e.items.is_empty()) {
        out.push_str(&format!("## {}\n\n", link(&inline(&entry.name), &url(&entry.page))));
        for item in &entry.items {
            let indent = if item.kind == DefinitionKind::Method { "  " } else { "" };
            let what = if item.kind == DefinitionKind::Class { "class " } else { "" };
            let target = format!("{}#{}", url(&entry.page), url(&item.anchor));
            let marker = if item.documented { "" } else { " *(undocumented)*" };
            out.push_str(&format!("{indent}- {what}{}{marker}\n", link(&code_span(&item.qualname, false), &target)));
        }
        out.push('\n');
    }
    finish(out)
}

/// The text ending with exactly one newline.
fn finish(mut out: String) -> String {
    let kept = out.trim_end().len();
    out.truncate(kept);
    out.push('\n');
    out
}

// ------------------------------------------------------------- docstrings

/// A docstring as Markdown: summary, description, then its sections
/// (parameters and attributes as tables; returns, yields and raises as
/// lists). Types and defaults the docstring leaves out come from the
/// signature: `params`, and the return annotation `returns`. A docstring
/// whose parse does not account for all its words is shown as written, in
/// a code block.
pub fn docstring_markdown(text: &str, params: &[Param], returns: Option<&str>) -> String {
    let mut doc = docstring::parse(text, None);
    if !accounts_for(text, &doc) {
        return fenced("text", &docstring::parse::clean(text));
    }
    if let ([only], Some(annotation)) = (&mut doc.returns[..], returns)
        && only.name.is_none()
    {
        only.type_name.get_or_insert_with(|| annotation.to_string());
    }
    let mut out = String::new();
    for block in [&doc.summary, &doc.description] {
        if !block.trim().is_empty() {
            out.push_str(&blocks(block));
        }
    }
    if !doc.params.is_empty() {
        let rows = doc.params.iter().map(|p| {
            let code = params.iter().find(|c| c.display_name() == p.name || c.name == p.name);
            let type_name = p.type_name.clone().or_else(|| code.and_then(|c| c.annotation.clone()));
            let default = p.default.clone().or_else(|| code.and_then(|c| c.default.clone()));
            [Some(p.name.clone()), type_name, default, Some(p.description.clone())]
        });
        out.push_str(&table("Parameters", ["name", "type", "default", "description"], rows));
    }
    for (title, entries) in [("Returns", &doc.returns), ("Yields", &doc.yields)] {
        let lines = entries.iter().map(|r| {
            let head = match (&r.name, &r.type_name) {
                (Some(name), Some(type_name)) => {
                    format!("{} ({})", code_span(name, false), code_span(type_name, false))
                }
                (Some(name), None) => code_span(name, false),
                (None, Some(type_name)) => code_span(type_name, false),
                (None, None) => String::new(),
            };
            (head, r.description.as_str())
        });
        out.push_str(&list(title, lines));
    }
    out.push_str(&list("Raises", doc.raises.iter().map(|r| (code_span(&r.exception, false), r.description.as_str()))));
    if !doc.attributes.is_empty() {
        let rows = doc
            .attributes
            .iter()
            .map(|a| [Some(a.name.clone()), a.type_name.clone(), None, Some(a.description.clone())]);
        out.push_str(&table("Attributes", ["name", "type", "default", "description"], rows));
    }
    if !doc.examples.trim().is_empty() {
        out.push_str("**Examples**\n\n");
        out.push_str(&blocks(&doc.examples));
    }
    for section in &doc.other_sections {
        if !section.title.trim().is_empty() {
            out.push_str(&format!("**{}**\n\n", inline(section.title.trim())));
        }
        out.push_str(&blocks(&section.body));
    }
    out
}

/// A titled table of entries: name (as code), type (as code), default (as
/// code), description; a column nothing fills is left out.
fn table<const N: usize>(title: &str, headers: [&str; N], rows: impl Iterator<Item = [Option<String>; N]>) -> String {
    let rows: Vec<[Option<String>; N]> = rows.collect();
    let used: Vec<usize> =
        (0..N).filter(|&column| rows.iter().any(|row| row[column].as_deref().is_some_and(|c| !c.is_empty()))).collect();
    let mut out = format!("**{title}**\n\n|");
    for &column in &used {
        out.push_str(&format!(" {} |", headers[column]));
    }
    out.push_str("\n|");
    out.push_str(&" --- |".repeat(used.len()));
    out.push('\n');
    for row in &rows {
        out.push('|');
        for &column in &used {
            let cell = row[column].as_deref().unwrap_or("");
            // The last column is prose; the others are code.
            let cell = if cell.is_empty() {
                String::new()
            } else if column + 1 == N {
                inline_cell(cell)
            } else {
                code_span(cell, true)
            };
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out.push('\n');
    out
}

/// A titled list of `head: description` entries; nothing when empty.
fn list<'a>(title: &str, entries: impl Iterator<Item = (String, &'a str)>) -> String {
    let mut out = String::new();
    for (head, description) in entries {
        let description = inline(&one_line(description));
        let entry = match (head.is_empty(), description.is_empty()) {
            (false, false) => format!("{head}: {description}"),
            (false, true) => head,
            (true, _) => description,
        };
        out.push_str(&format!("- {entry}\n"));
    }
    if out.is_empty() { out } else { format!("**{title}**\n\n{out}\n") }
}

/// Whether the parsed docstring holds every word of the text, but for the
/// words a style uses for its structure (section titles, field names): a
/// parse that lost something is not shown in its place.
fn accounts_for(text: &str, doc: &Docstring) -> bool {
    let mut kept = String::new();
    let mut add = |s: &str| {
        kept.push_str(s);
        kept.push(' ');
    };
    add(&doc.summary);
    add(&doc.description);
    add(&doc.examples);
    for p in &doc.params {
        [&p.name, &p.description].into_iter().chain(&p.type_name).chain(&p.default).for_each(|s| add(s));
    }
    for r in doc.returns.iter().chain(&doc.yields) {
        [&r.description].into_iter().chain(&r.name).chain(&r.type_name).for_each(|s| add(s));
    }
    for r in &doc.raises {
        add(&r.exception);
        add(&r.description);
    }
    for a in &doc.attributes {
        [&a.name, &a.description].into_iter().chain(&a.type_name).for_each(|s| add(s));
    }
    for s in &doc.other_sections {
        add(&s.title);
        add(&s.body);
    }
    let words = |s: &str| -> BTreeSet<String> {
        s.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
    };
    let kept = words(&kept);
    words(text).iter().all(|w| kept.contains(w) || docstring::parse::is_structure_word(w))
}

/// The lines of `text` joined into one, each trimmed.
fn one_line(text: &str) -> String {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Docstring prose as Markdown blocks: paragraphs (escaped, code spans
/// kept), doctest sessions (`>>>`) and indented literal blocks as code
/// blocks, Markdown code fences as they are.
fn blocks(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let mut out = String::new();
    let mut at = 0;
    while at < lines.len() {
        let line = lines[at];
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            at += 1;
            continue;
        }
        let start = at;
        if let Some(fence) = fence_of(trimmed) {
            // A fence in the docstring: kept, closed if it was not.
            at += 1;
            while at < lines.len() && !closes(lines[at].trim_start(), &fence) {
                at += 1;
            }
            out.push_str(&dedent(&lines[start..at.min(lines.len())]));
            out.push_str(&format!("\n{fence}\n\n"));
            at += 1;
        } else if trimmed.starts_with(">>>") {
            while at < lines.len() && !lines[at].trim().is_empty() {
                at += 1;
            }
            out.push_str(&fenced("pycon", &dedent(&lines[start..at])));
        } else if line.starts_with(char::is_whitespace) {
            // An indented block (a reST literal block, an example): until a
            // line that is not indented.
            while at < lines.len() && (lines[at].trim().is_empty() || lines[at].starts_with(char::is_whitespace)) {
                at += 1;
            }
            out.push_str(&fenced("", dedent(&lines[start..at]).trim_matches('\n')));
        } else {
            // Until a blank line, a doctest, or an indented line (laid out by
            // hand: a block of its own) unless it continues a list item.
            let mut in_list = false;
            while at < lines.len() {
                let line = lines[at];
                let indented = line.starts_with(char::is_whitespace);
                if line.trim().is_empty() || line.trim_start().starts_with(">>>") || (indented && !in_list) {
                    break;
                }
                in_list |= is_list_item(line);
                at += 1;
            }
            let paragraph: Vec<&str> = lines[start..at].iter().map(|l| l.trim_start()).collect();
            let escaped: Vec<String> = inline(&paragraph.join("\n")).lines().map(line_start).collect();
            out.push_str(&escaped.join("\n"));
            out.push_str("\n\n");
        }
    }
    out
}

/// A line that starts a Markdown list item: `- `, `* `, `+ `, `1. `, `1) `.
fn is_list_item(line: &str) -> bool {
    let numbered = line.trim_start_matches(|c: char| c.is_ascii_digit());
    ["- ", "* ", "+ "].iter().any(|marker| line.starts_with(marker))
        || (numbered.len() < line.len() && (numbered.starts_with(". ") || numbered.starts_with(") ")))
}

/// The fence a line opens (three or more backquotes or tildes), if it does.
fn fence_of(line: &str) -> Option<String> {
    let c = line.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let fence: String = line.chars().take_while(|x| *x == c).collect();
    // A backquote fence's info string cannot hold a backquote.
    let info_ok = c == '~' || !line[fence.len()..].contains('`');
    (fence.len() >= 3 && info_ok).then_some(fence)
}

fn closes(line: &str, fence: &str) -> bool {
    let c = fence.chars().next().unwrap_or('`');
    let run = line.chars().take_while(|x| *x == c).count();
    run >= fence.len() && line[run..].trim().is_empty()
}

/// Lines without their common indentation, joined.
fn dedent(lines: &[&str]) -> String {
    let indent = lines.iter().filter(|l| !l.trim().is_empty()).map(|l| l.len() - l.trim_start().len()).min();
    let indent = indent.unwrap_or(0);
    lines.iter().map(|l| l.get(indent..).unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// A paragraph's line once `inline` escaped it: escaped at its start too
/// where Markdown would read a heading (`#`) or an underline (`---`, `===`,
/// which also make a rule). Lists stay lists: a `*` item (its star escaped)
/// becomes a `-` item.
fn line_start(line: &str) -> String {
    let underline = !line.is_empty() && line.chars().all(|c| matches!(c, '-' | '=' | ' '));
    if line.starts_with('#') || underline {
        format!("\\{line}")
    } else if let Some(rest) = line.strip_prefix("\\* ") {
        format!("- {rest}")
    } else {
        line.to_string()
    }
}

/// Text that shows as written in Markdown: the characters that mean
/// something there are escaped, except inside code spans (backquoted text,
/// which docstrings use for code too), kept as they are.
pub fn inline(text: &str) -> String {
    escape(text, false)
}

/// `inline` for a table cell: on one line, `|` escaped inside code spans too.
fn inline_cell(text: &str) -> String {
    escape(&one_line(text), true)
}

fn escape(text: &str, cell: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while at < chars.len() {
        let c = chars[at];
        if c == '`' {
            let run = chars[at..].iter().take_while(|x| **x == '`').count();
            if let Some(end) = closing_run(&chars, at + run, run) {
                let span: String = chars[at..end + run].iter().collect();
                out.push_str(&if cell { span.replace('|', "\\|") } else { span });
                at = end + run;
            } else {
                out.push_str(&"\\`".repeat(run));
                at += run;
            }
            continue;
        }
        let alphanumeric = |i: Option<usize>| i.and_then(|i| chars.get(i)).is_some_and(|c| c.is_alphanumeric());
        let escaped = match c {
            '\\' | '*' | '[' | ']' | '<' | '>' | '&' | '|' | '~' => true,
            // `_` inside a word never emphasises.
            '_' => !(alphanumeric(at.checked_sub(1)) && alphanumeric(Some(at + 1))),
            _ => false,
        };
        if escaped {
            out.push('\\');
        }
        out.push(c);
        at += 1;
    }
    out
}

/// Where a run of exactly `run` backquotes starts at or after `from`.
fn closing_run(chars: &[char], from: usize, run: usize) -> Option<usize> {
    let mut at = from;
    while at < chars.len() {
        if chars[at] == '`' {
            let length = chars[at..].iter().take_while(|x| **x == '`').count();
            if length == run {
                return Some(at);
            }
            at += length;
        } else {
            at += 1;
        }
    }
    None
}

/// `text` as one code span, whatever backquotes it holds; in a table cell,
/// with `|` escaped (GitHub's tables split cells there even in code).
pub fn code_span(text: &str, cell: bool) -> String {
    let text = one_line(text);
    let longest = longest_run(&text, '`');
    let ticks = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    let span = format!("{ticks}{pad}{text}{pad}{ticks}");
    if cell { span.replace('|', "\\|") } else { span }
}

/// A fenced code block holding `text` as it is, whatever fences it holds.
fn fenced(language: &str, text: &str) -> String {
    let ticks = "`".repeat(longest_run(text, '`').max(2) + 1);
    format!("{ticks}{language}\n{text}\n{ticks}\n\n")
}

fn longest_run(text: &str, c: char) -> usize {
    text.split(|x| x != c).map(str::len).max().unwrap_or(0)
}

/// A Markdown link.
fn link(text: &str, target: &str) -> String {
    format!("[{text}]({target})")
}

/// A link target: what is not plain in a URL percent-encoded.
fn url(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// An HTML anchor named `id` (a qualified name: letters, digits, `_`, `.`).
fn anchor(id: &str) -> String {
    format!("<a id=\"{}\"></a>", id.replace('&', "&amp;").replace('"', "&quot;"))
}

#[cfg(test)]
mod tests {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

    use super::*;
    use crate::report::complexity::graphs;

    fn parser(markdown: &str) -> Parser<'_> {
        Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH)
    }

    /// The text a reader sees in `markdown`: text and code, a line break as
    /// `\n`, and `|` after each paragraph, list item and table cell.
    fn seen(markdown: &str) -> String {
        let mut out = String::new();
        for event in parser(markdown) {
            match event {
                Event::Text(text) | Event::Code(text) => out.push_str(&text),
                Event::SoftBreak | Event::HardBreak => out.push('\n'),
                Event::End(TagEnd::Paragraph | TagEnd::TableCell | TagEnd::Item) => out.push('|'),
                _ => {}
            }
        }
        out
    }

    /// The blocks `markdown` is made of, in order: `p`, `code`, `list`,
    /// `table`, or `other` (a heading, a quote, HTML, a rule).
    fn blocks_of(markdown: &str) -> Vec<&'static str> {
        parser(markdown)
            .filter_map(|event| match event {
                Event::Start(Tag::Paragraph) => Some("p"),
                Event::Start(Tag::CodeBlock(_)) => Some("code"),
                Event::Start(Tag::List(_)) => Some("list"),
                Event::Start(Tag::Table(_)) => Some("table"),
                Event::Start(Tag::Heading { .. } | Tag::BlockQuote(_) | Tag::HtmlBlock) | Event::Rule => Some("other"),
                _ => None,
            })
            .collect()
    }

    const HOSTILE: &[&str] = &[
        "a*b*c and **bold**",
        "_x_ and snake_case_name and __dunder__",
        "[not a link](http://example.com) and ![no image](x.png) and [ref]",
        "<b>not html</b> & &amp; &#42; <https://autolink.example>",
        "a | b || c",
        "~~not struck~~",
        r"back\slash \* \_ and a final \",
    ];

    #[test]
    fn text_shows_as_written() {
        for text in HOSTILE {
            assert_eq!(seen(&inline(text)), format!("{text}|"), "{text}");
            assert_eq!(blocks_of(&inline(text)), ["p"], "{text}");
        }
    }

    #[test]
    fn backquoted_code_stays_code_and_a_stray_backquote_is_text() {
        let text = "a `code*span*`, ``double `tick` code`` and a stray ` tick";
        let markdown = inline(text);
        assert_eq!(markdown, "a `code*span*`, ``double `tick` code`` and a stray \\` tick");
        assert_eq!(seen(&markdown), "a code*span*, double `tick` code and a stray ` tick|");
    }

    #[test]
    fn code_spans_and_blocks_hold_any_backquotes() {
        for text in ["plain", "a`b", "``x``", "`edge", "a | b"] {
            assert_eq!(seen(&code_span(text, false)), format!("{text}|"), "{text}");
        }
        let block = fenced("python", "x = '''\n```\n'''");
        assert_eq!(block, "````python\nx = '''\n```\n'''\n````\n\n");
        assert_eq!(blocks_of(&block), ["code"]);
    }

    #[test]
    fn table_cells_escape_bars_even_in_code() {
        let rows =
            [[Some("x".to_string()), Some("int | None".to_string()), None, Some("a | b\nover lines".to_string())]];
        let table = table("Parameters", ["name", "type", "default", "description"], rows.into_iter());
        assert_eq!(
            table,
            "**Parameters**\n\n| name | type | description |\n| --- | --- | --- |\n| `x` | `int \\| None` | a \\| b over lines |\n\n"
        );
        assert_eq!(seen(&table), "Parameters|name|type|description|x|int | None|a | b over lines|");
    }

    #[test]
    fn prose_keeps_paragraphs_and_lists_and_reads_no_headings_quotes_or_rules() {
        let text = "# not a heading\nSetext?\n---\n\n> not a quote\n\n- a list\n* another\n\n1. numbered";
        let markdown = blocks(text);
        assert_eq!(blocks_of(&markdown), ["p", "p", "list", "list"]);
        assert_eq!(seen(&markdown), "# not a heading\nSetext?\n---|> not a quote|a list|another|numbered|");
    }

    #[test]
    fn lines_laid_out_under_a_paragraph_are_a_code_block_but_a_list_item_continues() {
        let text = "Settings:\n  width (default: 70)\n    the width\n  tabs\nAfter.\n\n- an item\n  continued\n2) numbered\n   continued";
        let markdown = blocks(text);
        assert_eq!(blocks_of(&markdown), ["p", "code", "p", "list", "list"]);
        assert!(
            markdown.contains("Settings:\n\n```\nwidth (default: 70)\n  the width\ntabs\n```\n\nAfter."),
            "{markdown}"
        );
        assert_eq!(seen(&markdown).rsplit_once("After.|").unwrap().1, "an item\ncontinued|numbered\ncontinued|");
    }

    #[test]
    fn doctests_literal_blocks_and_fences_are_code_blocks() {
        let text = "Use it so::\n\n    x = f(1)\n\n      indented more\nback.\n\n>>> f(1)\n2\n\n```python\ny = 2\n```\n~~~\nnever closed";
        let markdown = blocks(text);
        assert_eq!(blocks_of(&markdown), ["p", "code", "p", "code", "code", "code"]);
        assert!(markdown.contains("```\nx = f(1)\n\n  indented more\n```"), "{markdown}");
        assert!(markdown.contains("```pycon\n>>> f(1)\n2\n```"), "{markdown}");
        assert!(markdown.contains("```python\ny = 2\n```"), "{markdown}");
        assert!(markdown.ends_with("~~~\nnever closed\n~~~\n\n"), "{markdown}");
    }

    #[test]
    fn a_docstring_its_parse_loses_words_of_is_shown_as_written() {
        // Sphinx's `:returns NAME:` is no field the parser knows.
        let text = "Pack it.\n\n:returns data: Payload for the message\n:rtype: bytes\n";
        assert_eq!(
            docstring_markdown(text, &[], None),
            "```text\nPack it.\n\n:returns data: Payload for the message\n:rtype: bytes\n```\n\n"
        );
        let google = "Pack it.\n\nReturns:\n    bytes: Payload for the message.\n";
        assert_eq!(
            docstring_markdown(google, &[], None),
            "Pack it.\n\n**Returns**\n\n- `bytes`: Payload for the message.\n\n"
        );
    }

    #[test]
    fn types_and_defaults_a_docstring_leaves_out_come_from_the_signature() {
        let source = "def f(a: int, *args: str, b=2) -> bool:\n    \"\"\"Do.\n\n    :param a: A.\n    :param args: More.\n    :param b: B.\n    :returns: Done.\n    \"\"\"\n";
        let file = SourceFile::parse(source.to_string()).unwrap();
        let f = &file.module().definitions[0];
        let text = &f.docstring.as_ref().unwrap().value;
        assert_eq!(
            docstring_markdown(text, &f.params, f.returns.as_deref()),
            "Do.\n\n**Parameters**\n\n| name | type | default | description |\n| --- | --- | --- | --- |\n| `a` | `int` |  | A. |\n| `args` | `str` |  | More. |\n| `b` |  | `2` | B. |\n\n**Returns**\n\n- `bool`: Done.\n\n"
        );
    }

    fn page(source: &str, private: bool) -> (String, IndexEntry) {
        let file = SourceFile::parse(source.to_string()).unwrap();
        let graphs = graphs(&file).unwrap();
        let doc = ModuleDoc {
            name: "pkg.m",
            file: &file,
            coverage: Tally { total: 4, documented: 1 },
            graphs: &graphs,
            last_change: None,
            private,
        };
        module_page(&doc)
    }

    const NESTING: &str = "\
class A:
    class B:
        def m(self):
            def inner(): pass
    def _hidden(self):
        pass
    @overload
    def o(self, x: int) -> int: ...
    @overload
    def o(self, x: str) -> str: ...
    def o(self, x):
        \"\"\"Either.\"\"\"
class _P:
    def visible_only_with_private(self): pass
def f():
    class InF:
        pass
x = 1
_y = 2
x = 3
__all__ = []
";

    #[test]
    fn nested_functions_and_private_names_are_left_out_and_a_name_is_one_heading() {
        let (text, entry) = page(NESTING, false);
        let names: Vec<&str> = entry.items.iter().map(|i| i.qualname.as_str()).collect();
        assert_eq!(names, ["A", "A.o", "A.B", "A.B.m", "f"]);
        assert_eq!(text.matches("<a id=\"A.o\">").count(), 1);
        assert!(
            text.contains("def o(self, x: int) -> int:\n\n@overload\ndef o(self, x: str) -> str:\n\ndef o(self, x):")
        );
        assert!(text.contains("| `x` |  | `3` |\n| `__all__` |  | `[]` |\n"), "{text}");
        assert!(!text.contains("_y") && !text.contains("inner") && !text.contains("InF"), "{text}");
        let (text, entry) = page(NESTING, true);
        let names: Vec<&str> = entry.items.iter().map(|i| i.qualname.as_str()).collect();
        assert_eq!(names, ["A", "A._hidden", "A.o", "A.B", "A.B.m", "_P", "_P.visible_only_with_private", "f"]);
        assert!(text.contains("| `_y` |  | `2` |"), "{text}");
    }

    #[test]
    fn a_class_and_a_function_of_one_name_have_anchors_of_their_own() {
        let source = "try:\n    from x import K\nexcept ImportError:\n    def K(): pass\nelse:\n    class K: pass\n";
        let (text, entry) = page(source, false);
        let anchors: Vec<(&str, &str)> = entry.items.iter().map(|i| (i.qualname.as_str(), i.anchor.as_str())).collect();
        assert_eq!(anchors, [("K", "K"), ("K", "K-2")]);
        assert!(text.contains("<a id=\"K\"></a>class `K`") && text.contains("<a id=\"K-2\"></a>`K`"), "{text}");
    }

    #[test]
    fn the_figures_name_the_most_complex_function_first_met() {
        let source = "def a():\n    if x: pass\ndef _b():\n    if x: pass\n    if y: pass\ndef c():\n    if x: pass\n    if y: pass\nif z:\n    pass\n";
        let (text, entry) = page(source, false);
        let figures = "**Docstring coverage:** 25.0% (1 of 4) · **Complexity:** average 2.7, highest 3 in `_b`\n";
        assert!(text.contains(figures), "{text}");
        assert_eq!(entry.complexities, [2, 3, 3]);
        let (text, _) = page(source, true);
        assert!(text.contains("highest 3 in [`_b`](#_b)\n"), "{text}");
        let (text, _) = page("x = 1\n", false);
        assert!(text.contains("**Complexity:** no functions\n"), "{text}");
    }

    #[test]
    fn the_index_sorts_modules_and_totals_them() {
        let entry = |name: &str, documented: usize| IndexEntry {
            name: name.to_string(),
            page: page_file(name),
            summary: (documented > 0).then(|| format!("About {name} | more.")),
            coverage: Tally { total: 2, documented },
            complexities: vec![documented as i64 + 1],
            items: vec![IndexItem {
                qualname: "K.m".to_string(),
                anchor: "K.m".to_string(),
                kind: DefinitionKind::Method,
                documented: false,
            }],
        };
        let index = index_page(&[entry("b", 2), entry("index", 0), entry("a b", 1)]);
        assert_eq!(
            index,
            "# API reference

| module | summary | docstring coverage |
| --- | --- | --- |
| [a b](a%20b.md) | About a b \\| more. | 50.0% |
| [b](b.md) | About b \\| more. | 100.0% |
| [index](index_.md) | *undocumented* | 0.0% |

**Total:** 3 modules, 3 of 6 documented (50.0%), average complexity 2.0

## [a b](a%20b.md)

  - [`K.m`](a%20b.md#K.m) *(undocumented)*

## [b](b.md)

  - [`K.m`](b.md#K.m) *(undocumented)*

## [index](index_.md)

  - [`K.m`](index_.md#K.m) *(undocumented)*
"
        );
    }
}
