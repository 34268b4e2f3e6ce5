//! # orphan-companion (A006)
//!
//! ## What it does
//! Flags a companion box that labels no object: a box of a companion
//! group's label (`adult`, `front`...) with no box of the group's object
//! label (`body`, `head`) at IoU >= the group's `iou` (0.9), nor one whose
//! four edges all lie within the group's `edge-tolerance` (1.5 px) of its
//! own. The edge test keeps tiny boxes drawn roughly right from failing:
//! a 4x4 head and its direction box 1 px to the side have an IoU of 0.6.
//! It applies on images of known size only.
//!
//! ## Why it matters
//! Companion boxes copy the geometry of their object. One that matches no
//! object was left behind when its object was moved or deleted, or was
//! never copied exactly.
//!
//! ## Example
//! ```text
//! <box label="body"  xtl="10" ytl="10" xbr="60" ybr="200"/>
//! <box label="adult" xtl="200" ytl="10" xbr="260" ybr="200"/>   flagged
//! ```
//!
//! ## How to fix
//! Snap the companion box to its object's geometry, or delete it.
//!
//! ## Options
//! The groups come from `[[schema.companions]]` (`object`, `one-of`,
//! `iou`, `edge-tolerance`), `schema.companion-iou` and
//! `schema.companion-edge-tolerance`.

use crate::rule::{Context, Finding, ImageCtx, Rule};
use crate::rules::spatial::{EdgeIndex, IouIndex};
use crate::rules::{edge_tolerance, fill_bounds, object_bounds};

/// The permanent code.
pub(crate) const CODE: &str = "A006";

/// The rule.
pub(crate) struct OrphanCompanion;

impl Rule for OrphanCompanion {
    fn check_image(&self, cx: &Context<'_>, image: &ImageCtx<'_>, out: &mut Vec<Finding>) {
        let mut bounds = Vec::new();
        for group in &cx.groups {
            let objects = image.with_label(group.object);
            fill_bounds(image, objects, &mut bounds);
            // Near-linear in the shapes (a spatial index, not every pair).
            let index = IouIndex::new(&bounds, group.iou);
            let edges = EdgeIndex::new(&bounds, edge_tolerance(image, group));
            for &member in &group.members {
                for &c in image.with_label(member) {
                    let Some(cb) = image.annotation(c).and_then(object_bounds) else {
                        continue;
                    };
                    let found = index.first_before(&cb, usize::MAX).is_some() || edges.any(&cb);
                    if !found {
                        out.push(
                            Finding::annotation(
                                CODE,
                                image.pos,
                                c,
                                format!(
                                    "`{}` labels no `{}`: no `{}` box has IoU >= {} with it or every edge within {} px",
                                    cx.dataset.labels.name(member),
                                    cx.dataset.labels.name(group.object),
                                    cx.dataset.labels.name(group.object),
                                    group.iou,
                                    group.edge_tolerance
                                ),
                            )
                            .help("snap the box to its object's geometry, or delete it"),
                        );
                    }
                }
            }
        }
    }
}
