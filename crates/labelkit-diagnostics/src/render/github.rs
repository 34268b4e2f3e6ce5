//! GitHub Actions workflow commands (`::error file=...::message`).

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{push_escaped, relative_path, unsafe_for_terminal, Place, RenderOptions};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceMap;

pub(super) fn render<W: Write + ?Sized>(
    out: &mut W,
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    options: &RenderOptions,
) -> io::Result<()> {
    let base = options.base();
    let mut line = String::new();
    for diag in diagnostics {
        line.clear();
        let command = match diag.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let place = Place::primary(diag, sources);
        let mut props: Vec<(&str, String)> = Vec::new();
        if let Some(path) = place.path {
            props.push(("file", relative_path(path, base.as_deref())));
        }
        if let (Some(start), Some(end)) = (place.start, place.end) {
            props.push(("line", start.line.to_string()));
            props.push(("col", start.column.to_string()));
            props.push(("endLine", end.line.to_string()));
            props.push(("endColumn", end.column.to_string()));
        }
        props.push(("title", format!("{} {}", diag.code, diag.name)));
        let _ = write!(line, "::{command} ");
        for (i, (key, value)) in props.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            let _ = write!(line, "{key}={}", escape_property(value));
        }
        line.push_str("::");
        line.push_str(&escape_data(&diag.message));
        if let Some(help) = &diag.help {
            line.push_str(&escape_data(&format!("\nhelp: {help}")));
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Escapes a command's message: `%`, `\r`, `\n` percent-encoded (GitHub
/// decodes them), other characters unsafe on a terminal (the command is a
/// line of the CI log) escaped as in the `full` output.
pub(crate) fn escape_data(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => s.push_str("%25"),
            '\r' => s.push_str("%0D"),
            '\n' => s.push_str("%0A"),
            c if unsafe_for_terminal(c) => push_escaped(&mut s, c),
            c => s.push(c),
        }
    }
    s
}

/// Escapes a command's property value: as [`escape_data`], plus `:` and `,`.
pub(crate) fn escape_property(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => s.push_str("%25"),
            '\r' => s.push_str("%0D"),
            '\n' => s.push_str("%0A"),
            ':' => s.push_str("%3A"),
            ',' => s.push_str("%2C"),
            c if unsafe_for_terminal(c) => push_escaped(&mut s, c),
            c => s.push(c),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_data("50% a:b,c\r\nd"), "50%25 a:b,c%0D%0Ad");
        assert_eq!(escape_property("50% a:b,c\r\nd"), "50%25 a%3Ab%2Cc%0D%0Ad");
        assert_eq!(escape_data("a\u{1b}[2J\u{202e}"), "a\\x1b[2J\\u{202e}");
        assert_eq!(escape_property("x\u{9b}y"), "x\\x9by");
    }
}
