//! labelkit plugin: photometric-noise copies must carry the labels of their
//! original.
//!
//! Datasets are often grown by duplicating an image with photometric noise
//! (`street_noise1.jpg`, `street_noise2.jpg` from `street.jpg`). The pixels
//! move nothing, so a copy must carry exactly the labels of its original; a
//! copy that drifted (a box forgotten, added or nudged while the copy was
//! annotated by hand, or a stale copy after the original was fixed) teaches
//! a detector two different truths for one picture.
//!
//! The plugin collects every image during the walk and compares each copy
//! with its original when the dataset is finished:
//! - `CPY001` a box of the original is missing in the copy;
//! - `CPY002` the copy has a box the original does not have;
//! - `CPY003` a box moved: the copy has a box of the same label, but its
//!   IoU with the original's is below the tolerance;
//! - `CPY004` the copy's size differs from its original's (its boxes are
//!   then not compared);
//! - `CPY005` a copy whose original does not exist, and `CPY006` an
//!   original without any copy, when `require-copies` is on.
//!
//! When only some files are checked (the pre-commit hook checks a changed
//! label file alone), the plugin asks labelkit for the files beside it
//! (ABI minor 1, the `siblings` request): a changed original is compared
//! with its copies on disk, a changed copy with its original. Findings stay
//! on the checked image; one about an unchanged copy names it.
//!
//! Options, in `labelkit.toml`:
//!
//! ```toml
//! [plugins.augmented-copies]
//! patterns = ["{name}_noise{n}.{ext}"]  # how a copy's file name is made
//! original = "{name}.{ext}"             # the original's file name
//! iou = 0.95                            # "same box" tolerance
//! require-copies = false                # every image has a copy (CPY005/6)
//! ```
//!
//! A pattern is literal text with placeholders: `{n}` matches one or more
//! digits, `{ext}` text without `.` or `/`, any other `{word}` any non-empty
//! text. `original` is built from the placeholders the pattern captured.

mod pattern;

use std::collections::HashMap;

use labelkit_plugin_sdk::serde_json::{json, Value};
use labelkit_plugin_sdk::{
    export_plugin, Finding, Host, ImageInput, Manifest, OptionDoc, Plugin, Related, RuleDoc,
    SessionInput, Severity,
};

pub use pattern::{Captures, Pattern, PatternError};

/// The default copy patterns.
pub const DEFAULT_PATTERNS: &[&str] = &["{name}_noise{n}.{ext}"];
/// The default original template.
pub const DEFAULT_ORIGINAL: &str = "{name}.{ext}";
/// The default IoU at or above which two boxes are the same box.
pub const DEFAULT_IOU: f64 = 0.95;

const OPTIONS_DOC: &str = "\
## Options (`[plugins.augmented-copies]`)
- `patterns` (list of strings, default `[\"{name}_noise{n}.{ext}\"]`): how a
  copy's file name is made. `{n}` matches digits, `{ext}` text without `.` or
  `/`, any other `{word}` any non-empty text; everything else is literal.
- `original` (string, default `\"{name}.{ext}\"`): the original's file name,
  built from what the pattern captured.
- `iou` (number, default `0.95`): two boxes of one label are the same box
  when their IoU is at least this.
- `require-copies` (boolean, default `false`): every original has at least
  one copy and every copy its original (`CPY005`, `CPY006`).";

const CPY001_DOCS: &str = "\
## What it does
Finds boxes of an original image that its photometric-noise copy lacks.

## Why it matters
A noise copy shows exactly the same scene: an object labelled in the original
and not in the copy teaches the detector that the object is background.

## Example
`street.jpg` has two `person` boxes; `street_noise1.jpg` has one.

## How to fix
Copy the missing box from the original, or regenerate the copy's labels from
the original's.";

const CPY002_DOCS: &str = "\
## What it does
Finds boxes of a photometric-noise copy that its original does not have.

## Why it matters
Either the copy gained a wrong label, or the original lost a right one; both
give the detector two truths for one picture.

## Example
`street_noise1.jpg` has a `dog` box; `street.jpg` has no `dog`.

## How to fix
Decide which image is right and make the other match it.";

const CPY003_DOCS: &str = "\
## What it does
Finds boxes of a copy that match a box of the same label in the original, but
not closely enough: their IoU is below the tolerance (`iou`, 0.95 by
default).

## Why it matters
Noise moves no pixel: a box that moved in a copy is a slip of the hand, and
the detector learns two outlines for one object.

## Example
`street.jpg` has `person` at `[10, 10, 50, 100]`; `street_noise1.jpg` has it at
`[30, 10, 50, 100]` (IoU 0.43).

## How to fix
Copy the box from the original.";

const CPY004_DOCS: &str = "\
## What it does
Finds copies whose declared width or height differs from their original's.

## Why it matters
A photometric copy has the size of its original; a different size means the
copy was resized or cropped (and its boxes must be transformed, not copied)
or the pattern paired the wrong images. Boxes of such a pair are not compared.

## Example
`street.jpg` is 1920x1080; `street_noise1.jpg` is 1280x720.

## How to fix
Regenerate the copy from its original at full size, or change `patterns`.";

const CPY005_DOCS: &str = "\
## What it does
With `require-copies`, finds copies whose original (the file name the
`original` template makes) is neither in the check nor beside the copy.

## Why it matters
A copy without its original cannot be checked against it, and usually
means the original was renamed or deleted while its copies stayed.

## Example
`street_noise1.jpg` exists, `street.jpg` does not.

## How to fix
Restore or rename the original, or delete the stale copies.";

const CPY006_DOCS: &str = "\
## What it does
With `require-copies`, finds originals without any photometric-noise copy
(none in the check, none beside it).

## Why it matters
When every image is meant to be augmented, an original without copies is
under-represented in training, and its copies were probably forgotten.

## Example
`street.jpg` exists, no `street_noise1.jpg`.

## How to fix
Generate the copies, or turn `require-copies` off.";

/// One annotation kept for comparison.
#[derive(Debug, Clone)]
struct Ann {
    id: u64,
    label: String,
    kind: String,
    bbox: Option<[f64; 4]>,
}

/// One image kept for comparison.
#[derive(Debug, Clone)]
struct Record {
    id: u64,
    file_name: String,
    width: u32,
    height: u32,
    annotations: Vec<Ann>,
}

/// The plugin's session: its options and the images seen so far.
#[derive(Debug)]
pub struct AugmentedCopies {
    patterns: Vec<Pattern>,
    original: Pattern,
    iou: f64,
    require_copies: bool,
    images: Vec<Record>,
    /// The host's services, to read copies and originals beside the check.
    host: Option<Host>,
}

/// Reads the options table.
fn parse_options(
    options: &labelkit_plugin_sdk::serde_json::Map<String, Value>,
) -> Result<AugmentedCopies, String> {
    for key in options.keys() {
        if !matches!(
            key.as_str(),
            "patterns" | "pattern" | "original" | "iou" | "require-copies"
        ) {
            return Err(format!(
                "unknown option `{key}` in [plugins.augmented-copies]; expected `patterns`, `original`, `iou` or `require-copies`"
            ));
        }
    }
    let texts: Vec<String> = match options.get("patterns").or_else(|| options.get("pattern")) {
        None => DEFAULT_PATTERNS.iter().map(|&s| s.to_owned()).collect(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("`patterns` must be a list of strings, found {v}"))
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(format!(
                "`patterns` must be a list of strings, found {other}"
            ))
        }
    };
    if texts.is_empty() {
        return Err("`patterns` is empty: give at least one copy pattern".to_owned());
    }
    let original = match options.get("original") {
        None => DEFAULT_ORIGINAL.to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => return Err(format!("`original` must be a string, found {other}")),
    };
    let template = Pattern::parse(&original).map_err(|e| format!("`original`: {e}"))?;
    let mut patterns = Vec::with_capacity(texts.len());
    for text in &texts {
        let p = Pattern::parse(text).map_err(|e| format!("`patterns`: {e}"))?;
        if let Some(missing) = template
            .placeholders()
            .find(|name| !p.placeholders().any(|n| n == *name))
        {
            return Err(format!(
                "`original` uses {{{missing}}}, which the pattern `{text}` does not capture"
            ));
        }
        patterns.push(p);
    }
    let iou = match options.get("iou") {
        None => DEFAULT_IOU,
        Some(v) => match v.as_f64() {
            Some(x) if x > 0.0 && x <= 1.0 => x,
            _ => return Err(format!("`iou` must be a number in (0, 1], found {v}")),
        },
    };
    let require_copies = match options.get("require-copies") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(format!(
                "`require-copies` must be true or false, found {other}"
            ))
        }
    };
    Ok(AugmentedCopies {
        patterns,
        original: template,
        iou,
        require_copies,
        images: Vec::new(),
        host: None,
    })
}

/// Intersection over union of two `[x, y, w, h]` boxes.
fn iou(a: [f64; 4], b: [f64; 4]) -> f64 {
    let ix = (a[0] + a[2]).min(b[0] + b[2]) - a[0].max(b[0]);
    let iy = (a[1] + a[3]).min(b[1] + b[3]) - a[1].max(b[1]);
    let inter = ix.max(0.0) * iy.max(0.0);
    let union = a[2] * a[3] + b[2] * b[3] - inter;
    if union > 0.0 {
        inter / union
    } else if a == b {
        1.0
    } else {
        0.0
    }
}

/// Distance between the centres of two boxes (a tie-break for pairing).
fn centre_distance(a: [f64; 4], b: [f64; 4]) -> f64 {
    let dx = (a[0] + a[2] / 2.0) - (b[0] + b[2] / 2.0);
    let dy = (a[1] + a[3] / 2.0) - (b[1] + b[3] / 2.0);
    dx.hypot(dy)
}

fn fmt_box(b: Option<[f64; 4]>) -> String {
    match b {
        Some([x, y, w, h]) => format!("[{x}, {y}, {w}, {h}]"),
        None => "(no geometry)".to_owned(),
    }
}

/// How well two annotations of one label and kind agree: (IoU, distance).
fn agreement(a: &Ann, b: &Ann) -> (f64, f64) {
    match (a.bbox, b.bbox) {
        (Some(x), Some(y)) => (iou(x, y), centre_distance(x, y)),
        (None, None) => (1.0, 0.0),
        _ => (0.0, f64::INFINITY),
    }
}

impl Record {
    fn from_input(input: ImageInput) -> Self {
        Self {
            id: input.image.id,
            file_name: input.image.file_name,
            width: input.image.width,
            height: input.image.height,
            annotations: input
                .annotations
                .into_iter()
                .map(|a| Ann {
                    id: a.id,
                    label: a.label,
                    kind: a.kind,
                    bbox: a.bbox,
                })
                .collect(),
        }
    }
}

/// The last component of a file name (`images/train/a.png` -> `a.png`).
fn base_name(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// Keeps findings of a comparison with `outside`, an image beside the check
/// that findings cannot name, on the checked image `onto`: a finding about
/// `outside` moves to `onto` and names the file; related places in
/// `outside` are dropped (the message names the file and annotation).
fn keep_in_check(findings: Vec<Finding>, outside: &Record, onto: u64) -> Vec<Finding> {
    findings
        .into_iter()
        .map(|mut f| {
            if f.image == Some(outside.id) {
                f.image = Some(onto);
                f.annotation = None;
                f.message = format!("copy `{}`: {}", outside.file_name, f.message);
            }
            f.related.retain(|r| r.image != outside.id);
            f
        })
        .collect()
}

impl AugmentedCopies {
    /// The original's file name of `name` when `name` is a copy.
    fn original_of(&self, name: &str) -> Option<String> {
        self.patterns.iter().find_map(|pattern| {
            let captures = pattern.matches(name)?;
            let original = self.original.fill(&captures);
            (original != name).then_some(original)
        })
    }

    /// Images beside the check: `names` and names starting with `prefixes`,
    /// next to the checked image `image`. `None` when the host cannot say
    /// (no host, a whole-dataset check).
    fn siblings(
        &self,
        image: u64,
        names: &[String],
        prefixes: &[String],
    ) -> Result<Option<Vec<Record>>, String> {
        let Some(host) = &self.host else {
            return Ok(None);
        };
        let found = host.siblings(image, names, prefixes)?;
        Ok(found
            .available
            .then(|| found.images.into_iter().map(Record::from_input).collect()))
    }

    /// Compares the images of the check with each other and, through the
    /// host, with their copies and originals beside the check.
    fn compare_all(&self) -> Result<Vec<Finding>, String> {
        let mut by_name: HashMap<&str, usize> = HashMap::with_capacity(self.images.len());
        for (i, image) in self.images.iter().enumerate() {
            by_name.entry(image.file_name.as_str()).or_insert(i);
        }
        let mut out = Vec::new();
        let mut has_copy = vec![false; self.images.len()];
        let mut host_available = self.host.is_some();
        let mut originals = Vec::new();
        for copy in &self.images {
            let Some(name) = self.original_of(&copy.file_name) else {
                originals.push(copy);
                continue;
            };
            if let Some(&i) = by_name.get(name.as_str()) {
                has_copy[i] = true;
                self.compare(&self.images[i], copy, &mut out);
                continue;
            }
            let beside = if host_available {
                self.siblings(copy.id, &[base_name(&name).to_owned()], &[])?
            } else {
                None
            };
            host_available &= beside.is_some();
            match beside
                .unwrap_or_default()
                .into_iter()
                .find(|r| r.file_name == name)
            {
                Some(original) => {
                    let mut found = Vec::new();
                    self.compare(&original, copy, &mut found);
                    out.extend(keep_in_check(found, &original, copy.id));
                }
                None if self.require_copies => out.push(
                    Finding::on_image(
                        "CPY005",
                        copy.id,
                        format!("copy of `{name}`, which is neither checked nor beside it"),
                    )
                    .with_help("restore the original, or delete the stale copy"),
                ),
                None => {}
            }
        }
        for original in originals {
            let i = by_name[original.file_name.as_str()];
            if host_available {
                let prefixes: Vec<String> = self
                    .original
                    .matches(&original.file_name)
                    .map(|captures| {
                        self.patterns
                            .iter()
                            .map(|p| base_name(&p.prefix(&captures)).to_owned())
                            .filter(|p| !p.is_empty())
                            .collect()
                    })
                    .unwrap_or_default();
                let beside = if prefixes.is_empty() {
                    Some(Vec::new())
                } else {
                    self.siblings(original.id, &[], &prefixes)?
                };
                host_available &= beside.is_some();
                for copy in beside.unwrap_or_default() {
                    if self.original_of(&copy.file_name).as_deref() != Some(&original.file_name) {
                        continue;
                    }
                    has_copy[i] = true;
                    let mut found = Vec::new();
                    self.compare(original, &copy, &mut found);
                    out.extend(keep_in_check(found, &copy, original.id));
                }
            }
            if self.require_copies && !has_copy[i] {
                out.push(
                    Finding::on_image(
                        "CPY006",
                        original.id,
                        format!(
                            "`{}` has no copy (patterns: {})",
                            original.file_name,
                            self.patterns
                                .iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                    .with_help("generate its copies, or turn `require-copies` off"),
                );
            }
        }
        Ok(out)
    }

    /// Compares one copy with its original and appends the findings.
    fn compare(&self, original: &Record, copy: &Record, out: &mut Vec<Finding>) {
        if (original.width, original.height) != (copy.width, copy.height) {
            out.push(
                Finding::on_image(
                    "CPY004",
                    copy.id,
                    format!(
                        "copy is {}x{} but its original `{}` is {}x{}; its boxes were not compared",
                        copy.width,
                        copy.height,
                        original.file_name,
                        original.width,
                        original.height
                    ),
                )
                .with_related(Related {
                    image: original.id,
                    annotation: None,
                    message: "the original".to_owned(),
                })
                .with_help("regenerate the copy from its original at full size"),
            );
            return;
        }
        // Candidate pairs of one label and kind, best agreement first.
        let mut pairs: Vec<(usize, usize, f64, f64)> = Vec::new();
        for (i, a) in original.annotations.iter().enumerate() {
            for (j, b) in copy.annotations.iter().enumerate() {
                if a.label == b.label && a.kind == b.kind {
                    let (overlap, distance) = agreement(a, b);
                    pairs.push((i, j, overlap, distance));
                }
            }
        }
        pairs.sort_by(|x, y| {
            y.2.total_cmp(&x.2)
                .then(x.3.total_cmp(&y.3))
                .then(
                    original.annotations[x.0]
                        .id
                        .cmp(&original.annotations[y.0].id),
                )
                .then(copy.annotations[x.1].id.cmp(&copy.annotations[y.1].id))
        });
        let mut used_original = vec![false; original.annotations.len()];
        let mut used_copy = vec![false; copy.annotations.len()];
        // First the same boxes, then the moved ones.
        for same in [true, false] {
            for &(i, j, overlap, _) in &pairs {
                if used_original[i] || used_copy[j] || (same && overlap < self.iou) {
                    continue;
                }
                used_original[i] = true;
                used_copy[j] = true;
                if same {
                    continue;
                }
                let a = &original.annotations[i];
                let b = &copy.annotations[j];
                out.push(
                    Finding::on_annotation(
                        "CPY003",
                        copy.id,
                        b.id,
                        format!(
                            "`{}` {} moved: IoU {overlap:.3} with annotation {} of the original `{}` is below {}",
                            b.label, b.kind, a.id, original.file_name, self.iou
                        ),
                    )
                    .with_related(Related {
                        image: original.id,
                        annotation: Some(a.id),
                        message: format!("the original {} at {}", a.kind, fmt_box(a.bbox)),
                    })
                    .with_help(format!("copy the {} from the original: {}", a.kind, fmt_box(a.bbox))),
                );
            }
        }
        for (a, _) in original
            .annotations
            .iter()
            .zip(&used_original)
            .filter(|(_, &u)| !u)
        {
            out.push(
                Finding::on_image(
                    "CPY001",
                    copy.id,
                    format!(
                        "`{}` {} at {} of the original `{}` (annotation {}) is missing in this copy",
                        a.label,
                        a.kind,
                        fmt_box(a.bbox),
                        original.file_name,
                        a.id
                    ),
                )
                .with_related(Related {
                    image: original.id,
                    annotation: Some(a.id),
                    message: "present in the original".to_owned(),
                }),
            );
        }
        for (b, _) in copy.annotations.iter().zip(&used_copy).filter(|(_, &u)| !u) {
            out.push(
                Finding::on_annotation(
                    "CPY002",
                    copy.id,
                    b.id,
                    format!(
                        "`{}` {} at {} is not in the original `{}`",
                        b.label,
                        b.kind,
                        fmt_box(b.bbox),
                        original.file_name
                    ),
                )
                .with_related(Related {
                    image: original.id,
                    annotation: None,
                    message: "the original".to_owned(),
                }),
            );
        }
    }
}

impl Plugin for AugmentedCopies {
    fn manifest() -> Manifest {
        let options = [
            OptionDoc::new(
                "patterns",
                "list of strings",
                json!(DEFAULT_PATTERNS),
                "how a copy's file name is made from its original's",
            ),
            OptionDoc::new(
                "original",
                "string",
                json!(DEFAULT_ORIGINAL),
                "the original's file name, from the pattern's placeholders",
            ),
            OptionDoc::new(
                "iou",
                "number",
                json!(DEFAULT_IOU),
                "IoU at or above which two boxes are the same",
            ),
        ];
        let rule = |code: &str, name: &str, summary: &str, docs: &str| {
            options.iter().cloned().fold(
                RuleDoc::new(
                    code,
                    name,
                    Severity::Error,
                    summary,
                    format!("{docs}\n\n{OPTIONS_DOC}"),
                ),
                RuleDoc::option,
            )
        };
        Manifest::new("augmented-copies", env!("CARGO_PKG_VERSION"), "CPY")
            .description("photometric-noise copies of an image must carry exactly the labels of their original")
            .rule(rule("CPY001", "copy-box-missing", "a box of the original is missing in its copy", CPY001_DOCS))
            .rule(rule("CPY002", "copy-box-extra", "a copy has a box its original does not have", CPY002_DOCS))
            .rule(rule("CPY003", "copy-box-moved", "a box moved between an original and its copy", CPY003_DOCS))
            .rule(rule("CPY004", "copy-size-differs", "a copy's size differs from its original's", CPY004_DOCS))
            .rule(rule("CPY005", "copy-without-original", "a copy whose original does not exist", CPY005_DOCS))
            .rule(rule("CPY006", "original-without-copy", "an original without any copy", CPY006_DOCS))
    }

    fn open(session: SessionInput) -> Result<Self, String> {
        let mut plugin = parse_options(&session.options)?;
        plugin.host = session.host;
        plugin
            .images
            .reserve(usize::try_from(session.dataset.images).unwrap_or(0));
        Ok(plugin)
    }

    fn check_image(&mut self, input: ImageInput) -> Result<Vec<Finding>, String> {
        self.images.push(Record::from_input(input));
        Ok(Vec::new())
    }

    fn finish(&mut self) -> Result<Vec<Finding>, String> {
        // Images arrive in any order: sort for deterministic output.
        self.images
            .sort_by(|a, b| a.id.cmp(&b.id).then_with(|| a.file_name.cmp(&b.file_name)));
        self.compare_all()
    }
}

export_plugin!(AugmentedCopies);

#[cfg(test)]
mod tests {
    use super::*;

    fn ann(id: u64, label: &str, bbox: [f64; 4]) -> Ann {
        Ann {
            id,
            label: label.to_owned(),
            kind: "box".to_owned(),
            bbox: Some(bbox),
        }
    }

    fn record(id: u64, name: &str, annotations: Vec<Ann>) -> Record {
        Record {
            id,
            file_name: name.to_owned(),
            width: 100,
            height: 100,
            annotations,
        }
    }

    fn default_plugin() -> AugmentedCopies {
        parse_options(&Default::default()).unwrap()
    }

    #[test]
    fn iou_of_boxes() {
        assert_eq!(iou([0.0, 0.0, 10.0, 10.0], [0.0, 0.0, 10.0, 10.0]), 1.0);
        assert_eq!(iou([0.0, 0.0, 10.0, 10.0], [10.0, 0.0, 10.0, 10.0]), 0.0);
        assert!((iou([0.0, 0.0, 10.0, 10.0], [5.0, 0.0, 10.0, 10.0]) - 50.0 / 150.0).abs() < 1e-12);
    }

    #[test]
    fn compare_reports_missing_extra_and_moved() {
        let p = default_plugin();
        let original = record(
            1,
            "a.jpg",
            vec![
                ann(10, "person", [0.0, 0.0, 10.0, 10.0]),
                ann(11, "head", [50.0, 50.0, 5.0, 5.0]),
            ],
        );
        let copy = record(
            2,
            "a_noise1.jpg",
            vec![
                ann(20, "person", [2.0, 0.0, 10.0, 10.0]),
                ann(21, "dog", [1.0, 1.0, 5.0, 5.0]),
            ],
        );
        let mut out = Vec::new();
        p.compare(&original, &copy, &mut out);
        let codes: Vec<_> = out
            .iter()
            .map(|f| (f.code.as_str(), f.annotation))
            .collect();
        assert_eq!(
            codes,
            [("CPY003", Some(20)), ("CPY001", None), ("CPY002", Some(21))]
        );
        assert!(
            out[1].message.contains("`head` box at [50, 50, 5, 5]"),
            "{}",
            out[1].message
        );
        assert_eq!(out[1].related[0].annotation, Some(11));
    }

    #[test]
    fn same_boxes_are_quiet_whatever_their_order() {
        let p = default_plugin();
        let a = [
            ann(1, "person", [0.0, 0.0, 10.0, 10.0]),
            ann(2, "person", [30.0, 0.0, 10.0, 10.0]),
        ];
        let original = record(1, "a.jpg", a.to_vec());
        let copy = record(2, "a_noise1.jpg", vec![a[1].clone(), a[0].clone()]);
        let mut out = Vec::new();
        p.compare(&original, &copy, &mut out);
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn options_are_checked() {
        let options = |v: Value| v.as_object().unwrap().clone();
        let err = parse_options(&options(json!({"iou": 1.5}))).unwrap_err();
        assert_eq!(err, "`iou` must be a number in (0, 1], found 1.5");
        let err = parse_options(&options(json!({"patterns": ["{stem}_aug.{ext}"]}))).unwrap_err();
        assert_eq!(
            err,
            "`original` uses {name}, which the pattern `{stem}_aug.{ext}` does not capture"
        );
        let err = parse_options(&options(json!({"colour": 1}))).unwrap_err();
        assert!(err.starts_with("unknown option `colour`"), "{err}");
    }
}
