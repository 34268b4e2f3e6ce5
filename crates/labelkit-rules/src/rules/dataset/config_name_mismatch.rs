//! # config-name-mismatch (D008)
//!
//! ## What it does
//! Reports a label name of the configuration (`[schema.parts]`,
//! `[schema.max-parts]`, `[[schema.companions]]`, `[keypoints.*]`) that
//! does not resolve to exactly one class of the dataset. Names match
//! ignoring case and treating `_`, `-` and space alike, so the preset's
//! `hand_left` matches a dataset's `Hand_Left` or `hand-left`; an exact
//! match wins. It warns about a name that matches no class but comes within
//! a few edits of one (one per four characters, at least one, at most
//! three) that no other name of the configuration uses (likely a
//! misspelling: the closest classes are named; `female` is not a
//! misspelling of a `Male` that `male` uses), reports an error for a name that matches two classes, and warns
//! when no name of the configuration matches any class. A name that
//! matches nothing and comes close to nothing is a class the dataset does
//! not have, and is not reported. The finding points at the name in the
//! configuration file, and is reported also when the pre-commit hook checks
//! a label file alone (the classes are the dataset's).
//!
//! ## Why it matters
//! A configuration name that resolves to nothing switches its rules off
//! without a word: an `eye` outside every face goes unreported because the
//! dataset spells it `Eye`.
//!
//! ## Example
//! ```text
//! labelkit.toml: eye = "face"        data.yaml: names: [Face, eyes]
//! -> configuration name `eye` matches no class of the dataset; closest: `eyes`
//! ```
//!
//! ## How to fix
//! Spell the name as the dataset does, or rename the class.
//!
//! ## Options
//! None.

use labelkit_diagnostics::Severity;

use crate::names::NameProblem;
use crate::rule::{Context, Finding, Rule};

/// The permanent code.
pub(crate) const CODE: &str = "D008";

/// The rule.
pub(crate) struct ConfigNameMismatch;

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Rule for ConfigNameMismatch {
    fn check_dataset(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for problem in &cx.name_problems {
            let f = match problem {
                NameProblem::NoMatch { name, closest } => Finding::dataset(
                    CODE,
                    format!(
                        "configuration name `{name}` matches no class of the dataset; closest: {}",
                        quoted(closest)
                    ),
                )
                .about_config_name(name),
                NameProblem::Ambiguous { name, matches } => Finding::dataset(
                    CODE,
                    format!(
                        "configuration name `{name}` matches {} classes of the dataset: {}; it is used for none",
                        matches.len(),
                        quoted(matches)
                    ),
                )
                .about_config_name(name)
                .with_severity(Severity::Error),
                NameProblem::NothingMatches { names, classes } => Finding::dataset(
                    CODE,
                    format!(
                        "none of the {names} label names of the configuration matches a class of the dataset (its classes include {})",
                        quoted(classes)
                    ),
                ),
            };
            out.push(f.help("spell the name as the dataset does, or rename the class"));
        }
    }
}
