//! The JSON rendering; its schema is documented in `docs/stats.md`.

use std::io::{self, Write};

use serde_json::{json, Map, Value};

use crate::{Comparison, CountDelta, Histogram, LabelStats, SplitStats, Stats, SIZE_BUCKET_NAMES};

/// The version of the JSON schema (`"version"`), raised on any change
/// that is not an added field.
pub const JSON_VERSION: u32 = 1;

/// Writes `stats` as one JSON document (schema in `docs/stats.md`).
///
/// # Errors
/// Writing to `out` fails.
pub fn write_json(stats: &Stats, out: &mut dyn Write) -> io::Result<()> {
    let splits: Map<String, Value> = stats
        .splits
        .iter()
        .map(|(k, s)| (k.clone(), split_json(s)))
        .collect();
    let doc = json!({
        "version": JSON_VERSION,
        "target_count": stats.target_count,
        "min_size": {"width": stats.min_size.0, "height": stats.min_size.1},
        "size_buckets": bucket_json(),
        "balance_threshold": stats.balance_threshold,
        "orphan_shapes": stats.orphan_shapes,
        "tracks": stats.tracks,
        "overall": split_json(&stats.overall),
        "splits": splits,
        "balance": stats.balance.iter().map(|n| json!({
            "what": n.what,
            "shares": n.shares,
            "difference": n.difference,
        })).collect::<Vec<_>>(),
    });
    finish(&doc, out)
}

/// Writes a comparison as one JSON document (schema in `docs/stats.md`).
///
/// # Errors
/// Writing to `out` fails.
pub fn write_comparison_json(c: &Comparison, out: &mut dyn Write) -> io::Result<()> {
    let doc = json!({
        "version": JSON_VERSION,
        "target_count": c.target_count,
        "images": delta_json(c.images),
        "objects": delta_json(c.objects),
        "empty_images": delta_json(c.empty_images),
        "labels": c.labels.iter().map(|l| json!({
            "name": l.name,
            "objects": delta_json(l.objects),
            "images": delta_json(l.images),
        })).collect::<Vec<_>>(),
    });
    finish(&doc, out)
}

fn finish(doc: &Value, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, doc)?;
    out.write_all(b"\n")
}

fn delta_json(d: CountDelta) -> Value {
    json!({"a": d.a, "b": d.b, "delta": d.delta()})
}

fn bucket_json() -> Value {
    let mut lower = 0.0;
    let buckets: Vec<Value> = SIZE_BUCKET_NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let upper = crate::SIZE_BUCKET_LIMITS.get(i).copied();
            let v = json!({"name": name, "min_area": lower, "max_area": upper});
            lower = upper.unwrap_or(lower);
            v
        })
        .collect();
    Value::Array(buckets)
}

fn histogram_json(h: &Histogram) -> Value {
    json!({"edges": h.edges, "counts": h.counts})
}

fn label_json(l: &LabelStats) -> Value {
    let buckets: Map<String, Value> = SIZE_BUCKET_NAMES
        .iter()
        .zip(l.size_buckets)
        .map(|(n, c)| ((*n).to_owned(), json!(c)))
        .collect();
    json!({
        "name": l.name,
        "parent": l.parent,
        "objects": l.objects,
        "images": l.images,
        "share_of_target": l.share_of_target,
        "widths": histogram_json(&l.widths),
        "heights": histogram_json(&l.heights),
        "areas": histogram_json(&l.areas),
        "aspect": histogram_json(&l.aspect),
        "below_twice_min": l.below_twice_min,
        "size_buckets": buckets,
        "occluded": l.occluded,
        "crowd": l.crowd,
        "unmeasured": l.unmeasured,
        "heat": {"cols": l.heat.cols, "rows": l.heat.rows, "counts": l.heat.counts},
    })
}

fn split_json(s: &SplitStats) -> Value {
    json!({
        "images": s.images,
        "empty_images": s.empty_images,
        "unmeasured_images": s.unmeasured_images,
        "objects": s.objects,
        "shapes": s.shapes,
        "labels": s.labels.iter().map(label_json).collect::<Vec<_>>(),
        "objects_per_image": histogram_json(&s.objects_per_image),
        "crowded": s.crowded.iter().map(|(f, n)| json!({"file": f, "objects": n})).collect::<Vec<_>>(),
        "image_sizes": s.image_sizes.iter().map(|((w, h), n)| json!({"width": w, "height": h, "images": n})).collect::<Vec<_>>(),
        "image_sizes_omitted": s.image_sizes_omitted,
        "companions": s.companions.iter().map(|c| json!({
            "object": c.object,
            "one_of": c.one_of,
            "objects": c.objects,
            "with_companion": c.with_companion,
            "with_several": c.with_several,
            "per_companion": c.per_companion.iter().map(|(n, k)| json!({"label": n, "objects": k})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "attributes": s.attributes.iter().map(|a| json!({
            "label": a.label,
            "name": a.name,
            "values": a.values,
        })).collect::<Vec<_>>(),
        "keypoints": s.keypoints.iter().map(|k| json!({
            "label": k.label,
            "instances": k.instances,
            "points": k.points.iter().map(|p| json!({
                "name": p.name,
                "visible": p.visible,
                "occluded": p.occluded,
                "absent": p.absent,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}
