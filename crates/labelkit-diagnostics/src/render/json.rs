//! A JSON array of findings; the schema is documented in the module above.

use std::io::{self, Write};

use serde::Serialize;

use super::Place;
use crate::diagnostic::Diagnostic;
use crate::source::{LineCol, SourceMap};

#[derive(Serialize)]
struct Location {
    line: u32,
    column: u32,
}

impl From<LineCol> for Location {
    fn from(p: LineCol) -> Self {
        Self {
            line: p.line,
            column: p.column,
        }
    }
}

#[derive(Serialize)]
struct Secondary<'a> {
    filename: Option<String>,
    location: Option<Location>,
    end_location: Option<Location>,
    message: &'a str,
}

#[derive(Serialize)]
struct Item<'a> {
    code: &'a str,
    name: &'a str,
    severity: &'static str,
    message: &'a str,
    filename: Option<String>,
    location: Option<Location>,
    end_location: Option<Location>,
    image: Option<u64>,
    annotation: Option<u64>,
    help: Option<&'a str>,
    secondary: Vec<Secondary<'a>>,
}

pub(super) fn render<W: Write + ?Sized>(
    out: &mut W,
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
) -> io::Result<()> {
    let items: Vec<Item<'_>> = diagnostics
        .iter()
        .map(|diag| {
            let place = Place::primary(diag, sources);
            Item {
                code: &diag.code,
                name: &diag.name,
                severity: diag.severity.as_str(),
                message: &diag.message,
                filename: place.display_path().map(std::borrow::Cow::into_owned),
                location: place.start.map(Location::from),
                end_location: place.end.map(Location::from),
                image: diag.image,
                annotation: diag.annotation,
                help: diag.help.as_deref(),
                secondary: diag
                    .secondary
                    .iter()
                    .map(|label| {
                        let place = Place::of_label(label, sources);
                        Secondary {
                            filename: place.display_path().map(std::borrow::Cow::into_owned),
                            location: place.start.map(Location::from),
                            end_location: place.end.map(Location::from),
                            message: &label.message,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &items).map_err(io::Error::other)?;
    writeln!(out)
}
