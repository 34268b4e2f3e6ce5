//! `labelkit.toml`: the label schema, keypoint schemas, rule selection and
//! rule options.
//!
//! ```toml
//! select = ["G", "A", "K", "D", "F"]   # default: every stable rule
//! extend-select = []
//! ignore = ["D001"]
//!
//! [per-file-ignores]
//! "val/**" = ["A005"]
//!
//! [severity]
//! G004 = "error"
//!
//! [schema]
//! part-tolerance = 2.0       # pixels a part may stick out of its parent
//! companion-iou = 0.9        # default IoU for companion matching
//! companion-edge-tolerance = 1.5  # or: every edge within this many pixels
//!
//! [schema.parts]             # part = parent label(s)
//! eye = "face"
//! face = "head"
//! head = ["body", "body_with_wheelchair"]
//!
//! [schema.max-parts]         # most parts of a label inside one parent
//! face = { eye = 2, nose = 1 }
//!
//! [[schema.companions]]      # each `body` carries exactly one of these
//! object = "body"
//! one-of = ["adult", "child"]
//! required = true            # or "error", "warning", "info"; false or
//!                            # "off": at most one, none is fine
//! iou = 0.9                  # optional, else schema.companion-iou
//! edge-tolerance = 1.5       # optional, else schema.companion-edge-tolerance
//!
//! [keypoints.person]         # or: preset = "coco-person"
//! names = ["left_eye", "right_eye", "nose"]
//! flip-pairs = [[0, 1]]      # optional, inferred from the names
//!
//! [rules.box-too-small]      # options of a rule, by its name, as the rule
//!                            # declares them (`labelkit rule CODE` lists them)
//! min-width = 3.0
//!
//! [plugins.my-plugin]        # handed to the plugin as it is
//! path = "target/release/libmy_plugin.so"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use labelkit_diagnostics::{LineIndex, Severity};
use labelkit_model::KeypointSchema;
use serde::Deserialize;
use toml::Spanned;

use crate::options::{RawRules, RuleOptions};

/// The name of the configuration file.
pub const CONFIG_FILE_NAME: &str = "labelkit.toml";

/// A configuration that cannot be read or is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: cannot read: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        message: String,
    },
    /// The file is not valid TOML or has an invalid value.
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: u32,
        /// 1-based column (0 when unknown).
        column: u32,
        /// What was expected.
        message: String,
    },
}

/// `part` lies inside a box of one of `parents`.
#[derive(Debug, Clone, PartialEq)]
pub struct PartRule {
    /// The part label.
    pub part: String,
    /// Its possible parent labels.
    pub parents: Vec<String>,
}

/// Boxes that label the same object as an `object` box: at most one of
/// `one_of` with near-identical geometry, and exactly one when `required`.
#[derive(Debug, Clone, PartialEq)]
pub struct CompanionGroup {
    /// The object label, e.g. `body`.
    pub object: String,
    /// The mutually exclusive companion labels, e.g. `adult`, `child`.
    pub one_of: Vec<String>,
    /// Whether one of them is required, and the severity of a missing one
    /// (`missing-companion`, A003); `None`: at most one, none is fine.
    pub required: Option<Severity>,
    /// The IoU at which a companion box labels the object.
    pub iou: f64,
    /// A companion box also labels the object when each of its four edges
    /// lies within this many pixels of the object's (1.5): tiny boxes
    /// drawn roughly right fail any useful IoU threshold.
    pub edge_tolerance: f64,
}

/// At most `max` shapes of label `part` inside one shape of `parent`
/// (`too-many-parts`, A007).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartLimit {
    /// The parent label, e.g. `face`.
    pub parent: String,
    /// The part label, e.g. `eye`.
    pub part: String,
    /// The most parts one parent may hold.
    pub max: u32,
}

/// The label schema: parts and companions.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelSchema {
    /// What is a part of what.
    pub parts: Vec<PartRule>,
    /// Pixels a part may stick out of its parent (2.0).
    pub part_tolerance: f64,
    /// Companion groups.
    pub companions: Vec<CompanionGroup>,
    /// The most parts of a label per parent, sorted by parent, then part.
    pub max_parts: Vec<PartLimit>,
}

impl Default for LabelSchema {
    fn default() -> Self {
        Self {
            parts: Vec::new(),
            part_tolerance: 2.0,
            companions: Vec::new(),
            max_parts: Vec::new(),
        }
    }
}

/// The default of `schema.companion-edge-tolerance`, in pixels.
pub const DEFAULT_EDGE_TOLERANCE: f64 = 1.5;

/// The configuration of a check.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct Config {
    /// The file it was read from.
    pub path: Option<PathBuf>,
    /// Code prefixes to select; `None` selects every stable rule.
    pub select: Option<Vec<String>>,
    /// Code prefixes added to the selection.
    pub extend_select: Vec<String>,
    /// Code prefixes to ignore.
    pub ignore: Vec<String>,
    /// Glob -> code prefixes ignored in matching files, sorted by glob.
    pub per_file_ignores: Vec<(String, Vec<String>)>,
    /// Code prefix -> severity, sorted by prefix.
    pub severity: Vec<(String, Severity)>,
    /// The label schema.
    pub schema: LabelSchema,
    /// Keypoint schemas by label name, sorted by name.
    pub keypoints: Vec<(String, KeypointSchema)>,
    /// The options of the built-in rules, as `[rules.<rule-name>]` tables
    /// set them, else their defaults (each rule declares its own).
    pub options: RuleOptions,
    /// `[plugins.<name>]` tables, as written.
    pub plugins: BTreeMap<String, toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    select: Option<Vec<String>>,
    #[serde(default)]
    extend_select: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    per_file_ignores: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    severity: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    schema: RawSchema,
    #[serde(default)]
    keypoints: BTreeMap<String, Spanned<RawKeypoints>>,
    #[serde(default)]
    rules: RawRules,
    #[serde(default)]
    plugins: BTreeMap<String, toml::Value>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSchema {
    part_tolerance: Option<f64>,
    companion_iou: Option<f64>,
    companion_edge_tolerance: Option<f64>,
    #[serde(default)]
    parts: BTreeMap<String, OneOrMany>,
    #[serde(default)]
    companions: Vec<RawCompanion>,
    #[serde(default)]
    max_parts: BTreeMap<String, BTreeMap<String, u32>>,
}

/// `required = true | false | "error" | "warning" | "info" | "off"`.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawRequired {
    Flag(bool),
    Level(String),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCompanion {
    object: String,
    one_of: Spanned<Vec<String>>,
    required: Option<Spanned<RawRequired>>,
    iou: Option<f64>,
    edge_tolerance: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawKeypoints {
    preset: Option<Spanned<String>>,
    names: Option<Vec<String>>,
    edges: Option<Spanned<Vec<[usize; 2]>>>,
    flip_pairs: Option<Spanned<Vec<[usize; 2]>>>,
}

/// The start of the key whose value starts at `value`: back over `=` and
/// blanks, then over a quoted or bare key.
fn key_before(text: &str, value: usize) -> Option<usize> {
    let before = text.get(..value)?.trim_end_matches([' ', '\t']);
    let before = before.strip_suffix('=')?.trim_end_matches([' ', '\t']);
    let end = before.len();
    if let Some(quote) = before
        .chars()
        .next_back()
        .filter(|&c| c == '"' || c == '\'')
    {
        return before[..end - 1].rfind(quote);
    }
    let key = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .map_or(0, |i| i + 1);
    (key < end).then_some(key)
}

/// The position of a table's name in its `[header]`, from the table's
/// span; the start of the span when it is not a header (an inline table).
fn header_name(text: &str, table: std::ops::Range<usize>) -> Option<usize> {
    let opening = text
        .get(table.clone())?
        .bytes()
        .take_while(|&b| b == b'[')
        .count();
    Some(table.start + opening)
}

impl Config {
    /// Finds `labelkit.toml` in `start` (or its folder, when `start` is a
    /// file) or the nearest folder above, and reads it.
    ///
    /// # Errors
    /// The file found cannot be read or is invalid.
    pub fn discover(start: &Path) -> Result<Option<(PathBuf, Config)>, ConfigError> {
        let Some(candidate) = Self::find(start) else {
            return Ok(None);
        };
        let text = std::fs::read_to_string(&candidate).map_err(|e| ConfigError::Io {
            path: candidate.clone(),
            message: e.to_string(),
        })?;
        let config = Self::from_toml_str(&text, &candidate)?;
        Ok(Some((candidate, config)))
    }

    /// Where [`Config::discover`] would read from: `labelkit.toml` in
    /// `start` (or its folder, when `start` is a file) or the nearest folder
    /// above, as an absolute path. For callers that need the file's bytes
    /// themselves (to check them against a trust list before using them).
    #[must_use]
    pub fn find(start: &Path) -> Option<PathBuf> {
        let start = if start.is_file() {
            // `a.txt` has the parent ``: the current folder.
            start
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
        } else {
            start
        };
        let absolute = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
        absolute
            .ancestors()
            .map(|dir| dir.join(CONFIG_FILE_NAME))
            .find(|candidate| candidate.is_file())
    }

    /// Reads a configuration from TOML text; `path` is used in errors and
    /// to resolve per-file ignores.
    ///
    /// # Errors
    /// Invalid TOML, an unknown key, or an invalid value, with its line and
    /// column.
    pub fn from_toml_str(text: &str, path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        let path = path.as_ref();
        let invalid_at = |offset: Option<usize>, message: String| {
            // A file past 4 GiB has offsets `LineIndex` cannot take: its
            // position is unknown (0:0) rather than a wrong one.
            let (line, column) = offset
                .and_then(|o| u32::try_from(o).ok())
                .map_or((0, 0), |o| {
                    let lc = LineIndex::new(text.as_bytes()).line_col(text.as_bytes(), o);
                    (lc.line, lc.column)
                });
            ConfigError::Invalid {
                path: path.to_path_buf(),
                line,
                column,
                message,
            }
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            invalid_at(
                e.span().map(|s| s.start),
                e.message().trim_end().trim_end_matches('.').to_owned(),
            )
        })?;
        // Positions for errors found after parsing, from the spans `toml`
        // recorded: the text of a string value (inside its quotes), the key
        // of a value, the name in a table's header.
        let inside_quotes = |span: std::ops::Range<usize>| {
            let quotes = text.get(span.clone()).map_or(0, |v| {
                v.bytes()
                    .take(3)
                    .take_while(|&b| b == b'"' || b == b'\'')
                    .count()
            });
            Some(span.start + quotes)
        };
        let key_of = |span: std::ops::Range<usize>| key_before(text, span.start);
        let mut config = Config {
            path: Some(path.to_path_buf()),
            select: raw.select,
            extend_select: raw.extend_select,
            ignore: raw.ignore,
            per_file_ignores: raw.per_file_ignores.into_iter().collect(),
            ..Config::default()
        };
        for (prefix, value) in raw.severity {
            let span = value.span();
            let value = value.into_inner();
            let severity = Severity::parse(&value).ok_or_else(|| {
                invalid_at(
                    inside_quotes(span),
                    format!("severity of `{prefix}`: expected `error`, `warning` or `info`, found `{value}`"),
                )
            })?;
            config.severity.push((prefix, severity));
        }
        let companion_iou = raw.schema.companion_iou.unwrap_or(0.9);
        let edge_tolerance = raw
            .schema
            .companion_edge_tolerance
            .unwrap_or(DEFAULT_EDGE_TOLERANCE);
        config.schema.part_tolerance = raw.schema.part_tolerance.unwrap_or(2.0);
        for (part, parents) in raw.schema.parts {
            let parents = match parents {
                OneOrMany::One(p) => vec![p],
                OneOrMany::Many(p) => p,
            };
            config.schema.parts.push(PartRule { part, parents });
        }
        for c in raw.schema.companions {
            let one_of_span = c.one_of.span();
            let one_of = c.one_of.into_inner();
            if one_of.is_empty() {
                return Err(invalid_at(
                    key_of(one_of_span),
                    format!("companions of `{}`: `one-of` is empty", c.object),
                ));
            }
            let required_at = c.required.as_ref().map(Spanned::span);
            let required = match c.required.map(Spanned::into_inner) {
                None | Some(RawRequired::Flag(true)) => Some(Severity::Error),
                Some(RawRequired::Flag(false)) => None,
                Some(RawRequired::Level(level)) if level == "off" => None,
                Some(RawRequired::Level(level)) => {
                    Some(Severity::parse(&level).ok_or_else(|| {
                        invalid_at(
                            required_at.map(|span| span.start),
                            format!(
                                "companions of `{}`: `required` expects true, false, `error`, `warning`, `info` or `off`, found `{level}`",
                                c.object
                            ),
                        )
                    })?)
                }
            };
            config.schema.companions.push(CompanionGroup {
                object: c.object,
                one_of,
                required,
                iou: c.iou.unwrap_or(companion_iou),
                edge_tolerance: c.edge_tolerance.unwrap_or(edge_tolerance),
            });
        }
        for (parent, parts) in raw.schema.max_parts {
            for (part, max) in parts {
                config.schema.max_parts.push(PartLimit {
                    parent: parent.clone(),
                    part,
                    max,
                });
            }
        }
        for (label, k) in raw.keypoints {
            let table = k.span();
            let k = k.into_inner();
            let mut schema = match (&k.preset, &k.names) {
                (Some(preset), None) => match preset.get_ref().as_str() {
                    "coco-person" => KeypointSchema::coco_person(),
                    other => {
                        return Err(invalid_at(
                            inside_quotes(preset.span()),
                            format!("keypoints of `{label}`: unknown preset `{other}`, expected `coco-person`"),
                        ))
                    }
                },
                (None, Some(names)) => KeypointSchema::from_names(names.iter().cloned()),
                _ => {
                    return Err(invalid_at(
                        header_name(text, table),
                        format!("keypoints of `{label}`: expected either `preset` or `names`"),
                    ))
                }
            };
            let n = schema.len();
            let check = |pairs: &Spanned<Vec<[usize; 2]>>, what: &str| {
                if pairs.get_ref().iter().flatten().any(|&i| i >= n) {
                    Err(invalid_at(
                        key_of(pairs.span()),
                        format!("keypoints of `{label}`: `{what}` index out of range 0..{n}"),
                    ))
                } else {
                    Ok(())
                }
            };
            if let Some(edges) = k.edges {
                check(&edges, "edges")?;
                schema.edges = edges.get_ref().iter().map(|e| (e[0], e[1])).collect();
            }
            if let Some(pairs) = k.flip_pairs {
                check(&pairs, "flip-pairs")?;
                schema.flip_pairs = pairs.get_ref().iter().map(|e| (e[0], e[1])).collect();
            }
            config.keypoints.push((label, schema));
        }
        config.options = raw.rules.resolve();
        config.plugins = raw.plugins;
        Ok(config)
    }

    /// The folder of the configuration file, against which per-file ignore
    /// globs are matched.
    #[must_use]
    pub fn root(&self) -> Option<&Path> {
        self.path.as_deref().and_then(Path::parent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::OptionValue;

    #[test]
    fn errors_carry_line_and_column() {
        let err = Config::from_toml_str(
            "select = [\"G\"]\n\n[schema]\nbogus = 1\n",
            "x/labelkit.toml",
        )
        .unwrap_err();
        match err {
            ConfigError::Invalid {
                line,
                column,
                message,
                ..
            } => {
                assert_eq!((line, column), (4, 1));
                assert!(message.contains("bogus"), "{message}");
            }
            ConfigError::Io { .. } => panic!("unexpected io error"),
        }
        let err = Config::from_toml_str(
            "[[schema.companions]]\nobject = \"body\"\none-of = [\"male\"]\nrequired = \"maybe\"\n",
            "l.toml",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "l.toml:4:12: companions of `body`: `required` expects true, false, `error`, `warning`, `info` or `off`, found `maybe`"
        );
        let err = Config::from_toml_str("[severity]\nG001 = \"loud\"\n", "l.toml").unwrap_err();
        assert_eq!(
            err.to_string(),
            "l.toml:2:9: severity of `G001`: expected `error`, `warning` or `info`, found `loud`"
        );
    }

    /// Errors found after parsing point at the entry that holds the bad
    /// value, from `toml`'s spans, not at the first place the same key or
    /// text appears in the file.
    #[test]
    fn errors_point_at_the_entry_not_the_first_match() {
        let at = |text: &str| {
            Config::from_toml_str(text, "l.toml")
                .unwrap_err()
                .to_string()
        };
        // The second of two companion groups has the empty `one-of`.
        assert_eq!(
            at(
                "[[schema.companions]]\nobject = \"body\"\none-of = [\"adult\"]\n\n\
                [[schema.companions]]\nobject = \"head\"\n  one-of = []\n"
            ),
            "l.toml:7:3: companions of `head`: `one-of` is empty"
        );
        // `edges` in two keypoint tables; the second is out of range.
        assert_eq!(
            at("[keypoints.a]\nnames = [\"l\", \"r\"]\nedges = [[0, 1]]\n\
                [keypoints.b]\nnames = [\"l\", \"r\"]\nedges = [[0, 2]]\n"),
            "l.toml:6:1: keypoints of `b`: `edges` index out of range 0..2"
        );
        // The same severity text twice, valid in a comment first.
        assert_eq!(
            at("# G002 = \"loud\" would be refused\n[severity]\nG001 = \"info\"\nG002 = 'loud'\n"),
            "l.toml:4:9: severity of `G002`: expected `error`, `warning` or `info`, found `loud`"
        );
        // A preset named in a comment before the table that uses it.
        assert_eq!(
            at("# preset = \"coco-hand\"\n[keypoints.hand]\npreset = \"coco-hand\"\n"),
            "l.toml:3:11: keypoints of `hand`: unknown preset `coco-hand`, expected `coco-person`"
        );
        // A table with neither `preset` nor `names`, named in a comment first.
        assert_eq!(
            at("# [keypoints.face] needs names\n[keypoints.face]\nedges = []\n"),
            "l.toml:2:2: keypoints of `face`: expected either `preset` or `names`"
        );
        // Two `required` values; the second is invalid.
        assert_eq!(
            at("[[schema.companions]]\nobject = \"a\"\none-of = [\"b\"]\nrequired = \"info\"\n\
                [[schema.companions]]\nobject = \"c\"\none-of = [\"d\"]\nrequired = \"info!\"\n"),
            "l.toml:8:12: companions of `c`: `required` expects true, false, `error`, `warning`, `info` or `off`, found `info!`"
        );
    }

    /// `[rules.<rule-name>]` tables are checked against the options each
    /// rule declares: an unknown rule or option, a value of the wrong type
    /// and a missing value each name the place in the file.
    #[test]
    fn rule_option_errors_name_the_entry() {
        let at = |text: &str| {
            Config::from_toml_str(text, "l.toml")
                .unwrap_err()
                .to_string()
        };
        let cases = [
            "[rules.bogus]\nx = 1\n",
            "[rules.degenerate-shape]\n",
            "[rules.box-too-small]\nmin-width = 3\nbogus = 1\n",
            "[rules.box-too-small]\nmin-width = \"x\"\n",
            "[rules.box-too-small]\nmin-height = true\n",
            "[rules.template-box]\nwidth = [1]\n",
            "[rules.too-few-labels]\nmin-count = 3.5\n",
            "[rules.too-few-labels]\nmin-count = -1\n",
            "[rules.too-few-labels]\n",
            "[rules.shape-outside-image]\nbogus = 1\n",
            "[rules.still-ambiguous]\nattributes = \"x\"\n",
            "[rules.still-ambiguous]\nattributes = [\"a\", 1]\n",
            "[rules.still-ambiguous]\nmin-confidence = {}\n",
            "[rules.absent-point-with-coordinates]\n",
            "[rules]\nnear-duplicate = { iou = \"high\" }\n",
            "[rules.left-right-swap]\nmin-separation = 1979-05-27\n",
            "[rules.keypoint-outside]\ntolerance = 1\nbogus = 2\n",
        ];
        // The messages and places of the serde structs these tables were
        // read into before each rule declared its options.
        let expected = [
            "l.toml:1:8: unknown field `bogus`, expected one of `box-too-small`, `shape-outside-image`, `template-box`, `near-duplicate`, `still-ambiguous`, `absent-point-with-coordinates`, `left-right-swap`, `keypoint-outside`, `too-few-labels`",
            "l.toml:1:8: unknown field `degenerate-shape`, expected one of `box-too-small`, `shape-outside-image`, `template-box`, `near-duplicate`, `still-ambiguous`, `absent-point-with-coordinates`, `left-right-swap`, `keypoint-outside`, `too-few-labels`",
            "l.toml:3:1: unknown field `bogus`, expected `min-width` or `min-height`",
            "l.toml:2:13: invalid type: string \"x\", expected f64",
            "l.toml:2:14: invalid type: boolean `true`, expected f64",
            "l.toml:2:9: invalid type: sequence, expected f64",
            "l.toml:2:13: invalid type: floating point `3.5`, expected u64",
            "l.toml:2:13: invalid value: integer `-1`, expected u64",
            "l.toml:1:1: missing field `min-count`",
            "l.toml:2:1: unknown field `bogus`, expected `tolerance`",
            "l.toml:2:14: invalid type: string \"x\", expected a sequence",
            "l.toml:2:20: invalid type: integer `1`, expected a string",
            "l.toml:2:18: invalid type: map, expected f64",
            "l.toml:1:1: missing field `ignore-formats`",
            "l.toml:2:26: invalid type: string \"high\", expected f64",
            "l.toml:2:18: invalid type: map, expected f64",
            "l.toml:3:1: unknown field `bogus`, expected `tolerance`",
        ];
        let got: Vec<String> = cases.iter().map(|c| at(c)).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn reads_every_section() {
        let text = r#"
select = ["G"]
extend-select = ["K"]
ignore = ["G004"]
[per-file-ignores]
"val/**" = ["A"]
[severity]
G004 = "error"
[schema]
part-tolerance = 1.5
[schema.parts]
eye = "face"
head = ["body", "body_with_wheelchair"]
[[schema.companions]]
object = "body"
one-of = ["adult", "child"]
[[schema.companions]]
object = "head"
one-of = ["front", "back"]
required = false
iou = 0.8
edge-tolerance = 0.5
[[schema.companions]]
object = "body"
one-of = ["male", "female"]
required = "info"
[schema.max-parts]
face = { eye = 2, nose = 1 }
[keypoints.person]
preset = "coco-person"
[keypoints.face]
names = ["left_eye", "right_eye", "nose"]
[rules.box-too-small]
min-width = 4
[rules.too-few-labels]
min-count = 10
[plugins.noise]
path = "lib.so"
"#;
        let c = Config::from_toml_str(text, "labelkit.toml").unwrap();
        assert_eq!(c.select, Some(vec!["G".to_owned()]));
        assert_eq!(
            c.per_file_ignores,
            vec![("val/**".to_owned(), vec!["A".to_owned()])]
        );
        assert_eq!(c.severity, vec![("G004".to_owned(), Severity::Error)]);
        assert_eq!(c.schema.part_tolerance, 1.5);
        assert_eq!(c.schema.parts[1].parents, ["body", "body_with_wheelchair"]);
        assert_eq!(c.schema.companions[0].iou, 0.9);
        assert_eq!(c.schema.companions[0].required, Some(Severity::Error));
        assert_eq!(c.schema.companions[1].required, None);
        assert_eq!(c.schema.companions[0].edge_tolerance, 1.5);
        assert_eq!(c.schema.companions[1].edge_tolerance, 0.5);
        assert_eq!(c.schema.companions[2].required, Some(Severity::Info));
        assert_eq!(
            c.schema.max_parts,
            [
                PartLimit {
                    parent: "face".into(),
                    part: "eye".into(),
                    max: 2
                },
                PartLimit {
                    parent: "face".into(),
                    part: "nose".into(),
                    max: 1
                },
            ]
        );
        assert_eq!(c.keypoints[1].1.len(), 17);
        assert_eq!(c.keypoints[0].1.flip_pairs, vec![(0, 1)]);
        let option = |rule, name| c.options.get(rule, name).cloned();
        assert_eq!(
            option("box-too-small", "min-width"),
            Some(OptionValue::Number(4.0))
        );
        assert_eq!(
            option("box-too-small", "min-height"),
            Some(OptionValue::Number(3.0))
        );
        // `template-box` takes `box-too-small`'s minimum as its size.
        assert_eq!(
            option("template-box", "width"),
            Some(OptionValue::Number(4.0))
        );
        assert_eq!(
            option("too-few-labels", "min-count"),
            Some(OptionValue::Count(10))
        );
        assert_eq!(
            option("still-ambiguous", "attributes"),
            Some(OptionValue::Strings(vec!["ambiguous".to_owned()]))
        );
        assert_eq!(option("box-too-small", "bogus"), None);
        assert!(c.plugins.contains_key("noise"));
    }
}
