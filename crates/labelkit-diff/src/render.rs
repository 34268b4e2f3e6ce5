//! The concise text and JSON renderings of a diff.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde_json::{json, Map, Value};

use crate::{Change, ChangeKind, DatasetDiff, Facet, ImageDiff, ImageSide, KindCounts, ObjectSide};

/// The `version` of the JSON rendering ([`write_json`]): raised when a
/// field changes meaning or goes away (new fields may appear in a version).
pub const JSON_VERSION: u32 = 1;

/// A number in px for a person: at most two decimals, no trailing zeros;
/// below 1 px, two significant digits (at most six decimals), so that a
/// sub-pixel change never prints as `0`: `0.004`, `0.25`.
fn num(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let decimals: i32 = if v != 0.0 && v.abs() < 1.0 {
        // -log10 of a value in (0, 1) is positive and small: no overflow.
        #[allow(clippy::cast_possible_truncation)]
        let leading = (-v.abs().log10()).ceil() as i32;
        leading.saturating_add(1).clamp(2, 6)
    } else {
        2
    };
    let scale = 10f64.powi(decimals);
    let rounded = (v * scale).round() / scale;
    let rounded = if rounded == 0.0 { 0.0 } else { rounded };
    let width = usize::try_from(decimals).unwrap_or(2);
    let mut s = format!("{rounded:.width$}");
    while s.ends_with('0') {
        s.pop();
    }
    if s.ends_with('.') {
        s.pop();
    }
    s
}

/// A signed number: `+3`, `-1.5`, `0`.
fn signed(v: f64) -> String {
    let s = num(v);
    if v > 0.0 && s != "0" {
        format!("+{s}")
    } else {
        s
    }
}

fn where_is(o: &ObjectSide) -> String {
    match o.bbox {
        Some([x, y, w, h]) => format!(
            "{} {} at ({}, {}) {}x{} px",
            o.label,
            o.kind.as_str(),
            num(x),
            num(y),
            num(w),
            num(h)
        ),
        None => format!("{} {}", o.label, o.kind.as_str()),
    }
}

/// One facet in words: `moved 3.16 px (+3, -1)`.
fn facet_text(f: &Facet) -> String {
    match f {
        Facet::Moved { dx, dy } => format!(
            "moved {} px ({}, {})",
            num(dx.hypot(*dy)),
            signed(*dx),
            signed(*dy)
        ),
        Facet::Resized { dw, dh } => format!("resized ({}, {}) px", signed(*dw), signed(*dh)),
        Facet::Reshaped {
            changed_pixels: Some(n),
            ..
        } => format!("reshaped ({n} pixels changed)"),
        Facet::Reshaped { max_shift, .. } => format!("reshaped (a vertex {} px)", num(*max_shift)),
        Facet::Relabelled { from, to } => format!("relabelled {from} -> {to}"),
        Facet::Attributes(changes) => {
            let mut s = String::from("attributes ");
            for (k, c) in changes.iter().enumerate() {
                if k > 0 {
                    s.push_str(", ");
                }
                let _ = write!(
                    s,
                    "{}: {} -> {}",
                    c.name,
                    c.old.as_deref().unwrap_or("(none)"),
                    c.new.as_deref().unwrap_or("(none)")
                );
            }
            s
        }
        Facet::Companions { gained, lost } => {
            let mut parts = Vec::new();
            if !gained.is_empty() {
                parts.push(format!("gained {}", gained.join(", ")));
            }
            if !lost.is_empty() {
                parts.push(format!("lost {}", lost.join(", ")));
            }
            parts.join(", ")
        }
        Facet::Keypoints(changes) => {
            let mut s = String::from("keypoints ");
            for (k, c) in changes.iter().enumerate() {
                if k > 0 {
                    s.push_str(", ");
                }
                match &c.name {
                    Some(n) => s.push_str(n),
                    None => {
                        let _ = write!(s, "#{}", c.index);
                    }
                }
                if let Some(d) = c.distance {
                    let _ = write!(s, " {} px", num(d));
                }
                if c.old != c.new {
                    let _ = write!(s, " {} -> {}", visibility(c.old), visibility(c.new));
                }
            }
            s
        }
        Facet::Track {
            frames_added,
            frames_removed,
        } => {
            let mut parts = vec![String::from("track")];
            for (sign, frames) in [("+", frames_added), ("-", frames_removed)] {
                if let (Some(a), Some(b)) = (frames.first(), frames.last()) {
                    let n = frames.len();
                    let noun = if n == 1 { "frame" } else { "frames" };
                    if a == b {
                        parts.push(format!("{sign}{n} {noun} ({a})"));
                    } else {
                        parts.push(format!("{sign}{n} {noun} ({a}..{b})"));
                    }
                }
            }
            parts.join(" ")
        }
        Facet::Occluded { to: true, .. } => "occluded".to_owned(),
        Facet::Occluded { .. } => "no longer occluded".to_owned(),
    }
}

fn visibility(v: labelkit_model::Visibility) -> &'static str {
    match v {
        labelkit_model::Visibility::Absent => "absent",
        labelkit_model::Visibility::Occluded => "occluded",
        labelkit_model::Visibility::Visible => "visible",
    }
}

/// One change in words: `+ eye box at (312, 40) 8x6 px`, `- ...`,
/// `~ head moved 3 px (+3, 0)`.
pub(crate) fn change_text(c: &Change) -> String {
    match (&c.old, &c.new) {
        (None, Some(n)) => format!("+ {}", where_is(n)),
        (Some(o), None) => format!("- {}", where_is(o)),
        _ => {
            let facets: Vec<String> = c.facets.iter().map(facet_text).collect();
            let label = c.old.as_ref().map_or(c.label(), |o| o.label.as_str());
            format!("~ {label} {}", facets.join(", "))
        }
    }
}

fn image_line(image: &ImageDiff) -> String {
    let state = match (&image.old, &image.new) {
        (None, Some(_)) => " (added)",
        (Some(_), None) => " (removed)",
        _ => "",
    };
    let mut line = format!("{}{state}:", image.key);
    // Each side in its own units: an image of unknown size (width 0)
    // holds fractions, never followed by `px`.
    let units = |side: Option<&ImageSide>| {
        if side.is_some_and(|s| s.width == 0 || s.height == 0) {
            Units::Fractions
        } else {
            Units::Pixels
        }
    };
    let (old, new) = (units(image.old.as_ref()), units(image.new.as_ref()));
    for (k, c) in image.changes.iter().enumerate() {
        line.push_str(if k == 0 { " " } else { "; " });
        let units = match (&c.old, &c.new) {
            (None, _) => new,
            (_, None) => old,
            _ if old == Units::Fractions || new == Units::Fractions => Units::Fractions,
            _ => Units::Pixels,
        };
        line.push_str(&change_words(c, units));
    }
    line
}

/// `+412 -3 ~27 moved ~2 resized`: the added and removed counts, then the
/// other kinds that occur.
pub(crate) fn counts_text(c: &KindCounts) -> String {
    let mut s = format!(
        "+{} -{}",
        c.get(ChangeKind::Added),
        c.get(ChangeKind::Removed)
    );
    for k in &ChangeKind::ALL[2..] {
        let n = c.get(*k);
        if n > 0 {
            let _ = write!(s, " ~{n} {}", k.as_str());
        }
    }
    s
}

/// Writes the diff as text: one line per changed image with its changes,
/// then the summary (per label, the total per kind, images and objects) and
/// the notes. With `quiet`, only the summary and notes.
///
/// ```text
/// img0001: + eye box at (312, 40) 8x6 px; ~ head moved 3 px (+3, 0)
/// eye: +1 -0
/// head: +0 -0 ~1 moved
/// total: +1 -0 ~1 moved
/// images: 0 added, 0 removed, 1 changed, 9 unchanged
/// objects: 20 old, 21 new, 19 unchanged
/// ```
///
/// # Errors
/// Those of `out`.
pub fn write_concise(diff: &DatasetDiff, out: &mut dyn Write, quiet: bool) -> io::Result<()> {
    if !quiet {
        for image in &diff.images {
            writeln!(out, "{}", image_line(image))?;
        }
    }
    let s = &diff.summary;
    for (label, counts) in &s.per_label {
        writeln!(out, "{label}: {}", counts_text(counts))?;
    }
    writeln!(out, "total: {}", counts_text(&s.per_kind))?;
    writeln!(
        out,
        "images: {} added, {} removed, {} changed, {} unchanged",
        s.images_added, s.images_removed, s.images_changed, s.images_unchanged
    )?;
    writeln!(
        out,
        "objects: {} old, {} new, {} unchanged",
        s.objects_old, s.objects_new, s.objects_unchanged
    )?;
    for note in &diff.notes {
        writeln!(out, "note: {note}")?;
    }
    Ok(())
}

fn counts_json(c: &KindCounts) -> Value {
    let mut m = Map::new();
    for k in ChangeKind::ALL {
        m.insert(k.as_str().to_owned(), json!(c.get(k)));
    }
    Value::Object(m)
}

fn image_json(s: &ImageSide) -> Value {
    json!({"index": s.index, "file_name": s.file_name, "width": s.width, "height": s.height})
}

fn object_json(o: &ObjectSide) -> Value {
    json!({
        "index": o.annotation,
        "track": o.track,
        "label": o.label,
        "shape": o.kind.as_str(),
        "bbox": o.bbox,
    })
}

fn facet_json(f: &Facet) -> Value {
    let kind = f.kind().as_str();
    match f {
        Facet::Moved { dx, dy } => json!({"kind": kind, "dx": dx, "dy": dy}),
        Facet::Resized { dw, dh } => json!({"kind": kind, "dw": dw, "dh": dh}),
        Facet::Reshaped {
            max_shift,
            changed_pixels,
        } => json!({"kind": kind, "max_shift": max_shift, "changed_pixels": changed_pixels}),
        Facet::Relabelled { from, to } => json!({"kind": kind, "from": from, "to": to}),
        Facet::Attributes(changes) => json!({
            "kind": kind,
            "attributes": changes.iter().map(|c| json!({"name": c.name, "old": c.old, "new": c.new})).collect::<Vec<_>>(),
        }),
        Facet::Companions { gained, lost } => json!({"kind": kind, "gained": gained, "lost": lost}),
        Facet::Keypoints(changes) => json!({
            "kind": kind,
            "keypoints": changes.iter().map(|c| json!({
                "index": c.index,
                "name": c.name,
                "distance": c.distance,
                "old": visibility(c.old),
                "new": visibility(c.new),
            })).collect::<Vec<_>>(),
        }),
        Facet::Track {
            frames_added,
            frames_removed,
        } => json!({"kind": kind, "frames_added": frames_added, "frames_removed": frames_removed}),
        Facet::Occluded { from, to } => {
            json!({"kind": kind, "attributes": [{"name": "occluded", "old": from.to_string(), "new": to.to_string()}]})
        }
    }
}

/// The diff as a JSON value (the schema of docs/diff.md, "JSON output").
#[must_use]
pub fn to_json(diff: &DatasetDiff) -> Value {
    let s = &diff.summary;
    let per_label: Map<String, Value> = s
        .per_label
        .iter()
        .map(|(l, c)| (l.clone(), counts_json(c)))
        .collect();
    let images: Vec<Value> = diff
        .images
        .iter()
        .map(|im| {
            json!({
                "key": im.key,
                "old": im.old.as_ref().map(image_json),
                "new": im.new.as_ref().map(image_json),
                "changes": im.changes.iter().map(|c| json!({
                    "kinds": c.kinds().iter().map(|k| k.as_str()).collect::<Vec<_>>(),
                    "label": c.label(),
                    "old": c.old.as_ref().map(object_json),
                    "new": c.new.as_ref().map(object_json),
                    "facets": c.facets.iter().map(facet_json).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "version": JSON_VERSION,
        "equal": diff.is_empty(),
        "summary": {
            "images_added": s.images_added,
            "images_removed": s.images_removed,
            "images_changed": s.images_changed,
            "images_unchanged": s.images_unchanged,
            "objects_old": s.objects_old,
            "objects_new": s.objects_new,
            "objects_unchanged": s.objects_unchanged,
            "per_kind": counts_json(&s.per_kind),
            "per_label": per_label,
        },
        "notes": diff.notes,
        "images": images,
    })
}

/// Writes the diff as one JSON document (see [`to_json`]), with a final
/// newline.
///
/// # Errors
/// Those of `out`.
pub fn write_json(diff: &DatasetDiff, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_json(diff))?;
    writeln!(out)
}

/// How [`change_words`] and [`object_words`] write positions and sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Units {
    /// Pixels, at most two decimals, as [`write_concise`] writes them.
    Pixels,
    /// Fractions of the image size, at most four decimals and no unit:
    /// for an image whose size is unknown (width 0), whose coordinates
    /// are fractions (a YOLO label file without its image).
    Fractions,
}

/// A fraction for a person: at most four decimals, no trailing zeros.
fn fraction(v: f64) -> String {
    let s = format!("{:.4}", (v * 1e4).round() / 1e4 + 0.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// One object in words: `eye box at (312, 40) 8x6 px` (the top-left
/// corner and size of its bounds), or in [`Units::Fractions`]
/// `eye box at (0.4875, 0.0833) 0.0125x0.0125`.
#[must_use]
pub fn object_words(o: &ObjectSide, units: Units) -> String {
    match (units, o.bbox) {
        (Units::Fractions, Some([x, y, w, h])) => format!(
            "{} {} at ({}, {}) {}x{}",
            o.label,
            o.kind.as_str(),
            fraction(x),
            fraction(y),
            fraction(w),
            fraction(h)
        ),
        _ => where_is(o),
    }
}

/// One change in words, as a line of [`write_concise`] writes it: `+ eye
/// box at (312, 40) 8x6 px`, `- ...`, `~ head moved 3 px (+3, 0)`; in
/// [`Units::Fractions`], positions, shifts and sizes as fractions.
#[must_use]
pub fn change_words(c: &Change, units: Units) -> String {
    if units == Units::Pixels {
        return change_text(c);
    }
    match (&c.old, &c.new) {
        (None, Some(n)) => format!("+ {}", object_words(n, units)),
        (Some(o), None) => format!("- {}", object_words(o, units)),
        _ => {
            let signed_fraction = |v: f64| {
                let s = fraction(v);
                if v > 0.0 && s != "0" {
                    format!("+{s}")
                } else {
                    s
                }
            };
            let facets: Vec<String> = c
                .facets
                .iter()
                .map(|f| match f {
                    Facet::Moved { dx, dy } => {
                        format!("moved ({}, {})", signed_fraction(*dx), signed_fraction(*dy))
                    }
                    Facet::Resized { dw, dh } => {
                        format!(
                            "resized ({}, {})",
                            signed_fraction(*dw),
                            signed_fraction(*dh)
                        )
                    }
                    other => facet_text(other),
                })
                .collect();
            let label = c.old.as_ref().map_or(c.label(), |o| o.label.as_str());
            format!("~ {label} {}", facets.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_at_most_two_decimals() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(1.23456), "1.23");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(0.123), "0.12");
        assert_eq!(signed(2.5), "+2.5");
        assert_eq!(signed(-2.5), "-2.5");
    }

    #[test]
    fn sub_pixel_numbers_keep_two_significant_digits() {
        assert_eq!(num(0.004), "0.004");
        assert_eq!(num(-0.001), "-0.001");
        assert_eq!(num(0.00432), "0.0043");
        assert_eq!(signed(0.001), "+0.001");
        assert_eq!(num(1e-9), "0");
    }

    #[test]
    fn fractions_have_at_most_four_decimals() {
        assert_eq!(fraction(0.0125), "0.0125");
        assert_eq!(fraction(0.123_456), "0.1235");
        assert_eq!(fraction(-0.000_01), "0");
        assert_eq!(fraction(1.0), "1");
    }
}
