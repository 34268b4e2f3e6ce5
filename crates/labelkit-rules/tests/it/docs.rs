//! `docs/rules.md` is generated from the rules' doc comments: this test
//! regenerates it and fails when the committed file differs. Run with
//! `LABELKIT_UPDATE_DOCS=1` to rewrite it.

use std::fmt::Write as _;
use std::path::PathBuf;

use labelkit_rules::Registry;

fn generate() -> String {
    let registry = Registry::builtin();
    let mut rules: Vec<_> = registry.rules().collect();
    rules.sort_by(|a, b| a.code.cmp(&b.code));
    let mut out = String::from(
        "# Rules\n\n\
         Generated from the documentation of each rule (the `//!` block of its \
         file under `crates/labelkit-rules/src/rules/`); `labelkit rule CODE` \
         prints the same text. Do not edit by hand: run \
         `LABELKIT_UPDATE_DOCS=1 cargo test -p labelkit-rules docs` instead.\n\n\
         | code | name | family | default severity | status |\n\
         |---|---|---|---|---|\n",
    );
    for meta in &rules {
        let _ = writeln!(
            out,
            "| [{code}](#{anchor}) | {name} | {family} | {severity} | {status:?} |",
            code = meta.code,
            anchor = format!("{}-{}", meta.name, meta.code).to_ascii_lowercase(),
            name = meta.name,
            family = meta.family,
            severity = meta.default_severity,
            status = meta.status,
        );
    }
    for meta in &rules {
        out.push('\n');
        // Demote the rule's headings one level under this page's title.
        for line in meta.doc.trim_end().lines() {
            if line.starts_with('#') {
                out.push('#');
            }
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[test]
fn docs_rules_md_is_generated_from_the_rule_docs() {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/rules.md"));
    let fresh = generate();
    if std::env::var_os("LABELKIT_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "docs/rules.md is out of date: run `LABELKIT_UPDATE_DOCS=1 cargo test -p labelkit-rules docs`"
    );
    assert!(fresh.contains("## box-too-small (G001)"));
}
