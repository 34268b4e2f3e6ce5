//! The keys COCO reserves, and the other keys a COCO element can hold.

use std::borrow::Cow;

use labelkit_model::{Kept, KeptFields, WriteReport};

use crate::elements::RawExtra;
use crate::fields::RawFields;

pub(super) const IMAGE_KEYS: &[&str] = &["id", "file_name", "width", "height"];
pub(super) const CATEGORY_KEYS: &[&str] = &["id", "name", "supercategory", "keypoints", "skeleton"];
pub(super) const ANNOTATION_KEYS: &[&str] = &[
    "id",
    "image_id",
    "category_id",
    "bbox",
    "segmentation",
    "area",
    "iscrowd",
    "keypoints",
    "num_keypoints",
    "score",
    "attributes",
];
pub(super) const TOP_KEYS: &[&str] = &["images", "annotations", "categories"];

pub(super) fn is_json(text: &str) -> bool {
    serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

/// The COCO fields of type `T` that `kept` holds; fields another format
/// kept there are counted as lost, unless they only state the form that
/// format wrote its values in ([`Kept::is_material`]).
pub(super) fn coco_fields<'d, T: KeptFields>(
    kept: &'d Kept,
    report: &mut WriteReport,
) -> Option<&'d T> {
    let fields = kept.get::<T>();
    if fields.is_none() && kept.is_material() {
        report.lose_one("fields specific to another format");
    }
    fields
}

/// The other keys a COCO element can hold: the ones the COCO reader kept,
/// but a reserved key, a `coco.` marker or a repeated key.
pub(super) fn kept_keys<'d>(
    kept: Option<&'d RawFields>,
    reserved: &[&str],
    report: &mut WriteReport,
) -> RawExtra<'d> {
    let kept = kept.map(RawFields::pairs).unwrap_or_default();
    let mut out: RawExtra<'d> = Vec::with_capacity(kept.len());
    for (k, v) in kept {
        if k.starts_with("coco.") || reserved.contains(&k.as_ref()) {
            // COCO's own markers.
            continue;
        }
        if out.iter().any(|(o, _)| *o == k) {
            report.lose_one("repeated extra fields");
        } else {
            out.push((k, Cow::Borrowed(v.trim())));
        }
    }
    out
}
