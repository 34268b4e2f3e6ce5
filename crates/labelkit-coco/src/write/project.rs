//! The plan as a model: what the reader gives back for what the writer
//! writes.

use labelkit_model::{Dataset, Image, ImageId, Precision, WriteReport};

use super::Plan;
use crate::json::Num;
use crate::WriteOptions;

/// The dataset as COCO can hold it, written with [`Precision::Shortest`].
pub(crate) fn project(dataset: &Dataset) -> Dataset {
    let options = WriteOptions::default().precision(Precision::Shortest);
    let plan = Plan::new(dataset, &options);
    let mut out = Dataset::new();
    out.info.source_format = Some("coco".to_owned());
    out.info.kept = crate::model::dataset_kept(plan.extras.iter().map(|(k, v)| (k, v)));
    for (id, cat) in &plan.categories {
        let name = cat.name.as_deref().unwrap_or_default().to_owned();
        out.labels
            .push(crate::model::label_from(cat.clone(), *id, name));
    }
    for img in &plan.images {
        out.images.push(Image {
            id: ImageId(img.id.and_then(Num::as_u64).unwrap_or(0)),
            file_name: img.file_name.as_deref().unwrap_or_default().to_owned(),
            width: img
                .width
                .and_then(Num::as_u64)
                .and_then(|w| u32::try_from(w).ok())
                .unwrap_or(0),
            height: img
                .height
                .and_then(Num::as_u64)
                .and_then(|h| u32::try_from(h).ok())
                .unwrap_or(0),
            kept: crate::model::image_kept(&img.extra),
            ..Image::default()
        });
    }
    let mut sink = crate::model::AnnotationSink::default();
    let mut scratch = WriteReport::new();
    for i in 0..plan.len() {
        if let Some(mut p) = plan.annotation(i, &mut scratch) {
            crate::model::drop_implied_num_keypoints(&mut p.ann, plan.keypoint_file);
            sink.push(p.ann, p.id, p.image, p.label);
        }
    }
    out.annotations = sink.finish();
    out
}
