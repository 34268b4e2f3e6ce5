//! The round-trip fields of COCO: what a COCO file states that the model has
//! no field for, kept in the [`Kept`](labelkit_model::Kept) slot of each
//! level so that the writer gives it back as it was read.
//!
//! - [`CocoDatasetFields`] (in `dataset.info.kept`): the top-level keys
//!   other than `images`, `annotations` and `categories` (`info`,
//!   `licenses`, ...);
//! - [`CocoImageFields`] (in `image.kept`): the image keys other than `id`,
//!   `file_name`, `width` and `height` (`license`, `coco_url`,
//!   `flickr_url`, `date_captured`, ...);
//! - [`CocoCategoryFields`] (in `label.kept`): unknown category keys and a
//!   `skeleton` that is not a list of 1-based pairs;
//! - [`CocoAnnotationFields`] (in the `kept` of an object's first shape):
//!   the stated `area`, `bbox` and `num_keypoints` where the geometry does
//!   not give them back, the `segmentation: []` and `attributes` forms, and
//!   unknown keys.
//!
//! They are stored compactly, as a million annotations keep their `area`
//! and usually nothing else: a stated number is its `f64` unless its text
//! is not the shortest form of the value ([`StatedNumber`]), unknown keys
//! are one JSON text only when there are some ([`RawFields`]), and the
//! rarely stated fields of an annotation sit behind one box.
//!
//! ```
//! use labelkit_coco::CocoAnnotationFields;
//! let text = br#"{"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 5}],
//!   "annotations": [{"id": 7, "image_id": 1, "category_id": 3, "bbox": [1, 1, 4, 2],
//!                    "area": 7.5, "iscrowd": 0, "ignore": 0}],
//!   "categories": [{"id": 3, "name": "person"}]}"#;
//! let loaded = labelkit_coco::read_bytes("a.json".as_ref(), text, &Default::default()).unwrap();
//! let kept = loaded.dataset.annotations[0].kept.get::<CocoAnnotationFields>().unwrap();
//! assert_eq!(kept.area.as_ref().map(|a| a.value()), Some(7.5));
//! assert_eq!(kept.unknown().and_then(|u| u.get("ignore")), Some("0"));
//! ```

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use labelkit_model::KeptValue;

use crate::json::Str;

/// Keys of a COCO object that the model has no field for, with their JSON
/// values as written, in file order: one JSON object text.
#[derive(Clone, PartialEq, Eq)]
pub struct RawFields(Box<str>);

impl RawFields {
    /// The fields of `pairs` (key, JSON text of the value); `None` when
    /// there is none. The values must be JSON (the reader's raw values).
    pub(crate) fn from_pairs<'a, K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Option<Self>
    where
        K: AsRef<str> + 'a,
        V: AsRef<str> + 'a,
    {
        let mut text = Vec::new();
        for (k, v) in pairs {
            text.push(if text.is_empty() { b'{' } else { b',' });
            crate::fmt::write_json_string(&mut text, k.as_ref());
            text.push(b':');
            text.extend_from_slice(v.as_ref().trim().as_bytes());
        }
        if text.is_empty() {
            return None;
        }
        text.push(b'}');
        String::from_utf8(text)
            .ok()
            .map(|s| Self(s.into_boxed_str()))
    }

    /// The fields of a JSON object's text (`{"license": 1, ...}`).
    ///
    /// # Errors
    /// When `text` is not a JSON object.
    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        let pairs = parse_object(text)?;
        Ok(
            Self::from_pairs(pairs.iter().map(|(k, v)| (k.as_ref(), v.get())))
                .unwrap_or_else(|| Self("{}".into())),
        )
    }

    /// The fields as `(key, JSON text of the value)`, in file order.
    #[must_use]
    pub fn pairs(&self) -> Vec<(Cow<'_, str>, &str)> {
        parse_object(&self.0)
            .map(|pairs| pairs.into_iter().map(|(k, v)| (k, v.get())).collect())
            .unwrap_or_default()
    }

    /// The JSON text of the value of `key` (the first, if repeated).
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs()
            .into_iter()
            .find_map(|(k, v)| (k == key).then_some(v))
    }

    /// The fields as one JSON object text.
    #[must_use]
    pub fn as_json(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RawFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RawFields").field(&&*self.0).finish()
    }
}

/// The pairs of a JSON object text, keys unescaped, values raw.
fn parse_object(text: &str) -> Result<Vec<(Cow<'_, str>, &RawValue)>, serde_json::Error> {
    struct Pairs;
    impl<'de> Visitor<'de> for Pairs {
        type Value = Vec<(Cow<'de, str>, &'de RawValue)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(key) = map.next_key::<Str<'de>>()? {
                out.push((key.0, map.next_value()?));
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let pairs = (&mut de).deserialize_map(Pairs)?;
    de.end()?;
    Ok(pairs)
}

/// A number as a COCO file states it: its value, and its text when that is
/// not the shortest form of the value (`12.0`, `1e3`, `null`), so that it
/// is written back as it was.
#[derive(Debug, Clone, PartialEq)]
pub enum StatedNumber {
    /// A value written in its shortest form (as Rust's `{}` prints it).
    Value(f64),
    /// A number written in another form: the text as written.
    Text(Box<str>),
}

impl StatedNumber {
    /// The number of the JSON text `text` (a number or `null`).
    #[must_use]
    pub fn from_text(text: &str) -> Self {
        let text = text.trim();
        if let Ok(value) = text.parse::<f64>() {
            if value.is_finite() {
                let mut shortest = Vec::with_capacity(text.len());
                crate::fmt::write_shortest(&mut shortest, value);
                if shortest == text.as_bytes() {
                    return Self::Value(value);
                }
            }
        }
        Self::Text(text.into())
    }

    /// The value; NaN for a text that is no number (`null`).
    #[must_use]
    pub fn value(&self) -> f64 {
        match self {
            Self::Value(v) => *v,
            Self::Text(t) => t.parse().unwrap_or(f64::NAN),
        }
    }

    /// The JSON text to write.
    #[must_use]
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Self::Value(v) => {
                let mut out = Vec::new();
                crate::fmt::write_shortest(&mut out, *v);
                Cow::Owned(String::from_utf8(out).unwrap_or_default())
            }
            Self::Text(t) => Cow::Borrowed(t),
        }
    }

    /// The value when the text reads as `f64` (`None` for `null`).
    pub(crate) fn parsed_f64(&self) -> Option<f64> {
        match self {
            Self::Value(v) => Some(*v),
            Self::Text(t) => t.parse().ok(),
        }
    }

    /// The value when the text reads as a non-negative integer (`7`, not
    /// `7.0`).
    pub(crate) fn parsed_u64(&self) -> Option<u64> {
        self.text().parse().ok()
    }
}

/// The top-level keys of a COCO file other than `images`, `annotations` and
/// `categories`, in file order (`info`, `licenses`, ...): in
/// `dataset.info.kept`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CocoDatasetFields {
    /// The keys and their values as written.
    pub keys: RawFields,
}

impl CocoDatasetFields {
    /// Fields with these keys.
    #[must_use]
    pub fn new(keys: RawFields) -> Self {
        Self { keys }
    }
}

/// The keys of a COCO image other than `id`, `file_name`, `width` and
/// `height` (`license`, `coco_url`, `flickr_url`, `date_captured`, ...), in
/// file order: in `image.kept`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CocoImageFields {
    /// The keys and their values as written.
    pub keys: RawFields,
}

impl CocoImageFields {
    /// Fields with these keys.
    #[must_use]
    pub fn new(keys: RawFields) -> Self {
        Self { keys }
    }
}

/// What a COCO category states beyond the label: in `label.kept`.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct CocoCategoryFields {
    /// Keys other than `id`, `name`, `supercategory`, `keypoints` and
    /// `skeleton`, in file order.
    pub keys: Option<RawFields>,
    /// A `skeleton` that is not a list of 1-based index pairs, as written.
    pub skeleton: Option<Box<str>>,
}

/// The form of an annotation's non-standard `attributes` object (CVAT's
/// COCO export) that the model's occluded flag and attributes do not give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AttributesForm {
    /// As the writer makes it: `occluded` stated, present when there is
    /// something to state.
    #[default]
    Usual,
    /// The object had no `occluded` key.
    NoOccluded,
    /// The object held only `"occluded": false`.
    Present,
}

/// What a COCO annotation states beyond its shapes: in the `kept` of the
/// object's first shape.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct CocoAnnotationFields {
    /// `area`, when it is not the area computed from the geometry (the
    /// segmentation's: shoelace sum of the polygon parts or the mask's
    /// pixel count; else the box's).
    pub area: Option<StatedNumber>,
    /// The width and height of `bbox` as written, when `x + w - x != w` in
    /// floating point (the box's corners do not give them back).
    pub bbox_size: Option<[f64; 2]>,
    /// The rarely stated fields.
    rare: Option<Box<RareFields>>,
}

/// The fields of [`CocoAnnotationFields`] that few annotations state.
#[derive(Debug, Clone, PartialEq, Default)]
struct RareFields {
    num_keypoints: Option<StatedNumber>,
    empty_segmentation: bool,
    attributes: AttributesForm,
    keys: Option<RawFields>,
}

impl CocoAnnotationFields {
    /// Whether nothing is kept.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.area.is_none() && self.bbox_size.is_none() && self.rare.is_none()
    }

    fn rare_mut(&mut self) -> &mut RareFields {
        self.rare.get_or_insert_with(Box::default)
    }

    fn settle(&mut self) {
        if self.rare.as_deref() == Some(&RareFields::default()) {
            self.rare = None;
        }
    }

    /// `num_keypoints`, when it is not the count of labelled points.
    #[must_use]
    pub fn num_keypoints(&self) -> Option<&StatedNumber> {
        self.rare.as_ref()?.num_keypoints.as_ref()
    }

    /// Sets [`Self::num_keypoints`].
    pub fn set_num_keypoints(&mut self, value: Option<StatedNumber>) {
        self.rare_mut().num_keypoints = value;
        self.settle();
    }

    /// Whether `segmentation` was `[]` (declared, but no polygon).
    #[must_use]
    pub fn empty_segmentation(&self) -> bool {
        self.rare.as_ref().is_some_and(|r| r.empty_segmentation)
    }

    /// Sets [`Self::empty_segmentation`].
    pub fn set_empty_segmentation(&mut self, yes: bool) {
        self.rare_mut().empty_segmentation = yes;
        self.settle();
    }

    /// The form of the `attributes` object.
    #[must_use]
    pub fn attributes_form(&self) -> AttributesForm {
        self.rare
            .as_ref()
            .map_or_else(AttributesForm::default, |r| r.attributes)
    }

    /// Sets [`Self::attributes_form`].
    pub fn set_attributes_form(&mut self, form: AttributesForm) {
        self.rare_mut().attributes = form;
        self.settle();
    }

    /// Keys COCO does not define (`ignore`, `face_box`, ...), in file order.
    #[must_use]
    pub fn unknown(&self) -> Option<&RawFields> {
        self.rare.as_ref()?.keys.as_ref()
    }

    /// Sets [`Self::unknown`].
    pub fn set_unknown(&mut self, keys: Option<RawFields>) {
        self.rare_mut().keys = keys;
        self.settle();
    }
}

impl KeptValue for CocoDatasetFields {}
impl KeptValue for CocoImageFields {}
impl KeptValue for CocoCategoryFields {}
impl KeptValue for CocoAnnotationFields {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stated_numbers_keep_text_only_when_not_shortest() {
        assert_eq!(StatedNumber::from_text("702.5"), StatedNumber::Value(702.5));
        assert_eq!(StatedNumber::from_text(" 12 "), StatedNumber::Value(12.0));
        assert_eq!(
            StatedNumber::from_text("12.0"),
            StatedNumber::Text("12.0".into())
        );
        assert_eq!(
            StatedNumber::from_text("1e3"),
            StatedNumber::Text("1e3".into())
        );
        let null = StatedNumber::from_text("null");
        assert!(null.value().is_nan());
        assert_eq!(null.parsed_f64(), None);
        assert_eq!(null.text(), "null");
        assert_eq!(StatedNumber::from_text("7").parsed_u64(), Some(7));
        assert_eq!(StatedNumber::from_text("7.0").parsed_u64(), None);
    }

    #[test]
    fn raw_fields_keep_keys_and_values_in_order() {
        let f = RawFields::from_pairs([("b", " [1, 2]"), ("a\"q", "{\"x\": null}")]).unwrap();
        assert_eq!(f.as_json(), r#"{"b":[1, 2],"a\"q":{"x": null}}"#);
        let pairs = f.pairs();
        assert_eq!(pairs[0], (Cow::Borrowed("b"), "[1, 2]"));
        assert_eq!(pairs[1].0, "a\"q");
        assert_eq!(f.get("a\"q"), Some("{\"x\": null}"));
        assert!(RawFields::from_pairs(Vec::<(&str, &str)>::new()).is_none());
        assert_eq!(RawFields::parse(r#"{"k": 1}"#).unwrap().get("k"), Some("1"));
        assert!(RawFields::parse("[1]").is_err());
    }

    #[test]
    fn an_annotation_that_keeps_only_its_area_is_small() {
        let mut f = CocoAnnotationFields {
            area: Some(StatedNumber::Value(3.5)),
            ..Default::default()
        };
        assert!(!f.is_empty());
        f.set_empty_segmentation(true);
        assert!(f.empty_segmentation());
        f.set_empty_segmentation(false);
        assert!(f.rare.is_none());
        assert!(std::mem::size_of::<CocoAnnotationFields>() <= 56);
    }
}
