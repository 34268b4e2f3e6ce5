//! A deterministic generator of clean person datasets, for the tests of the
//! rule engine and the check benchmark.
//!
//! [`person_dataset`] lays out `persons` people per 640x480 image, seen from
//! the front, each with a `body` box and its companions (`adult`/`child`,
//! `male`/`female`), a `head` with a direction companion, a `face` with
//! eyes, nose, mouth and ears, hands with their `hand_left`/`hand_right`
//! companions, feet, and a `person` keypoint instance (the 17 COCO points,
//! named, grouped with the body box). [`person_config`] is the whole-body
//! preset with the minimum label count lowered to 1, so the clean dataset
//! gets no finding at all ([`person_config_toml`] is its text, built as a
//! TOML table, not by editing the preset's text). [`source_for`] writes a small text file with one
//! line per image and annotation, and the span table pointing at them, so
//! diagnostics have positions.

use labelkit_diagnostics::{ByteSpan, Loaded, SourceFile, SourceMap, SourceSpan, SpanTable};
use labelkit_model::{
    Annotation, AnnotationId, BoxGeom, Dataset, Geometry, GroupId, Image, ImageId, Keypoint,
    KeypointSchema, Keypoints, Label, LabelId, Visibility,
};

use labelkit_rules::{preset_toml, Config};

use crate::Rng;

/// The eight head directions, in the order people are given them.
pub const DIRECTIONS: [&str; 8] = [
    "front",
    "right-front",
    "right-side",
    "right-back",
    "back",
    "left-back",
    "left-side",
    "left-front",
];

/// The labels of generated datasets, in declaration order.
pub const LABELS: [&str; 24] = [
    "body",
    "adult",
    "child",
    "male",
    "female",
    "head",
    "front",
    "right-front",
    "right-side",
    "right-back",
    "back",
    "left-back",
    "left-side",
    "left-front",
    "face",
    "eye",
    "nose",
    "mouth",
    "ear",
    "hand",
    "hand_left",
    "hand_right",
    "foot",
    "person",
];

/// The `labelkit.toml` generated datasets are clean under: the whole-body
/// preset with `[rules.too-few-labels] min-count = 1`, built by reading the
/// preset into a TOML table, setting that one value and writing the table
/// out again (the preset's comments are not kept).
///
/// # Panics
/// Never: the preset is a constant TOML document (checked by tests).
#[must_use]
pub fn person_config_toml() -> String {
    let preset = preset_toml("whole-body").expect("the whole-body preset exists");
    let mut table: toml::Table = preset.parse().expect("the whole-body preset is TOML");
    let rules = table
        .entry("rules")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    let too_few = rules
        .as_table_mut()
        .expect("`rules` is a table")
        .entry("too-few-labels")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    too_few
        .as_table_mut()
        .expect("`rules.too-few-labels` is a table")
        .insert("min-count".to_owned(), toml::Value::Integer(1));
    toml::to_string(&table).expect("a TOML table writes")
}

/// The configuration generated datasets are clean under:
/// [`person_config_toml`], read.
///
/// # Panics
/// Never: the preset is a constant that parses (checked by tests).
#[must_use]
pub fn person_config() -> Config {
    Config::from_toml_str(&person_config_toml(), "labelkit.toml")
        .expect("the whole-body preset parses")
}

/// The id of a label of a generated dataset.
#[must_use]
pub fn label(dataset: &Dataset, name: &str) -> LabelId {
    dataset.labels.find(name).unwrap_or(LabelId(u32::MAX))
}

/// A float in `[0, 1)` with 1/1024 steps, so coordinates stay short.
fn step(rng: &mut Rng) -> f64 {
    f64::from(u32::try_from(rng.below(1024)).unwrap_or(0)) / 1024.0
}

/// A clean dataset of `images` images with `persons` people each (at most
/// 4 fit), generated from `seed`. Person `i` (counting over the whole
/// dataset) is a `child` when `i % 3 == 0`, `male` when even, and has head
/// direction `DIRECTIONS[i % 8]`, so a dataset of fewer than 8 people leaves
/// some direction classes unused (`unused-class`).
#[must_use]
pub fn person_dataset(images: usize, persons: usize, seed: u64) -> Dataset {
    let persons = persons.clamp(1, 4);
    let mut d = Dataset::new();
    d.info.name = Some("generated people".to_owned());
    for name in LABELS {
        let mut l = Label::new(name);
        if name == "person" {
            l.keypoints = Some(KeypointSchema::coco_person());
        }
        d.labels.push(l);
    }
    let mut rng = Rng::new(seed);
    let mut next_id = 1u64;
    let mut person_index = 0usize;
    for i in 0..images {
        let image_id = ImageId(i as u64 + 1);
        d.images.push(Image {
            id: image_id,
            file_name: format!("images/{:06}.jpg", i + 1),
            width: 640,
            height: 480,
            ..Image::default()
        });
        #[allow(clippy::cast_precision_loss)]
        let cell = 640.0 / persons as f64;
        for p in 0..persons {
            #[allow(clippy::cast_precision_loss)]
            let x0 = cell * p as f64 + 8.0 + step(&mut rng) * 8.0;
            let x1 = cell * (p + 1) as f64 - 8.0 - step(&mut rng) * 8.0;
            let y0 = 20.0 + step(&mut rng) * 20.0;
            let y1 = 440.0 + step(&mut rng) * 20.0;
            add_person(
                &mut d,
                image_id,
                person_index,
                [x0, y0, x1, y1],
                &mut next_id,
            );
            person_index += 1;
        }
    }
    d
}

fn add_person(d: &mut Dataset, image: ImageId, index: usize, body: [f64; 4], next_id: &mut u64) {
    let [bx0, by0, bx1, by1] = body;
    let (bw, bh) = (bx1 - bx0, by1 - by0);
    let cx = (bx0 + bx1) / 2.0;
    let group = GroupId(index as u64 + 1);
    let mut push = |d: &mut Dataset, name: &str, geometry: Geometry, group: Option<GroupId>| {
        let mut a = Annotation::new(AnnotationId(*next_id), image, label(d, name), geometry);
        a.group = group;
        *next_id += 1;
        d.annotations.push(a);
    };
    let b = |x0: f64, y0: f64, x1: f64, y1: f64| Geometry::Box(BoxGeom::from_xyxy(x0, y0, x1, y1));
    push(d, "body", b(bx0, by0, bx1, by1), Some(group));
    push(
        d,
        if index.is_multiple_of(3) {
            "child"
        } else {
            "adult"
        },
        b(bx0, by0, bx1, by1),
        None,
    );
    push(
        d,
        if index.is_multiple_of(2) {
            "male"
        } else {
            "female"
        },
        b(bx0, by0, bx1, by1),
        None,
    );
    // Head, face and its parts.
    let hw = bw * 0.4;
    let (hx0, hy0) = (cx - hw / 2.0, by0 + 4.0);
    let (hx1, hy1) = (cx + hw / 2.0, hy0 + hw * 1.2);
    push(d, "head", b(hx0, hy0, hx1, hy1), None);
    push(d, DIRECTIONS[index % 8], b(hx0, hy0, hx1, hy1), None);
    let (fx0, fy0, fx1, fy1) = (
        hx0 + hw * 0.15,
        hy0 + hw * 0.25,
        hx1 - hw * 0.15,
        hy1 - hw * 0.1,
    );
    let fw = fx1 - fx0;
    push(d, "face", b(fx0, fy0, fx1, fy1), None);
    let ey = fy0 + fw * 0.3;
    push(
        d,
        "eye",
        b(fx0 + fw * 0.15, ey, fx0 + fw * 0.35, ey + fw * 0.12),
        None,
    );
    push(
        d,
        "eye",
        b(fx1 - fw * 0.35, ey, fx1 - fw * 0.15, ey + fw * 0.12),
        None,
    );
    push(
        d,
        "nose",
        b(cx - fw * 0.1, ey + fw * 0.2, cx + fw * 0.1, ey + fw * 0.45),
        None,
    );
    push(
        d,
        "mouth",
        b(cx - fw * 0.2, ey + fw * 0.55, cx + fw * 0.2, ey + fw * 0.7),
        None,
    );
    push(d, "ear", b(fx0, ey, fx0 + fw * 0.1, ey + fw * 0.3), None);
    push(d, "ear", b(fx1 - fw * 0.1, ey, fx1, ey + fw * 0.3), None);
    // Hands with their side, feet.
    let hy = by0 + bh * 0.5;
    let hs = bw * 0.15;
    for (x0, side) in [(bx0 + 1.0, "hand_right"), (bx1 - 1.0 - hs, "hand_left")] {
        push(d, "hand", b(x0, hy, x0 + hs, hy + hs), None);
        push(d, side, b(x0, hy, x0 + hs, hy + hs), None);
    }
    let fy = by1 - bh * 0.06;
    push(
        d,
        "foot",
        b(bx0 + bw * 0.2, fy, bx0 + bw * 0.4, by1 - 1.0),
        None,
    );
    push(
        d,
        "foot",
        b(bx1 - bw * 0.4, fy, bx1 - bw * 0.2, by1 - 1.0),
        None,
    );
    // COCO keypoints, seen from the front: left points on the image's right.
    let schema = KeypointSchema::coco_person();
    let rows: [(f64, f64); 9] = [
        (0.0, 0.10),  // nose
        (0.06, 0.08), // eyes
        (0.10, 0.09), // ears
        (0.20, 0.22), // shoulders
        (0.28, 0.38), // elbows
        (0.32, 0.50), // wrists
        (0.14, 0.55), // hips
        (0.15, 0.75), // knees
        (0.16, 0.92), // ankles
    ];
    let mut points = Vec::with_capacity(17);
    for (k, name) in schema.names.iter().enumerate() {
        let (row, side) = if k == 0 {
            (0, 0.0)
        } else {
            (k.div_ceil(2), if k % 2 == 1 { 1.0 } else { -1.0 })
        };
        let (dx, dy) = rows[row];
        let absent = row == 8 && index % 4 == 3;
        points.push(Keypoint {
            name: Some(labelkit_model::intern(name)),
            x: if absent { 0.0 } else { cx + side * dx * bw },
            y: if absent { 0.0 } else { by0 + dy * bh },
            visibility: if absent {
                Visibility::Absent
            } else if row == 5 && index % 5 == 1 {
                Visibility::Occluded
            } else {
                Visibility::Visible
            },
        });
    }
    push(
        d,
        "person",
        Geometry::Keypoints(Keypoints { points }),
        Some(group),
    );
}

/// A text file describing `dataset`, one line per image and per annotation,
/// and the span table pointing at those lines.
#[must_use]
pub fn source_for(dataset: &Dataset, path: &str) -> (SpanTable, SourceMap) {
    use std::fmt::Write as _;
    let mut text = String::new();
    let mut spans = SpanTable::new();
    spans.images = vec![None; dataset.images.len()];
    spans.annotations = vec![None; dataset.annotations.len()];
    let mut sources = SourceMap::new();
    let file = labelkit_diagnostics::FileId(0);
    let index = dataset.index();
    for (l, label) in dataset.labels.labels.iter().enumerate() {
        let start = text.len();
        let _ = write!(text, "label {}", label.name);
        spans.labels.push(Some(SourceSpan {
            file,
            span: ByteSpan::new(start, text.len()),
        }));
        text.push('\n');
        let _ = l;
    }
    for (i, image) in dataset.images.iter().enumerate() {
        let start = text.len();
        let _ = write!(
            text,
            "image {} {} {}x{}",
            image.id, image.file_name, image.width, image.height
        );
        spans.images[i] = Some(SourceSpan {
            file,
            span: ByteSpan::new(start, text.len()),
        });
        text.push('\n');
        for &a in index.annotations_of(i) {
            write_annotation(dataset, a, &mut text, &mut spans, file);
        }
    }
    for &a in index.orphans() {
        write_annotation(dataset, a, &mut text, &mut spans, file);
    }
    sources.add(SourceFile::with_text(path, text.into_bytes()));
    spans.dataset_file = Some(file);
    (spans, sources)
}

fn write_annotation(
    dataset: &Dataset,
    a: usize,
    text: &mut String,
    spans: &mut SpanTable,
    file: labelkit_diagnostics::FileId,
) {
    use std::fmt::Write as _;
    let Some(ann) = dataset.annotations.get(a) else {
        return;
    };
    text.push_str("  ");
    let start = text.len();
    let _ = write!(text, "{} {}", ann.id, dataset.labels.name(ann.label));
    match &ann.geometry {
        Geometry::Box(b) => {
            let _ = write!(text, " box {} {} {} {}", b.x_min, b.y_min, b.x_max, b.y_max);
        }
        Geometry::Keypoints(k) => {
            let _ = write!(text, " keypoints {}", k.points.len());
        }
        other => {
            let _ = write!(text, " {}", other.kind().as_str());
        }
    }
    if let Some(slot) = spans.annotations.get_mut(a) {
        *slot = Some(SourceSpan {
            file,
            span: ByteSpan::new(start, text.len()),
        });
    }
    text.push('\n');
}

/// `dataset` with a generated source file `people.txt` and no read issues.
#[must_use]
pub fn loaded(dataset: Dataset) -> Loaded {
    let (spans, sources) = source_for(&dataset, "people.txt");
    Loaded {
        dataset,
        spans,
        sources,
        issues: Vec::new(),
        ..Loaded::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The clean configuration is the preset with one value changed: the
    /// same table everywhere else.
    #[test]
    fn person_config_is_the_preset_with_min_count_one() {
        let mut preset: toml::Table = preset_toml("whole-body").unwrap().parse().unwrap();
        let ours: toml::Table = person_config_toml().parse().unwrap();
        let min_count = |t: &toml::Table| t["rules"]["too-few-labels"]["min-count"].clone();
        assert_eq!(min_count(&preset), toml::Value::Integer(3000));
        assert_eq!(min_count(&ours), toml::Value::Integer(1));
        preset["rules"]["too-few-labels"]
            .as_table_mut()
            .unwrap()
            .insert("min-count".to_owned(), toml::Value::Integer(1));
        assert_eq!(ours, preset);
        assert!(Config::from_toml_str(&person_config_toml(), "labelkit.toml").is_ok());
    }
}
