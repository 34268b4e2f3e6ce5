//! The `<meta>` element: labels and their attribute specs, skeleton layouts,
//! and the task/project/job details kept verbatim for the round trip.

use std::collections::HashMap;
use std::path::Path;

use labelkit_diagnostics::{ByteSpan, Diagnostic, FileId, ParseError, ReadIssue};
use labelkit_model::{
    children_by_parent, AttributeSpec, DatasetInfo, InputType, KeypointSchema, Label, LabelId,
    TaskInfo, VideoInfo,
};
use quick_xml::events::Event;

use crate::kept::CvatLabel;
use crate::xml::{escape_text, has_forbidden_reference, int_value, is_xml_char, Xml};

/// What `<meta>` says.
#[derive(Debug, Default)]
pub(crate) struct Meta {
    /// Task, project or job name.
    pub(crate) name: Option<String>,
    /// Declared labels; `parent` ids are positions in this list.
    pub(crate) labels: Vec<Label>,
    /// Where each label was declared (absolute).
    pub(crate) label_spans: Vec<ByteSpan>,
    /// Absolute span of the `<labels>` element.
    pub(crate) labels_span: Option<(usize, usize)>,
    /// Absolute end of the start tag of the task/project/job element.
    pub(crate) container_open_end: Option<usize>,
    /// `<mode>`.
    pub(crate) mode: Option<String>,
    /// `<original_size>` width and height.
    pub(crate) original_size: (Option<u32>, Option<u32>),
    /// `<start_frame>`.
    pub(crate) start_frame: Option<u64>,
    /// `<stop_frame>`.
    pub(crate) stop_frame: Option<u64>,
    /// `step=N` of `<frame_filter>`.
    pub(crate) frame_step: Option<u64>,
    /// The element `<meta>` holds: `task`, `job` or `project` (the first).
    pub(crate) scope: Option<String>,
    /// `<id>`.
    pub(crate) id: Option<u64>,
    /// `<size>`.
    pub(crate) size: Option<u64>,
    /// `<subset>`.
    pub(crate) subset: Option<String>,
    /// Where the text of each typed fact is written (absolute spans of the
    /// element's content), for the writer to write the typed value over.
    pub(crate) fact_spans: Vec<(Fact, (usize, usize))>,
}

/// A fact of `<meta>` the dataset information has a typed field for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fact {
    Id,
    Size,
    Mode,
    Subset,
    StartFrame,
    StopFrame,
    FrameFilter,
    Width,
    Height,
}

impl Fact {
    /// Every fact, in the order CVAT writes them.
    const ALL: [Self; 9] = [
        Self::Id,
        Self::Size,
        Self::Mode,
        Self::Subset,
        Self::StartFrame,
        Self::StopFrame,
        Self::FrameFilter,
        Self::Width,
        Self::Height,
    ];

    /// The element that states the fact as a child of the task; `None`
    /// for the frame size's, which are children of `<original_size>`.
    fn tag(self) -> Option<&'static str> {
        Some(match self {
            Self::Id => "id",
            Self::Size => "size",
            Self::Mode => "mode",
            Self::Subset => "subset",
            Self::StartFrame => "start_frame",
            Self::StopFrame => "stop_frame",
            Self::FrameFilter => "frame_filter",
            Self::Width | Self::Height => return None,
        })
    }
}

impl Meta {
    /// The frames of the video as `<meta>` states them; `None` if it
    /// states none.
    pub(crate) fn video(&self) -> Option<VideoInfo> {
        let video = VideoInfo {
            start_frame: self.start_frame,
            stop_frame: self.stop_frame,
            frame_step: self.frame_step,
            frame_size: match self.original_size {
                (Some(w), Some(h)) => Some((w, h)),
                _ => None,
            },
        };
        (!video.is_empty()).then_some(video)
    }

    /// The task as `<meta>` states it; `None` if it states nothing.
    pub(crate) fn task(&self) -> Option<TaskInfo> {
        let task = TaskInfo {
            scope: self.scope.clone(),
            id: self.id,
            mode: self.mode.clone(),
            subset: self.subset.clone(),
            size: self.size,
        };
        (!task.is_empty()).then_some(task)
    }

    /// The text `info` gives a fact, when it gives one other than the one
    /// `<meta>` states.
    fn changed(&self, fact: Fact, info: &DatasetInfo) -> Option<String> {
        let video = info.video.as_ref();
        let task = info.task.as_ref();
        let size = video.and_then(|v| v.frame_size);
        let number = |want: Option<u64>, have: Option<u64>| {
            want.filter(|&w| Some(w) != have).map(|w| w.to_string())
        };
        let text = |want: Option<&String>, have: Option<&String>| {
            want.filter(|&w| Some(w) != have).cloned()
        };
        match fact {
            Fact::Id => number(task.and_then(|t| t.id), self.id),
            Fact::Size => number(task.and_then(|t| t.size), self.size),
            Fact::Mode => text(task.and_then(|t| t.mode.as_ref()), self.mode.as_ref()),
            Fact::Subset => text(task.and_then(|t| t.subset.as_ref()), self.subset.as_ref()),
            Fact::StartFrame => number(video.and_then(|v| v.start_frame), self.start_frame),
            Fact::StopFrame => number(video.and_then(|v| v.stop_frame), self.stop_frame),
            Fact::FrameFilter => number(video.and_then(|v| v.frame_step), self.frame_step)
                .map(|step| format!("step={step}")),
            Fact::Width => number(
                size.map(|s| u64::from(s.0)),
                self.original_size.0.map(u64::from),
            ),
            Fact::Height => number(
                size.map(|s| u64::from(s.1)),
                self.original_size.1.map(u64::from),
            ),
        }
    }
}

/// The span of the content of the element that ends at `end` and whose
/// start tag ends at `open_end`.
fn content_span(full: &[u8], open_end: usize, end: usize) -> (usize, usize) {
    let close = full
        .get(open_end..end)
        .and_then(|t| memchr::memmem::rfind(t, b"</"))
        .map_or(open_end, |at| open_end + at);
    (open_end, close)
}

/// Parses the `<meta>` element at `full[start..end]`.
pub(crate) fn parse_meta(
    path: &Path,
    file: FileId,
    full: &[u8],
    start: usize,
    end: usize,
) -> Result<(Meta, Vec<Diagnostic>), ParseError> {
    let mut x = Xml::new(path, file, full, start, end);
    let mut meta = Meta::default();
    let mut parents: Vec<Option<(String, usize, usize)>> = Vec::new();
    loop {
        let ev = x.next()?;
        let depth = x.depth();
        match ev.event {
            Event::Eof => break,
            Event::Start(e) => {
                let local = e.local_name();
                let name = local.as_ref();
                if depth == 2 {
                    if meta.container_open_end.is_none() {
                        meta.container_open_end = Some(ev.end);
                    }
                    if meta.scope.is_none() && matches!(name, b"task" | b"job" | b"project") {
                        meta.scope = Some(String::from_utf8_lossy(name).into_owned());
                    }
                    continue;
                }
                if depth != 3 {
                    continue;
                }
                match name {
                    b"labels" if meta.labels_span.is_none() => {
                        let labels_end = parse_labels(&mut x, &mut meta, &mut parents)?;
                        meta.labels_span = Some((ev.start, labels_end));
                    }
                    b"name" => {
                        let (text, _) = x.read_text()?;
                        meta.name.get_or_insert(text);
                    }
                    b"mode" => {
                        let (text, end) = x.read_text()?;
                        meta.mode = Some(text.trim().to_owned());
                        let span = content_span(full, ev.end, end);
                        meta.fact_spans.push((Fact::Mode, span));
                    }
                    b"id" | b"size" => {
                        let (text, end) = x.read_text()?;
                        let (fact, slot) = if name == b"id" {
                            (Fact::Id, &mut meta.id)
                        } else {
                            (Fact::Size, &mut meta.size)
                        };
                        // Not used by labelkit, and kept as written: text
                        // that is no number is no fact.
                        *slot = int_value::<u64>(&text, 0, u64::MAX).ok();
                        meta.fact_spans
                            .push((fact, content_span(full, ev.end, end)));
                    }
                    b"subset" => {
                        let (text, end) = x.read_text()?;
                        meta.subset = Some(text);
                        let span = content_span(full, ev.end, end);
                        meta.fact_spans.push((Fact::Subset, span));
                    }
                    b"start_frame" | b"stop_frame" => {
                        let (text, end) = x.read_text()?;
                        let fact = if name == b"start_frame" {
                            Fact::StartFrame
                        } else {
                            Fact::StopFrame
                        };
                        meta.fact_spans
                            .push((fact, content_span(full, ev.end, end)));
                        let what = if name == b"start_frame" {
                            "start_frame"
                        } else {
                            "stop_frame"
                        };
                        let v = meta_int::<u64>(
                            &mut x,
                            ReadIssue::MalformedValue,
                            &text,
                            what,
                            (ev.start, end),
                            (0, u64::MAX),
                        );
                        if name == b"start_frame" {
                            meta.start_frame = v;
                        } else {
                            meta.stop_frame = v;
                        }
                    }
                    b"frame_filter" => {
                        let (text, end) = x.read_text()?;
                        meta.fact_spans
                            .push((Fact::FrameFilter, content_span(full, ev.end, end)));
                        meta.frame_step = text.trim().strip_prefix("step=").and_then(|s| {
                            meta_int::<u64>(
                                &mut x,
                                ReadIssue::MalformedValue,
                                s,
                                "frame_filter step",
                                (ev.start, end),
                                (1, u64::MAX),
                            )
                        });
                    }
                    b"original_size" => loop {
                        let ev = x.next()?;
                        match ev.event {
                            Event::Start(e) => {
                                let which = e.local_name().as_ref().to_vec();
                                let (text, end) = x.read_text()?;
                                let what =
                                    format!("original_size {}", String::from_utf8_lossy(&which));
                                // The frames' size: a bad one is an
                                // invalid image size (F010), as on <image>.
                                let v = meta_int::<u32>(
                                    &mut x,
                                    ReadIssue::InvalidImageSize,
                                    &text,
                                    &what,
                                    (ev.start, end),
                                    (1, u32::MAX),
                                );
                                let span = content_span(full, ev.end, end);
                                match which.as_slice() {
                                    b"width" => {
                                        meta.original_size.0 = v;
                                        meta.fact_spans.push((Fact::Width, span));
                                    }
                                    b"height" => {
                                        meta.original_size.1 = v;
                                        meta.fact_spans.push((Fact::Height, span));
                                    }
                                    _ => {}
                                }
                            }
                            Event::End(_) | Event::Eof => break,
                            _ => {}
                        }
                    },
                    _ => {
                        x.skip_element()?;
                    }
                }
            }
            _ => {}
        }
    }
    resolve_parents(&mut x, &mut meta, &parents);
    build_schemas(&mut meta.labels);
    Ok((meta, x.issues))
}

/// An integer in `<meta>` text; reported as `kind` (and `None`) when it is
/// no integer or out of `min..=max`, never wrapped or dropped silently.
fn meta_int<T>(
    x: &mut Xml<'_>,
    kind: ReadIssue,
    text: &str,
    what: &str,
    (start, end): (usize, usize),
    (min, max): (T, T),
) -> Option<T>
where
    T: TryFrom<i128> + Copy + PartialOrd + std::fmt::Display,
{
    match int_value(text, min, max) {
        Ok(n) => Some(n),
        Err(e) => {
            x.issue(
                kind,
                start,
                end,
                format!("<meta> {what} `{}` {e}: ignored", text.trim()),
            );
            None
        }
    }
}

fn parse_labels(
    x: &mut Xml<'_>,
    meta: &mut Meta,
    parents: &mut Vec<Option<(String, usize, usize)>>,
) -> Result<usize, ParseError> {
    let target = x.depth() - 1;
    loop {
        let ev = x.next()?;
        match ev.event {
            Event::Start(e) if e.local_name().as_ref() == b"label" => {
                let (label, parent, end) = parse_label(x)?;
                meta.labels.push(label);
                meta.label_spans.push(ByteSpan::new(ev.start, end));
                parents.push(parent.map(|p| (p, ev.start, end)));
            }
            Event::Empty(e) if e.local_name().as_ref() == b"label" => {
                x.skip(
                    ReadIssue::MalformedValue,
                    ev.start,
                    ev.end,
                    "a <label> without a name is skipped",
                );
            }
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let end = x.skip_element()?;
                x.skip(
                    ReadIssue::Unsupported,
                    ev.start,
                    end,
                    format!("<{name}> in <labels> is skipped"),
                );
            }
            Event::End(_) if x.depth() == target => return Ok(ev.end),
            Event::Eof => return Ok(ev.end),
            _ => {}
        }
    }
}

fn parse_label(x: &mut Xml<'_>) -> Result<(Label, Option<String>, usize), ParseError> {
    let target = x.depth() - 1;
    let mut label = Label::default();
    let mut kept = CvatLabel::default();
    let mut parent = None;
    let end = loop {
        let ev = x.next()?;
        match ev.event {
            Event::Start(e) => {
                let tag = e.local_name().as_ref().to_vec();
                match tag.as_slice() {
                    b"name" => label.name = x.read_text()?.0,
                    b"color" => label.color = Some(x.read_text()?.0),
                    b"type" => label.kind = Some(x.read_text()?.0),
                    b"svg" => kept.svg = Some(x.read_text()?.0),
                    b"parent" => parent = Some(x.read_text()?.0),
                    b"attributes" => parse_specs(x, &mut label.attributes)?,
                    _ => {
                        let text = x.read_text()?.0;
                        let tag = String::from_utf8_lossy(&tag).into_owned();
                        kept.children.push((tag, text));
                    }
                }
            }
            Event::Empty(e) => {
                let tag = e.local_name().as_ref().to_vec();
                match tag.as_slice() {
                    b"name" => label.name = String::new(),
                    b"color" => label.color = Some(String::new()),
                    b"type" => label.kind = Some(String::new()),
                    b"parent" => parent = Some(String::new()),
                    b"attributes" => {}
                    b"svg" => kept.svg = Some(String::new()),
                    _ => {
                        let tag = String::from_utf8_lossy(&tag).into_owned();
                        kept.children.push((tag, String::new()));
                    }
                }
            }
            Event::End(_) if x.depth() == target => break ev.end,
            Event::Eof => break ev.end,
            _ => {}
        }
    };
    crate::kept::store(&mut label.kept, kept);
    Ok((label, parent, end))
}

fn parse_specs(x: &mut Xml<'_>, specs: &mut Vec<AttributeSpec>) -> Result<(), ParseError> {
    let target = x.depth() - 1;
    loop {
        let ev = x.next()?;
        match ev.event {
            Event::Start(e) if e.local_name().as_ref() == b"attribute" => {
                specs.push(parse_spec(x, ev.start)?);
            }
            Event::Start(_) => {
                let end = x.skip_element()?;
                x.skip(
                    ReadIssue::Unsupported,
                    ev.start,
                    end,
                    "unexpected element in <attributes> is skipped",
                );
            }
            Event::End(_) if x.depth() == target => return Ok(()),
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

fn parse_spec(x: &mut Xml<'_>, start: usize) -> Result<AttributeSpec, ParseError> {
    let target = x.depth() - 1;
    let mut spec = AttributeSpec {
        name: String::new(),
        input_type: InputType::Text,
        mutable: false,
        default: None,
        values: Vec::new(),
    };
    let mut input_type: Option<String> = None;
    loop {
        let ev = x.next()?;
        match ev.event {
            Event::Start(e) => {
                let tag = e.local_name().as_ref().to_vec();
                let (text, end) = x.read_text()?;
                match tag.as_slice() {
                    b"name" => spec.name = text,
                    b"mutable" => spec.mutable = matches!(text.trim(), "True" | "true" | "1"),
                    b"input_type" => input_type = Some(text),
                    b"default_value" => spec.default = Some(text),
                    b"values" => spec.values = split_values(&text),
                    other => {
                        let other = String::from_utf8_lossy(other).into_owned();
                        x.skip(
                            ReadIssue::Unsupported,
                            ev.start,
                            end,
                            format!("<{other}> of an attribute declaration is not kept"),
                        );
                    }
                }
            }
            Event::Empty(e) => match e.local_name().as_ref() {
                b"default_value" => spec.default = Some(String::new()),
                b"input_type" => input_type = Some(String::new()),
                _ => {}
            },
            Event::End(_) if x.depth() == target => {
                match input_type.as_deref().map(InputType::parse) {
                    Some(Some(t)) => spec.input_type = t,
                    Some(None) | None => x.issue(
                        ReadIssue::MalformedValue,
                        start,
                        ev.end,
                        format!(
                            "attribute `{}` has no valid <input_type> (select, radio, checkbox, number, text): read as text",
                            spec.name
                        ),
                    ),
                }
                return Ok(spec);
            }
            Event::Eof => return Ok(spec),
            _ => {}
        }
    }
}

/// `<values>` text: one value per line.
fn split_values(text: &str) -> Vec<String> {
    if text.is_empty() {
        Vec::new()
    } else {
        text.split('\n').map(str::to_owned).collect()
    }
}

fn resolve_parents(x: &mut Xml<'_>, meta: &mut Meta, parents: &[Option<(String, usize, usize)>]) {
    // The first label of each name that names no parent itself: one pass,
    // not a scan per element (a file may declare 100,000s of labels).
    let mut top_level: HashMap<&str, usize> = HashMap::new();
    for (j, l) in meta.labels.iter().enumerate() {
        if parents.get(j).is_some_and(Option::is_none) {
            top_level.entry(l.name.as_str()).or_insert(j);
        }
    }
    let found: Vec<Option<usize>> = parents
        .iter()
        .map(|p| {
            p.as_ref()
                .and_then(|(name, _, _)| top_level.get(name.as_str()).copied())
        })
        .collect();
    for (i, parent) in parents.iter().enumerate() {
        let Some((name, start, end)) = parent else {
            continue;
        };
        match found
            .get(i)
            .copied()
            .flatten()
            .and_then(|j| u32::try_from(j).ok())
        {
            Some(j) => {
                if let Some(label) = meta.labels.get_mut(i) {
                    label.parent = Some(LabelId(j));
                }
            }
            None => {
                x.issue(
                    ReadIssue::DanglingReference,
                    *start,
                    *end,
                    format!("<parent>{name}</parent> names no declared top-level label"),
                );
                if let Some(label) = meta.labels.get_mut(i) {
                    label.kept.get_or_default::<CvatLabel>().parent = Some(name.clone());
                }
            }
        }
    }
}

/// Builds the keypoint schema of each skeleton from its element labels and
/// its svg layout.
pub(crate) fn build_schemas(labels: &mut [Label]) {
    let children = children_by_parent(labels);
    for (i, kids) in children.iter().enumerate() {
        let names: Vec<String> = kids
            .iter()
            .filter_map(|&c| labels.get(c.index()))
            .filter(|l| is_declared(l))
            .map(|l| l.name.clone())
            .collect();
        let Some(label) = labels.get_mut(i) else {
            continue;
        };
        if names.is_empty() && label.kind.as_deref() != Some("skeleton") {
            continue;
        }
        let mut schema = KeypointSchema::from_names(names);
        if let Some(svg) = label.kept.get::<CvatLabel>().and_then(|k| k.svg.as_deref()) {
            schema.edges = svg_edges(svg, &schema.names);
        }
        label.keypoints = Some(schema);
    }
}

/// The value of `name="..."` inside one svg tag.
fn svg_attr<'s>(tag: &'s str, name: &str) -> Option<&'s str> {
    let key = format!("{name}=\"");
    let at = tag.find(&key)? + key.len();
    let rest = tag.get(at..)?;
    rest.find('"').and_then(|end| rest.get(..end))
}

/// Skeleton edges of a CVAT svg layout, as 0-based indices into `names`.
///
/// Edges are `<line data-type="edge" data-node-from="A" data-node-to="B">`;
/// nodes are `<circle data-node-id="N" data-label-name="...">`. A node id is
/// mapped through its circle's label name; without a circle it is taken as
/// the 1-based position of the element (CVAT numbers nodes from 1 in
/// declaration order).
pub(crate) fn svg_edges(svg: &str, names: &[String]) -> Vec<(usize, usize)> {
    let mut node_names: Vec<(&str, &str)> = Vec::new();
    let mut raw_edges: Vec<(&str, &str)> = Vec::new();
    for tag in svg.split('<') {
        if tag.starts_with("circle") {
            if let (Some(id), Some(name)) = (
                svg_attr(tag, "data-node-id"),
                svg_attr(tag, "data-label-name"),
            ) {
                node_names.push((id, name));
            }
        } else if tag.starts_with("line") {
            if let (Some(a), Some(b)) = (
                svg_attr(tag, "data-node-from"),
                svg_attr(tag, "data-node-to"),
            ) {
                raw_edges.push((a, b));
            }
        }
    }
    // First circle of each node id, first element of each name: looked up
    // per edge, so maps rather than scans.
    let mut circles: HashMap<&str, &str> = HashMap::new();
    for &(id, name) in &node_names {
        circles.entry(id).or_insert(name);
    }
    let mut positions: HashMap<&str, usize> = HashMap::new();
    for (i, n) in names.iter().enumerate() {
        positions.entry(n.as_str()).or_insert(i);
    }
    let index = |node: &str| -> Option<usize> {
        if let Some(name) = circles.get(node) {
            if let Some(&i) = positions.get(name) {
                return Some(i);
            }
        }
        let n: usize = node.trim().parse().ok()?;
        (n >= 1 && n <= names.len()).then(|| n - 1)
    };
    raw_edges
        .into_iter()
        .filter_map(|(a, b)| Some((index(a)?, index(b)?)))
        .collect()
}

/// Whether a label is declared in `<meta>`.
pub(crate) fn is_declared(label: &Label) -> bool {
    label.declared
}

/// The `<labels>` element for the declared labels of `all`.
pub(crate) fn labels_xml(all: &[Label], indent: &str, replaced: &mut u64) -> String {
    let mut out = String::new();
    out.push_str("<labels>\n");
    for label in all.iter().filter(|l| is_declared(l)) {
        let i1 = format!("{indent}  ");
        let i2 = format!("{indent}    ");
        out.push_str(&format!("{i1}<label>\n"));
        leaf(&mut out, replaced, &i2, "name", &label.name);
        if let Some(color) = &label.color {
            leaf(&mut out, replaced, &i2, "color", color);
        }
        if let Some(kind) = &label.kind {
            leaf(&mut out, replaced, &i2, "type", kind);
        }
        out.push_str(&format!("{i2}<attributes>\n"));
        for spec in &label.attributes {
            let i3 = format!("{indent}      ");
            let i4 = format!("{indent}        ");
            out.push_str(&format!("{i3}<attribute>\n"));
            leaf(&mut out, replaced, &i4, "name", &spec.name);
            leaf(
                &mut out,
                replaced,
                &i4,
                "mutable",
                if spec.mutable { "True" } else { "False" },
            );
            leaf(
                &mut out,
                replaced,
                &i4,
                "input_type",
                spec.input_type.as_str(),
            );
            if let Some(d) = &spec.default {
                leaf(&mut out, replaced, &i4, "default_value", d);
            }
            leaf(&mut out, replaced, &i4, "values", &spec.values.join("\n"));
            out.push_str(&format!("{i3}</attribute>\n"));
        }
        out.push_str(&format!("{i2}</attributes>\n"));
        if let Some(kept) = label.kept.get::<CvatLabel>() {
            if let Some(svg) = &kept.svg {
                leaf(&mut out, replaced, &i2, "svg", svg);
            }
            for (tag, text) in &kept.children {
                if is_xml_name(tag) {
                    leaf(&mut out, replaced, &i2, tag, text);
                }
            }
            if let Some(parent) = &kept.parent {
                leaf(&mut out, replaced, &i2, "parent", parent);
            }
        }
        if let Some(parent) = label.parent.and_then(|p| all.get(p.index())) {
            leaf(&mut out, replaced, &i2, "parent", &parent.name);
        }
        out.push_str(&format!("{i1}</label>\n"));
    }
    out.push_str(indent);
    out.push_str("</labels>");
    out
}

fn leaf(out: &mut String, replaced: &mut u64, indent: &str, tag: &str, text: &str) {
    out.push_str(indent);
    out.push('<');
    out.push_str(tag);
    out.push('>');
    *replaced += escape_text(out, text);
    out.push_str("</");
    out.push_str(tag);
    out.push_str(">\n");
}

/// Whether `s` can be used as an element or attribute name.
pub(crate) fn is_xml_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// A fresh `<meta>` for a dataset read from another format.
///
/// Images with subsets get CVAT's project form (a `<project>` whose tasks
/// name the subsets, and `<subsets>`): in a `<task>`, CVAT has no subsets,
/// and Datumaro reads only the images whose subset is the file's name.
pub(crate) fn generate_meta(
    name: Option<&str>,
    labels: &[Label],
    interpolation: bool,
    frame_size: Option<(u32, u32)>,
    subsets: &[&str],
    replaced: &mut u64,
) -> String {
    if !subsets.is_empty() {
        return generate_project_meta(name, labels, subsets, replaced);
    }
    let mut out = String::from("<meta>\n    <task>\n");
    if let Some(name) = name {
        leaf(&mut out, replaced, "      ", "name", name);
    }
    leaf(
        &mut out,
        replaced,
        "      ",
        "mode",
        if interpolation {
            "interpolation"
        } else {
            "annotation"
        },
    );
    out.push_str("      ");
    out.push_str(&labels_xml(labels, "      ", replaced));
    out.push('\n');
    if let Some(size) = frame_size {
        out.push_str("      ");
        out.push_str(&original_size_xml(size));
        out.push('\n');
    }
    out.push_str("    </task>\n  </meta>");
    out
}

/// A fresh project `<meta>`: the labels, one task per subset, the subsets.
fn generate_project_meta(
    name: Option<&str>,
    labels: &[Label],
    subsets: &[&str],
    replaced: &mut u64,
) -> String {
    let mut out = String::from("<meta>\n    <project>\n");
    if let Some(name) = name {
        leaf(&mut out, replaced, "      ", "name", name);
    }
    out.push_str("      ");
    out.push_str(&labels_xml(labels, "      ", replaced));
    out.push_str("\n      <tasks>\n");
    for subset in subsets {
        out.push_str("        <task>\n");
        leaf(&mut out, replaced, "          ", "name", subset);
        leaf(&mut out, replaced, "          ", "mode", "annotation");
        leaf(&mut out, replaced, "          ", "subset", subset);
        out.push_str("        </task>\n");
    }
    out.push_str("      </tasks>\n");
    leaf(&mut out, replaced, "      ", "subsets", &subsets.join("\n"));
    out.push_str("    </project>\n  </meta>");
    out
}

/// CVAT for video's one frame size: `<original_size>`.
fn original_size_xml((width, height): (u32, u32)) -> String {
    format!(
        "<original_size>\n        <width>{width}</width>\n        <height>{height}</height>\n      </original_size>"
    )
}

/// Whether `raw` is one well-formed `<meta>` element (comments and
/// whitespace around it allowed) holding only characters XML 1.0 allows.
fn is_single_meta(raw: &str) -> bool {
    if !raw.chars().all(is_xml_char) || has_forbidden_reference(raw) {
        return false;
    }
    let mut reader = quick_xml::Reader::from_str(raw);
    let mut depth = 0usize;
    let mut roots = 0;
    loop {
        let Ok(event) = reader.read_event() else {
            return false;
        };
        match event {
            Event::Eof => return roots == 1 && depth == 0,
            Event::Start(e) => {
                if depth == 0 {
                    roots += 1;
                    if roots > 1 || e.local_name().as_ref() != b"meta" {
                        return false;
                    }
                }
                depth += 1;
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            Event::Text(t) if t.iter().all(u8::is_ascii_whitespace) => {}
            Event::Comment(_) => {}
            _ => return false,
        }
    }
}

/// The `<meta>` to write: the one kept from the source (`raw`), with its
/// `<labels>` regenerated if the dataset's labels differ from it and the
/// typed facts of `info` ([`DatasetInfo::video`], [`DatasetInfo::task`])
/// written over the texts it states for them where they differ; or a fresh
/// one.
///
/// `frame_size` is the frame size of a video written from a source whose
/// `<meta>` does not give one (CVAT for images, other formats): without
/// `<original_size>`, CVAT for video's frames have no size.
pub(crate) fn meta_to_write(
    raw: Option<&str>,
    info: &DatasetInfo,
    labels: &[Label],
    interpolation: bool,
    frame_size: Option<(u32, u32)>,
    subsets: &[&str],
    replaced: &mut u64,
) -> String {
    let frame_size = info.video.and_then(|v| v.frame_size).or(frame_size);
    // A carried `<meta>` is written verbatim, so it must be exactly one
    // `<meta>` element of XML 1.0 characters (also those its character
    // references name: `&#27;` is refused by XML parsers): anything around
    // the element would be injected into the output.
    let kept = raw
        .filter(|r| is_single_meta(r))
        .and_then(|raw| kept_meta(raw, labels, frame_size, replaced));
    let meta = kept.unwrap_or_else(|| {
        let name = info.name.as_deref();
        generate_meta(name, labels, interpolation, frame_size, subsets, replaced)
    });
    with_facts(meta, info, replaced)
}

/// The kept `<meta>` `raw` with its `<labels>` regenerated if `labels`
/// differ from them, and `<original_size>` added when it has none and
/// `frame_size` is known; `None` where it cannot be (a fresh one is
/// written then).
fn kept_meta(
    raw: &str,
    labels: &[Label],
    frame_size: Option<(u32, u32)>,
    replaced: &mut u64,
) -> Option<String> {
    let path = Path::new("<meta>");
    let (meta, _) = parse_meta(path, FileId(0), raw.as_bytes(), 0, raw.len()).ok()?;
    let wanted = labels_xml(labels, "      ", replaced);
    let size = frame_size
        .filter(|_| meta.original_size == (None, None))
        .map(original_size_xml);
    if size.is_none() && labels_xml(&meta.labels, "      ", &mut 0) == wanted {
        return Some(raw.to_owned());
    }
    let at = meta.container_open_end?;
    // Both insertions go right after the container's start tag, before the
    // kept labels' span.
    let mut edits = Vec::with_capacity(2);
    if let Some(size) = size {
        edits.push((at, at, format!("\n      {size}")));
    }
    match meta.labels_span {
        Some((start, end)) if start >= at => edits.push((start, end, wanted)),
        Some(_) => return None,
        None => edits.push((at, at, format!("\n      {wanted}"))),
    }
    splice(raw, &edits)
}

/// `meta` with the typed facts of `info` ([`DatasetInfo::video`],
/// [`DatasetInfo::task`]) written over the texts it states for them where
/// they differ, and added after the start tag of its task (or job, or
/// project) where it states none.
fn with_facts(meta: String, info: &DatasetInfo, replaced: &mut u64) -> String {
    if info.video.is_none() && info.task.is_none() {
        return meta;
    }
    let path = Path::new("<meta>");
    let Ok((parsed, _)) = parse_meta(path, FileId(0), meta.as_bytes(), 0, meta.len()) else {
        return meta;
    };
    let Some(at) = parsed.container_open_end else {
        return meta;
    };
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for fact in Fact::ALL {
        let Some(text) = parsed.changed(fact, info) else {
            continue;
        };
        let mut escaped = String::with_capacity(text.len());
        *replaced += escape_text(&mut escaped, &text);
        let span = parsed.fact_spans.iter().find(|(f, _)| *f == fact);
        match (span, fact.tag()) {
            (Some(&(_, (start, end))), _) => edits.push((start, end, escaped)),
            (None, Some(tag)) => edits.push((at, at, format!("\n      <{tag}>{escaped}</{tag}>"))),
            // A frame size without `<original_size>` was added above.
            (None, None) => {}
        }
    }
    if edits.is_empty() {
        return meta;
    }
    // Insertions keep the order of `Fact::ALL`.
    edits.sort_by_key(|&(start, _, _)| start);
    splice(&meta, &edits).unwrap_or(meta)
}

/// `raw` with each `(start, end)` span replaced by its text; `None` if the
/// spans overlap or are out of range.
fn splice(raw: &str, edits: &[(usize, usize, String)]) -> Option<String> {
    let mut out = String::with_capacity(raw.len() + edits.iter().map(|e| e.2.len()).sum::<usize>());
    let mut at = 0;
    for (start, end, text) in edits {
        out.push_str(raw.get(at..*start)?);
        out.push_str(text);
        at = *end;
    }
    out.push_str(raw.get(at..)?);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_edges_map_node_ids_through_label_names() {
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| (*s).to_owned()).collect();
        let svg = r#"<line data-type="edge" data-node-from="3" data-node-to="1"></line><circle data-node-id="1" data-label-name="b"></circle><circle data-node-id="3" data-label-name="c"></circle>"#;
        assert_eq!(svg_edges(svg, &names), vec![(2, 1)]);
        let bare = r#"<line data-node-from="1" data-node-to="2"></line><line data-node-from="9" data-node-to="1"></line>"#;
        assert_eq!(svg_edges(bare, &names), vec![(0, 1)]);
    }
}
