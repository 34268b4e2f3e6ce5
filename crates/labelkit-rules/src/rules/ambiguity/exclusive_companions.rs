//! # exclusive-companions (A002)
//!
//! ## What it does
//! Flags an object box that carries two mutually exclusive companion
//! labels: for each companion group of the schema (say, every `body`
//! carries one of `adult`/`child`), the boxes of the group's labels whose
//! IoU with the object box is at least the group's `iou` (0.9), or whose
//! edges all lie within the group's `edge-tolerance` (1.5 px) of its own,
//! are its companions, and two different labels among them are a
//! contradiction. This holds whether or not the group is `required`.
//! The object box is reported, with the companions as related places.
//!
//! ## Why it matters
//! An object that is both `adult` and `child` teaches a classifier both
//! answers. It usually happens when two annotators pass over one image.
//!
//! ## Example
//! ```toml
//! [[schema.companions]]
//! object = "body"
//! one-of = ["adult", "child"]
//! ```
//! ```text
//! <box label="body"  xtl="10" ytl="10" xbr="60" ybr="200"/>
//! <box label="adult" xtl="10" ytl="10" xbr="60" ybr="200"/>
//! <box label="child" xtl="10" ytl="11" xbr="60" ybr="200"/>   flagged on the body
//! ```
//!
//! ## How to fix
//! Keep the right companion and delete the other.
//!
//! ## Options
//! The groups come from `[[schema.companions]]` (`object`, `one-of`,
//! `iou`, `edge-tolerance`), `schema.companion-iou` and
//! `schema.companion-edge-tolerance`.

use crate::rule::{Context, Finding, ImageCtx, Rule};
use crate::rules::Companions;

/// The permanent code.
pub(crate) const CODE: &str = "A002";

/// The rule.
pub(crate) struct ExclusiveCompanions;

impl Rule for ExclusiveCompanions {
    fn check_image(&self, cx: &Context<'_>, image: &ImageCtx<'_>, out: &mut Vec<Finding>) {
        let mut matched = Vec::new();
        let mut bounds = Vec::new();
        for group in &cx.groups {
            let companions = Companions::new(image, group, &mut bounds);
            for &o in image.with_label(group.object) {
                companions.of(image, o, &mut matched);
                let first = matched.first().and_then(|&m| image.annotation(m));
                let Some(first) = first else { continue };
                let distinct = image.at(&matched).any(|(_, m)| m.label != first.label);
                if !distinct {
                    continue;
                }
                let mut names: Vec<&str> = image
                    .at(&matched)
                    .map(|(_, m)| cx.dataset.labels.name(m.label))
                    .collect();
                names.dedup();
                let mut f = Finding::annotation(
                    CODE,
                    image.pos,
                    o,
                    format!(
                        "`{}` carries mutually exclusive companions {}",
                        cx.dataset.labels.name(group.object),
                        names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                )
                .help("keep one companion and delete the others");
                for &m in &matched {
                    let name = cx
                        .dataset
                        .annotations
                        .get(m)
                        .map_or("?", |x| cx.dataset.labels.name(x.label));
                    f = f.related(m, format!("`{name}` here"));
                }
                out.push(f);
            }
        }
    }
}
