//! # still-ambiguous (A005)
//!
//! ## What it does
//! Flags an annotation still marked as uncertain: one of the configured
//! attributes (`ambiguous` by default) is true (`true`, `yes`, `1` or a
//! non-zero number), or its confidence score is below 0.5.
//!
//! ## Why it matters
//! An object is annotated when a person can identify it, better than 50%
//! sure. A mark of doubt or a low detector score means nobody has decided
//! yet; unresolved guesses should not reach training.
//!
//! ## Example
//! ```text
//! <box label="child" ...><attribute name="ambiguous">true</attribute></box>   flagged
//! {"category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.3}                    flagged
//! ```
//!
//! ## How to fix
//! Decide: keep the annotation and clear the mark (or set the score to 1),
//! or delete it.
//!
//! ## Options
//! ```toml
//! [rules.still-ambiguous]
//! attributes = ["ambiguous"]
//! min-confidence = 0.5
//! ```

use crate::rule::{Context, Finding, ImageCtx, Rule};
use crate::rules::annotation;

/// The permanent code.
pub(crate) const CODE: &str = "A005";

/// The rule.
pub(crate) struct StillAmbiguous;

impl Rule for StillAmbiguous {
    fn check_annotation(
        &self,
        cx: &Context<'_>,
        image: &ImageCtx<'_>,
        a: usize,
        out: &mut Vec<Finding>,
    ) {
        let Some(ann) = annotation(cx, a) else { return };
        let label = cx.dataset.labels.name(ann.label);
        for name in &cx.settings.ambiguous_attributes {
            if ann
                .attributes
                .get(name)
                .is_some_and(labelkit_model::AttributeValue::is_truthy)
            {
                out.push(
                    Finding::annotation(
                        CODE,
                        image.pos,
                        a,
                        format!("`{label}` is still marked `{name}`"),
                    )
                    .help("decide: clear the mark, or delete the annotation"),
                );
                return;
            }
        }
        if let Some(score) = ann.score {
            if score < cx.settings.min_confidence {
                out.push(
                    Finding::annotation(
                        CODE,
                        image.pos,
                        a,
                        format!(
                            "`{label}` has confidence {score}, below {}",
                            cx.settings.min_confidence
                        ),
                    )
                    .help("confirm the annotation (score 1), or delete it"),
                );
            }
        }
    }
}
