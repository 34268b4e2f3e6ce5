//! The writer, in the layout of CVAT's own exports.

use std::collections::HashSet;
use std::io::{self, Write};

use labelkit_model::rle::MaskEncoding;
use labelkit_model::{
    Annotation, AttributeValue, Attributes, Dataset, Geometry, Keypoint, Label, LabelId, Point,
    Precision, Track, TrackShape, Visibility, WriteReport,
};

use crate::kept::{CvatDocument, CvatElement, CvatImage, CvatLabel, CvatShape, CvatTrack};
use crate::meta::{is_xml_name, meta_to_write};
use crate::read::CUBOID_NAMES;
use crate::xml::{escape_attr, escape_text};
use crate::{Variant, WriteOptions};

struct W<'o, O: Write> {
    buf: String,
    out: &'o mut O,
    precision: Precision,
    report: WriteReport,
    /// The next free group id, for polygons split into one per ring.
    next_group: u64,
    /// Characters XML 1.0 cannot hold, written as U+FFFD.
    replaced: u64,
    /// Whether a number that is not finite was written since the flag was
    /// last cleared: the shape (or track) holding it is taken back out.
    non_finite: bool,
    /// The value of `is_crowd` by label, to mark crowd regions.
    crowd: crate::project::CrowdTypes,
}

/// The loss of a shape with a coordinate that is not finite (COCO's
/// `1e308` plus a width overflows): no CVAT reader reads `inf` back.
const NON_FINITE_SHAPES: &str = "shapes with coordinates that overflow (not finite)";
/// The same for a track, written or dropped as a whole.
const NON_FINITE_TRACKS: &str = "tracks with coordinates that overflow (not finite)";

impl<O: Write> W<'_, O> {
    fn flush_if_full(&mut self) -> io::Result<()> {
        if self.buf.len() >= 1 << 20 {
            self.out.write_all(self.buf.as_bytes())?;
            self.buf.clear();
        }
        Ok(())
    }

    fn attr(&mut self, name: &str, value: &str) {
        self.buf.push(' ');
        self.buf.push_str(name);
        self.buf.push_str("=\"");
        self.replaced += escape_attr(&mut self.buf, value);
        self.buf.push('"');
    }

    fn num(&mut self, name: &str, value: f64) {
        self.buf.push(' ');
        self.buf.push_str(name);
        self.buf.push_str("=\"");
        self.number(value);
        self.buf.push('"');
    }

    /// A number by the precision policy.
    fn number(&mut self, value: f64) {
        self.non_finite |= !value.is_finite();
        let (precision, value) = match self.precision {
            Precision::Clean => (Precision::Shortest, labelkit_model::clean_number(value)),
            other => (other, value),
        };
        if precision != Precision::Shortest || !push_short_decimal(&mut self.buf, value) {
            precision.write(&mut self.buf, value);
        }
    }

    fn int(&mut self, name: &str, value: impl itoa::Integer) {
        self.buf.push(' ');
        self.buf.push_str(name);
        self.buf.push_str("=\"");
        push_int(&mut self.buf, value);
        self.buf.push('"');
    }

    fn points(&mut self, points: &[Point]) {
        self.buf.push_str(" points=\"");
        for (i, p) in points.iter().enumerate() {
            if i > 0 {
                self.buf.push(';');
            }
            self.number(p.x);
            self.buf.push(',');
            self.number(p.y);
        }
        self.buf.push('"');
    }

    /// Kept XML attributes, skipping names already written since byte
    /// `tag_start` of the buffer.
    fn kept_attrs(&mut self, attrs: &[(String, String)], tag_start: usize) {
        for (name, value) in attrs {
            let written = self
                .buf
                .get(tag_start..)
                .is_some_and(|tag| tag.contains(&format!(" {name}=\"")));
            if written || !is_xml_name(name) {
                continue;
            }
            self.attr(name, value);
        }
    }

    fn attribute_children(&mut self, indent: &str, attributes: &Attributes) {
        for (name, value) in attributes.iter() {
            self.buf.push_str(indent);
            self.buf.push_str("<attribute");
            self.attr("name", name);
            self.buf.push('>');
            match value {
                AttributeValue::Bool(b) => self.buf.push_str(if *b { "true" } else { "false" }),
                AttributeValue::Number(n) => {
                    if !push_short_decimal(&mut self.buf, *n) {
                        Precision::Shortest.write(&mut self.buf, *n);
                    }
                }
                AttributeValue::Text(t) => self.replaced += escape_text(&mut self.buf, t),
            }
            self.buf.push_str("</attribute>\n");
        }
    }

    /// The geometry attributes of a shape; returns the tag name, or `None`
    /// when the geometry has no CVAT shape here.
    fn geometry(&mut self, geometry: &Geometry) -> Option<&'static str> {
        Some(match geometry {
            Geometry::Box(b) => {
                self.num("xtl", b.x_min);
                self.num("ytl", b.y_min);
                self.num("xbr", b.x_max);
                self.num("ybr", b.y_max);
                if b.rotation != 0.0 {
                    self.num("rotation", b.rotation);
                }
                "box"
            }
            Geometry::Polygon(p) => {
                self.points(p.rings.first().map_or(&[], Vec::as_slice));
                "polygon"
            }
            Geometry::Polyline(p) => {
                self.points(&p.points);
                "polyline"
            }
            Geometry::Points(p) => {
                self.points(&p.points);
                "points"
            }
            Geometry::Ellipse(e) => {
                self.num("cx", e.cx);
                self.num("cy", e.cy);
                self.num("rx", e.rx);
                self.num("ry", e.ry);
                if e.rotation != 0.0 {
                    self.num("rotation", e.rotation);
                }
                "ellipse"
            }
            Geometry::Cuboid(c) => {
                for (name, v) in CUBOID_NAMES.iter().zip(c.coords) {
                    self.num(name, v);
                }
                "cuboid"
            }
            Geometry::Mask(m) => {
                let window = match &m.encoding {
                    w @ MaskEncoding::Window { .. } => w.clone(),
                    other => match other.to_window() {
                        Ok(w) => w,
                        Err(e) => {
                            if e.is_limit() {
                                // Said why; the shape is counted lost too.
                                self.report
                                    .lose_one(labelkit_model::rle::LOST_TO_MASK_LIMITS);
                            }
                            return None;
                        }
                    },
                };
                let MaskEncoding::Window {
                    left,
                    top,
                    width,
                    height,
                    counts,
                } = window
                else {
                    return None;
                };
                self.buf.push_str(" rle=\"");
                for (i, &c) in counts.iter().enumerate() {
                    if i > 0 {
                        self.buf.push_str(", ");
                    }
                    push_int(&mut self.buf, c);
                }
                self.buf.push('"');
                self.int("left", left);
                self.int("top", top);
                self.int("width", width);
                self.int("height", height);
                "mask"
            }
            Geometry::Tag => "tag",
            _ => return None,
        })
    }
}

/// Appends an integer in decimal (`itoa`).
fn push_int(out: &mut String, value: impl itoa::Integer) {
    out.push_str(itoa::Buffer::new().format(value));
}

/// Appends `value` as `{}` prints it (the shortest text that reads back
/// exactly) when it has at most three decimals and is below 10^12, which
/// is most coordinates; `false`, with nothing appended, otherwise.
///
/// Such a value is the double nearest to `n / 1000` for an integer `n`;
/// doubles this small lie closer together than 0.001, so no shorter text
/// reads back to it, and `n / 1000` with its trailing zeros removed is the
/// shortest text.
fn push_short_decimal(out: &mut String, value: f64) -> bool {
    if !value.is_finite() || value.abs() >= 1e12 {
        return false;
    }
    let scaled = (value * 1000.0).round();
    if scaled / 1000.0 != value {
        return false;
    }
    // |scaled| < 10^15: exact as an integer.
    #[allow(clippy::cast_possible_truncation)]
    let n = scaled as i64;
    if n < 0 {
        out.push('-');
    }
    let n = n.unsigned_abs();
    push_int(out, n / 1000);
    let mut frac = n % 1000;
    if frac != 0 {
        out.push('.');
        let mut div = 100;
        while frac != 0 {
            push_int(out, frac / div);
            frac %= div;
            div /= 10;
        }
    }
    true
}

/// The labels to declare: `labels` (the dataset's), plus every skeleton
/// element label the written `<skeleton>`s use that is not declared: the
/// names of a keypoint schema without element labels (keypoints read from
/// COCO or YOLO), and the names the keypoints of `d` are written with
/// ([`element_name`]: `1`, `2`, ... for unnamed points of a label without a
/// schema, as a COCO category with keypoints but no `keypoints` names). Each
/// is declared as CVAT's exporter declares an element: a `<label>` of type
/// `points` whose `<parent>` is the skeleton's label, so that CVAT and
/// Datumaro read every element point with its label. A label gaining
/// elements becomes a `skeleton` (when it has no type) with an `<svg>`
/// layout of all its elements (when it has none). A label the source used
/// without declaring it gains none. Appending keeps every existing
/// [`LabelId`] valid.
/// `labels` with every attribute the dataset's shapes and tracks use but
/// their label does not declare added to the label's `<attributes>`, as
/// CVAT's own COCO import declares them: `number` when every value is a
/// whole number (`min`, `max`, step 1, so that CVAT reads them back as
/// numbers), `checkbox` when every value is a bool, `text` otherwise;
/// mutable when a track uses it. CVAT refuses (or reads as text) an
/// attribute its label does not declare. Borrowed when nothing is missing.
pub(crate) fn declare_used_attributes<'l>(
    labels: &'l [Label],
    d: &Dataset,
) -> std::borrow::Cow<'l, [Label]> {
    use labelkit_model::{AttributeSpec, InputType};
    // (label, name) -> (values seen, used by a track), in first-use order.
    let mut used: Vec<((usize, &str), Vec<&AttributeValue>, bool)> = Vec::new();
    let uses = d
        .annotations
        .iter()
        .map(|a| (a.label, &a.attributes, false))
        .chain(
            d.tracks
                .iter()
                .flat_map(|t| t.shapes.iter().map(move |s| (t.label, &s.attributes, true))),
        );
    for (label, attributes, in_track) in uses {
        let Some(l) = labels.get(label.index()) else {
            continue;
        };
        if !crate::meta::is_declared(l) {
            continue;
        }
        for (name, value) in attributes.iter() {
            if l.attributes.iter().any(|s| s.name == name) {
                continue;
            }
            let key = (label.index(), name);
            match used.iter_mut().find(|(k, _, _)| *k == key) {
                Some((_, values, track)) => {
                    values.push(value);
                    *track |= in_track;
                }
                None => used.push((key, vec![value], in_track)),
            }
        }
    }
    if used.is_empty() {
        return std::borrow::Cow::Borrowed(labels);
    }
    let mut out = labels.to_vec();
    for ((label, name), values, mutable) in used {
        let whole = |v: &&AttributeValue| matches!(v, AttributeValue::Number(n) if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15);
        let spec = if values.iter().all(whole) {
            let numbers = values.iter().filter_map(|v| v.as_f64());
            let min = numbers.clone().fold(f64::INFINITY, f64::min);
            let max = numbers.fold(f64::NEG_INFINITY, f64::max);
            AttributeSpec {
                name: name.to_owned(),
                input_type: InputType::Number,
                mutable,
                default: Some(format!("{min}")),
                values: vec![format!("{min}"), format!("{max}"), "1".to_owned()],
            }
        } else if values.iter().all(|v| matches!(v, AttributeValue::Bool(_))) {
            AttributeSpec {
                name: name.to_owned(),
                input_type: InputType::Checkbox,
                mutable,
                default: Some("false".to_owned()),
                values: vec!["false".to_owned()],
            }
        } else {
            AttributeSpec {
                name: name.to_owned(),
                input_type: InputType::Text,
                mutable,
                default: Some(String::new()),
                values: vec![String::new()],
            }
        };
        if let Some(l) = out.get_mut(label) {
            l.attributes.push(spec);
        }
    }
    std::borrow::Cow::Owned(out)
}

pub(crate) fn with_skeleton_elements<'l>(
    labels: &'l [Label],
    d: &Dataset,
) -> std::borrow::Cow<'l, [Label]> {
    let children = labelkit_model::label::children_by_parent(labels);
    // Element names each top-level label needs, in order, and a set of them.
    let mut needed: Vec<(Vec<String>, HashSet<String>)> = vec![Default::default(); labels.len()];
    let mut need = |label: usize, name: &str| {
        if let Some((order, seen)) = needed.get_mut(label) {
            if !seen.contains(name) {
                seen.insert(name.to_owned());
                order.push(name.to_owned());
            }
        }
    };
    // A label the source used without declaring it stays undeclared, and
    // so do its elements.
    let open = |l: &Label| l.parent.is_none() && crate::meta::is_declared(l);
    for (i, l) in labels.iter().enumerate() {
        if open(l) && children[i].is_empty() {
            for name in l.keypoints.iter().flat_map(|s| &s.names) {
                need(i, name);
            }
        }
    }
    let keypoints = d.annotations.iter().map(|a| (a.label, &a.geometry)).chain(
        d.tracks
            .iter()
            .flat_map(|t| t.shapes.iter().map(move |s| (t.label, &s.geometry))),
    );
    for (label, geometry) in keypoints {
        let Geometry::Keypoints(k) = geometry else {
            continue;
        };
        let Some(l) = labels.get(label.index()).filter(|l| open(l)) else {
            continue;
        };
        for (i, p) in k.points.iter().enumerate() {
            need(label.index(), &element_name(p, i, l.keypoints.as_ref()));
        }
    }
    let mut out: Option<Vec<Label>> = None;
    for (i, (order, _)) in needed.iter().enumerate() {
        let declared: Vec<&str> = children[i]
            .iter()
            .filter_map(|c| labels.get(c.index()))
            .map(|c| c.name.as_str())
            .collect();
        let missing: Vec<&String> = order
            .iter()
            .filter(|n| !declared.contains(&n.as_str()))
            .collect();
        let Ok(parent) = u32::try_from(i) else {
            continue;
        };
        if missing.is_empty() {
            continue;
        }
        let out = out.get_or_insert_with(|| labels.to_vec());
        let label = &mut out[i];
        if label.kind.is_none() {
            label.kind = Some("skeleton".to_owned());
        }
        if label
            .kept
            .get::<CvatLabel>()
            .and_then(|k| k.svg.as_ref())
            .is_none()
        {
            let names: Vec<String> = declared
                .iter()
                .map(|&n| n.to_owned())
                .chain(missing.iter().map(|&n| n.clone()))
                .collect();
            // Edges only where the schema is the element list.
            let edges = labels[i]
                .keypoints
                .as_ref()
                .filter(|s| s.names == names)
                .map(|s| s.edges.clone())
                .unwrap_or_default();
            let layout = labelkit_model::KeypointSchema {
                names,
                edges,
                flip_pairs: Vec::new(),
            };
            label.kept.get_or_default::<CvatLabel>().svg = Some(skeleton_svg(&layout));
        }
        for name in missing {
            let mut element = Label::new(name.clone());
            element.kind = Some("points".to_owned());
            element.parent = Some(LabelId(parent));
            out.push(element);
        }
    }
    match out {
        Some(out) => std::borrow::Cow::Owned(out),
        None => std::borrow::Cow::Borrowed(labels),
    }
}

/// A CVAT skeleton layout for a schema: the points on a circle, node ids
/// 1-based in schema order, one line per edge.
fn skeleton_svg(schema: &labelkit_model::KeypointSchema) -> String {
    use std::fmt::Write as _;
    let n = schema.names.len().max(1);
    let mut svg = String::new();
    for &(a, b) in &schema.edges {
        let _ = write!(
            svg,
            "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"0\" data-type=\"edge\" data-node-from=\"{}\" data-node-to=\"{}\"></line>",
            a + 1,
            b + 1
        );
    }
    for (i, name) in schema.names.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let angle = std::f64::consts::TAU * i as f64 / n as f64;
        let (x, y) = (50.0 + 40.0 * angle.cos(), 50.0 + 40.0 * angle.sin());
        let mut escaped = String::new();
        // Counted where the element's own <label> writes the name.
        let _ = escape_attr(&mut escaped, name);
        let _ = write!(
            svg,
            "<circle r=\"1.5\" stroke=\"black\" fill=\"#b3b3b3\" cx=\"{x:.3}\" cy=\"{y:.3}\" stroke-width=\"0.1\" data-type=\"element node\" data-element-id=\"{id}\" data-node-id=\"{id}\" data-label-name=\"{escaped}\"></circle>",
            id = i + 1
        );
    }
    svg
}

fn label_name(labels: &[Label], id: LabelId) -> &str {
    labels.get(id.index()).map_or("", |l| l.name.as_str())
}

pub(crate) fn write<O: Write>(
    d: &Dataset,
    out: &mut O,
    options: &WriteOptions,
) -> io::Result<WriteReport> {
    // Crowd regions are marked with the attribute `is_crowd`, declared on
    // their labels.
    let (crowd_labels, crowd) = crate::project::crowd_labels(d);
    let mut w = W {
        buf: String::with_capacity(1 << 20),
        out,
        precision: options.precision,
        report: WriteReport::new(),
        next_group: d.next_group_id().0,
        replaced: 0,
        non_finite: false,
        crowd,
    };
    let with_attributes = declare_used_attributes(&crowd_labels, d);
    let declared = with_skeleton_elements(&with_attributes, d);
    let labels: &[Label] = &declared;
    w.buf
        .push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<annotations>\n  <version>");
    let document = d.info.kept.get::<CvatDocument>();
    let version = document.and_then(|k| k.version.as_deref()).unwrap_or("1.1");
    w.replaced += escape_text(&mut w.buf, version);
    w.buf.push_str("</version>\n  ");
    let raw_meta = document.and_then(|k| k.meta.as_deref());
    let (frame_size, subsets) = match options.variant {
        Variant::Video => (video_frame_size(d, &mut w.report), Vec::new()),
        Variant::Images => (None, image_subsets(d)),
    };
    let meta = meta_to_write(
        raw_meta,
        &d.info,
        labels,
        !d.tracks.is_empty(),
        frame_size,
        &subsets,
        &mut w.replaced,
    );
    w.buf.push_str(&meta);
    w.buf.push('\n');
    count_label_losses(&mut w.report, labels);

    match options.variant {
        Variant::Images => {
            write_images(&mut w, d)?;
            w.report.lose(
                "tracks (CVAT for images holds per-frame shapes: expand tracks first)",
                d.tracks.len() as u64,
            );
        }
        Variant::Video => {
            for track in &d.tracks {
                write_top_track(
                    &mut w,
                    labels,
                    track,
                    options.keyframes_only,
                    NON_FINITE_TRACKS,
                );
                w.flush_if_full()?;
            }
            write_shapes_as_tracks(&mut w, d, labels)?;
        }
    }
    w.buf.push_str("</annotations>\n");
    w.report.lose(
        "characters XML 1.0 cannot hold (control characters, U+FFFE, U+FFFF; written as U+FFFD)",
        w.replaced,
    );
    w.out.write_all(w.buf.as_bytes())?;
    w.out.flush()?;
    Ok(w.report)
}

/// The subsets of the images, in order of first appearance: a `<meta>`
/// made for them is a project's, whose tasks name them.
pub(crate) fn image_subsets(d: &Dataset) -> Vec<&str> {
    let mut seen = std::collections::HashSet::new();
    d.images
        .iter()
        .filter_map(|i| i.subset.as_deref())
        .filter(|s| seen.insert(*s))
        .collect()
}

/// The one frame size of CVAT for video: the size of the first image with
/// one. Frames of another size cannot say so, counted.
fn video_frame_size(d: &Dataset, report: &mut WriteReport) -> Option<(u32, u32)> {
    let size = d
        .images
        .iter()
        .map(|i| (i.width, i.height))
        .find(|&(w, h)| w > 0 && h > 0)?;
    report.lose(
        "frames of another size than the video's first (CVAT for video has one frame size)",
        d.images
            .iter()
            .filter(|i| i.width > 0 && i.height > 0 && (i.width, i.height) != size)
            .count() as u64,
    );
    Some(size)
}

fn count_label_losses(report: &mut WriteReport, labels: &[Label]) {
    report.lose(
        "label source ids",
        labels.iter().filter(|l| l.source_id.is_some()).count() as u64,
    );
    report.lose(
        "label supercategories",
        labels.iter().filter(|l| l.supercategory.is_some()).count() as u64,
    );
}

fn count_annotation_losses(report: &mut WriteReport, a: &Annotation) {
    // CVAT's own COCO import keeps the polygon or mask of a segmented
    // annotation and drops its `bbox`: so does this writer. A COCO writer
    // recomputes the box from the shape, which loses nothing unless the
    // stated box was another.
    if a.stated_bbox_differs() {
        report.lose_one("COCO boxes of segmented objects (recomputed from the segmentation)");
    }
    if a.score.is_some() {
        report.lose_one("scores");
    }
    if a.track.is_some() {
        report.lose_one("links of shapes to the track they were expanded from");
    }
    // Fields another format kept (COCO's stated area, ...).
    let other_format = !a.kept.is_empty() && a.kept.get::<CvatShape>().is_none();
    if other_format {
        report.lose_one("format-specific fields of annotations");
    }
}

fn write_images<O: Write>(w: &mut W<'_, O>, d: &Dataset) -> io::Result<()> {
    let labels = &d.labels.labels;
    let index = d.index();
    w.report.lose(
        "annotations on images that do not exist",
        index.orphans().len() as u64,
    );
    for (pos, image) in d.images.iter().enumerate() {
        let tag_start = w.buf.len();
        w.buf.push_str("  <image");
        let id = image.repeated_id.unwrap_or(image.id.0);
        w.int("id", id);
        w.attr("name", &image.file_name);
        if let Some(subset) = &image.subset {
            w.attr("subset", subset);
        }
        w.int("width", image.width);
        w.int("height", image.height);
        if let Some(kept) = image.kept.get::<CvatImage>() {
            w.kept_attrs(&kept.attrs, tag_start);
        }
        if !image.attributes.is_empty() {
            w.report
                .lose("image attributes", image.attributes.len() as u64);
        }
        if image.frame.is_some() {
            w.report.lose_one("frame numbers of images");
        }
        let anns = index.annotations_of(pos);
        if anns.is_empty() {
            w.buf.push_str(">\n  </image>\n");
        } else {
            w.buf.push_str(">\n");
            for &a in anns {
                if let Some(ann) = d.annotations.get(a) {
                    write_image_shape(w, labels, ann);
                }
            }
            w.buf.push_str("  </image>\n");
        }
        w.report.images_written += 1;
        w.flush_if_full()?;
    }
    Ok(())
}

fn write_image_shape<O: Write>(w: &mut W<'_, O>, labels: &[Label], ann: &Annotation) {
    count_annotation_losses(&mut w.report, ann);
    let Geometry::Polygon(polygon) = &ann.geometry else {
        write_one_shape(w, labels, ann, &ann.geometry, ann.group);
        return;
    };
    if polygon.rings.len() <= 1 {
        write_one_shape(w, labels, ann, &ann.geometry, ann.group);
        return;
    }
    // CVAT has no polygon of several parts: each part is a polygon of one
    // group, as CVAT's own COCO import writes them, which the COCO writer
    // merges back into one annotation. Nothing is lost.
    w.report.note(
        "polygon parts written as polygons of one group (CVAT's form of a multi-part polygon)",
        (polygon.rings.len() - 1) as u64,
    );
    let group = if ann.group.is_none() {
        w.next_group += 1;
        Some(labelkit_model::GroupId(w.next_group - 1))
    } else {
        ann.group
    };
    for ring in &polygon.rings {
        let part = Geometry::Polygon(labelkit_model::Polygon {
            rings: vec![ring.clone()],
        });
        write_one_shape(w, labels, ann, &part, group);
    }
}

/// The CVAT tag of a geometry, if it has one here.
fn shape_tag(geometry: &Geometry) -> Option<&'static str> {
    Some(match geometry {
        Geometry::Box(_) => "box",
        Geometry::Polygon(_) => "polygon",
        Geometry::Polyline(_) => "polyline",
        Geometry::Points(_) => "points",
        Geometry::Ellipse(_) => "ellipse",
        Geometry::Cuboid(_) => "cuboid",
        Geometry::Mask(_) => "mask",
        Geometry::Keypoints(_) => "skeleton",
        Geometry::Tag => "tag",
        _ => return None,
    })
}

fn write_one_shape<O: Write>(
    w: &mut W<'_, O>,
    labels: &[Label],
    ann: &Annotation,
    geometry: &Geometry,
    group: Option<labelkit_model::GroupId>,
) {
    let start = w.buf.len();
    w.non_finite = false;
    w.buf.push_str("    <");
    let Some(expected_tag) = shape_tag(geometry) else {
        w.buf.truncate(start);
        w.report
            .lose_one(&format!("{} shapes", geometry.kind().as_str()));
        return;
    };
    w.buf.push_str(expected_tag);
    w.attr("label", label_name(labels, ann.label));
    if let Some(source) = &ann.source {
        w.attr("source", source);
    }
    let is_skeleton = matches!(geometry, Geometry::Keypoints(_));
    let is_tag = matches!(geometry, Geometry::Tag);
    if !is_tag && (!is_skeleton || ann.occluded) {
        w.int("occluded", u8::from(ann.occluded));
    }
    let tag = if is_skeleton {
        Some("skeleton")
    } else {
        w.geometry(geometry)
    };
    let Some(tag) = tag.filter(|&t| t == expected_tag) else {
        w.buf.truncate(start);
        w.report
            .lose_one(&format!("{} shapes", geometry.kind().as_str()));
        return;
    };
    if !is_tag {
        w.int("z_order", ann.z_order);
    }
    if let Some(g) = group.filter(|g| g.0 != 0) {
        w.int("group_id", g.0);
    }
    let kept = ann.kept.get::<CvatShape>();
    if let Some(kept) = kept {
        w.kept_attrs(&kept.attrs, start);
    }
    w.buf.push_str(">\n");
    let attributes = w.crowd.attributes(ann);
    w.attribute_children("      ", &attributes);
    if let Geometry::Keypoints(k) = geometry {
        let schema = labels
            .get(ann.label.index())
            .and_then(|l| l.keypoints.as_ref());
        let elements = kept.map_or(&[][..], |k| &k.elements);
        for (i, p) in k.points.iter().enumerate() {
            write_element(w, p, i, schema, elements.get(i));
        }
    }
    w.buf.push_str("    </");
    w.buf.push_str(tag);
    w.buf.push_str(">\n");
    if w.non_finite {
        w.buf.truncate(start);
        w.report.lose_one(NON_FINITE_SHAPES);
        return;
    }
    w.report.annotations_written += 1;
}

fn element_name(p: &Keypoint, i: usize, schema: Option<&labelkit_model::KeypointSchema>) -> String {
    p.name
        .as_deref()
        .map(str::to_owned)
        .or_else(|| schema.and_then(|s| s.names.get(i).cloned()))
        .unwrap_or_else(|| (i + 1).to_string())
}

fn write_element<O: Write>(
    w: &mut W<'_, O>,
    p: &Keypoint,
    i: usize,
    schema: Option<&labelkit_model::KeypointSchema>,
    kept: Option<&CvatElement>,
) {
    w.buf.push_str("      <points");
    w.attr("label", &element_name(p, i, schema));
    let attrs = kept.map_or(&[][..], |k| &k.attrs);
    let text = |key: &str| {
        attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    if let Some(source) = text("source") {
        w.attr("source", source);
    }
    let outside = p.visibility == Visibility::Absent;
    w.int("outside", u8::from(outside));
    let occluded = match p.visibility {
        Visibility::Occluded => "1",
        Visibility::Visible => "0",
        Visibility::Absent => text("occluded").unwrap_or("0"),
    };
    w.attr("occluded", occluded);
    w.points(&[Point::new(p.x, p.y)]);
    for (k, v) in attrs {
        if matches!(
            k.as_str(),
            "source" | "occluded" | "outside" | "label" | "points"
        ) || !is_xml_name(k)
        {
            continue;
        }
        w.attr(k, v);
    }
    w.buf.push_str(">\n");
    for (n, v) in kept.map_or(&[][..], |k| &k.attributes) {
        w.buf.push_str("        <attribute");
        w.attr("name", n);
        w.buf.push('>');
        w.replaced += escape_text(&mut w.buf, v);
        w.buf.push_str("</attribute>\n");
    }
    w.buf.push_str("      </points>\n");
}

/// Writes a top-level track and counts it written, or, if a coordinate of
/// it is not finite, takes it back out and counts it lost as `lost`.
fn write_top_track<O: Write>(
    w: &mut W<'_, O>,
    labels: &[Label],
    track: &Track,
    keyframes_only: bool,
    lost: &str,
) {
    let start = w.buf.len();
    w.non_finite = false;
    write_track(w, labels, track, "  ", keyframes_only);
    if w.non_finite {
        w.buf.truncate(start);
        w.report.lose_one(lost);
    } else {
        w.report.annotations_written += 1;
    }
}

fn write_track<O: Write>(
    w: &mut W<'_, O>,
    labels: &[Label],
    track: &Track,
    indent: &str,
    keyframes_only: bool,
) {
    let tag_start = w.buf.len();
    w.buf.push_str(indent);
    w.buf.push_str("<track");
    w.int("id", track.id.0);
    w.attr("label", label_name(labels, track.label));
    if let Some(source) = &track.source {
        w.attr("source", source);
    }
    if let Some(g) = track.group.filter(|g| g.0 != 0) {
        w.int("group_id", g.0);
    }
    let kept = track.kept.get::<CvatTrack>();
    if let Some(kept) = kept {
        w.kept_attrs(&kept.attrs, tag_start);
    }
    w.buf.push_str(">\n");
    let inner = format!("{indent}  ");
    let skeleton = !track.elements.is_empty()
        || labels
            .get(track.label.index())
            .and_then(|l| l.kind.as_deref())
            == Some("skeleton");
    let element_tracks = kept.is_some_and(|k| k.element_tracks);
    if track.elements.is_empty() || element_tracks {
        for shape in &track.shapes {
            if keyframes_only && !shape.keyframe {
                continue;
            }
            write_track_shape(
                w,
                track,
                label_name(labels, track.label),
                shape,
                &inner,
                skeleton,
            );
        }
        for element in &track.elements {
            write_track(w, labels, element, &inner, keyframes_only);
        }
    } else {
        write_skeleton_shapes(w, labels, track, &inner, keyframes_only);
    }
    w.buf.push_str(indent);
    w.buf.push_str("</track>\n");
}

/// Whether every shape of `track` repeats its label, as the source wrote.
fn shape_label(track: &Track) -> bool {
    track.kept.get::<CvatTrack>().is_some_and(|k| k.shape_label)
}

/// Writes a skeleton track as CVAT's exporter does: one `<skeleton>` per
/// frame where the skeleton or one of its elements has a state, holding one
/// `<points label=".." frame=".." ...>` per element with a state on that
/// frame. A frame where only elements have a state gets a `<skeleton>` with
/// the skeleton's state carried on from its last one, as a non-keyframe (a
/// skeleton without states of its own is outside where all its elements are).
fn write_skeleton_shapes<O: Write>(
    w: &mut W<'_, O>,
    labels: &[Label],
    track: &Track,
    indent: &str,
    keyframes_only: bool,
) {
    let kept = |s: &&TrackShape| !keyframes_only || s.keyframe;
    let mut frames: Vec<u64> = track
        .shapes
        .iter()
        .filter(kept)
        .chain(
            track
                .elements
                .iter()
                .flat_map(|e| e.shapes.iter().filter(kept)),
        )
        .map(|s| s.frame)
        .collect();
    frames.sort_unstable();
    frames.dedup();
    let child_indent = format!("{indent}  ");
    let attr_indent = format!("{indent}    ");
    for frame in frames {
        let own = track.shapes.iter().find(|s| s.frame == frame);
        let carried = own.or_else(|| track.shapes.iter().rev().find(|s| s.frame < frame));
        w.buf.push_str(indent);
        w.buf.push_str("<skeleton");
        w.int("frame", frame);
        if shape_label(track) {
            w.attr("label", label_name(labels, track.label));
        }
        w.int("keyframe", u8::from(own.is_some_and(|s| s.keyframe)));
        // Without a state of its own the skeleton is outside where all its
        // elements are.
        let outside = match carried {
            Some(s) => s.outside,
            None => track.elements.iter().all(|e| {
                e.shapes
                    .iter()
                    .rev()
                    .find(|s| s.frame <= frame)
                    .is_none_or(|s| s.outside)
            }),
        };
        w.int("outside", u8::from(outside));
        w.int("occluded", u8::from(carried.is_some_and(|s| s.occluded)));
        w.int("z_order", carried.map_or(0, |s| s.z_order));
        w.buf.push_str(">\n");
        if let Some(s) = own {
            let attributes = w.crowd.track_attributes(track, &s.attributes);
            w.attribute_children(&child_indent, &attributes);
        }
        for element in &track.elements {
            for shape in element.shapes.iter().filter(|s| s.frame == frame) {
                let Geometry::Points(p) = &shape.geometry else {
                    w.report.lose_one(&format!(
                        "{} shapes in skeleton elements",
                        shape.geometry.kind().as_str()
                    ));
                    continue;
                };
                w.buf.push_str(&child_indent);
                w.buf.push_str("<points");
                w.attr("label", label_name(labels, element.label));
                w.int("frame", frame);
                w.int("keyframe", u8::from(shape.keyframe));
                w.int("outside", u8::from(shape.outside));
                w.int("occluded", u8::from(shape.occluded));
                w.points(&p.points);
                w.int("z_order", shape.z_order);
                if shape.attributes.is_empty() {
                    w.buf.push_str("/>\n");
                } else {
                    w.buf.push_str(">\n");
                    w.attribute_children(&attr_indent, &shape.attributes);
                    w.buf.push_str(&child_indent);
                    w.buf.push_str("</points>\n");
                }
            }
        }
        w.buf.push_str(indent);
        w.buf.push_str("</skeleton>\n");
    }
}

fn write_track_shape<O: Write>(
    w: &mut W<'_, O>,
    track: &Track,
    label: &str,
    shape: &TrackShape,
    indent: &str,
    skeleton: bool,
) {
    let start = w.buf.len();
    w.buf.push_str(indent);
    w.buf.push('<');
    let name_at = w.buf.len();
    w.int("frame", shape.frame);
    if shape_label(track) {
        w.attr("label", label);
    }
    let tag = if skeleton && matches!(shape.geometry, Geometry::Tag) {
        w.int("keyframe", u8::from(shape.keyframe));
        w.int("outside", u8::from(shape.outside));
        w.int("occluded", u8::from(shape.occluded));
        let points: Option<Vec<Point>> = track
            .elements
            .iter()
            .map(|el| {
                // The element's state on this frame: its last shape at or
                // before it (CVAT carries an element's last position on).
                el.shapes
                    .iter()
                    .rev()
                    .find(|s| s.frame <= shape.frame)
                    .or_else(|| el.shapes.first())
                    .and_then(|s| match &s.geometry {
                        Geometry::Points(p) => p.points.first().copied(),
                        _ => None,
                    })
            })
            .collect();
        if let Some(points) = points.filter(|p| !p.is_empty()) {
            w.points(&points);
        }
        Some("skeleton")
    } else {
        w.int("outside", u8::from(shape.outside));
        w.int("occluded", u8::from(shape.occluded));
        w.int("keyframe", u8::from(shape.keyframe));
        w.geometry(&shape.geometry)
    };
    let Some(tag) = tag else {
        w.buf.truncate(start);
        w.report.lose_one(&format!(
            "{} shapes in tracks",
            shape.geometry.kind().as_str()
        ));
        return;
    };
    if let Geometry::Polygon(p) = &shape.geometry {
        if p.rings.len() > 1 {
            w.report
                .lose("polygon parts in tracks", (p.rings.len() - 1) as u64);
        }
    }
    w.buf.insert_str(name_at, tag);
    w.int("z_order", shape.z_order);
    w.buf.push_str(">\n");
    let attributes = w.crowd.track_attributes(track, &shape.attributes);
    w.attribute_children(&format!("{indent}  "), &attributes);
    w.buf.push_str(indent);
    w.buf.push_str("</");
    w.buf.push_str(tag);
    w.buf.push_str(">\n");
}

/// CVAT for video holds no per-image shapes: each is written as a track of
/// two frames, as CVAT exports them: the shape as a keyframe on its frame,
/// then `outside=1` on the next frame. The frame of an image is its `frame`,
/// else its position in the dataset.
fn write_shapes_as_tracks<O: Write>(
    w: &mut W<'_, O>,
    d: &Dataset,
    labels: &[Label],
) -> io::Result<()> {
    // Skeleton elements by (skeleton, name), among the declared labels
    // (those [`with_skeleton_elements`] adds included): a look-up per point,
    // never a scan of every label.
    let mut by_name = labelkit_model::LabelIndex::default();
    for (i, label) in labels.iter().enumerate() {
        if let Ok(id) = u32::try_from(i) {
            by_name.insert(LabelId(id), label);
        }
    }
    w.report.lose(
        "image list (CVAT for video lists no images)",
        d.images.len() as u64,
    );
    let index = d.index();
    w.report.lose(
        "annotations on images that do not exist",
        index.orphans().len() as u64,
    );
    // Fresh track ids after the largest in use; none left past u64::MAX.
    let mut next_id = match d.tracks.iter().map(|t| t.id.0).max() {
        Some(max) => max.checked_add(1),
        None => Some(0),
    };
    for (pos, image) in d.images.iter().enumerate() {
        let frame = image.frame.unwrap_or(pos as u64);
        for &a in index.annotations_of(pos) {
            let Some(ann) = d.annotations.get(a) else {
                continue;
            };
            count_annotation_losses(&mut w.report, ann);
            let shape = |geometry: Geometry, outside: bool, frame: u64, attributes: Attributes| {
                TrackShape {
                    frame,
                    keyframe: true,
                    outside,
                    occluded: ann.occluded,
                    z_order: ann.z_order,
                    geometry,
                    attributes,
                }
            };
            let Some(id) = next_id else {
                w.report
                    .lose_one("shapes without a free track id (ids past 2^64 - 1)");
                continue;
            };
            next_id = id.checked_add(1);
            // The object leaves on the next frame; on the last frame a u64
            // holds there is no next one, and the track just ends.
            let after = frame.checked_add(1);
            let mut track = Track {
                id: labelkit_model::TrackId(id),
                label: ann.label,
                group: ann.group,
                source: ann.source.clone(),
                crowd: false,
                shapes: Vec::new(),
                elements: Vec::new(),
                kept: labelkit_model::Kept::default(),
            };
            match &ann.geometry {
                Geometry::Keypoints(k) => {
                    track.shapes = std::iter::once((frame, false))
                        .chain(after.map(|f| (f, true)))
                        .map(|(f, outside)| {
                            shape(
                                Geometry::Tag,
                                outside,
                                f,
                                w.crowd.attributes(ann).into_owned(),
                            )
                        })
                        .collect();
                    let schema = labels
                        .get(ann.label.index())
                        .and_then(|l| l.keypoints.as_ref());
                    for (i, p) in k.points.iter().enumerate() {
                        let name = element_name(p, i, schema);
                        let label = by_name.find_child(ann.label, &name).unwrap_or(ann.label);
                        let pts = Geometry::Points(labelkit_model::Points {
                            points: vec![Point::new(p.x, p.y)],
                        });
                        let mut first = shape(
                            pts.clone(),
                            p.visibility == Visibility::Absent,
                            frame,
                            Attributes::new(),
                        );
                        first.occluded = p.visibility == Visibility::Occluded;
                        let mut shapes = vec![first];
                        if let Some(after) = after {
                            let mut second = shape(pts, true, after, Attributes::new());
                            second.occluded = false;
                            shapes.push(second);
                        }
                        track.elements.push(Track {
                            id: labelkit_model::TrackId(i as u64),
                            label,
                            group: None,
                            source: ann.source.clone(),
                            crowd: false,
                            shapes,
                            elements: Vec::new(),
                            kept: labelkit_model::Kept::default(),
                        });
                    }
                }
                g => {
                    track.shapes = std::iter::once((frame, false))
                        .chain(after.map(|f| (f, true)))
                        .map(|(f, outside)| {
                            shape(g.clone(), outside, f, w.crowd.attributes(ann).into_owned())
                        })
                        .collect();
                }
            }
            write_top_track(w, labels, &track, false, NON_FINITE_SHAPES);
            w.flush_if_full()?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn display(v: f64) -> String {
        Precision::Shortest.format(v)
    }

    #[test]
    fn short_decimals_print_as_display_does() {
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            0.1,
            0.2,
            0.3,
            0.001,
            -0.001,
            0.125,
            12.25,
            1920.75,
            1e11,
            999_999_999_999.999,
            -123_456.789,
            0.1 + 0.2,
            1.0 / 3.0,
            0.0005,
            1e-7,
        ];
        // A grid of decimals, and the doubles just beside some of them.
        for i in -3000..3000i32 {
            let v = f64::from(i) / 1000.0 * 37.0;
            values.push(v);
            values.push(f64::from_bits(v.to_bits() + 1));
            values.push(f64::from(i) * 0.01);
        }
        for v in values {
            let mut fast = String::new();
            if push_short_decimal(&mut fast, v) {
                assert_eq!(fast, display(v), "{v:?}");
                assert_eq!(fast.parse::<f64>().unwrap(), if v == 0.0 { 0.0 } else { v });
            }
        }
        let mut s = String::new();
        assert!(push_short_decimal(&mut s, 12.5));
        assert!(!push_short_decimal(&mut s, 0.1 + 0.2));
        assert!(!push_short_decimal(&mut s, f64::NAN));
        assert!(!push_short_decimal(&mut s, 1e13));
        assert_eq!(s, "12.5");
    }

    #[test]
    fn integers_print_in_decimal() {
        let mut s = String::new();
        for v in [0i64, 7, -7, 10, 1_000_000, i64::MIN, i64::MAX] {
            s.clear();
            push_int(&mut s, v);
            assert_eq!(s, v.to_string());
        }
        s.clear();
        push_int(&mut s, u64::MAX);
        assert_eq!(s, u64::MAX.to_string());
    }
}
