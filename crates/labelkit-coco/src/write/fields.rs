//! The extra fields a COCO element can hold, and the keys COCO reserves.

use std::borrow::Cow;

use labelkit_model::WriteReport;

use crate::elements::RawExtra;

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

/// The extra fields a COCO element can hold: valid JSON, not a reserved key,
/// not a `coco.` marker, not repeated. The others are counted as lost.
pub(super) fn filter_extra<'d>(
    extra: &'d [(String, String)],
    reserved: &[&str],
    report: &mut WriteReport,
) -> RawExtra<'d> {
    let mut out: RawExtra<'d> = Vec::with_capacity(extra.len());
    for (k, v) in extra {
        if k.starts_with("coco.") || k.starts_with("labelkit.") || reserved.contains(&k.as_str()) {
            // COCO's own markers, and facts a reader noted for the rules.
            continue;
        }
        if k.starts_with("cvat.") || k.starts_with("yolo.") {
            report.lose_one("fields specific to another format");
            continue;
        }
        if !is_json(v) {
            report.lose_one("extra fields whose value is not JSON");
        } else if out.iter().any(|(o, _)| o == k) {
            report.lose_one("repeated extra fields");
        } else {
            out.push((Cow::Borrowed(k.as_str()), Cow::Borrowed(v.trim())));
        }
    }
    out
}

pub(super) fn extra_value<'d>(extra: &'d [(String, String)], key: &str) -> Option<&'d str> {
    extra
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}
