//! Every rule has complete docs and a fixture with a snapshot.

use labelkit_diagnostics::ReadIssue;
use labelkit_rules::{is_kebab_case, section, Registry, DOC_HEADINGS};

#[test]
fn every_rule_has_docs_with_every_heading() {
    let registry = Registry::builtin();
    let mut names = Vec::new();
    for meta in registry.rules() {
        assert!(
            is_kebab_case(&meta.name),
            "{}: name `{}`",
            meta.code,
            meta.name
        );
        assert!(
            meta.doc
                .starts_with(&format!("# {} ({})", meta.name, meta.code)),
            "{}: the doc starts with `# name (CODE)`",
            meta.code
        );
        for heading in DOC_HEADINGS {
            let body = section(&meta.doc, heading)
                .unwrap_or_else(|| panic!("{}: no `## {heading}` section", meta.code));
            assert!(
                !body.trim().is_empty(),
                "{}: `## {heading}` is empty",
                meta.code
            );
        }
        assert!(!meta.summary().is_empty(), "{}", meta.code);
        names.push(meta.name.clone());
    }
    let count = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), count, "rule names are unique");
    assert!(count >= 35, "{count} rules");
}

#[test]
fn every_rule_has_a_fixture_snapshot() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/snapshots");
    let files: Vec<String> = std::fs::read_dir(dir)
        .expect("snapshot folder")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    for meta in Registry::builtin().rules() {
        let suffix = format!("__{}.snap", meta.code);
        assert!(
            files.iter().any(|f| f.ends_with(&suffix)),
            "{} ({}) has no fixture snapshot",
            meta.code,
            meta.name
        );
    }
}

#[test]
fn reader_issue_codes_match_the_diagnostics_crate() {
    let registry = Registry::builtin();
    for issue in ReadIssue::ALL {
        let meta = registry.get(issue.code()).expect("registered");
        assert_eq!(meta.name, issue.name());
        assert_eq!(meta.default_severity, issue.severity());
        assert_eq!(meta.family, "read");
        assert_eq!(
            registry.get(issue.name()).map(|m| m.code.as_str()),
            Some(issue.code())
        );
    }
}

#[test]
fn registry_lists_codes_in_order_with_families() {
    let registry = Registry::builtin();
    let codes: Vec<&str> = registry.rules().map(|m| m.code.as_str()).collect();
    let mut sorted = codes.clone();
    sorted.sort_unstable();
    assert_eq!(codes, sorted);
    let g001 = registry.get("G001").unwrap();
    assert_eq!(
        (g001.name.as_str(), g001.family.as_str()),
        ("box-too-small", "geometry")
    );
    assert_eq!(
        g001.summary().lines().next().unwrap(),
        "Flags a box, polygon, mask or ellipse whose width or height is below the"
    );
    assert_eq!(registry.get("template-box").unwrap().code, "G004");
    assert!(registry.get("Z999").is_none());
}
