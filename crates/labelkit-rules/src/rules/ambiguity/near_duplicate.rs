//! # near-duplicate (A001)
//!
//! ## What it does
//! Flags two shapes of the same label on one image whose bounds overlap
//! with an intersection over union of at least 0.9: the same object
//! labelled twice. The shape with the larger id is reported, pointing at
//! the one it duplicates. CVAT shapes and YOLO rows have no ids of their
//! own, so there the message names the other shape by its line in the
//! file (`box duplicates the box at line 12`); COCO writes ids, and the
//! message names them (`7 duplicates annotation 5`). A crowd region (COCO `iscrowd: 1`) is compared
//! only with crowd regions: an object inside it is not its duplicate.
//!
//! Shapes of one group (CVAT `group_id`) that are of different kinds, such
//! as a box and a polygon drawn for one object, are that one object and
//! are never paired; two boxes of one group are still compared. A COCO
//! annotation is one shape (its polygon or mask keeps the stated `bbox`
//! as its box, not as a second shape), so a segmented COCO object is
//! never its own duplicate. A shape's bounds are its stated box when it
//! has one (a COCO `bbox`), else the bounds of its geometry.
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
//! -> `head` box duplicates the box at line 1 (IoU 0.975)
//! ```
//!
//! ## How to fix
//! Delete one of the two shapes.
//!
//! ## Options
//!
//! ## Limits
//! The check makes at most 20,000,000 comparisons per image plus 200 per
//! shape on it, which realistic images, piles of identical boxes and
//! crowds of nested boxes stay below. An image that needs more (a crowd of
//! tens of thousands of overlapping shapes in no order) gets one finding
//! saying where the check stopped; the shapes after that point are not
//! checked.

use crate::options::OptionDecl;
use crate::rule::{Context, Finding, ImageCtx, Rule};
use crate::rules::fill_bounds;
use crate::rules::spatial::{Budget, IouIndex};

/// The permanent code.
pub(crate) const CODE: &str = "A001";

/// `iou`.
pub(crate) static IOU: OptionDecl = OptionDecl::number(
    "iou",
    0.9,
    "the intersection over union at which two shapes are one object",
)
.required();
/// The options of the rule.
pub(crate) static OPTIONS: &[&OptionDecl] = &[&IOU];

/// Comparisons (IoU checks and block tests of the index) allowed per
/// image: this many, plus [`BUDGET_PER_SHAPE`] per shape on it.
pub(crate) const BUDGET: u64 = 20_000_000;

/// The part of the budget that grows with the image's shapes (crowds of
/// 200,000 nested boxes take about 80 a shape).
pub(crate) const BUDGET_PER_SHAPE: u64 = 200;

/// The rule.
pub(crate) struct NearDuplicate;

impl Rule for NearDuplicate {
    fn check_image(&self, cx: &Context<'_>, image: &ImageCtx<'_>, out: &mut Vec<Finding>) {
        // usize is at most 64 bits on every target Rust supports.
        let shapes = image.annotations.len() as u64;
        let cap = BUDGET_PER_SHAPE
            .saturating_mul(shapes)
            .saturating_add(BUDGET);
        check_within(cx, image, cap, out);
    }
}

/// The check, stopping after `cap` comparisons on the image.
fn check_within(cx: &Context<'_>, image: &ImageCtx<'_>, cap: u64, out: &mut Vec<Finding>) {
    let threshold = cx.options.number(&IOU);
    let mut budget = Budget::new(cap);
    let mut bounds = Vec::new();
    for run in image.label_runs() {
        if run.len() < 2 {
            continue;
        }
        // A crowd region (COCO `iscrowd: 1`) covers many objects: an object
        // inside it is not its duplicate. Crowd regions are compared among
        // themselves, objects among themselves.
        let is_crowd = |a: &usize| image.annotation(*a).is_some_and(|x| x.crowd);
        let stopped_at = if run.iter().any(is_crowd) {
            let (crowds, objects): (Vec<usize>, Vec<usize>) =
                run.iter().copied().partition(|a| is_crowd(a));
            check_run(
                cx,
                image,
                &objects,
                threshold,
                &mut budget,
                &mut bounds,
                out,
            )
            .or_else(|| check_run(cx, image, &crowds, threshold, &mut budget, &mut bounds, out))
        } else {
            check_run(cx, image, run, threshold, &mut budget, &mut bounds, out)
        };
        if let Some(b) = stopped_at {
            out.push(stopped(cx, image, cap, b));
            return;
        }
    }
}

/// The check of one run of shapes of one label, sorted by id; the
/// annotation where the budget ran out, if it did.
fn check_run(
    cx: &Context<'_>,
    image: &ImageCtx<'_>,
    run: &[usize],
    threshold: f64,
    budget: &mut Budget,
    bounds: &mut Vec<Option<labelkit_model::BoxGeom>>,
    out: &mut Vec<Finding>,
) -> Option<usize> {
    if run.len() < 2 {
        return None;
    }
    fill_bounds(image, run, bounds);
    // Near-linear in the run (a spatial index, not every pair).
    let index = IouIndex::new(bounds, threshold);
    // Sorted by id, so "the later one" does not depend on file order:
    // each shape points at the first earlier shape it duplicates.
    for (j, &b) in run.iter().enumerate().skip(1) {
        let Some(Some(bb)) = bounds.get(j) else {
            continue;
        };
        // Shapes of one group of different kinds (a box and a polygon
        // drawn for one object) are one object, not two.
        let kind_b = image.annotation(b).map(|x| (x.group, x.geometry.kind()));
        let other_object = |i: usize| {
            let kind_a = run
                .get(i)
                .and_then(|&a| image.annotation(a))
                .map(|x| (x.group, x.geometry.kind()));
            match (kind_a, kind_b) {
                (Some((Some(ga), ka)), Some((Some(gb), kb))) => ga != gb || ka == kb,
                _ => true,
            }
        };
        let Ok(first) = index.first_before_where(bb, j, budget, other_object) else {
            return Some(b);
        };
        let Some((i, iou)) = first else {
            continue;
        };
        let Some(&a) = run.get(i) else { continue };
        let Some(second) = image.annotation(b) else {
            continue;
        };
        out.push(
            Finding::annotation(
                CODE,
                image.pos,
                b,
                format!(
                    "`{}` {} duplicates {} (IoU {:.3})",
                    cx.dataset.labels.name(second.label),
                    cx.name_annotation(b),
                    cx.describe_annotation(a),
                    iou
                ),
            )
            .related(a, "first labelled here")
            .help("delete one of the two shapes"),
        );
    }
    None
}

/// The finding of an image whose check ran out of comparisons at
/// annotation `b`.
fn stopped(cx: &Context<'_>, image: &ImageCtx<'_>, cap: u64, b: usize) -> Finding {
    let what = image.annotation(b).map_or_else(
        || "the remaining shapes".to_owned(),
        |a| {
            format!(
                "`{}` {} and the shapes after it (by label, then id)",
                cx.dataset.labels.name(a.label),
                a.id
            )
        },
    );
    Finding::image(
        CODE,
        image.pos,
        format!(
            "near-duplicate check stopped after {cap} comparisons on this image: \
             its {} shapes overlap too densely; {what} were not checked",
            image.annotations.len()
        ),
    )
    .related(b, "the check stopped here")
    .help("look for a crowd of overlapping shapes on this image (a generated or corrupted file)")
}
