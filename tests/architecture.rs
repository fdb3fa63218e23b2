//! The architecture, checked: the kernel is closed (nothing in `src/kernel/`
//! reaches outside it), the top-level modules import each other without a
//! cycle, the kernel stays an evening's read (a ratchet on its code lines) and
//! the core step fits on one screen (`run_turn` + `interpret` at most 60
//! lines, one `match` with no `_ =>` arm).
//!
//! Import lines are plain text, so reading them is enough. Run with
//! `cargo test --test architecture -- --nocapture` to see the figures.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The kernel's size, as a ratchet: it may shrink, never grow. The aim is
/// 1,500 (an evening's read). The fenced one-block generator a first reading
/// skips is not in it: it is the workspace's `oneblock` crate.
/// Lower this number whenever the kernel gets smaller.
const KERNEL_CODE_LINES: usize = 1_645;
const CORE_STEP_LINES: usize = 60;

/// A source file: its module path (`["kernel", "wake"]`) and its lines.
struct Source {
    path: PathBuf,
    module: Vec<String>,
    text: String,
}

fn sources() -> Vec<Source> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    collect(&src, &src, &mut found);
    found
}

fn collect(root: &Path, dir: &Path, found: &mut Vec<Source>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(root, &path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(root).unwrap().with_extension("");
            let mut module: Vec<String> = relative
                .iter()
                .map(|part| part.to_string_lossy().into_owned())
                .collect();
            if module.last().is_some_and(|last| last == "mod") {
                module.pop();
            }
            if module == ["lib"] || module == ["main"] {
                module.clear();
            }
            let text = fs::read_to_string(&path).unwrap();
            found.push(Source { path, module, text });
        }
    }
}

/// The lines that are code: not blank, not a comment, not inside a
/// `#[cfg(test)]` item.
fn code_lines(text: &str) -> Vec<&str> {
    let mut code = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if trimmed == "#[cfg(test)]" {
            skip_item(&mut lines);
        } else if !trimmed.is_empty() && !trimmed.starts_with("//") {
            code.push(line);
        }
    }
    code
}

/// Skips the item after an attribute, up to its closing brace.
fn skip_item<'a>(lines: &mut impl Iterator<Item = &'a str>) {
    let mut depth = 0i32;
    let mut opened = false;
    for line in lines {
        for c in line.chars() {
            match c {
                '{' => {
                    depth += 1;
                    opened = true;
                }
                '}' => depth -= 1,
                _ => {}
            }
        }
        if (opened && depth == 0) || (!opened && line.trim_end().ends_with(';')) {
            return;
        }
    }
}

/// The module paths a file names: `crate::io::x` gives `["io", "x"]`,
/// `super::super::y` from `kernel::frame::block` gives `["kernel", "y"]`.
fn references(source: &Source) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    for line in code_lines(&source.text) {
        for (i, _) in line.match_indices("crate::") {
            let path: Vec<String> = line[i + "crate::".len()..]
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .next()
                .unwrap()
                .split("::")
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
            found.push(path);
        }
        let mut rest = line;
        while let Some(i) = rest.find("super::") {
            let before = &rest[..i];
            if before.ends_with("super::") || before.ends_with(char::is_alphanumeric) {
                rest = &rest[i + 7..];
                continue;
            }
            let mut ups = 0;
            let mut tail = &rest[i..];
            while let Some(next) = tail.strip_prefix("super::") {
                ups += 1;
                tail = next;
            }
            // A file's module is its path (`mod.rs`: its folder's); each
            // `super` goes one up.
            let mut base = source.module.clone();
            base.truncate(base.len().saturating_sub(ups));
            let name: String = tail
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            base.push(name);
            found.push(base);
            rest = tail;
        }
    }
    found
}

#[test]
fn nothing_in_the_kernel_imports_anything_outside_it() {
    let mut escapes = Vec::new();
    for source in sources()
        .iter()
        .filter(|s| s.module.first().is_some_and(|m| m == "kernel"))
    {
        for path in references(source) {
            if path.first().map(String::as_str) != Some("kernel") {
                escapes.push(format!("{}: {}", source.path.display(), path.join("::")));
            }
        }
    }
    assert!(
        escapes.is_empty(),
        "the kernel reaches outside itself:\n{}",
        escapes.join("\n")
    );
}

#[test]
fn the_top_level_modules_import_each_other_without_a_cycle() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for source in sources() {
        let Some(from) = source.module.first().cloned() else {
            continue; // lib.rs: the crate root re-exports everything
        };
        graph.entry(from.clone()).or_default();
        for path in references(&source) {
            let Some(to) = path.first() else { continue };
            // `crate::Error` goes through lib.rs's re-exports and would hide
            // which layer is used: name it (`crate::kernel::Error`).
            assert!(
                !to.starts_with(char::is_uppercase),
                "{} names `crate::{to}`: name the module it comes from",
                source.path.display()
            );
            if *to != from {
                graph.get_mut(&from).unwrap().insert(to.clone());
            }
        }
    }
    for (from, to) in &graph {
        println!(
            "{from} -> {}",
            to.iter().cloned().collect::<Vec<_>>().join(", ")
        );
    }
    assert!(
        graph["kernel"].is_empty(),
        "the kernel imports {:?}",
        graph["kernel"]
    );
    // Depth-first search for a cycle.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if let Some(at) = path.iter().position(|n| n == node) {
            panic!("an import cycle: {} -> {node}", path[at..].join(" -> "));
        }
        if done.contains(node) {
            return;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, path, done);
        }
        path.pop();
        done.insert(node.to_string());
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done);
    }
}

#[test]
fn the_kernel_is_an_evenings_read() {
    let mut total = 0;
    for source in sources()
        .iter()
        .filter(|s| s.module.first().is_some_and(|m| m == "kernel"))
    {
        let lines = code_lines(&source.text).len();
        println!("{:5}  {}", lines, source.module.join("::"));
        total += lines;
    }
    println!("{total:5}  code lines in the kernel (comments, blank lines and tests not counted)");
    assert!(
        total <= KERNEL_CODE_LINES,
        "the kernel has {total} code lines, over {KERNEL_CODE_LINES}"
    );
}

/// The lines of `fn name` in `text`, from its signature to its closing brace.
fn function<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
    let mut lines = text
        .lines()
        .skip_while(|l| !l.contains(&format!("fn {name}(")));
    let mut body = Vec::new();
    let mut depth = 0i32;
    for line in lines.by_ref() {
        body.push(line);
        depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
        if depth == 0 && line.trim_end().ends_with('}') {
            break;
        }
    }
    body
}

#[test]
fn the_core_step_fits_on_one_screen() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/kernel/trampoline.rs");
    let text = fs::read_to_string(path).unwrap();
    let run_turn = function(&text, "run_turn");
    let interpret = function(&text, "interpret");
    let lines = run_turn.len() + interpret.len();
    println!(
        "run_turn {} + interpret {} = {lines} lines",
        run_turn.len(),
        interpret.len()
    );
    assert!(!run_turn.is_empty() && !interpret.is_empty());
    assert!(lines <= CORE_STEP_LINES, "the core step is {lines} lines");
    assert!(
        !interpret.iter().any(|l| l.trim_start().starts_with("_ =>")),
        "interpret's match must name every command: no `_ =>` arm"
    );
    let arms: Vec<_> = interpret
        .iter()
        .filter(|l| l.contains("Command::"))
        .collect();
    assert!(
        arms.iter()
            .all(|arm| arm.contains("=>") && arm.trim_end().ends_with(',')),
        "one line per command kind:\n{arms:#?}"
    );
}
