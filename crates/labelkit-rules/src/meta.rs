//! What the registry knows about a rule: its permanent code, name, family,
//! default severity, status and documentation.

use labelkit_diagnostics::Severity;

/// The life cycle of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleStatus {
    /// Runs when selected by any matching prefix (the default set is every
    /// stable rule).
    Stable,
    /// Runs only when selected by its full code.
    Preview,
    /// Still runs when selected, but is going away; its code stays reserved.
    Deprecated,
    /// Never runs; the code is kept so that it is never reused.
    Removed,
}

impl RuleStatus {
    /// `stable`, `preview`, `deprecated` or `removed`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stable => "stable",
            Self::Preview => "preview",
            Self::Deprecated => "deprecated",
            Self::Removed => "removed",
        }
    }
}

/// Metadata of one rule: built-in, reader issue or plugin rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMeta {
    /// Permanent code, e.g. `G001`.
    pub code: String,
    /// Kebab-case name, e.g. `box-too-small`.
    pub name: String,
    /// Family: `read`, `geometry`, `ambiguity`, `keypoints`, `dataset`,
    /// `labelkit`, or the plugin's name.
    pub family: String,
    /// Severity when no override applies.
    pub default_severity: Severity,
    /// Life cycle status.
    pub status: RuleStatus,
    /// Markdown documentation with the headings `What it does`, `Why it
    /// matters`, `Example`, `How to fix` and `Options`.
    pub doc: String,
}

impl RuleMeta {
    /// A rule description.
    #[must_use]
    pub fn new(
        code: impl Into<String>,
        name: impl Into<String>,
        family: impl Into<String>,
        default_severity: Severity,
        status: RuleStatus,
        doc: impl Into<String>,
    ) -> Self {
        Self {
            code: code.into(),
            name: name.into(),
            family: family.into(),
            default_severity,
            status,
            doc: doc.into(),
        }
    }

    /// The one-line summary: the first paragraph under `What it does`.
    #[must_use]
    pub fn summary(&self) -> &str {
        let body = section(&self.doc, "What it does").unwrap_or(&self.doc);
        let body = body.trim_start();
        let end = body.find("\n\n").unwrap_or(body.len());
        body[..end].trim()
    }
}

/// The headings every rule document carries, in order.
pub const DOC_HEADINGS: [&str; 5] = [
    "What it does",
    "Why it matters",
    "Example",
    "How to fix",
    "Options",
];

/// The text of the `## heading` section of a rule document, up to the next
/// `## ` heading.
#[must_use]
pub fn section<'a>(doc: &'a str, heading: &str) -> Option<&'a str> {
    section_range(doc, heading).and_then(|r| doc.get(r))
}

/// Where the text of the `## heading` section of a rule document lies in
/// it: from the line after the heading up to the next `## ` heading.
pub(crate) fn section_range(doc: &str, heading: &str) -> Option<std::ops::Range<usize>> {
    let mut offset = 0;
    let mut start = None;
    for line in doc.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if let Some(title) = trimmed.strip_prefix("## ") {
            if let Some(s) = start {
                return Some(s..offset);
            }
            if title.trim() == heading {
                start = Some(offset + line.len());
            }
        }
        offset += line.len();
    }
    start.map(|s| s..doc.len())
}

/// Extracts the leading `//!` block of a Rust source file as Markdown.
#[must_use]
pub fn extract_module_doc(source: &str) -> String {
    let mut out = String::new();
    for line in source.lines() {
        let line = line.trim_start();
        if let Some(rest) = line.strip_prefix("//!") {
            out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
            out.push('\n');
        } else if line.is_empty() && out.is_empty() {
            continue;
        } else {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_and_summary() {
        let doc = "# x\n\n## What it does\nFlags boxes.\n\nMore.\n\n## Why it matters\nBecause.\n";
        assert_eq!(section(doc, "Why it matters"), Some("Because.\n"));
        assert_eq!(
            section(doc, "What it does"),
            Some("Flags boxes.\n\nMore.\n\n")
        );
        let meta = RuleMeta::new("G1", "n", "f", Severity::Error, RuleStatus::Stable, doc);
        assert_eq!(meta.summary(), "Flags boxes.");
        assert_eq!(
            extract_module_doc("//! a\n//!\n//! b\nuse x;\n//! c"),
            "a\n\nb\n"
        );
    }
}
