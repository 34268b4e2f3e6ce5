//! The changed side of a diff benchmark: a copy of a dataset where a seeded
//! share of the objects changed, across every kind of change
//! `labelkit diff` tells apart, with the counts it must find.
//!
//! At most one change per image, and each change touches shapes no other
//! change of the image touches, so that what the diff must report is known
//! exactly: an unchanged shape matches its own copy with IoU 1 (greedy best
//! IoU first takes those pairs first), and the one changed shape of an
//! image has nothing left to be confused with. The kinds:
//!
//! - `moved`: a face, eye, nose, mouth or foot box of at least 12x12 px
//!   shifted by 15% of its width and 10% of its height (at least 1.5 px).
//! - `resized`: such a box grown by 20% around its centre.
//! - `reshaped`: one vertex of a body or head outline (not an extreme one,
//!   so its bounds stay) pulled 3 px towards the centre.
//! - `relabelled`: an eye becomes an ear, a nose a mouth, a mouth a nose.
//! - `attributes`: a body's `pose` takes another value (in COCO, where a
//!   body's outline and keypoints are one annotation read as two shapes of
//!   one group that both carry its attributes, still one change).
//! - `keypoints`: two visible keypoints of a body
//!   move by 4 px and a third becomes occluded.
//! - `added`: an ear box in a head (or anywhere in an image without heads).
//! - `removed`: a foot, nose, mouth, eye or face box removed.
//! - `companions`: a hand gains a `hand_left` or `hand_right` box over it
//!   (the whole-body schema's companion group of `hand`): with the
//!   schema's companion groups, the diff reports the hand's gained
//!   companion and not the box as an object of its own.
//!
//! Which of them a format can hold decides what a diff of that format must
//! find: YOLO detect holds boxes and labels only (no outlines, keypoints or
//! attributes). [`Expected`] holds the counts per kind for each format.

use std::collections::BTreeMap;

use labelkit_model::{
    Annotation, AnnotationId, AttributeValue, BoxGeom, Dataset, Geometry, GeometryKind, Point,
    Visibility,
};
use labelkit_testkit::Rng;

/// The kinds of change the generator makes, in the order it cycles
/// through them.
pub const KINDS: [Kind; 9] = [
    Kind::Moved,
    Kind::Resized,
    Kind::Reshaped,
    Kind::Relabelled,
    Kind::Attributes,
    Kind::Keypoints,
    Kind::Added,
    Kind::Removed,
    Kind::Companions,
];

/// One kind of change made by [`change`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A box shifted.
    Moved,
    /// A box grown around its centre.
    Resized,
    /// An outline with one vertex moved.
    Reshaped,
    /// A box given another label.
    Relabelled,
    /// An attribute value changed.
    Attributes,
    /// Keypoints moved and one hidden.
    Keypoints,
    /// A box added.
    Added,
    /// A box removed.
    Removed,
    /// A companion box added over an object.
    Companions,
}

impl Kind {
    /// The name `labelkit diff` gives the kind (`ChangeKind::as_str`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Moved => "moved",
            Kind::Resized => "resized",
            Kind::Reshaped => "reshaped",
            Kind::Relabelled => "relabelled",
            Kind::Attributes => "attributes",
            Kind::Keypoints => "keypoints",
            Kind::Added => "added",
            Kind::Removed => "removed",
            Kind::Companions => "companions",
        }
    }
}

/// How many changes and which.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChangeOptions {
    /// Share of the objects (as COCO counts them) to change, 0 to 1.
    pub fraction: f64,
    /// Seed of the choice of images, objects and kinds.
    pub seed: u64,
}

impl Default for ChangeOptions {
    fn default() -> Self {
        Self {
            fraction: 0.05,
            seed: 16,
        }
    }
}

/// The counts a diff of the two sides must report, for one format.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    /// Changes per kind (`"moved"`, ...), every kind listed.
    pub per_kind: BTreeMap<String, usize>,
    /// Images with at least one change.
    pub images_changed: usize,
}

/// What [`change`] did and what a diff must find.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Expected {
    /// Version of this file's layout.
    pub version: u32,
    /// The seed used.
    pub seed: u64,
    /// Objects of the old side, as COCO counts them.
    pub objects: usize,
    /// Changes made (one per changed image).
    pub changes: usize,
    /// Changes made, per kind.
    pub made: BTreeMap<String, usize>,
    /// The counts a diff must report, by pair of formats: `cvat`, `coco`,
    /// `yolo` (both sides in that format) and `cvat-yolo` (the old side's
    /// CVAT file against the new side's YOLO tree).
    pub pairs: BTreeMap<String, Counts>,
}

/// The changed copy and its expected diff.
#[derive(Debug, Clone)]
pub struct Changed {
    /// The new side.
    pub dataset: Dataset,
    /// What a diff against the old side must find.
    pub expected: Expected,
}

fn r2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn label_named(d: &Dataset, name: &str) -> Option<labelkit_model::LabelId> {
    d.labels.find(name)
}

fn name_of(d: &Dataset, a: &Annotation) -> String {
    d.labels.name(a.label).to_owned()
}

fn box_of(a: &Annotation) -> Option<BoxGeom> {
    match &a.geometry {
        Geometry::Box(b) if !b.is_rotated() => Some(*b),
        _ => None,
    }
}

fn image_frame(d: &Dataset, image: usize) -> BoxGeom {
    let im = &d.images[image];
    BoxGeom::from_xyxy(0.0, 0.0, f64::from(im.width), f64::from(im.height))
}

/// The shapes of one image, with what a change may pick.
struct ImageView<'a> {
    dataset: &'a Dataset,
    shapes: &'a [usize],
}

impl ImageView<'_> {
    /// The image's shapes of the given labels that `keep` accepts, in a
    /// stable order.
    fn select(&self, labels: &[&str], keep: impl Fn(&Annotation) -> bool) -> Vec<usize> {
        self.shapes
            .iter()
            .copied()
            .filter(|&i| {
                let a = &self.dataset.annotations[i];
                labels.contains(&self.dataset.labels.name(a.label)) && keep(a)
            })
            .collect()
    }

    /// Ungrouped boxes of the given labels, at least `min` px on each side.
    fn boxes(&self, labels: &[&str], min: f64) -> Vec<usize> {
        self.select(labels, |a| {
            a.group.is_none() && box_of(a).is_some_and(|b| b.width() >= min && b.height() >= min)
        })
    }

    fn of_kind(&self, labels: &[&str], kind: GeometryKind) -> Vec<usize> {
        self.select(labels, |a| a.geometry.kind() == kind)
    }
}

fn pick(rng: &mut Rng, v: &[usize]) -> Option<usize> {
    if v.is_empty() {
        None
    } else {
        let i = usize::try_from(rng.below(v.len() as u64)).unwrap_or(0);
        v.get(i).copied()
    }
}

fn sign(rng: &mut Rng) -> f64 {
    if rng.chance(0.5) {
        1.0
    } else {
        -1.0
    }
}

/// Labels whose boxes move, grow and go without touching another object's
/// companions or group.
const LOOSE: [&str; 5] = ["face", "eye", "nose", "mouth", "foot"];

/// Applies one change of `kind` to image `image` of `new`, when the image
/// has something to change that way. Returns whether it did.
#[allow(clippy::too_many_lines)]
fn apply(
    new: &mut Dataset,
    image: usize,
    shapes: &[usize],
    kind: Kind,
    rng: &mut Rng,
    removed: &mut Vec<usize>,
    next_id: &mut u64,
) -> bool {
    let frame = image_frame(new, image);
    let view = ImageView {
        dataset: new,
        shapes,
    };
    match kind {
        Kind::Moved => {
            let Some(i) = pick(rng, &view.boxes(&LOOSE, 12.0)) else {
                return false;
            };
            let Some(b) = box_of(&new.annotations[i]) else {
                return false;
            };
            let dx = sign(rng) * r2((b.width() * 0.15).max(1.5));
            let dy = sign(rng) * r2((b.height() * 0.1).max(1.5));
            let moved = BoxGeom::from_xyxy(
                r2(b.x_min + dx),
                r2(b.y_min + dy),
                r2(b.x_max + dx),
                r2(b.y_max + dy),
            );
            if !frame.contains_box(&moved, 0.0) || moved.iou(&b) < 0.6 {
                return false;
            }
            new.annotations[i].geometry = Geometry::Box(moved);
            true
        }
        Kind::Resized => {
            let Some(i) = pick(rng, &view.boxes(&LOOSE, 12.0)) else {
                return false;
            };
            let Some(b) = box_of(&new.annotations[i]) else {
                return false;
            };
            // Grown by an even number of hundredths on each side, so that
            // the centre stays exactly where it was.
            let gw = r2(b.width() * 0.1);
            let gh = r2(b.height() * 0.1);
            let grown = BoxGeom::from_xyxy(
                r2(b.x_min - gw),
                r2(b.y_min - gh),
                r2(b.x_max + gw),
                r2(b.y_max + gh),
            );
            if !frame.contains_box(&grown, 0.0) {
                return false;
            }
            new.annotations[i].geometry = Geometry::Box(grown);
            true
        }
        Kind::Reshaped => {
            let polys = view.of_kind(&["body", "head"], GeometryKind::Polygon);
            let Some(i) = pick(rng, &polys) else {
                return false;
            };
            let Geometry::Polygon(p) = &mut new.annotations[i].geometry else {
                return false;
            };
            let Some(ring) = p.rings.first_mut() else {
                return false;
            };
            let Some(bounds) = labelkit_model::geometry::bounds_of(ring.iter().copied()) else {
                return false;
            };
            if bounds.width() < 30.0 || bounds.height() < 30.0 || ring.len() < 8 {
                return false;
            }
            // The vertex a sixth of the way round lies strictly inside the
            // bounds: moving it inwards keeps them.
            let v = ring.len() / 6;
            let c = bounds.center();
            let pt = ring[v];
            let (ddx, ddy) = (c.x - pt.x, c.y - pt.y);
            let len = ddx.hypot(ddy);
            if len < 6.0 {
                return false;
            }
            let to = Point::new(r2(pt.x + 3.0 * ddx / len), r2(pt.y + 3.0 * ddy / len));
            ring[v] = to;
            let after = labelkit_model::geometry::bounds_of(ring.iter().copied());
            if after != Some(bounds) {
                ring[v] = pt;
                return false;
            }
            true
        }
        Kind::Relabelled => {
            let Some(i) = pick(rng, &view.boxes(&["eye", "nose", "mouth"], 0.0)) else {
                return false;
            };
            let to = match name_of(new, &new.annotations[i]).as_str() {
                "eye" => "ear",
                "nose" => "mouth",
                _ => "nose",
            };
            let Some(l) = label_named(new, to) else {
                return false;
            };
            new.annotations[i].label = l;
            true
        }
        Kind::Attributes => {
            let bodies = view.of_kind(&["body"], GeometryKind::Box);
            let Some(i) = pick(rng, &bodies) else {
                return false;
            };
            let a = &mut new.annotations[i];
            let now = a
                .attributes
                .get("pose")
                .map(ToString::to_string)
                .unwrap_or_default();
            let next = match now.as_str() {
                "standing" => "sitting",
                "sitting" => "lying",
                _ => "standing",
            };
            a.attributes
                .set("pose", AttributeValue::Text(next.to_owned()));
            true
        }
        Kind::Keypoints => {
            let sets = view.of_kind(&["body"], GeometryKind::Keypoints);
            let Some(i) = pick(rng, &sets) else {
                return false;
            };
            let Geometry::Keypoints(k) = &mut new.annotations[i].geometry else {
                return false;
            };
            let visible: Vec<usize> = (0..k.points.len())
                .filter(|&j| k.points[j].visibility == Visibility::Visible)
                .collect();
            if visible.len() < 3 {
                return false;
            }
            let mut moved = k.points.clone();
            for &j in &visible[..2] {
                let p = &mut moved[j];
                let dx = if p.x + 4.0 <= frame.x_max { 4.0 } else { -4.0 };
                p.x = r2(p.x + dx);
                if !frame.contains_point(Point::new(p.x, p.y), 0.0) {
                    return false;
                }
            }
            moved[visible[2]].visibility = Visibility::Occluded;
            k.points = moved;
            true
        }
        Kind::Added => {
            let heads = view.boxes(&["head"], 0.0);
            let grouped_heads: Vec<usize> = shapes
                .iter()
                .copied()
                .filter(|&i| {
                    let a = &new.annotations[i];
                    new.labels.name(a.label) == "head" && box_of(a).is_some()
                })
                .collect();
            let area = pick(
                rng,
                if heads.is_empty() {
                    &grouped_heads
                } else {
                    &heads
                },
            )
            .and_then(|i| box_of(&new.annotations[i]))
            .unwrap_or(frame);
            let w = (area.width() * 0.2).max(3.0).min(frame.width());
            let h = (area.height() * 0.3).max(3.0).min(frame.height());
            let x = r2(area.x_min.min(frame.x_max - w).max(0.0));
            let y = r2((area.y_min + area.height() * 0.3)
                .min(frame.y_max - h)
                .max(0.0));
            let b = BoxGeom::from_xyxy(x, y, r2(x + w), r2(y + h));
            let Some(ear) = label_named(new, "ear") else {
                return false;
            };
            let image_id = new.images[image].id;
            new.annotations.push(Annotation::new(
                AnnotationId(*next_id),
                image_id,
                ear,
                Geometry::Box(b),
            ));
            *next_id = next_id.saturating_add(1);
            true
        }
        Kind::Removed => {
            // Removed at the end: removing now would shift the positions
            // the other images' changes use.
            let Some(i) = pick(rng, &view.boxes(&LOOSE, 0.0)) else {
                return false;
            };
            removed.push(i);
            true
        }
        Kind::Companions => {
            let Some(i) = pick(rng, &view.boxes(&["hand"], 0.0)) else {
                return false;
            };
            let Some(b) = box_of(&new.annotations[i]) else {
                return false;
            };
            let side = if rng.chance(0.5) {
                "hand_left"
            } else {
                "hand_right"
            };
            let Some(l) = label_named(new, side) else {
                return false;
            };
            let id = AnnotationId(*next_id);
            *next_id = next_id.saturating_add(1);
            let image_id = new.annotations[i].image;
            new.annotations
                .push(Annotation::new(id, image_id, l, Geometry::Box(b)));
            true
        }
    }
}

/// The kinds a format can show: YOLO detect holds boxes and labels only.
fn visible_in(format: &str, kind: Kind) -> bool {
    match format {
        "yolo" | "cvat-yolo" => {
            !matches!(kind, Kind::Reshaped | Kind::Attributes | Kind::Keypoints)
        }
        _ => true,
    }
}

/// The change kind (as the diff names it) one change of `kind` shows, in
/// every format (an attribute change of a COCO annotation read as an
/// outline and a keypoint set of one group is one change).
fn reported(kind: Kind) -> &'static str {
    match kind {
        Kind::Moved => "moved",
        Kind::Resized => "resized",
        Kind::Reshaped => "reshaped",
        Kind::Relabelled => "relabelled",
        Kind::Attributes => "attributes",
        Kind::Keypoints => "keypoints",
        Kind::Added => "added",
        Kind::Removed => "removed",
        Kind::Companions => "companions",
    }
}

/// The names of every kind the diff counts, for a complete table.
pub const DIFF_KINDS: [&str; 10] = [
    "added",
    "removed",
    "moved",
    "resized",
    "reshaped",
    "relabelled",
    "attributes",
    "companions",
    "keypoints",
    "track",
];

/// Makes the changed copy of `old`: `fraction` of its objects (as COCO
/// counts them, rounded) changed, one per image, the images drawn in a
/// seeded order, each taking the kind made least so far among those it
/// has something to change for (ties in [`KINDS`] order).
#[must_use]
pub fn change(old: &Dataset, opts: &ChangeOptions) -> Changed {
    let mut rng = Rng::new(opts.seed);
    let objects = crate::write::coco_objects(old);
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let want = ((objects as f64) * opts.fraction.clamp(0.0, 1.0)).round() as usize;
    let index = old.index();
    // A seeded order of the images (Fisher-Yates).
    let mut order: Vec<usize> = (0..old.images.len()).collect();
    for i in (1..order.len()).rev() {
        let j = usize::try_from(rng.below(i as u64 + 1)).unwrap_or(0);
        order.swap(i, j);
    }
    let mut new = old.clone();
    // Removals are applied last (they shift positions); every other change
    // edits in place or appends, after the old shapes.
    let mut removed: Vec<usize> = Vec::new();
    let mut made: BTreeMap<Kind, usize> = BTreeMap::new();
    let mut changed_images: Vec<(usize, Kind)> = Vec::new();
    let mut next_id = new.next_annotation_id().0;
    for &image in &order {
        if changed_images.len() >= want {
            break;
        }
        let shapes = index.annotations_of(image).to_vec();
        // The kind made least so far first: the rare chances (a face big
        // enough to move) go to the kinds that need them.
        let mut kinds = KINDS;
        kinds.sort_by_key(|k| made.get(k).copied().unwrap_or(0));
        for kind in kinds {
            if apply(
                &mut new,
                image,
                &shapes,
                kind,
                &mut rng,
                &mut removed,
                &mut next_id,
            ) {
                *made.entry(kind).or_default() += 1;
                changed_images.push((image, kind));
                break;
            }
        }
    }
    // One pass: removing one at a time would move the whole tail each time.
    let mut gone = vec![false; new.annotations.len()];
    for &i in &removed {
        gone[i] = true;
    }
    let mut position = 0usize;
    new.annotations.retain(|_| {
        let keep = !gone[position];
        position += 1;
        keep
    });
    let mut pairs = BTreeMap::new();
    for format in ["cvat", "coco", "yolo", "cvat-yolo"] {
        let mut c = Counts::default();
        for k in DIFF_KINDS {
            c.per_kind.insert(k.to_owned(), 0);
        }
        for &(_, kind) in &changed_images {
            if visible_in(format, kind) {
                c.images_changed += 1;
                *c.per_kind.entry(reported(kind).to_owned()).or_default() += 1;
            }
        }
        pairs.insert(format.to_owned(), c);
    }
    Changed {
        dataset: new,
        expected: Expected {
            version: 1,
            seed: opts.seed,
            objects,
            changes: changed_images.len(),
            made: made
                .into_iter()
                .map(|(k, n)| (k.as_str().to_owned(), n))
                .collect(),
            pairs,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{generate, Scale};

    fn shapes_by_image(d: &Dataset) -> BTreeMap<u64, Vec<String>> {
        let mut m: BTreeMap<u64, Vec<String>> = BTreeMap::new();
        for a in &d.annotations {
            m.entry(a.image.0).or_default().push(format!(
                "{} {:?} {:?}",
                d.labels.name(a.label),
                a.geometry,
                a.attributes
            ));
        }
        for v in m.values_mut() {
            v.sort();
        }
        m
    }

    #[test]
    fn every_kind_once_per_image_and_counted_per_format() {
        let old = generate(Scale {
            images: 300,
            seed: 7,
        });
        let changed = change(&old, &ChangeOptions::default());
        let e = &changed.expected;
        let objects = crate::write::coco_objects(&old);
        assert_eq!(e.objects, objects);
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
        let want = (objects as f64 * 0.05).round() as usize;
        assert_eq!(e.changes, want);
        for kind in KINDS {
            assert!(e.made.get(kind.as_str()).copied().unwrap_or(0) > 0, "{e:?}");
        }
        assert_eq!(e.made.values().sum::<usize>(), e.changes);

        // Exactly `changes` images differ, each in what its change made.
        let (a, b) = (shapes_by_image(&old), shapes_by_image(&changed.dataset));
        let differing = old
            .images
            .iter()
            .filter(|im| a.get(&im.id.0) != b.get(&im.id.0))
            .count();
        assert_eq!(differing, e.changes);
        let added = e.made["added"] + e.made["companions"];
        assert_eq!(
            changed.dataset.annotations.len(),
            old.annotations.len() + added - e.made["removed"]
        );

        // CVAT and COCO show every change; the companion change shows as
        // a gained companion, not as an added box.
        let cvat = &e.pairs["cvat"];
        assert_eq!(cvat.images_changed, e.changes);
        assert_eq!(cvat.per_kind["added"], e.made["added"]);
        assert_eq!(cvat.per_kind["companions"], e.made["companions"]);
        assert_eq!(cvat.per_kind["moved"], e.made["moved"]);
        assert_eq!(cvat.per_kind["track"], 0);
        // COCO too: an attribute change of a body, whose outline and
        // keypoints are one annotation, counts once.
        assert_eq!(e.pairs["coco"], *cvat);
        // YOLO holds no outlines, keypoints or attributes.
        let yolo = &e.pairs["yolo"];
        for k in ["reshaped", "keypoints", "attributes"] {
            assert_eq!(yolo.per_kind[k], 0, "{k}");
        }
        assert_eq!(
            yolo.images_changed,
            e.changes - e.made["reshaped"] - e.made["keypoints"] - e.made["attributes"]
        );
        assert_eq!(e.pairs["cvat-yolo"], *yolo);
    }

    #[test]
    fn deterministic_by_seed() {
        let old = generate(Scale::SMOKE);
        let a = change(&old, &ChangeOptions::default());
        let b = change(&old, &ChangeOptions::default());
        assert_eq!(a.dataset, b.dataset);
        assert_eq!(a.expected, b.expected);
        let c = change(
            &old,
            &ChangeOptions {
                seed: 17,
                ..ChangeOptions::default()
            },
        );
        assert_ne!(a.dataset, c.dataset);
        let none = change(
            &old,
            &ChangeOptions {
                fraction: 0.0,
                ..ChangeOptions::default()
            },
        );
        assert_eq!(none.dataset, old);
        assert_eq!(none.expected.changes, 0);
    }
}
