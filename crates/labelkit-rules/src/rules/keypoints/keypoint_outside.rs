//! # keypoint-outside (K005)
//!
//! ## What it does
//! Flags labelled keypoints (visibility other than absent) that lie outside
//! the image, or outside the box of their object: a box on the same image
//! that shares the keypoints' group (a COCO annotation's `bbox`, a CVAT box
//! grouped with a skeleton). When the group has several boxes, a point must
//! lie in one of them.
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
//! ```toml
//! [rules.keypoint-outside]
//! tolerance = 0.01   # pixels
//! ```

use std::collections::HashMap;

use labelkit_model::{BoxGeom, Geometry, GroupId, Point, Visibility};

use crate::rule::{Context, Finding, ImageCtx, Rule};
use crate::rules::{keypoints, point_name};

/// The permanent code.
pub(crate) const CODE: &str = "K005";

/// The rule.
pub(crate) struct KeypointOutside;

impl Rule for KeypointOutside {
    fn check_image(&self, cx: &Context<'_>, image: &ImageCtx<'_>, out: &mut Vec<Finding>) {
        // The boxes of each group, gathered once per image (not once per
        // keypoint annotation, which was quadratic in the image's shapes),
        // in the image's order. Only looked up by key: the map's order
        // never reaches output.
        let mut groups: HashMap<GroupId, Vec<(usize, BoxGeom)>> = HashMap::new();
        for &o in image.annotations {
            if let Some(other) = cx.dataset.annotations.get(o) {
                if let (Some(g), Geometry::Box(b)) = (other.group, &other.geometry) {
                    if b.width().is_finite() {
                        groups.entry(g).or_default().push((o, b.bounds()));
                    }
                }
            }
        }
        for &a in image.annotations {
            check_one(cx, image, a, &groups, out);
        }
    }
}

/// Checks keypoint annotation `a` against the image and its group's boxes
/// (a keypoint annotation is never one of the boxes).
fn check_one(
    cx: &Context<'_>,
    image: &ImageCtx<'_>,
    a: usize,
    groups: &HashMap<GroupId, Vec<(usize, BoxGeom)>>,
    out: &mut Vec<Finding>,
) {
    let Some((ann, k)) = keypoints(cx, a) else {
        return;
    };
    let tol = cx.settings.keypoint_tolerance;
    let (w, h) = (f64::from(image.image.width), f64::from(image.image.height));
    let whole = BoxGeom::from_xyxy(0.0, 0.0, w, h);
    let group_boxes: &[(usize, BoxGeom)] = ann
        .group
        .and_then(|g| groups.get(&g))
        .map_or(&[], Vec::as_slice);
    let schema = cx.keypoint_schema(ann.label);
    let mut outside_image = Vec::new();
    let mut outside_box = Vec::new();
    for (i, p) in k.points.iter().enumerate() {
        if p.visibility == Visibility::Absent || !p.x.is_finite() || !p.y.is_finite() {
            continue;
        }
        let pt = Point::new(p.x, p.y);
        let desc = || format!("`{}` ({}, {})", point_name(schema, p, i), p.x, p.y);
        if w > 0.0 && h > 0.0 && !whole.contains_point(pt, tol) {
            outside_image.push(desc());
        } else if !group_boxes.is_empty()
            && !group_boxes.iter().any(|(_, b)| b.contains_point(pt, tol))
        {
            outside_box.push(desc());
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
    if !outside_box.is_empty() {
        let mut f = Finding::annotation(
            CODE,
            image.pos,
            a,
            format!(
                "keypoints of `{label}` outside their object's box: {}",
                outside_box.join(", ")
            ),
        )
        .help("move the points onto their object, or enlarge its box");
        for (o, _) in group_boxes {
            f = f.related(*o, "the object's box");
        }
        out.push(f);
    }
}
