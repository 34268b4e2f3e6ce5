//! The [`Rule`] trait and what a rule sees while it runs.

use labelkit_model::{Dataset, DatasetIndex, Image, KeypointSchema, LabelId};

use crate::config::{Config, Settings};

/// A built-in rule: one code, with hooks called once for the dataset, once
/// per image and once per annotation of each image.
///
/// Image and annotation hooks run in parallel over images; a rule must give
/// the same findings whatever the order of the annotations (the checker
/// hands each image's annotations sorted by label, then id, then position).
pub trait Rule: Send + Sync {
    /// Called once per check.
    fn check_dataset(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let _ = (cx, out);
    }

    /// Called once per image.
    fn check_image(&self, cx: &Context<'_>, image: &ImageCtx<'_>, out: &mut Vec<Finding>) {
        let _ = (cx, image, out);
    }

    /// Called once per annotation of each image, with its position in
    /// [`Dataset::annotations`].
    fn check_annotation(
        &self,
        cx: &Context<'_>,
        image: &ImageCtx<'_>,
        annotation: usize,
        out: &mut Vec<Finding>,
    ) {
        let _ = (cx, image, annotation, out);
    }
}

/// One finding of a built-in rule, by positions in the dataset's vectors;
/// the checker turns it into a diagnostic with file positions and ids.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The rule's code.
    pub code: &'static str,
    /// What is wrong, in lower case with no trailing period.
    pub message: String,
    /// Position of the image in [`Dataset::images`].
    pub image: Option<usize>,
    /// Position of the annotation in [`Dataset::annotations`].
    pub annotation: Option<usize>,
    /// Position of the label in the label set, for findings about a class.
    pub label: Option<usize>,
    /// The `info.extra` key of the dataset fact the finding is about (the
    /// finding points where the reader found it, e.g. data.yaml's
    /// `flip_idx:`).
    pub info_key: Option<&'static str>,
    /// Related annotations (positions) with a note each.
    pub related: Vec<(usize, String)>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Finding {
    /// A finding about the annotation at position `annotation` of the image
    /// at position `image`.
    #[must_use]
    pub fn annotation(
        code: &'static str,
        image: usize,
        annotation: usize,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code,
            message: message.into(),
            image: Some(image),
            annotation: Some(annotation),
            label: None,
            info_key: None,
            related: Vec::new(),
            help: None,
        }
    }

    /// A finding about an image.
    #[must_use]
    pub fn image(code: &'static str, image: usize, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            image: Some(image),
            annotation: None,
            label: None,
            info_key: None,
            related: Vec::new(),
            help: None,
        }
    }

    /// A finding about the dataset as a whole.
    #[must_use]
    pub fn dataset(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            image: None,
            annotation: None,
            label: None,
            info_key: None,
            related: Vec::new(),
            help: None,
        }
    }

    /// Sets the label the finding is about.
    #[must_use]
    pub fn with_label(mut self, label: usize) -> Self {
        self.label = Some(label);
        self
    }

    /// Sets the `info.extra` key of the dataset fact the finding is about.
    #[must_use]
    pub fn at_info_key(mut self, key: &'static str) -> Self {
        self.info_key = Some(key);
        self
    }

    /// Adds a related annotation.
    #[must_use]
    pub fn related(mut self, annotation: usize, note: impl Into<String>) -> Self {
        self.related.push((annotation, note.into()));
        self
    }

    /// Sets the help text.
    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// A companion group resolved against the dataset's labels.
#[derive(Debug, Clone)]
pub struct ResolvedGroup {
    /// The object label.
    pub object: LabelId,
    /// The companion labels present in the dataset.
    pub members: Vec<LabelId>,
    /// Whether one companion is required.
    pub required: bool,
    /// The matching IoU.
    pub iou: f64,
}

/// What a rule sees of the check: the dataset, its index, the options and
/// the label schema resolved to label ids.
#[derive(Debug)]
pub struct Context<'a> {
    /// The dataset.
    pub dataset: &'a Dataset,
    /// Its per-image index.
    pub index: &'a DatasetIndex,
    /// Rule options.
    pub settings: &'a Settings,
    /// Part tolerance of the schema, in pixels.
    pub part_tolerance: f64,
    /// For each label (by index), its possible parents.
    pub parents: Vec<Vec<LabelId>>,
    /// Companion groups.
    pub groups: Vec<ResolvedGroup>,
    /// For each label (by index), the keypoint schema to check against:
    /// the configuration's, else the label's own.
    pub keypoints: Vec<Option<&'a KeypointSchema>>,
}

impl<'a> Context<'a> {
    /// Resolves the configuration against the dataset's labels. Labels the
    /// configuration names but the dataset lacks are left out.
    #[must_use]
    pub fn new(dataset: &'a Dataset, index: &'a DatasetIndex, config: &'a Config) -> Self {
        let labels = &dataset.labels;
        let n = labels.len();
        let mut parents = vec![Vec::new(); n];
        for rule in &config.schema.parts {
            if let Some(part) = labels.find(&rule.part) {
                let mut ids: Vec<LabelId> =
                    rule.parents.iter().filter_map(|p| labels.find(p)).collect();
                ids.sort_unstable();
                ids.dedup();
                if let Some(slot) = parents.get_mut(part.index()) {
                    *slot = ids;
                }
            }
        }
        let groups = config
            .schema
            .companions
            .iter()
            .filter_map(|g| {
                let object = labels.find(&g.object)?;
                let mut members: Vec<LabelId> =
                    g.one_of.iter().filter_map(|m| labels.find(m)).collect();
                members.sort_unstable();
                members.dedup();
                Some(ResolvedGroup {
                    object,
                    members,
                    required: g.required,
                    iou: g.iou,
                })
            })
            .collect();
        let mut keypoints: Vec<Option<&KeypointSchema>> =
            labels.labels.iter().map(|l| l.keypoints.as_ref()).collect();
        for (name, schema) in &config.keypoints {
            if let Some(id) = labels.find(name) {
                if let Some(slot) = keypoints.get_mut(id.index()) {
                    *slot = Some(schema);
                }
            }
        }
        Self {
            dataset,
            index,
            settings: &config.settings,
            part_tolerance: config.schema.part_tolerance,
            parents,
            groups,
            keypoints,
        }
    }

    /// The keypoint schema of a label.
    #[must_use]
    pub fn keypoint_schema(&self, label: LabelId) -> Option<&'a KeypointSchema> {
        self.keypoints.get(label.index()).copied().flatten()
    }

    /// The possible parents of a part label.
    #[must_use]
    pub fn parents_of(&self, label: LabelId) -> &[LabelId] {
        self.parents.get(label.index()).map_or(&[], Vec::as_slice)
    }
}

/// One image and its annotations, as a rule sees it.
#[derive(Debug)]
pub struct ImageCtx<'a> {
    /// Position in [`Dataset::images`].
    pub pos: usize,
    /// The image.
    pub image: &'a Image,
    /// Positions of its annotations, sorted by label, then id, then
    /// position.
    pub annotations: &'a [usize],
}

impl ImageCtx<'_> {
    /// Positions of the image's annotations with `label`, sorted by id.
    #[must_use]
    pub fn with_label<'s>(&'s self, dataset: &Dataset, label: LabelId) -> &'s [usize] {
        let key = |&a: &usize| {
            dataset
                .annotations
                .get(a)
                .map_or(LabelId(u32::MAX), |x| x.label)
        };
        let start = self.annotations.partition_point(|a| key(a) < label);
        let end = self.annotations.partition_point(|a| key(a) <= label);
        self.annotations.get(start..end).unwrap_or(&[])
    }
}
