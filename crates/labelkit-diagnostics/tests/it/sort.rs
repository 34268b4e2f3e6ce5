//! `sort_diagnostics`.

use labelkit_diagnostics::{sort_diagnostics, ByteSpan, Diagnostic, Severity};

use crate::fixtures::{self, fixture};

#[test]
fn sorts_by_path_line_column_code_message() {
    let f = fixture();
    let at = |code: &str, msg: &str, start: usize| {
        Diagnostic::new(code, "n", Severity::Error, msg).at(f.coco, ByteSpan::at(start))
    };
    let mut diags = vec![
        fixtures::yolo_row(&f), // data/labels/train/0001.txt:2:1
        at("G002", "b", 40),    // data/train.json:3:...
        fixtures::no_file(),    // no file: first
        at("G001", "z", 40),
        at("G001", "a", 40),
        fixtures::class_count(), // data/data.yaml, no position
        at("A001", "m", 0),      // data/train.json:1:1
        at("A001", "m", 2),      // data/train.json:2:1
    ];
    sort_diagnostics(&mut diags, &f.sources);
    let order: Vec<(&str, &str)> = diags
        .iter()
        .map(|d| (d.code.as_str(), d.message.as_str()))
        .collect();
    assert_eq!(
        order,
        [
            ("D002", "class `hand` is declared but never used"),
            (
                "D001",
                "class `face` has 1 label, below the minimum of 3000"
            ),
            ("F002", "expected 5 values (class x y w h), found 3"),
            ("A001", "m"),
            ("A001", "m"),
            ("G001", "a"),
            ("G001", "z"),
            ("G002", "b"),
        ]
    );
    assert_eq!(diags[3].primary.as_ref().unwrap().span.start, 0);
    // Sorting is idempotent.
    let again = diags.clone();
    sort_diagnostics(&mut diags, &f.sources);
    assert_eq!(diags, again);
}
