//! # unmeasured-images (G005)
//!
//! ## What it does
//! Reports, once for the dataset, how many images have no known size and
//! why (their image file is missing, or its header cannot be read). A YOLO
//! label file holds coordinates normalised to the image size; without the
//! image they cannot be turned into pixels, so the rules that measure in
//! pixels skip such images: `box-too-small` (G001), `template-box` (G004),
//! `part-outside-parent` (A004), `too-many-parts` (A007), the edge test of
//! the companion rules, `left-right-swap` (K004) and `keypoint-outside`
//! (K005). This finding says what was left unchecked, instead of a size
//! such as `0.2x0.4 px` measured in the wrong unit.
//!
//! ## Why it matters
//! A check that silently skips part of a dataset reads as a clean pass.
//!
//! ## Example
//! ```text
//! labels/train/a.txt    images/train/a.jpg missing
//! labels/train/b.txt    images/train/b.jpg missing
//! -> 2 images of unknown size were not measured in pixels (image file missing: 2)
//! ```
//!
//! ## How to fix
//! Add the missing images (or fix the unreadable ones), or give their sizes
//! to the reader.
//!
//! ## Options
//! None.

use std::collections::BTreeMap;

use crate::rule::{Context, Finding, Rule};

/// The permanent code.
pub(crate) const CODE: &str = "G005";

/// The rule.
pub(crate) struct UnmeasuredImages;

impl Rule for UnmeasuredImages {
    fn check_dataset(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let mut why: BTreeMap<&'static str, usize> = BTreeMap::new();
        let mut total = 0usize;
        for (i, image) in cx.dataset.images.iter().enumerate() {
            if image.width > 0 && image.height > 0 {
                continue;
            }
            total += 1;
            let reason = cx
                .measurements
                .image(i)
                .map_or("size not declared", |r| r.describe());
            *why.entry(reason).or_default() += 1;
        }
        if total == 0 {
            return;
        }
        let reasons: Vec<String> = why.iter().map(|(r, n)| format!("{r}: {n}")).collect();
        let (images, were) = if total == 1 {
            ("image", "was")
        } else {
            ("images", "were")
        };
        out.push(
            Finding::dataset(
                CODE,
                format!(
                    "{total} {images} of unknown size {were} not measured in pixels ({}): G001, G004, A004, A007, K004 and K005 skipped them",
                    reasons.join(", ")
                ),
            )
            .help("add the missing images, or fix the unreadable ones"),
        );
    }
}
