//! The `json` format.

use labelkit_diagnostics::{render, OutputFormat, RenderOptions, SourceMap};
use serde_json::{json, Value};

use crate::fixtures::{self, fixture};
use crate::snap;

#[test]
fn json_items_follow_the_documented_schema() {
    let f = fixture();
    let diags = [
        fixtures::small_box(&f),
        fixtures::yolo_row(&f),
        fixtures::class_count(),
        fixtures::no_file(),
    ];
    let out = render(
        OutputFormat::Json,
        &diags,
        &f.sources,
        &RenderOptions::new(),
    );
    let value: Value = serde_json::from_str(&out).unwrap();
    let items = value.as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert_eq!(
        items[0],
        json!({
            "code": "G001",
            "name": "box-too-small",
            "severity": "error",
            "message": "box is 2.0x2.0 px, below the 3x3 minimum",
            "filename": "data/train.json",
            "location": {"line": 9, "column": 64},
            "end_location": {"line": 9, "column": 86},
            "image": 1,
            "annotation": 7,
            "help": "stretch the box to at least 3x3 px or delete it",
            "secondary": [{
                "filename": "data/train.json",
                "location": {"line": 3, "column": 5},
                "end_location": {"line": 3, "column": 73},
                "message": "on image 1 (640x480)"
            }]
        })
    );
    assert_eq!(items[1]["location"], json!({"line": 2, "column": 1}));
    assert_eq!(items[1]["end_location"], json!({"line": 2, "column": 10}));
    assert_eq!(items[2]["filename"], "data/data.yaml");
    assert_eq!(items[2]["location"], Value::Null);
    assert_eq!(items[2]["severity"], "info");
    assert_eq!(items[3]["filename"], Value::Null);
    assert_eq!(items[3]["secondary"], json!([]));
    // Every item has the same keys, in the documented order.
    for item in items {
        let keys: Vec<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), 11);
    }
    // The keys of the first item, at its indentation, in printed order.
    let first_keys: Vec<&str> = out
        .lines()
        .skip(2)
        .take_while(|l| *l != "  },")
        .filter(|l| l.starts_with("    \""))
        .map(|l| l.split('"').nth(1).unwrap())
        .collect();
    assert_eq!(
        first_keys,
        [
            "code",
            "name",
            "severity",
            "message",
            "filename",
            "location",
            "end_location",
            "image",
            "annotation",
            "help",
            "secondary"
        ]
    );
    snap!("json", out);
}

#[test]
fn json_empty_is_an_empty_array() {
    let out = render(
        OutputFormat::Json,
        &[],
        &SourceMap::new(),
        &RenderOptions::new(),
    );
    assert_eq!(out, "[]\n");
}
