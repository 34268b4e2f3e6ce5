//! The reader: one pass of a borrowing pull parser over the bytes.
//!
//! This module walks the document (the root, `<version>`, `<meta>`,
//! `<image>`s) and declares labels as shapes name them; the elements inside
//! go to the module of their kind:
//! - [`shapes`]: the shapes of an image, skeletons and masks, and the
//!   geometry of every shape kind;
//! - [`tracks`]: the `<track>`s of CVAT for video and the element tracks of a
//!   skeleton track;
//! - [`values`]: attribute values, numbers, flags and points strings;
//! - [`stream`]: reading from a stream, one piece of the root's content at
//!   a time.

use std::path::Path;

use labelkit_diagnostics::{ByteSpan, FileId, Loaded, ParseError, ReadIssue, SourceSpan};
use labelkit_model::{Dataset, Image, ImageId, InputType, Label, LabelId, LabelIndex};
use quick_xml::events::Event;

use crate::kept::{CvatDocument, CvatImage};
use crate::meta::{parse_meta, Meta};
use crate::xml::{int_value, AttrList, Xml};

use shapes::kind_of;
pub(crate) use shapes::CUBOID_NAMES;
use tracks::SpannedTrack;

mod shapes;
mod stream;
mod tracks;
mod values;

pub(crate) use stream::{stream, Workers, PIECE};

/// A child element: its local name, the span of its start tag, and whether
/// it is empty (`<name/>`).
struct Child<'c> {
    name: &'c [u8],
    start: usize,
    end: usize,
    empty: bool,
}

struct Reader<'a> {
    x: Xml<'a>,
    /// What is built, carried from piece to piece.
    b: Built,
    /// Scratch lists of XML attributes, reused from shape to shape.
    attrs: AttrList<'a>,
    child_attrs: AttrList<'a>,
}

pub(crate) fn read(path: &Path, file: FileId, bytes: &[u8]) -> Result<Loaded, ParseError> {
    read_with(path, file, bytes, true)
}

/// What the reader has built, apart from its parser: carried from piece to
/// piece when the input is read piece by piece ([`stream`]).
struct Built {
    dataset: Dataset,
    spans: labelkit_diagnostics::SpanTable,
    label_index: LabelIndex,
    attribute_types:
        std::collections::HashMap<LabelId, std::collections::HashMap<String, InputType>>,
    used_image_ids: Option<std::collections::HashSet<u64>>,
    last_image_id: Option<u64>,
    next_fresh_image_id: u64,
    next_annotation_id: u64,
    raw_attributes: Vec<(String, String)>,
    saw_track: bool,
    last_label: Option<(String, LabelId)>,
    /// The issues of the pieces read so far.
    issues: Vec<labelkit_diagnostics::Diagnostic>,
    /// Whether what was read depends on more than the labels and the
    /// number of what came before: a label declared, `<meta>` or
    /// `<version>` read, an image without an id or with an id not above
    /// the one before. A piece read on its own ([`stream`]) is then read
    /// again where it stands.
    depends: bool,
}

/// The labels a piece is read with when read on its own ([`stream`]).
struct Labels {
    labels: labelkit_model::LabelSet,
    index: LabelIndex,
    attribute_types:
        std::collections::HashMap<LabelId, std::collections::HashMap<String, InputType>>,
}

impl Built {
    /// Nothing built yet, for an input of `size` bytes.
    fn new(file: FileId, size: usize) -> Self {
        let mut built = Self::empty();
        // Room for the annotations, the largest part by far, guessed from
        // the size: a shape takes more than 160 bytes of XML but for the
        // barest boxes. Room never used is never touched (no memory is used
        // for it); when there are more shapes, the vector grows as usual.
        let shapes = size / 160;
        built.dataset.annotations.reserve(shapes);
        built.spans.annotations.reserve(shapes);
        built.spans.dataset_file = Some(file);
        built
    }

    /// Nothing built.
    fn empty() -> Self {
        Self {
            dataset: Dataset::new(),
            spans: labelkit_diagnostics::SpanTable::new(),
            label_index: LabelIndex::default(),
            attribute_types: std::collections::HashMap::new(),
            used_image_ids: None,
            last_image_id: None,
            next_fresh_image_id: 1 << 32,
            next_annotation_id: 1,
            raw_attributes: Vec::new(),
            saw_track: false,
            last_label: None,
            issues: Vec::new(),
            depends: false,
        }
    }

    /// Nothing built yet but the labels of `labels`, for a piece read on
    /// its own ([`stream`]).
    fn with_labels(labels: &Labels) -> Self {
        let mut built = Self::empty();
        built.dataset.labels = labels.labels.clone();
        built.label_index = labels.index.clone();
        built.attribute_types = labels.attribute_types.clone();
        built
    }

    /// The labels read so far, for pieces read on their own.
    fn labels(&self) -> Labels {
        Labels {
            labels: self.dataset.labels.clone(),
            index: self.label_index.clone(),
            attribute_types: self.attribute_types.clone(),
        }
    }

    /// The dataset read.
    fn finish(self) -> Loaded {
        let Built {
            mut dataset,
            spans,
            saw_track,
            issues,
            ..
        } = self;
        crate::project::crowd_from_attribute(&mut dataset);
        dataset.info.source_format = Some(
            if saw_track {
                "cvat-video"
            } else {
                "cvat-images"
            }
            .to_owned(),
        );
        Loaded {
            dataset,
            spans,
            sources: labelkit_diagnostics::SourceMap::new(),
            issues,
            ..Loaded::default()
        }
    }
}

/// Reads with the fast reader where it applies (`fast`), else with
/// quick-xml's reader throughout; the two read the same.
fn read_with(path: &Path, file: FileId, bytes: &[u8], fast: bool) -> Result<Loaded, ParseError> {
    let mut r = Reader::with(
        Xml::new(path, file, bytes, 0, bytes.len()),
        Built::new(file, bytes.len()),
    );
    r.x.validate_utf8();
    if fast {
        r.x.read_fast();
    }
    r.document()?;
    Ok(r.into_built().finish())
}

impl<'a> Reader<'a> {
    /// A reader of `x` that goes on from `built`.
    fn with(mut x: Xml<'a>, mut b: Built) -> Self {
        b.issues.append(&mut x.issues);
        x.issues = std::mem::take(&mut b.issues);
        Self {
            x,
            b,
            attrs: Vec::new(),
            child_attrs: Vec::new(),
        }
    }

    /// What this reader built, its parser's issues included.
    fn into_built(self) -> Built {
        let mut b = self.b;
        b.issues = self.x.issues;
        b
    }

    fn document(&mut self) -> Result<(), ParseError> {
        if self.prolog()? && self.content()? {
            self.epilog()?;
        }
        Ok(())
    }

    /// Reads up to the root element; `false` if it is empty (`<annotations/>`).
    fn prolog(&mut self) -> Result<bool, ParseError> {
        loop {
            let ev = self.x.next()?;
            match ev.event {
                Event::Start(e) if e.local_name().as_ref() == b"annotations" => {
                    // Whitespace between elements is of no interest from here.
                    self.x.skip_whitespace(true);
                    return Ok(true);
                }
                Event::Empty(e) if e.local_name().as_ref() == b"annotations" => return Ok(false),
                Event::Start(e) | Event::Empty(e) => {
                    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    return Err(self.x.error_at(
                        ev.start,
                        format!("expected the root element <annotations>, found <{name}>"),
                    ));
                }
                Event::Text(t) if !t.iter().all(u8::is_ascii_whitespace) => {
                    return Err(self.x.error_at(
                        ev.start,
                        "expected the root element <annotations>, found text",
                    ));
                }
                Event::Eof => {
                    return Err(self.x.error_at(
                        ev.start,
                        "expected the root element <annotations>, found the end of the file",
                    ));
                }
                _ => {}
            }
        }
    }

    /// Reads the content of the root element up to its end tag (`true`) or
    /// the end of the input (`false`).
    fn content(&mut self) -> Result<bool, ParseError> {
        loop {
            let ev = self.x.next()?;
            match ev.event {
                Event::Start(e) => {
                    let local = crate::xml::local_name(&e);
                    match local {
                        b"version" => {
                            self.b.depends = true;
                            let (text, _) = self.x.read_text()?;
                            if text.trim() != "1.1" {
                                self.document_fields().version = Some(text);
                            }
                        }
                        b"meta" => {
                            self.b.depends = true;
                            let end = self.x.skip_element()?;
                            self.meta(ev.start, end)?;
                        }
                        b"image" => self.image(ev.start, ev.end, false)?,
                        b"track" => {
                            self.b.saw_track = true;
                            let track = self.track(ev.start, ev.end, false, None)?;
                            if let Some(track) = track {
                                self.push_track(track);
                            }
                        }
                        other => {
                            let other = String::from_utf8_lossy(other).into_owned();
                            let end = self.x.skip_element()?;
                            self.x.skip(
                                ReadIssue::Unsupported,
                                ev.start,
                                end,
                                format!("<{other}> is not part of CVAT 1.1 and is skipped"),
                            );
                        }
                    }
                }
                Event::Empty(e) => {
                    let local = crate::xml::local_name(&e);
                    match local {
                        b"image" => self.image(ev.start, ev.end, true)?,
                        b"track" => {
                            self.b.saw_track = true;
                            if let Some(track) = self.track(ev.start, ev.end, true, None)? {
                                self.push_track(track);
                            }
                        }
                        b"meta" | b"version" => {}
                        other => {
                            let other = String::from_utf8_lossy(other).into_owned();
                            self.x.skip(
                                ReadIssue::Unsupported,
                                ev.start,
                                ev.end,
                                format!("<{other}> is not part of CVAT 1.1 and is skipped"),
                            );
                        }
                    }
                }
                Event::End(_) => return Ok(true),
                Event::Eof => return Ok(false),
                _ => {}
            }
        }
    }

    /// Reads what follows the root element: only comments and whitespace
    /// may.
    fn epilog(&mut self) -> Result<(), ParseError> {
        loop {
            let ev = self.x.next()?;
            match ev.event {
                Event::Eof => return Ok(()),
                Event::Start(_) | Event::Empty(_) => {
                    return Err(self
                        .x
                        .error_at(ev.start, "unexpected element after the root element"));
                }
                Event::Text(t) if !t.iter().all(u8::is_ascii_whitespace) => {
                    return Err(self
                        .x
                        .error_at(ev.start, "unexpected text after the root element"));
                }
                _ => {}
            }
        }
    }

    /// Adds a track read at the top level, with its spans.
    fn push_track(&mut self, (track, span, shapes): SpannedTrack) {
        self.b.dataset.tracks.push(track);
        self.b.spans.tracks.push(Some(self.span(span.0, span.1)));
        let shapes = shapes.iter().map(|&(s, e)| Some(self.span(s, e))).collect();
        self.b.spans.track_shapes.push(shapes);
    }

    fn span(&self, start: usize, end: usize) -> SourceSpan {
        SourceSpan {
            file: self.x.file,
            span: ByteSpan::new(start, end),
        }
    }

    fn meta(&mut self, start: usize, end: usize) -> Result<(), ParseError> {
        let (meta, issues) = parse_meta(self.x.path, self.x.file, self.x.full, start, end)?;
        self.x.issues.extend(issues);
        let raw = self.x.full.get(start..end).unwrap_or_default();
        self.document_fields().meta = Some(String::from_utf8_lossy(raw).into_owned());
        self.b.dataset.info.video = meta.video();
        self.b.dataset.info.task = meta.task();
        let Meta {
            name,
            labels,
            label_spans,
            ..
        } = meta;
        if self.b.dataset.info.name.is_none() {
            self.b.dataset.info.name = name;
        }
        // `LabelSet::push` keeps the set below 2^32 labels.
        let offset = u32::try_from(self.b.dataset.labels.len()).expect("fewer than 2^32 labels");
        for (mut label, span) in labels.into_iter().zip(label_spans) {
            if let Some(p) = label.parent.as_mut() {
                p.0 = p.0.saturating_add(offset);
            }
            let id = self.b.dataset.labels.push(label);
            if let Some(label) = self.b.dataset.labels.get(id) {
                self.b.label_index.insert(id, label);
                if !label.attributes.is_empty() {
                    let types = self.b.attribute_types.entry(id).or_default();
                    for spec in &label.attributes {
                        types.entry(spec.name.clone()).or_insert(spec.input_type);
                    }
                }
            }
            self.b.spans.labels.push(Some(SourceSpan {
                file: self.x.file,
                span,
            }));
        }
        Ok(())
    }

    /// CVAT's fields of the document, kept in the dataset information.
    fn document_fields(&mut self) -> &mut CvatDocument {
        self.b.dataset.info.kept.get_or_default::<CvatDocument>()
    }

    /// The label called `name`, declaring it (and reporting it) if unknown.
    fn label(&mut self, name: &str, parent: Option<LabelId>, start: usize, end: usize) -> LabelId {
        if parent.is_none() {
            if let Some((last, id)) = &self.b.last_label {
                if last == name {
                    return *id;
                }
            }
        }
        let id = self.find_or_declare(name, parent, start, end);
        if parent.is_none() {
            match &mut self.b.last_label {
                Some((last, last_id)) => {
                    last.clear();
                    last.push_str(name);
                    *last_id = id;
                }
                None => self.b.last_label = Some((name.to_owned(), id)),
            }
        }
        id
    }

    fn find_or_declare(
        &mut self,
        name: &str,
        parent: Option<LabelId>,
        start: usize,
        end: usize,
    ) -> LabelId {
        let known = match parent {
            Some(parent) => self.b.label_index.find_child(parent, name),
            None => self.b.label_index.find(name),
        };
        if let Some(id) = known {
            return id;
        }
        self.b.depends = true;
        let mut label = Label::new(name);
        label.parent = parent;
        label.declared = false;
        let id = self.b.dataset.labels.push(label);
        if let Some(label) = self.b.dataset.labels.get(id) {
            self.b.label_index.insert(id, label);
        }
        self.b.spans.labels.push(Some(self.span(start, end)));
        let what = match parent {
            Some(p) => format!(
                "skeleton element label `{name}` is not declared under `{}` in <meta>",
                self.b.dataset.labels.name(p)
            ),
            None => format!("label `{name}` is not declared in <meta>"),
        };
        self.x.issue(ReadIssue::UnknownClass, start, end, what);
        id
    }

    fn image(&mut self, start: usize, tag_end: usize, empty: bool) -> Result<(), ParseError> {
        let mut list = std::mem::take(&mut self.attrs);
        self.x.tag_attributes(start, tag_end, &mut list)?;
        let mut image = Image::default();
        let mut file_id: Option<u64> = None;
        let mut kept = CvatImage::default();
        let mut problems: Vec<(ReadIssue, (usize, usize), String)> = Vec::new();
        for (k, v) in &list {
            match *k {
                b"id" => match int_value::<u64>(v, 0, u64::MAX) {
                    Ok(id) => file_id = Some(id),
                    Err(e) => problems.push((
                        ReadIssue::MalformedValue,
                        self.x.attr_value_span(start, tag_end, k),
                        format!("image id `{v}` {e}"),
                    )),
                },
                b"name" => image.file_name = v.to_string(),
                b"width" | b"height" => {
                    let n = match int_value::<u32>(v, 1, u32::MAX) {
                        Ok(n) => Some(n),
                        Err(e) => {
                            problems.push((
                                ReadIssue::InvalidImageSize,
                                self.x.attr_value_span(start, tag_end, k),
                                format!("image {} `{v}` {e}", String::from_utf8_lossy(k)),
                            ));
                            None
                        }
                    };
                    if *k == b"width" {
                        image.width = n.unwrap_or(0);
                    } else {
                        image.height = n.unwrap_or(0);
                    }
                }
                b"subset" => image.subset = Some(v.to_string()),
                _ => kept
                    .attrs
                    .push((String::from_utf8_lossy(k).into_owned(), v.to_string())),
            }
        }
        crate::kept::store(&mut image.kept, kept);
        self.attrs = list;
        let position = self.b.dataset.images.len() as u64;
        if file_id.is_none() {
            self.b.depends = true;
        }
        let wanted = file_id.unwrap_or(position);
        let id = if self.take_image_id(wanted) {
            wanted
        } else {
            self.b.depends = true;
            // Project exports number the images of each task from 0: keep the
            // written id aside and give this image a fresh one.
            while !self.take_image_id(self.b.next_fresh_image_id) {
                self.b.next_fresh_image_id += 1;
            }
            image.repeated_id = Some(wanted);
            self.b.next_fresh_image_id
        };
        image.id = ImageId(id);
        let image_pos = self.b.dataset.images.len();
        self.b.dataset.images.push(image);
        self.b.spans.images.push(None);
        let end = self.children(empty, tag_end, |r, c| match kind_of(c.name) {
            Some(kind) => r.image_shape(kind, (c.start, c.end), c.empty, ImageId(id)),
            None => {
                r.x.skip_unknown(c.name, c.start, c.end, c.empty, "in <image>")
            }
        })?;
        let end = end.max(start);
        if let Some(slot) = self.b.spans.images.get_mut(image_pos) {
            *slot = Some(SourceSpan {
                file: self.x.file,
                span: ByteSpan::new(start, end),
            });
        }
        for (kind, (from, to), msg) in problems {
            self.x.issue(kind, from, to, msg);
        }
        Ok(())
    }

    /// Walks the children of the element whose start tag ends at `tag_end`
    /// (none when the element is empty), handing each to `child`; returns
    /// the end of the element.
    fn children(
        &mut self,
        empty: bool,
        tag_end: usize,
        mut child: impl FnMut(&mut Self, Child<'_>) -> Result<(), ParseError>,
    ) -> Result<usize, ParseError> {
        if empty {
            return Ok(tag_end);
        }
        loop {
            let ev = self.x.next()?;
            match ev.event {
                Event::Start(ref c) | Event::Empty(ref c) => {
                    let c = Child {
                        name: crate::xml::local_name(c),
                        start: ev.start,
                        end: ev.end,
                        empty: matches!(ev.event, Event::Empty(_)),
                    };
                    child(self, c)?;
                }
                Event::End(_) | Event::Eof => return Ok(ev.end),
                _ => {}
            }
        }
    }

    /// Takes image id `id`; `false` if an earlier image has it.
    fn take_image_id(&mut self, id: u64) -> bool {
        if let Some(used) = &mut self.b.used_image_ids {
            return used.insert(id);
        }
        match self.b.last_image_id {
            Some(last) if id <= last => {
                self.b.depends = true;
                // The ids stopped growing: from now on remember them all.
                let mut used: std::collections::HashSet<u64> =
                    self.b.dataset.images.iter().map(|i| i.id.0).collect();
                let fresh = used.insert(id);
                self.b.used_image_ids = Some(used);
                fresh
            }
            _ => {
                self.b.last_image_id = Some(id);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::values::{parse_plain_decimal, parse_points};
    use super::*;
    use labelkit_model::Point;

    #[test]
    fn points_strings() {
        assert_eq!(
            parse_points("1.0,2;3,4").unwrap(),
            vec![Point::new(1.0, 2.0), Point::new(3.0, 4.0)]
        );
        let err = |t: &str| parse_points(t).unwrap_err();
        assert_eq!(err("1,2;3").0, ReadIssue::MalformedValue);
        assert!(err("1,2;3").1.contains("x,y"));
        assert_eq!(err("1,2;a,4").0, ReadIssue::MalformedValue);
        assert!(err("1,2;a,4").1.contains("numbers"));
        assert_eq!(err("nan,2").0, ReadIssue::NonFinite);
        assert!(err("nan,2").1.contains("finite"));
        // A label name with `finite` in it never changes the kind.
        assert_eq!(err("1,infinite").0, ReadIssue::MalformedValue);
        assert_eq!(parse_points("").unwrap(), vec![]);
        assert_eq!(
            parse_points(" 1.5 , -2 ; 3e2,4").unwrap(),
            vec![Point::new(1.5, -2.0), Point::new(300.0, 4.0)]
        );
    }

    /// Every corpus file and fuzz seed, whole and cut short, and a few
    /// hand-made documents.
    fn documents() -> Vec<Vec<u8>> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let files = labelkit_testkit::corpus::files_below(
            &[
                root.join("tests/fuzz_seeds"),
                root.join("../../tests/corpus"),
            ],
            "xml",
        );
        assert!(files.len() >= 10, "{} files", files.len());
        let mut docs = labelkit_testkit::corpus::with_cuts(files, 20000, 9);
        for doc in [
            "<annotations><image id=\"0\" name=\"a\" width=\"1\" height=\"1\"><box label=\"x\" xtl=\"1\" ytl=\"1\" xbr=\"2\" ybr=\"2\" occluded=\"0\"></image></annotations>",
            "<annotations></image></annotations>",
            "<annotations>text &amp; &unknown; more</annotations>",
            "<annotations><!-- c --><?pi x?><![CDATA[x]]><version>1&#46;1</version></annotations>",
            "<annotations><image id=\"0\" name=\"a>b\" width=\"1\" height=\"1\"/>x</annotations>",
            "<annotations><image id=\"0\" name=\"a\" width=\"1\" height=\"1\" / ></annotations>",
            "<annotations><image id=\"0\" name=\"a\"width=\"1\"/></annotations>",
            "<annotations><image id=\"0\" name=\"a\" name=\"b\"/></annotations>",
            "<annotations><x a=\"1\" a=\"2\"/><y b/></annotations>",
            "<annotations ><image\n id = '0'\tname=\"a\" width=\"1\" height=\"1\" ></image ></annotations >",
            "\u{feff}<?xml version=\"1.0\"?><annotations><image id=\"1\" name=\"\" width=\"1\" height=\"1\"/></annotations>",
            "<annotations><image id=\"0\" name=\"a\" width=\"1\" height=\"1\"><tag label=\"t\"/></image><image id=\"0\" name=\"b\" width=\"1\" height=\"1\"/></annotations>",
            "<annotations><image",
            "<annotations></annotations><x/>",
            "<annotations></annotations></x>",
            // Pieces that depend on what came before them: an image without
            // an id, ids that stop growing, labels declared on the way,
            // <meta> after images, tracks.
            "<annotations><meta><task><labels><label><name>a</name><attributes><attribute><name>n</name><input_type>number</input_type><values>0\n9\n1</values></attribute></attributes></label></labels></task></meta><image id=\"4\" name=\"a\" width=\"9\" height=\"9\"><box label=\"a\" xtl=\"1\" ytl=\"1\" xbr=\"2\" ybr=\"2\" occluded=\"0\"><attribute name=\"n\">3</attribute></box></image><image id=\"7\" name=\"b\" width=\"9\" height=\"9\"><box label=\"b\" xtl=\"1\" ytl=\"1\" xbr=\"2\" ybr=\"x\" occluded=\"0\"/><tag label=\"b\"/></image><image name=\"c\" width=\"9\" height=\"9\"><tag label=\"a\"/></image><image id=\"9\" name=\"d\" width=\"9\" height=\"9\"><polygon label=\"a\" points=\"1,1;2,2;3,1\" occluded=\"0\"/></image><image id=\"8\" name=\"e\" width=\"9\" height=\"9\"><tag label=\"c\"/></image><image id=\"8\" name=\"f\" width=\"9\" height=\"9\"><tag label=\"a\"/></image><image id=\"20\" name=\"g\" width=\"9\" height=\"9\"><tag label=\"a\"/></image><meta><task><labels><label><name>z</name></label></labels></task></meta><image id=\"21\" name=\"h\" width=\"9\" height=\"9\"><tag label=\"z\"/></image><track id=\"0\" label=\"a\"><box frame=\"0\" xtl=\"1\" ytl=\"1\" xbr=\"2\" ybr=\"2\" outside=\"0\" occluded=\"0\" keyframe=\"1\"/></track><image id=\"22\" name=\"i\" width=\"9\" height=\"9\"><tag label=\"a\"/><tag label=\"q\"/></image></annotations>",
            "<annotations><image id=\"1\" name=\"a\" width=\"9\" height=\"9\"><tag label=\"a\"/></image><image id=\"2\" name=\"b\" width=\"9\" height=\"9\"><tag label=\"a\"/><tag label=\"b\"/></image><image id=\"3\" name=\"c\" width=\"9\" height=\"9\"><tag label=\"b\"/></image><image id=\"1\" name=\"d\" width=\"9\" height=\"9\"><tag label=\"a\"/></image><image id=\"4\" name=\"e\" width=\"9\" height=\"9\"><tag label=\"a\"/></image></annotations>",
        ] {
            docs.push(doc.as_bytes().to_vec());
        }
        docs
    }

    #[test]
    fn the_fast_reader_reads_as_quick_xml_does() {
        let path = Path::new("t.xml");
        let mut compared = 0;
        for doc in documents() {
            let fast = read_with(path, FileId(0), &doc, true);
            let slow = read_with(path, FileId(0), &doc, false);
            let text = String::from_utf8_lossy(&doc);
            match (fast, slow) {
                (Ok(f), Ok(s)) => {
                    assert_eq!(f.dataset, s.dataset, "{text}");
                    // quick-xml counts positions after a byte order mark.
                    if !doc.starts_with(b"\xEF\xBB\xBF") {
                        assert_eq!(f.spans, s.spans, "{text}");
                    }
                    let codes =
                        |l: &Loaded| l.issues.iter().map(|d| d.code.clone()).collect::<Vec<_>>();
                    assert_eq!(codes(&f), codes(&s), "{text}");
                }
                (Err(f), Err(s)) => assert_eq!(f.location, s.location, "{text}\n{f}\n{s}"),
                (f, s) => panic!("{text}\nfast: {f:?}\nquick-xml: {s:?}"),
            }
            compared += 1;
        }
        assert!(compared > 1000, "{compared}");
    }

    use labelkit_testkit::corpus::Trickle;

    #[test]
    fn the_stream_reader_reads_as_the_whole_input_reader_does() {
        let path = Path::new("t.xml");
        let pools = [1, 2, 3].map(|n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap()
        });
        let (mut streamed, mut whole) = (0, 0);
        for doc in documents() {
            let text = String::from_utf8_lossy(&doc);
            let expected = read_with(path, FileId(0), &doc, true);
            // Pieces of one element each, of the default size, and read
            // through buffers of 7 bytes; parsed here, and on pools of 1,
            // 2 and 3 threads.
            for (piece, step, workers) in [
                (1, usize::MAX, Workers::Here),
                (PIECE, usize::MAX, Workers::Here),
                (1, 7, Workers::Here),
                (1, usize::MAX, Workers::Pool(&pools[0])),
                (1, 7, Workers::Pool(&pools[1])),
                (1, usize::MAX, Workers::Pool(&pools[2])),
                (PIECE, usize::MAX, Workers::Pool(&pools[1])),
            ] {
                let input =
                    std::io::BufReader::with_capacity(step.min(64), Trickle::new(&doc, step));
                match stream(path, FileId(0), input, doc.len(), piece, workers).unwrap() {
                    Some(got) => {
                        let expected = expected.as_ref().unwrap_or_else(|e| {
                            panic!("{text}\nstreamed, but the whole read fails: {e}")
                        });
                        assert_eq!(got.dataset, expected.dataset, "{text}");
                        assert_eq!(got.spans, expected.spans, "{text}");
                        assert_eq!(got.issues, expected.issues, "{text}");
                        streamed += 1;
                    }
                    // Only a document that does not read is left to the
                    // whole input reader.
                    None => {
                        assert!(expected.is_err(), "{text}\nnot streamed");
                        whole += 1;
                    }
                }
            }
        }
        assert!(streamed >= 90, "{streamed} streamed, {whole} read whole");
        // Most pieces read on their own were appended as they were.
        let appended = stream::APPENDED.load(std::sync::atomic::Ordering::Relaxed);
        assert!(appended >= 1000, "{appended} pieces appended");
    }

    #[test]
    fn plain_decimals_parse_as_str_parse_does() {
        for s in [
            "0",
            "-0",
            "1",
            "12.25",
            "-3.5",
            ".5",
            "5.",
            "0.1",
            "0.3",
            "1920.75",
            "123456789012345",
            "0.00000000000001",
            "900719925474.991",
            "-0.0",
            "33.333333333333",
        ] {
            let fast = parse_plain_decimal(s.as_bytes()).unwrap();
            let slow: f64 = s.parse().unwrap();
            assert_eq!(fast.to_bits(), slow.to_bits(), "{s}");
        }
        for s in [
            "",
            "-",
            ".",
            "1e5",
            " 1",
            "1 ",
            "+1",
            "1.2.3",
            "nan",
            "inf",
            "1234567890123456",
            "1,5",
        ] {
            assert_eq!(parse_plain_decimal(s.as_bytes()), None, "{s}");
        }
        // Exhaustively against str::parse on a grid of short decimals.
        for i in 0..20_000u32 {
            for s in [
                format!("{}.{:02}", i, i % 100),
                format!("-{}.{:03}", i / 7, i % 1000),
            ] {
                let slow: f64 = s.parse().unwrap();
                assert_eq!(
                    parse_plain_decimal(s.as_bytes()).unwrap().to_bits(),
                    slow.to_bits(),
                    "{s}"
                );
            }
        }
    }
}
