//! Shapes: the shapes of an image, skeletons and masks, and the geometry
//! of every shape kind (a track shape's too).

use labelkit_diagnostics::{ParseError, ReadIssue};
use labelkit_model::rle::MaskEncoding;
use labelkit_model::{
    Annotation, AnnotationId, BoxGeom, Cuboid, Ellipse, Geometry, ImageId, Keypoint, Keypoints,
    LabelId, Mask, Point, Points, Polygon, Polyline, Visibility,
};

use super::values::{find_in, shorten, AttrPair};
use super::Reader;
use crate::kept::{CvatElement, CvatShape};
use crate::xml::get;

/// Shape tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
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

pub(super) fn kind_of(tag: &[u8]) -> Option<Kind> {
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
pub(super) fn geometry_attr(kind: Kind, name: &[u8]) -> bool {
    match kind {
        Kind::Box => matches!(name, b"xtl" | b"ytl" | b"xbr" | b"ybr" | b"rotation"),
        Kind::Polygon | Kind::Polyline | Kind::Points => name == b"points",
        Kind::Ellipse => matches!(name, b"cx" | b"cy" | b"rx" | b"ry" | b"rotation"),
        Kind::Cuboid => CUBOID_NAMES.iter().any(|n| n.as_bytes() == name),
        Kind::Mask => matches!(name, b"rle" | b"left" | b"top" | b"width" | b"height"),
        Kind::Skeleton | Kind::Tag => false,
    }
}

impl<'a> Reader<'a> {
    /// Reads the children of a shape: `<attribute>` values and, for a
    /// skeleton, its element `<points>`. Returns the end offset.
    pub(super) fn shape_children(
        &mut self,
        empty: bool,
        empty_end: usize,
        attributes: &mut Vec<(String, String)>,
        mut elements: Option<&mut Vec<RawElement>>,
    ) -> Result<usize, ParseError> {
        self.children(empty, empty_end, |r, c| {
            match c.name {
                b"attribute" => {
                    let mut list = std::mem::take(&mut r.child_attrs);
                    r.x.tag_attributes(c.start, c.end, &mut list)?;
                    let name = get(&list, b"name").map(str::to_owned);
                    r.child_attrs = list;
                    let value = if c.empty {
                        String::new()
                    } else {
                        r.x.read_text()?.0
                    };
                    match name {
                        Some(name) => attributes.push((name, value)),
                        None => r.x.skip(
                            ReadIssue::MalformedValue,
                            c.start,
                            c.end,
                            "<attribute> without a name is skipped",
                        ),
                    }
                }
                b"points" if elements.is_some() => {
                    let mut list = std::mem::take(&mut r.child_attrs);
                    r.x.tag_attributes(c.start, c.end, &mut list)?;
                    let mut el = RawElement {
                        attrs: list
                            .iter()
                            .map(|(k, v)| (String::from_utf8_lossy(k).into_owned(), v.to_string()))
                            .collect(),
                        attributes: Vec::new(),
                        start: c.start,
                        end: c.end,
                    };
                    r.child_attrs = list;
                    if !c.empty {
                        el.end = r.shape_children(false, c.end, &mut el.attributes, None)?;
                    }
                    if let Some(els) = elements.as_deref_mut() {
                        els.push(el);
                    }
                }
                other => {
                    r.x.skip_unknown(other, c.start, c.end, c.empty, "inside a shape")?;
                }
            }
            Ok(())
        })
    }

    pub(super) fn image_shape(
        &mut self,
        kind: Kind,
        (start, tag_end): (usize, usize),
        empty: bool,
        image: ImageId,
    ) -> Result<(), ParseError> {
        let mut attrs = std::mem::take(&mut self.attrs);
        self.x.tag_attributes(start, tag_end, &mut attrs)?;
        let mut raw_attributes = std::mem::take(&mut self.b.raw_attributes);
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
        self.b.raw_attributes = raw_attributes;
        if let Some(ann) = result {
            self.b.dataset.annotations.push(ann);
            self.b.spans.annotations.push(Some(self.span(start, end)));
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
            AnnotationId(self.b.next_annotation_id),
            image,
            label,
            geometry,
        );
        self.b.next_annotation_id += 1;
        let mut kept = CvatShape::default();
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
                k => kept
                    .attrs
                    .push((String::from_utf8_lossy(k).into_owned(), v.to_owned())),
            }
        }
        ann.attributes = self.typed(label, child_attrs);
        if kind == Kind::Skeleton {
            let kept_elements: Vec<CvatElement> = elements.iter().map(element_fields).collect();
            if kept_elements.iter().any(|e| !e.is_empty()) {
                kept.elements = kept_elements;
            }
        }
        crate::kept::store(&mut ann.kept, kept);
        Some(ann)
    }

    /// Types the `<attribute>` values of a shape of `label`, emptying `raw`.
    pub(super) fn geometry<P: AttrPair>(
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
            if self
                .b
                .dataset
                .labels
                .get(label)
                .is_some_and(crate::meta::is_declared)
                && self.b.label_index.find_child(label, &name).is_none()
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
}

/// A skeleton element as read.
pub(super) struct RawElement {
    pub(super) attrs: Vec<(String, String)>,
    pub(super) attributes: Vec<(String, String)>,
    pub(super) start: usize,
    pub(super) end: usize,
}

impl RawElement {
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What of an element the model's keypoint cannot hold.
fn element_fields(el: &RawElement) -> CvatElement {
    let outside = el.get("outside").is_some_and(|v| v.trim() == "1");
    let mut attrs: Vec<(String, String)> = el
        .attrs
        .iter()
        .filter(|(k, v)| match k.as_str() {
            "label" | "points" | "outside" => false,
            "occluded" => outside && v.trim() == "1",
            _ => true,
        })
        .cloned()
        .collect();
    // By name, each once (the last written), as the writer writes them.
    attrs.reverse();
    attrs.sort_by(|a, b| a.0.cmp(&b.0));
    attrs.dedup_by(|a, b| a.0 == b.0);
    CvatElement {
        attrs,
        attributes: el.attributes.clone(),
    }
}
