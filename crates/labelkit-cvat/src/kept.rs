//! What a CVAT file states that the model has no field for, kept in the
//! [`Kept`](labelkit_model::Kept) slot of each level so that the writer
//! gives it back: one struct per level ([`CvatDocument`], [`CvatLabel`],
//! [`CvatImage`], [`CvatShape`], [`CvatTrack`]).
//!
//! The reader stores a struct only when it holds something, and
//! [`crate::project`] empties a slot whose struct has nothing left, so that
//! a dataset read back compares equal to its projection.

use labelkit_model::{Kept, KeptFields, KeptValue};

/// The document: `<version>` when it is not `1.1`, and `<meta>` as written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CvatDocument {
    /// The text of `<version>`, when it is not `1.1`.
    pub version: Option<String>,
    /// The `<meta>` element as written, from `<meta>` to `</meta>`: the
    /// task, project or job details, segments, owner and dates come back
    /// exactly. Its labels are regenerated where the dataset's differ, and
    /// the typed facts ([`DatasetInfo::video`](labelkit_model::DatasetInfo::video),
    /// [`DatasetInfo::task`](labelkit_model::DatasetInfo::task)) written
    /// over the texts it states for them.
    pub meta: Option<String>,
}

/// A label's `<label>` children that the model has no field for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CvatLabel {
    /// A skeleton's `<svg>` layout, as written.
    pub svg: Option<String>,
    /// A `<parent>` name that matches no declared label.
    pub parent: Option<String>,
    /// Other `<label>` children, `(tag, text)` in document order.
    pub children: Vec<(String, String)>,
}

/// XML attributes of an `<image>` other than `id`, `name`, `width`,
/// `height` and `subset` (`task_id`...), `(name, value)` in document order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CvatImage {
    /// The attributes.
    pub attrs: Vec<(String, String)>,
}

/// What a shape states that an annotation cannot hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CvatShape {
    /// XML attributes the model has no field for, `(name, value)` in
    /// document order.
    pub attrs: Vec<(String, String)>,
    /// For a skeleton: what each element `<points>` states that a keypoint
    /// cannot hold, one entry per point in point order; empty when no
    /// element states anything.
    pub elements: Vec<CvatElement>,
}

/// What a skeleton element `<points>` states that a keypoint cannot hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CvatElement {
    /// Its XML attributes but `label`, `points` and `outside` (`source`,
    /// `z_order`...; `occluded` only for an outside point), sorted by name.
    pub attrs: Vec<(String, String)>,
    /// Its `<attribute>` children, `(name, value)` in document order.
    pub attributes: Vec<(String, String)>,
}

impl CvatElement {
    /// Whether the element states nothing beyond its point.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.attrs.is_empty() && self.attributes.is_empty()
    }
}

/// What a `<track>` states that a track cannot hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CvatTrack {
    /// XML attributes the model has no field for, `(name, value)` in
    /// document order.
    pub attrs: Vec<(String, String)>,
    /// Every shape of the track repeats the track's label in a `label`
    /// attribute.
    pub shape_label: bool,
    /// The elements of a skeleton track were read as nested `<track>`s
    /// (Datumaro's form) rather than as `<points>` inside each `<skeleton>`
    /// (CVAT's exporter's form), and are written back so.
    pub element_tracks: bool,
}

impl KeptValue for CvatDocument {}
impl KeptValue for CvatLabel {}
impl KeptValue for CvatImage {}
impl KeptValue for CvatShape {}
impl KeptValue for CvatElement {}
impl KeptValue for CvatTrack {}

/// Stores `value` in `kept`, or empties the slot when `value` holds
/// nothing (is the default): an empty struct is never kept.
pub(crate) fn store<T: KeptFields + Default + PartialEq>(kept: &mut Kept, value: T) {
    if value == T::default() {
        kept.clear();
    } else {
        kept.set(value);
    }
}

/// Keeps only CVAT's fields of type `T` in `kept`, and only when they hold
/// something.
pub(crate) fn retain<T: KeptFields + Default + PartialEq>(kept: &mut Kept) {
    kept.retain_only::<T>();
    if kept.get::<T>().is_some_and(|v| *v == T::default()) {
        kept.clear();
    }
}
