//! The dataset rules on what the readers and the facade record about files:
//! missing label files (D005), labels without images (D006), declared sizes
//! that differ from the image files (D007), undeclared classes (D003) and a
//! wrong `flip_idx` (K006), each at its image and position.

use std::fs;
use std::path::Path;

use labelkit::rules::{Checker, Config, Registry, Selection};
use labelkit::{read, write, Format, Loaded, ReadOptions, WriteOptions};

/// The signature and header of a `width x height` PNG: all the size reader
/// looks at.
fn png(path: &Path, width: u32, height: u32) {
    let mut b = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    b.extend(width.to_be_bytes());
    b.extend(height.to_be_bytes());
    b.extend([1, 0, 0, 0, 0, 0, 0, 0, 0]);
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).unwrap();
    }
    fs::write(path, b).unwrap();
}

/// `(code, image id, file name:line:column)` of the findings with one of
/// `codes`, sorted.
fn findings(
    loaded: &Loaded,
    config: &Config,
    codes: &[&str],
) -> Vec<(String, Option<u64>, String)> {
    let registry = Registry::builtin();
    let mut out = Checker::new(&registry, config, Selection::all())
        .check(loaded)
        .into_iter()
        .filter(|d| codes.contains(&d.code.as_str()))
        .map(|d| {
            let at = match &d.primary {
                Some(p) => {
                    let f = loaded.sources.get(p.file).unwrap();
                    let lc = f.line_col(p.span.start);
                    let name = f.path().file_name().unwrap().to_string_lossy().into_owned();
                    format!("{name}:{}:{}", lc.line, lc.column)
                }
                None => d
                    .path
                    .as_ref()
                    .and_then(|p| p.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            };
            (d.code, d.image, at)
        })
        .collect::<Vec<_>>();
    out.sort();
    out
}

fn found(code: &str, image: Option<u64>, at: &str) -> (String, Option<u64>, String) {
    (code.to_owned(), image, at.to_owned())
}

const CODES: &[&str] = &["D003", "D005", "D006", "D007", "K006"];

const COCO: &str = r#"{
"images": [
{"id": 1, "file_name": "a.png", "width": 40, "height": 30},
{"id": 2, "file_name": "b.png", "width": 20, "height": 10},
{"id": 3, "file_name": "c.png", "width": 20, "height": 10}
],
"annotations": [
{"id": 1, "image_id": 2, "category_id": 1, "bbox": [1, 1, 5, 5], "area": 25, "iscrowd": 0},
{"id": 2, "image_id": 2, "category_id": 9, "bbox": [1, 1, 5, 5], "area": 25, "iscrowd": 0}
],
"categories": [{"id": 1, "name": "person"}]
}
"#;

#[test]
fn coco_sizes_are_verified_against_the_image_files_and_undeclared_categories_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("annotations/instances.json");
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(&file, COCO).unwrap();
    // In `../images/`: `a` is rotated, `b` as declared, `c` absent.
    png(&dir.path().join("images/a.png"), 30, 40);
    png(&dir.path().join("images/b.png"), 20, 10);

    let config = Config::default();
    let plain = read(&file, None, &ReadOptions::default()).unwrap();
    assert_eq!(
        findings(&plain, &config, CODES),
        [found("D003", None, "instances.json")]
    );

    let loaded = read(&file, None, &ReadOptions::new().verify_image_sizes(true)).unwrap();
    let sizes: Vec<Option<(u32, u32)>> = (0..loaded.dataset.images.len())
        .map(|pos| loaded.facts.image(pos).file_size)
        .collect();
    assert_eq!(sizes, [Some((30, 40)), Some((20, 10)), None]);
    // The facts are beside the dataset, not in it: a COCO image keeps only
    // COCO's own fields.
    assert!(loaded
        .dataset
        .images
        .iter()
        .all(|i| i.kept.is_empty() || i.kept.get::<labelkit::coco::CocoImageFields>().is_some()));
    let undeclared: Vec<&str> = loaded
        .dataset
        .labels
        .labels
        .iter()
        .filter(|l| !l.declared)
        .map(|l| l.name.as_str())
        .collect();
    assert_eq!(undeclared, ["9"]);
    assert_eq!(
        findings(&loaded, &config, CODES),
        [
            found("D003", None, "instances.json"),
            found("D007", Some(1), "instances.json:3:1"),
        ]
    );
    let d007 = Checker::new(&Registry::builtin(), &config, Selection::all())
        .check(&loaded)
        .into_iter()
        .find(|d| d.code == "D007")
        .unwrap();
    assert_eq!(
        d007.message,
        "image `a.png` is declared 40x30 but the file is 30x40"
    );

    // The facts are not written out as COCO fields.
    let out = dir.path().join("out.json");
    write(&loaded.dataset, &out, Format::Coco, &WriteOptions::new()).unwrap();
    let text = fs::read_to_string(&out).unwrap();
    assert!(!text.contains("labelkit."), "{text}");
    assert!(
        text.contains("\"width\": 40") || text.contains("\"width\":40"),
        "{text}"
    );
}

#[test]
fn cvat_sizes_are_verified_beside_the_file_and_undeclared_labels_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("annotations.xml");
    fs::write(
        &file,
        r#"<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta><task><labels><label><name>body</name></label></labels></task></meta>
  <image id="0" name="x.png" width="64" height="48">
    <box label="bodyy" source="manual" occluded="0" xtl="1" ytl="2" xbr="10" ybr="20" z_order="0"/>
  </image>
  <image id="1" name="y.png" width="64" height="48">
  </image>
</annotations>
"#,
    )
    .unwrap();
    png(&dir.path().join("x.png"), 64, 48);
    png(&dir.path().join("y.png"), 64, 40);
    let loaded = read(&file, None, &ReadOptions::new().verify_image_sizes(true)).unwrap();
    let bodyy = &loaded.dataset.labels.labels[1];
    assert_eq!(bodyy.name, "bodyy");
    assert!(!bodyy.declared);
    assert!(bodyy.kept.is_empty() || bodyy.kept.get::<labelkit::cvat::CvatLabel>().is_some());
    assert!(loaded.dataset.labels.labels[0].declared);
    let got = findings(&loaded, &Config::default(), CODES);
    assert_eq!(
        got,
        [
            found("D003", None, "annotations.xml:6:5"),
            found("D007", Some(1), "annotations.xml:8:3"),
        ]
    );
}

#[test]
fn yolo_missing_files_and_a_wrong_flip_idx_are_flagged_where_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(
        root.join("data.yaml"),
        "path: .\ntrain: images/train\nkpt_shape: [3, 3]\nflip_idx: [0, 1, 2]\nnames: [person]\n",
    )
    .unwrap();
    fs::create_dir_all(root.join("labels/train")).unwrap();
    png(&root.join("images/train/a.png"), 20, 10);
    png(&root.join("images/train/b.png"), 20, 10);
    let row = "0 0.5 0.5 0.5 0.5 0.25 0.25 2 0.75 0.25 2 0.5 0.5 2\n";
    fs::write(root.join("labels/train/a.txt"), row).unwrap();
    fs::write(root.join("labels/train/c.txt"), row).unwrap();
    let config = Config::from_toml_str(
        "[keypoints.person]\nnames = [\"left_eye\", \"right_eye\", \"nose\"]\n",
        "labelkit.toml",
    )
    .unwrap();
    let loaded = read(root, None, &ReadOptions::default()).unwrap();
    let files: Vec<&str> = loaded
        .dataset
        .images
        .iter()
        .map(|i| i.file_name.as_str())
        .collect();
    assert_eq!(
        files,
        [
            "images/train/a.png",
            "images/train/b.png",
            "images/train/c.jpg"
        ]
    );
    assert_eq!(
        findings(&loaded, &config, CODES),
        [
            found("D005", Some(2), "b.txt:1:1"),
            found("D006", Some(3), "c.txt:1:1"),
            // At the `flip_idx:` line it is about (not `names:`).
            found("K006", None, "data.yaml:4:1"),
        ]
    );
}
