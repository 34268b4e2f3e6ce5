//! The reader: two passes over the bytes.
//!
//! 1. [`json::scan_structure`] records the byte range of every image,
//!    annotation and category by their brackets, and the raw text of the
//!    other top-level keys; meanwhile [`json::duplicate_keys`] looks for
//!    repeated keys. It allocates nothing per element but the range. When
//!    it cannot follow the file, or an element turns out not to be JSON,
//!    [`json::scan`] (serde_json over the whole document) takes its place
//!    and refuses the file with its position, or patches Python's `NaN`.
//! 2. Categories, then images, then annotations are parsed from their ranges
//!    (so their order in the file does not matter), borrowing strings from
//!    the input, and converted to the model as they come. Annotations are
//!    parsed, checked and converted in parallel chunks (rayon), then settled
//!    in file order (ids, references, issues), so the result is the same
//!    whatever the number of threads.

use std::path::Path;

use labelkit_diagnostics::{
    ByteSpan, Diagnostic, FileId, Loaded, ParseError, ReadIssue, SourceFile, SourceMap, SourceSpan,
    SpanTable,
};
use labelkit_model::{Annotation, Dataset, Image, ImageId, Label, LabelId};
use rayon::prelude::*;

use crate::elements::{CocoAnnotation, CocoCategory, CocoImage, Segmentation};
use crate::json::{self, Num, Patched, Range};
use crate::model::{convert, label_from, AnnotationSink, Noticed};
use crate::{Error, IdMap, IdSet, ReadOptions};

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
        if let Some(reader) = Reader::read(bytes, None, &layout, duplicates, options, true) {
            return Ok(reader.finish(path, bytes));
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
    let duplicates = json::duplicate_keys(text);
    let reader = Reader::read(text, patched.as_ref(), &layout, duplicates, options, false);
    // Not strict: every element is read, as JSON or as an issue.
    Ok(reader
        .unwrap_or_else(|| unreachable!("a lenient read always ends"))
        .finish(path, bytes))
}

impl<'t, 'o> Reader<'t, 'o> {
    /// Reads the elements of `layout` from `text`. `strict`: `None` when
    /// an element is not JSON (serde_json's first pass did not check it).
    fn read(
        text: &'t [u8],
        patched: Option<&'t Patched>,
        layout: &json::Layout<'t>,
        duplicates: Vec<json::DuplicateKey>,
        options: &'o ReadOptions,
        strict: bool,
    ) -> Option<Self> {
        let mut reader = Reader {
            text,
            patched,
            file: FileId(0),
            options,
            issues: Vec::new(),
            dataset: Dataset::new(),
            spans: SpanTable::new(),
            labels_by_id: IdMap::default(),
            schema_len: Vec::new(),
            images: IdMap::default(),
            strict,
            not_json: false,
        };
        reader.dataset.info.source_format = Some("coco".to_owned());
        for dup in duplicates {
            reader.skip(
                ReadIssue::Unsupported,
                dup.range,
                format!(
                    "duplicate key `{}` in one object: JSON leaves a repeated key's meaning \
                     open and readers disagree on which value counts; keep one",
                    dup.key
                ),
            );
        }
        reader.categories(&layout.categories);
        if reader.not_json {
            return None;
        }
        reader.images(&layout.images);
        if reader.not_json {
            return None;
        }
        reader.annotations(&layout.annotations, layout.results);
        if reader.not_json {
            return None;
        }
        reader.dataset.info.kept =
            crate::model::dataset_kept(layout.extras.iter().map(|(k, raw)| (k, raw.get())));
        Some(reader)
    }

    /// The loaded dataset of file `path` with contents `bytes`.
    fn finish(self, path: &Path, bytes: &[u8]) -> Loaded {
        let Reader {
            mut dataset,
            mut spans,
            issues,
            ..
        } = self;
        if let Some(subset) = subset_of_file_name(path) {
            for image in &mut dataset.images {
                image.subset.get_or_insert_with(|| subset.clone());
            }
        }
        let mut sources = SourceMap::new();
        // A file on disk is read again only if a diagnostic needs its text.
        let file = if path.is_file() {
            SourceFile::lazy(path)
        } else {
            SourceFile::with_text(path, bytes)
        };
        let id = sources.add(file);
        spans.dataset_file = Some(id);
        Loaded {
            dataset,
            spans,
            sources,
            issues,
            ..Loaded::default()
        }
    }
}

struct Reader<'t, 'o> {
    text: &'t [u8],
    patched: Option<&'t Patched>,
    file: FileId,
    options: &'o ReadOptions,
    issues: Vec<Diagnostic>,
    dataset: Dataset,
    spans: SpanTable,
    labels_by_id: IdMap<i64, LabelId>,
    /// Number of named keypoints of each label's schema.
    schema_len: Vec<usize>,
    /// Image id -> position.
    images: IdMap<u64, usize>,
    /// The elements were not checked by serde_json's first pass: one that
    /// is not JSON ends the read (sets `not_json`), for the caller to go
    /// back to that pass.
    strict: bool,
    not_json: bool,
}

impl<'t> Reader<'t, '_> {
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
        let d = kind.at(self.file, self.span(range), message);
        self.issues.push(d);
        let last = self.issues.len() - 1;
        &mut self.issues[last]
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

    /// Parses one element; a value of the wrong type is reported at its
    /// position and the element skipped.
    fn parse<T: serde::Deserialize<'t>>(&mut self, range: Range, what: &str) -> Option<T> {
        let slice = self.text.get(range.0..range.1)?;
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

    fn categories(&mut self, ranges: &[Range]) {
        for &range in ranges {
            let Some(cat) = self.parse::<CocoCategory<'t>>(range, "category") else {
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

    fn images(&mut self, ranges: &[Range]) {
        self.dataset.images.reserve(ranges.len());
        self.images.reserve(ranges.len());
        for &range in ranges {
            let Some(img) = self.parse::<CocoImage<'t>>(range, "image") else {
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
    /// chunks at a time; then, in file order, ids, references and issues are
    /// resolved and the shapes appended, so the result does not depend on
    /// the threads.
    #[allow(clippy::too_many_lines)]
    fn annotations(&mut self, ranges: &[Range], results: bool) {
        let mut sink = AnnotationSink::default();
        let mut seen: IdSet<u64> = IdSet::default();
        seen.reserve(ranges.len());
        let chunks = ranges.len().div_ceil(CHUNK);
        let batch = (rayon::current_num_threads() * 4).max(1);
        let mut next = 0;
        while next < chunks {
            let end = (next + batch).min(chunks);
            let context = &*self;
            let parts: Vec<Prepared> = (next..end)
                .into_par_iter()
                .map(|c| {
                    let start = c * CHUNK;
                    let chunk = ranges.get(start..(start + CHUNK).min(ranges.len()));
                    context.prepare(start, chunk.unwrap_or_default())
                })
                .collect();
            for part in parts {
                if sink.annotations.is_empty() && !ranges.is_empty() {
                    // Room for the shapes, estimated from the first chunk.
                    let per = part.shapes.len() as f64 / part.items.len().max(1) as f64;
                    #[allow(
                        clippy::cast_possible_truncation,
                        clippy::cast_sign_loss,
                        clippy::cast_precision_loss
                    )]
                    sink.annotations
                        .reserve((per * 1.02 * ranges.len() as f64) as usize + 16);
                    self.spans.annotations.reserve(sink.annotations.capacity());
                }
                self.settle(part, results, &mut sink, &mut seen);
                if self.not_json {
                    return;
                }
            }
            next = end;
        }
        self.dataset.annotations = sink.finish();
        self.dataset.annotations.shrink_to_fit();
        self.spans.annotations.shrink_to_fit();
    }

    /// Parses, checks and converts the annotations of one chunk, which
    /// starts at position `start` of the list; nothing is resolved that
    /// depends on the annotations before it.
    fn prepare(&self, start: usize, ranges: &[Range]) -> Prepared {
        let mut part = Prepared {
            items: Vec::with_capacity(ranges.len()),
            shapes: Vec::with_capacity(ranges.len() * 2),
        };
        let keypoint_file = self.schema_len.iter().any(|&n| n > 0);
        for (i, &range) in ranges.iter().enumerate() {
            let slice = self.text.get(range.0..range.1).unwrap_or_default();
            let mut ann = match serde_json::from_slice::<CocoAnnotation<'t>>(slice) {
                Ok(ann) => ann,
                Err(e) => {
                    let (offset, message) = json::error_offset(slice, &e);
                    let at = (range.0 + offset, (range.0 + offset + 1).min(range.1));
                    part.items.push(Item {
                        range,
                        position: 0,
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
            let position = (start + i) as u64 + 1;
            let (Some(image), Some(category)) = (image_id, category_id) else {
                part.items.push(Item {
                    range,
                    position,
                    outcome: Outcome::Parsed {
                        id,
                        image_id,
                        category_id,
                        label: None,
                        problems: Vec::new(),
                        noticed: Noticed::default(),
                    },
                });
                continue;
            };
            let known = self.labels_by_id.get(&category).copied();
            // A label made for an unknown category has no keypoint schema.
            let problems = self.check_annotation(&ann, known);
            crate::model::drop_implied_num_keypoints(&mut ann, keypoint_file);
            let coco_id = match id {
                Some(Some(id)) => id,
                _ => position,
            };
            let noticed = convert(
                ann,
                coco_id,
                ImageId(image),
                known.unwrap_or(LabelId(0)),
                &mut part.shapes,
            );
            part.items.push(Item {
                range,
                position,
                outcome: Outcome::Parsed {
                    id,
                    image_id,
                    category_id,
                    label: known,
                    problems,
                    noticed,
                },
            });
        }
        part
    }

    /// Resolves a prepared chunk in file order: ids, missing images and
    /// categories, issues, and the shapes appended to `sink`.
    #[allow(clippy::too_many_lines)]
    fn settle(
        &mut self,
        part: Prepared,
        results: bool,
        sink: &mut AnnotationSink,
        seen: &mut IdSet<u64>,
    ) {
        let mut shapes = part.shapes.into_iter();
        for item in part.items {
            let range = item.range;
            let (id, image_id, category_id, known, problems, noticed) = match item.outcome {
                Outcome::Malformed { not_json: true, .. } if self.strict => {
                    self.not_json = true;
                    return;
                }
                Outcome::Malformed { at, message, .. } => {
                    self.skip(ReadIssue::MalformedValue, at, message);
                    continue;
                }
                Outcome::Parsed {
                    id,
                    image_id,
                    category_id,
                    label,
                    problems,
                    noticed,
                } => (id, image_id, category_id, label, problems, noticed),
            };
            let position = item.position;
            let id = match id {
                Some(Some(id)) => id,
                None if results => position,
                _ => {
                    self.issue(
                        ReadIssue::MalformedValue,
                        range,
                        format!("annotation has no non-negative integer id; numbered {position} after its position"),
                    );
                    position
                }
            };
            let Some(image_id) = image_id else {
                self.skip(
                    ReadIssue::MalformedValue,
                    range,
                    format!("annotation {id} skipped: it has no non-negative integer image_id"),
                )
                .annotation = Some(id);
                continue;
            };
            let Some(category_id) = category_id else {
                self.skip(
                    ReadIssue::MalformedValue,
                    range,
                    format!("annotation {id} skipped: it has no integer category_id"),
                )
                .annotation = Some(id);
                continue;
            };
            if !self.images.contains_key(&image_id) {
                if !results {
                    self.issue(
                        ReadIssue::DanglingReference,
                        range,
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
            let label = if let Some(l) = known {
                l
            } else if let Some(&l) = self.labels_by_id.get(&category_id) {
                l
            } else {
                if !results {
                    self.issue(
                        ReadIssue::DanglingReference,
                        range,
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
            if !seen.insert(id) && !results {
                self.issue(
                    ReadIssue::DuplicateId,
                    range,
                    format!("duplicate annotation id {id}"),
                )
                .annotation = Some(id);
            }
            for (kind, message, skipped) in problems {
                let d = self.issue(kind, range, format!("annotation {id}: {message}"));
                d.annotation = Some(id);
                d.skipped = skipped;
            }
            let before = sink.annotations.len();
            sink.annotations
                .extend(shapes.by_ref().take(noticed.members).map(|mut a| {
                    a.label = label;
                    a
                }));
            sink.record(id, before);
            let problems = [
                (
                    noticed.members == 0,
                    ReadIssue::MalformedValue,
                    " skipped: it has no bbox, segmentation or keypoints",
                    true,
                ),
                (
                    noticed.bad_visibility,
                    ReadIssue::MalformedValue,
                    ": a keypoint visibility is not 0, 1 or 2",
                    false,
                ),
                (
                    noticed.non_finite,
                    ReadIssue::NonFinite,
                    " has a non-finite coordinate (NaN, Infinity or null)",
                    false,
                ),
            ];
            for (found, kind, what, skipped) in problems {
                if found {
                    let d = self.issue(kind, range, format!("annotation {id}{what}"));
                    d.annotation = Some(id);
                    d.skipped = skipped;
                }
            }
            let span = self.source(range);
            for _ in before..sink.annotations.len() {
                self.spans.annotations.push(span);
            }
        }
    }

    /// The problems of a parsed annotation whose category is `label` (a
    /// category not in the file has no keypoint schema).
    fn check_annotation(
        &self,
        ann: &CocoAnnotation<'_>,
        label: Option<LabelId>,
    ) -> Vec<(ReadIssue, String, bool)> {
        // The flag: input left out of the dataset (values ignored).
        let mut problems: Vec<(ReadIssue, String, bool)> = Vec::new();
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
        if let Some(k) = &ann.keypoints {
            let expected = label
                .and_then(|l| self.schema_len.get(l.index()).copied())
                .unwrap_or(0);
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
            } else if expected > 0 && k.len() != 3 * expected {
                problems.push((
                    ReadIssue::WrongValueCount,
                    format!(
                        "keypoints has {} values, expected 3 x {expected} = {} for category {}",
                        k.len(),
                        3 * expected,
                        label.map_or("", |l| self.dataset.labels.name(l))
                    ),
                    false,
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
        problems
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
    Parsed {
        id: Option<Option<u64>>,
        image_id: Option<u64>,
        category_id: Option<i64>,
        /// The label of a category declared in the file.
        label: Option<LabelId>,
        problems: Vec<(ReadIssue, String, bool)>,
        noticed: Noticed,
    },
}
