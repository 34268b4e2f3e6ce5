//! # absent-point-with-coordinates (K003)
//!
//! ## What it does
//! Warns about a keypoint marked absent by its visibility (COCO and YOLO
//! visibility 0) that still has coordinates other than `(0, 0)`. CVAT data
//! is not checked: there a point is absent by its own `outside` flag, and
//! CVAT keeps the last coordinates of every outside skeleton point by
//! design, so a normal skeleton with outside points passes.
//!
//! ## Why it matters
//! COCO's convention is that an unlabelled point is `0, 0, 0`. A point
//! marked absent with coordinates is often a labelled point whose
//! visibility flag was lost, so the pose silently loses a joint.
//!
//! ## Example
//! ```text
//! "keypoints": [120, 45, 0, ...]     absent, but at (120, 45): warned
//! "keypoints": [0, 0, 0, ...]        passes
//! ```
//!
//! ## How to fix
//! Set the visibility to 1 (occluded) or 2 (visible) if the point is
//! labelled, or zero its coordinates.
//!
//! ## Options

use labelkit_model::{Annotation, Visibility};

use crate::options::OptionDecl;
use crate::rule::{Context, Finding, ImageCtx, Rule};
use crate::rules::{from_cvat, keypoints, point_name};

/// The permanent code.
pub(crate) const CODE: &str = "K003";

/// `ignore-formats`.
pub(crate) static IGNORE_FORMATS: OptionDecl = OptionDecl::strings(
    "ignore-formats",
    &[],
    "further dataset source formats to skip (`yolo`, `coco`)",
)
.required();
/// The options of the rule.
pub(crate) static OPTIONS: &[&OptionDecl] = &[&IGNORE_FORMATS];

/// The rule.
pub(crate) struct AbsentPointWithCoordinates;

impl Rule for AbsentPointWithCoordinates {
    fn check_annotation(
        &self,
        cx: &Context<'_>,
        image: &ImageCtx<'_>,
        a: usize,
        ann: &Annotation,
        out: &mut Vec<Finding>,
    ) {
        let Some(k) = keypoints(ann) else {
            return;
        };
        // CVAT marks a point absent by its own `outside` flag and keeps
        // its coordinates by design.
        if from_cvat(cx) {
            return;
        }
        if let Some(format) = &cx.dataset.info.source_format {
            if cx
                .options
                .strings(&IGNORE_FORMATS)
                .iter()
                .any(|f| f == format)
            {
                return;
            }
        }
        let schema = cx.keypoint_schema(ann.label);
        let names: Vec<String> = k
            .points
            .iter()
            .enumerate()
            .filter(|(_, p)| p.visibility == Visibility::Absent && (p.x != 0.0 || p.y != 0.0))
            .map(|(i, p)| format!("`{}` at ({}, {})", point_name(schema, p, i), p.x, p.y))
            .collect();
        if !names.is_empty() {
            out.push(
                Finding::annotation(
                    CODE,
                    image.pos,
                    a,
                    format!(
                        "keypoints of `{}` marked absent have coordinates: {}",
                        cx.dataset.labels.name(ann.label),
                        names.join(", ")
                    ),
                )
                .help("set visibility 1 or 2 if the point is labelled, else zero its coordinates"),
            );
        }
    }
}
