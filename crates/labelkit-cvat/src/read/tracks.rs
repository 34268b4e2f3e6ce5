//! Tracks: the `<track>`s of CVAT for video and the element tracks of a
//! skeleton track.

use std::borrow::Cow;

use labelkit_diagnostics::{ParseError, ReadIssue};
use labelkit_model::{Attributes, Geometry, LabelId, Track, TrackId, TrackShape};

use super::shapes::{geometry_attr, kind_of, Kind, RawElement};
use super::values::find_in;
use super::Reader;
use crate::kept::CvatTrack;
use crate::xml::{get, AttrList};

impl<'a> Reader<'a> {
    /// Reads a `<track>`; returns it with its span, or `None` if unusable.
    pub(super) fn track(
        &mut self,
        start: usize,
        tag_end: usize,
        empty: bool,
        parent: Option<LabelId>,
    ) -> Result<Option<SpannedTrack>, ParseError> {
        let mut attrs: AttrList<'a> = Vec::new();
        self.x.tag_attributes(start, tag_end, &mut attrs)?;
        let label_name = get(&attrs, b"label").unwrap_or_default().to_owned();
        let mut track = empty_track(TrackId(0), LabelId(0));
        let mut id_ok = true;
        let mut kept = CvatTrack::default();
        for (k, v) in &attrs {
            match *k {
                b"label" => {}
                b"id" => match v.trim().parse() {
                    Ok(id) => track.id = TrackId(id),
                    Err(_) => id_ok = false,
                },
                b"source" => track.source = Some(labelkit_model::intern(v)),
                b"group_id" => track.group = self.group(v, start, start),
                k => kept
                    .attrs
                    .push((String::from_utf8_lossy(k).into_owned(), v.to_string())),
            }
        }
        drop(attrs);
        let mut raw_shapes: Vec<RawTrackShape<'a>> = Vec::new();
        let end = self.children(empty, tag_end, |r, c| {
            if c.name == b"track" && parent.is_none() {
                // Element tracks resolve their label under this track's label.
                let me = r.label(&label_name, None, start, c.start);
                if let Some((el, _, _)) = r.track(c.start, c.end, c.empty, Some(me))? {
                    track.elements.push(el);
                    kept.element_tracks = true;
                }
            } else if let Some(kind) = kind_of(c.name) {
                let mut attrs: AttrList<'a> = Vec::new();
                r.x.tag_attributes(c.start, c.end, &mut attrs)?;
                let mut child_attrs = Vec::new();
                let mut elements = Vec::new();
                let els = (kind == Kind::Skeleton).then_some(&mut elements);
                let end = r.shape_children(c.empty, c.end, &mut child_attrs, els)?;
                raw_shapes.push(RawTrackShape {
                    kind,
                    start: c.start,
                    end: end.max(c.end),
                    attrs,
                    child_attrs,
                    elements,
                });
            } else {
                r.x.skip_unknown(c.name, c.start, c.end, c.empty, "in <track>")?;
            }
            Ok(())
        })?;
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
        kept.shape_label = shape_labels > 0 && shape_labels == n_shapes;
        crate::kept::store(&mut track.kept, kept);
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
                let id = TrackId(track.elements.len() as u64);
                track.elements.push(empty_track(id, label));
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

/// A track, its span and the span of each of its shapes (in the order of
/// `Track::shapes`).
pub(super) type SpannedTrack = (Track, (usize, usize), Vec<(usize, usize)>);

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

/// A track of `label` with nothing in it yet.
fn empty_track(id: TrackId, label: LabelId) -> Track {
    Track {
        id,
        label,
        group: None,
        source: None,
        crowd: false,
        shapes: Vec::new(),
        elements: Vec::new(),
        kept: labelkit_model::Kept::default(),
    }
}
