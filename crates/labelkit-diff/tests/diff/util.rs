//! Builders shared by the tests.

use std::path::{Path, PathBuf};

use labelkit::model::{
    Annotation, AnnotationId, BoxGeom, Dataset, Geometry, Image, ImageId, Label, LabelId,
};
use labelkit_diff::{Change, ChangeKind, DatasetDiff};

/// A file of the corpus of other tools' files (tests/corpus, with its
/// NOTICE.md).
pub(crate) fn corpus(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/corpus")
        .join(rel)
}

/// A dataset with the given labels and no images.
pub(crate) fn dataset(labels: &[&str]) -> Dataset {
    let mut d = Dataset::new();
    for l in labels {
        d.labels.push(Label::new(*l));
    }
    d
}

/// Adds an image and returns its id.
pub(crate) fn image(d: &mut Dataset, name: &str, width: u32, height: u32) -> ImageId {
    let id = ImageId(d.images.len() as u64 + 1);
    d.images.push(Image {
        id,
        file_name: name.to_owned(),
        width,
        height,
        ..Image::default()
    });
    id
}

/// Adds a shape and returns its position.
pub(crate) fn shape(d: &mut Dataset, image: ImageId, label: &str, g: Geometry) -> usize {
    let label = d.labels.find(label).unwrap_or(LabelId(u32::MAX));
    let id = AnnotationId(d.annotations.len() as u64 + 1);
    d.annotations.push(Annotation::new(id, image, label, g));
    d.annotations.len() - 1
}

/// A box from its corners.
pub(crate) fn bx(x0: f64, y0: f64, x1: f64, y1: f64) -> Geometry {
    Geometry::Box(BoxGeom::from_xyxy(x0, y0, x1, y1))
}

/// Every change of the diff, flattened.
pub(crate) fn changes(d: &DatasetDiff) -> Vec<&Change> {
    d.images.iter().flat_map(|i| &i.changes).collect()
}

/// The changes of `d` that have kind `k`.
pub(crate) fn of_kind(d: &DatasetDiff, k: ChangeKind) -> Vec<&Change> {
    changes(d)
        .into_iter()
        .filter(|c| c.kinds().contains(&k))
        .collect()
}

/// The concise rendering.
pub(crate) fn concise(d: &DatasetDiff, quiet: bool) -> String {
    let mut out = Vec::new();
    labelkit_diff::write_concise(d, &mut out, quiet).unwrap();
    String::from_utf8(out).unwrap()
}
