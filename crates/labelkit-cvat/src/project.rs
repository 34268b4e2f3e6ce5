//! What CVAT can hold of a dataset.

use labelkit_model::rle::MaskEncoding;
use std::borrow::Cow;

use labelkit_model::{
    Annotation, AnnotationId, AttributeSpec, AttributeValue, Attributes, Dataset, Geometry,
    InputType, Label, LabelId, Polygon, Precision, Track,
};

use crate::kept::{retain, CvatDocument, CvatElement, CvatImage, CvatLabel, CvatShape, CvatTrack};
use crate::meta::{build_schemas, is_declared, meta_to_write, parse_meta};

/// The dataset as CVAT XML holds it: `read(write(d))` gives `project(d)`
/// (images-only datasets through [`crate::Variant::Images`], track-only
/// datasets through [`crate::Variant::Video`]), exactly when written with
/// [`labelkit_model::Precision::Shortest`], to 1e-9 (relative) in numbers
/// with the default precision.
///
/// - Labels lose their source id and supercategory; `<values>` are one per
///   line; keypoint schemas are rebuilt from the element labels and the svg.
///   Declared labels come first, then labels used but not declared, in order
///   of first use; unused undeclared labels disappear.
/// - The information keeps CVAT's [`CvatDocument`] (`<version>`) with the
///   `<meta>` the writer will write; `info.name`, `info.video` and
///   `info.task` are what that `<meta>` states.
/// - Labels, images, annotations and tracks keep CVAT's fields
///   ([`CvatLabel`], [`CvatImage`], [`CvatShape`], [`CvatTrack`]) and no
///   other format's.
/// - Images lose frame numbers and image-level attributes.
/// - Annotations are ordered by image, renumbered 1, 2, 3... (CVAT shapes
///   have no ids), lose score, track link, the stated box of a polygon or
///   mask (a COCO `bbox`: CVAT's COCO import keeps only the shape) and
///   non-CVAT extras; a crowd
///   region keeps its flag through the attribute `is_crowd` (see
///   [`crowd_as_attribute`]);
///   a polygon with several rings becomes one polygon per ring, in one group
///   (a new one if it had none); a COCO mask becomes a window mask over its
///   tight bounds; skeleton points get their element names; tags have no
///   `occluded` or `z_order`; attribute values are typed by the label's
///   declared input type, as they read back.
/// - Track shapes keep their first polygon ring; element tracks do not nest.
#[must_use]
pub fn project(d: &Dataset) -> Dataset {
    let d = &*crowd_as_attribute(d);
    let mut out = project_plain(d);
    crowd_from_attribute(&mut out);
    out
}

/// The name of the attribute that marks a crowd region (COCO `iscrowd`),
/// as CVAT's COCO import (through Datumaro) names it.
pub(crate) const CROWD_ATTRIBUTE: &str = "is_crowd";

/// The value of the attribute `is_crowd` each label takes, by label index:
/// its declared input type, `None` where the label does not declare it.
#[derive(Debug, Default)]
pub(crate) struct CrowdTypes(Vec<Option<InputType>>);

impl CrowdTypes {
    /// The attributes `a` is written with: for a label declaring
    /// `is_crowd`, with its value (`true` for a crowd region; an annotation
    /// that is no crowd region keeps a value it has, else `false`).
    pub(crate) fn attributes<'a>(&self, a: &'a Annotation) -> Cow<'a, Attributes> {
        self.marked(a.label, a.crowd, &a.attributes)
    }

    /// The attributes a shape of track `t` is written with, `attributes`
    /// marked as [`CrowdTypes::attributes`] marks an annotation's: CVAT
    /// repeats a track's attributes on every shape.
    pub(crate) fn track_attributes<'a>(
        &self,
        t: &Track,
        attributes: &'a Attributes,
    ) -> Cow<'a, Attributes> {
        self.marked(t.label, t.crowd, attributes)
    }

    fn marked<'a>(
        &self,
        label: LabelId,
        crowd: bool,
        attributes: &'a Attributes,
    ) -> Cow<'a, Attributes> {
        let Some(Some(t)) = self.0.get(label.index()).copied() else {
            return Cow::Borrowed(attributes);
        };
        if !crowd && attributes.get(CROWD_ATTRIBUTE).is_some() {
            return Cow::Borrowed(attributes);
        }
        let value = match t {
            InputType::Checkbox => AttributeValue::Bool(crowd),
            InputType::Number => AttributeValue::Number(f64::from(u8::from(crowd))),
            _ => AttributeValue::Text(crowd.to_string()),
        };
        let mut attributes = attributes.clone();
        attributes.set(CROWD_ATTRIBUTE, value);
        Cow::Owned(attributes)
    }
}

/// The labels of `d` as CVAT declares them for its crowd regions: every
/// label that has a crowd region declares the checkbox attribute
/// `is_crowd` (unless it declares it already); with the attribute's type by
/// label. Borrowed, with no types, when no label has or declares it.
pub(crate) fn crowd_labels(d: &Dataset) -> (Cow<'_, [Label]>, CrowdTypes) {
    let declares = |l: &Label| l.attributes.iter().any(|s| s.name == CROWD_ATTRIBUTE);
    let mut has_crowd = vec![false; d.labels.labels.len()];
    let crowd_annotations = d.annotations.iter().filter(|a| a.crowd).map(|a| a.label);
    let crowd_tracks = d.tracks.iter().filter(|t| t.crowd).map(|t| t.label);
    for label in crowd_annotations.chain(crowd_tracks) {
        if let Some(slot) = has_crowd.get_mut(label.index()) {
            *slot = true;
        }
    }
    if !has_crowd.contains(&true) && !d.labels.labels.iter().any(declares) {
        return (Cow::Borrowed(&d.labels.labels), CrowdTypes::default());
    }
    let mut labels = d.labels.labels.clone();
    for (l, _) in labels
        .iter_mut()
        .zip(has_crowd)
        .filter(|(l, crowd)| *crowd && !declares(l))
    {
        l.attributes.push(AttributeSpec {
            name: CROWD_ATTRIBUTE.to_owned(),
            input_type: InputType::Checkbox,
            mutable: false,
            default: Some("false".to_owned()),
            values: vec!["false".to_owned()],
        });
    }
    let types = labels
        .iter()
        .map(|l| {
            l.attributes
                .iter()
                .find(|s| s.name == CROWD_ATTRIBUTE)
                .map(|s| s.input_type)
        })
        .collect();
    (Cow::Owned(labels), CrowdTypes(types))
}

/// `d` with crowd regions marked as CVAT marks them ([`crowd_labels`],
/// [`CrowdTypes::attributes`]) and no crowd flags. Borrowed when there is
/// nothing to mark.
fn crowd_as_attribute(d: &Dataset) -> Cow<'_, Dataset> {
    let (labels, types) = crowd_labels(d);
    let Cow::Owned(labels) = labels else {
        return Cow::Borrowed(d);
    };
    let mut out = d.clone();
    out.labels.labels = labels;
    for a in &mut out.annotations {
        if let Cow::Owned(attributes) = types.attributes(a) {
            a.attributes = attributes;
        }
        a.crowd = false;
    }
    for t in &mut out.tracks {
        for i in 0..t.shapes.len() {
            if let Cow::Owned(attributes) = types.track_attributes(t, &t.shapes[i].attributes) {
                t.shapes[i].attributes = attributes;
            }
        }
        t.crowd = false;
    }
    Cow::Owned(out)
}

/// Turns the attribute `is_crowd` of annotations back into their crowd
/// flag, when its value is a yes or no (`true`/`false`, `1`/`0`); other
/// values stay attributes. A track is a crowd region when every one of its
/// shapes says the same yes or no (CVAT repeats a track's attributes on
/// every shape); the attribute then leaves its shapes.
pub(crate) fn crowd_from_attribute(d: &mut Dataset) {
    for a in &mut d.annotations {
        if let Some((pos, crowd)) = crowd_attribute(&a.attributes) {
            a.attributes.0.remove(pos);
            a.crowd = crowd;
        }
    }
    for t in &mut d.tracks {
        let mut states = t.shapes.iter().map(|s| crowd_attribute(&s.attributes));
        let Some(Some((_, crowd))) = states.next() else {
            continue;
        };
        if !states.all(|s| s.is_some_and(|(_, c)| c == crowd)) {
            continue;
        }
        for s in &mut t.shapes {
            if let Some((pos, _)) = crowd_attribute(&s.attributes) {
                s.attributes.0.remove(pos);
            }
        }
        t.crowd = crowd;
    }
}

/// The position and yes-or-no value of the attribute `is_crowd`, if it has
/// one.
fn crowd_attribute(attributes: &Attributes) -> Option<(usize, bool)> {
    let pos = attributes
        .0
        .iter()
        .position(|(n, _)| &**n == CROWD_ATTRIBUTE)?;
    let crowd = match attributes.0.get(pos).map(|(_, v)| v) {
        Some(AttributeValue::Bool(b)) => *b,
        Some(AttributeValue::Number(n)) if *n == 0.0 || *n == 1.0 => *n == 1.0,
        Some(AttributeValue::Text(t)) => match t.trim() {
            "true" | "True" | "1" => true,
            "false" | "False" | "0" => false,
            _ => return None,
        },
        _ => return None,
    };
    Some((pos, crowd))
}

/// [`project`] of a dataset whose crowd regions are already attributes.
fn project_plain(d: &Dataset) -> Dataset {
    let mut out = Dataset::new();
    out.info.source_format = Some(
        if d.tracks.is_empty() {
            "cvat-images"
        } else {
            "cvat-video"
        }
        .to_owned(),
    );

    // Labels.
    // Keypoint schemas without element labels gain them, as the writer
    // declares them.
    let with_attributes = crate::write::declare_used_attributes(&d.labels.labels, d);
    let declared = crate::write::with_skeleton_elements(&with_attributes, d);
    let mut labels: Vec<Label> = declared
        .iter()
        .map(|l| {
            let mut l = l.clone();
            l.source_id = None;
            l.supercategory = None;
            l.keypoints = None;
            if l.parent.is_some() {
                if let Some(kept) = l.kept.get_mut::<CvatLabel>() {
                    kept.parent = None;
                }
            }
            retain::<CvatLabel>(&mut l.kept);
            for spec in &mut l.attributes {
                let joined = spec.values.join("\n");
                spec.values = if joined.is_empty() {
                    Vec::new()
                } else {
                    joined.split('\n').map(str::to_owned).collect()
                };
            }
            l
        })
        .collect();

    // Declared attribute types by label: a look-up per attribute.
    let types = attribute_types(&labels);

    // Annotations in written order.
    let index = d.index();
    let mut annotations = Vec::new();
    let mut next_group = d.next_group_id().0;
    for (pos, image) in d.images.iter().enumerate() {
        for &a in index.annotations_of(pos) {
            let Some(ann) = d.annotations.get(a) else {
                continue;
            };
            let mut ann = ann.clone();
            ann.image = image.id;
            ann.score = None;
            ann.bbox = None;
            ann.crowd = false;
            ann.track = None;
            ann.stated_corners = None;
            retain::<CvatShape>(&mut ann.kept);
            ann.attributes = typed(&types, ann.label, &ann.attributes);
            match &mut ann.geometry {
                Geometry::Polygon(p) if p.rings.len() > 1 => {
                    let group = ann.group.unwrap_or_else(|| {
                        next_group += 1;
                        labelkit_model::GroupId(next_group - 1)
                    });
                    for ring in std::mem::take(&mut p.rings) {
                        let mut part = ann.clone();
                        part.group = Some(group);
                        part.geometry = Geometry::Polygon(Polygon { rings: vec![ring] });
                        annotations.push(part);
                    }
                    continue;
                }
                Geometry::Polygon(p) if p.rings.is_empty() => p.rings.push(Vec::new()),
                Geometry::Keypoints(k) => {
                    let schema = labels
                        .get(ann.label.index())
                        .and_then(|l| l.keypoints.clone())
                        .or_else(|| d.labels.get(ann.label).and_then(|l| l.keypoints.clone()));
                    for (i, p) in k.points.iter_mut().enumerate() {
                        if p.name.is_none() {
                            p.name = Some(labelkit_model::intern(
                                &schema
                                    .as_ref()
                                    .and_then(|s| s.names.get(i).cloned())
                                    .unwrap_or_else(|| (i + 1).to_string()),
                            ));
                        }
                    }
                }
                Geometry::Mask(m) if !matches!(m.encoding, MaskEncoding::Window { .. }) => {
                    match m.encoding.to_window() {
                        Ok(w) => m.encoding = w,
                        Err(_) => continue,
                    }
                }
                Geometry::Tag => {
                    ann.occluded = false;
                    ann.z_order = 0;
                }
                _ => {}
            }
            if ann.group.is_some_and(|g| g.0 == 0) {
                ann.group = None;
            }
            annotations.push(ann);
        }
    }
    for (i, ann) in annotations.iter_mut().enumerate() {
        ann.id = AnnotationId(i as u64 + 1);
    }

    // Tracks.
    let tracks: Vec<_> = d
        .tracks
        .iter()
        .map(|t| project_track(&types, t, true))
        .collect();

    // Label order: declared, then undeclared by first use.
    let mut order: Vec<usize> = (0..labels.len())
        .filter(|&i| labels.get(i).is_some_and(is_declared))
        .collect();
    // Each label's place in `order`, so that neither adding a label nor
    // remapping an id scans it.
    let mut place: Vec<Option<u32>> = vec![None; labels.len()];
    for (p, &i) in order.iter().enumerate() {
        if let (Some(slot), Ok(p)) = (place.get_mut(i), u32::try_from(p)) {
            *slot = Some(p);
        }
    }
    let mut use_label = |id: LabelId, order: &mut Vec<usize>| {
        if let Some(slot @ None) = place.get_mut(id.index()) {
            *slot = u32::try_from(order.len()).ok();
            order.push(id.index());
        }
    };
    for ann in &annotations {
        use_label(ann.label, &mut order);
    }
    for t in &tracks {
        if !t.elements.is_empty() {
            use_label(t.label, &mut order);
        }
        for e in &t.elements {
            use_label(e.label, &mut order);
        }
        use_label(t.label, &mut order);
    }
    let remap =
        |id: LabelId| -> LabelId { place.get(id.index()).copied().flatten().map_or(id, LabelId) };
    let mut new_labels: Vec<Label> = order
        .iter()
        .filter_map(|&i| labels.get(i).cloned())
        .collect();
    for l in &mut new_labels {
        l.parent = l.parent.map(remap);
    }
    build_schemas(&mut new_labels);
    labels = new_labels;
    for ann in &mut annotations {
        ann.label = remap(ann.label);
    }
    let tracks = tracks.into_iter().map(|t| remap_track(t, &remap)).collect();
    out.labels.labels = labels;

    // Images.
    out.images = d
        .images
        .iter()
        .map(|i| {
            let mut i = i.clone();
            i.frame = None;
            i.attributes = Attributes::new();
            retain::<CvatImage>(&mut i.kept);
            i
        })
        .collect();
    out.annotations = annotations;
    out.tracks = tracks;

    // Info.
    let document = d.info.kept.get::<CvatDocument>();
    let meta = meta_to_write(
        document.and_then(|k| k.meta.as_deref()),
        &d.info,
        &out.labels.labels,
        !out.tracks.is_empty(),
        None,
        &crate::write::image_subsets(&out),
        &mut 0,
    );
    if let Ok((m, _)) = parse_meta(
        std::path::Path::new("<meta>"),
        labelkit_diagnostics::FileId(0),
        meta.as_bytes(),
        0,
        meta.len(),
    ) {
        out.info.video = m.video();
        out.info.task = m.task();
        out.info.name = m.name;
    }
    out.info.kept.set(CvatDocument {
        version: document.and_then(|k| k.version.clone()),
        meta: Some(meta),
    });
    out
}

fn remap_track(
    mut t: labelkit_model::Track,
    remap: &dyn Fn(LabelId) -> LabelId,
) -> labelkit_model::Track {
    t.label = remap(t.label);
    t.elements = t
        .elements
        .into_iter()
        .map(|e| remap_track(e, remap))
        .collect();
    t
}

fn project_track(
    types: &[Types<'_>],
    t: &labelkit_model::Track,
    top: bool,
) -> labelkit_model::Track {
    let mut t = t.clone();
    retain::<CvatTrack>(&mut t.kept);
    if t.group.is_some_and(|g| g.0 == 0) {
        t.group = None;
    }
    for s in &mut t.shapes {
        s.attributes = typed(types, t.label, &s.attributes);
        if let Geometry::Polygon(p) = &mut s.geometry {
            p.rings.truncate(1);
            if p.rings.is_empty() {
                p.rings.push(Vec::new());
            }
        }
    }
    t.elements = if top {
        t.elements
            .iter()
            .map(|e| project_track(types, e, false))
            .collect()
    } else {
        Vec::new()
    };
    t
}

/// The declared input types of a label's attributes by name (the first
/// declaration of a name wins, as `Label::attribute_spec`).
type Types<'l> = std::collections::HashMap<&'l str, InputType>;

fn attribute_types(labels: &[Label]) -> Vec<Types<'_>> {
    labels
        .iter()
        .map(|l| {
            let mut types = Types::with_capacity(l.attributes.len());
            for spec in &l.attributes {
                types.entry(spec.name.as_str()).or_insert(spec.input_type);
            }
            types
        })
        .collect()
}

/// Attribute values as they read back: written as text, typed by the spec.
fn typed(types: &[Types<'_>], label: LabelId, attributes: &Attributes) -> Attributes {
    let spec = |name: &str| types.get(label.index()).and_then(|t| t.get(name)).copied();
    Attributes(
        attributes
            .0
            .iter()
            .map(|(n, v)| {
                let text = match v {
                    AttributeValue::Bool(b) => b.to_string(),
                    AttributeValue::Number(x) => Precision::Shortest.format(*x),
                    AttributeValue::Text(t) => t.clone(),
                };
                (n.clone(), AttributeValue::parse_as(&text, spec(n)))
            })
            .collect(),
    )
}

#[allow(dead_code)]
fn _assert_annotation(_: &Annotation) {}

/// Gives each skeleton annotation expanded from a track the attributes of
/// its elements on its frame (those of each element's last shape at or
/// before the frame, as CVAT carries attributes between keyframes), in the
/// form the CVAT reader keeps a skeleton's element attributes in
/// ([`CvatShape::elements`], one entry per point in point order):
/// the CVAT for images writer writes them, other writers count them.
pub fn expanded_element_attributes(dataset: &Dataset, expanded: &mut [labelkit_model::Annotation]) {
    use labelkit_model::Geometry;
    let mut tracks = std::collections::HashMap::new();
    for t in &dataset.tracks {
        let carries = t
            .elements
            .iter()
            .any(|e| e.shapes.iter().any(|s| !s.attributes.is_empty()));
        if carries {
            tracks.entry(t.id).or_insert(t);
        }
    }
    if tracks.is_empty() {
        return;
    }
    // Frame f is image f unless the dataset has an image of that frame.
    let frame_of: std::collections::HashMap<labelkit_model::ImageId, u64> = dataset
        .images
        .iter()
        .filter_map(|i| Some((i.id, i.frame?)))
        .collect();
    for a in expanded {
        let (Geometry::Keypoints(k), Some(track)) =
            (&a.geometry, a.track.and_then(|t| tracks.get(&t)))
        else {
            continue;
        };
        let frame = frame_of.get(&a.image).copied().unwrap_or(a.image.0);
        let entries: Vec<CvatElement> = k
            .points
            .iter()
            .map(|p| {
                let shape = track
                    .elements
                    .iter()
                    .find(|e| {
                        p.name.is_some()
                            && dataset.labels.get(e.label).map(|l| l.name.as_str())
                                == p.name.as_deref()
                    })
                    .and_then(|e| {
                        e.shapes
                            .iter()
                            .filter(|s| s.frame <= frame)
                            .max_by_key(|s| s.frame)
                    });
                let attributes = shape
                    .map(|s| {
                        s.attributes
                            .iter()
                            .map(|(n, v)| (n.to_owned(), v.to_string()))
                            .collect()
                    })
                    .unwrap_or_default();
                CvatElement {
                    attrs: Vec::new(),
                    attributes,
                }
            })
            .collect();
        if entries.iter().any(|e| !e.is_empty()) {
            a.kept.get_or_default::<CvatShape>().elements = entries;
        }
    }
}

/// The skeleton element attribute values a dataset's annotations carry (in
/// [`CvatShape::elements`]), which only CVAT can hold.
#[must_use]
pub fn element_attribute_values(dataset: &Dataset) -> u64 {
    dataset
        .annotations
        .iter()
        .filter_map(|a| a.kept.get::<CvatShape>())
        .flat_map(|k| &k.elements)
        .map(|e| e.attributes.len() as u64)
        .sum()
}
