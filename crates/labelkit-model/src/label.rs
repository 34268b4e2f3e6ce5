//! Labels, their attribute specs, and keypoint schemas.

use std::collections::HashMap;

use crate::ids::LabelId;
use crate::kept::Kept;

/// CVAT's attribute input types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputType {
    /// One of `values`, shown as a drop-down.
    Select,
    /// One of `values`, shown as radio buttons.
    Radio,
    /// A boolean.
    Checkbox,
    /// A number; CVAT stores `min\nmax\nstep` in `values`.
    Number,
    /// Free text.
    Text,
}

impl InputType {
    /// The name CVAT uses in `<input_type>`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Select => "select",
            Self::Radio => "radio",
            Self::Checkbox => "checkbox",
            Self::Number => "number",
            Self::Text => "text",
        }
    }

    /// Parses CVAT's `<input_type>` text.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.trim() {
            "select" => Self::Select,
            "radio" => Self::Radio,
            "checkbox" => Self::Checkbox,
            "number" => Self::Number,
            "text" => Self::Text,
            _ => return None,
        })
    }
}

/// The declaration of one attribute of a label (CVAT `<attribute>` in meta).
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeSpec {
    /// Attribute name.
    pub name: String,
    /// Declared input type.
    pub input_type: InputType,
    /// Whether the value may change from frame to frame in a track.
    pub mutable: bool,
    /// Default value as text.
    pub default: Option<String>,
    /// Allowed values (for `number`: min, max, step).
    pub values: Vec<String>,
}

/// Ordered keypoint names with skeleton edges and left/right pairs.
///
/// Edges and pairs are 0-based indices into `names` (COCO's skeleton is
/// 1-based on disk; the COCO reader converts).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KeypointSchema {
    /// Point names in their fixed order.
    pub names: Vec<String>,
    /// Skeleton edges, 0-based.
    pub edges: Vec<(usize, usize)>,
    /// Left/right pairs, 0-based: `(left, right)`.
    pub flip_pairs: Vec<(usize, usize)>,
}

/// Why a given `flip_idx` does not match a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlipIdxMismatch {
    /// The list has a different length than the schema has points.
    Length {
        /// Points in the schema.
        expected: usize,
        /// Entries in the given `flip_idx`.
        found: usize,
    },
    /// The entry at `index` differs.
    Entry {
        /// Position in `flip_idx`.
        index: usize,
        /// What the schema's pairs imply.
        expected: usize,
        /// What was given.
        found: usize,
    },
}

impl KeypointSchema {
    /// A schema with the given names and no edges; left/right pairs are
    /// inferred from the names (see [`KeypointSchema::infer_flip_pairs`]).
    #[must_use]
    pub fn from_names<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Self {
        let mut schema = Self {
            names: names.into_iter().map(Into::into).collect(),
            edges: Vec::new(),
            flip_pairs: Vec::new(),
        };
        schema.flip_pairs = schema.infer_flip_pairs();
        schema
    }

    /// Number of points.
    #[must_use]
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether the schema has no points.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Position of the point called `name`.
    #[must_use]
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Pairs points whose names differ only by a left/right marker:
    /// `left_eye`/`right_eye`, `eye_l`/`eye_r`, `LeftHand`/`RightHand`,
    /// `l_knee`/`r_knee`. Names are compared case-insensitively.
    #[must_use]
    pub fn infer_flip_pairs(&self) -> Vec<(usize, usize)> {
        let mut pairs = Vec::new();
        for (i, name) in self.names.iter().enumerate() {
            let Some(stem) = side_stem(name, Side::Left) else {
                continue;
            };
            if let Some(j) = self
                .names
                .iter()
                .position(|other| side_stem(other, Side::Right).as_deref() == Some(stem.as_str()))
            {
                if i != j {
                    pairs.push((i, j));
                }
            }
        }
        pairs
    }

    /// The YOLO `flip_idx`: the permutation that swaps each left point with its
    /// right partner and leaves the others in place.
    #[must_use]
    pub fn flip_idx(&self) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.names.len()).collect();
        for &(l, r) in &self.flip_pairs {
            if l < idx.len() && r < idx.len() {
                idx[l] = r;
                idx[r] = l;
            }
        }
        idx
    }

    /// Checks a given `flip_idx` against the permutation implied by the
    /// schema's left/right pairs.
    ///
    /// # Errors
    /// Returns the first mismatch.
    pub fn check_flip_idx(&self, given: &[usize]) -> Result<(), FlipIdxMismatch> {
        let expected = self.flip_idx();
        if expected.len() != given.len() {
            return Err(FlipIdxMismatch::Length {
                expected: expected.len(),
                found: given.len(),
            });
        }
        for (index, (&e, &g)) in expected.iter().zip(given).enumerate() {
            if e != g {
                return Err(FlipIdxMismatch::Entry {
                    index,
                    expected: e,
                    found: g,
                });
            }
        }
        Ok(())
    }

    /// The 17-point COCO person schema, with COCO's skeleton and left/right
    /// pairs.
    #[must_use]
    pub fn coco_person() -> Self {
        const NAMES: [&str; 17] = [
            "nose",
            "left_eye",
            "right_eye",
            "left_ear",
            "right_ear",
            "left_shoulder",
            "right_shoulder",
            "left_elbow",
            "right_elbow",
            "left_wrist",
            "right_wrist",
            "left_hip",
            "right_hip",
            "left_knee",
            "right_knee",
            "left_ankle",
            "right_ankle",
        ];
        // COCO's skeleton, 1-based on disk.
        const SKELETON: [(usize, usize); 19] = [
            (16, 14),
            (14, 12),
            (17, 15),
            (15, 13),
            (12, 13),
            (6, 12),
            (7, 13),
            (6, 7),
            (6, 8),
            (7, 9),
            (8, 10),
            (9, 11),
            (2, 3),
            (1, 2),
            (1, 3),
            (2, 4),
            (3, 5),
            (4, 6),
            (5, 7),
        ];
        let mut schema = Self::from_names(NAMES);
        schema.edges = SKELETON.iter().map(|&(a, b)| (a - 1, b - 1)).collect();
        schema
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Left,
    Right,
}

/// Returns the name with its side marker removed, lower-cased, if the name
/// carries the marker of `side`.
fn side_stem(name: &str, side: Side) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let (long, short) = match side {
        Side::Left => ("left", "l"),
        Side::Right => ("right", "r"),
    };
    for sep in ["_", "-", " ", ""] {
        if let Some(rest) = lower.strip_prefix(&format!("{long}{sep}")) {
            if !rest.is_empty() {
                return Some(rest.trim_start_matches(['_', '-', ' ']).to_owned());
            }
        }
        if let Some(rest) = lower.strip_suffix(&format!("{sep}{long}")) {
            if !rest.is_empty() {
                return Some(rest.trim_end_matches(['_', '-', ' ']).to_owned());
            }
        }
    }
    for sep in ["_", "-", " ", "."] {
        if let Some(rest) = lower.strip_prefix(&format!("{short}{sep}")) {
            if !rest.is_empty() {
                return Some(rest.to_owned());
            }
        }
        if let Some(rest) = lower.strip_suffix(&format!("{sep}{short}")) {
            if !rest.is_empty() {
                return Some(rest.to_owned());
            }
        }
    }
    None
}

/// One label (class) of a dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// Label name, unique within its parent.
    pub name: String,
    /// The label's id in the source format: COCO category id, YOLO class
    /// index, CVAT label id.
    pub source_id: Option<i64>,
    /// COCO supercategory.
    pub supercategory: Option<String>,
    /// Display colour as written by the source (CVAT `#rrggbb`).
    pub color: Option<String>,
    /// CVAT's declared shape type (`any`, `rectangle`, `skeleton`...).
    pub kind: Option<String>,
    /// Declared attributes.
    pub attributes: Vec<AttributeSpec>,
    /// The parent label of a CVAT skeleton element.
    pub parent: Option<LabelId>,
    /// Keypoint schema of a skeleton or COCO keypoint category.
    pub keypoints: Option<KeypointSchema>,
    /// Whether the source declares the label (`true` by default). A reader
    /// that meets a label used but not declared (a CVAT label missing from
    /// `<meta>`, a COCO category id with no category) adds it with `false`:
    /// the undeclared-class rule reports it, and the CVAT writer keeps it
    /// out of `<meta>` as the source did.
    pub declared: bool,
    /// The round-trip fields of the format this came from, typed by that
    /// format (see [`crate::kept`]).
    pub kept: Kept,
}

impl Default for Label {
    /// A declared label with an empty name and nothing else.
    fn default() -> Self {
        Self {
            name: String::new(),
            source_id: None,
            supercategory: None,
            color: None,
            kind: None,
            attributes: Vec::new(),
            parent: None,
            keypoints: None,
            declared: true,
            kept: Kept::default(),
        }
    }
}

impl Label {
    /// A declared label with just a name.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// The declared spec of attribute `name`.
    #[must_use]
    pub fn attribute_spec(&self, name: &str) -> Option<&AttributeSpec> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

/// The labels of a dataset, indexed by [`LabelId`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabelSet {
    /// Labels in declaration order; a [`LabelId`] is a position here.
    pub labels: Vec<Label>,
}

impl LabelSet {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a label and returns its id.
    ///
    /// # Panics
    /// Panics if the set already holds `u32::MAX` labels.
    pub fn push(&mut self, label: Label) -> LabelId {
        let id = LabelId(u32::try_from(self.labels.len()).expect("fewer than 2^32 labels"));
        self.labels.push(label);
        id
    }

    /// The label with this id.
    #[must_use]
    pub fn get(&self, id: LabelId) -> Option<&Label> {
        self.labels.get(id.index())
    }

    /// The label with this id, mutably.
    pub fn get_mut(&mut self, id: LabelId) -> Option<&mut Label> {
        self.labels.get_mut(id.index())
    }

    /// The name of the label, or `"?"` for an unknown id.
    #[must_use]
    pub fn name(&self, id: LabelId) -> &str {
        self.get(id).map_or("?", |l| l.name.as_str())
    }

    /// Finds a top-level label by name (skeleton elements are skipped).
    #[must_use]
    pub fn find(&self, name: &str) -> Option<LabelId> {
        self.labels
            .iter()
            .position(|l| l.parent.is_none() && l.name == name)
            .and_then(|i| u32::try_from(i).ok())
            .map(LabelId)
    }

    /// Finds the element label `name` under `parent`.
    #[must_use]
    pub fn find_child(&self, parent: LabelId, name: &str) -> Option<LabelId> {
        self.labels
            .iter()
            .position(|l| l.parent == Some(parent) && l.name == name)
            .and_then(|i| u32::try_from(i).ok())
            .map(LabelId)
    }

    /// Finds a top-level label by name, adding it if absent.
    pub fn find_or_insert(&mut self, name: &str) -> LabelId {
        match self.find(name) {
            Some(id) => id,
            None => self.push(Label::new(name)),
        }
    }

    /// Finds a label by its source id (COCO category id, YOLO class index).
    #[must_use]
    pub fn find_by_source_id(&self, source_id: i64) -> Option<LabelId> {
        self.labels
            .iter()
            .position(|l| l.source_id == Some(source_id))
            .and_then(|i| u32::try_from(i).ok())
            .map(LabelId)
    }

    /// The children (skeleton elements) of `parent`, in declaration order.
    pub fn children(&self, parent: LabelId) -> impl Iterator<Item = (LabelId, &Label)> {
        self.iter().filter(move |(_, l)| l.parent == Some(parent))
    }

    /// Iterates over `(id, label)` pairs.
    pub fn iter(&self) -> impl Iterator<Item = (LabelId, &Label)> {
        self.labels
            .iter()
            .enumerate()
            // `push` keeps the set below 2^32 labels.
            .map(|(i, l)| {
                (
                    LabelId(u32::try_from(i).expect("fewer than 2^32 labels")),
                    l,
                )
            })
    }

    /// Number of labels, elements included.
    #[must_use]
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no labels.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

/// An index of labels by name under their parent (`None`: top level), for
/// code that looks labels up by name many times, such as a reader resolving
/// every shape's label: [`LabelSet::find`] and [`LabelSet::find_child`]
/// scan, which is quadratic over a file declaring many labels.
///
/// The first label of a name wins, as with the scans. The index is a
/// snapshot: labels pushed to the set later are added with
/// [`LabelIndex::insert`]. It is only looked up by key, so its order never
/// reaches output.
#[derive(Debug, Clone, Default)]
pub struct LabelIndex {
    by_parent: HashMap<Option<LabelId>, HashMap<String, LabelId>>,
}

impl LabelIndex {
    /// Indexes every label of `labels`.
    #[must_use]
    pub fn new(labels: &LabelSet) -> Self {
        let mut index = Self::default();
        for (id, label) in labels.iter() {
            index.insert(id, label);
        }
        index
    }

    /// Adds `label`, which has id `id`, unless its name is already taken
    /// under its parent.
    pub fn insert(&mut self, id: LabelId, label: &Label) {
        let names = self.by_parent.entry(label.parent).or_default();
        if !names.contains_key(&label.name) {
            names.insert(label.name.clone(), id);
        }
    }

    /// The first top-level label called `name`.
    #[must_use]
    pub fn find(&self, name: &str) -> Option<LabelId> {
        self.by_parent.get(&None)?.get(name).copied()
    }

    /// The first element label `name` under `parent`.
    #[must_use]
    pub fn find_child(&self, parent: LabelId, name: &str) -> Option<LabelId> {
        self.by_parent.get(&Some(parent))?.get(name).copied()
    }
}

/// Children of every label in one pass: `result[p]` lists the ids whose
/// parent is `p`, in declaration order (labels whose parent is out of range
/// are left out).
#[must_use]
pub fn children_by_parent(labels: &[Label]) -> Vec<Vec<LabelId>> {
    let mut children = vec![Vec::new(); labels.len()];
    for (i, label) in labels.iter().enumerate() {
        let (Some(parent), Ok(id)) = (label.parent, u32::try_from(i)) else {
            continue;
        };
        if let Some(list) = children.get_mut(parent.index()) {
            list.push(LabelId(id));
        }
    }
    children
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_index_finds_what_the_scans_find() {
        let mut set = LabelSet::new();
        let a = set.push(Label::new("a"));
        let b = set.push(Label::new("b"));
        let mut el = Label::new("a");
        el.parent = Some(b);
        let el = set.push(el);
        set.push(Label::new("a")); // a second top-level `a`: the first wins
        let mut index = LabelIndex::new(&set);
        for name in ["a", "b", "c"] {
            assert_eq!(index.find(name), set.find(name), "{name}");
            for p in [a, b] {
                assert_eq!(index.find_child(p, name), set.find_child(p, name));
            }
        }
        assert_eq!(index.find_child(b, "a"), Some(el));
        let c = set.push(Label::new("c"));
        index.insert(c, &Label::new("c"));
        assert_eq!(index.find("c"), Some(c));
        assert_eq!(
            children_by_parent(&set.labels),
            vec![vec![], vec![el], vec![], vec![], vec![]]
        );
    }

    #[test]
    fn coco_person_flip_idx_swaps_left_and_right() {
        let schema = KeypointSchema::coco_person();
        assert_eq!(
            schema.flip_idx(),
            vec![0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
        );
        assert_eq!(schema.edges[0], (15, 13));
        assert!(schema.check_flip_idx(&schema.flip_idx()).is_ok());
        let mut wrong = schema.flip_idx();
        wrong.swap(1, 2);
        assert_eq!(
            schema.check_flip_idx(&wrong),
            Err(FlipIdxMismatch::Entry {
                index: 1,
                expected: 2,
                found: 1
            })
        );
        assert_eq!(
            schema.check_flip_idx(&[0, 1]),
            Err(FlipIdxMismatch::Length {
                expected: 17,
                found: 2
            })
        );
    }

    #[test]
    fn face_example_from_ultralytics_docs() {
        let schema = KeypointSchema::from_names([
            "left eye",
            "right eye",
            "nose",
            "left mouth",
            "right mouth",
        ]);
        assert_eq!(schema.flip_idx(), vec![1, 0, 2, 4, 3]);
    }

    #[test]
    fn suffix_markers_pair_up() {
        let schema = KeypointSchema::from_names(["eye_l", "eye_r", "hand_L", "hand_R", "nose"]);
        assert_eq!(schema.flip_pairs, vec![(0, 1), (2, 3)]);
    }
}
