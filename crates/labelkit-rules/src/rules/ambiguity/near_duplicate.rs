//! # near-duplicate (A001)
//!
//! ## What it does
//! Flags two shapes of the same label on one image whose bounds overlap
//! with an intersection over union of at least 0.9: the same object
//! labelled twice. The shape with the larger id is reported, pointing at
//! the one it duplicates.
//!
//! ## Why it matters
//! A duplicated object counts twice in training and turns every correct
//! detection into a false positive at evaluation. Duplicates come from
//! copy-paste between frames, merges of two annotation passes and double
//! clicks.
//!
//! ## Example
//! ```text
//! <box label="head" xtl="10" ytl="10" xbr="50" ybr="60"/>
//! <box label="head" xtl="11" ytl="10" xbr="50" ybr="60"/>   IoU 0.975: flagged
//! ```
//!
//! ## How to fix
//! Delete one of the two shapes.
//!
//! ## Options
//! ```toml
//! [rules.near-duplicate]
//! iou = 0.9
//! ```

use crate::rule::{Context, Finding, ImageCtx, Rule};
use crate::rules::spatial::IouIndex;
use crate::rules::{area_bounds, label_runs};

/// The permanent code.
pub(crate) const CODE: &str = "A001";

/// The rule.
pub(crate) struct NearDuplicate;

impl Rule for NearDuplicate {
    fn check_image(&self, cx: &Context<'_>, image: &ImageCtx<'_>, out: &mut Vec<Finding>) {
        let anns = &cx.dataset.annotations;
        let threshold = cx.settings.duplicate_iou;
        let mut bounds = Vec::new();
        for run in label_runs(cx, image.annotations) {
            if run.len() < 2 {
                continue;
            }
            bounds.clear();
            bounds.extend(
                run.iter()
                    .map(|&a| anns.get(a).and_then(|x| area_bounds(&x.geometry))),
            );
            // Near-linear in the run (a spatial index, not every pair).
            let index = IouIndex::new(&bounds, threshold);
            // Sorted by id, so "the later one" does not depend on file order:
            // each shape points at the first earlier shape it duplicates.
            for (j, &b) in run.iter().enumerate().skip(1) {
                let Some(Some(bb)) = bounds.get(j) else {
                    continue;
                };
                let Some((i, iou)) = index.first_before(bb, j) else {
                    continue;
                };
                let Some(&a) = run.get(i) else { continue };
                let (Some(first), Some(second)) = (anns.get(a), anns.get(b)) else {
                    continue;
                };
                out.push(
                    Finding::annotation(
                        CODE,
                        image.pos,
                        b,
                        format!(
                            "`{}` {} duplicates annotation {} (IoU {:.3})",
                            cx.dataset.labels.name(second.label),
                            second.id,
                            first.id,
                            iou
                        ),
                    )
                    .related(a, "first labelled here")
                    .help("delete one of the two shapes"),
                );
            }
        }
    }
}
