//! ANSI colours for the human formats.

use std::fmt;

use crate::diagnostic::Severity;

/// A text style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// Bold only.
    Bold,
    /// Bold red: errors.
    Error,
    /// Bold yellow: warnings.
    Warning,
    /// Bold cyan: infos.
    Info,
    /// Bold blue: gutters, arrows, secondary underlines.
    Gutter,
}

impl Style {
    /// The style of a severity.
    pub(crate) fn of(severity: Severity) -> Self {
        match severity {
            Severity::Error => Self::Error,
            Severity::Warning => Self::Warning,
            Severity::Info => Self::Info,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Self::Bold => "\x1b[1m",
            Self::Error => "\x1b[1;31m",
            Self::Warning => "\x1b[1;33m",
            Self::Info => "\x1b[1;36m",
            Self::Gutter => "\x1b[1;34m",
        }
    }
}

/// Paints text when colours are on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Painter {
    pub(crate) on: bool,
}

impl Painter {
    /// `text` in `style`, or plain.
    pub(crate) fn paint<T: fmt::Display>(self, style: Style, text: T) -> Painted<T> {
        Painted {
            style: self.on.then_some(style),
            text,
        }
    }
}

/// Text with an optional style.
#[derive(Debug)]
pub(crate) struct Painted<T> {
    style: Option<Style>,
    text: T,
}

impl<T: fmt::Display> fmt::Display for Painted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.style {
            Some(style) => write!(f, "{}{}\x1b[0m", style.code(), self.text),
            None => self.text.fmt(f),
        }
    }
}
