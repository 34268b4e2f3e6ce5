//! Writes COCO files for the pycocotools interop check.
//!
//! `cargo run -p labelkit-coco --example write_corpus -- OUTDIR` reads every
//! COCO file of tests/corpus and writes it back, writes a generated dataset
//! that has every kind of shape COCO holds, and writes `OUTDIR/expected.json`:
//! for each file written, the counts and, for each annotation with a
//! segmentation, what labelkit computes (mask pixel count, tight box,
//! compressed RLE string). `tests/pycocotools_interop.py` checks them against
//! pycocotools.
#![allow(clippy::print_stdout)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use labelkit_model::rle::{encode_counts_string, CocoCounts, MaskEncoding};
use labelkit_model::{
    Annotation, AnnotationId, AttributeValue, BoxGeom, Dataset, Geometry, GroupId, Image, ImageId,
    Keypoint, KeypointSchema, Keypoints, Label, LabelId, Mask, Point, Polygon, Visibility,
};

const CORPUS: &[&str] = &[
    "dagshub-annotation-converter/tests/coco/res/annotations.json",
    "datumaro-cvat-ai/tests/assets/coco_dataset/coco_instances/annotations/instances_val.json",
    "datumaro-openvino/tests/assets/coco_dataset/coco_image_info/annotations/image_info_train.json",
    "labelformat/tests/fixtures/instance_segmentation/COCO/instances.json",
    "labelformat/tests/fixtures/instance_segmentation/COCO/instances_with_binary_mask.json",
    "labelformat/tests/fixtures/object_detection/COCO/train.json",
    "mmpose/tests/data/coco/test_coco.json",
    "mmpose/tests/data/crowdpose/test_crowdpose.json",
    "mmpose/tests/data/ochuman/test_ochuman.json",
    "review_object_detection_metrics/data/database/gts/coco_format_v1/instances_default.json",
    "review_object_detection_metrics/data/database/gts/coco_format_v2/instances_v2.json",
];

fn generated() -> Dataset {
    let mut ds = Dataset::new();
    let mut person = Label::new("person");
    person.keypoints = Some(KeypointSchema::coco_person());
    ds.labels.push(person);
    ds.labels.push(Label {
        source_id: Some(90),
        supercategory: Some("thing".into()),
        ..Label::new("blob")
    });
    for (id, (w, h)) in [
        (1u64, (640u32, 480u32)),
        (7, (32, 24)),
        (20_180_000_001, (100, 50)),
    ] {
        ds.images.push(Image {
            id: ImageId(id),
            file_name: format!("img_{id}.jpg"),
            width: w,
            height: h,
            ..Image::default()
        });
    }
    let mut next = 0u64;
    let mut push = |ds: &mut Dataset, image: u64, label: u32, g: Geometry, group: Option<u64>| {
        next += 1;
        let mut a = Annotation::new(AnnotationId(next * 10), ImageId(image), LabelId(label), g);
        a.group = group.map(GroupId);
        ds.annotations.push(a);
        ds.annotations.len() - 1
    };
    // A person: box, two-part polygon and 17 keypoints in one group.
    push(
        &mut ds,
        1,
        0,
        Geometry::Box(BoxGeom::from_xyxy(100.0, 50.0, 220.5, 400.25)),
        Some(1),
    );
    let ring = |x: f64, y: f64, s: f64| {
        vec![
            Point::new(x, y),
            Point::new(x + s, y),
            Point::new(x + s, y + 2.0 * s),
            Point::new(x, y + 2.0 * s),
        ]
    };
    push(
        &mut ds,
        1,
        0,
        Geometry::Polygon(Polygon {
            rings: vec![ring(110.0, 60.0, 50.0), ring(170.0, 200.0, 40.5)],
        }),
        Some(1),
    );
    let points = (0..17)
        .map(|i| Keypoint {
            name: None,
            x: 110.0 + f64::from(i) * 5.5,
            y: 60.0 + f64::from(i) * 19.0,
            visibility: Visibility::from_coco_code(u8::try_from(i % 3).unwrap_or(0))
                .unwrap_or_default(),
        })
        .collect();
    push(
        &mut ds,
        1,
        0,
        Geometry::Keypoints(Keypoints { points }),
        Some(1),
    );
    // A CVAT-style window mask, converted to image RLE on writing.
    let (ww, wh) = (6u32, 4u32);
    push(
        &mut ds,
        7,
        1,
        Geometry::Mask(Mask {
            encoding: MaskEncoding::Window {
                left: 3,
                top: 2,
                width: ww,
                height: wh,
                counts: vec![2, 5, 3, 8, 6],
            },
        }),
        None,
    );
    // A crowd mask with uncompressed runs over the whole image.
    let total = 32 * 24;
    let i = push(
        &mut ds,
        7,
        1,
        Geometry::Mask(Mask {
            encoding: MaskEncoding::Coco {
                height: 24,
                width: 32,
                counts: CocoCounts::Runs(vec![30, 50, 100, 7, total - 187]),
            },
        }),
        None,
    );
    ds.annotations[i].crowd = true;
    // A compressed mask and a rotated box with CVAT attributes.
    let runs = [120u32, 33, 17, 400, 12, 4418];
    let i = push(
        &mut ds,
        20_180_000_001,
        1,
        Geometry::Mask(Mask {
            encoding: MaskEncoding::Coco {
                height: 50,
                width: 100,
                counts: CocoCounts::Compressed(encode_counts_string(&runs)),
            },
        }),
        None,
    );
    ds.annotations[i].score = Some(0.75);
    let i = push(
        &mut ds,
        20_180_000_001,
        0,
        Geometry::Box(BoxGeom {
            rotation: 15.0,
            ..BoxGeom::from_xyxy(10.0, 10.0, 40.0, 30.0)
        }),
        None,
    );
    ds.annotations[i].occluded = true;
    ds.annotations[i]
        .attributes
        .set("gender", AttributeValue::Text("female".into()));
    ds.annotations[i]
        .attributes
        .set("age", AttributeValue::Number(31.0));
    // A polygon alone: its box is derived.
    push(
        &mut ds,
        20_180_000_001,
        1,
        Geometry::Polygon(Polygon {
            rings: vec![vec![
                Point::new(50.0, 5.0),
                Point::new(90.0, 12.5),
                Point::new(70.0, 45.0),
            ]],
        }),
        None,
    );
    ds
}

/// What labelkit computes for the masks of a written file.
fn expectations(path: &Path) -> Result<String, String> {
    let loaded = labelkit_coco::read_path(path, &labelkit_coco::ReadOptions::default())
        .map_err(|e| e.to_string())?;
    let ds = &loaded.dataset;
    let coco_annotations = ds
        .annotations
        .iter()
        .filter(|a| a.group.is_none_or(|g| g.0 == a.id.0))
        .count();
    let mut s = String::new();
    let _ = write!(
        s,
        "{{\"images\": {}, \"annotations\": {}, \"categories\": {}, \"masks\": {{",
        ds.images.len(),
        coco_annotations,
        ds.labels.len()
    );
    let mut first = true;
    for a in &ds.annotations {
        let Geometry::Mask(m) = &a.geometry else {
            continue;
        };
        let coco_id = a.group.map_or(a.id.0, |g| g.0);
        let runs = m.encoding.runs().map_err(|e| e.to_string())?;
        let b = m.encoding.bounds().unwrap_or_default();
        if !first {
            s.push_str(", ");
        }
        first = false;
        let _ = write!(
            s,
            "\"{coco_id}\": {{\"pixels\": {}, \"bbox\": [{}, {}, {}, {}], \"counts\": {}}}",
            m.encoding.pixel_count(),
            b.x_min,
            b.y_min,
            b.width(),
            b.height(),
            serde_json::to_string(&encode_counts_string(&runs)).map_err(|e| e.to_string())?
        );
    }
    s.push_str("}}");
    Ok(s)
}

fn run(out: &Path) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let corpus = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/corpus"));
    let mut written: Vec<(String, PathBuf)> = Vec::new();
    for rel in CORPUS {
        let loaded =
            labelkit_coco::read_path(&corpus.join(rel), &labelkit_coco::ReadOptions::default())
                .map_err(|e| e.to_string())?;
        let name = rel.replace('/', "__");
        let target = out.join(&name);
        let report = labelkit_coco::write_path(
            &loaded.dataset,
            &target,
            &labelkit_coco::WriteOptions::default(),
        )
        .map_err(|e| e.to_string())?;
        println!("{name}: {report}");
        written.push((name, target));
    }
    let target = out.join("generated.json");
    let report = labelkit_coco::write_path(
        &generated(),
        &target,
        &labelkit_coco::WriteOptions::default(),
    )
    .map_err(|e| e.to_string())?;
    println!("generated.json: {report}");
    written.push(("generated.json".into(), target));
    let mut manifest = String::from("{\n");
    for (i, (name, path)) in written.iter().enumerate() {
        if i > 0 {
            manifest.push_str(",\n");
        }
        let _ = write!(manifest, "  \"{name}\": {}", expectations(path)?);
    }
    manifest.push_str("\n}\n");
    std::fs::write(out.join("expected.json"), manifest).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let Some(out) = std::env::args_os().nth(1) else {
        eprintln!("usage: write_corpus OUTDIR");
        return ExitCode::from(2);
    };
    match run(Path::new(&out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("write_corpus: {e}");
            ExitCode::FAILURE
        }
    }
}
