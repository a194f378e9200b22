//! The docs hold together: `README.md` stays a front page (at most 160 lines), and every
//! relative link in `README.md` and `docs/*.md` points to a file that exists (and, for
//! `file.md#anchor`, to a heading of it). That the page's `data-testid` hooks and its
//! `window.playground` calls are the ones `docs/playground.md` lists is checked on the live page
//! (`tests/e2e/docs.test.mjs`).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const README: &str = "README.md";
const MAX_README_LINES: usize = 160;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(relative: &str) -> String {
    let path = root().join(relative);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).display().to_string()
}

#[test]
fn the_readme_is_a_front_page() {
    let lines = read(README).lines().count();
    assert!(
        lines <= MAX_README_LINES,
        "{README} has {lines} lines; keep it at most {MAX_README_LINES} and move details into docs/"
    );
}

/// The lines of a markdown file, those of fenced code blocks blanked (line count kept).
fn outside_fences(markdown: &str) -> Vec<&str> {
    let mut fenced = false;
    markdown
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
                return "";
            }
            if fenced {
                ""
            } else {
                line
            }
        })
        .collect()
}

/// The markdown text without fenced code blocks and inline code spans (line count kept).
fn prose(markdown: &str) -> Vec<String> {
    // Drop `code spans`, keeping what is between them.
    outside_fences(markdown).iter().map(|line| line.split('`').step_by(2).collect::<Vec<_>>().join("")).collect()
}

/// Link targets in a markdown file: `[text](target)`, `![alt](target)` and `[ref]: target`.
fn link_targets(markdown: &str) -> Vec<(usize, String)> {
    let mut targets = Vec::new();
    for (n, line) in prose(markdown).iter().enumerate() {
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let end = after.find(')').unwrap_or(after.len());
            let target = after[..end].trim().trim_start_matches('<');
            let target = target.split_whitespace().next().unwrap_or("").trim_end_matches('>');
            targets.push((n + 1, target.to_string()));
            rest = &after[end..];
        }
        let trimmed = line.trim_start();
        if let Some(close) = trimmed.strip_prefix('[').and_then(|r| r.find("]:")) {
            if let Some(target) = trimmed[close + 3..].split_whitespace().next() {
                targets.push((n + 1, target.to_string()));
            }
        }
    }
    targets
}

/// GitHub's anchors for the headings of a markdown file.
fn anchors(markdown: &str) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut anchors = BTreeSet::new();
    for line in outside_fences(markdown) {
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if hashes == 0 || hashes > 6 || !line[hashes..].starts_with(' ') {
            continue;
        }
        let slug: String = line[hashes..]
            .trim()
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                _ => None,
            })
            .flat_map(char::to_lowercase)
            .collect();
        let count = seen.entry(slug.clone()).or_insert(0);
        anchors.insert(if *count == 0 { slug.clone() } else { format!("{slug}-{count}") });
        *count += 1;
    }
    anchors
}

#[test]
fn relative_links_in_the_readme_and_docs_point_to_files_that_exist() {
    let mut files = vec![root().join(README)];
    let docs = root().join("docs");
    let mut doc_files: Vec<PathBuf> = fs::read_dir(&docs)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", docs.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    doc_files.sort();
    files.extend(doc_files);

    let mut broken = Vec::new();
    for file in &files {
        let name = relative(file);
        let text = fs::read_to_string(file).unwrap_or_else(|e| panic!("cannot read {name}: {e}"));
        let dir = file.parent().expect("a file has a directory");
        for (line, target) in link_targets(&text) {
            if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = match target.split_once('#') {
                Some((path, anchor)) => (path, Some(anchor)),
                None => (target.as_str(), None),
            };
            let resolved = if path.is_empty() { file.clone() } else { dir.join(path.replace("%20", " ")) };
            if !resolved.exists() {
                broken.push(format!("{name}:{line}: `{target}`: {} does not exist", relative(&resolved)));
                continue;
            }
            if let Some(anchor) = anchor.filter(|_| resolved.extension().is_some_and(|ext| ext == "md")) {
                let heads = anchors(&fs::read_to_string(&resolved).unwrap_or_default());
                if !heads.contains(anchor) {
                    broken.push(format!("{name}:{line}: `{target}`: {} has no heading #{anchor}", relative(&resolved)));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n  {}", broken.join("\n  "));
}

#[test]
fn anchors_follow_github() {
    let heads = anchors("# KV playground\n## Automation API: `window.playground`\n```\n# not a heading\n```\n### `kvsim run`\n## Faults\n## Faults\n");
    let expected: BTreeSet<String> =
        ["kv-playground", "automation-api-windowplayground", "kvsim-run", "faults", "faults-1"]
            .map(String::from)
            .into();
    assert_eq!(heads, expected);
}
