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

fn strip_comments(text: &str) -> String {
    text.lines().map(|line| line.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
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

/// Every path a file names: its `use` trees, and `crate::`/`super::` paths written inline. In an
/// inline module (`mod tests { ... }`, always last in our files) `super` is the file itself.
fn paths_in(text: &str) -> Vec<Vec<String>> {
    let inline = text.match_indices("mod ").find(|(at, _)| {
        let rest = &text[at + 4..];
        let name_end = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
        name_end > 0 && rest[name_end..].trim_start().starts_with('{')
    });
    let Some((at, _)) = inline else { return paths_in_module(text) };
    let mut paths = paths_in_module(&text[..at]);
    for mut path in paths_in_module(&text[at..]) {
        if path.first().is_some_and(|s| s == "super") {
            path[0] = "self".into();
        }
        paths.push(path);
    }
    paths
}

fn paths_in_module(text: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut rest = String::new();
    for statement in text.split_inclusive(';') {
        let trimmed = statement.trim_start();
        let body = ["use ", "pub use ", "pub(crate) use ", "pub(super) use "].iter().find_map(|p| {
            let at = trimmed.rfind(p)?;
            let before = trimmed[..at].trim_end();
            (before.is_empty() || before.ends_with(['{', '}', ']', ';'])).then(|| &trimmed[at + p.len()..])
        });
        match body {
            Some(tree) => paths.extend(expand(tree.trim_end_matches(';'))),
            None => rest.push_str(statement),
        }
    }
    for anchor in ["crate::", "super::"] {
        for (at, _) in rest.match_indices(anchor) {
            if rest[..at].chars().next_back().is_some_and(|c| is_ident(c) || c == ':') {
                continue;
            }
            let tail = &rest[at..];
            let end = tail.find(|c: char| !(is_ident(c) || c == ':')).unwrap_or(tail.len());
            paths.push(tail[..end].split("::").filter(|s| !s.is_empty()).map(String::from).collect());
        }
    }
    paths
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
        for path in paths_in(&file.text) {
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
        let Some(own) = floor(&from) else { continue };
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
    let text = "use crate::a::{b, c::{d, E as F}, self};\nfn f() { super::g::h(); x::crate::y(); }\n\
        mod tests { use super::*; }";
    let joined: Vec<String> = paths_in(text).iter().map(|p| p.join("::")).collect();
    assert_eq!(joined, ["crate::a::b", "crate::a::c::d", "crate::a::c::E", "crate::a", "super::g::h", "self::*"]);
    let m = |s: &str| vec![s.to_string()];
    let graph: Graph = [(m("a"), vec![m("b")]), (m("b"), vec![m("c")]), (m("c"), vec![m("a")]), (m("d"), vec![m("a")])]
        .into_iter()
        .collect();
    assert_eq!(find_loops(&graph), vec![vec![m("a"), m("b"), m("c"), m("a")]]);
    assert!(find_loops(&graph.into_iter().filter(|(k, _)| k != &m("c")).collect()).is_empty());
}
