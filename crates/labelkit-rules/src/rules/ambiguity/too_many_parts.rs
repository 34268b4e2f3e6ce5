//! # too-many-parts (A007)
//!
//! ## What it does
//! Flags a parent shape holding more parts of one label than the schema
//! allows: a `face` with three `eye`s, a `head` with two `nose`s, a `body`
//! with three `hand`s. A part belongs to a parent when its bounds lie
//! within the parent's, allowing the schema's `part-tolerance` (2 pixels)
//! on each side. A part that lies within two parents of the label (two
//! overlapping bodies in a crowd) could belong to either and is counted
//! for neither, so overlapping people never add up to a false alarm; a
//! third eye inside one face alone is always counted. Images of unknown
//! size are skipped: the tolerance is in pixels.
//!
//! ## Why it matters
//! A face has at most two eyes and one nose: an extra part is a duplicate
//! that one pass drew twice, or a part of another object that was never
//! given its own parent. Either way a detector learns a wrong count.
//!
//! ## Example
//! ```toml
//! [schema.max-parts]
//! face = { eye = 2 }
//! ```
//! ```text
//! <box label="face" xtl="10" ytl="10" xbr="40" ybr="40"/>   flagged: 3 eyes
//! <box label="eye"  xtl="14" ytl="18" xbr="20" ybr="22"/>
//! <box label="eye"  xtl="24" ytl="18" xbr="30" ybr="22"/>
//! <box label="eye"  xtl="19" ytl="26" xbr="25" ybr="30"/>
//! ```
//!
//! ## How to fix
//! Delete the extra part, or give it the parent it belongs to.
//!
//! ## Options
//! `[schema.max-parts]` maps each parent label to the most parts of each
//! label it may hold (`face = { eye = 2, nose = 1 }`); the whole-body
//! preset sets 2 eyes, 1 nose, 1 mouth per face, 2 ears and 1 face per
//! head, and 1 head, 2 hands, 2 feet, 2 shoulders, 2 elbows, 2 knees per
//! body. `schema.part-tolerance` (2.0 pixels).

use std::collections::BTreeMap;

use labelkit_model::BoxGeom;

use crate::rule::{Context, Finding, ImageCtx, Rule};
use crate::rules::area_bounds;
use crate::rules::containment::containers;

/// The permanent code.
pub(crate) const CODE: &str = "A007";

/// The rule.
pub(crate) struct TooManyParts;

/// The shapes with an area among `positions`, with their bounds.
fn shapes(image: &ImageCtx<'_>, positions: &[usize]) -> Vec<(usize, BoxGeom)> {
    image
        .at(positions)
        .filter_map(|(p, a)| Some((p, area_bounds(&a.geometry)?)))
        .collect()
}

impl Rule for TooManyParts {
    /// One containment query per limit and image: near-linear in the
    /// shapes of the two labels.
    fn check_image(&self, cx: &Context<'_>, image: &ImageCtx<'_>, out: &mut Vec<Finding>) {
        if !image.has_size() {
            return;
        }
        for limit in &cx.limits {
            let parents = shapes(image, image.with_label(limit.parent));
            if parents.is_empty() {
                continue;
            }
            let parts = shapes(image, image.with_label(limit.part));
            if parts.len() <= limit.max as usize {
                continue;
            }
            // Parts held by one parent alone, by parent (positions; only
            // looked up and walked in position order).
            let mut held: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
            for (held_by, &(part, _)) in containers(&parents, cx.part_tolerance, &parts)
                .iter()
                .zip(&parts)
            {
                if let [Some(parent), None] = *held_by {
                    held.entry(parent).or_default().push(part);
                }
            }
            for (parent, inside) in held {
                if inside.len() <= limit.max as usize {
                    continue;
                }
                let part_name = cx.dataset.labels.name(limit.part);
                let mut f = Finding::annotation(
                    CODE,
                    image.pos,
                    parent,
                    format!(
                        "`{}` holds {} `{part_name}` parts, at most {} allowed",
                        cx.dataset.labels.name(limit.parent),
                        inside.len(),
                        limit.max
                    ),
                )
                .help("delete the extra part, or give it the parent it belongs to");
                for (n, &p) in inside.iter().enumerate() {
                    f = f.related(p, format!("`{part_name}` {} here", n + 1));
                }
                out.push(f);
            }
        }
    }
}
