//! # left-right-swap (K004)
//!
//! ## What it does
//! Finds a left/right pair of one keypoint instance that is swapped. For
//! each left/right pair of the schema where both points are labelled and
//! lie at least `min-separation` pixels apart horizontally, the rule notes
//! which side the left point is on. A person seen from the front has every
//! left point right of its right partner; from the back, every one left of
//! it. When at least two pairs agree and exactly one pair disagrees, that
//! pair is reported as swapped. With two or more disagreeing pairs the pose
//! is ambiguous (a turn, crossed arms) and nothing is reported. The
//! pairs are those of `[keypoints.<label>]`, else the ones the dataset's
//! own point names give (COCO `keypoints`, CVAT skeleton labels, YOLO
//! `kpt_names`, whatever the YOLO `flip_idx` says). Schemas
//! with fewer than three left/right pairs are not checked: with two, one
//! pair cannot outvote the other.
//! Images of unknown size are skipped: their coordinates are not pixels
//! (`unmeasured-images`, G005, counts them).
//!
//! ## Why it matters
//! Left stays left: a swapped pair teaches a pose model that joints jump
//! sides, and flip augmentation (which swaps the pairs) doubles the harm.
//!
//! ## Example
//! ```text
//! left_eye x=60  right_eye x=40        left > right
//! left_shoulder x=30 right_shoulder x=70   left < right: flagged
//! left_hip x=65  right_hip x=35        left > right
//! ```
//!
//! ## How to fix
//! Swap the coordinates of the two points.
//!
//! ## Options

use labelkit_model::{Annotation, Visibility};

use crate::options::OptionDecl;
use crate::rule::{Context, Finding, ImageCtx, Rule};
use crate::rules::{keypoints, SchemaPoints};

/// The permanent code.
pub(crate) const CODE: &str = "K004";

/// `min-separation`.
pub(crate) static MIN_SEPARATION: OptionDecl = OptionDecl::number(
    "min-separation",
    1.0,
    "pixels; closer pairs say nothing about sides",
)
.required();
/// The options of the rule.
pub(crate) static OPTIONS: &[&OptionDecl] = &[&MIN_SEPARATION];

/// The rule.
pub(crate) struct LeftRightSwap;

impl Rule for LeftRightSwap {
    fn check_annotation(
        &self,
        cx: &Context<'_>,
        image: &ImageCtx<'_>,
        a: usize,
        ann: &Annotation,
        out: &mut Vec<Finding>,
    ) {
        if !image.has_size() {
            return; // the separation is in pixels
        }
        let Some(k) = keypoints(ann) else {
            return;
        };
        let Some(schema) = cx.keypoint_schema(ann.label) else {
            return;
        };
        if schema.flip_pairs.len() < 3 {
            return;
        }
        let points = SchemaPoints::new(schema, k);
        let x_of = |index: usize| {
            points
                .get(index)
                .filter(|p| p.visibility != Visibility::Absent && p.x.is_finite())
                .map(|p| p.x)
        };
        let (mut positive, mut negative) = (0usize, 0usize);
        let (mut last_pos, mut last_neg) = (None, None);
        for &(l, r) in &schema.flip_pairs {
            let (Some(xl), Some(xr)) = (x_of(l), x_of(r)) else {
                continue;
            };
            let dx = xl - xr;
            if dx.abs() < cx.options.number(&MIN_SEPARATION) {
                continue;
            }
            if dx > 0.0 {
                positive += 1;
                last_pos = Some((l, r));
            } else {
                negative += 1;
                last_neg = Some((l, r));
            }
        }
        let odd = match (positive, negative) {
            (p, 1) if p >= 2 => last_neg,
            (1, n) if n >= 2 => last_pos,
            _ => None,
        };
        if let Some((l, r)) = odd {
            let name = |i: usize| schema.names.get(i).map_or("?", String::as_str);
            let others = positive.max(negative);
            out.push(
                Finding::annotation(
                    CODE,
                    image.pos,
                    a,
                    format!(
                        "keypoints of `{}`: `{}` and `{}` look swapped, their sides disagree with the other {others} left/right pairs",
                        cx.dataset.labels.name(ann.label),
                        name(l),
                        name(r)
                    ),
                )
                .help("swap the coordinates of the two points"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use labelkit_model::{Keypoint, KeypointSchema, Keypoints, Visibility};

    use crate::rules::SchemaPoints;

    fn point(name: Option<&str>, x: f64) -> Keypoint {
        Keypoint {
            name: name.map(Into::into),
            x,
            y: 0.0,
            visibility: Visibility::Visible,
        }
    }

    /// Named points are found by name (the first of a name counts),
    /// unnamed ones by position; a schema and instance of 200,000 named
    /// points resolve every position by look-up.
    #[test]
    fn schema_points_by_name_and_by_position() {
        let schema = KeypointSchema::coco_person();
        let named = Keypoints {
            points: vec![
                point(Some("left_eye"), 1.0),
                point(Some("nose"), 2.0),
                point(Some("nose"), 3.0),
            ],
        };
        let by_name = SchemaPoints::new(&schema, &named);
        assert_eq!(by_name.get(0).map(|p| p.x), Some(2.0));
        assert_eq!(by_name.get(1).map(|p| p.x), Some(1.0));
        assert!(by_name.get(2).is_none());
        let plain = Keypoints {
            points: vec![point(None, 5.0), point(None, 6.0)],
        };
        let by_position = SchemaPoints::new(&schema, &plain);
        assert_eq!(by_position.get(1).map(|p| p.x), Some(6.0));
        assert!(by_position.get(2).is_none());

        const N: usize = 200_000;
        let big = KeypointSchema {
            names: (0..N).map(|i| format!("p{i}")).collect(),
            ..KeypointSchema::default()
        };
        let points = Keypoints {
            points: (0..N)
                .rev()
                .map(|i| point(Some(&format!("p{i}")), i as f64))
                .collect(),
        };
        let lookup = SchemaPoints::new(&big, &points);
        let found = (0..N)
            .filter(|&i| lookup.get(i).is_some_and(|p| p.x == i as f64))
            .count();
        assert_eq!(found, N);
    }
}
