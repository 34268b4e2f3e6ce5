//! Renderers: full, concise, json, sarif, github.

use crate::diagnostic::Diagnostic;
use crate::source::SourceMap;

/// The output formats of diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OutputFormat {
    /// A source window with a caret under the offending bytes.
    Full,
    /// `path:line:col: CODE message`, one line per finding.
    Concise,
    /// A JSON array of findings.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// GitHub workflow commands (`::error file=...`).
    Github,
}

/// Options shared by renderers.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RenderOptions {
    /// Use ANSI colours (full and concise only).
    pub color: bool,
    /// Tool version shown in SARIF.
    pub tool_version: String,
}

/// Renders diagnostics to a string.
#[must_use]
pub fn render(
    format: OutputFormat,
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    options: &RenderOptions,
) -> String {
    let _ = (format, diagnostics, sources, options);
    String::new()
}
