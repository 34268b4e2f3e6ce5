//! # missing-companion (A003)
//!
//! ## What it does
//! Flags an object box that lacks a required companion: for each companion
//! group with `required` set (the default), an object box with no box of
//! the group's labels at IoU >= the group's `iou` (0.9) nor with every
//! edge within the group's `edge-tolerance` (1.5 px, on images of known
//! size). For example a `head` without one of the eight directions. A
//! crowd region (COCO `iscrowd: 1`) covers many objects and needs no
//! companion.
//!
//! `required` is per group and carries the severity of a missing
//! companion: `true` or `"error"`, `"warning"`, `"info"`; `false` or
//! `"off"` makes the group "at most one" (two companions stay an
//! `exclusive-companions` error, none is fine). The whole-body preset
//! makes gender (`male`/`female`) and generation (`adult`/`child`) "at
//! most one": a person whose gender or age cannot be told is left
//! without, as the labelling policy asks. A `[severity]` override of A003
//! applies over every group's level.
//!
//! ## Why it matters
//! Annotation goes in passes; a missing companion is an object that one pass
//! skipped. The attribute classifier then learns "no answer" for it.
//!
//! ## Example
//! ```toml
//! [[schema.companions]]
//! object = "head"
//! one-of = ["front", "back"]
//! required = "warning"
//! ```
//! ```text
//! <box label="head" xtl="10" ytl="10" xbr="60" ybr="60"/>   no front/back box: warned
//! ```
//!
//! ## How to fix
//! Add the companion box, with the object's geometry.
//!
//! ## Options
//! The groups come from `[[schema.companions]]` (`object`, `one-of`,
//! `required`, `iou`, `edge-tolerance`), `schema.companion-iou` and
//! `schema.companion-edge-tolerance`.

use crate::rule::{Context, Finding, ImageCtx, Rule};
use crate::rules::companion_matches;

/// The permanent code.
pub(crate) const CODE: &str = "A003";

/// The rule.
pub(crate) struct MissingCompanion;

impl Rule for MissingCompanion {
    fn check_image(&self, cx: &Context<'_>, image: &ImageCtx<'_>, out: &mut Vec<Finding>) {
        for group in &cx.groups {
            let Some(severity) = group.required else {
                continue;
            };
            if group.members.is_empty() {
                continue;
            }
            companion_matches(image, group, |o, matched| {
                if matched.is_empty() {
                    let names: Vec<String> = group
                        .members
                        .iter()
                        .map(|&m| format!("`{}`", cx.dataset.labels.name(m)))
                        .collect();
                    // A companion name matching two classes stands for
                    // neither: said, so the group is not read as smaller.
                    let unresolved: Vec<String> =
                        group.ambiguous.iter().map(|n| format!("`{n}`")).collect();
                    let mut message = format!(
                        "`{}` has none of {}",
                        cx.dataset.labels.name(group.object),
                        names.join(", ")
                    );
                    if !unresolved.is_empty() {
                        message.push_str(&format!(
                            " ({} of the configuration {} several classes and {} for none: see D008)",
                            unresolved.join(", "),
                            if unresolved.len() == 1 { "matches" } else { "match" },
                            if unresolved.len() == 1 { "stands" } else { "stand" },
                        ));
                    }
                    out.push(
                        Finding::annotation(CODE, image.pos, o, message)
                            .help("add the missing companion box with the object's geometry")
                            .with_severity(severity),
                    );
                }
            });
        }
    }
}
