//! The floors of the crate (docs/design.md): the ground floor (`src/lex*`, `src/model/`), the
//! node (`src/node/`), the simulated world (`src/sim/`), the checker (`src/check/`) and the wasm
//! facade (`src/wasm/`). A file
//! may use its own floor and the floors below, never one above, and no chain of imports between
//! files may come back to where it started. This test reads every `crate::`, `super::` and
//! child-module path in `src/` (not the binaries, which use the crate from outside) and fails
//! naming the offending import or the loop.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The floors from the ground up; a module's floor is that of its first path segment.
const FLOORS: [&[&str]; 5] = [&["lex", "model"], &["node"], &["sim"], &["check"], &["wasm"]];

fn floor(module: &[String]) -> Option<usize> {
    let top = module.first()?;
    FLOORS.iter().position(|names| names.contains(&top.as_str()))
}

/// A source file as a module: its path from the crate root (`sim::scheduler` for
/// `src/sim/scheduler/mod.rs`) and its text without comments.
struct File {
    module: Vec<String>,
    text: String,
}

fn read_tree(dir: &Path, root: &Path, files: &mut Vec<File>) {
    let mut entries: Vec<_> = fs::read_dir(dir).expect("src/ is readable").map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        let relative = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
        if path.is_dir() {
            if relative != "bin" {
                read_tree(&path, root, files);
            }
        } else if relative.ends_with(".rs") && relative != "lib.rs" {
            let mut module: Vec<String> = relative.trim_end_matches(".rs").split('/').map(String::from).collect();
            if module.last().is_some_and(|m| m == "mod") {
                module.pop();
            }
            files.push(File { module, text: strip_comments(&fs::read_to_string(&path).unwrap()) });
        }
    }
}

/// The text without `//` comments (those inside string literals are kept) and without the
/// contents of string literals, so neither can hide or fake a path.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped, mut in_comment) = (false, false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_comment {
            if c == '\n' {
                in_comment = false;
                out.push(c);
            }
        } else if in_string {
            if c == '"' && !escaped {
                in_string = false;
                out.push(c);
            }
            escaped = c == '\\' && !escaped;
        } else if c == '/' && chars.peek() == Some(&'/') {
            in_comment = true;
        } else if c == '\'' {
            // A char literal (`'"'`, `'\\n'`) is dropped; a lifetime (`'a`) is kept.
            let mut ahead = chars.clone();
            let literal = match ahead.next() {
                Some('\\') => ahead.position(|c| c == '\'').is_some(),
                Some(_) => ahead.next() == Some('\''),
                None => false,
            };
            if literal {
                chars = ahead;
            } else {
                out.push(c);
            }
        } else {
            in_string = c == '"';
            out.push(c);
        }
    }
    out
}

/// Expands one `use` tree (`a::{b, c::{d, e}}`, `a::b as c`, `a::*`) into its paths.
fn expand(tree: &str) -> Vec<Vec<String>> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or("");
        let segments: Vec<String> = path.split("::").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        return if segments.is_empty() { vec![] } else { vec![segments] };
    };
    let prefix = tree[..open].trim().trim_end_matches("::");
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let (mut parts, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .flat_map(expand)
        .map(|rest| {
            let mut path: Vec<String> = prefix.split("::").filter(|s| !s.is_empty()).map(String::from).collect();
            path.extend(rest.into_iter().filter(|s| s != "self"));
            path
        })
        .collect()
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every path a file names: its `use` trees, and paths written inline that start with `crate::`,
/// `super::`, `self::` or a child module's name. Inside an inline module (`mod tests { ... }`)
/// `super` is the file itself.
fn paths_in(text: &str, children: &BTreeSet<String>) -> Vec<Vec<String>> {
    let inline = inline_modules(text);
    let (uses, rest) = split_uses(text);
    let mut found: Vec<(usize, Vec<String>)> =
        uses.into_iter().flat_map(|(at, tree)| expand(tree).into_iter().map(move |p| (at, p))).collect();
    let anchors = ["crate", "super", "self"].into_iter().map(String::from).chain(children.iter().cloned());
    for anchor in anchors {
        for (at, _) in rest.match_indices(&format!("{anchor}::")) {
            if rest[..at].chars().next_back().is_some_and(|c| is_ident(c) || c == ':') {
                continue;
            }
            let tail = &rest[at..];
            let end = tail.find(|c: char| !(is_ident(c) || c == ':')).unwrap_or(tail.len());
            found.push((at, tail[..end].split("::").filter(|s| !s.is_empty()).map(String::from).collect()));
        }
    }
    found
        .into_iter()
        .map(|(at, mut path)| {
            if inline.iter().any(|r| r.contains(&at)) && path.first().is_some_and(|s| s == "super") {
                path[0] = "self".into();
            }
            path
        })
        .collect()
}

/// The `use` trees of a text with their offsets, and the rest of the text with each `use`
/// statement blanked out (offsets kept).
fn split_uses(text: &str) -> (Vec<(usize, &str)>, String) {
    let mut uses = Vec::new();
    let mut rest = text.to_string();
    for (at, _) in text.match_indices("use ") {
        if text[..at].chars().next_back().is_some_and(is_ident) {
            continue;
        }
        let before = text[..at].trim_end();
        let before = ["pub(crate)", "pub(super)", "pub"].iter().find_map(|v| before.strip_suffix(v)).unwrap_or(before);
        if !(before.trim_end().is_empty() || before.trim_end().ends_with(['{', '}', ']', ';'])) {
            continue;
        }
        let end = text[at..].find(';').map_or(text.len(), |e| at + e);
        uses.push((at, &text[at + 4..end]));
        rest.replace_range(at..end, &" ".repeat(end - at));
    }
    (uses, rest)
}

/// The byte ranges of the bodies of inline modules (`mod name { ... }`).
fn inline_modules(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    for (at, _) in text.match_indices("mod ") {
        if text[..at].chars().next_back().is_some_and(is_ident) {
            continue;
        }
        let rest = &text[at + 4..];
        let name_end = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
        let after = rest[name_end..].trim_start();
        if name_end == 0 || !after.starts_with('{') {
            continue;
        }
        let open = text.len() - after.len();
        let mut depth = 0;
        for (i, c) in text[open..].char_indices() {
            depth += match c {
                '{' => 1,
                '}' => -1,
                _ => 0,
            };
            if depth == 0 {
                ranges.push(open..open + i);
                break;
            }
        }
    }
    ranges
}

/// The module a path leads to, from the crate root: `None` for paths outside the crate.
fn absolute(file: &File, children: &BTreeSet<String>, path: &[String]) -> Option<Vec<String>> {
    let first = path.first()?;
    let mut base = match first.as_str() {
        "crate" => Vec::new(),
        "self" => file.module.clone(),
        "super" => file.module[..file.module.len().saturating_sub(1)].to_vec(),
        child if children.contains(child) => [file.module.clone(), vec![child.to_string()]].concat(),
        _ => return None,
    };
    let skip = if matches!(first.as_str(), "crate" | "self" | "super") { 1 } else { 0 };
    for segment in &path[skip..] {
        if segment == "super" {
            base.pop();
        } else {
            base.push(segment.clone());
        }
    }
    Some(base)
}

/// The import graph between files (by module path), with the line of each import for errors.
fn graph() -> BTreeMap<Vec<String>, BTreeMap<Vec<String>, String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    read_tree(&root, &root, &mut files);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| f.module.clone()).collect();
    let mut edges = BTreeMap::new();
    for file in &files {
        let children: BTreeSet<String> = modules
            .iter()
            .filter(|m| m.len() == file.module.len() + 1 && m.starts_with(&file.module))
            .map(|m| m.last().unwrap().clone())
            .collect();
        let targets: &mut BTreeMap<_, _> = edges.entry(file.module.clone()).or_default();
        for path in paths_in(&file.text, &children) {
            let Some(target) = absolute(file, &children, &path) else { continue };
            // The longest prefix that is a file; the crate root itself only re-exports.
            let found = (1..=target.len()).rev().map(|k| target[..k].to_vec()).find(|m| modules.contains(m));
            let written = path.join("::");
            match found {
                Some(module) if module != file.module => {
                    targets.entry(module).or_insert(written);
                }
                Some(_) => {}
                None if target.is_empty() || !modules.iter().any(|m| m[0] == target[0]) => {
                    targets.entry(vec!["<crate root>".into()]).or_insert(written);
                }
                None => {}
            }
        }
    }
    edges
}

fn name(module: &[String]) -> String {
    module.join("::")
}

#[test]
fn no_file_imports_from_a_floor_above_its_own_or_from_the_crate_root() {
    let mut wrong = Vec::new();
    for (from, targets) in graph() {
        let Some(own) = floor(&from) else {
            wrong.push(format!("{} is on no floor: add it to FLOORS here and to docs/design.md", name(&from)));
            continue;
        };
        for (to, written) in targets {
            match floor(&to) {
                Some(theirs) if theirs > own => {
                    wrong.push(format!("{} uses `{written}` from a floor above", name(&from)))
                }
                None => wrong.push(format!("{} uses `{written}`: import it from its module", name(&from))),
                _ => {}
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the floors (docs/design.md):\n{}", wrong.join("\n"));
}

#[test]
fn no_chain_of_imports_between_files_comes_back() {
    let graph = graph();
    let loops = find_loops(&graph.iter().map(|(m, t)| (m.clone(), t.keys().cloned().collect())).collect());
    let text: Vec<String> = loops.iter().map(|l| l.iter().map(|m| name(m)).collect::<Vec<_>>().join(" -> ")).collect();
    assert!(text.is_empty(), "import loops between files:\n{}", text.join("\n"));
}

type Graph = BTreeMap<Vec<String>, Vec<Vec<String>>>;

/// One loop per strongly connected part of the graph found by a depth-first search: the path
/// from the first node seen again back to itself.
fn find_loops(graph: &Graph) -> Vec<Vec<Vec<String>>> {
    fn visit(
        node: &Vec<String>,
        graph: &Graph,
        stack: &mut Vec<Vec<String>>,
        done: &mut BTreeSet<Vec<String>>,
        loops: &mut Vec<Vec<Vec<String>>>,
    ) {
        if let Some(at) = stack.iter().position(|m| m == node) {
            loops.push([&stack[at..], std::slice::from_ref(node)].concat());
            return;
        }
        if !done.insert(node.clone()) {
            return;
        }
        stack.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, stack, done, loops);
        }
        stack.pop();
    }
    let (mut done, mut loops) = (BTreeSet::new(), Vec::new());
    for node in graph.keys() {
        visit(node, graph, &mut Vec::new(), &mut done, &mut loops);
    }
    loops
}

#[test]
fn the_reader_expands_use_trees_and_finds_loops() {
    let text = strip_comments(
        "use crate::a::{b, c::{d, E as F}, self};\nfn f() { super::g::h(); x::crate::y(); } // crate::not\n\
         fn g() -> &'static str { let q = '\"'; \"crate::in_a_string // still\" }\n\
         fn h(_: crate::k::L) { use crate::m::N; child::run(); }\n\
         mod tests { use super::*; }\nfn i() { super::j::k(); }",
    );
    let children: BTreeSet<String> = ["child".to_string()].into();
    let mut joined: Vec<String> = paths_in(&text, &children).iter().map(|p| p.join("::")).collect();
    joined.sort();
    let expected = [
        "child::run",
        "crate::a",
        "crate::a::b",
        "crate::a::c::E",
        "crate::a::c::d",
        "crate::k::L",
        "crate::m::N",
        "self::*",
        "super::g::h",
        "super::j::k",
    ];
    assert_eq!(joined, expected);
    let m = |s: &str| vec![s.to_string()];
    let graph: Graph = [(m("a"), vec![m("b")]), (m("b"), vec![m("c")]), (m("c"), vec![m("a")]), (m("d"), vec![m("a")])]
        .into_iter()
        .collect();
    assert_eq!(find_loops(&graph), vec![vec![m("a"), m("b"), m("c"), m("a")]]);
    assert!(find_loops(&graph.into_iter().filter(|(k, _)| k != &m("c")).collect()).is_empty());
}
