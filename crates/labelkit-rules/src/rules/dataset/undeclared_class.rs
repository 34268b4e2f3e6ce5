//! # undeclared-class (D003)
//!
//! ## What it does
//! Flags a class that annotations use but the dataset never declared. A
//! reader that meets a label name missing from the declared list (a CVAT
//! shape whose label is not in `<meta>`, a COCO category id with no
//! category) adds the label as not declared (`Label::declared` is false);
//! the rule reports each such label with its use count (none when every
//! shape naming it was unreadable). Such a label is never reported as
//! declared but unused (D002).
//!
//! ## Why it matters
//! Tools that build the class list from the declaration (CVAT import,
//! YOLO `names`) drop or mis-map these annotations.
//!
//! ## Example
//! ```text
//! <labels><label><name>body</name></label></labels>
//! <box label="bodyy" .../>       `bodyy` used 1 time but not declared
//! ```
//!
//! ## How to fix
//! Declare the class, or relabel its annotations to a declared class
//! (usually a typo).
//!
//! ## Options
//! None.

use crate::rule::{Context, Finding, Rule};
use crate::rules::label_counts;

/// The permanent code.
pub(crate) const CODE: &str = "D003";

/// The rule.
pub(crate) struct UndeclaredClass;

impl Rule for UndeclaredClass {
    fn check_dataset(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let counts = label_counts(cx.dataset);
        for (i, label) in cx.dataset.labels.labels.iter().enumerate() {
            if !label.declared {
                let count = counts.get(i).copied().unwrap_or(0);
                let message = if count == 0 {
                    format!(
                        "class `{}` is not declared; the shapes naming it could not be read (see their F findings)",
                        label.name
                    )
                } else {
                    format!(
                        "class `{}` is used {count} time(s) but not declared",
                        label.name
                    )
                };
                out.push(
                    Finding::dataset(CODE, message)
                        .with_label(i)
                        .help("declare the class, or relabel its annotations"),
                );
            }
        }
    }
}
