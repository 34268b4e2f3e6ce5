//! SARIF 2.1.0, as GitHub code scanning reads it.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use super::{relative_path, Place, RenderOptions};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{LineCol, SourceMap};

/// The schema URI written in `$schema`.
pub(crate) const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    information_uri: &'static str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Properties::is_empty")]
    properties: Properties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Fingerprints {
    primary_location_line_hash: String,
}

#[derive(Serialize, Default)]
struct Properties {
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    annotation: Option<u64>,
}

impl Properties {
    fn is_empty(&self) -> bool {
        self.image.is_none() && self.annotation.is_none()
    }
}

/// The SARIF level of a severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub(super) fn render<W: Write + ?Sized>(
    out: &mut W,
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    options: &RenderOptions,
) -> io::Result<()> {
    let base = options.base();
    let base = base.as_deref();

    // One rule per distinct code, sorted by code; the first finding with a
    // code gives its name and level.
    let mut rule_of: BTreeMap<&str, &Diagnostic> = BTreeMap::new();
    for diag in diagnostics {
        rule_of.entry(diag.code.as_str()).or_insert(diag);
    }
    let index: HashMap<&str, usize> = rule_of.keys().enumerate().map(|(i, c)| (*c, i)).collect();
    let rules = rule_of
        .values()
        .map(|d| Rule {
            id: &d.code,
            name: &d.name,
            short_description: Text {
                text: if d.name.is_empty() {
                    d.code.clone()
                } else {
                    d.name.replace('-', " ")
                },
            },
            default_configuration: Configuration {
                level: level(d.severity),
            },
        })
        .collect();

    let mut seen: HashMap<u64, usize> = HashMap::new();
    let mut results = Vec::with_capacity(diagnostics.len());
    for diag in diagnostics {
        let place = Place::primary(diag, sources);
        let uri = place.path.map(|p| file_uri(p, base));
        let mut locations = Vec::new();
        if let Some(uri) = &uri {
            locations.push(Location {
                id: None,
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation { uri: uri.clone() },
                    region: region(place.start, place.end),
                },
                message: None,
            });
        }
        let related_locations = diag
            .secondary
            .iter()
            .enumerate()
            .filter_map(|(i, label)| {
                let place = Place::of_label(label, sources);
                let path = place.path?;
                Some(Location {
                    id: Some(i),
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation {
                            uri: file_uri(path, base),
                        },
                        region: region(place.start, place.end),
                    },
                    message: (!label.message.is_empty()).then(|| Text {
                        text: label.message.clone(),
                    }),
                })
            })
            .collect();

        let line_text = primary_line_text(diag, sources, place.start);
        let hash = line_hash(&diag.code, uri.as_deref().unwrap_or(""), &line_text);
        let n = seen.entry(hash).or_insert(0);
        *n += 1;

        let text = match &diag.help {
            Some(help) => format!("{}\nhelp: {help}", diag.message),
            None => diag.message.clone(),
        };
        results.push(SarifResult {
            rule_id: &diag.code,
            rule_index: index.get(diag.code.as_str()).copied().unwrap_or(0),
            level: level(diag.severity),
            message: Text { text },
            locations,
            related_locations,
            partial_fingerprints: Fingerprints {
                primary_location_line_hash: format!("{hash:016x}:{n}"),
            },
            properties: Properties {
                image: diag.image,
                annotation: diag.annotation,
            },
        });
    }

    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "labelkit",
                    version: options.version(),
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules,
                },
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log).map_err(io::Error::other)?;
    writeln!(out)
}

/// The region of a place; a place without a position is its file's line 1.
fn region(start: Option<LineCol>, end: Option<LineCol>) -> Region {
    match (start, end) {
        (Some(s), Some(e)) => Region {
            start_line: s.line,
            start_column: Some(s.column),
            end_line: Some(e.line),
            end_column: Some(e.column),
        },
        _ => Region {
            start_line: 1,
            start_column: None,
            end_line: None,
            end_column: None,
        },
    }
}

/// The text of the primary line, trimmed, or empty.
fn primary_line_text(diag: &Diagnostic, sources: &SourceMap, start: Option<LineCol>) -> String {
    let (Some(label), Some(start)) = (&diag.primary, start) else {
        return String::new();
    };
    let Some(file) = sources.get(label.file) else {
        return String::new();
    };
    let text = file.text();
    let (a, b) = file.line_index().line_range(text, start.line);
    let line = text.get(a..b).unwrap_or(&[]);
    // A huge minified line is hashed by the part around the span, which is
    // as stable as the line and far cheaper.
    let (a, b) = if line.len() > 4096 {
        let at = (label.span.start as usize).saturating_sub(a);
        (at.saturating_sub(512), (at + 512).min(line.len()))
    } else {
        (0, line.len())
    };
    String::from_utf8_lossy(line.get(a..b).unwrap_or(&[]))
        .trim()
        .to_owned()
}

/// FNV-1a (64 bits) of the code, path and line text: stable across runs,
/// platforms and versions.
fn line_hash(code: &str, path: &str, line: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [
        code.as_bytes(),
        b"\0",
        path.as_bytes(),
        b"\0",
        line.as_bytes(),
    ] {
        for &b in part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// A URI reference for a path: relative (with forward slashes) when the
/// path lies under `base` or is relative, else a `file://` URI; bytes
/// outside the URI's unreserved set and `/` are percent-encoded.
pub(crate) fn file_uri(path: &Path, base: Option<&Path>) -> String {
    let rel = relative_path(path, base);
    let absolute = path.is_absolute() && base.is_none_or(|b| path.strip_prefix(b).is_err());
    let mut uri = String::with_capacity(rel.len() + 8);
    if absolute {
        uri.push_str("file://");
        if !rel.starts_with('/') {
            uri.push('/');
        }
    }
    for (i, &b) in rel.as_bytes().iter().enumerate() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/')
            || (absolute && b == b':' && i == 1);
        if keep {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        let base = Path::new("/repo");
        assert_eq!(
            file_uri(Path::new("/repo/a b/c.json"), Some(base)),
            "a%20b/c.json"
        );
        assert_eq!(
            file_uri(Path::new("/x/c.json"), Some(base)),
            "file:///x/c.json"
        );
        assert_eq!(file_uri(Path::new("d:e%.txt"), None), "d%3Ae%25.txt");
        assert_eq!(file_uri(Path::new("é.txt"), None), "%C3%A9.txt");
    }

    #[test]
    fn hash_is_stable() {
        // A fixed value: changing the hash would reopen every alert on GitHub.
        assert_eq!(
            line_hash("G001", "a.json", "{}"),
            line_hash("G001", "a.json", "{}")
        );
        assert_ne!(
            line_hash("G001", "a.json", "{}"),
            line_hash("G002", "a.json", "{}")
        );
        assert_eq!(
            format!("{:016x}", line_hash("", "", "")),
            "08328807b4eb6fed"
        );
    }
}
