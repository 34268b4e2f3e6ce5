//! The `sarif` format, validated against the SARIF 2.1.0 schema.

use labelkit_diagnostics::{render, Diagnostic, OutputFormat, RenderOptions, SourceMap};
use serde_json::{json, Value};

use crate::fixtures::{self, fixture};
use crate::snap;

const SCHEMA: &str = include_str!("../data/sarif-2.1.0-subset.schema.json");

fn sarif(diags: &[Diagnostic], sources: &SourceMap) -> String {
    render(
        OutputFormat::Sarif,
        diags,
        sources,
        &RenderOptions::new().with_tool_version("9.8.7"),
    )
}

/// The schema's complaints about `value`.
fn schema_errors(value: &Value) -> Vec<String> {
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn all_diagnostics(f: &fixtures::Fixture) -> Vec<Diagnostic> {
    vec![
        fixtures::small_box(f),
        fixtures::multiline_box(f),
        fixtures::yolo_row(f),
        fixtures::class_count(),
        fixtures::no_file(),
        // Same code and line as the first: a second occurrence.
        fixtures::small_box(f),
    ]
}

#[test]
fn sarif_is_valid_and_complete() {
    let f = fixture();
    let out = sarif(&all_diagnostics(&f), &f.sources);
    let log: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(schema_errors(&log), Vec::<String>::new());

    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"]
        .as_str()
        .unwrap()
        .ends_with("sarif-schema-2.1.0.json"));
    let run = &log["runs"][0];
    assert_eq!(log["runs"].as_array().unwrap().len(), 1);
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "labelkit");
    assert_eq!(driver["version"], "9.8.7");
    assert!(driver["informationUri"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["D001", "D002", "F002", "G001", "G002"]);
    assert_eq!(
        rules[3],
        json!({
            "id": "G001",
            "name": "box-too-small",
            "shortDescription": {"text": "box too small"},
            "defaultConfiguration": {"level": "error"}
        })
    );
    assert_eq!(rules[0]["defaultConfiguration"]["level"], "note");
    assert_eq!(rules[1]["defaultConfiguration"]["level"], "warning");

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 6);
    for r in results {
        let index = usize::try_from(r["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[index]["id"], r["ruleId"]);
    }
    let first = &results[0];
    assert_eq!(first["level"], "error");
    assert_eq!(
        first["message"]["text"],
        "box is 2.0x2.0 px, below the 3x3 minimum\nhelp: stretch the box to at least 3x3 px or delete it"
    );
    assert_eq!(
        first["locations"][0]["physicalLocation"],
        json!({
            "artifactLocation": {"uri": "data/train.json"},
            "region": {"startLine": 9, "startColumn": 64, "endLine": 9, "endColumn": 86}
        })
    );
    assert_eq!(
        first["relatedLocations"][0]["message"]["text"],
        "on image 1 (640x480)"
    );
    assert_eq!(first["properties"], json!({"image": 1, "annotation": 7}));
    assert_eq!(results[3]["level"], "note");
    assert_eq!(
        results[3]["locations"][0]["physicalLocation"],
        json!({"artifactLocation": {"uri": "data/data.yaml"}, "region": {"startLine": 1}})
    );
    assert!(results[4].get("locations").is_none());

    // Fingerprints: hash of code, path and line text, then the occurrence.
    let prints: Vec<&str> = results
        .iter()
        .map(|r| {
            r["partialFingerprints"]["primaryLocationLineHash"]
                .as_str()
                .unwrap()
        })
        .collect();
    let (hash0, n0) = prints[0].split_once(':').unwrap();
    let (hash5, n5) = prints[5].split_once(':').unwrap();
    assert_eq!((hash0, n0, n5), (hash5, "1", "2"));
    assert_eq!(hash0.len(), 16);
    let mut distinct: Vec<&str> = prints[..5].to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 5);

    // Deterministic.
    assert_eq!(sarif(&all_diagnostics(&f), &f.sources), out);
    snap!("sarif", out);
}

#[test]
fn sarif_fingerprint_survives_the_line_moving() {
    use labelkit_diagnostics::{Label, SourceFile};
    let f = fixture();
    let first = sarif(&[fixtures::small_box(&f)], &f.sources);
    // The same content two lines further down.
    let moved = format!("\n\n{}", fixtures::COCO);
    let mut sources = SourceMap::new();
    let coco = sources.add(SourceFile::with_text(
        fixtures::COCO_PATH,
        moved.as_bytes().to_vec(),
    ));
    let span = fixtures::span_of(&moved, r#""bbox": [10, 20, 2, 2]"#, 0);
    let diag = Diagnostic::new(
        "G001",
        "box-too-small",
        labelkit_diagnostics::Severity::Error,
        "another message",
    )
    .with_primary(Label::new(coco, span));
    let second = sarif(&[diag], &sources);
    let print = |s: &str| {
        let v: Value = serde_json::from_str(s).unwrap();
        v["runs"][0]["results"][0]["partialFingerprints"]["primaryLocationLineHash"].clone()
    };
    assert_eq!(print(&first), print(&second));
    let v: Value = serde_json::from_str(&second).unwrap();
    assert_eq!(
        v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        11
    );
}

#[test]
fn sarif_paths_are_relative_uris() {
    use labelkit_diagnostics::{ByteSpan, Severity, SourceFile};
    let mut sources = SourceMap::new();
    let a = sources.add(SourceFile::with_text(
        "/work/repo/my data/a#1.json",
        b"{}".to_vec(),
    ));
    let b = sources.add(SourceFile::with_text("/elsewhere/b.json", b"{}".to_vec()));
    let diags = [
        Diagnostic::new("X001", "x", Severity::Error, "m").at(a, ByteSpan::new(0, 1)),
        Diagnostic::new("X001", "x", Severity::Error, "m").at(b, ByteSpan::new(0, 1)),
    ];
    let out = render(
        OutputFormat::Sarif,
        &diags,
        &sources,
        &RenderOptions::new().with_base_dir("/work/repo"),
    );
    let log: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(schema_errors(&log), Vec::<String>::new());
    let uri = |i: usize| {
        log["runs"][0]["results"][i]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .clone()
    };
    assert_eq!(uri(0), "my%20data/a%231.json");
    assert_eq!(uri(1), "file:///elsewhere/b.json");
}

#[test]
fn sarif_schema_rejects_what_github_would_reject() {
    // The validator is not a rubber stamp: broken logs fail.
    let f = fixture();
    let out = sarif(&[fixtures::small_box(&f)], &f.sources);
    let good: Value = serde_json::from_str(&out).unwrap();

    let mut bad_level = good.clone();
    bad_level["runs"][0]["results"][0]["level"] = json!("fatal");
    assert!(!schema_errors(&bad_level).is_empty());

    let mut bad_line = good.clone();
    bad_line["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        json!(0);
    assert!(!schema_errors(&bad_line).is_empty());

    let mut no_message = good.clone();
    no_message["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!schema_errors(&no_message).is_empty());

    let mut bad_uri = good;
    bad_uri["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"] = json!("a b\\c.json");
    assert!(!schema_errors(&bad_uri).is_empty());
}

#[test]
fn sarif_empty_run() {
    let out = sarif(&[], &SourceMap::new());
    let log: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(schema_errors(&log), Vec::<String>::new());
    assert_eq!(log["runs"][0]["results"], json!([]));
    assert_eq!(log["runs"][0]["tool"]["driver"]["rules"], json!([]));
}
