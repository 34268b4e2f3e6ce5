//! The one order of diagnostics: what the checker returns, what the
//! command prints and what the renderers expect.

use std::cmp::Ordering;
use std::path::Path;

use crate::{Diagnostic, SourceMap};

/// The file a diagnostic is about: its primary label's, else its path.
#[must_use]
pub fn diagnostic_path<'a>(d: &'a Diagnostic, sources: &'a SourceMap) -> Option<&'a Path> {
    d.primary
        .as_ref()
        .and_then(|l| sources.get(l.file))
        .map(crate::SourceFile::path)
        .or(d.path.as_deref())
}

/// The order of two diagnostics: by file path (findings without a file
/// first), then position in the file (findings without a position first
/// in their file; a span by its start, then its end), code, image id,
/// annotation id and message. It does not depend on the order rules ran
/// in.
#[must_use]
pub fn compare_diagnostics(a: &Diagnostic, b: &Diagnostic, sources: &SourceMap) -> Ordering {
    fn position(d: &Diagnostic) -> Option<(u32, u32)> {
        d.primary.as_ref().map(|l| (l.span.start, l.span.end))
    }
    diagnostic_path(a, sources)
        .cmp(&diagnostic_path(b, sources))
        .then_with(|| position(a).cmp(&position(b)))
        .then_with(|| a.code.cmp(&b.code))
        .then_with(|| a.image.cmp(&b.image))
        .then_with(|| a.annotation.cmp(&b.annotation))
        .then_with(|| a.message.cmp(&b.message))
}

/// Sorts diagnostics in the order of [`compare_diagnostics`]; diagnostics
/// equal in it keep their order.
pub fn sort_diagnostics(diagnostics: &mut [Diagnostic], sources: &SourceMap) {
    diagnostics.sort_by(|a, b| compare_diagnostics(a, b, sources));
}
