//! Crowd regions (COCO `iscrowd: 1`) through conversions: YOLO cannot mark
//! them and leaves them out, counted; CVAT marks them with the attribute
//! `is_crowd`, as CVAT's own COCO import does, and reads it back as crowd.

use std::path::{Path, PathBuf};

use crate::support::corpus;
use labelkit::model::{Dataset, Geometry};
use labelkit::rules::{Checker, Config, Registry, Selection};
use labelkit::{convert, read, ConvertOptions, Format, ReadOptions, Strictness};

const YOLO_LOSS: &str = "crowd regions (iscrowd: 1; YOLO cannot mark them)";

/// Datumaro's COCO instances: annotation 1 (`a`, a polygon) is an object,
/// annotation 2 (`b`, an uncompressed RLE mask over columns 0 and 1 of a
/// 5 x 10 image) is a crowd region.
fn datumaro_instances() -> PathBuf {
    corpus(
        "datumaro-cvat-ai/tests/assets/coco_dataset/coco_instances/annotations/instances_val.json",
    )
}

/// A COCO file over two images: on the first, a person crowd region (10),
/// two people (11 and 14, one labelled twice, inside the crowd's box) and
/// a car (12); on the second, a crowd region (13) as a polygon.
fn generated(dir: &Path) -> PathBuf {
    let path = dir.join("crowd.json");
    // The crowd's mask: x 10..50, y 10..50, in column-major runs.
    let mut counts = vec![810];
    for _ in 0..39 {
        counts.extend([40, 40]);
    }
    counts.extend([40, 4030]);
    let counts = format!("{counts:?}");
    std::fs::write(
        &path,
        r#"{"images": [
  {"id": 1, "file_name": "a.jpg", "width": 100, "height": 80},
  {"id": 2, "file_name": "b.jpg", "width": 100, "height": 80}],
 "categories": [{"id": 1, "name": "person"}, {"id": 2, "name": "car"}],
 "annotations": [
  {"id": 10, "image_id": 1, "category_id": 1, "bbox": [10, 10, 40, 40], "area": 1600,
   "segmentation": {"counts": COUNTS, "size": [80, 100]}, "iscrowd": 1},
  {"id": 11, "image_id": 1, "category_id": 1, "bbox": [11, 10, 39, 40], "area": 1560,
   "segmentation": [], "iscrowd": 0},
  {"id": 12, "image_id": 1, "category_id": 2, "bbox": [60, 20, 10, 10], "area": 100,
   "segmentation": [], "iscrowd": 0},
  {"id": 14, "image_id": 1, "category_id": 1, "bbox": [12, 10, 38, 40], "area": 1520,
   "segmentation": [], "iscrowd": 0},
  {"id": 13, "image_id": 2, "category_id": 1, "bbox": [0, 0, 20, 20], "area": 400,
   "segmentation": [[0, 0, 20, 0, 20, 20, 0, 20]], "iscrowd": 1}]}"#
            .replace("COUNTS", &counts),
    )
    .unwrap();
    path
}

/// The findings of `labelkit check` with the configuration `toml`.
fn check(loaded: &labelkit::Loaded, toml: &str) -> Vec<labelkit::Diagnostic> {
    let config = Config::from_toml_str(toml, "labelkit.toml").unwrap();
    let registry = Registry::builtin();
    Checker::new(&registry, &config, Selection::from_config(&config)).check(loaded)
}

fn load(path: &Path, format: Format) -> Dataset {
    read(path, Some(format), &ReadOptions::new())
        .unwrap()
        .dataset
}

/// The label files' rows, by file name, sorted (the image lists at the
/// top of a darknet dataset are not label files).
fn rows(root: &Path) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for entry in walk(root) {
        if entry.extension().is_some_and(|e| e == "txt") && entry.parent() != Some(root) {
            let text = std::fs::read_to_string(&entry).unwrap();
            let name = entry.file_name().unwrap().to_string_lossy().into_owned();
            out.push((name, text.lines().map(str::to_owned).collect()));
        }
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn yolo_leaves_out_the_corpus_crowd_region_and_counts_it() {
    let dir = tempfile::tempdir().unwrap();
    for to in [Format::YoloUltralytics, Format::YoloDarknet] {
        let out = dir.path().join(to.name());
        let report = convert(
            &datumaro_instances(),
            &out,
            None,
            to,
            &ConvertOptions::new(),
        )
        .unwrap();
        assert_eq!(report.write.count(YOLO_LOSS), 1, "{to:?}");
        assert_eq!(report.write.count("crowd flags"), 0, "{to:?}");
        let rows = rows(&out);
        let all: Vec<&String> = rows.iter().flat_map(|(_, r)| r).collect();
        // Only `a` (class 0) is written; `b`, the crowd region, has no row.
        assert_eq!(all.len(), 1, "{to:?}: {rows:?}");
        assert!(all[0].starts_with("0 "), "{to:?}: {rows:?}");
        // Strict refuses: a crowd region left out is a loss.
        let strict = dir.path().join(format!("{}-strict", to.name()));
        let err = convert(
            &datumaro_instances(),
            &strict,
            None,
            to,
            &ConvertOptions::new().strictness(Strictness::Material),
        )
        .unwrap_err();
        assert!(err.to_string().contains("crowd regions"), "{err}");
    }
}

#[test]
fn yolo_counts_crowd_regions_not_their_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let src = generated(dir.path());
    let out = dir.path().join("yolo");
    let report = convert(
        &src,
        &out,
        None,
        Format::YoloUltralytics,
        &ConvertOptions::new(),
    )
    .unwrap();
    // Two regions (one of them a box and a mask), not three shapes.
    assert_eq!(report.write.count(YOLO_LOSS), 2);
    let rows = rows(&out);
    let names: Vec<&str> = rows.iter().map(|(n, _)| n.as_str()).collect();
    let lines: Vec<usize> = rows.iter().map(|(_, r)| r.len()).collect();
    // a.jpg: the people inside the crowd and the car; b.jpg: nothing.
    assert_eq!(names, ["a.txt", "b.txt"]);
    assert_eq!(
        rows[0].1,
        [
            "0 0.305 0.375 0.39 0.5",
            "1 0.65 0.3125 0.1 0.125",
            "0 0.31 0.375 0.38 0.5"
        ]
    );
    assert_eq!(lines, [3, 0], "{rows:?}");
}

/// The crowd regions of `d`: (label name, mask pixels in COCO's
/// full-image column-major runs, or the polygon).
fn crowd_shapes(d: &Dataset) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for a in d.annotations.iter().filter(|a| a.crowd) {
        let image = d.images.iter().find(|i| i.id == a.image).unwrap();
        let shape = match &a.geometry {
            Geometry::Mask(m) => {
                let (w, h) = (image.width, image.height);
                format!("mask {:?}", m.encoding.to_coco(w, h).unwrap())
            }
            Geometry::Polygon(p) => format!("polygon {:?}", p.rings),
            Geometry::Box(_) => continue,
            other => format!("{other:?}"),
        };
        out.push((d.labels.name(a.label).to_owned(), shape));
    }
    out
}

#[test]
fn cvat_marks_crowd_regions_and_coco_gets_them_back() {
    let dir = tempfile::tempdir().unwrap();
    let generated = generated(dir.path());
    for (i, src) in [datumaro_instances(), generated].iter().enumerate() {
        let xml = dir.path().join(format!("{i}.xml"));
        let report = convert(src, &xml, None, Format::CvatImages, &ConvertOptions::new()).unwrap();
        assert_eq!(report.write.count("crowd flags"), 0);
        let text = std::fs::read_to_string(&xml).unwrap();
        let source = load(src, Format::Coco);
        let regions = source.annotations.iter().filter(|a| a.crowd).count();
        assert_eq!(
            text.matches(r#"<attribute name="is_crowd">true</attribute>"#)
                .count(),
            regions,
            "{text}"
        );
        // The label of the crowd regions declares the checkbox, so CVAT
        // accepts the attribute.
        assert!(
            text.contains("<name>is_crowd</name>\n              <mutable>False</mutable>\n              <input_type>checkbox</input_type>"),
            "{text}"
        );
        let cvat = load(&xml, Format::CvatImages);
        assert!(cvat
            .annotations
            .iter()
            .all(|a| a.attributes.get("is_crowd").is_none()));
        assert_eq!(crowd_shapes(&cvat), crowd_shapes(&source));

        let json = dir.path().join(format!("{i}.json"));
        convert(&xml, &json, None, Format::Coco, &ConvertOptions::new()).unwrap();
        let back = load(&json, Format::Coco);
        assert_eq!(crowd_shapes(&back), crowd_shapes(&source));
        let text = std::fs::read_to_string(&json).unwrap();
        assert!(!text.contains("is_crowd"), "{text}");
    }
}

#[test]
fn a_person_inside_a_crowd_region_is_not_its_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = read(
        &generated(dir.path()),
        Some(Format::Coco),
        &ReadOptions::new(),
    )
    .unwrap();
    let found = check(&loaded, "select = [\"A001\"]");
    let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
    // Person 11 overlaps the crowd's box with IoU 0.975: no finding. The
    // person labelled twice still is one.
    assert!(
        messages.iter().all(|m| !m.contains("11 duplicates")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("`person` 14 duplicates annotation 11 (IoU 0.974)")),
        "{messages:?}"
    );
    // A crowd region is compared only with crowd regions: findings against
    // 10 or 13 can only come from their own second shapes (15 and 16, the
    // segmentation beside the bbox, while COCO reads them as two shapes).
    assert!(
        messages
            .iter()
            .filter(|m| m.contains("annotation 10 ") || m.contains("annotation 13 "))
            .all(|m| m.contains(" 15 duplicates") || m.contains(" 16 duplicates")),
        "{messages:?}"
    );
}

#[test]
fn a_crowd_region_needs_no_companion() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("companions.json");
    std::fs::write(
        &path,
        r#"{"images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 80}],
 "categories": [{"id": 1, "name": "body"}, {"id": 2, "name": "adult"}],
 "annotations": [
  {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 60, 60], "area": 3600,
   "segmentation": [], "iscrowd": 1},
  {"id": 2, "image_id": 1, "category_id": 1, "bbox": [70, 10, 20, 50], "area": 1000,
   "segmentation": [], "iscrowd": 0},
  {"id": 3, "image_id": 1, "category_id": 1, "bbox": [70, 0, 10, 20], "area": 200,
   "segmentation": [], "iscrowd": 0},
  {"id": 4, "image_id": 1, "category_id": 2, "bbox": [70, 10, 20, 50], "area": 1000,
   "segmentation": [], "iscrowd": 0}]}"#,
    )
    .unwrap();
    let loaded = read(&path, Some(Format::Coco), &ReadOptions::new()).unwrap();
    let found = check(
        &loaded,
        "select = [\"A003\"]\n[[schema.companions]]\nobject = \"body\"\none-of = [\"adult\"]\n",
    );
    let flagged: Vec<(Option<u64>, &str)> = found
        .iter()
        .map(|d| (d.annotation, d.message.as_str()))
        .collect();
    // Body 2 has its adult; body 3 has none; the crowd region 1 needs none.
    assert_eq!(flagged, [(Some(3), "`body` has none of `adult`")]);
}
