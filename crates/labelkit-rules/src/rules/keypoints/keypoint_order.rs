//! # keypoint-order (K002)
//!
//! ## What it does
//! Checks that the named points of a keypoint instance come in the order
//! of the schema (shoulder, shoulder, elbow, elbow, knee, knee; eye, eye,
//! nose, mouth, ear, ear) where that order carries meaning: points held by
//! position, as COCO and YOLO store them, named by a plugin or a program
//! building the dataset. Points without names (the COCO and YOLO readers')
//! are their schema's positions and always in order. CVAT data is not
//! checked: CVAT identifies every skeleton point by its own `label` and
//! writes them in any order (a CVAT 2.x project export lists a skeleton's
//! points as 4, 2, 1, 7, 6, 5, 3), and labelkit maps them by name, so they
//! reach COCO and YOLO in the schema's order.
//!
//! ## Why it matters
//! Formats without names (COCO, YOLO) store points by position: named
//! points held in another order become a different pose once written
//! there by position.
//!
//! ## Example
//! ```text
//! schema: left_eye, right_eye, nose
//! named points held by position: right_eye, left_eye, nose      flagged
//! CVAT skeleton points: right_eye, left_eye, nose                passes
//! ```
//!
//! ## How to fix
//! Reorder the points, or re-export them from the annotation tool with the
//! schema's skeleton.
//!
//! ## Options
//! Keypoint schemas: `[keypoints.<label>]`.

use labelkit_model::Annotation;

use crate::rule::{Context, Finding, ImageCtx, Rule};
use crate::rules::{from_cvat, keypoints};

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
        ann: &Annotation,
        out: &mut Vec<Finding>,
    ) {
        if from_cvat(cx) {
            return; // points identified by label: their order means nothing
        }
        let Some(k) = keypoints(ann) else {
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
