//! # too-few-labels (D001)
//!
//! ## What it does
//! Warns about a class that is used, but fewer times than the minimum
//! label count, 3,000 by default. Classes never used are reported by
//! `unused-class` (D002) instead.
//!
//! ## Why it matters
//! A detector needs a few thousand examples of a class, spread over sizes,
//! poses, occlusions and lighting, to learn it. Rare cases (wheelchairs,
//! crutches, children) matter more than volume: the warning tells you
//! where to collect.
//!
//! ## Example
//! ```text
//! class `body_with_crutches`: 412 labels, fewer than 3000
//! ```
//!
//! ## How to fix
//! Annotate more images with the class, or merge it into a broader class.
//!
//! ## Options

use crate::options::OptionDecl;
use crate::rule::{Context, Finding, Rule};
use crate::rules::label_counts;

/// The permanent code.
pub(crate) const CODE: &str = "D001";

/// `min-count`.
pub(crate) static MIN_COUNT: OptionDecl = OptionDecl::count(
    "min-count",
    3000,
    "a class used fewer times (but at least once) is flagged",
)
.required();
/// The options of the rule.
pub(crate) static OPTIONS: &[&OptionDecl] = &[&MIN_COUNT];

/// The rule.
pub(crate) struct TooFewLabels;

impl Rule for TooFewLabels {
    fn check_dataset(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let counts = label_counts(cx.dataset);
        let min = cx.options.count(&MIN_COUNT);
        for (i, label) in cx.dataset.labels.labels.iter().enumerate() {
            let count = counts.get(i).copied().unwrap_or(0);
            if label.parent.is_none() && count > 0 && count < min {
                out.push(
                    Finding::dataset(
                        CODE,
                        format!(
                            "class `{}` has {count} labels, fewer than {min}",
                            label.name
                        ),
                    )
                    .with_label(i)
                    .help("annotate more examples of the class, or merge it into a broader one"),
                );
            }
        }
    }
}
