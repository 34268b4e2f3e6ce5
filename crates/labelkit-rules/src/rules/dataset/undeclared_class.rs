//! # undeclared-class (D003)
//!
//! ## What it does
//! Flags a class that annotations use but the dataset never declared. A
//! reader that meets a label name missing from the declared list (a CVAT
//! shape whose label is not in `<meta>`) adds the label and marks it with
//! the key `labelkit.undeclared` set to `true` in the label's `extra`; the
//! rule reports each marked label with its use count (none when every
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
use crate::rules::{extra_value, label_counts};

/// The permanent code.
pub(crate) const CODE: &str = "D003";

/// The `Label::extra` key that marks a label added by a reader because
/// annotations used it without a declaration; its value is `true`.
pub const UNDECLARED_KEY: &str = labelkit_model::keys::UNDECLARED;

/// Whether a reader added `label` because annotations named it without a
/// declaration.
pub(crate) fn is_undeclared(label: &labelkit_model::Label) -> bool {
    extra_value(&label.extra, UNDECLARED_KEY) == Some("true")
}

/// The rule.
pub(crate) struct UndeclaredClass;

impl Rule for UndeclaredClass {
    fn check_dataset(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let counts = label_counts(cx.dataset);
        for (i, label) in cx.dataset.labels.labels.iter().enumerate() {
            if is_undeclared(label) {
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
