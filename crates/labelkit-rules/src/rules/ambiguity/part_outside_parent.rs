//! # part-outside-parent (A004)
//!
//! ## What it does
//! Flags a part that lies inside no box of its parent label: an `eye` in no
//! `face`, a `face` in no `head`, a `hand` in no `body`. A part is inside
//! a parent when its bounds lie within the parent's bounds, allowing the
//! schema's `part-tolerance` (2 pixels by default) on each side.
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

use crate::rule::{Context, Finding, ImageCtx, Rule};
use crate::rules::{annotation, area_bounds};

/// The permanent code.
pub(crate) const CODE: &str = "A004";

/// The rule.
pub(crate) struct PartOutsideParent;

impl Rule for PartOutsideParent {
    fn check_annotation(
        &self,
        cx: &Context<'_>,
        image: &ImageCtx<'_>,
        a: usize,
        out: &mut Vec<Finding>,
    ) {
        let Some(ann) = annotation(cx, a) else { return };
        let parents = cx.parents_of(ann.label);
        if parents.is_empty() {
            return;
        }
        let Some(pb) = area_bounds(&ann.geometry) else {
            return;
        };
        let tol = cx.part_tolerance;
        let mut any_parent = false;
        for &parent in parents {
            for &p in image.with_label(cx.dataset, parent) {
                if p == a {
                    continue;
                }
                let Some(b) = cx
                    .dataset
                    .annotations
                    .get(p)
                    .and_then(|x| area_bounds(&x.geometry))
                else {
                    continue;
                };
                any_parent = true;
                if b.contains_box(&pb, tol) {
                    return;
                }
            }
        }
        let names: Vec<String> = parents
            .iter()
            .map(|&p| format!("`{}`", cx.dataset.labels.name(p)))
            .collect();
        let message = if any_parent {
            format!(
                "`{}` lies inside no {}",
                cx.dataset.labels.name(ann.label),
                names.join(" or ")
            )
        } else {
            format!(
                "`{}` has no parent: the image has no {}",
                cx.dataset.labels.name(ann.label),
                names.join(" or ")
            )
        };
        out.push(
            Finding::annotation(CODE, image.pos, a, message)
                .help("add the missing parent, or enlarge the parent box to cover its parts"),
        );
    }
}
