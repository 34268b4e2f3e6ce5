//! # keypoint-outside (K005)
//!
//! ## What it does
//! Flags labelled keypoints (visibility other than absent) that lie outside
//! the image, or outside the box of their object: a box on the same image
//! that shares the keypoints' group (a COCO annotation's `bbox`, a CVAT box
//! grouped with a skeleton), or the box of a polygon or mask of the group
//! (the `bbox` a COCO file states for a segmented object, else the shape's
//! bounds). When the group has several such boxes, a point must lie in one
//! of them; the finding names the group's first 16.
//! Images of unknown size are skipped: their coordinates are not pixels
//! (`unmeasured-images`, G005, counts them).
//!
//! ## Why it matters
//! A point outside its object's box belongs to another object or was
//! dropped by a slip; training crops by the box and loses it, or keeps a
//! joint that pulls the pose apart.
//!
//! ## Example
//! ```text
//! "bbox": [10, 10, 50, 100], "keypoints": [100, 20, 2, ...]   x 100 > 60: flagged
//! ```
//!
//! ## How to fix
//! Move the point onto its object, or enlarge the box to cover the whole
//! object.
//!
//! ## Options

use std::collections::{HashMap, HashSet};

use labelkit_model::{
    Annotation, BoxGeom, Geometry, GroupId, Keypoint, Keypoints, Point, Visibility,
};

use crate::options::OptionDecl;
use crate::rule::{Context, Finding, ImageCtx, Rule};
use crate::rules::containment::inside_any;
use crate::rules::{keypoints, object_bounds, point_name};

/// The permanent code.
pub(crate) const CODE: &str = "K005";

/// `tolerance`.
pub(crate) static TOLERANCE: OptionDecl =
    OptionDecl::number("tolerance", 0.01, "pixels a point may pass the border").required();
/// The options of the rule.
pub(crate) static OPTIONS: &[&OptionDecl] = &[&TOLERANCE];

/// A finding names at most this many of the group's boxes.
const MAX_RELATED: usize = 16;

/// The rule.
pub(crate) struct KeypointOutside;

/// The boxes of each group on one image, with their annotations.
type Groups = HashMap<GroupId, Vec<(usize, BoxGeom)>>;

impl Rule for KeypointOutside {
    fn check_image(&self, cx: &Context<'_>, image: &ImageCtx<'_>, out: &mut Vec<Finding>) {
        if !image.has_size() {
            return; // tolerances are pixels; unmeasured-images counts it
        }
        let groups = group_boxes(image);
        let outside_box = outside_their_boxes(cx, image, &groups);
        for (a, ann) in image.shapes() {
            check_one(cx, image, (a, ann), &groups, &outside_box, out);
        }
    }
}

/// The boxes of each group on the image, gathered once per image (not once
/// per keypoint annotation, which was quadratic in the image's shapes), in
/// the image's order. Only looked up by key: the map's order never reaches
/// output.
fn group_boxes(image: &ImageCtx<'_>) -> Groups {
    let mut groups: Groups = HashMap::new();
    for (o, other) in image.shapes() {
        let Some(g) = other.group else { continue };
        let b = match &other.geometry {
            Geometry::Box(b) if b.width().is_finite() => Some(b.bounds()),
            Geometry::Polygon(_) | Geometry::Mask(_) => object_bounds(other),
            _ => None,
        };
        if let Some(b) = b {
            groups.entry(g).or_default().push((o, b));
        }
    }
    groups
}

/// The points (annotation, point index) on the image that lie in none of
/// their group's boxes. A group's ids come from the file, so one group can
/// hold thousands of boxes and thousands of skeletons: all its points are
/// matched against all its boxes at once with a containment query (a point
/// is a box of size zero), near-linear where testing each point against
/// each box was quadratic.
fn outside_their_boxes(
    cx: &Context<'_>,
    image: &ImageCtx<'_>,
    groups: &Groups,
) -> HashSet<(usize, usize)> {
    let tol = cx.options.number(&TOLERANCE);
    let whole = image_box(image);
    let mut queries: HashMap<GroupId, Vec<(usize, usize, BoxGeom)>> = HashMap::new();
    for (a, ann) in image.shapes() {
        let Some(k) = keypoints(ann) else {
            continue;
        };
        let Some(g) = ann.group.filter(|g| groups.contains_key(g)) else {
            continue;
        };
        for (i, _, pt, off_image) in labelled(k, whole, tol) {
            if !off_image {
                let at = BoxGeom::from_xyxy(pt.x, pt.y, pt.x, pt.y);
                queries.entry(g).or_default().push((a, i, at));
            }
        }
    }
    let mut outside = HashSet::new();
    for (g, points) in &queries {
        let boxes = groups.get(g).map_or(&[][..], Vec::as_slice);
        let inners: Vec<(usize, BoxGeom)> = points.iter().map(|&(a, _, b)| (a, b)).collect();
        for (&(a, i, _), inside) in points.iter().zip(inside_any(boxes, tol, &inners)) {
            if !inside {
                outside.insert((a, i));
            }
        }
    }
    outside
}

/// The image's area when it has a size.
fn image_box(image: &ImageCtx<'_>) -> Option<BoxGeom> {
    let (w, h) = (f64::from(image.image.width), f64::from(image.image.height));
    (w > 0.0 && h > 0.0).then(|| BoxGeom::from_xyxy(0.0, 0.0, w, h))
}

/// The labelled points with finite coordinates: index, point, position and
/// whether it lies outside the image.
fn labelled(
    k: &Keypoints,
    whole: Option<BoxGeom>,
    tol: f64,
) -> impl Iterator<Item = (usize, &Keypoint, Point, bool)> {
    k.points.iter().enumerate().filter_map(move |(i, p)| {
        if p.visibility == Visibility::Absent || !p.x.is_finite() || !p.y.is_finite() {
            return None;
        }
        let pt = Point::new(p.x, p.y);
        let off_image = whole.is_some_and(|b| !b.contains_point(pt, tol));
        Some((i, p, pt, off_image))
    })
}

/// Checks keypoint annotation `ann` (at position `a`) against the image
/// and its group's boxes (a keypoint annotation is never one of the
/// boxes).
fn check_one(
    cx: &Context<'_>,
    image: &ImageCtx<'_>,
    (a, ann): (usize, &Annotation),
    groups: &Groups,
    outside_box: &HashSet<(usize, usize)>,
    out: &mut Vec<Finding>,
) {
    let Some(k) = keypoints(ann) else {
        return;
    };
    let tol = cx.options.number(&TOLERANCE);
    let (w, h) = (f64::from(image.image.width), f64::from(image.image.height));
    let group_boxes: &[(usize, BoxGeom)] = ann
        .group
        .and_then(|g| groups.get(&g))
        .map_or(&[], Vec::as_slice);
    let schema = cx.keypoint_schema(ann.label);
    let mut outside_image = Vec::new();
    let mut outside_group = Vec::new();
    for (i, p, _, off_image) in labelled(k, image_box(image), tol) {
        let desc = || format!("`{}` ({}, {})", point_name(schema, p, i), p.x, p.y);
        if off_image {
            outside_image.push(desc());
        } else if outside_box.contains(&(a, i)) {
            outside_group.push(desc());
        }
    }
    let label = cx.dataset.labels.name(ann.label);
    if !outside_image.is_empty() {
        out.push(
            Finding::annotation(
                CODE,
                image.pos,
                a,
                format!(
                    "keypoints of `{label}` outside the {w}x{h} image: {}",
                    outside_image.join(", ")
                ),
            )
            .help("move the points onto the image, or mark them absent"),
        );
    }
    if !outside_group.is_empty() {
        // Naming every box of a group of thousands, in each of thousands
        // of findings, would be quadratic again: name the first few.
        let help = if group_boxes.len() > MAX_RELATED {
            format!(
                "move the points onto their object, or enlarge its box (the group has {} boxes; the first {MAX_RELATED} are shown)",
                group_boxes.len()
            )
        } else {
            "move the points onto their object, or enlarge its box".to_owned()
        };
        let mut f = Finding::annotation(
            CODE,
            image.pos,
            a,
            format!(
                "keypoints of `{label}` outside their object's box: {}",
                outside_group.join(", ")
            ),
        )
        .help(help);
        for (o, _) in group_boxes.iter().take(MAX_RELATED) {
            f = f.related(*o, "the object's box");
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use labelkit_model::{Annotation, AnnotationId, Dataset, Image, ImageId, Label};
    use labelkit_testkit::oracles::box_or_keypoints;
    use proptest::prelude::*;

    use super::*;
    use crate::Config;

    /// The pairwise loop the containment query replaced: each labelled
    /// point on the image against each box of its group. The oracle.
    fn pairwise(
        cx: &Context<'_>,
        image: &ImageCtx<'_>,
        groups: &Groups,
    ) -> HashSet<(usize, usize)> {
        let tol = cx.options.number(&TOLERANCE);
        let mut outside = HashSet::new();
        for (a, ann) in image.shapes() {
            let Some(k) = keypoints(ann) else {
                continue;
            };
            let boxes = ann
                .group
                .and_then(|g| groups.get(&g))
                .map_or(&[][..], Vec::as_slice);
            for (i, _, pt, off_image) in labelled(k, image_box(image), tol) {
                if !off_image
                    && !boxes.is_empty()
                    && !boxes.iter().any(|(_, b)| b.contains_point(pt, tol))
                {
                    outside.insert((a, i));
                }
            }
        }
        outside
    }

    proptest! {
        #[test]
        fn points_outside_are_those_of_the_pairwise_loop(
            shapes in proptest::collection::vec(box_or_keypoints(), 0..120),
            size in prop_oneof![Just((40u32, 40u32)), Just((0, 0)), Just((30, 10))],
            tol in prop_oneof![Just("0.01"), Just("0"), Just("1.5")],
        ) {
            let toml = format!("[rules.keypoint-outside]\ntolerance = {tol}\n");
            let config = Config::from_toml_str(&toml, "labelkit.toml").expect("config");
            let mut d = Dataset::new();
            d.labels.push(Label::new("body"));
            d.labels.push(Label::new("person"));
            d.images.push(Image { id: ImageId(1), width: size.0, height: size.1, ..Image::default() });
            for (i, (is_points, g, geometry)) in shapes.into_iter().enumerate() {
                let label = d.labels.find(if is_points { "person" } else { "body" }).expect("label");
                let id = AnnotationId(u64::try_from(i).expect("id") + 1);
                let mut a = Annotation::new(id, ImageId(1), label, geometry);
                a.group = g;
                d.annotations.push(a);
            }
            let index = d.index();
            let cx = Context::new(&d, &index, &config);
            let mut sorted: Vec<usize> = (0..d.annotations.len()).collect();
            sorted.sort_by_key(|&a| (d.annotations[a].label.0, d.annotations[a].id.0, a));
            let image = ImageCtx::new(0, &d.images[0], &sorted, &d.annotations);
            let groups = group_boxes(&image);
            prop_assert_eq!(outside_their_boxes(&cx, &image, &groups), pairwise(&cx, &image, &groups));
        }
    }
}
