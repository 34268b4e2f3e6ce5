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

use labelkit_model::Annotation;

use crate::options::OptionDecl;
use crate::rule::{Context, Finding, ImageCtx, Rule};

/// The permanent code.
pub(crate) const CODE: &str = "A005";

/// `attributes`.
pub(crate) static ATTRIBUTES: OptionDecl = OptionDecl::strings(
    "attributes",
    &["ambiguous"],
    "attributes that mark a shape undecided when true",
);
/// `min-confidence`.
pub(crate) static MIN_CONFIDENCE: OptionDecl = OptionDecl::number(
    "min-confidence",
    0.5,
    "a shape with a lower score is flagged",
);
/// The options of the rule.
pub(crate) static OPTIONS: &[&OptionDecl] = &[&ATTRIBUTES, &MIN_CONFIDENCE];

/// The rule.
pub(crate) struct StillAmbiguous;

impl Rule for StillAmbiguous {
    fn check_annotation(
        &self,
        cx: &Context<'_>,
        image: &ImageCtx<'_>,
        a: usize,
        ann: &Annotation,
        out: &mut Vec<Finding>,
    ) {
        let label = cx.dataset.labels.name(ann.label);
        for name in &*cx.options.strings(&ATTRIBUTES) {
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
            let min = cx.options.number(&MIN_CONFIDENCE);
            if score < min {
                out.push(
                    Finding::annotation(
                        CODE,
                        image.pos,
                        a,
                        format!("`{label}` has confidence {score}, below {min}"),
                    )
                    .help("confirm the annotation (score 1), or delete it"),
                );
            }
        }
    }
}
