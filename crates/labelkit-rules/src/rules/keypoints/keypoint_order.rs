//! # keypoint-order (K002)
//!
//! ## What it does
//! Checks that the named points of a keypoint instance (a CVAT skeleton,
//! or any keypoints carrying names) come in the order of the schema:
//! shoulder, shoulder, elbow, elbow, knee, knee; eye, eye, nose, mouth,
//! ear, ear. Points without names (COCO, YOLO) are positional and always
//! in order.
//!
//! ## Why it matters
//! Formats without names (COCO, YOLO) store points by position: an
//! instance written in another order becomes a different pose after
//! conversion.
//!
//! ## Example
//! ```text
//! schema: left_eye, right_eye, nose
//! skeleton points: right_eye, left_eye, nose      flagged
//! ```
//!
//! ## How to fix
//! Reorder the points, or re-export them from the annotation tool with the
//! schema's skeleton.
//!
//! ## Options
//! Keypoint schemas: `[keypoints.<label>]`.

use crate::rule::{Context, Finding, ImageCtx, Rule};
use crate::rules::keypoints;

/// The permanent code.
pub(crate) const CODE: &str = "K002";

/// The rule.
pub(crate) struct KeypointOrder;

impl Rule for KeypointOrder {
    fn check_annotation(
        &self,
        cx: &Context<'_>,
        image: &ImageCtx<'_>,
        a: usize,
        out: &mut Vec<Finding>,
    ) {
        let Some((ann, k)) = keypoints(cx, a) else {
            return;
        };
        let Some(schema) = cx.keypoint_schema(ann.label) else {
            return;
        };
        let mut previous: Option<(usize, &str)> = None;
        for p in &k.points {
            let Some(name) = p.name.as_deref() else {
                continue;
            };
            let Some(index) = schema.index_of(name) else {
                continue;
            };
            if let Some((prev_index, prev_name)) = previous {
                if index < prev_index {
                    out.push(
                        Finding::annotation(
                            CODE,
                            image.pos,
                            a,
                            format!(
                                "keypoints of `{}` are out of order: `{name}` comes after `{prev_name}`, the schema puts it before",
                                cx.dataset.labels.name(ann.label)
                            ),
                        )
                        .help(format!("order the points as the schema: {}", schema.names.join(", "))),
                    );
                    return;
                }
            }
            previous = Some((index, name));
        }
    }
}
