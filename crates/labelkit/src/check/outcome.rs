//! What a check found: the findings, their files, a summary of each
//! target, statistics.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use labelkit_diagnostics::{Diagnostic, Loaded, Severity, SourceMap};

#[cfg(doc)]
use super::CheckRequest;
use super::Target;

/// What a check found.
#[derive(Debug)]
#[non_exhaustive]
pub struct CheckOutcome {
    /// The findings (rules and reader issues), sorted by file, position,
    /// code, image, annotation and message; one finding about a
    /// description read twice comes once; without those a baseline
    /// accepted.
    pub diagnostics: Vec<Diagnostic>,
    /// The files the findings point into, for [`crate::render()`].
    pub sources: SourceMap,
    /// Each target, in the order checked.
    pub targets: Vec<TargetSummary>,
    /// How many findings the baseline accepted.
    pub accepted_by_baseline: usize,
    /// The baseline written, with every finding in it, when one was asked
    /// for ([`CheckRequest::write_baseline`]).
    pub baseline_written: Option<PathBuf>,
}

impl CheckOutcome {
    /// How many findings are errors.
    #[must_use]
    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    /// Whether every path was skipped: nothing was checked.
    #[must_use]
    pub fn checked_nothing(&self) -> bool {
        self.targets
            .iter()
            .all(|t| matches!(t.target, Target::Skip { .. }))
    }

    /// A count per rule of the findings, most frequent first.
    #[must_use]
    pub fn statistics(&self) -> Statistics {
        Statistics::of(&self.diagnostics)
    }
}

/// One target of a check and what its reads held.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TargetSummary {
    /// The target.
    pub target: Target,
    /// What its reads held and what was found.
    pub counts: TargetCounts,
}

/// What the reads of one target held and what was found in them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TargetCounts {
    /// The images read (none for a description, whose dataset's images are
    /// not checked).
    pub images: usize,
    /// The annotations read (none for a description).
    pub annotations: usize,
    /// The classes (labels) the dataset declares as read (for label files,
    /// the most any of their reads declared).
    pub classes: usize,
    /// The label files checked ([`Target::LabelFiles`]) or read against a
    /// description ([`Target::Description`]); 0 for a dataset.
    pub label_files: usize,
    /// The findings, before duplicates and a baseline are taken out.
    pub findings: usize,
    /// Of those, errors.
    pub errors: usize,
}

impl TargetCounts {
    pub(super) fn add(&mut self, loaded: &Loaded, found: &[Diagnostic]) {
        self.images += loaded.dataset.images.len();
        self.annotations += loaded.dataset.annotations.len();
        self.classes = self.classes.max(loaded.dataset.labels.labels.len());
        self.findings += found.len();
        self.errors += found
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
    }
}

/// How many findings each rule made.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Statistics {
    /// Most frequent first, then by code and name.
    pub rules: Vec<RuleCount>,
}

/// The findings of one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RuleCount {
    /// The rule's code.
    pub code: String,
    /// The rule's name.
    pub name: String,
    /// How many findings.
    pub count: usize,
    /// The highest severity among them.
    pub severity: Severity,
}

impl Statistics {
    /// Counts `diagnostics` per rule.
    #[must_use]
    pub fn of(diagnostics: &[Diagnostic]) -> Self {
        let mut counts: BTreeMap<(&str, &str), (usize, Severity)> = BTreeMap::new();
        for d in diagnostics {
            let entry = counts
                .entry((d.code.as_str(), d.name.as_str()))
                .or_insert((0, d.severity));
            entry.0 += 1;
            entry.1 = entry.1.max(d.severity);
        }
        let mut rows: Vec<_> = counts.into_iter().collect();
        rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(&b.0)));
        Self {
            rules: rows
                .into_iter()
                .map(|((code, name), (count, severity))| RuleCount {
                    code: code.to_owned(),
                    name: name.to_owned(),
                    count,
                    severity,
                })
                .collect(),
        }
    }
}

/// One line a rule: `count  CODE  name (severity)`, the counts aligned.
impl fmt::Display for Statistics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .rules
            .iter()
            .map(|r| r.count.to_string().len())
            .max()
            .unwrap_or(1);
        for r in &self.rules {
            writeln!(
                f,
                "{:>width$}  {:<5} {} ({})",
                r.count, r.code, r.name, r.severity
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_sorts_by_count() {
        let d = |code: &str, sev| Diagnostic::new(code, format!("rule-{code}"), sev, "m");
        let stats = Statistics::of(&[
            d("G001", Severity::Error),
            d("A001", Severity::Warning),
            d("G001", Severity::Error),
        ]);
        assert_eq!(
            stats.to_string(),
            "2  G001  rule-G001 (error)\n1  A001  rule-A001 (warning)\n"
        );
        assert_eq!(stats.rules[0].count, 2);
        assert_eq!(stats.rules[1].severity, Severity::Warning);
    }
}
