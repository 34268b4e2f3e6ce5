//! The plan of the whole output: categories, images, and the slots of the
//! annotations ([`super::slots`]), before anything is formatted.

use std::borrow::Cow;

use labelkit_model::{Dataset, Geometry, Label, LabelId, Precision, WriteReport};
use serde_json::value::RawValue;

use super::ids::{fit_i32, renumber_zero};
use super::keys::{coco_fields, kept_keys, CATEGORY_KEYS, IMAGE_KEYS, TOP_KEYS};
use super::slots::Slot;
use crate::elements::{CocoCategory, CocoImage, RawExtra, Skeleton};
use crate::fields::{CocoCategoryFields, CocoDatasetFields, CocoImageFields};
use crate::json::Num;
use crate::{IdMap, IdSet, WriteOptions};

/// The report line of annotations whose label has no name (CVAT's
/// `label=""`): COCO has no unlabelled object, and a category named "" is
/// refused by Datumaro (CVAT's COCO import).
const UNLABELLED_LOSS: &str = "unlabelled shapes (label=\"\"; COCO has no unlabelled object)";

/// Everything the writer will write, before any annotation is formatted.
#[derive(Debug)]
pub(super) struct Plan<'d> {
    pub(super) dataset: &'d Dataset,
    pub(super) results: bool,
    pub(super) precision: Precision,
    pub(super) extras: RawExtra<'d>,
    pub(super) images: Vec<CocoImage<'d>>,
    pub(super) categories: Vec<(i64, CocoCategory<'d>)>,
    /// Old label -> new label and category id.
    pub(super) label_map: Vec<Option<(LabelId, i64)>>,
    pub(super) image_sizes: IdMap<u64, (u32, u32)>,
    /// Old image id -> written id, when some were renumbered.
    pub(super) image_ids: IdMap<u64, u64>,
    pub(super) slots: Vec<Slot>,
    /// Slot -> its further polygons (one CVAT polygon per part, grouped),
    /// merged into the segmentation as more parts, as Datumaro's COCO
    /// export merges the polygons of one group; few slots have any.
    pub(super) parts: IdMap<u32, Vec<u32>>,
    pub(super) slot_ids: Vec<u64>,
    /// Whether a category declares keypoints: every annotation then says
    /// how many it has (`num_keypoints`, 0 for the other categories').
    pub(super) keypoint_file: bool,
    /// Point names for labels that declare none but whose annotations
    /// carry keypoints (CVAT skeletons of labels `<meta>` does not
    /// declare): `1`..`N`, N the most points of one of them, so that the
    /// category lists its points as COCO readers require.
    pub(super) derived: IdMap<u32, labelkit_model::KeypointSchema>,
    pub(super) report: WriteReport,
}

impl<'d> Plan<'d> {
    pub(super) fn new(dataset: &'d Dataset, options: &WriteOptions) -> Self {
        let mut report = WriteReport::new();
        if dataset.info.name.is_some() {
            report.lose_one("dataset name");
        }
        report.lose("tracks", dataset.tracks.len() as u64);
        let extras = if options.results {
            Vec::new()
        } else {
            let kept = coco_fields::<CocoDatasetFields>(&dataset.info.kept, &mut report);
            let kept = kept.map(|f| &f.keys);
            kept_keys(kept, TOP_KEYS, &mut report)
        };
        let mut plan = Plan {
            dataset,
            results: options.results,
            precision: options.precision,
            extras,
            images: Vec::new(),
            categories: Vec::new(),
            label_map: Vec::new(),
            image_sizes: IdMap::default(),
            image_ids: IdMap::default(),
            slots: Vec::new(),
            parts: IdMap::default(),
            slot_ids: Vec::new(),
            keypoint_file: false,
            derived: IdMap::default(),
            report,
        };
        plan.derive_schemas();
        plan.plan_labels();
        plan.keypoint_file = plan
            .categories
            .iter()
            .any(|(_, c)| c.keypoints.as_ref().is_some_and(|k| !k.is_empty()));
        plan.plan_images();
        plan.plan_slots();
        plan
    }

    /// Category ids: a COCO source keeps its ids (fresh ids above the
    /// largest for labels without one); any other source numbers them from
    /// 1, as `category_id: 0` reads as "no label" in Datumaro (and so CVAT):
    /// class index N becomes category N + 1 when every label has a distinct
    /// index, else the labels are numbered in order. Ids beyond 32 bits are
    /// renumbered by [`fit_i32`].
    fn plan_labels(&mut self) {
        let labels = &self.dataset.labels.labels;
        // A label without a name (CVAT's `label=""`) marks unlabelled
        // shapes, which COCO cannot hold: a category named "" is refused by
        // Datumaro (CVAT's COCO import). Its shapes are left out, counted
        // as [`UNLABELLED_LOSS`] where the annotations are planned.
        let top: Vec<usize> = (0..labels.len())
            .filter(|&i| labels[i].parent.is_none() && !labels[i].name.is_empty())
            .collect();
        let elements = labels.iter().filter(|l| l.parent.is_some()).count();
        self.report.lose("skeleton element labels", elements as u64);
        let source = self.dataset.info.source_format.as_deref();
        let mut ids: Vec<i64> = Vec::with_capacity(top.len());
        if source == Some("coco") {
            let mut used: IdSet<i64> = IdSet::default();
            let kept: Vec<Option<i64>> = top
                .iter()
                .map(|&i| labels[i].source_id.filter(|&id| used.insert(id)))
                .collect();
            let mut next = used
                .iter()
                .copied()
                .max()
                .map_or(1, |m| m.saturating_add(1));
            for id in kept {
                ids.push(id.unwrap_or_else(|| {
                    let id = next;
                    next = next.saturating_add(1);
                    id
                }));
            }
        } else {
            let mut used: IdSet<i64> = IdSet::default();
            let shifted: Option<Vec<i64>> = top
                .iter()
                .map(|&i| {
                    labels[i]
                        .source_id
                        .filter(|&s| s >= 0)
                        .and_then(|s| s.checked_add(1))
                        .filter(|&id| used.insert(id))
                })
                .collect();
            let with_source = top
                .iter()
                .filter(|&&i| labels[i].source_id.is_some())
                .count();
            match shifted {
                Some(shifted) if !shifted.is_empty() => {
                    let format = source.map_or("source", |f| if f == "yolo" { "YOLO" } else { f });
                    self.report.lose_one(&format!(
                        "category ids renumbered from 1 ({format} class N is category N+1)"
                    ));
                    ids = shifted;
                }
                _ => {
                    if with_source > 0 {
                        self.report.lose(
                            "label source ids (categories numbered from 1 in label order)",
                            with_source as u64,
                        );
                    }
                    ids = (1..).take(top.len()).collect();
                }
            }
        }
        let renumbered = fit_i32(&mut ids);
        self.report
            .lose("category ids beyond 32 bits renumbered", renumbered);
        self.report.lose(
            "category id 0 renumbered above the largest (read as no label by Datumaro and CVAT)",
            renumber_zero(&mut ids),
        );
        self.label_map = vec![None; labels.len()];
        for (&i, id) in top.iter().zip(ids) {
            // One category per label at most, and `LabelSet::push` keeps
            // the labels below 2^32.
            let new =
                LabelId(u32::try_from(self.categories.len()).expect("fewer than 2^32 labels"));
            self.label_map[i] = Some((new, id));
            let cat = self.plan_category(
                LabelId(u32::try_from(i).expect("fewer than 2^32 labels")),
                &labels[i],
            );
            self.categories.push((id, cat));
        }
    }

    /// Fills [`Plan::derived`]: the labels without a keypoint schema whose
    /// annotations carry keypoints, named `1`..`N`.
    fn derive_schemas(&mut self) {
        let mut most: IdMap<u32, usize> = IdMap::default();
        for a in &self.dataset.annotations {
            if let Geometry::Keypoints(k) = &a.geometry {
                let declared = self
                    .dataset
                    .labels
                    .get(a.label)
                    .is_some_and(|l| l.keypoints.is_some());
                if !declared {
                    let n = most.entry(a.label.0).or_default();
                    *n = (*n).max(k.points.len());
                }
            }
        }
        for (label, n) in most {
            if n > 0 {
                let names = (1..=n).map(|i| i.to_string());
                self.derived
                    .insert(label, labelkit_model::KeypointSchema::from_names(names));
                self.report.note(
                    "categories given point names 1..N (their keypoints had no declared names)",
                    1,
                );
            }
        }
    }

    /// The keypoint schema of `label`: declared, or derived (see
    /// [`Plan::derived`]).
    pub(super) fn schema_of(&self, label: LabelId) -> Option<&labelkit_model::KeypointSchema> {
        self.dataset
            .labels
            .get(label)
            .and_then(|l| l.keypoints.as_ref())
            .or_else(|| self.derived.get(&label.0))
    }

    fn plan_category(&mut self, label_id: LabelId, label: &'d Label) -> CocoCategory<'d> {
        let report = &mut self.report;
        let kept = coco_fields::<CocoCategoryFields>(&label.kept, report);
        if label.color.is_some() {
            report.lose_one("label colors");
        }
        if label.kind.is_some() {
            report.lose_one("label shape types");
        }
        report.lose(
            "label attribute declarations",
            label.attributes.len() as u64,
        );
        let (keypoints, skeleton) = match &label.keypoints {
            Some(schema) => {
                if schema.flip_pairs != schema.infer_flip_pairs() {
                    report.lose_one("keypoint left/right pairs not implied by the point names");
                }
                let skeleton = match kept
                    .and_then(|k| k.skeleton.as_deref())
                    .filter(|_| schema.edges.is_empty())
                    .and_then(|raw| serde_json::from_str::<&RawValue>(raw).ok())
                {
                    Some(raw) => crate::elements::parse_skeleton(raw),
                    None => Skeleton::Edges(schema.edges.clone()),
                };
                let names = schema
                    .names
                    .iter()
                    .map(|n| Cow::Borrowed(n.as_str()))
                    .collect();
                (Some(names), Some(skeleton))
            }
            None => match self.derived.get(&label_id.0) {
                Some(schema) => (
                    Some(schema.names.iter().map(|n| Cow::Owned(n.clone())).collect()),
                    Some(Skeleton::Edges(Vec::new())),
                ),
                None => (None, None),
            },
        };
        CocoCategory {
            id: None,
            name: Some(Cow::Borrowed(label.name.as_str())),
            supercategory: label.supercategory.as_deref().map(Cow::Borrowed),
            keypoints,
            skeleton,
            extra: kept_keys(kept.and_then(|k| k.keys.as_ref()), CATEGORY_KEYS, report),
        }
    }

    /// Images: ids beyond 32 bits renumbered by [`fit_i32`]; when file
    /// names repeat (a CVAT project has `img0.jpg` in each subset), the
    /// subset becomes a folder of every name (`Train/img0.jpg`, as the
    /// images lie in a CVAT project export), and a name still repeated gets
    /// its image id as a folder.
    fn plan_images(&mut self) {
        let images = &self.dataset.images;
        for image in images {
            self.image_sizes
                .insert(image.id.0, (image.width, image.height));
        }
        if self.results {
            return;
        }
        let mut ids: Vec<u64> = images.iter().map(|i| i.id.0).collect();
        let renumbered = fit_i32(&mut ids);
        if renumbered > 0 {
            // The fresh ids a reader gave images whose id repeated another's
            // are beyond 32 bits too, but the reason is the repetition.
            let repeated = images
                .iter()
                .zip(&ids)
                .filter(|(i, &id)| i.id.0 != id && i.repeated_id.is_some())
                .count() as u64;
            self.report.lose(
                "repeated image ids renumbered (two images of the source had one id)",
                repeated,
            );
            self.report
                .lose("image ids beyond 32 bits renumbered", renumbered - repeated);
            self.image_ids = images
                .iter()
                .map(|i| i.id.0)
                .zip(ids.iter().copied())
                .collect();
        }
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        let repeats = images.iter().any(|i| !seen.insert(i.file_name.as_str()));
        let mut names: Vec<Cow<'d, str>> = images
            .iter()
            .map(|i| match &i.subset {
                Some(subset) if repeats && !subset.is_empty() => {
                    Cow::Owned(format!("{subset}/{}", i.file_name))
                }
                _ => Cow::Borrowed(i.file_name.as_str()),
            })
            .collect();
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        for (name, id) in names.iter_mut().zip(&ids) {
            if !seen.insert(name.to_string()) {
                // Each step lengthens the name: it ends on a name not seen.
                let mut unique = format!("{id}/{name}");
                while !seen.insert(unique.clone()) {
                    unique = format!("{id}/{unique}");
                }
                *name = Cow::Owned(unique);
                self.report
                    .lose_one("repeated file names given their image id as a folder");
            }
        }
        for ((image, name), id) in images.iter().zip(names).zip(ids) {
            if image.frame.is_some() {
                self.report.lose_one("image frame numbers");
            }
            if let Some(subset) = &image.subset {
                if repeats && !subset.is_empty() {
                    self.report
                        .lose_one("image subsets (kept as a folder of file_name)");
                } else {
                    self.report.lose_one("image subsets");
                }
            }
            self.report
                .lose("image attributes", image.attributes.len() as u64);
            self.images.push(CocoImage {
                id: Some(Num::U(id)),
                file_name: Some(name),
                width: Some(Num::U(u64::from(image.width))),
                height: Some(Num::U(u64::from(image.height))),
                extra: kept_keys(
                    coco_fields::<CocoImageFields>(&image.kept, &mut self.report).map(|f| &f.keys),
                    IMAGE_KEYS,
                    &mut self.report,
                ),
            });
        }
    }

    /// Why the shapes of `label`, which has no category, are not written.
    pub(super) fn unwritten_label(&self, label: LabelId) -> &'static str {
        match self.dataset.labels.get(label) {
            Some(l) if l.parent.is_none() && l.name.is_empty() => UNLABELLED_LOSS,
            _ => "annotations whose label is not a top-level label",
        }
    }

    /// Number of annotations that will be written.
    pub(super) fn len(&self) -> usize {
        self.slots.len()
    }
}
