//! # missing-companion (A003)
//!
//! ## What it does
//! Flags an object box that lacks a required companion: for each companion
//! group with `required = true` (the default), an object box with no box
//! of the group's labels at IoU >= the group's `iou` (0.9). For example a
//! `body` without `adult`/`child`, or a `head` without one of the eight
//! directions. A crowd region (COCO `iscrowd: 1`) covers many objects and
//! needs no companion.
//!
//! ## Why it matters
//! Annotation goes in passes; a missing companion is an object that one pass
//! skipped. The attribute classifier then learns "no answer" for it.
//!
//! ## Example
//! ```toml
//! [[schema.companions]]
//! object = "body"
//! one-of = ["male", "female"]
//! ```
//! ```text
//! <box label="body" xtl="10" ytl="10" xbr="60" ybr="200"/>   no male/female box: flagged
//! ```
//!
//! ## How to fix
//! Add the companion box, with the object's geometry.
//!
//! ## Options
//! The groups come from `[[schema.companions]]` (`object`, `one-of`,
//! `required`, `iou`) and `schema.companion-iou`.

use crate::rule::{Context, Finding, ImageCtx, Rule};
use crate::rules::Companions;

/// The permanent code.
pub(crate) const CODE: &str = "A003";

/// The rule.
pub(crate) struct MissingCompanion;

impl Rule for MissingCompanion {
    fn check_image(&self, cx: &Context<'_>, image: &ImageCtx<'_>, out: &mut Vec<Finding>) {
        let mut matched = Vec::new();
        let mut bounds = Vec::new();
        for group in cx
            .groups
            .iter()
            .filter(|g| g.required && !g.members.is_empty())
        {
            let companions = Companions::new(cx, image, group, &mut bounds);
            for &o in image.with_label(cx.dataset, group.object) {
                if cx.dataset.annotations.get(o).is_some_and(|a| a.crowd) {
                    continue;
                }
                companions.of(cx, o, &mut matched);
                if matched.is_empty() {
                    let names: Vec<String> = group
                        .members
                        .iter()
                        .map(|&m| format!("`{}`", cx.dataset.labels.name(m)))
                        .collect();
                    out.push(
                        Finding::annotation(
                            CODE,
                            image.pos,
                            o,
                            format!(
                                "`{}` has none of {}",
                                cx.dataset.labels.name(group.object),
                                names.join(", ")
                            ),
                        )
                        .help("add the missing companion box with the object's geometry"),
                    );
                }
            }
        }
    }
}
