//! `path:line:col: CODE message`, one finding a line.

use std::io::{self, Write};

use super::style::{Painter, Style};
use super::{terminal_safe, Place, RenderOptions};
use crate::diagnostic::Diagnostic;
use crate::source::SourceMap;

pub(super) fn render<W: Write + ?Sized>(
    out: &mut W,
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    options: &RenderOptions,
) -> io::Result<()> {
    let p = Painter { on: options.color };
    for diag in diagnostics {
        let place = Place::primary(diag, sources);
        match (place.terminal_path(), place.start) {
            (Some(path), Some(start)) => write!(
                out,
                "{}:{}:{}: ",
                p.paint(Style::Bold, path),
                start.line,
                start.column
            )?,
            (Some(path), None) => write!(out, "{}: ", p.paint(Style::Bold, path))?,
            (None, _) => {}
        }
        writeln!(
            out,
            "{} {}",
            p.paint(Style::of(diag.severity), &diag.code),
            terminal_safe(&one_line(&diag.message))
        )?;
    }
    Ok(())
}

/// The message on one line: line breaks become spaces.
fn one_line(message: &str) -> std::borrow::Cow<'_, str> {
    if message.contains(['\n', '\r']) {
        std::borrow::Cow::Owned(message.replace("\r\n", " ").replace(['\n', '\r'], " "))
    } else {
        std::borrow::Cow::Borrowed(message)
    }
}
