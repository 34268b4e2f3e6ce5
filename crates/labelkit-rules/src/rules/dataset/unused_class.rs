//! # unused-class (D002)
//!
//! ## What it does
//! Warns about a declared class that no annotation uses. Skeleton elements
//! count as used through their skeleton. A class the dataset never declared
//! (a reader added it for shapes naming it) is D003's, not this rule's.
//!
//! ## Why it matters
//! An unused class shifts YOLO class indices and COCO category ids, adds a
//! dead output to a detector, and often means a pass of annotation was
//! never done or was lost in a merge.
//!
//! ## Example
//! ```text
//! names: [body, head, wheelchair]    no `wheelchair` label anywhere: warned
//! ```
//!
//! ## How to fix
//! Annotate the class, or remove it from the class list (keeping the ids
//! of the others, with a label map when converting).
//!
//! ## Options
//! None.

use crate::rule::{Context, Finding, Rule};
use crate::rules::label_counts;

/// The permanent code.
pub(crate) const CODE: &str = "D002";

/// The rule.
pub(crate) struct UnusedClass;

impl Rule for UnusedClass {
    fn check_dataset(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let counts = label_counts(cx.dataset);
        for (i, label) in cx.dataset.labels.labels.iter().enumerate() {
            if label.parent.is_none() && label.declared && counts.get(i).copied().unwrap_or(0) == 0
            {
                out.push(
                    Finding::dataset(
                        CODE,
                        format!("class `{}` is declared but never used", label.name),
                    )
                    .with_label(i)
                    .help("annotate the class, or remove it from the class list"),
                );
            }
        }
    }
}
