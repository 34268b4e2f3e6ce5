//! The [`Rule`] trait and what a rule sees while it runs.

use std::borrow::Cow;

use labelkit_diagnostics::{Measurements, ReaderFacts, Severity, SourceMap, SourceSpan, SpanTable};
use labelkit_model::{Annotation, Dataset, DatasetIndex, Image, KeypointSchema, LabelId};

use crate::config::Config;
use crate::names::{NameProblem, Resolver};
use crate::options::RuleOptions;

/// What every size comparison allows on top of the rounding a file
/// carries, in pixels: the noise of binary floating point on sizes
/// computed from decimals (CVAT writes two: `13.33 - 10.33` is
/// `2.9999999999999982`), far below any step a format writes (0.01 px)
/// and far above that noise (about 1e-13 px at 10^4 px).
pub const SIZE_EPSILON: f64 = 1e-6;

/// The rounding of a size read from CVAT XML, in pixels. CVAT writes each
/// coordinate with two decimals (`{:.2f}`), so each is known to
/// ±0.005 px and a size, the difference of two, to ±0.01 px: a box drawn
/// exactly 3 px wide whose edges sit on a rounding tie (`0.195` and
/// `3.195`) is written `0.20` and `3.19`, 2.99 px.
pub(crate) const CVAT_SIZE_ROUNDING: f64 = 0.01;

/// No memory to spare for an empty table.
static NO_MEASUREMENTS: Measurements = Measurements::new();

/// No facts: a dataset that was not read from files.
static NO_FACTS: ReaderFacts = ReaderFacts::new();

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

    /// Called once per annotation of each image, with the annotation and
    /// its position in [`Dataset::annotations`] (for the findings).
    fn check_annotation(
        &self,
        cx: &Context<'_>,
        image: &ImageCtx<'_>,
        pos: usize,
        annotation: &Annotation,
        out: &mut Vec<Finding>,
    ) {
        let _ = (cx, image, pos, annotation, out);
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
    /// Where the statement the finding is about was written, when it is
    /// no image, annotation or label (data.yaml's `flip_idx:`).
    pub stated_at: Option<SourceSpan>,
    /// Related annotations (positions) with a note each.
    pub related: Vec<(usize, String)>,
    /// How to fix it.
    pub help: Option<String>,
    /// The severity, when not the rule's default (a companion group's
    /// `required` level).
    pub severity: Option<Severity>,
    /// A label name of the configuration the finding is about: the finding
    /// points at it in the configuration file when the checker knows that
    /// file ([`crate::Checker::with_config_file`]).
    pub config_name: Option<String>,
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
            stated_at: None,
            related: Vec::new(),
            help: None,
            severity: None,
            config_name: None,
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
            stated_at: None,
            related: Vec::new(),
            help: None,
            severity: None,
            config_name: None,
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
            stated_at: None,
            related: Vec::new(),
            help: None,
            severity: None,
            config_name: None,
        }
    }

    /// Sets the configuration's label name the finding is about.
    #[must_use]
    pub fn about_config_name(mut self, name: impl Into<String>) -> Self {
        self.config_name = Some(name.into());
        self
    }

    /// Sets the label the finding is about.
    #[must_use]
    pub fn with_label(mut self, label: usize) -> Self {
        self.label = Some(label);
        self
    }

    /// Sets where the statement the finding is about was written.
    #[must_use]
    pub fn with_stated_at(mut self, at: Option<SourceSpan>) -> Self {
        self.stated_at = at;
        self
    }

    /// Adds a related annotation.
    #[must_use]
    pub fn related(mut self, annotation: usize, note: impl Into<String>) -> Self {
        self.related.push((annotation, note.into()));
        self
    }

    /// Sets the severity.
    #[must_use]
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = Some(severity);
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
    /// The configuration's companion names that match several classes of
    /// the dataset, so stand for none (D008 reports them).
    pub ambiguous: Vec<String>,
    /// Whether one companion is required, at which severity.
    pub required: Option<Severity>,
    /// The matching IoU.
    pub iou: f64,
    /// A companion also matches when every edge lies within this many
    /// pixels of the object's.
    pub edge_tolerance: f64,
}

/// A part limit resolved against the dataset's labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedLimit {
    /// The parent label.
    pub parent: LabelId,
    /// The part label.
    pub part: LabelId,
    /// The most parts per parent.
    pub max: u32,
}

/// What a rule sees of the check: the dataset, its index, the options and
/// the label schema resolved to label ids.
#[derive(Debug)]
pub struct Context<'a> {
    /// The dataset.
    pub dataset: &'a Dataset,
    /// Its per-image index.
    pub index: &'a DatasetIndex,
    /// The options of the built-in rules.
    pub options: &'a RuleOptions,
    /// Part tolerance of the schema, in pixels.
    pub part_tolerance: f64,
    /// For each label (by index), its possible parents.
    pub parents: Vec<Vec<LabelId>>,
    /// Companion groups.
    pub groups: Vec<ResolvedGroup>,
    /// For each label (by index), the keypoint schema to check against:
    /// the configuration's, else the label's own with the left/right pairs
    /// its point names give (`schema_of_names`).
    pub keypoints: Vec<Option<Cow<'a, KeypointSchema>>>,
    /// Part limits, sorted by parent, then part.
    pub limits: Vec<ResolvedLimit>,
    /// Configuration names that did not resolve to exactly one class.
    pub name_problems: Vec<NameProblem>,
    /// The rounding of the sizes read, and why image sizes are unknown.
    pub measurements: &'a Measurements,
    /// What the reader found out about the dataset's files (an image
    /// without its label file, the size in an image's header, a stated
    /// `flip_idx`).
    pub facts: &'a ReaderFacts,
    /// Where the dataset's parts were read from, for messages that name
    /// another shape by its place in the file.
    pub places: Option<(&'a SpanTable, &'a SourceMap)>,
}

impl<'a> Context<'a> {
    /// Resolves the configuration against the dataset's labels, matching
    /// names as [`crate::normalise_name`] says. Labels the configuration
    /// names but the dataset lacks are left out.
    #[must_use]
    pub fn new(dataset: &'a Dataset, index: &'a DatasetIndex, config: &'a Config) -> Self {
        let labels = &dataset.labels;
        let mut names = Resolver::new(labels);
        let n = labels.len();
        let mut parents = vec![Vec::new(); n];
        for rule in &config.schema.parts {
            let part = names.resolve(&rule.part);
            let mut ids: Vec<LabelId> = rule
                .parents
                .iter()
                .filter_map(|p| names.resolve(p))
                .collect();
            ids.sort_unstable();
            ids.dedup();
            if let Some(slot) = part.and_then(|p| parents.get_mut(p.index())) {
                *slot = ids;
            }
        }
        let mut groups = Vec::new();
        for g in &config.schema.companions {
            let object = names.resolve(&g.object);
            let mut members: Vec<LabelId> =
                g.one_of.iter().filter_map(|m| names.resolve(m)).collect();
            members.sort_unstable();
            members.dedup();
            let ambiguous = g
                .one_of
                .iter()
                .filter(|m| names.is_ambiguous(m))
                .cloned()
                .collect();
            if let Some(object) = object {
                groups.push(ResolvedGroup {
                    object,
                    members,
                    ambiguous,
                    required: g.required,
                    iou: g.iou,
                    edge_tolerance: g.edge_tolerance,
                });
            }
        }
        let mut limits = Vec::new();
        for l in &config.schema.max_parts {
            let (parent, part) = (names.resolve(&l.parent), names.resolve(&l.part));
            if let (Some(parent), Some(part)) = (parent, part) {
                if parent != part {
                    limits.push(ResolvedLimit {
                        parent,
                        part,
                        max: l.max,
                    });
                }
            }
        }
        limits.sort_unstable_by_key(|l| (l.parent, l.part));
        limits.dedup_by_key(|l| (l.parent, l.part));
        let mut keypoints: Vec<Option<Cow<'a, KeypointSchema>>> = labels
            .labels
            .iter()
            .map(|l| l.keypoints.as_ref().map(schema_of_names))
            .collect();
        for (name, schema) in &config.keypoints {
            if let Some(slot) = names
                .resolve(name)
                .and_then(|id| keypoints.get_mut(id.index()))
            {
                *slot = Some(Cow::Borrowed(schema));
            }
        }
        Self {
            dataset,
            index,
            options: &config.options,
            part_tolerance: config.schema.part_tolerance,
            parents,
            groups,
            keypoints,
            limits,
            name_problems: names.finish(),
            measurements: &NO_MEASUREMENTS,
            facts: &NO_FACTS,
            places: None,
        }
    }

    /// The context with what the reader knew of the precision of what it
    /// read.
    #[must_use]
    pub fn with_measurements(mut self, measurements: &'a Measurements) -> Self {
        self.measurements = measurements;
        self
    }

    /// The context with what the reader found out about the dataset's
    /// files.
    #[must_use]
    pub fn with_facts(mut self, facts: &'a ReaderFacts) -> Self {
        self.facts = facts;
        self
    }

    /// The context with where the dataset's parts were read from.
    #[must_use]
    pub fn with_places(mut self, spans: &'a SpanTable, sources: &'a SourceMap) -> Self {
        self.places = Some((spans, sources));
        self
    }

    /// Annotation `a` in words the user finds in the file: `the box at
    /// line 12` where the file writes no annotation ids (a CVAT shape, a
    /// YOLO row: their ids are the reader's numbering), else `annotation
    /// 5` (COCO, whose ids are in the file; a dataset of another source).
    #[must_use]
    pub fn describe_annotation(&self, a: usize) -> String {
        let Some(ann) = self.dataset.annotations.get(a) else {
            return format!("shape {a}");
        };
        match self.line_without_id(a) {
            Some(line) => format!("the {} at line {line}", ann.geometry.kind().as_str()),
            None => format!("annotation {}", ann.id),
        }
    }

    /// Annotation `a` named for a message whose location is the shape
    /// itself: its id where the file writes ids (as
    /// [`Context::describe_annotation`]), else its kind (`box`).
    #[must_use]
    pub fn name_annotation(&self, a: usize) -> String {
        let Some(ann) = self.dataset.annotations.get(a) else {
            return format!("shape {a}");
        };
        match self.line_without_id(a) {
            Some(_) => ann.geometry.kind().as_str().to_owned(),
            None => ann.id.to_string(),
        }
    }

    /// The line annotation `a` was read from, when its file writes no
    /// annotation ids (CVAT XML, YOLO label files) and the line is known.
    fn line_without_id(&self, a: usize) -> Option<u32> {
        const WITHOUT_IDS: [&str; 3] = ["cvat-images", "cvat-video", "yolo"];
        let format = self.dataset.info.source_format.as_deref()?;
        if !WITHOUT_IDS.contains(&format) {
            return None;
        }
        let (spans, sources) = self.places?;
        let s = spans.annotation(a)?;
        Some(sources.get(s.file)?.line_col(s.span.start).line)
    }

    /// How far the true width and height of annotation `a` may lie from
    /// the size read, in pixels: the rounding of the file's numbers (the
    /// reader's [`labelkit_diagnostics::Rounding`], counted from the digits of a YOLO file;
    /// [`CVAT_SIZE_ROUNDING`] for CVAT XML, whose two decimals are fixed)
    /// plus [`SIZE_EPSILON`].
    #[must_use]
    pub fn size_tolerance(&self, a: usize) -> (f64, f64) {
        let (w, h) = match self.measurements.annotation(a) {
            Some(r) => (r.width, r.height),
            None if crate::rules::from_cvat(self) => (CVAT_SIZE_ROUNDING, CVAT_SIZE_ROUNDING),
            None => (0.0, 0.0),
        };
        (w + SIZE_EPSILON, h + SIZE_EPSILON)
    }

    /// The keypoint schema of a label.
    #[must_use]
    pub fn keypoint_schema(&self, label: LabelId) -> Option<&KeypointSchema> {
        self.keypoints.get(label.index())?.as_deref()
    }

    /// The possible parents of a part label.
    #[must_use]
    pub fn parents_of(&self, label: LabelId) -> &[LabelId] {
        self.parents.get(label.index()).map_or(&[], Vec::as_slice)
    }
}

/// A dataset's own keypoint schema as the rules check against it: its
/// left/right pairs are the ones its point names give (`left_eye` and
/// `right_eye`, as [`KeypointSchema::infer_flip_pairs`] finds them), which
/// the CVAT and COCO readers already use; a reader's other pairs are kept
/// where they touch no named pair. A YOLO reader takes its pairs from
/// `flip_idx`, the very list `flip-idx-mismatch` (K006) checks, and a
/// wrong `flip_idx` would otherwise be its own reference (and a schema of
/// an identity `flip_idx` would have no pairs for `left-right-swap`, K004).
/// Point names without sides (`0`, `1`, ... when data.yaml has no
/// `kpt_names`) give no pairs and leave the schema as read.
#[must_use]
pub(crate) fn schema_of_names(schema: &KeypointSchema) -> Cow<'_, KeypointSchema> {
    let named = schema.infer_flip_pairs();
    if named.is_empty() {
        return Cow::Borrowed(schema);
    }
    let touches_named = |&(l, r): &(usize, usize)| {
        named
            .iter()
            .any(|&(a, b)| a == l || a == r || b == l || b == r)
    };
    let mut pairs = named.clone();
    pairs.extend(
        schema
            .flip_pairs
            .iter()
            .copied()
            .filter(|p| !touches_named(p)),
    );
    pairs.sort_unstable();
    let mut read = schema.flip_pairs.clone();
    read.sort_unstable();
    if pairs == read {
        return Cow::Borrowed(schema);
    }
    Cow::Owned(KeypointSchema {
        flip_pairs: pairs,
        ..schema.clone()
    })
}

/// Sorts annotation positions (in `all`) into the order [`ImageCtx`]
/// wants: by label, then id, then position.
pub fn sort_image_annotations(all: &[Annotation], positions: &mut [usize]) {
    positions.sort_unstable_by_key(|&a| {
        all.get(a)
            .map_or((u32::MAX, u64::MAX, a), |x| (x.label.0, x.id.0, a))
    });
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
    /// The dataset's annotations, which `annotations` index.
    all: &'a [Annotation],
}

impl<'a> ImageCtx<'a> {
    /// The image at `pos` of a dataset whose annotations are `all`, with
    /// the annotations at `annotations` (positions in `all`, sorted by
    /// label, then id, then position).
    #[must_use]
    pub fn new(
        pos: usize,
        image: &'a Image,
        annotations: &'a [usize],
        all: &'a [Annotation],
    ) -> Self {
        Self {
            pos,
            image,
            annotations,
            all,
        }
    }

    /// Whether the image's size is known, so pixel measures mean pixels.
    /// An image of unknown size (a YOLO image that is missing) keeps its
    /// shapes in normalised coordinates: rules that measure in pixels skip
    /// it, and `unmeasured-images` (G005) counts it.
    #[must_use]
    pub fn has_size(&self) -> bool {
        self.image.width > 0 && self.image.height > 0
    }

    /// The image's annotations with their positions, in the order of
    /// [`ImageCtx::annotations`].
    pub fn shapes(&self) -> impl Iterator<Item = (usize, &'a Annotation)> + 'a {
        self.at(self.annotations)
    }

    /// The annotations at `positions` (positions in the dataset, as
    /// [`ImageCtx::with_label`] or a spatial index over them gives them),
    /// with their positions, in that order; a position past the dataset is
    /// left out.
    pub fn at<'p>(
        &self,
        positions: &'p [usize],
    ) -> impl Iterator<Item = (usize, &'a Annotation)> + 'p
    where
        'a: 'p,
    {
        let all = self.all;
        positions
            .iter()
            .filter_map(move |&a| all.get(a).map(|x| (a, x)))
    }

    /// The image's annotations split into runs of one label (they are
    /// sorted by label), as positions.
    pub fn label_runs(&self) -> impl Iterator<Item = &'a [usize]> + 'a {
        let all = self.all;
        let label = move |a: usize| all.get(a).map(|x| x.label);
        self.annotations
            .chunk_by(move |&a, &b| label(a) == label(b))
    }

    /// The annotation at position `a` of the dataset.
    #[must_use]
    pub fn annotation(&self, a: usize) -> Option<&'a Annotation> {
        self.all.get(a)
    }

    /// Positions of the image's annotations with `label`, sorted by id.
    #[must_use]
    pub fn with_label(&self, label: LabelId) -> &'a [usize] {
        let all = self.all;
        let key = |&a: &usize| all.get(a).map_or(LabelId(u32::MAX), |x| x.label);
        let start = self.annotations.partition_point(|a| key(a) < label);
        let end = self.annotations.partition_point(|a| key(a) <= label);
        self.annotations.get(start..end).unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use labelkit_model::{Annotation, AnnotationId, BoxGeom, Geometry, Image, ImageId, LabelId};

    use super::ImageCtx;

    /// An image hands its annotations to rules with their positions, in
    /// the checker's order, and by label; a position past the dataset is
    /// left out, never a panic.
    #[test]
    fn image_context_gives_annotations_with_positions() {
        let ann = |id: u64, label: u32| {
            Annotation::new(
                AnnotationId(id),
                ImageId(1),
                LabelId(label),
                Geometry::Box(BoxGeom::from_xyxy(0.0, 0.0, 5.0, 5.0)),
            )
        };
        let all = vec![ann(7, 1), ann(3, 0), ann(9, 1), ann(4, 2)];
        let image = Image {
            id: ImageId(1),
            width: 10,
            height: 10,
            ..Image::default()
        };
        // Sorted by label, then id; position 9 does not exist.
        let sorted = [1, 0, 2, 3, 9];
        let cx = ImageCtx::new(0, &image, &sorted, &all);
        let seen: Vec<(usize, u64)> = cx.shapes().map(|(a, x)| (a, x.id.0)).collect();
        assert_eq!(seen, [(1, 3), (0, 7), (2, 9), (3, 4)]);
        assert_eq!(cx.with_label(LabelId(1)), [0, 2]);
        assert_eq!(cx.with_label(LabelId(2)), [3]);
        assert!(cx.with_label(LabelId(5)).is_empty());
        assert_eq!(cx.annotation(3).map(|a| a.id.0), Some(4));
        assert!(cx.annotation(9).is_none());
        // Positions a spatial index gives, looked up in one call.
        let found: Vec<(usize, u64)> = cx.at(&[3, 9, 1]).map(|(p, a)| (p, a.id.0)).collect();
        assert_eq!(found, [(3, 4), (1, 3)]);
        let runs: Vec<&[usize]> = cx.label_runs().collect();
        assert_eq!(runs, [&[1][..], &[0, 2], &[3], &[9]]);
    }
}
