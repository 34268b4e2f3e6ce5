//! The JSON documents of plugin schema 1, as the host writes and reads them.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use labelkit_model::{Annotation, AttributeValue, Attributes, BoxGeom, Dataset, Geometry, Image};
use labelkit_plugin_abi::LABELKIT_PLUGIN_SCHEMA;

/// Severity as plugins write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WireSeverity {
    /// `info`.
    Info,
    /// `warning`.
    Warning,
    /// `error`.
    Error,
}

impl From<WireSeverity> for labelkit_diagnostics::Severity {
    fn from(s: WireSeverity) -> Self {
        match s {
            WireSeverity::Info => Self::Info,
            WireSeverity::Warning => Self::Warning,
            WireSeverity::Error => Self::Error,
        }
    }
}

/// What `describe` returns.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Manifest {
    /// Schema version.
    #[serde(default = "schema")]
    pub schema: u32,
    /// The plugin's name.
    pub name: String,
    /// The plugin's version.
    pub version: String,
    /// The code prefix of its rules.
    pub prefix: String,
    /// One line about the plugin.
    #[serde(default)]
    pub description: String,
    /// Its rules.
    pub rules: Vec<RuleDoc>,
}

/// One rule of a manifest.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RuleDoc {
    /// Code.
    pub code: String,
    /// Kebab-case name.
    pub name: String,
    /// Default severity.
    pub severity: WireSeverity,
    /// One line.
    #[serde(default)]
    pub summary: String,
    /// Markdown documentation.
    #[serde(default)]
    pub docs: String,
    /// Options (kept as written).
    #[serde(default)]
    pub options: Vec<serde_json::Value>,
}

fn schema() -> u32 {
    LABELKIT_PLUGIN_SCHEMA
}

/// What `check_image` and `finish` return, with no more findings kept than
/// the caller has room for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Findings {
    pub(crate) schema: u32,
    /// The first findings of the document, at most the limit given.
    pub(crate) findings: Vec<WireFinding>,
    /// How many findings the document holds, kept or not.
    pub(crate) total: usize,
}

impl Findings {
    /// Parses a findings document, keeping at most `limit` findings: those
    /// beyond it are parsed as JSON (so the document must still be valid)
    /// but not built, and only counted. Memory is bounded by `limit`
    /// whatever the document holds.
    pub(crate) fn from_slice(bytes: &[u8], limit: usize) -> serde_json::Result<Self> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let doc = FindingsSeed { limit }.deserialize(&mut de)?;
        de.end()?;
        Ok(doc)
    }
}

/// The keys of a findings document.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum FindingsKey {
    Schema,
    Findings,
    #[serde(other)]
    Other,
}

/// Reads a findings document, keeping at most `limit` findings.
struct FindingsSeed {
    limit: usize,
}

impl<'de> DeserializeSeed<'de> for FindingsSeed {
    type Value = Findings;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Findings, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FindingsSeed {
    type Value = Findings;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a findings document")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Findings, A::Error> {
        let mut schema_version = None;
        let mut findings = None;
        while let Some(key) = map.next_key()? {
            match key {
                FindingsKey::Schema => {
                    if schema_version.is_some() {
                        return Err(de::Error::duplicate_field("schema"));
                    }
                    schema_version = Some(map.next_value()?);
                }
                FindingsKey::Findings => {
                    if findings.is_some() {
                        return Err(de::Error::duplicate_field("findings"));
                    }
                    findings = Some(map.next_value_seed(LimitedFindings { limit: self.limit })?);
                }
                FindingsKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let (findings, total) = findings.ok_or_else(|| de::Error::missing_field("findings"))?;
        Ok(Findings {
            schema: schema_version.unwrap_or_else(schema),
            findings,
            total,
        })
    }
}

/// The `findings` array: the first `limit` findings, and the count of all.
struct LimitedFindings {
    limit: usize,
}

impl<'de> DeserializeSeed<'de> for LimitedFindings {
    type Value = (Vec<WireFinding>, usize);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for LimitedFindings {
    type Value = (Vec<WireFinding>, usize);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of findings")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // No capacity from the size hint: the document is untrusted.
        let mut kept = Vec::new();
        let mut total: usize = 0;
        loop {
            let more = if kept.len() < self.limit {
                seq.next_element::<WireFinding>()?
                    .map(|f| kept.push(f))
                    .is_some()
            } else {
                seq.next_element::<IgnoredAny>()?.is_some()
            };
            if !more {
                break;
            }
            total = total.saturating_add(1);
        }
        Ok((kept, total))
    }
}

/// One finding as a plugin writes it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct WireFinding {
    pub(crate) code: String,
    pub(crate) message: String,
    #[serde(default)]
    pub(crate) image: Option<u64>,
    #[serde(default)]
    pub(crate) annotation: Option<u64>,
    #[serde(default)]
    pub(crate) severity: Option<WireSeverity>,
    #[serde(default)]
    pub(crate) help: Option<String>,
    #[serde(default)]
    pub(crate) related: Vec<WireRelated>,
}

/// A related place as a plugin writes it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct WireRelated {
    pub(crate) image: u64,
    #[serde(default)]
    pub(crate) annotation: Option<u64>,
    #[serde(default)]
    pub(crate) message: String,
}

/// The session document given to `open`.
#[derive(Debug, Serialize)]
pub(crate) struct SessionDoc<'a> {
    pub(crate) schema: u32,
    pub(crate) options: &'a serde_json::Value,
    pub(crate) dataset: DatasetDoc<'a>,
}

#[derive(Debug, Serialize)]
pub(crate) struct DatasetDoc<'a> {
    pub(crate) name: Option<&'a str>,
    pub(crate) format: Option<&'a str>,
    pub(crate) labels: Vec<LabelDoc<'a>>,
    pub(crate) images: u64,
}

#[derive(Debug, Serialize)]
pub(crate) struct LabelDoc<'a> {
    pub(crate) name: &'a str,
    pub(crate) supercategory: Option<&'a str>,
}

impl<'a> SessionDoc<'a> {
    pub(crate) fn new(options: &'a serde_json::Value, dataset: &'a Dataset) -> Self {
        Self {
            schema: LABELKIT_PLUGIN_SCHEMA,
            options,
            dataset: DatasetDoc {
                name: dataset.info.name.as_deref(),
                format: dataset.info.source_format.as_deref(),
                labels: dataset
                    .labels
                    .labels
                    .iter()
                    .map(|l| LabelDoc {
                        name: &l.name,
                        supercategory: l.supercategory.as_deref(),
                    })
                    .collect(),
                images: dataset.images.len() as u64,
            },
        }
    }
}

/// Attributes as a JSON object.
struct AttrMap<'a>(&'a Attributes);

impl Serialize for AttrMap<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in self.0.iter() {
            match value {
                AttributeValue::Bool(b) => map.serialize_entry(name, b)?,
                AttributeValue::Number(n) => map.serialize_entry(name, n)?,
                AttributeValue::Text(t) => map.serialize_entry(name, t)?,
            }
        }
        map.end()
    }
}

/// The image document given to `check_image`.
#[derive(Serialize)]
pub(crate) struct ImageDoc<'a> {
    schema: u32,
    image: ImageRec<'a>,
    annotations: Vec<AnnotationDoc<'a>>,
}

#[derive(Serialize)]
struct ImageRec<'a> {
    id: u64,
    file_name: &'a str,
    width: u32,
    height: u32,
    subset: Option<&'a str>,
    attributes: AttrMap<'a>,
}

#[derive(Serialize)]
struct AnnotationDoc<'a> {
    id: u64,
    label: &'a str,
    kind: &'static str,
    bbox: Option<[f64; 4]>,
    #[serde(skip_serializing_if = "is_zero")]
    rotation: f64,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    points: Vec<[f64; 2]>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    rings: Vec<Vec<[f64; 2]>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    keypoints: Vec<KeypointDoc<'a>>,
    attributes: AttrMap<'a>,
    occluded: bool,
    crowd: bool,
    group: Option<u64>,
    score: Option<f64>,
}

#[derive(Serialize)]
struct KeypointDoc<'a> {
    name: Option<&'a str>,
    x: f64,
    y: f64,
    v: u8,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde passes a reference
fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

impl<'a> ImageDoc<'a> {
    /// The same document with another image id (an image outside the
    /// check, numbered by the host).
    pub(crate) fn with_image_id(mut self, id: u64) -> Self {
        self.image.id = id;
        self
    }

    /// The image's file name.
    pub(crate) fn file_name(&self) -> &'a str {
        self.image.file_name
    }

    /// The document for the image at `image_pos` with the annotations at
    /// `annotations` (positions in `dataset.annotations`; unknown positions
    /// are skipped).
    pub(crate) fn at(
        dataset: &'a Dataset,
        image_pos: usize,
        annotations: &[usize],
    ) -> Option<Self> {
        let image = dataset.images.get(image_pos)?;
        let annotations = annotations
            .iter()
            .filter_map(|&i| dataset.annotations.get(i));
        Some(Self::new(dataset, image, annotations))
    }

    /// The document for `image` of `dataset` with `annotations`.
    pub(crate) fn new(
        dataset: &'a Dataset,
        image: &'a Image,
        annotations: impl IntoIterator<Item = &'a Annotation>,
    ) -> Self {
        let annotations = annotations
            .into_iter()
            .map(|a| {
                let mut doc = AnnotationDoc {
                    id: a.id.0,
                    label: dataset.labels.name(a.label),
                    kind: a.geometry.kind().as_str(),
                    // A polygon or mask travels with the box its source
                    // states for the object (a COCO `bbox`), else its
                    // bounds: what a plugin saw as the object's box shape
                    // when a COCO annotation was read as two shapes.
                    bbox: a
                        .bbox
                        .as_deref()
                        .filter(|_| !matches!(a.geometry, Geometry::Box(_)))
                        .map(BoxGeom::bounds)
                        .or_else(|| a.geometry.bounds())
                        .map(|b| [b.x_min, b.y_min, b.width(), b.height()]),
                    rotation: 0.0,
                    points: Vec::new(),
                    rings: Vec::new(),
                    keypoints: Vec::new(),
                    attributes: AttrMap(&a.attributes),
                    occluded: a.occluded,
                    crowd: a.crowd,
                    group: a.group.map(|g| g.0),
                    score: a.score,
                };
                let xy = |p: &labelkit_model::Point| [p.x, p.y];
                match &a.geometry {
                    // A box travels unrotated, with its rotation beside it.
                    Geometry::Box(b) => {
                        doc.bbox = Some([b.x_min, b.y_min, b.width(), b.height()]);
                        doc.rotation = b.rotation;
                    }
                    Geometry::Polygon(p) => {
                        doc.rings = p.rings.iter().map(|r| r.iter().map(xy).collect()).collect();
                    }
                    Geometry::Polyline(p) => doc.points = p.points.iter().map(xy).collect(),
                    Geometry::Points(p) => doc.points = p.points.iter().map(xy).collect(),
                    Geometry::Keypoints(k) => {
                        doc.keypoints = k
                            .points
                            .iter()
                            .map(|p| KeypointDoc {
                                name: p.name.as_deref(),
                                x: p.x,
                                y: p.y,
                                v: p.visibility.coco_code(),
                            })
                            .collect();
                    }
                    _ => {}
                }
                doc
            })
            .collect();
        Self {
            schema: LABELKIT_PLUGIN_SCHEMA,
            image: ImageRec {
                id: image.id.0,
                file_name: &image.file_name,
                width: image.width,
                height: image.height,
                subset: image.subset.as_deref(),
                attributes: AttrMap(&image.attributes),
            },
            annotations,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &[u8] = br#"{"extra": [1, {"a": 2}], "schema": 1, "findings": [
        {"code": "X001", "message": "a"}, {"code": "X001", "message": "b", "image": 3}]}"#;

    #[test]
    fn findings_past_the_limit_are_counted_not_kept() {
        let all = Findings::from_slice(TWO, 5).unwrap();
        assert_eq!((all.schema, all.findings.len(), all.total), (1, 2, 2));
        assert_eq!(all.findings[1].image, Some(3));
        let one = Findings::from_slice(TWO, 1).unwrap();
        assert_eq!((one.findings.len(), one.total), (1, 2));
        assert_eq!(one.findings[0].message, "a");
        let none = Findings::from_slice(TWO, 0).unwrap();
        assert_eq!((none.findings.len(), none.total), (0, 2));
    }

    #[test]
    fn findings_documents_are_still_checked_whole() {
        let err = |text: &str| {
            Findings::from_slice(text.as_bytes(), 0)
                .unwrap_err()
                .to_string()
        };
        // Past the limit, findings are skipped but must still be JSON.
        assert_eq!(
            err(r#"{"findings": [{"code": }]}"#),
            "expected value at line 1 column 24"
        );
        assert_eq!(
            err(r#"{"schema": 1}"#),
            "missing field `findings` at line 1 column 13"
        );
        assert_eq!(
            err(r#"{"findings": [], "findings": []}"#),
            "duplicate field `findings` at line 1 column 27"
        );
        assert_eq!(
            err(r#"{"findings": []} x"#),
            "trailing characters at line 1 column 18"
        );
        assert_eq!(
            err("[]"),
            "invalid type: sequence, expected a findings document at line 1 column 0"
        );
        // A missing schema is schema 1.
        let doc = Findings::from_slice(br#"{"findings": []}"#, 3).unwrap();
        assert_eq!((doc.schema, doc.total), (LABELKIT_PLUGIN_SCHEMA, 0));
    }

    /// A polygon with a stated box (a segmented COCO annotation) travels
    /// with that box as its `bbox`; without one, with its bounds.
    #[test]
    fn a_polygon_travels_with_its_stated_box() {
        use labelkit_model::{Annotation, AnnotationId, BoxGeom, Image, ImageId, Label, LabelId};
        let mut d = Dataset::new();
        d.labels.push(Label::new("person"));
        d.images.push(Image {
            id: ImageId(1),
            width: 100,
            height: 100,
            ..Image::default()
        });
        let square = Geometry::Polygon(labelkit_model::Polygon {
            rings: vec![vec![
                labelkit_model::Point::new(10.0, 10.0),
                labelkit_model::Point::new(50.0, 10.0),
                labelkit_model::Point::new(50.0, 40.0),
            ]],
        });
        let mut stated = Annotation::new(AnnotationId(1), ImageId(1), LabelId(0), square.clone());
        stated.bbox = Some(Box::new(BoxGeom::from_xyxy(8.0, 9.0, 52.0, 42.0)));
        d.annotations.push(stated);
        d.annotations.push(Annotation::new(
            AnnotationId(2),
            ImageId(1),
            LabelId(0),
            square,
        ));
        let doc = ImageDoc::at(&d, 0, &[0, 1]).unwrap();
        let json: serde_json::Value = serde_json::to_value(&doc).unwrap();
        assert_eq!(json["annotations"][0]["kind"], "polygon");
        assert_eq!(
            json["annotations"][0]["bbox"],
            serde_json::json!([8.0, 9.0, 44.0, 33.0])
        );
        assert_eq!(
            json["annotations"][1]["bbox"],
            serde_json::json!([10.0, 10.0, 40.0, 30.0])
        );
    }
}
