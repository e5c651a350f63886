//! The house rules of the code's shape, read from the source itself: every domain keeps its
//! diesel out of its routes, no module imports one that imports it back, no file grows past
//! 500 lines, and changes are audited through the one writer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn src() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// The text before the file's unit tests, if any.
fn code(text: &str) -> &str {
    text.split("#[cfg(test)]").next().unwrap_or(text)
}

#[test]
fn no_route_file_holds_diesel() {
    for (path, text) in src() {
        let is_routes = path.ends_with("routes.rs") || path.contains("/routes/");
        if is_routes {
            assert!(!code(&text).contains("diesel"), "{path} builds queries");
        }
    }
}

#[test]
fn no_file_is_over_500_lines() {
    for (path, text) in src() {
        let lines = text.lines().count();
        assert!(lines < 500, "{path} has {lines} lines");
    }
}

#[test]
fn changes_are_audited_through_one_call() {
    for (path, text) in src() {
        if !path.starts_with("audit/") {
            assert!(
                !code(&text).contains(" Change {"),
                "{path} builds an audit change by hand; use audit::of(..)"
            );
        }
    }
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let macros = ["db_enum", "text_column", "text_enum"];
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, text) in src() {
        let module = path
            .split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_string();
        let deps = graph.entry(module.clone()).or_default();
        for piece in code(&text).split("crate::").skip(1) {
            let name: String = piece
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !name.is_empty() && name != module && !macros.contains(&name.as_str()) {
                deps.insert(name);
            }
        }
    }
    // Depth-first search for a path back to where it started.
    fn reaches(
        graph: &BTreeMap<String, BTreeSet<String>>,
        from: &str,
        target: &str,
        seen: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> bool {
        for next in graph.get(from).into_iter().flatten() {
            if next == target {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if reaches(graph, next, target, seen, path) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    for module in graph.keys() {
        let mut path = vec![module.clone()];
        let found = reaches(&graph, module, module, &mut BTreeSet::new(), &mut path);
        assert!(
            !found,
            "modules import each other in a loop: {}",
            path.join(" -> ")
        );
    }
}

#[test]
fn the_schema_version_is_the_newest_migration_of_both_trees() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for tree in ["sqlite", "postgres"] {
        let newest = std::fs::read_dir(root.join(tree))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| !n.starts_with('.'))
            .max()
            .unwrap();
        assert_eq!(newest, registry::SCHEMA_VERSION, "{tree}");
    }
}
