//! # duplicate-ids (D004)
//!
//! ## What it does
//! Flags images that share an id with an earlier image, and annotations
//! that share an id with an earlier annotation, in the dataset as a whole
//! (after merging files, where `duplicate-id` (F005) only sees one file).
//! Every copy after the first, in source order, is reported.
//!
//! ## Why it matters
//! Ids join annotations to images and results to ground truth; a repeated
//! id attaches labels to the wrong image and makes evaluation tools merge
//! or drop objects.
//!
//! ## Example
//! ```text
//! images: [{"id": 7, "file_name": "a.jpg"}, {"id": 7, "file_name": "b.jpg"}]   second flagged
//! ```
//!
//! ## How to fix
//! Renumber the duplicates (a conversion through labelkit keeps ids, so fix
//! them at the source).
//!
//! ## Options
//! None.

use crate::rule::{Context, Finding, Rule};

/// The permanent code.
pub(crate) const CODE: &str = "D004";

/// The rule.
pub(crate) struct DuplicateIds;

/// Positions of entries whose id appeared at an earlier position.
fn repeats(ids: impl Iterator<Item = u64>) -> Vec<(usize, usize)> {
    let mut sorted: Vec<(u64, usize)> = ids.enumerate().map(|(i, id)| (id, i)).collect();
    sorted.sort_unstable();
    let mut out = Vec::new();
    for w in sorted.windows(2) {
        if let [(a, _), (b, pos)] = w {
            if a == b {
                let first = sorted.partition_point(|&(id, _)| id < *a);
                let first_pos = sorted.get(first).map_or(0, |&(_, p)| p);
                out.push((*pos, first_pos));
            }
        }
    }
    out
}

impl Rule for DuplicateIds {
    fn check_dataset(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let d = cx.dataset;
        for (pos, first) in repeats(d.images.iter().map(|i| i.id.0)) {
            let id = d.images.get(pos).map_or(0, |i| i.id.0);
            out.push(
                Finding::image(
                    CODE,
                    pos,
                    format!("image id {id} is used by an earlier image too"),
                )
                .help("give each image its own id"),
            );
            let _ = first;
        }
        for (pos, first) in repeats(d.annotations.iter().map(|a| a.id.0)) {
            let Some(ann) = d.annotations.get(pos) else {
                continue;
            };
            let mut f = Finding::dataset(
                CODE,
                format!(
                    "annotation id {} is used by an earlier annotation too",
                    ann.id
                ),
            )
            .related(first, "first used here")
            .help("give each annotation its own id");
            f.annotation = Some(pos);
            f.image = cx.index.image_position(ann.image);
            out.push(f);
        }
    }
}
