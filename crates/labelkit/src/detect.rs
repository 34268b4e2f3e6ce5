//! Recognising the format of a path by its content.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::format::Format;

/// How many bytes of a file are read to recognise it.
const HEAD: u64 = 256 * 1024;

/// Recognises the format of a file or folder by its content, not only its
/// name:
/// - XML whose root is `<annotations>`: CVAT, for video when it holds
///   `<track>` elements, for images otherwise;
/// - a JSON object with `images`, `annotations` or `categories`, or a JSON
///   list of annotations (a results file): COCO;
/// - a folder, a `*.yaml` with `names`, `obj.data` or `obj.names`: YOLO,
///   darknet when `obj.data`/`obj.names` describe it, Ultralytics otherwise;
/// - a single `.txt` label file (rows starting with a class id): YOLO, of the
///   layout of the dataset found above it.
///
/// # Errors
/// [`Error::Io`] when the path cannot be read, [`Error::Undetected`] when
/// the content matches no format.
pub fn detect(path: &Path) -> Result<Format, Error> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        return detect_folder(path);
    }
    if !meta.is_file() {
        // A FIFO (or a symlink to `/dev/stdin`) would block the read below.
        // A `.txt` in a YOLO dataset is a label file by its place: the
        // reader refuses it (F011) as it does in the whole dataset.
        let txt = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("txt"));
        if txt && yolo_dataset_above(path) {
            return Ok(yolo_layout_near(path));
        }
        return Err(undetected(
            path,
            "not a regular file (a FIFO, socket or device): not read",
        ));
    }
    // A `.txt` in a YOLO dataset's label tree is a label file whatever it
    // holds: a malformed one is read, and its bad rows reported.
    if let Some(format) = label_file_by_place(path) {
        return Ok(format);
    }
    let head = read_head(path)?;
    detect_content(
        path,
        &head,
        || {
            let file = File::open(path).map_err(|e| Error::io(path, e))?;
            json_object_has_coco_key(file).map_err(|e| Error::io(path, e))
        },
        || yolo_layout_near(path),
    )
}

/// Recognises the format of bytes held in memory, `name` naming them in
/// messages; its extension counts as a file's does ([`detect`]), and
/// nothing on disk is looked at: YAML with `names` and YOLO label rows are
/// Ultralytics YOLO, which cannot be read from bytes.
///
/// # Errors
/// [`Error::Undetected`] when the content matches no format.
pub(crate) fn detect_slice(name: &Path, bytes: &[u8]) -> Result<Format, Error> {
    let head = bytes.get(..bytes.len().min(HEAD as usize)).unwrap_or(bytes);
    detect_content(
        name,
        head,
        || json_object_has_coco_key(bytes).map_err(|e| Error::io(name, e)),
        || Format::YoloUltralytics,
    )
}

/// Recognises the format of a file named `path` by its name and its first
/// [`HEAD`] bytes `head`; `read_on` reads the top-level keys of a JSON
/// object on through the whole content ([`json_object_has_coco_key`]) and
/// `yolo` tells the YOLO layout of a YOLO file.
fn detect_content(
    path: &Path,
    head: &[u8],
    read_on: impl FnOnce() -> Result<bool, Error>,
    yolo: impl FnOnce() -> Format,
) -> Result<Format, Error> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name == "obj.data" || name == "obj.names" {
        return Ok(Format::YoloDarknet);
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    // A file in the middle of a merge is recognised without its marker
    // lines (the reader then refuses it at the first marker's line); a
    // `.json` file is never XML (a conflict's `<<<<<<<` is not an XML tag).
    let body = without_conflict_markers(head);
    let is_cvat = |f: &Format| matches!(f, Format::CvatImages | Format::CvatVideo);
    if let Some(format) = detect_bytes(&body).filter(|f| ext != "json" || !is_cvat(f)) {
        return Ok(format);
    }
    // A JSON object whose COCO keys come after more than the head (a big
    // `info` or `licenses` first): its top-level keys are read on through
    // the file, skipping nested values.
    if head.len() as u64 == HEAD
        && skip_space_and_comments(head).first() == Some(&b'{')
        && read_on()?
    {
        return Ok(Format::Coco);
    }
    if ext == "yaml" || ext == "yml" {
        if yaml_declares_names(head) {
            return Ok(yolo());
        }
        return Err(undetected(path, "a YAML file without `names`"));
    }
    if ext == "txt" {
        if looks_like_label_rows(head) {
            return Ok(yolo());
        }
        return Err(undetected(
            path,
            "a text file whose rows do not start with a class id",
        ));
    }
    if ext == "json" && skip_bom_and_space(head).first() == Some(&b'<') {
        return Err(undetected(
            path,
            "a .json file that is not JSON (it starts with `<`)",
        ));
    }
    Err(undetected(path, what_is_it(head)))
}

/// `head` without its git merge conflict marker lines (`<<<<<<< HEAD`,
/// `=======`, `>>>>>>> b`): borrowed when it has none.
fn without_conflict_markers(head: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if crate::diagnostics::conflict_marker(head).is_none() {
        return std::borrow::Cow::Borrowed(head);
    }
    let mut out = Vec::with_capacity(head.len());
    for line in head.split_inclusive(|&b| b == b'\n') {
        if crate::diagnostics::conflict_marker(line) != Some(0) {
            out.extend_from_slice(line);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Recognises CVAT XML and COCO JSON from the first bytes of a file.
///
/// Returns `None` for anything else (YOLO files are recognised by their
/// names and places, see [`detect`]).
#[must_use]
pub fn detect_bytes(head: &[u8]) -> Option<Format> {
    let text = skip_bom_and_space(head);
    match text.first() {
        Some(b'<') => {
            let root = xml_root(text)?;
            if root != b"annotations" {
                return None;
            }
            if contains(text, b"<track") {
                Some(Format::CvatVideo)
            } else if contains(text, b"<image") {
                Some(Format::CvatImages)
            } else if contains(text, b"<mode>interpolation</mode>") && !contains(text, b"<image") {
                Some(Format::CvatVideo)
            } else {
                Some(Format::CvatImages)
            }
        }
        Some(b'{' | b'/') => {
            let mut keys = TopLevelKeys::default();
            (keys.feed(text) == Scan::Coco).then_some(Format::Coco)
        }
        Some(b'[') => {
            let rest = skip_bom_and_space(text.get(1..).unwrap_or_default());
            let empty = rest.first() == Some(&b']');
            let annotations = rest.first() == Some(&b'{')
                && contains(text, b"\"image_id\"")
                && contains(text, b"\"category_id\"");
            (empty || annotations).then_some(Format::Coco)
        }
        _ => None,
    }
}

/// What [`TopLevelKeys`] has made of the bytes fed so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scan {
    /// A top-level key of COCO's (`images`, `annotations`, `categories`).
    Coco,
    /// Not a JSON object, or one that closed without any of those keys.
    NotCoco,
    /// Undecided: feed more.
    More,
}

/// Where a [`TopLevelKeys`] scan stands in a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Comment {
    #[default]
    None,
    /// After a `/` outside a string.
    Slash,
    /// In a `// ...` comment.
    Line,
    /// In a `/* ... */` comment.
    Block,
    /// In a block comment, just after a `*`.
    BlockStar,
}

/// The longest top-level key kept while scanning (`"annotations"` is 11).
const LONGEST_KEY: usize = 16;

/// Reads the top-level keys of a JSON object fed in pieces, skipping nested
/// values, strings and comments (which JSON does not allow but hand-edited
/// files carry: the reader then reports them at their line and column), in
/// constant memory: a COCO file is recognised by its keys wherever they
/// come, after an `info` of any size.
#[derive(Debug, Default)]
struct TopLevelKeys {
    started: bool,
    depth: usize,
    in_string: bool,
    escaped: bool,
    expect_key: bool,
    /// The top-level key being read (at most [`LONGEST_KEY`] + 1 bytes).
    key: Option<Vec<u8>>,
    comment: Comment,
}

impl TopLevelKeys {
    fn feed(&mut self, bytes: &[u8]) -> Scan {
        for &b in bytes {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                    if let Some(key) = self.key.take() {
                        self.expect_key = false;
                        if matches!(key.as_slice(), b"images" | b"annotations" | b"categories") {
                            return Scan::Coco;
                        }
                    }
                    continue;
                }
                if let Some(key) = self.key.as_mut().filter(|k| k.len() <= LONGEST_KEY) {
                    key.push(b);
                }
                continue;
            }
            match self.comment {
                Comment::None => {}
                Comment::Slash => {
                    self.comment = match b {
                        b'/' => Comment::Line,
                        b'*' => Comment::Block,
                        _ => return Scan::NotCoco,
                    };
                    continue;
                }
                Comment::Line => {
                    if b == b'\n' {
                        self.comment = Comment::None;
                    }
                    continue;
                }
                Comment::Block | Comment::BlockStar => {
                    self.comment = match (self.comment, b) {
                        (Comment::BlockStar, b'/') => Comment::None,
                        (_, b'*') => Comment::BlockStar,
                        _ => Comment::Block,
                    };
                    continue;
                }
            }
            if b.is_ascii_whitespace() {
                continue;
            }
            if b == b'/' {
                self.comment = Comment::Slash;
                continue;
            }
            if !self.started {
                if b != b'{' {
                    return Scan::NotCoco;
                }
                self.started = true;
                self.depth = 1;
                self.expect_key = true;
                continue;
            }
            match b {
                b'"' => {
                    self.in_string = true;
                    if self.depth == 1 && self.expect_key {
                        self.key = Some(Vec::with_capacity(LONGEST_KEY + 1));
                    }
                }
                b'{' | b'[' => self.depth = self.depth.saturating_add(1),
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        return Scan::NotCoco;
                    }
                }
                b',' if self.depth == 1 => self.expect_key = true,
                b':' if self.depth == 1 => self.expect_key = false,
                _ => {}
            }
        }
        Scan::More
    }
}

/// Whether the JSON object `reader` holds has one of COCO's top-level keys,
/// read in pieces to the first such key or the object's end.
fn json_object_has_coco_key(mut reader: impl Read) -> std::io::Result<bool> {
    let mut keys = TopLevelKeys::default();
    let mut buf = vec![0u8; 64 * 1024];
    let mut first = true;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(false),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let mut chunk = buf.get(..n).unwrap_or_default();
        if std::mem::take(&mut first) {
            chunk = chunk.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(chunk);
        }
        match keys.feed(chunk) {
            Scan::Coco => return Ok(true),
            Scan::NotCoco => return Ok(false),
            Scan::More => {}
        }
    }
}

/// `bytes` from the first byte that is neither a byte order mark, white
/// space nor inside a `//` or `/* */` comment.
fn skip_space_and_comments(bytes: &[u8]) -> &[u8] {
    let mut rest = skip_bom_and_space(bytes);
    loop {
        if let Some(after) = rest.strip_prefix(b"//") {
            let end = after
                .iter()
                .position(|&b| b == b'\n')
                .unwrap_or(after.len());
            rest = skip_bom_and_space(&after[end..]);
        } else if let Some(after) = rest.strip_prefix(b"/*") {
            let Some(end) = find(after, b"*/") else {
                return &[];
            };
            rest = skip_bom_and_space(&after[end + 2..]);
        } else {
            return rest;
        }
    }
}

fn detect_folder(path: &Path) -> Result<Format, Error> {
    #[cfg(feature = "yolo")]
    {
        if let Some(layout) = labelkit_yolo::sniff(path) {
            return Ok(match layout {
                labelkit_yolo::Layout::Darknet => Format::YoloDarknet,
                _ => Format::YoloUltralytics,
            });
        }
    }
    if path.join("obj.data").is_file() || path.join("obj.names").is_file() {
        return Ok(Format::YoloDarknet);
    }
    if folder_has_data_yaml(path) || path.join("labels").is_dir() {
        return Ok(Format::YoloUltralytics);
    }
    // A folder holding exactly one CVAT or COCO file.
    let found = annotation_files(path);
    match found.as_slice() {
        [(_, format)] => Ok(*format),
        [] => Err(undetected(
            path,
            "a folder with no data.yaml, obj.data, labels/ folder or annotation file",
        )),
        several => Err(several_files(path, several)),
    }
}

/// The CVAT and COCO files (`.xml`, `.json` recognised by content) directly
/// in `folder`, in name order, with their formats.
fn annotation_files(folder: &Path) -> Vec<(PathBuf, Format)> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(folder) {
        for entry in entries.flatten() {
            let p = entry.path();
            let ext = p
                .extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            if p.is_file() && (ext == "xml" || ext == "json") {
                if let Ok(head) = read_head(&p) {
                    if let Some(f) = detect_bytes(&head) {
                        found.push((p, f));
                    }
                }
            }
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

fn several_files(folder: &Path, found: &[(PathBuf, Format)]) -> Error {
    let names: Vec<String> = found
        .iter()
        .filter_map(|(p, _)| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    undetected(
        folder,
        &format!(
            "a folder with several annotation files ({}): name one",
            names.join(", ")
        ),
    )
}

/// The file a COCO or CVAT input names: `input` itself, or for a folder
/// (a CVAT export with `annotations.xml` and `images/`, a folder holding
/// one COCO file) the one CVAT or COCO file directly in it.
///
/// # Errors
/// [`Error::Undetected`] for a folder with no such file or several, naming
/// them.
pub(crate) fn annotation_file(input: &Path) -> Result<PathBuf, Error> {
    if !input.is_dir() {
        return Ok(input.to_path_buf());
    }
    let found = annotation_files(input);
    match found.as_slice() {
        [(file, _)] => Ok(file.clone()),
        [] => Err(undetected(
            input,
            "a folder with no CVAT or COCO annotation file (.xml, .json): name the annotation file",
        )),
        several => Err(several_files(input, several)),
    }
}

/// The YOLO format of a `.txt` file in a YOLO dataset's label tree
/// ([`labelkit_yolo::label_file_layout`]), judged by its place alone.
#[cfg(feature = "yolo")]
fn label_file_by_place(path: &Path) -> Option<Format> {
    labelkit_yolo::label_file_layout(path).map(|layout| match layout {
        labelkit_yolo::Layout::Darknet => Format::YoloDarknet,
        _ => Format::YoloUltralytics,
    })
}

#[cfg(not(feature = "yolo"))]
fn label_file_by_place(_path: &Path) -> Option<Format> {
    None
}

/// The YOLO layout of the dataset a file belongs to: darknet when the
/// description found above it ([`labelkit_yolo::find_config`], which never
/// lists the big `labels`/`images` folders) is `obj.data` or `obj.names`.
#[cfg(feature = "yolo")]
fn yolo_layout_near(path: &Path) -> Format {
    let darknet = labelkit_yolo::find_config(path).is_some_and(|c| {
        c.file_name().is_some_and(|n| {
            n.eq_ignore_ascii_case("obj.data") || n.eq_ignore_ascii_case("obj.names")
        })
    });
    if darknet {
        Format::YoloDarknet
    } else {
        Format::YoloUltralytics
    }
}

/// Whether a YOLO dataset description lies in the folder of `path` or
/// above it.
#[cfg(feature = "yolo")]
fn yolo_dataset_above(path: &Path) -> bool {
    labelkit_yolo::find_config(path).is_some()
}

#[cfg(not(feature = "yolo"))]
fn yolo_dataset_above(_path: &Path) -> bool {
    false
}

/// The YOLO layout of the dataset a file belongs to: darknet when an
/// `obj.data` or `obj.names` sits in the file's folder or above it.
#[cfg(not(feature = "yolo"))]
fn yolo_layout_near(path: &Path) -> Format {
    let mut dir = path.parent();
    let mut steps = 0;
    while let Some(d) = dir {
        if steps > 6 {
            break;
        }
        let d_ref = if d.as_os_str().is_empty() {
            Path::new(".")
        } else {
            d
        };
        if d_ref.join("obj.data").is_file() || d_ref.join("obj.names").is_file() {
            return Format::YoloDarknet;
        }
        if folder_has_data_yaml(d_ref) {
            return Format::YoloUltralytics;
        }
        dir = d.parent();
        steps += 1;
    }
    Format::YoloUltralytics
}

fn folder_has_data_yaml(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|e| {
        let p = e.path();
        let is_yaml = p
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("yaml") || x.eq_ignore_ascii_case("yml"));
        is_yaml && p.is_file() && read_head(&p).is_ok_and(|h| yaml_declares_names(&h))
    })
}

/// Whether YAML text has a top-level `names:` key.
fn yaml_declares_names(head: &[u8]) -> bool {
    head.split(|&b| b == b'\n')
        .any(|line| line.starts_with(b"names:") || line.starts_with(b"names :"))
}

/// Whether every non-empty line of the head starts with an integer class id
/// followed by numbers (an empty file is a label file with no objects).
fn looks_like_label_rows(head: &[u8]) -> bool {
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(skip_bom_and_space)
        .filter(|l| !l.is_empty())
        .peekable();
    if lines.peek().is_none() {
        return true;
    }
    lines.take(20).all(|line| {
        let mut tokens = line
            .split(u8::is_ascii_whitespace)
            .filter(|t| !t.is_empty());
        let class_ok = tokens
            .next()
            .is_some_and(|t| t.iter().all(u8::is_ascii_digit));
        let numbers_ok =
            tokens.all(|t| std::str::from_utf8(t).is_ok_and(|s| s.parse::<f64>().is_ok()));
        class_ok && numbers_ok
    })
}

fn what_is_it(head: &[u8]) -> &'static str {
    let text = skip_bom_and_space(head);
    match text.first() {
        None => "the file is empty",
        Some(b'<') => "XML whose root element is not <annotations>",
        Some(b'{') => "a JSON object without images, annotations or categories",
        Some(b'[') => "a JSON list that is not a list of annotations",
        _ => "neither CVAT XML, COCO JSON nor a YOLO file",
    }
}

fn undetected(path: &Path, reason: &str) -> Error {
    Error::Undetected {
        path: path.to_path_buf(),
        reason: reason.to_owned(),
    }
}

fn read_head(path: &Path) -> Result<Vec<u8>, Error> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut head = Vec::new();
    file.take(HEAD)
        .read_to_end(&mut head)
        .map_err(|e| Error::io(path, e))?;
    Ok(head)
}

fn skip_bom_and_space(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

/// The name of the first element of an XML document, skipping the
/// declaration, comments, processing instructions and a doctype.
fn xml_root(text: &[u8]) -> Option<&[u8]> {
    let mut rest = text;
    loop {
        rest = skip_bom_and_space(rest);
        let after = rest.strip_prefix(b"<")?;
        if after.starts_with(b"?") {
            rest = &after[find(after, b"?>")? + 2..];
        } else if after.starts_with(b"!--") {
            rest = &after[find(after, b"-->")? + 3..];
        } else if let Some(doctype) = after.strip_prefix(b"!DOCTYPE") {
            // `<!DOCTYPE name [internal subset]>`: the subset holds `>`s.
            // A document type named `annotations` is CVAT's root (the
            // reader then refuses the DTD), however long its subset.
            let name = skip_bom_and_space(doctype);
            let end = name
                .iter()
                .position(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'[')
                .unwrap_or(name.len());
            if &name[..end] == b"annotations" {
                return Some(&name[..end]);
            }
            let close = find(doctype, b">")?;
            rest = match find(doctype, b"[") {
                Some(open) if open < close => {
                    let subset = &doctype[open..];
                    let end = find(subset, b"]")?;
                    let after_subset = &subset[end..];
                    &after_subset[find(after_subset, b">")? + 1..]
                }
                _ => &doctype[close + 1..],
            };
        } else if after.starts_with(b"!") {
            rest = &after[find(after, b">")? + 1..];
        } else {
            let end = after
                .iter()
                .position(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/')
                .unwrap_or(after.len());
            return Some(&after[..end]);
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_cvat_by_root_and_tracks() {
        let images = b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- x -->\n<annotations><version>1.1</version><image id=\"0\"/></annotations>";
        assert_eq!(detect_bytes(images), Some(Format::CvatImages));
        let video = b"<annotations><meta><task><mode>interpolation</mode></task></meta><track id=\"0\"></track></annotations>";
        assert_eq!(detect_bytes(video), Some(Format::CvatVideo));
        assert_eq!(detect_bytes(b"<svg></svg>"), None);
    }

    #[test]
    fn recognises_coco_objects_and_result_lists() {
        assert_eq!(detect_bytes(b" {\"images\": []}"), Some(Format::Coco));
        assert_eq!(
            detect_bytes(b"[{\"image_id\": 1, \"category_id\": 2, \"bbox\": [0,0,1,1]}]"),
            Some(Format::Coco)
        );
        assert_eq!(detect_bytes(b"{\"name\": \"package\"}"), None);
        assert_eq!(detect_bytes(b"[1, 2]"), None);
    }

    #[test]
    fn coco_keys_are_top_level_keys_wherever_they_come() {
        // Nested or quoted `images` are not COCO's key.
        assert_eq!(
            detect_bytes(b"{\"a\": {\"images\": []}, \"b\": \"\\\"images\\\"\"}"),
            None
        );
        assert_eq!(detect_bytes(b"{\"files\": [\"images\"]}"), None);
        // Comments are skipped (the reader reports them).
        assert_eq!(
            detect_bytes(b"// x\n{ /* \"no\" */ \"info\": 1, \"categories\": []}"),
            Some(Format::Coco)
        );
        // Fed a byte at a time, across every boundary.
        let text = b"{\"info\": {\"d\": \"a}\\\"b\", \"l\": [1, {\"x\": 2}]}, /* c */ \"annotations\": []}";
        let mut keys = TopLevelKeys::default();
        let first = text
            .iter()
            .map(|b| keys.feed(std::slice::from_ref(b)))
            .position(|s| s != Scan::More);
        let key_end = find(text, b"\"annotations\"").unwrap() + 12;
        assert_eq!(first, Some(key_end));
        assert_eq!(TopLevelKeys::default().feed(text), Scan::Coco);
        // Read through a file whose head is all `info`.
        let mut big = format!("{{\"info\": \"{}\"", "x".repeat(300_000)).into_bytes();
        big.extend_from_slice(b", \"images\": []}");
        assert!(json_object_has_coco_key(&big[..]).unwrap());
        assert!(!json_object_has_coco_key(&b"{\"info\": 1} {\"images\": 2}"[..]).unwrap());
    }

    #[test]
    fn the_root_is_found_after_a_doctype_with_an_internal_subset() {
        let with_subset = b"<?xml version=\"1.0\"?>\n<!DOCTYPE x [\n<!ENTITY a \"<b>\">\n]>\n<annotations><image id=\"0\"/></annotations>";
        assert_eq!(detect_bytes(with_subset), Some(Format::CvatImages));
        // Named `annotations`: CVAT, however long the subset.
        let long = format!(
            "<!DOCTYPE annotations [{}",
            "<!ENTITY a \"b\">".repeat(100_000)
        );
        assert_eq!(detect_bytes(long.as_bytes()), Some(Format::CvatImages));
        assert_eq!(detect_bytes(b"<!DOCTYPE html><html></html>"), None);
    }

    #[test]
    fn label_rows_versus_prose() {
        assert!(looks_like_label_rows(
            b"0 0.5 0.5 0.1 0.1\n3 0.2 0.2 0.1 0.1\n"
        ));
        assert!(looks_like_label_rows(b""));
        assert!(!looks_like_label_rows(b"This folder holds the labels.\n"));
        assert!(!looks_like_label_rows(b"data/obj_train_data/1.jpg\n"));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("a.txt");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // On a thread, so that a regression fails instead of hanging.
        let (tx, rx) = std::sync::mpsc::channel();
        let path = fifo.clone();
        std::thread::spawn(move || {
            let _ = tx.send(detect(&path).map_err(|e| e.to_string()));
        });
        let got = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("detect blocked on a FIFO");
        let err = got.unwrap_err();
        assert!(
            err.ends_with("not a regular file (a FIFO, socket or device): not read"),
            "{err}"
        );
        assert!(err.starts_with(&fifo.display().to_string()), "{err}");
    }

    #[test]
    fn detects_files_and_folders_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("labels/train")).unwrap();
        std::fs::write(root.join("data.yaml"), "names:\n  0: person\n").unwrap();
        std::fs::write(root.join("labels/train/a.txt"), "0 0.5 0.5 0.2 0.2\n").unwrap();
        std::fs::write(root.join("README.txt"), "hello\n").unwrap();
        std::fs::write(root.join("package.json"), "{\"name\": \"x\"}").unwrap();
        assert_eq!(detect(root).unwrap(), Format::YoloUltralytics);
        assert_eq!(
            detect(&root.join("data.yaml")).unwrap(),
            Format::YoloUltralytics
        );
        assert_eq!(
            detect(&root.join("labels/train/a.txt")).unwrap(),
            Format::YoloUltralytics
        );
        let err = detect(&root.join("README.txt")).unwrap_err().to_string();
        assert!(err.contains("rows do not start with a class id"), "{err}");
        // In the label tree, a `.txt` is a label file whatever it holds.
        std::fs::write(root.join("labels/train/b.txt"), "0 0.5 abc 0.2 0.2\n").unwrap();
        std::fs::write(root.join("labels/README.txt"), "prose\n").unwrap();
        for label in ["labels/train/b.txt", "labels/README.txt"] {
            assert_eq!(detect(&root.join(label)).unwrap(), Format::YoloUltralytics);
        }
        let err = detect(&root.join("package.json")).unwrap_err().to_string();
        assert!(err.contains("JSON object without images"), "{err}");
        std::fs::write(root.join("obj.names"), "person\n").unwrap();
        assert_eq!(
            detect(&root.join("obj.names")).unwrap(),
            Format::YoloDarknet
        );
    }
}
