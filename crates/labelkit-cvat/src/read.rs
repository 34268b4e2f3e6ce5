//! The reader: one pass of a borrowing pull parser over the bytes.

use std::borrow::Cow;
use std::path::Path;

use labelkit_diagnostics::{ByteSpan, FileId, Loaded, ParseError, ReadIssue, SourceSpan};
use labelkit_model::rle::MaskEncoding;
use labelkit_model::{
    Annotation, AnnotationId, AttributeValue, Attributes, BoxGeom, Cuboid, Dataset, Ellipse, Extra,
    Geometry, GroupId, Image, ImageId, InputType, Keypoint, Keypoints, Label, LabelId, LabelIndex,
    Mask, Point, Points, Polygon, Polyline, Track, TrackId, TrackShape, Visibility,
};
use quick_xml::events::Event;

use crate::meta::{parse_meta, Meta, META_KEY, UNDECLARED_KEY};
use crate::xml::{get, int_value, json_string, AttrList, Xml};

/// Prefix of `extra` keys holding XML attributes the model has no field for.
pub const ATTR_PREFIX: &str = "cvat.attr.";
/// Key in [`Image::extra`] holding the `id` written in the file when it
/// repeats an earlier image's id (project exports number images per task).
pub const IMAGE_ID_KEY: &str = labelkit_model::keys::REPEATED_IMAGE_ID;
/// Key in [`Annotation::extra`] of a skeleton: a JSON array with, for each
/// element, an object of the element's XML attributes the model has no field
/// for, and its `<attribute>` children under `"<attribute>"`.
pub const ELEMENTS_KEY: &str = "cvat.elements";
/// Key in [`Track::extra`] (value `true`) recording that every shape of the
/// track repeats the track's label in a `label` attribute.
pub const SHAPE_LABEL_KEY: &str = "cvat.shape_label";
/// Key in [`Track::extra`] (value `true`) recording that the elements of a
/// skeleton track were read as nested `<track>`s (Datumaro's form) rather
/// than as `<points>` inside each `<skeleton>` (CVAT's exporter's form), so
/// that they are written back the same way.
pub(crate) const ELEMENT_TRACKS_KEY: &str = "cvat.element_tracks";
/// Key in [`labelkit_model::DatasetInfo::extra`] holding `<version>` when it
/// is not `1.1`.
pub const VERSION_KEY: &str = "cvat.version";

/// Shape tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Box,
    Polygon,
    Polyline,
    Points,
    Ellipse,
    Cuboid,
    Mask,
    Skeleton,
    Tag,
}

fn kind_of(tag: &[u8]) -> Option<Kind> {
    Some(match tag {
        b"box" => Kind::Box,
        b"polygon" => Kind::Polygon,
        b"polyline" => Kind::Polyline,
        b"points" => Kind::Points,
        b"ellipse" => Kind::Ellipse,
        b"cuboid" => Kind::Cuboid,
        b"mask" => Kind::Mask,
        b"skeleton" => Kind::Skeleton,
        b"tag" => Kind::Tag,
        _ => return None,
    })
}

/// The XML attribute names of the cuboid corners, in [`Cuboid::coords`] order.
pub(crate) const CUBOID_NAMES: [&str; 16] = [
    "xtl1", "ytl1", "xbl1", "ybl1", "xtr1", "ytr1", "xbr1", "ybr1", "xtl2", "ytl2", "xbl2", "ybl2",
    "xtr2", "ytr2", "xbr2", "ybr2",
];

/// Attributes that carry the geometry of a shape kind.
fn geometry_attr(kind: Kind, name: &[u8]) -> bool {
    match kind {
        Kind::Box => matches!(name, b"xtl" | b"ytl" | b"xbr" | b"ybr" | b"rotation"),
        Kind::Polygon | Kind::Polyline | Kind::Points => name == b"points",
        Kind::Ellipse => matches!(name, b"cx" | b"cy" | b"rx" | b"ry" | b"rotation"),
        Kind::Cuboid => CUBOID_NAMES.iter().any(|n| n.as_bytes() == name),
        Kind::Mask => matches!(name, b"rle" | b"left" | b"top" | b"width" | b"height"),
        Kind::Skeleton | Kind::Tag => false,
    }
}

struct Reader<'a> {
    x: Xml<'a>,
    dataset: Dataset,
    spans: labelkit_diagnostics::SpanTable,
    /// Labels by name under their parent: shapes name their label.
    label_index: LabelIndex,
    /// Declared attribute types by label and name (the first declaration
    /// of a name wins, as `Label::attribute_spec`): a shape's attributes
    /// are typed by look-up, never by scanning its label's declarations.
    attribute_types:
        std::collections::HashMap<LabelId, std::collections::HashMap<String, InputType>>,
    /// The image ids taken so far; `None` while they only grew, the ids
    /// then being those of `dataset.images`, all below `last_image_id`.
    used_image_ids: Option<std::collections::HashSet<u64>>,
    last_image_id: Option<u64>,
    next_fresh_image_id: u64,
    next_annotation_id: u64,
    /// Scratch lists of XML attributes, reused from shape to shape.
    attrs: AttrList<'a>,
    child_attrs: AttrList<'a>,
    /// Scratch list of `<attribute>` children, reused from shape to shape.
    raw_attributes: Vec<(String, String)>,
    saw_track: bool,
    /// The label of the previous shape: files repeat labels.
    last_label: Option<(String, LabelId)>,
}

pub(crate) fn read(path: &Path, file: FileId, bytes: &[u8]) -> Result<Loaded, ParseError> {
    read_with(path, file, bytes, true)
}

/// Reads with the fast reader where it applies (`fast`), else with
/// quick-xml's reader throughout; the two read the same.
fn read_with(path: &Path, file: FileId, bytes: &[u8], fast: bool) -> Result<Loaded, ParseError> {
    let mut r = Reader {
        x: Xml::new(path, file, bytes, 0, bytes.len()),
        dataset: Dataset::new(),
        spans: labelkit_diagnostics::SpanTable::new(),
        label_index: LabelIndex::default(),
        attribute_types: std::collections::HashMap::new(),
        used_image_ids: None,
        last_image_id: None,
        next_fresh_image_id: 1 << 32,
        next_annotation_id: 1,
        attrs: Vec::new(),
        child_attrs: Vec::new(),
        raw_attributes: Vec::new(),
        saw_track: false,
        last_label: None,
    };
    // Room for the annotations, the largest part by far, guessed from the
    // size: a shape takes more than 160 bytes of XML but for the barest
    // boxes. Room never used is never touched (no memory is used for it);
    // when there are more shapes, the vector grows as usual.
    let shapes = bytes.len() / 160;
    r.dataset.annotations.reserve(shapes);
    r.spans.annotations.reserve(shapes);
    r.spans.dataset_file = Some(file);
    r.x.validate_utf8();
    if fast {
        r.x.read_fast();
    }
    r.document()?;
    let Reader {
        x,
        mut dataset,
        spans,
        saw_track,
        ..
    } = r;
    crate::project::crowd_from_attribute(&mut dataset);
    dataset.info.source_format = Some(
        if saw_track {
            "cvat-video"
        } else {
            "cvat-images"
        }
        .to_owned(),
    );
    Ok(Loaded {
        dataset,
        spans,
        sources: labelkit_diagnostics::SourceMap::new(),
        issues: x.issues,
        ..Loaded::default()
    })
}

impl<'a> Reader<'a> {
    fn document(&mut self) -> Result<(), ParseError> {
        // Prolog up to the root element.
        loop {
            let ev = self.x.next()?;
            match ev.event {
                Event::Start(e) if e.local_name().as_ref() == b"annotations" => {
                    // Whitespace between elements is of no interest from here.
                    self.x.skip_whitespace(true);
                    break;
                }
                Event::Empty(e) if e.local_name().as_ref() == b"annotations" => return Ok(()),
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
        loop {
            let ev = self.x.next()?;
            match ev.event {
                Event::Start(e) => {
                    let local = crate::xml::local_name(&e);
                    match local {
                        b"version" => {
                            let (text, _) = self.x.read_text()?;
                            if text.trim() != "1.1" {
                                self.dataset
                                    .info
                                    .extra
                                    .push((VERSION_KEY.to_owned(), json_string(&text)));
                            }
                        }
                        b"meta" => {
                            let end = self.x.skip_element()?;
                            self.meta(ev.start, end)?;
                        }
                        b"image" => self.image(ev.start, ev.end, false)?,
                        b"track" => {
                            self.saw_track = true;
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
                            self.saw_track = true;
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
                Event::End(_) => {
                    // The root closed; only comments and whitespace may follow.
                    loop {
                        let ev = self.x.next()?;
                        match ev.event {
                            Event::Eof => return Ok(()),
                            Event::Start(_) | Event::Empty(_) => {
                                return Err(self.x.error_at(
                                    ev.start,
                                    "unexpected element after the root element",
                                ));
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
                Event::Eof => return Ok(()),
                _ => {}
            }
        }
    }

    /// Adds a track read at the top level, with its spans.
    fn push_track(&mut self, (track, span, shapes): SpannedTrack) {
        self.dataset.tracks.push(track);
        self.spans.tracks.push(Some(self.span(span.0, span.1)));
        let shapes = shapes.iter().map(|&(s, e)| Some(self.span(s, e))).collect();
        self.spans.track_shapes.push(shapes);
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
        let raw = String::from_utf8_lossy(raw);
        self.dataset
            .info
            .extra
            .push((META_KEY.to_owned(), json_string(&raw)));
        let Meta {
            name,
            labels,
            label_spans,
            ..
        } = meta;
        if self.dataset.info.name.is_none() {
            self.dataset.info.name = name;
        }
        // `LabelSet::push` keeps the set below 2^32 labels.
        let offset = u32::try_from(self.dataset.labels.len()).expect("fewer than 2^32 labels");
        for (mut label, span) in labels.into_iter().zip(label_spans) {
            if let Some(p) = label.parent.as_mut() {
                p.0 = p.0.saturating_add(offset);
            }
            let id = self.dataset.labels.push(label);
            if let Some(label) = self.dataset.labels.get(id) {
                self.label_index.insert(id, label);
                if !label.attributes.is_empty() {
                    let types = self.attribute_types.entry(id).or_default();
                    for spec in &label.attributes {
                        types.entry(spec.name.clone()).or_insert(spec.input_type);
                    }
                }
            }
            self.spans.labels.push(Some(SourceSpan {
                file: self.x.file,
                span,
            }));
        }
        Ok(())
    }

    /// The label called `name`, declaring it (and reporting it) if unknown.
    fn label(&mut self, name: &str, parent: Option<LabelId>, start: usize, end: usize) -> LabelId {
        if parent.is_none() {
            if let Some((last, id)) = &self.last_label {
                if last == name {
                    return *id;
                }
            }
        }
        let id = self.find_or_declare(name, parent, start, end);
        if parent.is_none() {
            match &mut self.last_label {
                Some((last, last_id)) => {
                    last.clear();
                    last.push_str(name);
                    *last_id = id;
                }
                None => self.last_label = Some((name.to_owned(), id)),
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
            Some(parent) => self.label_index.find_child(parent, name),
            None => self.label_index.find(name),
        };
        if let Some(id) = known {
            return id;
        }
        let mut label = Label::new(name);
        label.parent = parent;
        label
            .extra
            .push((UNDECLARED_KEY.to_owned(), "true".to_owned()));
        let id = self.dataset.labels.push(label);
        if let Some(label) = self.dataset.labels.get(id) {
            self.label_index.insert(id, label);
        }
        self.spans.labels.push(Some(self.span(start, end)));
        let what = match parent {
            Some(p) => format!(
                "skeleton element label `{name}` is not declared under `{}` in <meta>",
                self.dataset.labels.name(p)
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
                _ => image.extra.push((
                    format!("{ATTR_PREFIX}{}", String::from_utf8_lossy(k)),
                    json_string(v),
                )),
            }
        }
        self.attrs = list;
        let position = self.dataset.images.len() as u64;
        let wanted = file_id.unwrap_or(position);
        let id = if self.take_image_id(wanted) {
            wanted
        } else {
            // Project exports number the images of each task from 0: keep the
            // written id aside and give this image a fresh one.
            while !self.take_image_id(self.next_fresh_image_id) {
                self.next_fresh_image_id += 1;
            }
            image
                .extra
                .push((IMAGE_ID_KEY.to_owned(), wanted.to_string()));
            self.next_fresh_image_id
        };
        image.id = ImageId(id);
        let image_pos = self.dataset.images.len();
        self.dataset.images.push(image);
        self.spans.images.push(None);
        let mut end = tag_end;
        if !empty {
            loop {
                let ev = self.x.next()?;
                match ev.event {
                    Event::Start(ref c) | Event::Empty(ref c) => {
                        let is_empty = matches!(ev.event, Event::Empty(_));
                        let local = crate::xml::local_name(c);
                        if let Some(kind) = kind_of(local) {
                            self.image_shape(kind, (ev.start, ev.end), is_empty, ImageId(id))?;
                        } else {
                            self.x
                                .skip_unknown(local, ev.start, ev.end, is_empty, "in <image>")?;
                        }
                    }
                    Event::End(_) | Event::Eof => {
                        end = ev.end;
                        break;
                    }
                    _ => {}
                }
            }
        }
        let end = end.max(start);
        if let Some(slot) = self.spans.images.get_mut(image_pos) {
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

    /// Takes image id `id`; `false` if an earlier image has it.
    fn take_image_id(&mut self, id: u64) -> bool {
        if let Some(used) = &mut self.used_image_ids {
            return used.insert(id);
        }
        match self.last_image_id {
            Some(last) if id <= last => {
                // The ids stopped growing: from now on remember them all.
                let mut used: std::collections::HashSet<u64> =
                    self.dataset.images.iter().map(|i| i.id.0).collect();
                let fresh = used.insert(id);
                self.used_image_ids = Some(used);
                fresh
            }
            _ => {
                self.last_image_id = Some(id);
                true
            }
        }
    }

    /// Reads the children of a shape: `<attribute>` values and, for a
    /// skeleton, its element `<points>`. Returns the end offset.
    fn shape_children(
        &mut self,
        empty: bool,
        empty_end: usize,
        attributes: &mut Vec<(String, String)>,
        mut elements: Option<&mut Vec<RawElement>>,
    ) -> Result<usize, ParseError> {
        if empty {
            return Ok(empty_end);
        }
        loop {
            let ev = self.x.next()?;
            match ev.event {
                Event::Start(ref c) | Event::Empty(ref c) => {
                    let is_empty = matches!(ev.event, Event::Empty(_));
                    let local = crate::xml::local_name(c);
                    match local {
                        b"attribute" => {
                            let mut list = std::mem::take(&mut self.child_attrs);
                            self.x.tag_attributes(ev.start, ev.end, &mut list)?;
                            let name = get(&list, b"name").map(str::to_owned);
                            self.child_attrs = list;
                            let value = if is_empty {
                                String::new()
                            } else {
                                self.x.read_text()?.0
                            };
                            match name {
                                Some(name) => attributes.push((name, value)),
                                None => self.x.skip(
                                    ReadIssue::MalformedValue,
                                    ev.start,
                                    ev.end,
                                    "<attribute> without a name is skipped",
                                ),
                            }
                        }
                        b"points" if elements.is_some() => {
                            let mut list = std::mem::take(&mut self.child_attrs);
                            self.x.tag_attributes(ev.start, ev.end, &mut list)?;
                            let mut el = RawElement {
                                attrs: list
                                    .iter()
                                    .map(|(k, v)| {
                                        (String::from_utf8_lossy(k).into_owned(), v.to_string())
                                    })
                                    .collect(),
                                attributes: Vec::new(),
                                start: ev.start,
                                end: ev.end,
                            };
                            self.child_attrs = list;
                            if !is_empty {
                                el.end =
                                    self.shape_children(false, ev.end, &mut el.attributes, None)?;
                            }
                            if let Some(els) = elements.as_deref_mut() {
                                els.push(el);
                            }
                        }
                        other => {
                            self.x.skip_unknown(
                                other,
                                ev.start,
                                ev.end,
                                is_empty,
                                "inside a shape",
                            )?;
                        }
                    }
                }
                Event::End(_) | Event::Eof => return Ok(ev.end),
                _ => {}
            }
        }
    }

    fn image_shape(
        &mut self,
        kind: Kind,
        (start, tag_end): (usize, usize),
        empty: bool,
        image: ImageId,
    ) -> Result<(), ParseError> {
        let mut attrs = std::mem::take(&mut self.attrs);
        self.x.tag_attributes(start, tag_end, &mut attrs)?;
        let mut raw_attributes = std::mem::take(&mut self.raw_attributes);
        raw_attributes.clear();
        let mut elements = Vec::new();
        let els = (kind == Kind::Skeleton).then_some(&mut elements);
        let end = self.shape_children(empty, tag_end, &mut raw_attributes, els)?;
        let end = end.max(start);
        let result = self.build_image_shape(
            &attrs,
            kind,
            start,
            end,
            image,
            &mut raw_attributes,
            &elements,
        );
        self.attrs = attrs;
        self.raw_attributes = raw_attributes;
        if let Some(ann) = result {
            self.dataset.annotations.push(ann);
            self.spans.annotations.push(Some(self.span(start, end)));
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn build_image_shape<P: AttrPair>(
        &mut self,
        attrs: &[P],
        kind: Kind,
        start: usize,
        end: usize,
        image: ImageId,
        child_attrs: &mut Vec<(String, String)>,
        elements: &[RawElement],
    ) -> Option<Annotation> {
        let find = |name: &str| find_in(attrs, name);
        let label_name = find("label").unwrap_or_default();
        if find("label").is_none() {
            self.x.issue(
                ReadIssue::MalformedValue,
                start,
                end,
                "shape without a `label` attribute: read with the label \"\"",
            );
        }
        let label = self.label(label_name, None, start, end);
        let geometry = match kind {
            Kind::Skeleton => self.skeleton_geometry(label, elements, start, end)?,
            _ => self.geometry(kind, attrs, start, end)?,
        };
        let mut ann = Annotation::new(
            AnnotationId(self.next_annotation_id),
            image,
            label,
            geometry,
        );
        self.next_annotation_id += 1;
        for p in attrs {
            let (k, v) = (p.key(), p.value());
            match k {
                b"label" => {}
                b"source" => ann.source = Some(labelkit_model::intern(v)),
                b"occluded" if kind != Kind::Tag => {
                    ann.occluded = self.flag(v, "occluded", start, end);
                }
                b"z_order" if kind != Kind::Tag => ann.z_order = self.int(v, "z_order", start, end),
                b"group_id" => ann.group = self.group(v, start, end),
                k if geometry_attr(kind, k) => {}
                k => ann.extra.push((
                    format!("{ATTR_PREFIX}{}", String::from_utf8_lossy(k)),
                    json_string(v),
                )),
            }
        }
        ann.attributes = self.typed(label, child_attrs);
        if kind == Kind::Skeleton {
            let extras: Vec<serde_json::Value> = elements.iter().map(element_extra).collect();
            if extras
                .iter()
                .any(|v| v.as_object().is_some_and(|o| !o.is_empty()))
            {
                ann.extra.push((
                    crate::read::ELEMENTS_KEY.to_owned(),
                    serde_json::Value::Array(extras).to_string(),
                ));
            }
        }
        Some(ann)
    }

    /// Types the `<attribute>` values of a shape of `label`, emptying `raw`.
    fn typed(&self, label: LabelId, raw: &mut Vec<(String, String)>) -> Attributes {
        if raw.is_empty() {
            return Attributes::new();
        }
        let types = self.attribute_types.get(&label);
        let spec_of = |name: &str| types.and_then(|t| t.get(name)).copied();
        Attributes(
            raw.drain(..)
                .map(|(n, v)| {
                    let value = match spec_of(&n) {
                        t @ Some(InputType::Checkbox | InputType::Number) => {
                            AttributeValue::parse_as(&v, t)
                        }
                        _ => AttributeValue::Text(v),
                    };
                    (labelkit_model::intern(&n), value)
                })
                .collect(),
        )
    }

    fn flag(&mut self, v: &str, what: &str, start: usize, end: usize) -> bool {
        match v.trim() {
            "1" | "true" | "True" => true,
            "0" | "false" | "False" | "" => false,
            _ => {
                self.x.issue(
                    ReadIssue::MalformedValue,
                    start,
                    end,
                    format!("`{what}` is `{v}`, expected 0 or 1: read as 0"),
                );
                false
            }
        }
    }

    /// An `i32` attribute (`z_order`) of the tag at `[start, end)`;
    /// reported at its value and read as 0 when it is no integer or out of
    /// range.
    fn int(&mut self, v: &str, what: &str, start: usize, end: usize) -> i32 {
        match int_value::<i32>(v, i32::MIN, i32::MAX) {
            Ok(n) => n,
            Err(e) => {
                let (from, to) = self.x.attr_value_span(start, end, what.as_bytes());
                self.x.issue(
                    ReadIssue::MalformedValue,
                    from,
                    to,
                    format!("`{what}` `{v}` {e}: read as 0"),
                );
                0
            }
        }
    }

    fn group(&mut self, v: &str, start: usize, end: usize) -> Option<GroupId> {
        match int_value::<u64>(v, 0, u64::MAX) {
            Ok(0) => None,
            Ok(n) => Some(GroupId(n)),
            Err(e) => {
                let (from, to) = self.x.attr_value_span(start, end, b"group_id");
                self.x.issue(
                    ReadIssue::MalformedValue,
                    from,
                    to,
                    format!("`group_id` `{v}` {e}: ignored"),
                );
                None
            }
        }
    }

    fn number(&mut self, v: Option<&str>, what: &str, start: usize, end: usize) -> Option<f64> {
        let Some(v) = v else {
            self.x.skip(
                ReadIssue::MalformedValue,
                start,
                end,
                format!("the shape has no `{what}`: skipped"),
            );
            return None;
        };
        if let Some(n) = parse_plain_decimal(v.as_bytes()) {
            return Some(n);
        }
        match v.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Some(n),
            Ok(_) => {
                self.x.skip(
                    ReadIssue::NonFinite,
                    start,
                    end,
                    format!("`{what}` is `{v}`: the shape is skipped"),
                );
                None
            }
            Err(_) => {
                self.x.skip(
                    ReadIssue::MalformedValue,
                    start,
                    end,
                    format!("`{what}` is `{v}`, expected a number: the shape is skipped"),
                );
                None
            }
        }
    }

    fn points(&mut self, v: Option<&str>, start: usize, end: usize) -> Option<Vec<Point>> {
        let Some(v) = v else {
            self.x.skip(
                ReadIssue::MalformedValue,
                start,
                end,
                "the shape has no `points`: skipped",
            );
            return None;
        };
        match parse_points(v) {
            Ok(p) => Some(p),
            Err((kind, msg)) => {
                self.x.skip(
                    kind,
                    start,
                    end,
                    format!(
                        "malformed points `{}`: {msg}; the shape is skipped",
                        shorten(v)
                    ),
                );
                None
            }
        }
    }

    fn geometry<P: AttrPair>(
        &mut self,
        kind: Kind,
        attrs: &[P],
        start: usize,
        end: usize,
    ) -> Option<Geometry> {
        let find = |name: &str| find_in(attrs, name);
        Some(match kind {
            Kind::Box => {
                let x_min = self.number(find("xtl"), "xtl", start, end)?;
                let y_min = self.number(find("ytl"), "ytl", start, end)?;
                let x_max = self.number(find("xbr"), "xbr", start, end)?;
                let y_max = self.number(find("ybr"), "ybr", start, end)?;
                let rotation = match find("rotation") {
                    Some(r) => self.number(Some(r), "rotation", start, end)?,
                    None => 0.0,
                };
                Geometry::Box(BoxGeom {
                    x_min,
                    y_min,
                    x_max,
                    y_max,
                    rotation,
                })
            }
            Kind::Polygon => Geometry::Polygon(Polygon {
                rings: vec![self.points(find("points"), start, end)?],
            }),
            Kind::Polyline => Geometry::Polyline(Polyline {
                points: self.points(find("points"), start, end)?,
            }),
            Kind::Points => Geometry::Points(Points {
                points: self.points(find("points"), start, end)?,
            }),
            Kind::Ellipse => {
                let cx = self.number(find("cx"), "cx", start, end)?;
                let cy = self.number(find("cy"), "cy", start, end)?;
                let rx = self.number(find("rx"), "rx", start, end)?;
                let ry = self.number(find("ry"), "ry", start, end)?;
                let rotation = match find("rotation") {
                    Some(r) => self.number(Some(r), "rotation", start, end)?,
                    None => 0.0,
                };
                Geometry::Ellipse(Ellipse {
                    cx,
                    cy,
                    rx,
                    ry,
                    rotation,
                })
            }
            Kind::Cuboid => {
                let mut coords = [0.0; 16];
                for (slot, name) in coords.iter_mut().zip(CUBOID_NAMES) {
                    *slot = self.number(find(name), name, start, end)?;
                }
                Geometry::Cuboid(Box::new(Cuboid { coords }))
            }
            Kind::Mask => self.mask(attrs, start, end)?,
            Kind::Tag => Geometry::Tag,
            Kind::Skeleton => return None,
        })
    }

    fn mask<P: AttrPair>(&mut self, attrs: &[P], start: usize, end: usize) -> Option<Geometry> {
        let find = |name: &str| find_in(attrs, name);
        let mut dims = [0u32; 4];
        for (slot, name) in dims.iter_mut().zip(["left", "top", "width", "height"]) {
            let v = find(name);
            match v.map(|v| v.trim().parse::<f64>()) {
                Some(Ok(n))
                    if n.is_finite()
                        && n >= 0.0
                        && n.fract() == 0.0
                        && n <= f64::from(u32::MAX) =>
                {
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    {
                        *slot = n as u32;
                    }
                }
                _ => {
                    self.x.skip(
                        ReadIssue::InvalidMask,
                        start,
                        end,
                        format!("mask `{name}` is {}, expected a non-negative integer: the mask is skipped", v.map_or_else(|| "missing".to_owned(), |v| format!("`{v}`"))),
                    );
                    return None;
                }
            }
        }
        let Some(rle) = find("rle") else {
            self.x.skip(
                ReadIssue::InvalidMask,
                start,
                end,
                "mask without `rle`: skipped",
            );
            return None;
        };
        let mut counts = Vec::new();
        for token in rle.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            if let Ok(n) = token.parse::<u32>() {
                counts.push(n);
            } else {
                let problem = if token.bytes().all(|b| b.is_ascii_digit()) {
                    labelkit_model::rle::RUN_TOO_LONG
                } else {
                    "is not a non-negative integer"
                };
                self.x.skip(
                    ReadIssue::InvalidMask,
                    start,
                    end,
                    format!(
                        "mask run `{}` {problem}: the mask is skipped",
                        shorten(token)
                    ),
                );
                return None;
            }
        }
        let [left, top, width, height] = dims;
        let total: u64 = counts.iter().map(|&c| u64::from(c)).sum();
        let area = u64::from(width) * u64::from(height);
        if let Err(e) = labelkit_model::rle::check_mask_size(width, height) {
            self.x.issue(
                ReadIssue::InvalidMask,
                start,
                end,
                format!("mask window is {e}: kept as written, but it cannot be converted"),
            );
        } else if total != area {
            self.x.issue(
                ReadIssue::InvalidMask,
                start,
                end,
                format!("mask runs add up to {total} pixels but the {width}x{height} window has {area}: kept as written"),
            );
        }
        Some(Geometry::Mask(Mask {
            encoding: MaskEncoding::Window {
                left,
                top,
                width,
                height,
                counts,
            },
        }))
    }

    fn skeleton_geometry(
        &mut self,
        label: LabelId,
        elements: &[RawElement],
        start: usize,
        end: usize,
    ) -> Option<Geometry> {
        let mut points = Vec::with_capacity(elements.len());
        for el in elements {
            let name = el.get("label").unwrap_or_default().to_owned();
            if self.dataset.labels.get(label).is_some_and(meta_declared)
                && self.label_index.find_child(label, &name).is_none()
            {
                self.label(&name, Some(label), el.start, el.end);
            }
            let pts = self.points(el.get("points"), el.start, el.end);
            let Some(p) = pts.as_deref().and_then(<[Point]>::first).copied() else {
                self.x.skip(
                    ReadIssue::MalformedValue,
                    start,
                    end,
                    format!("skeleton element `{name}` has no point: the skeleton is skipped"),
                );
                return None;
            };
            if pts.as_ref().is_some_and(|p| p.len() != 1) {
                self.x.skip(ReadIssue::WrongValueCount, el.start, el.end, format!("skeleton element `{name}` has more than one point: the skeleton is skipped"));
                return None;
            }
            let outside = el.get("outside").is_some_and(|v| v.trim() == "1");
            let occluded = el.get("occluded").is_some_and(|v| v.trim() == "1");
            let visibility = if outside {
                Visibility::Absent
            } else if occluded {
                Visibility::Occluded
            } else {
                Visibility::Visible
            };
            points.push(Keypoint {
                name: Some(labelkit_model::intern(&name)),
                x: p.x,
                y: p.y,
                visibility,
            });
        }
        Some(Geometry::Keypoints(Keypoints { points }))
    }

    /// Reads a `<track>`; returns it with its span, or `None` if unusable.
    fn track(
        &mut self,
        start: usize,
        tag_end: usize,
        empty: bool,
        parent: Option<LabelId>,
    ) -> Result<Option<SpannedTrack>, ParseError> {
        let mut attrs: AttrList<'a> = Vec::new();
        self.x.tag_attributes(start, tag_end, &mut attrs)?;
        let label_name = get(&attrs, b"label").unwrap_or_default().to_owned();
        let mut track = Track {
            id: TrackId(0),
            label: LabelId(0),
            group: None,
            source: None,
            crowd: false,
            shapes: Vec::new(),
            elements: Vec::new(),
            extra: Extra::new(),
            kept: labelkit_model::Kept::default(),
        };
        let mut id_ok = true;
        for (k, v) in &attrs {
            match *k {
                b"label" => {}
                b"id" => match v.trim().parse() {
                    Ok(id) => track.id = TrackId(id),
                    Err(_) => id_ok = false,
                },
                b"source" => track.source = Some(labelkit_model::intern(v)),
                b"group_id" => track.group = self.group(v, start, start),
                k => track.extra.push((
                    format!("{ATTR_PREFIX}{}", String::from_utf8_lossy(k)),
                    json_string(v),
                )),
            }
        }
        drop(attrs);
        let mut end = tag_end;
        let mut raw_shapes: Vec<RawTrackShape<'a>> = Vec::new();
        if !empty {
            loop {
                let ev = self.x.next()?;
                match ev.event {
                    Event::Start(ref c) | Event::Empty(ref c) => {
                        let is_empty = matches!(ev.event, Event::Empty(_));
                        let local = crate::xml::local_name(c);
                        if local == b"track" && parent.is_none() {
                            // Element tracks resolve their label under this track's label.
                            let me = self.label(&label_name, None, start, ev.start);
                            if let Some((el, _, _)) =
                                self.track(ev.start, ev.end, is_empty, Some(me))?
                            {
                                track.elements.push(el);
                                if !track.extra.iter().any(|(k, _)| k == ELEMENT_TRACKS_KEY) {
                                    track
                                        .extra
                                        .push((ELEMENT_TRACKS_KEY.to_owned(), "true".to_owned()));
                                }
                            }
                        } else if let Some(kind) = kind_of(local) {
                            let mut attrs: AttrList<'a> = Vec::new();
                            self.x.tag_attributes(ev.start, ev.end, &mut attrs)?;
                            let mut child_attrs = Vec::new();
                            let mut elements = Vec::new();
                            let els = (kind == Kind::Skeleton).then_some(&mut elements);
                            let end =
                                self.shape_children(is_empty, ev.end, &mut child_attrs, els)?;
                            raw_shapes.push(RawTrackShape {
                                kind,
                                start: ev.start,
                                end: end.max(ev.end),
                                attrs,
                                child_attrs,
                                elements,
                            });
                        } else {
                            self.x
                                .skip_unknown(local, ev.start, ev.end, is_empty, "in <track>")?;
                        }
                    }
                    Event::End(_) | Event::Eof => {
                        end = ev.end;
                        break;
                    }
                    _ => {}
                }
            }
        }
        let end = end.max(start);
        if !id_ok {
            self.x.issue(
                ReadIssue::MalformedValue,
                start,
                end,
                "track `id` is not a non-negative integer: read as 0",
            );
        }
        track.label = self.label(&label_name, parent, start, end);
        let mut shape_labels = 0usize;
        let n_shapes = raw_shapes.len();
        let mut shape_spans = Vec::with_capacity(n_shapes);
        for raw in raw_shapes {
            let RawTrackShape {
                kind,
                start: s,
                end: e,
                attrs,
                mut child_attrs,
                elements,
            } = raw;
            let frame = find_in(&attrs, "frame").and_then(|f| f.trim().parse::<u64>().ok());
            for el in elements {
                self.track_element(&mut track, frame, el);
            }
            if let Some(l) = find_in(&attrs, "label") {
                if l == label_name {
                    shape_labels += 1;
                } else {
                    self.x.skip(
                        ReadIssue::Unsupported,
                        s,
                        e,
                        format!("label `{l}` of a shape in a track of `{label_name}` is not kept"),
                    );
                }
            }
            if let Some(shape) = self.track_shape(track.label, kind, s, e, &attrs, &mut child_attrs)
            {
                // CVAT refuses a track with two shapes on one frame; the
                // expansion would interpolate between them on one frame.
                if track.shapes.iter().any(|t| t.frame == shape.frame) {
                    self.x.skip(
                        ReadIssue::DuplicateId,
                        s,
                        e,
                        format!(
                            "track {} has a second shape on frame {}: skipped (the first shape of the frame is kept)",
                            track.id.0, shape.frame
                        ),
                    );
                } else {
                    track.shapes.push(shape);
                    shape_spans.push((s, e));
                }
            }
        }
        if shape_labels > 0 && shape_labels == n_shapes {
            track
                .extra
                .push((SHAPE_LABEL_KEY.to_owned(), "true".to_owned()));
        }
        Ok(Some((track, (start, end), shape_spans)))
    }

    /// Adds an element `<points>` of a skeleton track shape (CVAT's own
    /// form: `<skeleton frame=..><points label="nose" frame=.. .../>`) to the
    /// element track of its label, created on its first point. `frame` is the
    /// skeleton shape's, used when the element has none.
    fn track_element(&mut self, track: &mut Track, frame: Option<u64>, mut el: RawElement) {
        let Some(name) = el.get("label").map(str::to_owned) else {
            self.x.skip(
                ReadIssue::MalformedValue,
                el.start,
                el.end,
                "skeleton element <points> without a `label` is skipped",
            );
            return;
        };
        let label = self.label(&name, Some(track.label), el.start, el.end);
        let mut attrs: Vec<(&[u8], Cow<'_, str>)> = el
            .attrs
            .iter()
            .filter(|(k, _)| k != "label")
            .map(|(k, v)| (k.as_bytes(), Cow::Borrowed(v.as_str())))
            .collect();
        // The element is a part of the skeleton shape: it is on the
        // skeleton's frame (CVAT writes the same frame on both).
        if let Some(f) = frame {
            let own = attrs.iter().position(|(k, _)| *k == b"frame");
            if let Some(i) = own {
                let written = attrs.get(i).map(|(_, v)| v.trim().to_owned());
                if written.as_deref().and_then(|v| v.parse::<u64>().ok()) != Some(f) {
                    self.x.issue(
                        ReadIssue::MalformedValue,
                        el.start,
                        el.end,
                        format!(
                            "skeleton element `{name}` has frame `{}` inside the skeleton of frame {f}: read on frame {f}",
                            written.unwrap_or_default()
                        ),
                    );
                }
                attrs.remove(i);
            }
            attrs.push((b"frame", Cow::Owned(f.to_string())));
        }
        let Some(shape) = self.track_shape(
            label,
            Kind::Points,
            el.start,
            el.end,
            &attrs,
            &mut el.attributes,
        ) else {
            return;
        };
        drop(attrs);
        let index = match track.elements.iter().position(|e| e.label == label) {
            Some(i) => i,
            None => {
                track.elements.push(Track {
                    id: TrackId(track.elements.len() as u64),
                    label,
                    group: None,
                    source: None,
                    crowd: false,
                    shapes: Vec::new(),
                    elements: Vec::new(),
                    extra: Extra::new(),
                    kept: labelkit_model::Kept::default(),
                });
                track.elements.len() - 1
            }
        };
        if let Some(element) = track.elements.get_mut(index) {
            if element.shapes.iter().any(|s| s.frame == shape.frame) {
                self.x.skip(
                    ReadIssue::Unsupported,
                    el.start,
                    el.end,
                    format!(
                        "skeleton element `{name}` has a second point on frame {}: skipped",
                        shape.frame
                    ),
                );
            } else {
                element.shapes.push(shape);
            }
        }
    }

    fn track_shape(
        &mut self,
        label: LabelId,
        kind: Kind,
        start: usize,
        end: usize,
        attrs: &[(&[u8], Cow<'_, str>)],
        child_attrs: &mut Vec<(String, String)>,
    ) -> Option<TrackShape> {
        let find = |name: &str| find_in(attrs, name);
        let geometry = if kind == Kind::Skeleton {
            Geometry::Tag
        } else {
            self.geometry(kind, attrs, start, end)?
        };
        let Some(frame) = find("frame").and_then(|f| f.trim().parse::<u64>().ok()) else {
            self.x.skip(
                ReadIssue::MalformedValue,
                start,
                end,
                "track shape without a valid `frame`: skipped",
            );
            return None;
        };
        let mut shape = TrackShape {
            frame,
            keyframe: false,
            outside: false,
            occluded: false,
            z_order: 0,
            geometry,
            attributes: Attributes::new(),
        };
        for (k, v) in attrs {
            match *k {
                b"frame" | b"label" => {}
                b"keyframe" => shape.keyframe = self.flag(v, "keyframe", start, end),
                b"outside" => shape.outside = self.flag(v, "outside", start, end),
                b"occluded" => shape.occluded = self.flag(v, "occluded", start, end),
                b"z_order" => shape.z_order = self.int(v, "z_order", start, end),
                // A skeleton's `points` repeat its element tracks' points.
                b"points" if kind == Kind::Skeleton => {}
                k if geometry_attr(kind, k) => {}
                k => {
                    let k = String::from_utf8_lossy(k).into_owned();
                    self.x.skip(
                        ReadIssue::Unsupported,
                        start,
                        end,
                        format!("attribute `{k}` of a track shape is not kept"),
                    );
                }
            }
        }
        shape.attributes = self.typed(label, child_attrs);
        Some(shape)
    }
}

/// One XML attribute, owned or borrowed from the input.
trait AttrPair {
    fn key(&self) -> &[u8];
    fn value(&self) -> &str;
}

impl AttrPair for (&[u8], Cow<'_, str>) {
    fn key(&self) -> &[u8] {
        self.0
    }
    fn value(&self) -> &str {
        &self.1
    }
}

fn find_in<'v, P: AttrPair>(attrs: &'v [P], name: &str) -> Option<&'v str> {
    attrs
        .iter()
        .find(|p| crate::xml::key_is(p.key(), name.as_bytes()))
        .map(AttrPair::value)
}

fn meta_declared(label: &Label) -> bool {
    crate::meta::is_declared(label)
}

/// A track with the byte span of its element.
/// A track, its span and the span of each of its shapes (in the order of
/// `Track::shapes`).
type SpannedTrack = (Track, (usize, usize), Vec<(usize, usize)>);

/// A track shape as read: kind, span, XML attributes, `<attribute>` values
/// and, for a skeleton, its element `<points>`.
struct RawTrackShape<'a> {
    kind: Kind,
    start: usize,
    end: usize,
    attrs: AttrList<'a>,
    child_attrs: Vec<(String, String)>,
    elements: Vec<RawElement>,
}

/// A skeleton element as read.
struct RawElement {
    attrs: Vec<(String, String)>,
    attributes: Vec<(String, String)>,
    start: usize,
    end: usize,
}

impl RawElement {
    fn get(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What of an element the model's keypoint cannot hold.
fn element_extra(el: &RawElement) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    let outside = el.get("outside").is_some_and(|v| v.trim() == "1");
    for (k, v) in &el.attrs {
        match k.as_str() {
            "label" | "points" | "outside" => {}
            "occluded" if !(outside && v.trim() == "1") => {}
            _ => {
                map.insert(k.clone(), serde_json::Value::String(v.clone()));
            }
        }
    }
    if !el.attributes.is_empty() {
        map.insert(
            "<attribute>".to_owned(),
            serde_json::Value::Array(
                el.attributes
                    .iter()
                    .map(|(n, v)| serde_json::json!([n, v]))
                    .collect(),
            ),
        );
    }
    serde_json::Value::Object(map)
}

/// Parses `x0,y0;x1,y1;...`; an error carries its kind (a value that is
/// no number, or one that is not finite) and what was wrong.
pub(crate) fn parse_points(text: &str) -> Result<Vec<Point>, (ReadIssue, String)> {
    let malformed = |m: String| (ReadIssue::MalformedValue, m);
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::with_capacity(text.len() / 12 + 1);
    for pair in text.split(';') {
        let pair = pair.trim();
        if pair.is_empty() {
            continue;
        }
        let Some((x, y)) = pair.split_once(',') else {
            return Err(malformed(format!(
                "`{}` is not an `x,y` pair",
                shorten(pair)
            )));
        };
        let parse = |t: &str| match parse_plain_decimal(t.as_bytes()) {
            Some(v) => Ok(v),
            None => t.trim().parse::<f64>(),
        };
        let (Ok(x), Ok(y)) = (parse(x), parse(y)) else {
            return Err(malformed(format!(
                "`{}` is not a pair of numbers",
                shorten(pair)
            )));
        };
        if !x.is_finite() || !y.is_finite() {
            return Err((
                ReadIssue::NonFinite,
                format!("`{}` is not finite", shorten(pair)),
            ));
        }
        out.push(Point::new(x, y));
    }
    Ok(out)
}

/// Exact powers of ten.
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// Parses a plain decimal of at most 15 digits (`12.25`, `-3`, `0.5`) to
/// the very value `str::parse` gives; `None` for anything else (exponents,
/// whitespace, signs other than `-`, more digits), left to `str::parse`.
///
/// The digits make an integer below 2^53 and the power of ten is exact, so
/// the one division rounds correctly.
pub(crate) fn parse_plain_decimal(s: &[u8]) -> Option<f64> {
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    let mut mantissa = 0u64;
    let mut count = 0usize;
    let mut decimals = 0usize;
    let mut dot = false;
    for &b in digits {
        if b.is_ascii_digit() {
            mantissa = mantissa * 10 + u64::from(b - b'0');
            count += 1;
            decimals += usize::from(dot);
            if count > 15 {
                return None;
            }
        } else if b == b'.' && !dot {
            dot = true;
        } else {
            return None;
        }
    }
    if count == 0 {
        return None;
    }
    #[allow(clippy::cast_precision_loss)]
    let value = mantissa as f64 / *POW10.get(decimals)?;
    Some(if negative { -value } else { value })
}

/// At most 40 characters of `s`, for messages.
fn shorten(s: &str) -> String {
    if s.chars().count() <= 40 {
        s.to_owned()
    } else {
        let head: String = s.chars().take(40).collect();
        format!("{head}...")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut files = Vec::new();
        for dir in [
            root.join("tests/fuzz_seeds"),
            root.join("../../tests/corpus"),
        ] {
            let mut stack = vec![dir];
            while let Some(dir) = stack.pop() {
                for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                    let path = entry.path();
                    if path.is_dir() {
                        stack.push(path);
                    } else if path.extension().is_some_and(|e| e == "xml") {
                        files.push(std::fs::read(&path).unwrap());
                    }
                }
            }
        }
        assert!(files.len() >= 10, "{} files", files.len());
        let mut docs = Vec::new();
        for data in files {
            if data.len() < 20_000 {
                for cut in (0..data.len()).step_by(9) {
                    docs.push(data[..cut].to_vec());
                }
            }
            docs.push(data);
        }
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
