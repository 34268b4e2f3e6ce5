//! Renderers: `full`, `concise`, `json`, `sarif` and `github`.
//!
//! [`render`] turns diagnostics into text in one [`OutputFormat`];
//! [`render_to`] streams the same text to a writer. Diagnostics are printed in
//! the order given: call [`sort_diagnostics`](crate::sort_diagnostics)
//! first for the deterministic order labelkit promises (path, position,
//! code, image, annotation, message).
//!
//! Positions are 1-based lines and 1-based columns counted in characters
//! (Unicode scalar values), as [`LineIndex`](crate::LineIndex) computes them.
//! An end position is exclusive: it is the position of the character just
//! after the span.
//!
//! # `full`
//!
//! For people: a header, the file and position, a window of source with the
//! primary span underlined by `^` and secondary labels by `-`, then the help:
//!
//! ```text
//! error[G001]: box is 2.0x2.0 px, below the 3x3 minimum
//!  --> data/train.json:3:5
//!   |
//! 3 |     {"id": 7, "bbox": [10, 20, 2, 2]},
//!   |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ annotation 7
//!   |
//!   = help: stretch the box to at least 3x3 px or delete it
//! ```
//!
//! Lines longer than [`RenderOptions::max_line_width`] characters are cut to
//! a window around the span, with `...` where text was left out, so that a
//! minified one-line COCO file of many megabytes still renders readably.
//! Tabs are shown as four spaces and control characters as `�`. Colour
//! (ANSI escapes) is used only when [`RenderOptions::color`] is set.
//!
//! # `concise`
//!
//! One line per finding, in the manner of compilers and flake8:
//! `path:line:col: CODE message`, or `path: CODE message` for a finding
//! without a position, or `CODE message` for one without a file.
//!
//! # `json`
//!
//! A pretty-printed JSON array (`[]` when there is nothing), one object per
//! finding, in the order given. This is an API: fields are only ever added.
//!
//! ```text
//! [
//!   {
//!     "code": "G001",                 // permanent rule code
//!     "name": "box-too-small",        // kebab-case rule name
//!     "severity": "error",            // "error" | "warning" | "info"
//!     "message": "box is 2.0x2.0 px, below the 3x3 minimum",
//!     "filename": "data/train.json",  // string or null (path as given)
//!     "location": {"line": 3, "column": 5},      // or null: no position
//!     "end_location": {"line": 3, "column": 38}, // exclusive; or null
//!     "image": 1,                     // image id in the dataset, or null
//!     "annotation": 7,                // annotation id, or null
//!     "help": "stretch the box ...",  // string or null
//!     "secondary": [                  // related places, possibly empty
//!       {
//!         "filename": "data/train.json",
//!         "location": {"line": 2, "column": 5},
//!         "end_location": {"line": 2, "column": 40},
//!         "message": "image 1 declared here"   // may be ""
//!       }
//!     ]
//!   }
//! ]
//! ```
//!
//! # `sarif`
//!
//! A SARIF 2.1.0 log as GitHub code scanning reads it: one run whose
//! `tool.driver` is `labelkit` (with its version and information URI) and
//! lists one rule per distinct code used (sorted by code, with `id`, `name`,
//! `shortDescription` and `defaultConfiguration.level`). Each result has
//! `ruleId`, `ruleIndex`, `level` (`error`, `warning` or `note`),
//! `message.text` (the message, then `help: ...` on a new line),
//! `locations[0].physicalLocation` with a relative, forward-slash
//! `artifactLocation.uri` and a `region` (`startLine`, `startColumn`,
//! `endLine`, `endColumn`; columns in Unicode code points, declared by the
//! run's `columnKind`), secondary labels as `relatedLocations`, the image and
//! annotation ids in `properties`, and
//! `partialFingerprints.primaryLocationLineHash`: a hash of the code, the
//! path and the text of the primary line, followed by `:n` for the n-th
//! result with the same hash, so that it survives lines moving. A finding
//! about a whole file points at its line 1. Paths are made relative to
//! [`RenderOptions::base_dir`] (by default the current folder) when they lie
//! under it.
//!
//! # `github`
//!
//! GitHub Actions workflow commands, one per finding:
//! `::error file=path,line=L,col=C,endLine=L2,endColumn=C2,title=CODE name::message`.
//! Warnings use `::warning` and infos `::notice`. Per GitHub's rules, `%`,
//! `\r` and `\n` are escaped in the message and, additionally, `:` and `,`
//! in the properties.

mod concise;
mod full;
mod github;
mod json;
mod sarif;
mod style;

use std::borrow::Cow;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use crate::diagnostic::{Diagnostic, Label};
use crate::source::{LineCol, SourceMap};

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

impl OutputFormat {
    /// Every format, in the order they are documented.
    pub const ALL: [OutputFormat; 5] = [
        Self::Full,
        Self::Concise,
        Self::Json,
        Self::Sarif,
        Self::Github,
    ];

    /// The name used on the command line: `full`, `concise`, `json`,
    /// `sarif` or `github`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Concise => "concise",
            Self::Json => "json",
            Self::Sarif => "sarif",
            Self::Github => "github",
        }
    }

    /// Parses a name as printed by [`OutputFormat::as_str`] (ASCII case
    /// ignored).
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        let name = name.trim();
        Self::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(name))
    }
}

impl std::fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for OutputFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| {
            format!(
                "unknown output format {s:?}, expected one of: full, concise, json, sarif, github"
            )
        })
    }
}

/// The default of [`RenderOptions::max_line_width`].
pub const DEFAULT_MAX_LINE_WIDTH: usize = 120;

/// Options shared by renderers.
///
/// Build it with [`RenderOptions::new`] and the `with_*` methods; the type is
/// non-exhaustive so that options can be added.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RenderOptions {
    /// Use ANSI colours (full and concise only).
    pub color: bool,
    /// Tool version shown in SARIF; empty means this crate's version.
    pub tool_version: String,
    /// The folder SARIF and GitHub paths are made relative to; `None` means
    /// the current folder at render time.
    pub base_dir: Option<PathBuf>,
    /// Source lines longer than this many characters are cut to a window
    /// around the span in `full` output (at least 20 is used).
    pub max_line_width: usize,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            color: false,
            tool_version: String::new(),
            base_dir: None,
            max_line_width: DEFAULT_MAX_LINE_WIDTH,
        }
    }
}

impl RenderOptions {
    /// Default options: no colour, this crate's version, paths relative to
    /// the current folder, 120-character source windows.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Turns ANSI colours on or off.
    #[must_use]
    pub fn with_color(mut self, color: bool) -> Self {
        self.color = color;
        self
    }

    /// Sets the tool version reported in SARIF.
    #[must_use]
    pub fn with_tool_version(mut self, version: impl Into<String>) -> Self {
        self.tool_version = version.into();
        self
    }

    /// Sets the folder that SARIF and GitHub paths are relative to.
    #[must_use]
    pub fn with_base_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.base_dir = Some(dir.into());
        self
    }

    /// Sets the width beyond which source lines are cut in `full` output.
    #[must_use]
    pub fn with_max_line_width(mut self, width: usize) -> Self {
        self.max_line_width = width;
        self
    }

    /// The tool version to report.
    pub(crate) fn version(&self) -> &str {
        if self.tool_version.is_empty() {
            env!("CARGO_PKG_VERSION")
        } else {
            &self.tool_version
        }
    }

    /// The folder paths are made relative to.
    pub(crate) fn base(&self) -> Option<PathBuf> {
        self.base_dir
            .clone()
            .or_else(|| std::env::current_dir().ok())
    }
}

/// Renders diagnostics to a string, in the order given.
#[must_use]
pub fn render(
    format: OutputFormat,
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    options: &RenderOptions,
) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = render_to(&mut out, format, diagnostics, sources, options);
    match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// Renders diagnostics to a writer, in the order given.
///
/// # Errors
/// I/O errors of the writer.
pub fn render_to<W: Write + ?Sized>(
    out: &mut W,
    format: OutputFormat,
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    options: &RenderOptions,
) -> io::Result<()> {
    match format {
        OutputFormat::Full => full::render(out, diagnostics, sources, options),
        OutputFormat::Concise => concise::render(out, diagnostics, sources, options),
        OutputFormat::Json => json::render(out, diagnostics, sources),
        OutputFormat::Sarif => sarif::render(out, diagnostics, sources, options),
        OutputFormat::Github => github::render(out, diagnostics, sources, options),
    }
}

/// Where a label points, resolved for display.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place<'a> {
    /// The file's path as given, if known.
    pub(crate) path: Option<&'a Path>,
    /// Start position, when the span lies within the file's text.
    pub(crate) start: Option<LineCol>,
    /// Exclusive end position.
    pub(crate) end: Option<LineCol>,
}

impl<'a> Place<'a> {
    /// Resolves a label.
    pub(crate) fn of_label(label: &Label, sources: &'a SourceMap) -> Self {
        let Some(file) = sources.get(label.file) else {
            return Self {
                path: None,
                start: None,
                end: None,
            };
        };
        let text_len = file.text().len();
        // A span built by hand may have its ends swapped: order them.
        let (a, b) = (
            label.span.start.min(label.span.end),
            label.span.start.max(label.span.end),
        );
        let (start, end) = if (b as usize) <= text_len {
            (Some(file.line_col(a)), Some(file.line_col(b)))
        } else {
            (None, None)
        };
        Self {
            path: Some(file.path()),
            start,
            end,
        }
    }

    /// Resolves the primary place of a diagnostic: its primary label, or its
    /// `path` when it has none (or when the label's file is unknown).
    pub(crate) fn primary(diag: &'a Diagnostic, sources: &'a SourceMap) -> Self {
        let mut place = diag.primary.as_ref().map_or(
            Self {
                path: None,
                start: None,
                end: None,
            },
            |l| Self::of_label(l, sources),
        );
        if place.path.is_none() {
            place.path = diag.path.as_deref();
        }
        place
    }

    /// The path for display, `None` when unknown.
    pub(crate) fn display_path(&self) -> Option<Cow<'a, str>> {
        self.path.map(Path::to_string_lossy)
    }

    /// The path for a terminal: as [`Place::display_path`], escaped by
    /// [`terminal_safe`].
    pub(crate) fn terminal_path(&self) -> Option<String> {
        self.display_path().map(|p| terminal_safe(&p).into_owned())
    }
}

/// Whether `c` must not reach a terminal raw: C0 controls (escape
/// sequences start with ESC, line breaks forge lines), DEL, C1 controls
/// (U+009B is a one-character CSI) and the bidirectional embeddings,
/// overrides and isolates U+202A..U+202E, U+2066..U+2069, which reorder
/// the text after them.
pub(crate) fn unsafe_for_terminal(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Data-derived text (names, messages, paths) made safe to print on a
/// terminal: every character of [`unsafe_for_terminal`] is written as an
/// escape, `\n`, `\r`, `\t`, `\x1b` or `\u{202e}`. The `full` and
/// `concise` renderers print through it; `json` and `sarif` are escaped by
/// serde, `github` by its own percent-encoding first.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unsafe_for_terminal) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_for_terminal(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Appends `c` as the escape [`terminal_safe`] writes for it.
pub(crate) fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if u32::from(c) < 0x100 => out.push_str(&format!("\\x{:02x}", u32::from(c))),
        c => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
    }
}

/// A path relative to `base` when it lies under it, with forward slashes
/// and without leading `./`; an absolute path outside `base` stays absolute
/// (with forward slashes).
pub(crate) fn relative_path(path: &Path, base: Option<&Path>) -> String {
    let rel: Cow<'_, Path> = match base {
        Some(base) if path.is_absolute() => match path.strip_prefix(base) {
            Ok(p) => Cow::Borrowed(p),
            Err(_) => Cow::Borrowed(path),
        },
        _ => Cow::Borrowed(path),
    };
    let mut parts: Vec<Cow<'_, str>> = Vec::new();
    let mut absolute = false;
    let mut prefix = String::new();
    for component in rel.components() {
        match component {
            Component::Prefix(p) => prefix = p.as_os_str().to_string_lossy().replace('\\', "/"),
            Component::RootDir => absolute = true,
            Component::CurDir => {}
            Component::ParentDir => parts.push(Cow::Borrowed("..")),
            Component::Normal(part) => parts.push(part.to_string_lossy()),
        }
    }
    let joined = parts.join("/");
    // A relative path written with backslashes on a platform that does not
    // separate on them still gets forward slashes.
    let joined = joined.replace('\\', "/");
    if absolute {
        format!("{prefix}/{joined}")
    } else {
        format!("{prefix}{joined}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in OutputFormat::ALL {
            assert_eq!(OutputFormat::parse(f.as_str()), Some(f));
            assert_eq!(f.to_string().parse::<OutputFormat>(), Ok(f));
        }
        assert_eq!(OutputFormat::parse(" SARIF "), Some(OutputFormat::Sarif));
        assert!("xml".parse::<OutputFormat>().is_err());
    }

    #[test]
    fn terminal_safe_escapes_controls_and_bidi_overrides() {
        assert_eq!(terminal_safe("plain name ü"), "plain name ü");
        assert_eq!(
            terminal_safe("a\u{1b}[31mb\nc\r\td\u{7f}\u{9b}e\u{202e}f\u{2066}"),
            "a\\x1b[31mb\\nc\\r\\td\\x7f\\x9be\\u{202e}f\\u{2066}"
        );
        assert!(matches!(terminal_safe("ok"), Cow::Borrowed(_)));
    }

    #[test]
    fn relative_paths() {
        let base = Path::new("/work/repo");
        assert_eq!(
            relative_path(Path::new("/work/repo/data/a.json"), Some(base)),
            "data/a.json"
        );
        assert_eq!(
            relative_path(Path::new("/elsewhere/a.json"), Some(base)),
            "/elsewhere/a.json"
        );
        assert_eq!(relative_path(Path::new("./x/y.txt"), Some(base)), "x/y.txt");
        assert_eq!(relative_path(Path::new("../x/y.txt"), None), "../x/y.txt");
        assert_eq!(relative_path(Path::new("a\\b.txt"), None), "a/b.txt");
    }
}
