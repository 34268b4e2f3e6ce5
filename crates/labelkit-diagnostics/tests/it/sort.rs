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

/// One order serves the checker, the command and the renderers: at one
/// place and code, diagnostics are ordered by image, then annotation,
/// then message; at one start, the shorter span comes first.
#[test]
fn ties_are_broken_by_end_image_annotation_then_message() {
    let f = fixture();
    let at = |msg: &str, start: usize, end: usize, image: Option<u64>, annotation: Option<u64>| {
        Diagnostic::new("G001", "n", Severity::Error, msg)
            .at(f.coco, ByteSpan::new(start, end))
            .about(image, annotation)
    };
    let mut diags = vec![
        at("a", 40, 50, Some(2), Some(1)),
        at("a", 40, 45, Some(9), Some(9)),
        at("z", 40, 50, Some(1), Some(3)),
        at("a", 40, 50, Some(1), Some(4)),
        at("b", 40, 50, Some(1), Some(3)),
    ];
    sort_diagnostics(&mut diags, &f.sources);
    let order: Vec<(u32, Option<u64>, Option<u64>, &str)> = diags
        .iter()
        .map(|d| {
            (
                d.primary.as_ref().unwrap().span.end,
                d.image,
                d.annotation,
                d.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            (45, Some(9), Some(9), "a"),
            (50, Some(1), Some(3), "b"),
            (50, Some(1), Some(3), "z"),
            (50, Some(1), Some(4), "a"),
            (50, Some(2), Some(1), "a"),
        ]
    );
    assert!(diags
        .windows(2)
        .all(|w| { labelkit_diagnostics::compare_diagnostics(&w[0], &w[1], &f.sources).is_lt() }));
}
