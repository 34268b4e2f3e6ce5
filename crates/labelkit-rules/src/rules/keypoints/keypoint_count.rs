//! # keypoint-count (K001)
//!
//! ## What it does
//! Checks a keypoint instance (COCO keypoints, CVAT skeleton, YOLO pose)
//! or a CVAT points shape against its label's keypoint schema: the number
//! of points must equal the schema's, every named point must be a point of
//! the schema, and no name may appear twice. The schema is the one of
//! `[keypoints.<label>]` in `labelkit.toml`, else the label's own (COCO
//! category `keypoints`, CVAT skeleton elements).
//!
//! ## Why it matters
//! Keypoints are matched to the schema by position or name; a missing or
//! extra point shifts every point after it onto the wrong joint.
//!
//! ## Example
//! ```text
//! schema: nose, left_eye, right_eye (3 points)
//! "keypoints": [10, 10, 2, 12, 8, 2]    2 points: flagged
//! ```
//!
//! ## How to fix
//! Add the missing points (as absent, visibility 0, when they cannot be
//! seen) or remove the extra ones; rename points to the schema's names.
//!
//! ## Options
//! Keypoint schemas: `[keypoints.<label>]` with `names` (and optional
//! `edges`, `flip-pairs`) or `preset = "coco-person"`.

use labelkit_model::{Annotation, Geometry};

use crate::rule::{Context, Finding, ImageCtx, Rule};

/// The permanent code.
pub(crate) const CODE: &str = "K001";

/// The rule.
pub(crate) struct KeypointCount;

impl Rule for KeypointCount {
    fn check_annotation(
        &self,
        cx: &Context<'_>,
        image: &ImageCtx<'_>,
        a: usize,
        ann: &Annotation,
        out: &mut Vec<Finding>,
    ) {
        let Some(schema) = cx.keypoint_schema(ann.label) else {
            return;
        };
        let label = cx.dataset.labels.name(ann.label);
        let mut problems: Vec<String> = Vec::new();
        let count = match &ann.geometry {
            Geometry::Keypoints(k) => {
                for (i, p) in k.points.iter().enumerate() {
                    let Some(name) = p.name.as_deref() else {
                        continue;
                    };
                    if schema.index_of(name).is_none() {
                        problems.push(format!("point `{name}` is not in the schema"));
                    } else if k.points[..i]
                        .iter()
                        .any(|q| q.name.as_deref() == Some(name))
                    {
                        problems.push(format!("point `{name}` appears twice"));
                    }
                }
                k.points.len()
            }
            Geometry::Points(p) => p.points.len(),
            _ => return,
        };
        if count != schema.len() {
            problems.insert(
                0,
                format!(
                    "has {count} points, the schema of `{label}` has {}",
                    schema.len()
                ),
            );
        }
        if !problems.is_empty() {
            out.push(
                Finding::annotation(
                    CODE,
                    image.pos,
                    a,
                    format!("keypoints of `{label}` {}", problems.join("; ")),
                )
                .help("match the points to the schema; mark unseen points absent instead of leaving them out"),
            );
        }
    }
}
