//! # part-outside-parent (A004)
//!
//! ## What it does
//! Flags a part that lies inside no box of its parent label: an `eye` in no
//! `face`, a `face` in no `head`, a `hand` in no `body`. A part is inside
//! a parent when its bounds lie within the parent's bounds, allowing the
//! schema's `part-tolerance` (2 pixels by default) on each side.
//! Images of unknown size are skipped: their coordinates are not pixels
//! (`unmeasured-images`, G005, counts them).
//!
//! ## Why it matters
//! A part outside every parent is either a part of an object that was never
//! labelled (a missing `face`), or a parent box that is too small.
//!
//! ## Example
//! ```toml
//! [schema.parts]
//! eye = "face"
//! ```
//! ```text
//! <box label="face" xtl="10" ytl="10" xbr="40" ybr="40"/>
//! <box label="eye"  xtl="50" ytl="20" xbr="55" ybr="24"/>   flagged
//! ```
//!
//! ## How to fix
//! Add the missing parent, or enlarge the parent box to cover its parts.
//!
//! ## Options
//! `[schema.parts]` maps each part to its parent label(s);
//! `schema.part-tolerance` (2.0 pixels).

use std::collections::BTreeMap;

use labelkit_model::{BoxGeom, LabelId};

use crate::rule::{Context, Finding, ImageCtx, Rule};
use crate::rules::containment::inside_any;
use crate::rules::object_bounds;

/// The permanent code.
pub(crate) const CODE: &str = "A004";

/// The rule.
pub(crate) struct PartOutsideParent;

/// A part on the image: its annotation, label and bounds.
struct Part {
    a: usize,
    label: LabelId,
    bounds: BoxGeom,
}

impl Rule for PartOutsideParent {
    /// All parts of the image are matched against all parents at once with
    /// a containment query ([`inside_any`]), once per parent label: near
    /// linear, where checking each part against each parent was quadratic
    /// on an image with many of both and no part inside a parent.
    fn check_image(&self, cx: &Context<'_>, image: &ImageCtx<'_>, out: &mut Vec<Finding>) {
        if !image.has_size() {
            return; // the tolerance is in pixels
        }
        let parts: Vec<Part> = image
            .shapes()
            .filter_map(|(a, ann)| {
                if cx.parents_of(ann.label).is_empty() {
                    return None;
                }
                Some(Part {
                    a,
                    label: ann.label,
                    bounds: object_bounds(ann)?,
                })
            })
            .collect();
        if parts.is_empty() {
            return;
        }
        // The parts to look up in each parent label's shapes. Only looked
        // up by key: the map's order never reaches output.
        let mut by_parent: BTreeMap<LabelId, Vec<usize>> = BTreeMap::new();
        for (i, part) in parts.iter().enumerate() {
            for &parent in cx.parents_of(part.label) {
                by_parent.entry(parent).or_default().push(i);
            }
        }
        let mut inside = vec![false; parts.len()];
        // How many shapes with an area each parent label has here.
        let mut counts: BTreeMap<LabelId, usize> = BTreeMap::new();
        for (&parent, queries) in &by_parent {
            let outers: Vec<(usize, BoxGeom)> = image
                .at(image.with_label(parent))
                .filter_map(|(p, a)| Some((p, object_bounds(a)?)))
                .collect();
            counts.insert(parent, outers.len());
            let inners: Vec<(usize, BoxGeom)> = queries
                .iter()
                .map(|&i| (parts[i].a, parts[i].bounds))
                .collect();
            for (&i, hit) in queries
                .iter()
                .zip(inside_any(&outers, cx.part_tolerance, &inners))
            {
                inside[i] |= hit;
            }
        }
        for (part, inside) in parts.iter().zip(inside) {
            if inside {
                continue;
            }
            // A part that is its own parent label is one of that label's
            // shapes, but not its own parent.
            let any_parent = cx.parents_of(part.label).iter().any(|&p| {
                let n = counts.get(&p).copied().unwrap_or(0);
                n > usize::from(p == part.label)
            });
            out.push(finding(cx, image, part, any_parent));
        }
    }
}

/// The finding for a part inside none of its parents' shapes.
fn finding(cx: &Context<'_>, image: &ImageCtx<'_>, part: &Part, any_parent: bool) -> Finding {
    let names: Vec<String> = cx
        .parents_of(part.label)
        .iter()
        .map(|&p| format!("`{}`", cx.dataset.labels.name(p)))
        .collect();
    let message = if any_parent {
        format!(
            "`{}` lies inside no {}",
            cx.dataset.labels.name(part.label),
            names.join(" or ")
        )
    } else {
        format!(
            "`{}` has no parent: the image has no {}",
            cx.dataset.labels.name(part.label),
            names.join(" or ")
        )
    };
    Finding::annotation(CODE, image.pos, part.a, message)
        .help("add the missing parent, or enlarge the parent box to cover its parts")
}

#[cfg(test)]
mod tests {
    use labelkit_model::{Annotation, AnnotationId, Dataset, Image, ImageId, Label};
    use labelkit_testkit::oracles::{labelled_box, part_schema};
    use proptest::prelude::*;

    use super::*;
    use crate::Config;

    /// The pairwise loop the containment query replaced: each part against
    /// each shape of its parent labels, stopping at the first that holds
    /// it. The oracle.
    fn pairwise(cx: &Context<'_>, image: &ImageCtx<'_>, a: usize, out: &mut Vec<Finding>) {
        let Some(ann) = image.annotation(a) else {
            return;
        };
        let parents = cx.parents_of(ann.label);
        if parents.is_empty() {
            return;
        }
        let Some(pb) = object_bounds(ann) else {
            return;
        };
        let mut any_parent = false;
        for &parent in parents {
            for &p in image.with_label(parent) {
                if p == a {
                    continue;
                }
                let Some(b) = image.annotation(p).and_then(object_bounds) else {
                    continue;
                };
                any_parent = true;
                if b.contains_box(&pb, cx.part_tolerance) {
                    return;
                }
            }
        }
        let part = Part {
            a,
            label: ann.label,
            bounds: pb,
        };
        out.push(finding(cx, image, &part, any_parent));
    }

    const LABELS: [&str; 4] = ["head", "face", "eye", "hand"];

    proptest! {
        #[test]
        fn findings_are_those_of_the_pairwise_loop(
            shapes in proptest::collection::vec(labelled_box(LABELS.len()), 0..120),
            (toml, tol) in part_schema(&LABELS),
        ) {
            let config = Config::from_toml_str(&toml, "labelkit.toml").expect("config");
            prop_assert_eq!(config.schema.part_tolerance, tol);
            let mut d = Dataset::new();
            for l in LABELS {
                d.labels.push(Label::new(l));
            }
            d.images.push(Image { id: ImageId(1), width: 40, height: 40, ..Image::default() });
            for (i, (label, g)) in shapes.into_iter().enumerate() {
                let label = d.labels.find(LABELS[label]).expect("label");
                let id = AnnotationId(u64::try_from(i).expect("id") + 1);
                d.annotations.push(Annotation::new(id, ImageId(1), label, g));
            }
            let index = d.index();
            let cx = Context::new(&d, &index, &config);
            let mut sorted: Vec<usize> = (0..d.annotations.len()).collect();
            sorted.sort_by_key(|&a| (d.annotations[a].label.0, d.annotations[a].id.0, a));
            let image = ImageCtx::new(0, &d.images[0], &sorted, &d.annotations);
            let mut got = Vec::new();
            PartOutsideParent.check_image(&cx, &image, &mut got);
            let mut want = Vec::new();
            for &a in &sorted {
                pairwise(&cx, &image, a, &mut want);
            }
            got.sort_by_key(|f| f.annotation);
            want.sort_by_key(|f| f.annotation);
            prop_assert_eq!(got, want);
        }
    }
}
