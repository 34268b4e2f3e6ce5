//! # flip-idx-mismatch (K006)
//!
//! ## What it does
//! Checks a YOLO pose dataset's `flip_idx` (from `data.yaml`) against the
//! left/right permutation of the keypoint schema: entry `i` must be the
//! index of point `i`'s partner, or `i` itself for a point without one.
//! The YOLO reader records the list as written, and where, in the reader
//! facts beside the dataset (`ReaderFacts::flip_idx`). The schema
//! is the first label's with a schema that has left/right pairs: from
//! `[keypoints.<label>]`, else the dataset's own, whose pairs come from
//! its point names (data.yaml's `kpt_names`: `left_eye` pairs with
//! `right_eye`), never from the `flip_idx` under test. Without pairs (no
//! configured schema and no `kpt_names`, or names without sides) nothing
//! is checked. The finding points at the `flip_idx:` key of `data.yaml`.
//!
//! ## Why it matters
//! Ultralytics swaps points by `flip_idx` when it flips an image in
//! augmentation; a wrong entry turns half the training images into
//! left/right swapped poses.
//!
//! ## Example
//! ```text
//! kpt_shape: [3, 3]      # left_eye, right_eye, nose
//! flip_idx: [0, 1, 2]    # flagged: expected [1, 0, 2]
//! ```
//!
//! ## How to fix
//! Write the permutation the finding gives into `data.yaml`.
//!
//! ## Options
//! Keypoint schemas: `[keypoints.<label>]`.

use labelkit_model::label::FlipIdxMismatch;

use crate::rule::{Context, Finding, Rule};

/// The permanent code.
pub(crate) const CODE: &str = "K006";

/// The rule.
pub(crate) struct FlipIdxMismatchRule;

impl Rule for FlipIdxMismatchRule {
    fn check_dataset(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some(stated) = &cx.facts.flip_idx else {
            return;
        };
        let Some((label, schema)) = cx.keypoints.iter().enumerate().find_map(|(i, s)| {
            s.as_deref()
                .filter(|s| !s.flip_pairs.is_empty())
                .map(|s| (i, s))
        }) else {
            return;
        };
        let help = format!("use flip_idx: {:?}", schema.flip_idx());
        let message = match schema.check_flip_idx(&stated.indices) {
            Ok(()) => return,
            Err(FlipIdxMismatch::Length { expected, found }) => {
                format!("flip_idx has {found} entries, the keypoint schema has {expected} points")
            }
            Err(FlipIdxMismatch::Entry { index, expected, found }) => format!(
                "flip_idx entry {index} (`{}`) is {found}, the schema's left/right pairs give {expected}",
                schema.names.get(index).map_or("?", String::as_str)
            ),
        };
        out.push(
            Finding::dataset(CODE, message)
                .with_label(label)
                .with_stated_at(stated.at)
                .help(help),
        );
    }
}
