//! The reader: two passes over the bytes, on the whole input ([`read`]) or
//! on a stream of pieces ([`stream`]).
//!
//! 1. A [`json::Scanner`] records the byte range of every image,
//!    annotation and category by their brackets, and the raw text of the
//!    other top-level keys; [`json::duplicate_keys`] looks for repeated
//!    keys. It allocates nothing per element but the range. When it cannot
//!    follow the file, or an element turns out not to be JSON, [`json::scan`]
//!    (serde_json over the whole document) takes its place and refuses the
//!    file with its position, or patches Python's `NaN`.
//! 2. The elements are parsed from their ranges, borrowing strings from the
//!    input (the whole of it, or the piece being read), and converted to the
//!    model as they come. Annotations are parsed, checked and converted in
//!    parallel chunks (rayon), then taken in file order (ids, shapes,
//!    spans). What depends on another list (images, categories, labels,
//!    keypoint schemas) is resolved at the end ([`Reader::resolve`]), so the
//!    result is the same whatever the order of the lists, the size of the
//!    pieces and the number of threads.

use std::io::Read;
use std::path::Path;

use labelkit_diagnostics::{
    ByteSpan, Diagnostic, FileId, Loaded, ParseError, ReadIssue, SourceFile, SourceMap, SourceSpan,
    SpanTable,
};
use labelkit_model::{Annotation, Dataset, Image, ImageId, Kept, Label, LabelId};
use rayon::prelude::*;
use serde_json::value::RawValue;

use crate::elements::{CocoAnnotation, CocoCategory, CocoImage, Segmentation};
use crate::json::{self, Found, List, Num, Patched, Range, Stop};
use crate::model::{convert, label_from, AnnotationSink, Noticed};
use crate::{CocoAnnotationFields, Error, IdMap, IdSet, ReadOptions, StatedNumber};

fn parse_error(
    path: &Path,
    text: &[u8],
    patched: Option<&Patched>,
    e: &serde_json::Error,
) -> Error {
    // Valid JSON never has a conflict marker at a line start: only a file
    // that does not parse is searched for one.
    if let Some(conflict) = ParseError::conflict_marker(path, text) {
        return Error::Parse(conflict);
    }
    let (offset, message) = json::error_offset(patched.map_or(text, |p| &p.text), e);
    let offset = patched.map_or(offset, |p| p.original(offset));
    Error::Parse(ParseError::at_offset(path, text, offset, message))
}

/// The file-name prefixes of COCO's annotation files, `<task>_<subset>.json`
/// (as COCO names them, `instances_val2017.json`, and as Datumaro and CVAT
/// write and read them).
const TASK_PREFIXES: [&str; 6] = [
    "instances_",
    "person_keypoints_",
    "captions_",
    "image_info_",
    "labels_",
    "panoptic_",
];

/// The subset a COCO file holds by its name: `val` of
/// `instances_val.json`, `val2017` of `person_keypoints_val2017.json`; none
/// for another name, CVAT's `default` (no subset), or a name with more
/// parts (`instances_val2014_fakebbox100_results.json`, a results file).
fn subset_of_file_name(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    let subset = TASK_PREFIXES.iter().find_map(|p| stem.strip_prefix(p))?;
    let plain = !subset.is_empty() && !subset.contains(['_', '.', ' ']);
    (plain && subset != "default").then(|| subset.to_owned())
}

/// Reads a COCO document held whole in `bytes`.
pub(crate) fn read(path: &Path, bytes: &[u8], options: &ReadOptions) -> Result<Loaded, Error> {
    // The structure is found by the brackets while the repeated keys are
    // searched for on the other thread; the elements are parsed once, by
    // the reader. A file that does not follow that path (one whose
    // elements are not all JSON) is read again after serde_json's first
    // pass, which refuses it with its position or patches Python's NaN.
    let (layout, duplicates) = rayon::join(
        || json::scan_structure(bytes),
        || json::duplicate_keys(bytes),
    );
    if let Some(layout) = layout {
        let mut reader = Reader::new(None, options, layout.results, true);
        reader.duplicates = duplicates;
        if reader.layout(bytes, &layout) {
            return Ok(reader.finish(path, Some(bytes)));
        }
    }
    let first = json::scan(bytes);
    let patched = match &first {
        Ok(_) => None,
        Err(e) => {
            Some(json::patch_non_finite(bytes).ok_or_else(|| parse_error(path, bytes, None, e))?)
        }
    };
    let (text, layout) = match (first, &patched) {
        (Ok(layout), _) => (bytes, layout),
        (Err(_), Some(p)) => {
            let layout = json::scan(&p.text).map_err(|e| parse_error(path, bytes, Some(p), &e))?;
            (&p.text[..], layout)
        }
        (Err(e), None) => return Err(parse_error(path, bytes, None, &e)),
    };
    let mut reader = Reader::new(patched.as_ref(), options, layout.results, false);
    reader.duplicates = json::duplicate_keys(text);
    // Not strict: every element is read, as JSON or as an issue.
    let read = reader.layout(text, &layout);
    debug_assert!(read, "a lenient read always ends");
    Ok(reader.finish(path, Some(bytes)))
}

/// The bytes read from the file at a time, and so about the size of the
/// pieces of whole elements the stream reader parses at once.
pub(crate) const PIECE: usize = 4 << 20;

/// Reads a COCO file as a stream: pieces of whole elements, about `piece`
/// bytes each, are read, parsed, converted and dropped, so that the input
/// is never held whole. A file the stream reader does not follow to its end
/// (one it cannot scan, with an element that is not JSON, with Python's
/// `NaN`, ...) is read whole by [`read`], which gives the error (file, line,
/// column) or patches the file as it always did. `Ok(None)`: the input is
/// to be read whole. `Err`: reading the input failed.
pub(crate) fn stream(
    path: &Path,
    mut input: impl Read + Send,
    options: &ReadOptions,
    piece: usize,
) -> std::io::Result<Option<Loaded>> {
    let piece = piece.max(1);
    let mut reader = Reader::new(None, options, false, true);
    let mut scan = Scan::default();
    // The input from offset `base` on, scanned up to offset `at`.
    let mut buf: Vec<u8> = Vec::new();
    let mut spare: Vec<u8> = Vec::new();
    let mut base = 0usize;
    let mut at = 0usize;
    let mut eof = read_more(&mut input, &mut buf, piece)?;
    let Ok(mut ended) = scan.run(&buf, base, &mut at, eof) else {
        return Ok(None);
    };
    // The whole elements scanned are read while the next piece is read
    // and scanned: the rest of this piece, then more input.
    loop {
        reader.results = scan.scanner.results;
        let batch = std::mem::take(&mut scan.batch);
        if ended {
            if !reader.batch(&buf, base, &batch) {
                return Ok(None);
            }
            break;
        }
        let mut next = std::mem::take(&mut spare);
        next.clear();
        next.extend_from_slice(buf.get(at - base..).unwrap_or_default());
        let next_base = at;
        let (read, scanned) = rayon::join(
            || reader.batch(&buf, base, &batch),
            || -> std::io::Result<Result<bool, ()>> {
                eof = read_more(&mut input, &mut next, piece)?;
                Ok(scan.run(&next, next_base, &mut at, eof))
            },
        );
        let (true, Ok(more)) = (read, scanned?) else {
            return Ok(None);
        };
        ended = more;
        spare = std::mem::replace(&mut buf, next);
        base = next_base;
    }
    drop((buf, spare));
    reader.duplicates.append(&mut scan.duplicates);
    reader.dataset.info.kept = crate::model::dataset_kept(scan.extras);
    Ok(Some(reader.finish(path, None)))
}

/// Appends a piece of `input` to `buf` (or as much as `buf` holds, if
/// more: the element being read is at least that long); whether the input
/// ended.
fn read_more(input: &mut impl Read, buf: &mut Vec<u8>, piece: usize) -> std::io::Result<bool> {
    let want = piece.max(buf.len());
    buf.reserve(want);
    let got = input.take(want as u64).read_to_end(buf)?;
    Ok(got < want)
}

/// What the stream reader's scanner found: the elements of the current
/// piece, and what is kept of the rest of the document.
#[derive(Debug, Default)]
struct Scan {
    scanner: json::Scanner,
    batch: Batch,
    /// The last key that opens no list.
    key: Option<String>,
    /// The other top-level keys and their values, in file order.
    extras: Vec<(String, String)>,
    /// The top-level keys and where they first are.
    keys: IdMap<String, usize>,
    /// Repeated keys of the top level and of the other keys' values.
    duplicates: Vec<json::DuplicateKey>,
}

impl Scan {
    /// Scans `text` (the input from offset `base` on, `eof`: to its end)
    /// from offset `*at` to its end: whether the document ended; `Err`
    /// when the scanner does not follow it.
    fn run(&mut self, text: &[u8], base: usize, at: &mut usize, eof: bool) -> Result<bool, ()> {
        loop {
            match self.scanner.next(text, base, at, eof) {
                Ok(Found::Key { key, range, list }) => {
                    match self.keys.entry(key.to_string()) {
                        std::collections::hash_map::Entry::Occupied(first) => {
                            self.duplicates.push(json::DuplicateKey {
                                range,
                                key: key.to_string(),
                                first: *first.get(),
                            });
                        }
                        std::collections::hash_map::Entry::Vacant(slot) => {
                            slot.insert(range.0);
                        }
                    }
                    self.key = list.is_none().then(|| key.into_owned());
                }
                Ok(Found::Element(list, range)) => self.batch.push(list, range),
                Ok(Found::Value(range)) => {
                    let value = text
                        .get(range.0 - base..range.1 - base)
                        .and_then(|v| serde_json::from_slice::<&RawValue>(v).ok());
                    let (Some(value), Some(key)) = (value, self.key.take()) else {
                        return Err(());
                    };
                    self.extras.push((key, value.get().to_owned()));
                    let found = json::duplicate_keys_in(text, base, [range]);
                    self.duplicates.extend(found);
                }
                Ok(Found::End) => return Ok(true),
                Err(Stop::More) => return Ok(false),
                Err(Stop::Bad) => return Err(()),
            }
        }
    }
}

/// Whole elements found by the scanner: their ranges, and the runs of
/// one list (the list and where its run ends).
#[derive(Debug, Default)]
struct Batch {
    ranges: Vec<Range>,
    runs: Vec<(List, usize)>,
}

impl Batch {
    fn push(&mut self, list: List, range: Range) {
        self.ranges.push(range);
        match self.runs.last_mut() {
            Some((last, end)) if *last == list => *end = self.ranges.len(),
            _ => self.runs.push((list, self.ranges.len())),
        }
    }
}

/// Text holding the input from offset `origin` on: the whole input, or the
/// stream reader's piece.
#[derive(Clone, Copy)]
struct Piece<'t> {
    text: &'t [u8],
    origin: usize,
}

impl<'t> Piece<'t> {
    /// The bytes at `range`, offsets of the input.
    fn get(self, (start, end): Range) -> &'t [u8] {
        self.text
            .get(start.saturating_sub(self.origin)..end.saturating_sub(self.origin))
            .unwrap_or_default()
    }
}

/// Where a diagnostic goes: the issues of the categories come first, then
/// those of the images, then those of the annotations, whatever the order
/// of the lists in the file.
#[derive(Debug, Clone, Copy)]
enum Section {
    Categories = 0,
    Images = 1,
    Annotations = 2,
}

impl<'p, 'o> Reader<'p, 'o> {
    fn new(
        patched: Option<&'p Patched>,
        options: &'o ReadOptions,
        results: bool,
        strict: bool,
    ) -> Self {
        let mut dataset = Dataset::new();
        dataset.info.source_format = Some("coco".to_owned());
        Reader {
            patched,
            file: FileId(0),
            options,
            results,
            section: Section::Categories,
            issues: [Vec::new(), Vec::new(), Vec::new()],
            duplicates: Vec::new(),
            dataset,
            spans: SpanTable::new(),
            labels_by_id: IdMap::default(),
            schema_len: Vec::new(),
            images: IdMap::default(),
            sink: AnnotationSink::default(),
            seen: IdSet::default(),
            position: 0,
            pending: Vec::new(),
            rare: Vec::new(),
            strict,
            not_json: false,
        }
    }

    /// Reads the elements of `layout` from `text`, the whole input; false
    /// when one is not JSON (only when strict: serde_json's first pass did
    /// not check them).
    fn layout(&mut self, text: &[u8], layout: &json::Layout<'_>) -> bool {
        let piece = Piece { text, origin: 0 };
        self.categories(piece, &layout.categories);
        self.images(piece, &layout.images);
        self.annotations(piece, &layout.annotations);
        self.dataset.info.kept =
            crate::model::dataset_kept(layout.extras.iter().map(|(k, raw)| (k, raw.get())));
        !self.not_json
    }

    /// Reads the elements of `batch`, found in `text` (the input from offset
    /// `origin` on); false when one is not JSON.
    fn batch(&mut self, text: &[u8], origin: usize, batch: &Batch) -> bool {
        let piece = Piece { text, origin };
        let (found, ()) = rayon::join(
            || json::duplicate_keys_in(text, origin, batch.ranges.iter().copied()),
            || {
                let mut from = 0;
                for &(list, end) in &batch.runs {
                    let ranges = batch.ranges.get(from..end).unwrap_or_default();
                    match list {
                        List::Categories => self.categories(piece, ranges),
                        List::Images => self.images(piece, ranges),
                        List::Annotations => self.annotations(piece, ranges),
                    }
                    if self.not_json {
                        return;
                    }
                    from = end;
                }
            },
        );
        self.duplicates.extend(found);
        !self.not_json
    }

    /// The loaded dataset of file `path`, with its contents `bytes` unless
    /// the file is to be read again from disk.
    fn finish(mut self, path: &Path, bytes: Option<&[u8]>) -> Loaded {
        self.resolve();
        let Reader {
            mut dataset,
            mut spans,
            issues,
            mut duplicates,
            sink,
            patched,
            file,
            ..
        } = self;
        dataset.annotations = sink.finish();
        dataset.annotations.shrink_to_fit();
        spans.annotations.shrink_to_fit();
        // Repeated keys first, in file order.
        duplicates.sort_by_key(|d| d.range.0);
        let span = |(start, end): Range| match patched {
            Some(p) => ByteSpan::new(p.original(start), p.original(end)),
            None => ByteSpan::new(start, end),
        };
        let mut all: Vec<Diagnostic> = duplicates
            .into_iter()
            .map(|dup| {
                let mut d = ReadIssue::Unsupported.at(
                    file,
                    span(dup.range),
                    format!(
                        "duplicate key `{}` in one object: JSON leaves a repeated key's meaning \
                         open and readers disagree on which value counts; keep one",
                        dup.key
                    ),
                );
                d.skipped = true;
                d
            })
            .collect();
        all.extend(issues.into_iter().flatten());
        if let Some(subset) = subset_of_file_name(path) {
            for image in &mut dataset.images {
                image.subset.get_or_insert_with(|| subset.clone());
            }
        }
        let mut sources = SourceMap::new();
        // A file on disk is read again only if a diagnostic needs its text.
        let source = match bytes {
            Some(bytes) if !path.is_file() => SourceFile::with_text(path, bytes),
            _ => SourceFile::lazy(path),
        };
        let id = sources.add(source);
        spans.dataset_file = Some(id);
        Loaded {
            dataset,
            spans,
            sources,
            issues: all,
            ..Loaded::default()
        }
    }
}

struct Reader<'p, 'o> {
    patched: Option<&'p Patched>,
    file: FileId,
    options: &'o ReadOptions,
    /// A results file: a bare list of annotations.
    results: bool,
    /// Where [`Self::issue`] puts a diagnostic.
    section: Section,
    issues: [Vec<Diagnostic>; 3],
    /// Repeated keys, reported first.
    duplicates: Vec<json::DuplicateKey>,
    dataset: Dataset,
    spans: SpanTable,
    labels_by_id: IdMap<i64, LabelId>,
    /// Number of named keypoints of each label's schema.
    schema_len: Vec<usize>,
    /// Image id -> position.
    images: IdMap<u64, usize>,
    /// The shapes of the annotations read.
    sink: AnnotationSink,
    /// The annotation ids read.
    seen: IdSet<u64>,
    /// The annotations read (their position in the list).
    position: u64,
    /// The annotations read, to be resolved once all images and
    /// categories are known (see [`Pending`]).
    pending: Vec<Pending>,
    /// The annotations of `pending` that need more than it holds, in order.
    rare: Vec<Rare>,
    /// The elements were not checked by serde_json's first pass: one that
    /// is not JSON ends the read (sets `not_json`), for the caller to go
    /// back to that pass.
    strict: bool,
    not_json: bool,
}

impl<'t> Reader<'_, '_> {
    fn span(&self, (start, end): Range) -> ByteSpan {
        match self.patched {
            Some(p) => ByteSpan::new(p.original(start), p.original(end)),
            None => ByteSpan::new(start, end),
        }
    }

    fn source(&self, range: Range) -> Option<SourceSpan> {
        Some(SourceSpan {
            file: self.file,
            span: self.span(range),
        })
    }

    fn issue(&mut self, kind: ReadIssue, range: Range, message: String) -> &mut Diagnostic {
        let span = self.span(range);
        self.issue_at(kind, span, message)
    }

    fn issue_at(&mut self, kind: ReadIssue, span: ByteSpan, message: String) -> &mut Diagnostic {
        let d = kind.at(self.file, span, message);
        let issues = &mut self.issues[self.section as usize];
        issues.push(d);
        let last = issues.len() - 1;
        &mut issues[last]
    }

    /// [`Self::issue`] for input the reader leaves out of the dataset.
    fn skip(&mut self, kind: ReadIssue, range: Range, message: String) -> &mut Diagnostic {
        let d = self.issue(kind, range, message);
        d.skipped = true;
        d
    }

    /// `id`, the id of the element at `range`; without one, the element is
    /// reported as skipped, saying `why`.
    fn id_or_skip<T>(&mut self, id: Option<T>, range: Range, why: &str) -> Option<T> {
        if id.is_none() {
            self.skip(ReadIssue::MalformedValue, range, why.to_owned());
        }
        id
    }

    /// Parses one element of `piece`; a value of the wrong type is reported
    /// at its position and the element skipped.
    fn parse<T: serde::Deserialize<'t>>(
        &mut self,
        piece: Piece<'t>,
        range: Range,
        what: &str,
    ) -> Option<T> {
        let slice = piece.get(range);
        match serde_json::from_slice::<T>(slice) {
            Ok(v) => Some(v),
            Err(e) if self.strict && not_json(&e) => {
                self.not_json = true;
                None
            }
            Err(e) => {
                let (offset, message) = json::error_offset(slice, &e);
                let at = (range.0 + offset, (range.0 + offset + 1).min(range.1));
                self.skip(
                    ReadIssue::MalformedValue,
                    at,
                    format!("{what} skipped: {message}"),
                );
                None
            }
        }
    }

    fn push_label(&mut self, label: Label, span: Option<SourceSpan>) -> LabelId {
        self.schema_len
            .push(label.keypoints.as_ref().map_or(0, |s| s.names.len()));
        self.spans.labels.push(span);
        self.dataset.labels.push(label)
    }

    fn categories(&mut self, piece: Piece<'t>, ranges: &[Range]) {
        self.section = Section::Categories;
        for &range in ranges {
            let Some(cat) = self.parse::<CocoCategory<'t>>(piece, range, "category") else {
                if self.not_json {
                    return;
                }
                continue;
            };
            let id = cat.id.and_then(Num::as_i64);
            let Some(id) = self.id_or_skip(id, range, "category skipped: it has no integer id")
            else {
                continue;
            };
            let name = match &cat.name {
                Some(n) => n.to_string(),
                None => {
                    self.issue(
                        ReadIssue::MalformedValue,
                        range,
                        format!("category {id} has no name; named {id:?} after its id"),
                    );
                    id.to_string()
                }
            };
            if matches!(cat.skeleton, Some(crate::elements::Skeleton::Raw(_))) {
                self.issue(
                    ReadIssue::MalformedValue,
                    range,
                    format!(
                        "category {id}: the skeleton is not a list of 1-based index pairs; kept as written"
                    ),
                );
            }
            let label = label_from(cat, id, name);
            let span = self.source(range);
            let lid = self.push_label(label, span);
            if let std::collections::hash_map::Entry::Vacant(slot) = self.labels_by_id.entry(id) {
                slot.insert(lid);
            } else {
                self.issue(
                    ReadIssue::DuplicateId,
                    range,
                    format!("duplicate category id {id}; annotations use the first"),
                );
            }
        }
    }

    fn size(&mut self, value: Option<Num>, what: &str, id: u64, range: Range) -> u32 {
        let problem = match value {
            None => format!("image {id} has no {what}"),
            Some(Num::I(v)) => format!("image {id} has a negative {what} ({v})"),
            Some(Num::Null) => format!("image {id} has a non-finite {what}"),
            Some(n) => match n.as_u64().map(u32::try_from) {
                Some(Ok(v)) => return v,
                _ => format!("image {id} has an invalid {what} ({})", n.as_f64()),
            },
        };
        self.issue(
            ReadIssue::InvalidImageSize,
            range,
            format!("{problem}; read as 0"),
        )
        .image = Some(id);
        0
    }

    fn images(&mut self, piece: Piece<'t>, ranges: &[Range]) {
        self.section = Section::Images;
        self.dataset.images.reserve(ranges.len());
        self.images.reserve(ranges.len());
        for &range in ranges {
            let Some(img) = self.parse::<CocoImage<'t>>(piece, range, "image") else {
                if self.not_json {
                    return;
                }
                continue;
            };
            let id = img.id.and_then(Num::as_u64);
            let why = "image skipped: it has no non-negative integer id";
            let Some(id) = self.id_or_skip(id, range, why) else {
                continue;
            };
            let width = self.size(img.width, "width", id, range);
            let height = self.size(img.height, "height", id, range);
            let file_name = match img.file_name {
                Some(f) => f.into_owned(),
                None => {
                    self.issue(
                        ReadIssue::MalformedValue,
                        range,
                        format!("image {id} has no file_name"),
                    )
                    .image = Some(id);
                    String::new()
                }
            };
            let pos = self.dataset.images.len();
            if self.images.insert(id, pos).is_some() {
                self.issue(
                    ReadIssue::DuplicateId,
                    range,
                    format!("duplicate image id {id}"),
                )
                .image = Some(id);
            }
            self.dataset.images.push(Image {
                id: ImageId(id),
                file_name,
                width,
                height,
                kept: crate::model::image_kept(&img.extra),
                ..Image::default()
            });
            let span = self.source(range);
            self.spans.images.push(span);
        }
    }

    /// Annotations: parsed, checked and converted in parallel, a batch of
    /// chunks at a time; then, in file order, given their ids and appended
    /// (see [`Self::take`]). What depends on the images and categories is
    /// resolved at the end ([`Self::resolve`]), as they may come after.
    fn annotations(&mut self, piece: Piece<'t>, ranges: &[Range]) {
        self.section = Section::Annotations;
        let chunks = ranges.len().div_ceil(CHUNK);
        let batch = (rayon::current_num_threads() * 4).max(1);
        let mut next = 0;
        while next < chunks {
            let end = (next + batch).min(chunks);
            let context = &*self;
            let first = self.position;
            let parts: Vec<Prepared> = (next..end)
                .into_par_iter()
                .map(|c| {
                    let start = c * CHUNK;
                    let chunk = ranges.get(start..(start + CHUNK).min(ranges.len()));
                    context.prepare(piece, first + start as u64, chunk.unwrap_or_default())
                })
                .collect();
            for part in parts {
                if self.sink.annotations.is_empty() && !ranges.is_empty() {
                    // Room for the shapes, estimated from the first chunk.
                    let per = part.shapes.len() as f64 / part.items.len().max(1) as f64;
                    #[allow(
                        clippy::cast_possible_truncation,
                        clippy::cast_sign_loss,
                        clippy::cast_precision_loss
                    )]
                    self.sink
                        .annotations
                        .reserve((per * 1.02 * ranges.len() as f64) as usize + 16);
                    self.spans
                        .annotations
                        .reserve(self.sink.annotations.capacity());
                }
                self.take(part);
                if self.not_json {
                    return;
                }
            }
            next = end;
        }
        self.position += ranges.len() as u64;
    }

    /// Parses, checks and converts the annotations of one chunk, which
    /// starts at 0-based position `start` of the list; nothing is resolved
    /// that depends on the other annotations, the images or the categories.
    fn prepare(&self, piece: Piece<'t>, start: u64, ranges: &[Range]) -> Prepared {
        let mut part = Prepared {
            items: Vec::with_capacity(ranges.len()),
            shapes: Vec::with_capacity(ranges.len() * 2),
        };
        for (i, &range) in (0u64..).zip(ranges) {
            let slice = piece.get(range);
            let position = start + i + 1;
            let mut ann = match serde_json::from_slice::<CocoAnnotation<'t>>(slice) {
                Ok(ann) => ann,
                Err(e) => {
                    let (offset, message) = json::error_offset(slice, &e);
                    let at = (range.0 + offset, (range.0 + offset + 1).min(range.1));
                    part.items.push(Item {
                        range,
                        position,
                        outcome: Outcome::Malformed {
                            at,
                            message: format!("annotation skipped: {message}"),
                            not_json: not_json(&e),
                        },
                    });
                    continue;
                }
            };
            let id = ann.id.map(Num::as_u64);
            let image_id = ann.image_id.and_then(Num::as_u64);
            let category_id = ann.category_id.and_then(Num::as_i64);
            let mut parsed = Parsed {
                id,
                image_id,
                category_id,
                problems: Vec::new(),
                points_at: 0,
                points: None,
                zero: Zero::None,
                noticed: Noticed::default(),
            };
            let Some(image) = image_id else {
                part.items.push(Item {
                    range,
                    position,
                    outcome: Outcome::Parsed(parsed),
                });
                continue;
            };
            if category_id.is_some() {
                (parsed.problems, parsed.points_at) = self.check_annotation(&ann);
                parsed.points = ann
                    .keypoints
                    .as_ref()
                    .filter(|k| k.len() % 3 == 0)
                    .map(|k| k.len() / 3);
                parsed.zero = implied_num_keypoints(&mut ann);
                let coco_id = match id {
                    Some(Some(id)) => id,
                    _ => position,
                };
                // The label is set once the categories are known.
                parsed.noticed =
                    convert(ann, coco_id, ImageId(image), LabelId(0), &mut part.shapes);
            }
            part.items.push(Item {
                range,
                position,
                outcome: Outcome::Parsed(parsed),
            });
        }
        part
    }

    /// Takes a prepared chunk in file order: ids, repeated ids, the shapes
    /// appended with their spans, and what is left to resolve.
    fn take(&mut self, part: Prepared) {
        let mut shapes = part.shapes.into_iter();
        for item in part.items {
            let range = item.range;
            let parsed = match item.outcome {
                Outcome::Malformed { not_json: true, .. } if self.strict => {
                    self.not_json = true;
                    return;
                }
                Outcome::Malformed { at, message, .. } => {
                    self.pending.push(Pending::rare(0));
                    self.rare.push(Rare::Malformed { at, message });
                    continue;
                }
                Outcome::Parsed(parsed) => parsed,
            };
            let position = item.position;
            let (id, no_id) = match parsed.id {
                Some(Some(id)) => (id, false),
                None if self.results => (position, false),
                _ => (position, true),
            };
            let (Some(_), Some(category)) = (parsed.image_id, parsed.category_id) else {
                self.pending.push(Pending::rare(0));
                self.rare.push(Rare::Parsed {
                    range,
                    id,
                    no_id,
                    parsed,
                });
                continue;
            };
            let noticed = parsed.noticed;
            let mut flags = 0;
            if !self.seen.insert(id) && !self.results {
                flags |= Pending::REPEATED;
            }
            if noticed.bad_visibility {
                flags |= Pending::BAD_VISIBILITY;
            }
            if noticed.non_finite {
                flags |= Pending::NON_FINITE;
            }
            flags |= match parsed.zero {
                Zero::None => 0,
                Zero::Dropped => Pending::ZERO_DROPPED,
                Zero::Kept => Pending::ZERO_KEPT,
            };
            let before = self.sink.annotations.len();
            self.sink
                .annotations
                .extend(shapes.by_ref().take(noticed.members));
            self.sink.record(id, before);
            let span = self.source(range);
            for _ in before..self.sink.annotations.len() {
                self.spans.annotations.push(span);
            }
            let members = u8::try_from(noticed.members).unwrap_or(u8::MAX);
            let points = match parsed.points {
                None => Some(Pending::NO_POINTS),
                Some(n) => u32::try_from(n).ok().filter(|&n| n != Pending::NO_POINTS),
            };
            let common = !no_id && members > 0 && parsed.problems.is_empty();
            match points {
                Some(points) if common => self.pending.push(Pending {
                    category,
                    points,
                    members,
                    flags,
                }),
                _ => {
                    self.pending.push(Pending {
                        category,
                        points: Pending::NO_POINTS,
                        members,
                        flags: flags | Pending::RARE,
                    });
                    self.rare.push(Rare::Parsed {
                        range,
                        id,
                        no_id,
                        parsed,
                    });
                }
            }
        }
    }

    /// Resolves the annotations read, in file order, once every image and
    /// category is known: missing images and categories, labels, issues.
    #[allow(clippy::too_many_lines)]
    fn resolve(&mut self) {
        self.section = Section::Annotations;
        self.seen = IdSet::default();
        let keypoint_file = self.schema_len.iter().any(|&n| n > 0);
        let results = self.results;
        let pending = std::mem::take(&mut self.pending);
        let mut rare = std::mem::take(&mut self.rare).into_iter();
        // The first shape of the next annotation.
        let mut shape = 0usize;
        for p in pending {
            let members = usize::from(p.members);
            let first = self.sink.annotations.get(shape);
            let span = self.spans.annotations.get(shape).copied().flatten();
            // What a common annotation holds in its first shape.
            let (span, id, image_id, mut problems, points_at, points) = if p.flags & Pending::RARE
                == 0
            {
                let (Some(first), Some(span)) = (first, span) else {
                    continue;
                };
                let points = (p.points != Pending::NO_POINTS).then_some(p.points as usize);
                (span.span, first.id.0, first.image.0, Vec::new(), 0, points)
            } else {
                match rare.next() {
                    Some(Rare::Malformed { at, message }) => {
                        self.issue(ReadIssue::MalformedValue, at, message).skipped = true;
                        continue;
                    }
                    Some(Rare::Parsed {
                        range,
                        id,
                        no_id,
                        parsed,
                    }) => {
                        if no_id {
                            self.issue(
                                ReadIssue::MalformedValue,
                                range,
                                format!("annotation has no non-negative integer id; numbered {id} after its position"),
                            );
                        }
                        let Some(image_id) = parsed.image_id else {
                            self.skip(
                                ReadIssue::MalformedValue,
                                range,
                                format!("annotation {id} skipped: it has no non-negative integer image_id"),
                            )
                            .annotation = Some(id);
                            continue;
                        };
                        if parsed.category_id.is_none() {
                            self.skip(
                                ReadIssue::MalformedValue,
                                range,
                                format!("annotation {id} skipped: it has no integer category_id"),
                            )
                            .annotation = Some(id);
                            continue;
                        }
                        (
                            self.span(range),
                            id,
                            image_id,
                            parsed.problems,
                            parsed.points_at,
                            parsed.points,
                        )
                    }
                    None => continue,
                }
            };
            let category_id = p.category;
            if !self.images.contains_key(&image_id) {
                if !results {
                    self.issue_at(
                        ReadIssue::DanglingReference,
                        span,
                        format!(
                            "annotation {id} refers to image {image_id}, which is not in images"
                        ),
                    )
                    .annotation = Some(id);
                }
                // Results files name images only by id; so does an
                // annotation of a missing image.
                let pos = self.dataset.images.len();
                self.images.insert(image_id, pos);
                self.dataset.images.push(Image {
                    id: ImageId(image_id),
                    ..Image::default()
                });
                self.spans.images.push(None);
            }
            let label = if let Some(&l) = self.labels_by_id.get(&category_id) {
                l
            } else {
                if !results {
                    self.issue_at(
                        ReadIssue::DanglingReference,
                        span,
                        format!("annotation {id} refers to category {category_id}, which is not in categories"),
                    )
                    .annotation = Some(id);
                }
                // Used but not declared, for the undeclared-class rule
                // (results files declare no categories at all: not marked).
                let mut label = Label::new(category_id.to_string());
                label.source_id = Some(category_id);
                label.declared = results;
                let l = self.push_label(label, None);
                self.labels_by_id.insert(category_id, l);
                l
            };
            if p.flags & Pending::REPEATED != 0 {
                self.issue_at(
                    ReadIssue::DuplicateId,
                    span,
                    format!("duplicate annotation id {id}"),
                )
                .annotation = Some(id);
            }
            // A category declared in the file has a keypoint schema.
            let expected = self.schema_len.get(label.index()).copied().unwrap_or(0);
            if let Some(points) = points.filter(|&n| expected > 0 && n != expected) {
                problems.insert(
                    points_at.min(problems.len()),
                    (
                        ReadIssue::WrongValueCount,
                        format!(
                            "keypoints has {} values, expected 3 x {expected} = {} for category {}",
                            3 * points,
                            3 * expected,
                            self.dataset.labels.name(label)
                        ),
                        false,
                    ),
                );
            }
            for (kind, message, skipped) in problems {
                let d = self.issue_at(kind, span, format!("annotation {id}: {message}"));
                d.annotation = Some(id);
                d.skipped = skipped;
            }
            let end = shape + members;
            for a in self
                .sink
                .annotations
                .get_mut(shape..end)
                .unwrap_or_default()
            {
                a.label = label;
            }
            if let Some(a) = self.sink.annotations.get_mut(shape) {
                settle_num_keypoints(a, p.flags, keypoint_file);
            }
            shape = end;
            let problems = [
                (
                    members == 0,
                    ReadIssue::MalformedValue,
                    " skipped: it has no bbox, segmentation or keypoints",
                    true,
                ),
                (
                    p.flags & Pending::BAD_VISIBILITY != 0,
                    ReadIssue::MalformedValue,
                    ": a keypoint visibility is not 0, 1 or 2",
                    false,
                ),
                (
                    p.flags & Pending::NON_FINITE != 0,
                    ReadIssue::NonFinite,
                    " has a non-finite coordinate (NaN, Infinity or null)",
                    false,
                ),
            ];
            for (found, kind, what, skipped) in problems {
                if found {
                    let d = self.issue_at(kind, span, format!("annotation {id}{what}"));
                    d.annotation = Some(id);
                    d.skipped = skipped;
                }
            }
        }
    }

    /// The problems of a parsed annotation that do not depend on its
    /// category, and where in their list the one that does goes (a count of
    /// keypoints other than the category's schema has, checked by
    /// [`Self::resolve`]).
    fn check_annotation(&self, ann: &CocoAnnotation<'_>) -> (Vec<Problem>, usize) {
        // The flag: input left out of the dataset (values ignored).
        let mut problems: Vec<Problem> = Vec::new();
        if let Some(b) = &ann.bbox {
            if let Some([_, _, w, h]) = b.four() {
                if w < 0.0 || h < 0.0 {
                    problems.push((
                        ReadIssue::MalformedValue,
                        format!("bbox has a negative width or height ({w}, {h})"),
                        false,
                    ));
                }
            } else {
                problems.push((
                    ReadIssue::WrongValueCount,
                    format!(
                        "bbox has {} values, expected 4 (x, y, width, height); ignored",
                        b.len()
                    ),
                    true,
                ));
            }
        }
        match &ann.segmentation {
            Segmentation::Polygon { odd: true, .. } => problems.push((
                ReadIssue::WrongValueCount,
                "a polygon has an odd number of coordinates; the last one is ignored".to_owned(),
                true,
            )),
            Segmentation::Rle {
                height,
                width,
                counts,
            } if self.options.validate_masks => {
                let encoding = labelkit_model::rle::MaskEncoding::Coco {
                    height: *height,
                    width: *width,
                    counts: counts.clone(),
                };
                if let Err(e) = encoding.validate() {
                    problems.push((
                        ReadIssue::InvalidMask,
                        format!("invalid RLE mask: {e}"),
                        false,
                    ));
                }
            }
            _ => {}
        }
        let points_at = problems.len();
        if let Some(k) = &ann.keypoints {
            if k.len() % 3 != 0 {
                problems.push((
                    ReadIssue::WrongValueCount,
                    format!(
                        "keypoints has {} values, not a multiple of 3 (x, y, v); the last {} ignored",
                        k.len(),
                        k.len() % 3
                    ),
                    true,
                ));
            }
        }
        if let Some(obj) = &ann.attributes {
            for name in &obj.non_scalar {
                problems.push((
                    ReadIssue::Unsupported,
                    format!(
                        "attribute {name:?} is not a boolean, number or string; kept as JSON text"
                    ),
                    false,
                ));
            }
        }
        (problems, points_at)
    }
}

/// Whether a parse error says the text is not JSON (rather than JSON of
/// another shape).
fn not_json(e: &serde_json::Error) -> bool {
    matches!(
        e.classify(),
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof
    )
}

/// Annotations parsed per parallel task.
const CHUNK: usize = 1024;

/// A problem of an annotation: its kind, the message, and whether the
/// input it names is left out of the dataset.
type Problem = (ReadIssue, String, bool);

/// One chunk of annotations, parsed and converted.
struct Prepared {
    items: Vec<Item>,
    /// The shapes of all items, in order (`Noticed::members` each).
    shapes: Vec<Annotation>,
}

struct Item {
    range: Range,
    /// 1-based position in the list.
    position: u64,
    outcome: Outcome,
}

enum Outcome {
    /// Not an annotation object: reported at `at`; `not_json`: not JSON
    /// at all.
    Malformed {
        at: Range,
        message: String,
        not_json: bool,
    },
    Parsed(Parsed),
}

/// What an annotation object states, as far as it is known without the
/// other annotations, the images and the categories.
struct Parsed {
    id: Option<Option<u64>>,
    image_id: Option<u64>,
    category_id: Option<i64>,
    problems: Vec<Problem>,
    /// Where in `problems` a count of keypoints other than the category's
    /// goes.
    points_at: usize,
    /// The number of keypoints, when the values are a multiple of 3.
    points: Option<usize>,
    zero: Zero,
    noticed: Noticed,
}

/// An annotation read, to be resolved once the images and categories are
/// known (they may come after the annotations): 16 bytes. The id, image
/// and span of a usual one are those of its first shape; one that needs
/// more (an issue of its own, no shapes) also has an entry in
/// `Reader::rare`.
struct Pending {
    category: i64,
    /// The number of keypoints, [`Pending::NO_POINTS`] for none.
    points: u32,
    /// Shapes made.
    members: u8,
    flags: u8,
}

impl Pending {
    const RARE: u8 = 1;
    const REPEATED: u8 = 2;
    const BAD_VISIBILITY: u8 = 4;
    const NON_FINITE: u8 = 8;
    const ZERO_DROPPED: u8 = 16;
    const ZERO_KEPT: u8 = 32;
    const NO_POINTS: u32 = u32::MAX;

    /// A rare annotation without shapes.
    fn rare(category: i64) -> Self {
        Self {
            category,
            points: Self::NO_POINTS,
            members: 0,
            flags: Self::RARE,
        }
    }
}

/// What an unusual annotation needs to be resolved.
enum Rare {
    Malformed {
        at: Range,
        message: String,
    },
    Parsed {
        range: Range,
        /// Its id, or its position when it has none (`no_id`).
        id: u64,
        no_id: bool,
        parsed: Parsed,
    },
}

/// An annotation's `num_keypoints: 0` without `keypoints`, which the writer
/// gives every annotation of a file where a category declares keypoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zero {
    None,
    /// Written `0`: left out, to be kept back if no category declares
    /// keypoints.
    Dropped,
    /// Written otherwise: kept, to be left out if a category declares
    /// keypoints.
    Kept,
}

/// Leaves out an annotation's `num_keypoints: 0` when it has no
/// `keypoints`, before knowing whether a category declares keypoints (see
/// [`crate::model::drop_implied_num_keypoints`]); [`settle_num_keypoints`]
/// then settles it.
fn implied_num_keypoints(ann: &mut CocoAnnotation<'_>) -> Zero {
    if !crate::model::states_implied_num_keypoints(ann) {
        Zero::None
    } else if ann.num_keypoints.as_deref() == Some("0") {
        ann.num_keypoints = None;
        Zero::Dropped
    } else {
        Zero::Kept
    }
}

/// The `num_keypoints` of the first shape `first` of an annotation, as
/// [`crate::model::drop_implied_num_keypoints`] would have left it had it
/// known `keypoint_file` (whether a category declares keypoints).
fn settle_num_keypoints(first: &mut Annotation, flags: u8, keypoint_file: bool) {
    if flags & Pending::ZERO_DROPPED != 0 && !keypoint_file {
        first
            .kept
            .get_or_default::<CocoAnnotationFields>()
            .set_num_keypoints(Some(StatedNumber::from_text("0")));
    } else if flags & Pending::ZERO_KEPT != 0 && keypoint_file {
        if let Some(fields) = first.kept.get_mut::<CocoAnnotationFields>() {
            fields.set_num_keypoints(None);
            if fields.is_empty() {
                first.kept = Kept::new();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every COCO file of the corpus and the fuzz seeds, the small ones
    /// also cut every 97 bytes, and documents whose lists come in every
    /// order.
    fn documents() -> Vec<Vec<u8>> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let files = labelkit_testkit::corpus::files_below(
            &[
                root.join("tests/fuzz_seeds"),
                root.join("../../tests/corpus"),
            ],
            "json",
        );
        assert!(files.len() >= 25, "{} files", files.len());
        let mut docs = labelkit_testkit::corpus::with_cuts(files, 12000, 97);
        for (order, _) in orders() {
            docs.push(order.into_bytes());
        }
        docs
    }

    /// One document with its lists in every order (and `categories`
    /// twice), with what depends on another list: dangling and repeated
    /// ids, a keypoint count other than the schema's, an implied
    /// `num_keypoints: 0`, and a duplicate key in each list. The second of
    /// each pair: the same without the category that declares keypoints.
    fn orders() -> Vec<(String, &'static str)> {
        let images = r#""images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 5, "id": 1}, {"id": 2, "file_name": "b.jpg", "width": 10}]"#;
        let annotations = r#""annotations": [
            {"id": 7, "image_id": 1, "category_id": 3, "bbox": [1, 1, 4, 2], "area": 8, "iscrowd": 0, "num_keypoints": 0},
            {"id": 8, "image_id": 9, "category_id": 4, "keypoints": [1, 1, 2, 3, 3, 2], "num_keypoints": 2, "bbox": [0, 0, 1, 1], "bbox": [0, 0, 2, 2]},
            {"id": 7, "image_id": 2, "category_id": 5, "segmentation": [[1, 1, 4, 1, 4, 4]], "num_keypoints": 0},
            {"image_id": 2, "category_id": 3, "bbox": [1, 1, -4, 2], "attributes": {"occluded": true, "x": [1]}},
            {"id": 10, "image_id": 2},
            {"id": 11, "image_id": 2, "category_id": 3},
            {"id": "x"},
            {"id": 12, "image_id": 1, "category_id": 4, "keypoints": [1, 1, 2, 5, 5, 7, 3, 3, 2]}
        ]"#;
        let keypoint_category =
            r#", {"id": 4, "name": "person", "keypoints": ["a", "b", "c"], "skeleton": [[1, 2]]}"#;
        let mut docs = Vec::new();
        for with_keypoints in [true, false] {
            let categories = format!(
                r#""categories": [{{"id": 3, "name": "cat", "name": "dog"}}{}]"#,
                if with_keypoints {
                    keypoint_category
                } else {
                    ""
                }
            );
            let info = r#""info": {"year": 2017, "year": 2018}"#;
            let parts = [images, annotations, categories.as_str(), info];
            for order in [[0, 1, 2, 3], [3, 2, 1, 0], [1, 2, 0, 3], [2, 0, 3, 1]] {
                let body: Vec<&str> = order.iter().map(|&i| parts[i]).collect();
                docs.push((
                    format!("{{{}}}", body.join(",\n")),
                    if with_keypoints { "keypoints" } else { "plain" },
                ));
            }
            docs.push((
                format!(
                    r#"{{"categories": [], {annotations}, {images}, "categories": [{{"id": 5, "name": "five"}}], {}}}"#,
                    &categories
                ),
                "twice",
            ));
        }
        docs
    }

    use labelkit_testkit::corpus::Trickle;

    #[test]
    fn the_stream_reader_reads_as_the_whole_input_reader_does() {
        let path = Path::new("t.json");
        let options = ReadOptions::default();
        let (mut streamed, mut whole) = (0, 0);
        for doc in documents() {
            let text = String::from_utf8_lossy(&doc);
            let expected = read(path, &doc, &options);
            // Pieces of about one element, of the default size, and read
            // through reads of 7 bytes.
            for (piece, step) in [(1, usize::MAX), (PIECE, usize::MAX), (64, 7)] {
                let input = Trickle::new(&doc, step);
                match stream(path, input, &options, piece).unwrap() {
                    Some(got) => {
                        let expected = expected.as_ref().unwrap_or_else(|e| {
                            panic!("{text}\nstreamed, but the whole read fails: {e}")
                        });
                        assert_eq!(got.dataset, expected.dataset, "{text}");
                        assert_eq!(got.spans, expected.spans, "{text}");
                        assert_eq!(got.issues, expected.issues, "{text}");
                        streamed += 1;
                    }
                    // Only a document that does not read, or that holds
                    // Python's NaN, is left to the whole input reader.
                    None => {
                        assert!(
                            expected.is_err() || json::patch_non_finite(&doc).is_some(),
                            "{text}\nnot streamed"
                        );
                        whole += 1;
                    }
                }
            }
        }
        assert!(streamed >= 110, "{streamed} streamed, {whole} read whole");
    }

    /// The issues as `code message` lines, without their positions: the
    /// repeated keys, and the others.
    fn issue_lines(loaded: &Loaded) -> (Vec<String>, Vec<String>) {
        loaded
            .issues
            .iter()
            .map(|d| format!("{} {}", d.code, d.message))
            .partition(|line| line.contains("duplicate key"))
    }

    #[test]
    fn the_order_of_the_lists_does_not_change_what_is_read() {
        let path = Path::new("t.json");
        let options = ReadOptions::default();
        let docs = orders();
        let first = |kind: &str| {
            let (doc, _) = docs.iter().find(|(_, k)| *k == kind).unwrap();
            read(path, doc.as_bytes(), &options).unwrap()
        };
        let (keypoints, plain) = (first("keypoints"), first("plain"));
        for (doc, kind) in &docs {
            let loaded = read(path, doc.as_bytes(), &options).unwrap();
            let expected = match *kind {
                "keypoints" => &keypoints,
                "plain" => &plain,
                _ => continue,
            };
            assert_eq!(loaded.dataset, expected.dataset, "{doc}");
            // Repeated keys come first, in file order; then the rest.
            let (mut dups, rest) = issue_lines(&loaded);
            let (mut expected_dups, expected_rest) = issue_lines(expected);
            dups.sort();
            expected_dups.sort();
            assert_eq!(dups, expected_dups, "{doc}");
            assert_eq!(rest, expected_rest, "{doc}");
        }
        // What depends on a later list, in the order the reader reports.
        let (dups, rest) = issue_lines(&keypoints);
        assert_eq!(
            [dups, rest].concat(),
            [
                "F011 duplicate key `id` in one object: JSON leaves a repeated key's meaning open and readers disagree on which value counts; keep one",
                "F011 duplicate key `bbox` in one object: JSON leaves a repeated key's meaning open and readers disagree on which value counts; keep one",
                "F011 duplicate key `name` in one object: JSON leaves a repeated key's meaning open and readers disagree on which value counts; keep one",
                "F011 duplicate key `year` in one object: JSON leaves a repeated key's meaning open and readers disagree on which value counts; keep one",
                "F010 image 2 has no height; read as 0",
                "F004 annotation 8 refers to image 9, which is not in images",
                "F002 annotation 8: keypoints has 6 values, expected 3 x 3 = 9 for category person",
                "F004 annotation 7 refers to category 5, which is not in categories",
                "F005 duplicate annotation id 7",
                "F001 annotation has no non-negative integer id; numbered 4 after its position",
                "F001 annotation 4: bbox has a negative width or height (-4, 2)",
                "F011 annotation 4: attribute \"x\" is not a boolean, number or string; kept as JSON text",
                "F001 annotation 10 skipped: it has no integer category_id",
                "F001 annotation 11 skipped: it has no bbox, segmentation or keypoints",
                "F001 annotation skipped: invalid type: string \"x\", expected a number",
                "F001 annotation 12: a keypoint visibility is not 0, 1 or 2",
            ]
        );
        // `num_keypoints: 0` without keypoints is implied in a file with a
        // keypoint category, and kept in one without.
        let implied = |loaded: &Loaded| {
            loaded
                .dataset
                .annotations
                .iter()
                .filter(|a| {
                    a.kept
                        .get::<CocoAnnotationFields>()
                        .and_then(CocoAnnotationFields::num_keypoints)
                        .is_some()
                })
                .map(|a| a.id.0)
                .collect::<Vec<_>>()
        };
        assert_eq!(implied(&keypoints), Vec::<u64>::new());
        assert_eq!(implied(&plain), [7, 7]);
    }
}
