//! Malformed inputs: fatal errors carry file, line and column; recoverable
//! problems are issues at their position and the read goes on.

use labelkit_coco::Error;
use labelkit_model::Geometry;

use crate::support::{read_text, rendered};

fn parse_error(text: &str) -> (u32, u32, String) {
    match read_text(text) {
        Err(Error::Parse(e)) => {
            assert_eq!(e.location.path, std::path::Path::new("test.json"));
            (e.location.line, e.location.column, e.message)
        }
        Err(other) => panic!("expected a parse error, got {other}"),
        Ok(loaded) => panic!(
            "expected a parse error, read {} images",
            loaded.dataset.images.len()
        ),
    }
}

#[test]
fn a_truncated_file_is_an_error_at_its_end() {
    let text = "{\"images\": [\n  {\"id\": 1, \"file_name\": \"a.jpg\", \"width\": 10, \"hei";
    let (line, column, message) = parse_error(text);
    assert_eq!((line, column), (2, 51));
    assert!(message.contains("EOF"), "{message}");
}

#[test]
fn a_top_level_of_the_wrong_type_is_an_error_at_its_position() {
    let (line, column, message) = parse_error("{\n  \"images\": [],\n  \"annotations\": 5\n}");
    assert_eq!(line, 3);
    assert_eq!(column, 18);
    assert!(message.contains("expected a list"), "{message}");
    let (line, _, message) = parse_error("\n\n\"just a string\"");
    assert_eq!(line, 3);
    assert!(message.contains("COCO object"), "{message}");
    let (line, column, _) = parse_error("{\"images\": [{\"id\": 1,, }]}");
    assert_eq!((line, column), (1, 22));
}

/// The elements are found by their brackets and parsed once; a document
/// whose elements are not all JSON, or whose structure around them is off,
/// is refused as serde_json's full pass refuses it, at the same place.
#[test]
fn syntax_errors_inside_and_between_elements_are_errors_at_their_position() {
    let ok = r#"{"images": [{"id": 1, "file_name": "a.jpg", "width": 4, "height": 4}],
 "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2]}],
 "categories": [{"id": 1, "name": "p"}]}"#;
    assert_eq!(read_text(ok).unwrap().dataset.annotations.len(), 1);
    // Each case: the text, where the error is (the start of a needle,
    // plus an offset), and what the message says.
    for (bad, needle, plus, what) in [
        // A list with a trailing comma inside an annotation.
        (
            ok.replace("[0, 0, 2, 2]", "[0, 0, 2, 2,]"),
            ",]",
            1,
            "expected value",
        ),
        // A bare word inside an image.
        (
            ok.replace("\"a.jpg\"", "a.jpg"),
            "a.jpg",
            0,
            "expected value",
        ),
        // No comma between two annotations.
        (
            ok.replace("2]}]", "2]} {\"id\": 2}]"),
            " {\"id\": 2}",
            1,
            "expected `,` or `]`",
        ),
        // A trailing comma after the last category.
        (
            ok.replace("\"p\"}]", "\"p\"},]"),
            "},]",
            2,
            "trailing comma",
        ),
        // Something after the document.
        (format!("{ok} x"), " x", 1, "trailing characters"),
    ] {
        let at = bad.find(needle).unwrap() + plus;
        let line = bad[..at].matches('\n').count() + 1;
        let column = at - bad[..at].rfind('\n').map_or(0, |n| n + 1) + 1;
        let (l, c, message) = parse_error(&bad);
        assert_eq!((l as usize, c as usize), (line, column), "{bad}: {message}");
        assert!(message.contains(what), "{bad}: {message}");
    }
}

/// An image or category without a usable id is left out, reported at its
/// position as skipped (F001); the rest is read.
#[test]
fn elements_without_an_id_are_skipped_at_their_position() {
    let text = r#"{
"images": [
  {"id": 1, "file_name": "a.jpg", "width": 10, "height": 8},
  {"id": -2, "file_name": "b.jpg", "width": 10, "height": 8},
  {"file_name": "c.jpg", "width": 10, "height": 8}
],
"annotations": [],
"categories": [{"id": 1, "name": "person"}, {"id": 2.5, "name": "face"}]
}"#;
    let loaded = read_text(text).unwrap();
    assert_eq!(
        rendered(&loaded),
        [
            "test.json:8:45: F001 category skipped: it has no integer id",
            "test.json:4:3: F001 image skipped: it has no non-negative integer id",
            "test.json:5:3: F001 image skipped: it has no non-negative integer id",
        ]
    );
    assert!(loaded.issues.iter().all(|d| d.skipped));
    let ds = &loaded.dataset;
    assert_eq!(ds.images.iter().map(|i| i.id.0).collect::<Vec<_>>(), [1]);
    assert_eq!(ds.labels.labels.len(), 1);
}

#[test]
fn problems_inside_elements_are_issues_with_positions_and_the_read_goes_on() {
    let text = r#"{
"images": [
  {"id": 1, "file_name": "a.jpg", "width": 10, "height": 8},
  {"id": 1, "file_name": "dup.jpg", "width": -4, "height": 8},
  {"id": 3, "file_name": "c.jpg", "width": "ten", "height": 8}
],
"annotations": [
  {"id": 5, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2]},
  {"id": 5, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2]},
  {"id": 6, "image_id": 42, "category_id": 1, "bbox": [0, 0, 2, 2]},
  {"id": 7, "image_id": 1, "category_id": 9, "bbox": [0, 0, 2, 2]},
  {"id": 8, "image_id": 1, "category_id": 2, "keypoints": [1, 1, 2, 3, 3, 2]},
  {"id": 9, "image_id": 1, "category_id": 1, "bbox": [NaN, 0, 2, 2]},
  {"id": 10, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2]},
  {"id": 11, "image_id": 1, "category_id": 1, "segmentation": {"size": [2, 2], "counts": [1, 1]}}
],
"categories": [{"id": 1, "name": "person"},
  {"id": 2, "name": "face", "keypoints": ["left_eye", "right_eye", "nose"], "skeleton": [[1, 2]]}]
}"#;
    let loaded = read_text(text).unwrap();
    let lines = rendered(&loaded);
    let expected = [
        "test.json:4:3: F010 image 1 has a negative width (-4); read as 0",
        "test.json:4:3: F005 duplicate image id 1",
        "test.json:5:44: F001 image skipped: invalid type: string \"ten\", expected a number",
        "test.json:9:3: F005 duplicate annotation id 5",
        "test.json:10:3: F004 annotation 6 refers to image 42, which is not in images",
        "test.json:11:3: F004 annotation 7 refers to category 9, which is not in categories",
        "test.json:12:3: F002 annotation 8: keypoints has 6 values, expected 3 x 3 = 9 for category face",
        "test.json:13:3: F006 annotation 9 has a non-finite coordinate (NaN, Infinity or null)",
        "test.json:14:3: F002 annotation 10: bbox has 3 values, expected 4 (x, y, width, height); ignored",
        "test.json:14:3: F001 annotation 10 skipped: it has no bbox, segmentation or keypoints",
        "test.json:15:3: F009 annotation 11: invalid RLE mask: runs add up to 2 pixels, but the mask has 4",
    ];
    assert_eq!(lines, expected);
    let ds = &loaded.dataset;
    // Everything that could be kept was kept.
    assert_eq!(
        ds.images.iter().map(|i| i.id.0).collect::<Vec<_>>(),
        vec![1, 1, 42]
    );
    assert_eq!(ds.images[1].width, 0);
    let ids: Vec<u64> = ds.annotations.iter().map(|a| a.id.0).collect();
    assert_eq!(ids, vec![5, 5, 6, 7, 8, 9, 11]);
    assert!(matches!(&ds.annotations[5].geometry, Geometry::Box(b) if b.x_min.is_nan()));
    assert_eq!(ds.labels.name(ds.annotations[3].label), "9");
    // Issues name the annotation they are about.
    assert_eq!(loaded.issues[4].annotation, Some(6));
}

#[test]
fn python_nan_and_infinity_are_read_as_non_finite_with_original_positions() {
    let text = "{\"images\": [{\"id\": 1, \"file_name\": \"a\", \"width\": 4, \"height\": 4}],\n\"annotations\": [\n {\"id\": 1, \"image_id\": 1, \"category_id\": 1, \"keypoints\": [Infinity, -Infinity, 2]},\n {\"id\": 2, \"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 1, 1, 1], \"score\": NaN}],\n\"categories\": [{\"id\": 1, \"name\": \"x\"}]}";
    let loaded = read_text(text).unwrap();
    assert_eq!(
        rendered(&loaded),
        vec![
            "test.json:3:2: F006 annotation 1 has a non-finite coordinate (NaN, Infinity or null)"
        ]
    );
    // The second annotation's span is in original offsets.
    let span = loaded.spans.annotations[1].unwrap().span;
    let slice = &text.as_bytes()[span.start as usize..span.end as usize];
    assert!(slice.starts_with(b"{\"id\": 2") && slice.ends_with(b"NaN}"));
    assert!(loaded.dataset.annotations[1].score.unwrap().is_nan());
    // A syntax error after a NaN still points at the original position.
    let (line, column, _) = parse_error("{\"a\": [NaN, NaN],\n \"images\": [}");
    assert_eq!((line, column), (2, 13));
}

#[test]
fn rendered_issues_point_into_files_read_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.json");
    std::fs::write(&path, "{\"images\": [],\n\"annotations\": [{\"id\": 1, \"image_id\": 3, \"category_id\": 1, \"bbox\": [0,0,1,1]}],\n\"categories\": [{\"id\": 1, \"name\": \"x\"}]}").unwrap();
    let loaded = labelkit_coco::read_path(&path, &labelkit_coco::ReadOptions::default()).unwrap();
    let lines = rendered(&loaded);
    assert_eq!(
        lines,
        vec![format!(
            "{}:2:17: F004 annotation 1 refers to image 3, which is not in images",
            path.display()
        )]
    );
    let missing = labelkit_coco::read_path(
        &dir.path().join("nope.json"),
        &labelkit_coco::ReadOptions::default(),
    );
    assert!(matches!(missing, Err(Error::Io(_))));
}

/// A UTF-8 byte-order mark (Windows tools write one) is skipped; positions
/// still count from the file's first byte.
#[test]
fn a_byte_order_mark_is_skipped_and_positions_stay_right() {
    let text = "\u{feff}{\"images\": [{\"id\": 1, \"file_name\": \"a.jpg\", \"width\": 4, \"height\": 4}],\n\"annotations\": [{\"id\": 1, \"image_id\": 9, \"category_id\": 1, \"bbox\": [0, 0, 1, 1]}],\n\"categories\": [{\"id\": 1, \"name\": \"x\"}]}";
    let loaded = read_text(text).unwrap();
    assert_eq!(loaded.dataset.images[0].file_name, "a.jpg");
    assert_eq!(loaded.dataset.labels.name(labelkit_model::LabelId(0)), "x");
    let span = loaded.spans.images[0].unwrap().span;
    assert_eq!(&text.as_bytes()[span.start as usize..][..8], b"{\"id\": 1");
    let rendered = rendered(&loaded);
    assert_eq!(rendered.len(), 1, "{rendered:?}");
    assert!(
        rendered[0].starts_with("test.json:2:17: F004"),
        "{rendered:?}"
    );
    // A syntax error after the mark is at its line and column.
    let (line, column, _) = parse_error("\u{feff}{\"images\": [1,]}");
    assert_eq!((line, column), (1, 16));
}

/// A key repeated in one object is a warning at the repeated key; serde
/// would merge or overwrite it silently.
#[test]
fn duplicate_keys_are_reported_where_they_repeat() {
    let text = "{\"images\": [{\"id\": 1, \"file_name\": \"a.jpg\", \"width\": 4, \"height\": 4,\n  \"id\": 2}],\n\"categories\": [{\"id\": 1, \"name\": \"x\"}],\n\"categories\": []}";
    let loaded = read_text(text).unwrap();
    let rendered = rendered(&loaded);
    assert_eq!(
        rendered,
        vec![
            "test.json:2:3: F011 duplicate key `id` in one object: JSON leaves a repeated key's meaning open and readers disagree on which value counts; keep one",
            "test.json:4:1: F011 duplicate key `categories` in one object: JSON leaves a repeated key's meaning open and readers disagree on which value counts; keep one",
        ]
    );
    assert_eq!(
        loaded.issues[0].severity,
        labelkit_diagnostics::Severity::Warning
    );
}

/// The 6 MB file of the near-duplicate report: 80,000 boxes on one image.
/// The reader (with its duplicate-key pass) stays linear: this reads in
/// about a second in a debug build.
#[test]
fn eighty_thousand_boxes_on_one_image_read_linearly() {
    use std::fmt::Write as _;
    let mut text = String::from(
        "{\"images\": [{\"id\": 1, \"file_name\": \"a.jpg\", \"width\": 4000, \"height\": 2000}],\n\"categories\": [{\"id\": 1, \"name\": \"head\"}],\n\"annotations\": [\n",
    );
    for i in 0..80_000u32 {
        let (x, y) = (i % 400 * 10, i / 400 * 10);
        if i > 0 {
            text.push_str(",\n");
        }
        write!(
            text,
            "{{\"id\": {}, \"image_id\": 1, \"category_id\": 1, \"bbox\": [{x}, {y}, 10, 10], \"area\": 100, \"iscrowd\": 0, \"segmentation\": []}}",
            i + 1
        )
        .unwrap();
    }
    text.push_str("]}\n");
    assert!(text.len() > 6_000_000, "{}", text.len());
    let loaded = read_text(&text).unwrap();
    assert_eq!(loaded.dataset.annotations.len(), 80_000);
    assert_eq!(rendered(&loaded), Vec::<String>::new());
    match &loaded.dataset.annotations[79_999].geometry {
        Geometry::Box(b) => assert_eq!(
            (b.x_min, b.y_min, b.x_max, b.y_max),
            (3990.0, 1990.0, 4000.0, 2000.0)
        ),
        other => panic!("{other:?}"),
    }
}
