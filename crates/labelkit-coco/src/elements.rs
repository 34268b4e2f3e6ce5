//! COCO's objects as written on disk: images, categories and annotations.
//!
//! The reader parses each element into these types (borrowing strings from
//! the input), and the writer plans each element as one of them before
//! printing it, so that the two meet in one place: the conversion to the
//! model in `model.rs`. That is what makes `read(write(d)) == project(d)`
//! hold by construction.

use std::borrow::Cow;
use std::fmt;

use labelkit_model::rle::CocoCounts;
use labelkit_model::{AttributeValue, Attributes, Point};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::json::{Float, Num, Str};

/// Unknown keys with their raw JSON text, in file order.
pub(crate) type RawExtra<'a> = Vec<(Cow<'a, str>, Cow<'a, str>)>;

fn raw<'a>(r: &'a RawValue) -> Cow<'a, str> {
    Cow::Borrowed(r.get())
}

/// One entry of `images`.
#[derive(Debug, Clone, Default)]
pub(crate) struct CocoImage<'a> {
    pub(crate) id: Option<Num>,
    pub(crate) file_name: Option<Cow<'a, str>>,
    pub(crate) width: Option<Num>,
    pub(crate) height: Option<Num>,
    pub(crate) extra: RawExtra<'a>,
}

impl<'de> Deserialize<'de> for CocoImage<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CocoImage<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an image object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = CocoImage::default();
                while let Some(key) = map.next_key::<Str<'de>>()? {
                    match key.0.as_ref() {
                        "id" => out.id = Some(map.next_value()?),
                        "file_name" => out.file_name = Some(map.next_value::<Str<'de>>()?.0),
                        "width" => out.width = Some(map.next_value()?),
                        "height" => out.height = Some(map.next_value()?),
                        _ => out.extra.push((key.0, raw(map.next_value()?))),
                    }
                }
                Ok(out)
            }
        }
        deserializer.deserialize_map(V)
    }
}

/// A category's skeleton: 1-based pairs turned 0-based, or the raw text of
/// one that cannot be (an index below 1, not a pair).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Skeleton<'a> {
    Edges(Vec<(usize, usize)>),
    Raw(Cow<'a, str>),
}

/// One entry of `categories`.
#[derive(Debug, Clone, Default)]
pub(crate) struct CocoCategory<'a> {
    pub(crate) id: Option<Num>,
    pub(crate) name: Option<Cow<'a, str>>,
    pub(crate) supercategory: Option<Cow<'a, str>>,
    pub(crate) keypoints: Option<Vec<Cow<'a, str>>>,
    pub(crate) skeleton: Option<Skeleton<'a>>,
    pub(crate) extra: RawExtra<'a>,
}

pub(crate) fn parse_skeleton(raw: &RawValue) -> Skeleton<'_> {
    let edges = serde_json::from_str::<Vec<Vec<Num>>>(raw.get())
        .ok()
        .and_then(|pairs| {
            pairs
                .iter()
                .map(|pair| match pair.as_slice() {
                    [a, b] => {
                        let a = usize::try_from(a.as_u64()?).ok()?.checked_sub(1)?;
                        let b = usize::try_from(b.as_u64()?).ok()?.checked_sub(1)?;
                        Some((a, b))
                    }
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()
        });
    match edges {
        Some(edges) => Skeleton::Edges(edges),
        None => Skeleton::Raw(Cow::Borrowed(raw.get())),
    }
}

impl<'de> Deserialize<'de> for CocoCategory<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CocoCategory<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a category object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = CocoCategory::default();
                while let Some(key) = map.next_key::<Str<'de>>()? {
                    match key.0.as_ref() {
                        "id" => out.id = Some(map.next_value()?),
                        "name" => out.name = Some(map.next_value::<Str<'de>>()?.0),
                        "supercategory" => {
                            out.supercategory = Some(map.next_value::<Str<'de>>()?.0);
                        }
                        "keypoints" => {
                            let names: Vec<Str<'de>> = map.next_value()?;
                            out.keypoints = Some(names.into_iter().map(|s| s.0).collect());
                        }
                        "skeleton" => out.skeleton = Some(parse_skeleton(map.next_value()?)),
                        _ => out.extra.push((key.0, raw(map.next_value()?))),
                    }
                }
                Ok(out)
            }
        }
        deserializer.deserialize_map(V)
    }
}

/// A COCO segmentation.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) enum Segmentation {
    /// No `segmentation` key.
    #[default]
    Absent,
    /// `[]`: declared but empty (boxes exported by CVAT, Datumaro, Roboflow).
    Empty,
    /// Polygon parts. `odd` is set when a part had an odd number of values
    /// (the last one is dropped).
    Polygon { rings: Vec<Vec<Point>>, odd: bool },
    /// An RLE mask over the whole image.
    Rle {
        height: u32,
        width: u32,
        counts: CocoCounts,
    },
}

struct RingVisitor;

impl<'de> Visitor<'de> for RingVisitor {
    type Value = (Vec<Point>, bool);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of polygon coordinates")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut ring = Vec::with_capacity(seq.size_hint().unwrap_or(16) / 2);
        while let Some(Float(x)) = seq.next_element()? {
            match seq.next_element::<Float>()? {
                Some(Float(y)) => ring.push(Point::new(x, y)),
                None => return Ok((ring, true)),
            }
        }
        Ok((ring, false))
    }
}

struct Ring((Vec<Point>, bool));

impl<'de> Deserialize<'de> for Ring {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(RingVisitor).map(Ring)
    }
}

enum Counts {
    Runs(Vec<u32>),
    Text(String),
}

impl<'de> Deserialize<'de> for Counts {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Counts;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("RLE counts (a list of run lengths or a compressed string)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Counts, E> {
                Ok(Counts::Text(v.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Counts, A::Error> {
                let mut runs = Vec::with_capacity(seq.size_hint().unwrap_or(16));
                while let Some(r) = seq.next_element::<u64>()? {
                    let run = u32::try_from(r).map_err(|_| {
                        de::Error::custom(format!(
                            "mask run `{r}` {}",
                            labelkit_model::rle::RUN_TOO_LONG
                        ))
                    })?;
                    runs.push(run);
                }
                Ok(Counts::Runs(runs))
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Segmentation {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Segmentation;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a segmentation (a list of polygons or an RLE object)")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Segmentation, A::Error> {
                let mut rings = Vec::new();
                let mut odd = false;
                while let Some(Ring((ring, o))) = seq.next_element()? {
                    rings.push(ring);
                    odd |= o;
                }
                if rings.is_empty() {
                    return Ok(Segmentation::Empty);
                }
                Ok(Segmentation::Polygon { rings, odd })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Segmentation, A::Error> {
                let mut size: Option<[u32; 2]> = None;
                let mut counts = None;
                while let Some(key) = map.next_key::<Str<'de>>()? {
                    match key.0.as_ref() {
                        "size" => size = Some(map.next_value()?),
                        "counts" => counts = Some(map.next_value::<Counts>()?),
                        other => {
                            return Err(de::Error::custom(format_args!(
                                "unknown key {other:?} in an RLE segmentation, expected size and counts"
                            )))
                        }
                    }
                }
                let [height, width] = size.ok_or_else(|| de::Error::missing_field("size"))?;
                let counts = match counts.ok_or_else(|| de::Error::missing_field("counts"))? {
                    Counts::Runs(r) => CocoCounts::Runs(r),
                    Counts::Text(s) => CocoCounts::Compressed(s),
                };
                Ok(Segmentation::Rle {
                    height,
                    width,
                    counts,
                })
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// The non-standard per-annotation `attributes` object (CVAT's COCO export).
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct AttributeObject {
    /// The `occluded` key, when present.
    pub(crate) occluded: Option<bool>,
    /// The other keys.
    pub(crate) attributes: Attributes,
    /// Names of keys whose value was not a boolean, number or string (kept
    /// as JSON text).
    pub(crate) non_scalar: Vec<String>,
}

impl<'de> Deserialize<'de> for AttributeObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AttributeObject;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an attributes object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = AttributeObject::default();
                while let Some(key) = map.next_key::<Str<'de>>()? {
                    let value: &'de RawValue = map.next_value()?;
                    // A valid JSON value: its first byte tells its kind.
                    let raw = value.get();
                    let value = match raw.as_bytes().first() {
                        Some(b't') => AttributeValue::Bool(true),
                        Some(b'f') => AttributeValue::Bool(false),
                        Some(b'"') => AttributeValue::Text(
                            serde_json::from_str::<Str<'_>>(raw)
                                .map_err(de::Error::custom)?
                                .0
                                .into_owned(),
                        ),
                        Some(b'-' | b'0'..=b'9') => AttributeValue::Number(
                            serde_json::from_str::<f64>(raw).map_err(de::Error::custom)?,
                        ),
                        _ => {
                            out.non_scalar.push(key.0.to_string());
                            AttributeValue::Text(raw.to_owned())
                        }
                    };
                    if key.0 == "occluded" {
                        if let AttributeValue::Bool(b) = value {
                            out.occluded = Some(b);
                            continue;
                        }
                    }
                    out.attributes.push(&*key.0, value);
                }
                Ok(out)
            }
        }
        deserializer.deserialize_map(V)
    }
}

/// One entry of `annotations` (or of a results list).
#[derive(Debug, Clone, Default)]
pub(crate) struct CocoAnnotation<'a> {
    pub(crate) id: Option<Num>,
    pub(crate) image_id: Option<Num>,
    pub(crate) category_id: Option<Num>,
    /// `[x, y, w, h]` as written (any length; the reader checks).
    pub(crate) bbox: Option<BboxValues>,
    pub(crate) segmentation: Segmentation,
    /// `area` as written.
    pub(crate) area: Option<Cow<'a, str>>,
    /// `iscrowd`: 0/1 or a boolean.
    pub(crate) iscrowd: Option<Num>,
    /// The flat `[x, y, v, ...]` list.
    pub(crate) keypoints: Option<Vec<f64>>,
    /// `num_keypoints` as written.
    pub(crate) num_keypoints: Option<Cow<'a, str>>,
    pub(crate) score: Option<f64>,
    pub(crate) attributes: Option<AttributeObject>,
    pub(crate) extra: RawExtra<'a>,
}

/// A `bbox` as written: its first four values and how many there were
/// (held without an allocation; only a box of four values is a box).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct BboxValues {
    values: [f64; 4],
    len: usize,
}

impl BboxValues {
    /// The four values of `[x, y, w, h]`.
    pub(crate) fn new(values: [f64; 4]) -> Self {
        Self { values, len: 4 }
    }

    /// The values when there were four.
    pub(crate) fn four(&self) -> Option<[f64; 4]> {
        (self.len == 4).then_some(self.values)
    }

    /// How many values there were.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The values held (at most the first four).
    pub(crate) fn values(&self) -> &[f64] {
        self.values.get(..self.len.min(4)).unwrap_or_default()
    }
}

impl<'de> Deserialize<'de> for BboxValues {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = BboxValues;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of numbers")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<BboxValues, A::Error> {
                let mut out = BboxValues::default();
                while let Some(Float(v)) = seq.next_element()? {
                    if let Some(slot) = out.values.get_mut(out.len) {
                        *slot = v;
                    }
                    out.len = out.len.saturating_add(1);
                }
                Ok(out)
            }
        }
        deserializer.deserialize_seq(V)
    }
}

struct Crowd(Num);

impl<'de> Deserialize<'de> for Crowd {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Crowd;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("0 or 1")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Crowd, E> {
                Ok(Crowd(Num::U(u64::from(v))))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Crowd, E> {
                Ok(Crowd(Num::U(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Crowd, E> {
                Ok(Crowd(Num::I(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Crowd, E> {
                Ok(Crowd(Num::F(v)))
            }
        }
        deserializer.deserialize_any(V)
    }
}

fn floats<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Vec<f64>, A::Error> {
    let v: Vec<Float> = map.next_value()?;
    Ok(v.into_iter().map(|f| f.0).collect())
}

impl<'de> Deserialize<'de> for CocoAnnotation<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CocoAnnotation<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an annotation object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = CocoAnnotation::default();
                while let Some(key) = map.next_key::<Str<'de>>()? {
                    match key.0.as_ref() {
                        "id" => out.id = Some(map.next_value()?),
                        "image_id" => out.image_id = Some(map.next_value()?),
                        "category_id" => out.category_id = Some(map.next_value()?),
                        "bbox" => out.bbox = Some(map.next_value()?),
                        "segmentation" => out.segmentation = map.next_value()?,
                        "area" => {
                            let r: &'de RawValue = map.next_value()?;
                            let _: Num =
                                serde_json::from_str(r.get()).map_err(de::Error::custom)?;
                            out.area = Some(raw(r));
                        }
                        "iscrowd" => out.iscrowd = Some(map.next_value::<Crowd>()?.0),
                        "keypoints" => out.keypoints = Some(floats(&mut map)?),
                        "num_keypoints" => {
                            let r: &'de RawValue = map.next_value()?;
                            let _: Num =
                                serde_json::from_str(r.get()).map_err(de::Error::custom)?;
                            out.num_keypoints = Some(raw(r));
                        }
                        "score" => out.score = Some(map.next_value::<Float>()?.0),
                        "attributes" => out.attributes = Some(map.next_value()?),
                        _ => out.extra.push((key.0, raw(map.next_value()?))),
                    }
                }
                Ok(out)
            }
        }
        deserializer.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_fields_and_extras() {
        let text = br#"{"id": 7, "image_id": 1, "category_id": 2, "bbox": [1, 2, 3.5, null],
            "segmentation": [[0, 0, 4, 0, 4, 4], [1, 1, 2]], "area": 12.0, "iscrowd": 0,
            "ignore": 0, "attributes": {"occluded": true, "pose": "up", "n": 3, "l": [1]}}"#;
        let a: CocoAnnotation<'_> = serde_json::from_slice(text).unwrap();
        assert_eq!(a.id, Some(Num::U(7)));
        let bbox = a.bbox.unwrap().four().unwrap();
        assert_eq!(bbox[..3], [1.0, 2.0, 3.5]);
        assert!(bbox[3].is_nan());
        let six: CocoAnnotation<'_> =
            serde_json::from_slice(br#"{"bbox": [1, 2, 3, 4, 5, 6]}"#).unwrap();
        assert_eq!(six.bbox.unwrap().len(), 6);
        assert_eq!(six.bbox.unwrap().four(), None);
        let Segmentation::Polygon { rings, odd } = a.segmentation else {
            panic!("polygon expected")
        };
        assert!(odd);
        assert_eq!(rings[0].len(), 3);
        assert_eq!(rings[1], vec![Point::new(1.0, 1.0)]);
        assert_eq!(a.area.as_deref(), Some("12.0"));
        assert_eq!(a.extra, vec![(Cow::Borrowed("ignore"), Cow::Borrowed("0"))]);
        let attrs = a.attributes.unwrap();
        assert_eq!(attrs.occluded, Some(true));
        assert_eq!(
            attrs.attributes.get("pose"),
            Some(&AttributeValue::Text("up".into()))
        );
        assert_eq!(
            attrs.attributes.get("n"),
            Some(&AttributeValue::Number(3.0))
        );
        assert_eq!(attrs.non_scalar, vec!["l".to_owned()]);
    }

    #[test]
    fn rle_forms_and_skeletons() {
        let s: Segmentation =
            serde_json::from_str(r#"{"counts": [0, 20, 30], "size": [10, 5]}"#).unwrap();
        assert_eq!(
            s,
            Segmentation::Rle {
                height: 10,
                width: 5,
                counts: CocoCounts::Runs(vec![0, 20, 30])
            }
        );
        let s: Segmentation =
            serde_json::from_str(r#"{"size": [3, 3], "counts": "41\\4"}"#).unwrap();
        assert!(
            matches!(s, Segmentation::Rle { counts: CocoCounts::Compressed(ref c), .. } if c == "41\\4")
        );
        assert_eq!(
            serde_json::from_str::<Segmentation>("[]").unwrap(),
            Segmentation::Empty
        );
        let c: CocoCategory<'_> = serde_json::from_str(
            r#"{"id": 1, "name": "p", "keypoints": ["a", "b"], "skeleton": [[1, 2]]}"#,
        )
        .unwrap();
        assert_eq!(c.skeleton, Some(Skeleton::Edges(vec![(0, 1)])));
        let c: CocoCategory<'_> =
            serde_json::from_str(r#"{"id": 1, "name": "p", "skeleton": [[0, 1]]}"#).unwrap();
        assert_eq!(c.skeleton, Some(Skeleton::Raw(Cow::Borrowed("[[0, 1]]"))));
    }
}
