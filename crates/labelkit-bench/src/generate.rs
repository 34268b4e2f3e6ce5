//! A deterministic generator of person-domain datasets.
//!
//! The same seed and scale always give the same dataset. Each image holds
//! 0 to 60 objects: people made of a whole-body box (with an outline
//! polygon and 17 COCO keypoints in the same group), a generation box
//! (`adult`/`child`) and a gender box (`male`/`female`) that repeat the body's
//! geometry with a pixel of jitter, a head box with one of the eight head
//! directions, and sometimes a face with eyes, a nose and a mouth, hands and
//! feet. Boxes range from 3x3 px to the whole image. Attributes ride on the
//! body boxes.

use labelkit_model::{
    Annotation, AnnotationId, AttributeSpec, AttributeValue, BoxGeom, Dataset, Geometry, GroupId,
    Image, ImageId, InputType, Keypoint, KeypointSchema, Keypoints, Label, LabelId, Point, Polygon,
    Visibility,
};
use labelkit_testkit::Rng;

/// The 25 whole-body classes, in class-id order.
pub const CLASSES: [&str; 25] = [
    "body",
    "adult",
    "child",
    "male",
    "female",
    "body_with_wheelchair",
    "body_with_crutches",
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
    "foot",
    "hand_left",
    "hand_right",
];

const SIZES: [(u32, u32); 6] = [
    (640, 480),
    (640, 427),
    (480, 640),
    (1280, 720),
    (1920, 1080),
    (500, 375),
];

/// How big a dataset to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    /// Number of images.
    pub images: u32,
    /// Seed of the random sequence.
    pub seed: u64,
}

impl Scale {
    /// COCO train2017: 120,000 images, about 860,000 COCO annotations.
    pub const TRAIN2017: Scale = Scale {
        images: 120_000,
        seed: 2017,
    };

    /// A few dozen images, for smoke runs.
    pub const SMOKE: Scale = Scale {
        images: 40,
        seed: 7,
    };
}

/// Rounds to 2 decimals, as annotation tools store coordinates.
fn r2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

struct Builder {
    dataset: Dataset,
    next_id: u64,
    next_group: u64,
}

impl Builder {
    fn push(
        &mut self,
        image: ImageId,
        label: LabelId,
        geometry: Geometry,
        group: Option<u64>,
    ) -> usize {
        let mut a = Annotation::new(AnnotationId(self.next_id), image, label, geometry);
        a.group = group.map(GroupId);
        self.next_id += 1;
        self.dataset.annotations.push(a);
        self.dataset.annotations.len() - 1
    }
}

fn label(i: usize) -> LabelId {
    LabelId(u32::try_from(i).unwrap_or(0))
}

/// A box of the given size inside `area`, clamped to it, rounded to 2 decimals.
fn place(rng: &mut Rng, area: &BoxGeom, w: f64, h: f64) -> BoxGeom {
    let w = w.min(area.width()).max(3.0);
    let h = h.min(area.height()).max(3.0);
    let x = r2(rng.range(area.x_min, (area.x_max - w).max(area.x_min)));
    let y = r2(rng.range(area.y_min, (area.y_max - h).max(area.y_min)));
    BoxGeom::from_xyxy(x, y, r2(x + w).min(area.x_max), r2(y + h).min(area.y_max))
}

/// The same box, moved by up to half a pixel: a companion label drawn on the
/// same object.
fn jitter(rng: &mut Rng, b: &BoxGeom, image: &BoxGeom) -> BoxGeom {
    let mut j = |v: f64, lo: f64, hi: f64| r2((v + rng.range(-0.5, 0.5)).clamp(lo, hi));
    let x_min = j(b.x_min, image.x_min, image.x_max);
    let y_min = j(b.y_min, image.y_min, image.y_max);
    let x_max = j(b.x_max, image.x_min, image.x_max)
        .max(x_min + 3.0)
        .min(image.x_max);
    let y_max = j(b.y_max, image.y_min, image.y_max)
        .max(y_min + 3.0)
        .min(image.y_max);
    BoxGeom::from_xyxy(x_min.min(x_max - 3.0), y_min.min(y_max - 3.0), x_max, y_max)
}

/// 17 COCO keypoints laid out on a standing figure inside `b`, left points on
/// the image's right (the person faces the camera).
fn keypoints(rng: &mut Rng, b: &BoxGeom) -> Keypoints {
    // (x, y) as fractions of the box, COCO order.
    const LAYOUT: [(f64, f64); 17] = [
        (0.50, 0.08),
        (0.55, 0.06),
        (0.45, 0.06),
        (0.60, 0.08),
        (0.40, 0.08),
        (0.70, 0.22),
        (0.30, 0.22),
        (0.78, 0.38),
        (0.22, 0.38),
        (0.80, 0.52),
        (0.20, 0.52),
        (0.62, 0.55),
        (0.38, 0.55),
        (0.62, 0.75),
        (0.38, 0.75),
        (0.62, 0.95),
        (0.38, 0.95),
    ];
    let points = LAYOUT
        .iter()
        .map(|&(fx, fy)| {
            let visibility = match rng.below(10) {
                0 => Visibility::Absent,
                1 | 2 => Visibility::Occluded,
                _ => Visibility::Visible,
            };
            if visibility == Visibility::Absent {
                Keypoint {
                    name: None,
                    x: 0.0,
                    y: 0.0,
                    visibility,
                }
            } else {
                Keypoint {
                    name: None,
                    x: r2(b.x_min + fx * b.width()),
                    y: r2(b.y_min + fy * b.height()),
                    visibility,
                }
            }
        })
        .collect();
    Keypoints { points }
}

/// Radii of the outline's vertices, as fractions of the half box: a
/// lumpy ellipse, like a hand-drawn silhouette.
const OUTLINE: [f64; 24] = [
    1.0, 0.93, 0.82, 0.9, 1.0, 0.96, 0.85, 0.8, 0.92, 1.0, 0.88, 0.95, 1.0, 0.91, 0.84, 0.97, 1.0,
    0.9, 0.83, 0.94, 1.0, 0.87, 0.8, 0.95,
];

/// An outline of `vertices` points (at most 24) inside `b`.
fn outline(b: &BoxGeom, vertices: usize) -> Polygon {
    let (w, h) = (b.width(), b.height());
    let n = vertices.clamp(3, OUTLINE.len());
    let ring = (0..n)
        .map(|i| {
            #[allow(clippy::cast_precision_loss)]
            let t = std::f64::consts::TAU * i as f64 / n as f64;
            let r = OUTLINE[i * OUTLINE.len() / n];
            let fx = 0.5 + 0.5 * r * t.cos();
            let fy = 0.5 + 0.5 * r * t.sin();
            Point::new(
                r2(b.x_min + fx * w).clamp(b.x_min, b.x_max),
                r2(b.y_min + fy * h).clamp(b.y_min, b.y_max),
            )
        })
        .collect();
    Polygon { rings: vec![ring] }
}

fn labels() -> Vec<Label> {
    CLASSES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut l = Label::new(*name);
            l.source_id = Some(i64::try_from(i).unwrap_or(0) + 1);
            l.supercategory = Some("person".to_owned());
            if *name == "body" {
                l.keypoints = Some(KeypointSchema::coco_person());
                l.attributes = vec![
                    AttributeSpec {
                        name: "truncated".to_owned(),
                        input_type: InputType::Checkbox,
                        mutable: false,
                        default: Some("false".to_owned()),
                        values: vec!["false".to_owned()],
                    },
                    AttributeSpec {
                        name: "pose".to_owned(),
                        input_type: InputType::Select,
                        mutable: false,
                        default: Some("standing".to_owned()),
                        values: vec![
                            "standing".to_owned(),
                            "sitting".to_owned(),
                            "lying".to_owned(),
                        ],
                    },
                ];
            }
            l
        })
        .collect()
}

/// Generates the dataset for `scale`.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn generate(scale: Scale) -> Dataset {
    let mut rng = Rng::new(scale.seed);
    let mut b = Builder {
        dataset: Dataset::new(),
        next_id: 1,
        next_group: 1,
    };
    b.dataset.info.name = Some(format!("person-{}-{}", scale.images, scale.seed));
    for l in labels() {
        b.dataset.labels.push(l);
    }
    let idx = |name: &str| label(CLASSES.iter().position(|c| *c == name).unwrap_or(0));
    let directions = [
        "front",
        "right-front",
        "right-side",
        "right-back",
        "back",
        "left-back",
        "left-side",
        "left-front",
    ];
    for i in 0..scale.images {
        let (w, h) = SIZES[usize::try_from(rng.below(SIZES.len() as u64)).unwrap_or(0)];
        let id = ImageId(u64::from(i) + 1);
        b.dataset.images.push(Image {
            id,
            file_name: format!("images/train/{:012}.png", i + 1),
            width: w,
            height: h,
            subset: Some("train".to_owned()),
            ..Image::default()
        });
        let image_box = BoxGeom::from_xyxy(0.0, 0.0, f64::from(w), f64::from(h));
        // People per image: mostly 0-2, now and then a crowd; at most 60
        // objects per image.
        let people = match rng.below(100) {
            0..=25 => 0,
            26..=71 => 1,
            72..=93 => 2,
            94..=98 => 3 + rng.below(3),
            _ => 6 + rng.below(4),
        };
        let mut objects = 0u64;
        for _ in 0..people {
            if objects + 7 > 60 {
                break;
            }
            // Log-uniform size from 3 px up to the whole image.
            let scale_f = (rng.range(0.0, 1.0) * (f64::from(h) / 3.0).ln()).exp();
            let bh = (3.0 * scale_f).min(f64::from(h));
            let bw = (bh * rng.range(0.3, 0.6)).max(3.0).min(f64::from(w));
            let body = if rng.below(2000) == 0 {
                image_box
            } else {
                place(&mut rng, &image_box, bw, bh)
            };
            let group = b.next_group;
            b.next_group += 1;
            let body_label = match rng.below(50) {
                0 => idx("body_with_wheelchair"),
                1 => idx("body_with_crutches"),
                _ => idx("body"),
            };
            let body_pos = b.push(id, body_label, Geometry::Box(body), Some(group));
            let ann = &mut b.dataset.annotations[body_pos];
            ann.occluded = rng.chance(0.2);
            ann.attributes
                .set("truncated", AttributeValue::Bool(rng.chance(0.1)));
            let pose = ["standing", "sitting", "lying"][usize::try_from(rng.below(3)).unwrap_or(0)];
            ann.attributes
                .set("pose", AttributeValue::Text(pose.to_owned()));
            if body_label == idx("body") {
                b.push(
                    id,
                    body_label,
                    Geometry::Polygon(outline(&body, 24)),
                    Some(group),
                );
                let kp = keypoints(&mut rng, &body);
                b.push(id, body_label, Geometry::Keypoints(kp), Some(group));
            }
            let generation = if rng.chance(0.8) { "adult" } else { "child" };
            let g = jitter(&mut rng, &body, &image_box);
            b.push(id, idx(generation), Geometry::Box(g), None);
            let gender = if rng.chance(0.5) { "male" } else { "female" };
            let g = jitter(&mut rng, &body, &image_box);
            b.push(id, idx(gender), Geometry::Box(g), None);
            objects += 3;
            // The head sits in the top fifth of the body.
            let top = BoxGeom::from_xyxy(
                body.x_min,
                body.y_min,
                body.x_max,
                (body.y_min + body.height() * 0.25)
                    .max(body.y_min + 3.0)
                    .min(body.y_max),
            );
            let head = place(&mut rng, &top, body.width() * 0.35, body.height() * 0.15);
            // The head: a box and its outline, one object.
            let head_group = b.next_group;
            b.next_group += 1;
            b.push(id, idx("head"), Geometry::Box(head), Some(head_group));
            b.push(
                id,
                idx("head"),
                Geometry::Polygon(outline(&head, 8)),
                Some(head_group),
            );
            let dir = directions[usize::try_from(rng.below(8)).unwrap_or(0)];
            let d = jitter(&mut rng, &head, &top);
            b.push(id, idx(dir), Geometry::Box(d), None);
            objects += 2;
            if head.width() >= 12.0 && rng.chance(0.4) {
                let face = place(&mut rng, &head, head.width() * 0.7, head.height() * 0.7);
                b.push(id, idx("face"), Geometry::Box(face), None);
                objects += 1;
                if face.width() >= 12.0 && objects + 2 <= 60 {
                    for part in ["eye", "eye", "nose", "mouth"] {
                        let p = place(&mut rng, &face, face.width() * 0.2, face.height() * 0.15);
                        b.push(id, idx(part), Geometry::Box(p), None);
                        objects += 1;
                    }
                }
            }
            if body.width() >= 10.0 && rng.chance(0.3) {
                let hand = place(&mut rng, &body, body.width() * 0.15, body.height() * 0.08);
                b.push(id, idx("hand"), Geometry::Box(hand), None);
                objects += 1;
            }
            if body.width() >= 10.0 && rng.chance(0.2) {
                let bottom = BoxGeom::from_xyxy(
                    body.x_min,
                    (body.y_max - body.height() * 0.15).max(body.y_min),
                    body.x_max,
                    body.y_max,
                );
                let foot = place(&mut rng, &bottom, body.width() * 0.2, body.height() * 0.06);
                b.push(id, idx("foot"), Geometry::Box(foot), None);
                objects += 1;
            }
        }
    }
    b.dataset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_inside_the_images() {
        let a = generate(Scale::SMOKE);
        let b = generate(Scale::SMOKE);
        assert_eq!(a, b);
        assert_eq!(a.images.len(), 40);
        let index = a.index();
        for (i, image) in a.images.iter().enumerate() {
            let frame =
                BoxGeom::from_xyxy(0.0, 0.0, f64::from(image.width), f64::from(image.height));
            for &ai in index.annotations_of(i) {
                let bounds = a.annotations[ai].geometry.bounds();
                if let Some(bb) = bounds {
                    assert!(frame.contains_box(&bb, 1e-9), "{bb:?} outside {frame:?}");
                }
                if let Geometry::Box(bx) = a.annotations[ai].geometry {
                    assert!(
                        bx.width() >= 3.0 - 1e-9 && bx.height() >= 3.0 - 1e-9,
                        "{bx:?}"
                    );
                }
            }
        }
    }
}
