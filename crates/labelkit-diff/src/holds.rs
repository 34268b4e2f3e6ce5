//! What a side's format can hold: a CVAT task compared with its YOLO
//! detect export is compared only in what both hold (boxes, no attributes),
//! and a note says what was left out and how much.

use labelkit_model::{Dataset, GeometryKind};

/// What the format a dataset was read from can hold.
///
/// A small table here rather than capabilities passed in through
/// [`crate::DiffOptions`]: it depends on the side (a YOLO side's task), so
/// every caller of [`crate::diff`] (the CLI, the git driver, the library)
/// gets it right without filling an option, and the facade's per-format
/// `Capability` table does not know a YOLO dataset's task.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Holds {
    /// How the notes name the format (`YOLO detect`); empty when it holds
    /// everything.
    pub(crate) name: &'static str,
    /// The shape kinds it holds; `None`: every kind.
    kinds: Option<&'static [GeometryKind]>,
    /// Whether it holds attributes and occlusion.
    pub(crate) attributes: bool,
}

/// A format that holds everything the model does (CVAT, COCO, Datumaro,
/// unknown): its shapes, attributes and occlusion are all compared.
const EVERYTHING: Holds = Holds {
    name: "",
    kinds: None,
    attributes: true,
};

impl Holds {
    /// What `d`'s source format holds. A YOLO dataset's rows are all of one
    /// task (the reader reads one per dataset): keypoints mean pose (a box
    /// and its keypoints), polygons segment, else detect (boxes; an OBB
    /// row is a rotated box).
    pub(crate) fn of(d: &Dataset) -> Self {
        if d.info.source_format.as_deref() != Some("yolo") {
            return EVERYTHING;
        }
        let has = |k: GeometryKind| d.annotations.iter().any(|a| a.geometry.kind() == k);
        let (name, kinds): (&'static str, &'static [GeometryKind]) = if has(GeometryKind::Keypoints)
        {
            ("YOLO pose", &[GeometryKind::Box, GeometryKind::Keypoints])
        } else if has(GeometryKind::Polygon) {
            ("YOLO segment", &[GeometryKind::Polygon])
        } else {
            ("YOLO detect", &[GeometryKind::Box])
        };
        Holds {
            name,
            kinds: Some(kinds),
            attributes: false,
        }
    }

    /// Whether the format holds shapes of kind `k`.
    pub(crate) fn kind(&self, k: GeometryKind) -> bool {
        self.kinds.is_none_or(|ks| ks.contains(&k))
    }

    /// The format's family name for the attribute note (`YOLO`).
    fn family(&self) -> &'static str {
        self.name.split(' ').next().unwrap_or(self.name)
    }
}

/// What both sides hold: which shapes of each side are compared, and
/// whether attributes and occlusion are.
#[derive(Debug, Clone)]
pub(crate) struct Common {
    old: Holds,
    new: Holds,
}

impl Common {
    pub(crate) fn new(old: &Dataset, new: &Dataset) -> Self {
        Self {
            old: Holds::of(old),
            new: Holds::of(new),
        }
    }

    /// Whether some shapes may be left out: the two sides' formats hold
    /// different kinds (two versions of one YOLO tree hold the same).
    pub(crate) fn filters(&self) -> bool {
        self.old.kinds != self.new.kinds
    }

    /// Whether a shape of kind `k` of the old side is compared.
    pub(crate) fn old_kind(&self, k: GeometryKind) -> bool {
        self.new.kind(k)
    }

    /// Whether a shape of kind `k` of the new side is compared.
    pub(crate) fn new_kind(&self, k: GeometryKind) -> bool {
        self.old.kind(k)
    }

    /// Whether attributes and occlusion are compared.
    pub(crate) fn attributes(&self) -> bool {
        self.old.attributes && self.new.attributes
    }

    /// The notes on what was not compared: the shapes of each side of a
    /// kind the other side's format cannot hold (counted among `old_anns`
    /// and `new_anns`, the annotations of the sides' images), and the
    /// attributes and occlusion when one side holds none while the other
    /// has some.
    pub(crate) fn notes(
        &self,
        (old, old_anns): (&Dataset, &[usize]),
        (new, new_anns): (&Dataset, &[usize]),
        notes: &mut Vec<String>,
    ) {
        for (d, anns, other, side, other_side) in [
            (old, old_anns, &self.new, "old", "new"),
            (new, new_anns, &self.old, "new", "old"),
        ] {
            let mut left_out: std::collections::BTreeMap<GeometryKind, usize> =
                std::collections::BTreeMap::new();
            for &i in anns {
                let k = d.annotations[i].geometry.kind();
                if !other.kind(k) {
                    let n = left_out.entry(k).or_default();
                    *n = n.saturating_add(1);
                }
            }
            if !left_out.is_empty() {
                let counted: Vec<String> = left_out
                    .iter()
                    .map(|(&k, &n)| format!("{} {}", grouped(n), plural(k, n)))
                    .collect();
                let kinds: Vec<&str> = left_out.keys().map(|&k| noun(k)).collect();
                notes.push(format!(
                    "{} of the {side} side not compared: the {other_side} side's format ({}) holds no {}",
                    join(&counted, "and"),
                    other.name,
                    join(&kinds, "or"),
                ));
            }
        }
        for (d, anns, this, other_side) in [
            (old, old_anns, &self.new, "new"),
            (new, new_anns, &self.old, "old"),
        ] {
            if this.attributes {
                continue;
            }
            let any = |f: &dyn Fn(&labelkit_model::Annotation) -> bool| {
                anns.iter().any(|&i| f(&d.annotations[i]))
            };
            if any(&|a| !a.attributes.is_empty()) {
                notes.push(format!(
                    "attributes not compared: the {other_side} side's format ({}) holds none",
                    this.family()
                ));
            }
            if any(&|a| a.occluded) {
                notes.push(format!(
                    "occlusion not compared: the {other_side} side's format ({}) holds none",
                    this.family()
                ));
            }
        }
    }
}

/// `a`, `a and b`, `a, b and c`.
fn join<S: AsRef<str>>(items: &[S], last: &str) -> String {
    let mut out = String::new();
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(if i + 1 == items.len() { " " } else { ", " });
            if i + 1 == items.len() {
                out.push_str(last);
                out.push(' ');
            }
        }
        out.push_str(s.as_ref());
    }
    out
}

/// `276432` as `276,432`.
fn grouped(n: usize) -> String {
    labelkit_diagnostics::output::thousands(u64::try_from(n).unwrap_or(u64::MAX))
}

/// What a format holding none of kind `k` holds none of.
fn noun(k: GeometryKind) -> &'static str {
    k.plural()
}

/// `n` shapes of kind `k`: `1 polygon`, `2 keypoint sets`.
fn plural(k: GeometryKind, n: usize) -> &'static str {
    let one = n == 1;
    match k {
        GeometryKind::Box if one => "box",
        GeometryKind::Polygon if one => "polygon",
        GeometryKind::Polyline if one => "polyline",
        GeometryKind::Points if one => "point set",
        GeometryKind::Points => "point sets",
        GeometryKind::Keypoints if one => "keypoint set",
        GeometryKind::Keypoints => "keypoint sets",
        GeometryKind::Mask if one => "mask",
        GeometryKind::Ellipse if one => "ellipse",
        GeometryKind::Cuboid if one => "cuboid",
        GeometryKind::Tag if one => "tag",
        _ => noun(k),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_lists_read_as_english() {
        assert_eq!(grouped(276_432), "276,432");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000_000), "1,000,000");
        assert_eq!(join(&["a"], "and"), "a");
        assert_eq!(join(&["a", "b"], "and"), "a and b");
        assert_eq!(join(&["a", "b", "c"], "or"), "a, b or c");
        assert_eq!(plural(GeometryKind::Keypoints, 2), "keypoint sets");
        assert_eq!(plural(GeometryKind::Polygon, 1), "polygon");
    }
}
