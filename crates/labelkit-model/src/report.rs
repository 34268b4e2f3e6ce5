//! What a writer could not hold.

use std::collections::BTreeMap;
use std::fmt;

/// A count of everything a writer dropped or changed because the target
/// format cannot hold it, by what was lost.
///
/// The keys are short descriptions such as `"rotation of boxes"` or
/// `"attributes"`; a conversion prints the report, and `--strict` turns any
/// entry into an error.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WriteReport {
    losses: BTreeMap<String, u64>,
    /// Number of images written.
    pub images_written: u64,
    /// Number of annotations (rows, shapes) written.
    pub annotations_written: u64,
}

impl WriteReport {
    /// An empty report.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `count` losses of `what`.
    pub fn lose(&mut self, what: &str, count: u64) {
        if count > 0 {
            *self.losses.entry(what.to_owned()).or_insert(0) += count;
        }
    }

    /// Records one loss of `what`.
    pub fn lose_one(&mut self, what: &str) {
        self.lose(what, 1);
    }

    /// Adds another report's counts to this one.
    pub fn merge(&mut self, other: &WriteReport) {
        for (what, &n) in &other.losses {
            self.lose(what, n);
        }
        self.images_written += other.images_written;
        self.annotations_written += other.annotations_written;
    }

    /// Whether nothing was lost.
    #[must_use]
    pub fn is_lossless(&self) -> bool {
        self.losses.is_empty()
    }

    /// The losses, sorted by description.
    pub fn losses(&self) -> impl Iterator<Item = (&str, u64)> {
        self.losses.iter().map(|(k, &v)| (k.as_str(), v))
    }

    /// How many times `what` was lost.
    #[must_use]
    pub fn count(&self, what: &str) -> u64 {
        self.losses.get(what).copied().unwrap_or(0)
    }
}

impl fmt::Display for WriteReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "wrote {} images, {} annotations",
            self.images_written, self.annotations_written
        )?;
        if self.losses.is_empty() {
            return write!(f, "; nothing lost");
        }
        write!(f, "; the target format cannot hold:")?;
        for (what, n) in &self.losses {
            write!(f, "\n  {n} x {what}")?;
        }
        Ok(())
    }
}
