//! The JSON documents exchanged with the host (schema version 1).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use labelkit_plugin_abi::LABELKIT_PLUGIN_SCHEMA;

fn schema() -> u32 {
    LABELKIT_PLUGIN_SCHEMA
}

/// How serious a rule's findings are by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational.
    Info,
    /// Worth a look; does not fail a check.
    Warning,
    /// Fails a check.
    Error,
}

/// What `describe` returns: who the plugin is and which rules it has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Schema version of this document.
    #[serde(default = "schema")]
    pub schema: u32,
    /// The plugin's name, kebab-case; its options live in the user's
    /// `labelkit.toml` under `[plugins.NAME]`.
    pub name: String,
    /// The plugin's version.
    pub version: String,
    /// The code prefix of every rule (upper-case ASCII letters, not a
    /// built-in family).
    pub prefix: String,
    /// One line about the plugin.
    #[serde(default)]
    pub description: String,
    /// The rules.
    pub rules: Vec<RuleDoc>,
}

impl Manifest {
    /// A manifest without rules.
    #[must_use]
    pub fn new(
        name: impl Into<String>,
        version: impl Into<String>,
        prefix: impl Into<String>,
    ) -> Self {
        Self {
            schema: LABELKIT_PLUGIN_SCHEMA,
            name: name.into(),
            version: version.into(),
            prefix: prefix.into(),
            description: String::new(),
            rules: Vec::new(),
        }
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Adds a rule.
    #[must_use]
    pub fn rule(mut self, rule: RuleDoc) -> Self {
        self.rules.push(rule);
        self
    }
}

/// One rule of a plugin and its documentation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleDoc {
    /// Permanent code: the plugin's prefix followed by three digits.
    pub code: String,
    /// Kebab-case name.
    pub name: String,
    /// Default severity.
    pub severity: Severity,
    /// One line: what the rule finds.
    pub summary: String,
    /// Markdown documentation (what it does, why it matters, example, how
    /// to fix, options), printed by `labelkit rule CODE`.
    pub docs: String,
    /// The options the rule reads from the plugin's configuration table.
    #[serde(default)]
    pub options: Vec<OptionDoc>,
}

impl RuleDoc {
    /// A rule without options.
    #[must_use]
    pub fn new(
        code: impl Into<String>,
        name: impl Into<String>,
        severity: Severity,
        summary: impl Into<String>,
        docs: impl Into<String>,
    ) -> Self {
        Self {
            code: code.into(),
            name: name.into(),
            severity,
            summary: summary.into(),
            docs: docs.into(),
            options: Vec::new(),
        }
    }

    /// Adds an option.
    #[must_use]
    pub fn option(mut self, option: OptionDoc) -> Self {
        self.options.push(option);
        self
    }
}

/// One option of a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionDoc {
    /// The key in `[plugins.NAME]`.
    pub name: String,
    /// Its type, in words (`string`, `number`, `list of strings`...).
    #[serde(rename = "type")]
    pub kind: String,
    /// Its default value.
    pub default: Value,
    /// What it does.
    pub doc: String,
}

impl OptionDoc {
    /// An option.
    #[must_use]
    pub fn new(
        name: impl Into<String>,
        kind: impl Into<String>,
        default: Value,
        doc: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            kind: kind.into(),
            default,
            doc: doc.into(),
        }
    }
}

/// What `open` receives: the options and what the dataset declares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionInput {
    /// Schema version of this document.
    #[serde(default = "schema")]
    pub schema: u32,
    /// The plugin's table from the configuration (`[plugins.NAME]`), or an
    /// empty object.
    #[serde(default)]
    pub options: Map<String, Value>,
    /// The dataset.
    #[serde(default)]
    pub dataset: DatasetInput,
    /// The host's services, when the host offers them (ABI minor 1): see
    /// [`crate::Host`]. Not part of the JSON document.
    #[serde(skip)]
    pub host: Option<crate::Host>,
}

/// The dataset as a whole.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DatasetInput {
    /// The dataset's name, if it has one.
    #[serde(default)]
    pub name: Option<String>,
    /// Its source format (`coco`, `cvat`, `yolo`...).
    #[serde(default)]
    pub format: Option<String>,
    /// The declared labels, in order.
    #[serde(default)]
    pub labels: Vec<LabelInput>,
    /// How many images the host will send.
    #[serde(default)]
    pub images: u64,
}

/// A declared label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelInput {
    /// Its name.
    pub name: String,
    /// Its supercategory, if any.
    #[serde(default)]
    pub supercategory: Option<String>,
}

/// What `check_image` receives: one image and its annotations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageInput {
    /// Schema version of this document.
    #[serde(default = "schema")]
    pub schema: u32,
    /// The image.
    pub image: ImageRecord,
    /// Its annotations, in dataset order.
    #[serde(default)]
    pub annotations: Vec<AnnotationInput>,
}

/// An image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageRecord {
    /// Its id in the dataset.
    pub id: u64,
    /// Its file name as written in the dataset (a relative path).
    pub file_name: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Its subset (`train`, `val`...), if known.
    #[serde(default)]
    pub subset: Option<String>,
    /// Its attributes.
    #[serde(default)]
    pub attributes: Map<String, Value>,
}

/// An annotation. Coordinates are absolute pixels, origin at the top-left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnotationInput {
    /// Its id in the dataset.
    pub id: u64,
    /// Its label's name.
    pub label: String,
    /// Its geometry kind: `box`, `polygon`, `polyline`, `points`,
    /// `keypoints`, `mask`, `ellipse`, `cuboid` or `tag`.
    pub kind: String,
    /// Axis-aligned bounds `[x, y, width, height]` (a box before its
    /// rotation; for a polygon or mask, the box its source states for it,
    /// such as a COCO `bbox`, when there is one); absent for tags.
    #[serde(default)]
    pub bbox: Option<[f64; 4]>,
    /// A box's rotation in degrees, clockwise about its centre.
    #[serde(default)]
    pub rotation: f64,
    /// The points of a polyline or point set, `[x, y]` each.
    #[serde(default)]
    pub points: Vec<[f64; 2]>,
    /// The rings of a polygon.
    #[serde(default)]
    pub rings: Vec<Vec<[f64; 2]>>,
    /// The keypoints of a keypoints annotation.
    #[serde(default)]
    pub keypoints: Vec<KeypointInput>,
    /// Its attributes.
    #[serde(default)]
    pub attributes: Map<String, Value>,
    /// Whether it is marked occluded.
    #[serde(default)]
    pub occluded: bool,
    /// Whether it is a crowd region.
    #[serde(default)]
    pub crowd: bool,
    /// The group linking the shapes of one object.
    #[serde(default)]
    pub group: Option<u64>,
    /// A detector's score, for predictions.
    #[serde(default)]
    pub score: Option<f64>,
}

/// One keypoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeypointInput {
    /// Its name in the label's schema, if known.
    #[serde(default)]
    pub name: Option<String>,
    /// X in pixels.
    pub x: f64,
    /// Y in pixels.
    pub y: f64,
    /// Visibility as COCO codes it: 0 absent, 1 occluded, 2 visible.
    pub v: u8,
}

/// What `check_image` and `finish` return.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Findings {
    /// Schema version of this document.
    #[serde(default = "schema")]
    pub schema: u32,
    /// The findings.
    pub findings: Vec<Finding>,
}

impl Findings {
    /// A findings document.
    #[must_use]
    pub fn new(findings: Vec<Finding>) -> Self {
        Self {
            schema: LABELKIT_PLUGIN_SCHEMA,
            findings,
        }
    }
}

/// One finding. It names the image and annotation it is about by their ids;
/// the host turns them into file, line and column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// One of the plugin's rule codes.
    pub code: String,
    /// What is wrong, in lower case with no trailing period.
    pub message: String,
    /// The image it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<u64>,
    /// The annotation it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotation: Option<u64>,
    /// A severity other than the rule's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// How to fix it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Related places.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
}

impl Finding {
    /// A finding about the dataset as a whole.
    #[must_use]
    pub fn on_dataset(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            image: None,
            annotation: None,
            severity: None,
            help: None,
            related: Vec::new(),
        }
    }

    /// A finding about an image.
    #[must_use]
    pub fn on_image(code: impl Into<String>, image: u64, message: impl Into<String>) -> Self {
        Self {
            image: Some(image),
            ..Self::on_dataset(code, message)
        }
    }

    /// A finding about an annotation of an image.
    #[must_use]
    pub fn on_annotation(
        code: impl Into<String>,
        image: u64,
        annotation: u64,
        message: impl Into<String>,
    ) -> Self {
        Self {
            image: Some(image),
            annotation: Some(annotation),
            ..Self::on_dataset(code, message)
        }
    }

    /// Sets the help text.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Overrides the rule's default severity.
    #[must_use]
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = Some(severity);
        self
    }

    /// Adds a related place.
    #[must_use]
    pub fn with_related(mut self, related: Related) -> Self {
        self.related.push(related);
        self
    }
}

/// A place related to a finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Related {
    /// The image.
    pub image: u64,
    /// The annotation, if the place is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotation: Option<u64>,
    /// What is there.
    #[serde(default)]
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_serialises_without_empty_fields() {
        let f = Finding::on_annotation("CPY001", 3, 7, "box missing");
        assert_eq!(
            serde_json::to_string(&Findings::new(vec![f])).unwrap(),
            r#"{"schema":1,"findings":[{"code":"CPY001","message":"box missing","image":3,"annotation":7}]}"#
        );
    }

    #[test]
    fn image_input_reads_minimal_document() {
        let input: ImageInput = serde_json::from_str(
            r#"{"image":{"id":5,"file_name":"a.jpg","width":640,"height":480},
                "annotations":[{"id":1,"label":"person","kind":"box","bbox":[1,2,3,4]}]}"#,
        )
        .unwrap();
        assert_eq!(input.schema, 1);
        assert_eq!(input.image.width, 640);
        assert_eq!(input.annotations[0].bbox, Some([1.0, 2.0, 3.0, 4.0]));
        assert_eq!(input.annotations[0].rotation, 0.0);
    }
}
