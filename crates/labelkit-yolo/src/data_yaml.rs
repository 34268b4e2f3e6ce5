//! `data.yaml` (Ultralytics) and `obj.data` / `obj.names` (darknet).

use std::path::Path;

use labelkit_diagnostics::Diagnostic;
use labelkit_diagnostics::{ByteSpan, FileId, ParseError, ReadIssue};
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::Marker;
use yaml_rust2::{ScanError, Yaml, YamlLoader};

use crate::Task;

/// The parsed content of a `data.yaml`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct DataYaml {
    /// `path`: the dataset root, relative to the yaml's folder.
    pub path: Option<String>,
    /// `train`, `val`, `test` (in that order), each a list of entries.
    pub subsets: Vec<(String, Vec<String>)>,
    /// `names`, as `(class id, name)` sorted by id.
    pub names: Vec<(u32, String)>,
    /// `nc`.
    pub nc: Option<u32>,
    /// `kpt_shape` as `(points, values per point)`.
    pub kpt_shape: Option<(usize, usize)>,
    /// `flip_idx`.
    pub flip_idx: Option<Vec<usize>>,
    /// `kpt_names` for the first class, if given.
    pub kpt_names: Option<Vec<String>>,
    /// `task`, when the file names one.
    pub task: Option<Task>,
}

/// Nesting deeper than this is refused before the YAML parser sees it, so
/// that hostile input cannot exhaust the stack.
const MAX_NESTING: usize = 64;

/// Where `text` nests deeper than [`MAX_NESTING`] and how: the offset of
/// the bracket that crosses the limit (flow nesting), or of the first key
/// or value indented past `4 * MAX_NESTING` columns (block nesting).
fn too_deep(text: &str) -> Option<(usize, String)> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '[' | '{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some((
                        i,
                        format!("yaml nested too deeply: more than {MAX_NESTING} nested `[`/`{{`"),
                    ));
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    let mut offset = 0usize;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches([' ', '-']).len();
        if indent > 4 * MAX_NESTING {
            return Some((
                offset + indent,
                format!(
                    "yaml nested too deeply: indented more than {} columns",
                    4 * MAX_NESTING
                ),
            ));
        }
        offset += line.len();
    }
    None
}

/// The byte span of `key:` at the start of a line, for positions.
pub(crate) fn key_span(text: &str, key: &str) -> ByteSpan {
    key_span_with(text, key, ':')
}

/// The byte span of `key` followed by `sep` (`:` in YAML, `=` in
/// `obj.data`) at the start of a line.
pub(crate) fn key_span_with(text: &str, key: &str, sep: char) -> ByteSpan {
    find_key(text, key, sep).unwrap_or(ByteSpan::at(0))
}

/// The byte span of `key` followed by `sep` at the start of a line, if the
/// text has one.
pub(crate) fn find_key(text: &str, key: &str, sep: char) -> Option<ByteSpan> {
    let mut offset = 0usize;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(key) {
            if rest.trim_start().starts_with(sep) {
                let start = offset + (line.len() - trimmed.len());
                return Some(ByteSpan::new(start, start + key.len()));
            }
        }
        offset += line.len();
    }
    None
}

fn as_str(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

fn as_uint(y: &Yaml) -> Option<u64> {
    match y {
        Yaml::Integer(i) => u64::try_from(*i).ok(),
        Yaml::String(s) => s.trim().parse().ok(),
        Yaml::Real(s) => s
            .parse::<f64>()
            .ok()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 4e9)
            .map(|f| {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let v = f as u64;
                v
            }),
        _ => None,
    }
}

fn at_marker(path: &Path, m: Marker, message: String) -> ParseError {
    ParseError::at_line_col(
        path,
        // data.yaml is read up to MAX_CONFIG_BYTES, so positions fit; 0 is
        // "unknown" should one not.
        u32::try_from(m.line()).map_or(0, |l| l.max(1)),
        u32::try_from(m.col().saturating_add(1)).unwrap_or(0),
        message,
    )
}

fn syntax_error(path: &Path, e: &ScanError) -> ParseError {
    at_marker(path, *e.marker(), format!("invalid yaml: {}", e.info()))
}

/// Refuses anchors (`&a`) and aliases (`*a`) before anything is built from
/// the text: the YAML loader expands every alias into a copy, so that a few
/// hundred bytes of nested aliases (a "billion laughs") expand to
/// gigabytes. A `data.yaml` never needs them. The event parser reports
/// them without expanding anything.
fn refuse_anchors(text: &str, path: &Path) -> Result<(), ParseError> {
    let mut parser = Parser::new_from_str(text);
    loop {
        let (event, mark) = parser.next_token().map_err(|e| syntax_error(path, &e))?;
        let what = match event {
            Event::StreamEnd => return Ok(()),
            Event::Alias(_) => "an alias (`*name`)",
            Event::Scalar(_, _, anchor, _)
            | Event::SequenceStart(anchor, _)
            | Event::MappingStart(anchor, _)
                if anchor > 0 =>
            {
                "an anchor (`&name`)"
            }
            _ => continue,
        };
        return Err(at_marker(
            path,
            mark,
            format!(
                "yaml {what} is not supported in a dataset description: anchors and aliases can expand a small file into gigabytes; write the values out"
            ),
        ));
    }
}

/// The text of a YAML file without its UTF-8 byte order mark.
pub(crate) fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Parses a `data.yaml`. Syntax errors, anchors and aliases are fatal with
/// line and column; a key of the wrong shape is a recoverable issue.
pub(crate) fn parse_data_yaml(
    text: &str,
    path: &Path,
    file: FileId,
    issues: &mut Vec<Diagnostic>,
) -> Result<DataYaml, ParseError> {
    if let Some((offset, message)) = too_deep(text) {
        return Err(ParseError::at_offset(
            path,
            text.as_bytes(),
            offset,
            message,
        ));
    }
    refuse_anchors(text, path)?;
    let docs = YamlLoader::load_from_str(text).map_err(|e| syntax_error(path, &e))?;
    let Some(Yaml::Hash(map)) = docs.into_iter().next() else {
        return Err(ParseError::at_line_col(
            path,
            1,
            1,
            "expected a yaml mapping with `names`",
        ));
    };
    let mut out = DataYaml::default();
    let bad = |key: &str, what: &str| {
        ReadIssue::MalformedValue.at(file, key_span(text, key), format!("`{key}`: {what}"))
    };
    for (k, v) in &map {
        let Some(key) = as_str(k) else { continue };
        match key.as_str() {
            "path" => out.path = as_str(v).filter(|s| !s.is_empty()),
            "train" | "val" | "test" => {
                let entries = match v {
                    Yaml::Null => continue,
                    Yaml::Array(items) => items.iter().filter_map(as_str).collect(),
                    other => match as_str(other) {
                        Some(s) if !s.is_empty() => vec![s],
                        _ => {
                            issues.push(bad(&key, "expected a folder, a .txt list or a list"));
                            continue;
                        }
                    },
                };
                out.subsets.push((key, entries));
            }
            "names" => match v {
                Yaml::Array(items) => {
                    // At most MAX_CONFIG_BYTES of text: fewer names than
                    // 2^32, so every index is a class id.
                    for (i, item) in items.iter().enumerate() {
                        let name = as_str(item).unwrap_or_default();
                        if let Ok(id) = u32::try_from(i) {
                            out.names.push((id, name));
                        }
                    }
                }
                Yaml::Hash(h) => {
                    for (id, name) in h {
                        match (
                            as_uint(id).and_then(|i| u32::try_from(i).ok()),
                            as_str(name),
                        ) {
                            (Some(id), Some(name)) => out.names.push((id, name)),
                            _ => issues.push(bad("names", "expected `id: name` entries")),
                        }
                    }
                    out.names.sort_by_key(|(id, _)| *id);
                    out.names.dedup_by_key(|(id, _)| *id);
                }
                _ => issues.push(bad("names", "expected a list or a map of class names")),
            },
            "nc" => out.nc = as_uint(v).and_then(|n| u32::try_from(n).ok()),
            "kpt_shape" => match v {
                Yaml::Array(a) if a.len() == 2 => match (as_uint(&a[0]), as_uint(&a[1])) {
                    (Some(n), Some(d)) if (d == 2 || d == 3) && n < 100_000 => {
                        #[allow(clippy::cast_possible_truncation)]
                        let shape = (n as usize, d as usize);
                        out.kpt_shape = Some(shape);
                    }
                    _ => issues.push(bad("kpt_shape", "expected [points, 2 or 3]")),
                },
                _ => issues.push(bad("kpt_shape", "expected [points, 2 or 3]")),
            },
            "flip_idx" => match v {
                Yaml::Array(a) => {
                    let idx: Option<Vec<usize>> = a
                        .iter()
                        .map(|x| as_uint(x).and_then(|u| usize::try_from(u).ok()))
                        .collect();
                    match idx {
                        Some(idx) => out.flip_idx = Some(idx),
                        None => issues.push(bad("flip_idx", "expected a list of point indices")),
                    }
                }
                _ => issues.push(bad("flip_idx", "expected a list of point indices")),
            },
            "kpt_names" => {
                let list = match v {
                    Yaml::Array(a) => Some(a),
                    Yaml::Hash(h) => h.values().find_map(|x| match x {
                        Yaml::Array(a) => Some(a),
                        _ => None,
                    }),
                    _ => None,
                };
                if let Some(list) = list {
                    out.kpt_names =
                        Some(list.iter().map(|x| as_str(x).unwrap_or_default()).collect());
                }
            }
            "task" => {
                out.task = as_str(v).and_then(|t| match t.as_str() {
                    "detect" => Some(Task::Detect),
                    "segment" => Some(Task::Segment),
                    "pose" => Some(Task::Pose),
                    "obb" => Some(Task::Obb),
                    _ => None,
                });
            }
            _ => {}
        }
    }
    if out.kpt_shape.is_some() && out.task.is_none() {
        out.task = Some(Task::Pose);
    }
    if let Some(nc) = out.nc.filter(|_| {
        map.iter()
            .any(|(k, _)| as_str(k).as_deref() == Some("names"))
    }) {
        if usize::try_from(nc).ok() != Some(out.names.len()) {
            issues.push(ReadIssue::WrongValueCount.at(
                file,
                key_span(text, "nc"),
                format!(
                    "`nc: {nc}` but `names` declares {} classes: Ultralytics refuses a data.yaml whose `nc` and `names` disagree",
                    out.names.len()
                ),
            ));
        }
    }
    let names_start = find_key(text, "names", ':').map_or(0, |s| s.end as usize);
    duplicate_names(
        &out.names,
        file,
        |name, nth| yaml_name_span(text, names_start, name, nth),
        issues,
    );
    Ok(out)
}

/// Reports each class name declared a second time (F005, at the second
/// declaration): a label file's ids would then name one class twice, and
/// every converter merges the two. `span_of(name, n)` places the `n`-th
/// (0-based) declaration of `name`.
pub(crate) fn duplicate_names(
    names: &[(u32, String)],
    file: FileId,
    span_of: impl Fn(&str, usize) -> ByteSpan,
    issues: &mut Vec<Diagnostic>,
) {
    let mut seen: std::collections::HashMap<&str, (u32, usize)> = std::collections::HashMap::new();
    for (id, name) in names {
        match seen.get_mut(name.as_str()) {
            Some((first, count)) => {
                issues.push(ReadIssue::DuplicateId.at(
                    file,
                    span_of(name, *count),
                    format!("class name `{name}` is declared twice: ids {first} and {id}"),
                ));
                *count += 1;
            }
            None => {
                seen.insert(name.as_str(), (*id, 1));
            }
        }
    }
}

/// Where the `nth` (0-based) `name` stands in a yaml's `names` (which
/// starts at `from`): the name as a whole word (quoted or bare, in a block
/// list, a flow list or a map); `from` when it is not found.
fn yaml_name_span(text: &str, from: usize, name: &str, nth: usize) -> ByteSpan {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-');
    let mut n = 0;
    let mut at = from;
    while let Some(i) = text
        .get(at..)
        .and_then(|t| t.find(name))
        .filter(|_| !name.is_empty())
    {
        let start = at + i;
        let end = start + name.len();
        let before = text.get(..start).and_then(|t| t.chars().next_back());
        let after = text.get(end..).and_then(|t| t.chars().next());
        let is_key = text.get(end..).is_some_and(|t| t.starts_with(':'))
            && !before.is_some_and(|c| c.is_ascii_digit());
        if !word(before) && !word(after) && !is_key {
            if n == nth {
                return ByteSpan::new(start, end);
            }
            n += 1;
        }
        at = end;
    }
    ByteSpan::at(from)
}

/// Whether a yaml text declares `names` (a cheap test for `sniff`).
pub(crate) fn has_names_key(text: &str) -> bool {
    strip_bom(text)
        .lines()
        .any(|l| l.starts_with("names:") || l.starts_with("names :"))
}

/// `obj.data`: `key = value` lines.
pub(crate) fn parse_obj_data(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// The names of an `obj.names` (or LabelImg `classes.txt`) with their
/// spans: one name per non-empty line, in id order.
fn obj_name_lines(text: &str) -> Vec<(u32, ByteSpan, &str)> {
    let mut offset = 0usize;
    let mut out = Vec::new();
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if !trimmed.is_empty() {
            let start = offset + (line.len() - line.trim_start().len());
            // Read up to MAX_CONFIG_BYTES: fewer lines than 2^32.
            let Ok(id) = u32::try_from(out.len()) else {
                break;
            };
            out.push((id, ByteSpan::new(start, start + trimmed.len()), trimmed));
        }
        offset += line.len();
    }
    out
}

/// Reads a class list of one name per line (`obj.names`, LabelImg's
/// `classes.txt`), reporting names declared twice at their line.
pub(crate) fn read_obj_names(
    text: &str,
    file: FileId,
    issues: &mut Vec<Diagnostic>,
) -> Vec<(u32, String)> {
    if let Some(at) = labelkit_diagnostics::conflict_marker(text.as_bytes()) {
        issues.push(ReadIssue::MalformedValue.at(
            file,
            ByteSpan::new(at, at + 7),
            "git merge conflict marker: resolve the conflict (keep one side)",
        ));
    }
    let lines = obj_name_lines(text);
    let names: Vec<(u32, String)> = lines
        .iter()
        .map(|(id, _, name)| (*id, (*name).to_owned()))
        .collect();
    duplicate_names(
        &names,
        file,
        |name, nth| {
            lines
                .iter()
                .filter(|(_, _, n)| *n == name)
                .nth(nth)
                .map_or(ByteSpan::at(0), |(_, span, _)| *span)
        },
        issues,
    );
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Result<DataYaml, ParseError>, Vec<Diagnostic>) {
        let mut issues = Vec::new();
        let r = parse_data_yaml(text, Path::new("data.yaml"), FileId(0), &mut issues);
        (r, issues)
    }

    #[test]
    fn names_list_map_and_pose_keys() {
        let (r, issues) = parse(
            "path: .\ntrain: images/train\nval: [a, b]\ntest:\nkpt_shape: [3, 2]\nflip_idx: [1, 0, 2]\nnames:\n  1: b\n  0: a\n",
        );
        let d = r.unwrap();
        assert!(issues.is_empty());
        assert_eq!(d.path.as_deref(), Some("."));
        assert_eq!(
            d.subsets,
            vec![
                ("train".to_owned(), vec!["images/train".to_owned()]),
                ("val".to_owned(), vec!["a".to_owned(), "b".to_owned()])
            ]
        );
        assert_eq!(d.names, vec![(0, "a".to_owned()), (1, "b".to_owned())]);
        assert_eq!(d.kpt_shape, Some((3, 2)));
        assert_eq!(d.flip_idx, Some(vec![1, 0, 2]));
        assert_eq!(d.task, Some(Task::Pose));
    }

    #[test]
    fn nesting_past_the_limit_is_placed_where_it_crosses_it() {
        // Flow nesting: at the 65th `[`, on line 2.
        let text = format!("names: [a]\nx: {}1{}\n", "[".repeat(100), "]".repeat(100));
        let e = parse(&text).0.unwrap_err();
        assert_eq!((e.location.line, e.location.column), (2, 4 + 64), "{e}");
        assert_eq!(
            e.message,
            "yaml nested too deeply: more than 64 nested `[`/`{`"
        );
        // Block nesting: at the key of the first line indented past 256
        // columns (level 129 of two spaces, on line 130).
        let mut text = String::from("names: [a]\n");
        for level in 0..200 {
            text.push_str(&" ".repeat(2 * level));
            text.push_str("k:\n");
        }
        let e = parse(&text).0.unwrap_err();
        assert_eq!((e.location.line, e.location.column), (2 + 129, 259), "{e}");
        assert_eq!(
            e.message,
            "yaml nested too deeply: indented more than 256 columns"
        );
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        let (r, _) = parse("names:\n  - a\n - b\n   c: [\n");
        let e = r.unwrap_err();
        assert_eq!(e.location.path, Path::new("data.yaml"));
        assert!(e.location.line >= 2, "{e}");
        assert!(e.message.starts_with("invalid yaml"), "{e}");
    }
}
