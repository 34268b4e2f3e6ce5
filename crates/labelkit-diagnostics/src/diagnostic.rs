//! The diagnostic type shared by readers, rules and plugins.

use std::fmt;

use crate::source::{ByteSpan, FileId};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Informational.
    Info,
    /// Worth a look; does not fail a check.
    Warning,
    /// Fails a check (exit code 1).
    Error,
}

impl Severity {
    /// `info`, `warning` or `error`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }

    /// Parses `info`/`note`, `warning`/`warn`, `error`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.trim().to_ascii_lowercase().as_str() {
            "info" | "note" => Self::Info,
            "warning" | "warn" => Self::Warning,
            "error" => Self::Error,
            _ => return None,
        })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place in a file with an optional message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The file.
    pub file: FileId,
    /// The bytes pointed at.
    pub span: ByteSpan,
    /// What is at that place (may be empty).
    pub message: String,
}

impl Label {
    /// A label without a message.
    #[must_use]
    pub fn new(file: FileId, span: ByteSpan) -> Self {
        Self {
            file,
            span,
            message: String::new(),
        }
    }

    /// A label with a message.
    #[must_use]
    pub fn with_message(file: FileId, span: ByteSpan, message: impl Into<String>) -> Self {
        Self {
            file,
            span,
            message: message.into(),
        }
    }
}

/// One finding: a reader issue, a rule violation or a plugin finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Permanent code, e.g. `G001`.
    pub code: String,
    /// The rule's kebab-case name, e.g. `box-too-small`.
    pub name: String,
    /// Severity.
    pub severity: Severity,
    /// What is wrong, in lower case with no trailing period.
    pub message: String,
    /// Where; `None` for a finding about the dataset as a whole that has no
    /// position (it is then reported against `path`).
    pub primary: Option<Label>,
    /// Related places.
    pub secondary: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
    /// The file a finding without a primary label is about.
    pub path: Option<std::path::PathBuf>,
    /// The image the finding is about, by its id in the dataset.
    pub image: Option<u64>,
    /// The annotation the finding is about, by its id in the dataset.
    pub annotation: Option<u64>,
    /// Set by a reader that dropped input here (a row, shape, point,
    /// element or value left out of the dataset it read), as opposed to an
    /// issue it read through (a value read as a default, an id renumbered,
    /// a label it declared itself): a conversion counts these as input the
    /// reader had to skip, a material loss.
    pub skipped: bool,
}

impl Diagnostic {
    /// A diagnostic with a code, name, severity and message, and no position.
    #[must_use]
    pub fn new(
        code: impl Into<String>,
        name: impl Into<String>,
        severity: Severity,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code: code.into(),
            name: name.into(),
            severity,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: None,
            path: None,
            image: None,
            annotation: None,
            skipped: false,
        }
    }

    /// Marks the diagnostic as one where the reader dropped input (see
    /// the `skipped` field).
    #[must_use]
    pub fn skipped(mut self) -> Self {
        self.skipped = true;
        self
    }

    /// Sets the primary label.
    #[must_use]
    pub fn with_primary(mut self, label: Label) -> Self {
        self.primary = Some(label);
        self
    }

    /// Sets the primary position with no label message.
    #[must_use]
    pub fn at(mut self, file: FileId, span: ByteSpan) -> Self {
        self.primary = Some(Label::new(file, span));
        self
    }

    /// Adds a secondary label.
    #[must_use]
    pub fn with_secondary(mut self, label: Label) -> Self {
        self.secondary.push(label);
        self
    }

    /// Sets the help text.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the file of a finding without a position.
    #[must_use]
    pub fn with_path(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Records the image and annotation the finding is about.
    #[must_use]
    pub fn about(mut self, image: Option<u64>, annotation: Option<u64>) -> Self {
        self.image = image;
        self.annotation = annotation;
        self
    }
}
