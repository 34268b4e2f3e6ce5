//! What a writer could not hold.
//!
//! Every line of a [`WriteReport`] is either a **material** loss (something
//! of the annotations themselves: geometry, labels, attributes, keypoints,
//! tracks, images, frames, masks, crowd regions, anything the reader had to
//! skip) or **bookkeeping** (ids, metadata and format-specific fields the
//! target numbers or stores its own way). The classification lives in one
//! place, the table [`BOOKKEEPING`]: a line whose key is not in it is
//! material. `--strict` refuses material losses; `--strict=all` refuses both.

use std::collections::BTreeMap;
use std::fmt;

/// A key of the report that is bookkeeping, not a material loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookkeepingKey {
    /// The key, or its beginning when `prefix` is set (for keys a writer
    /// builds with the name of the source format).
    pub key: &'static str,
    /// Whether `key` matches every key that starts with it.
    pub prefix: bool,
    /// Why nothing of the annotations is lost.
    pub why: &'static str,
}

const fn exact(key: &'static str, why: &'static str) -> BookkeepingKey {
    BookkeepingKey {
        key,
        prefix: false,
        why,
    }
}

/// The report lines that are bookkeeping. Every other key is a material
/// loss: a writer that adds a key adds it here only when the annotations,
/// their images and their labels keep everything that matters without it.
/// A test lists every key the writers use and checks each is classified
/// deliberately.
pub const BOOKKEEPING: &[BookkeepingKey] = &[
    exact(
        "label source ids",
        "the numeric id of a label in its source format; the label keeps its name",
    ),
    exact(
        "label source ids (categories numbered from 1 in label order)",
        "COCO numbers the categories itself; every annotation keeps its label",
    ),
    BookkeepingKey {
        key: "category ids renumbered from 1 (",
        prefix: true,
        why: "YOLO class N written as category N+1 (COCO reserves 0); labels keep their names",
    },
    exact(
        "category id 0 renumbered above the largest (read as no label by Datumaro and CVAT)",
        "a COCO category 0 gets the next free id; its annotations follow it and keep their label",
    ),
    exact(
        "category ids beyond 32 bits renumbered",
        "ids other tools cannot read are renumbered; references follow them",
    ),
    exact(
        "image ids beyond 32 bits renumbered",
        "ids other tools cannot read are renumbered; references follow them",
    ),
    exact(
        "repeated image ids renumbered (two images of the source had one id)",
        "each image keeps its name and annotations; references follow the new id",
    ),
    exact(
        "inverted boxes (written with their corners in order)",
        "a box whose corners were given swapped covers the same pixels, written in order",
    ),
    exact(
        "annotation ids beyond 32 bits renumbered",
        "ids other tools cannot read are renumbered; references follow them",
    ),
    exact(
        "label supercategories",
        "COCO's grouping of categories, which CVAT has no place for",
    ),
    exact(
        "image subsets (kept as a folder of file_name)",
        "the subset is kept, as the folder of the image's file name",
    ),
    exact(
        "image subsets",
        "the split (train, val) an image belongs to, which a COCO file has no \
         field for (one file per split holds it); every image and annotation is written",
    ),
    exact(
        "image frame numbers",
        "the frame number of an image in a CVAT task; images keep their order and names",
    ),
    exact(
        "frame numbers of images",
        "frame numbers the source gave its images; the images keep their order and names",
    ),
    exact(
        "annotation sources",
        "which tool drew an annotation (manual, auto, ...)",
    ),
    exact(
        "fields specific to another format",
        "extra fields of the source format that the target has no place for",
    ),
    exact(
        "format-specific fields of annotations",
        "extra fields of the source format that the target has no place for",
    ),
    exact(
        "dataset name",
        "a name of the whole file, not of any annotation",
    ),
    exact("label colors", "the display color of a label in an editor"),
    exact(
        "COCO boxes of segmented objects (recomputed from the segmentation)",
        "the box a COCO file states for a segmented object; the polygon or mask is \
         written and a COCO writer computes the box from it",
    ),
    exact(
        "COCO boxes of segmented objects grouped with a box (the box is written)",
        "the box a COCO file states for a segmented object, when the object also has \
         a box shape, which is written as its bbox",
    ),
    exact(
        "label shape types",
        "the shape type an editor offers for a label; the shapes keep their type",
    ),
];

/// Whether a report line is a material loss or bookkeeping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LossKind {
    /// Something of the annotations is gone or changed.
    Material,
    /// Ids, metadata or format-specific fields only.
    Bookkeeping,
}

/// The kind of the report line `what`: bookkeeping when [`BOOKKEEPING`]
/// lists it, material otherwise.
#[must_use]
pub fn loss_kind(what: &str) -> LossKind {
    let listed = BOOKKEEPING.iter().any(|b| {
        if b.prefix {
            what.starts_with(b.key)
        } else {
            what == b.key
        }
    });
    if listed {
        LossKind::Bookkeeping
    } else {
        LossKind::Material
    }
}

/// Which report lines make a strict conversion fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strictness {
    /// None: everything is written and reported.
    #[default]
    Off,
    /// Material losses (and input the reader skipped).
    Material,
    /// Material losses and bookkeeping.
    All,
}

impl Strictness {
    /// Whether `report` has a line this strictness refuses.
    #[must_use]
    pub fn refuses(self, report: &WriteReport) -> bool {
        match self {
            Self::Off => false,
            Self::Material => report.has_material_loss(),
            Self::All => !report.is_lossless(),
        }
    }
}

/// What [`WriteReport`] calls the input a reader had to skip.
pub const SKIPPED_WHILE_READING: &str = "input the reader had to skip (see the read issues)";

/// A count of everything a writer dropped or changed because the target
/// format cannot hold it, by what was lost, and of what the reader skipped.
///
/// The keys are short descriptions such as `"rotation of boxes"` or
/// `"attributes"`; a conversion prints the report, material losses and
/// bookkeeping (see [`BOOKKEEPING`]) under separate headings, and `--strict`
/// turns a material loss into an error (`--strict=all` any line).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WriteReport {
    losses: BTreeMap<String, u64>,
    /// What the user should know that is no loss (images not found, links
    /// that fell back to copies), by what happened.
    notes: BTreeMap<String, u64>,
    /// Number of images written.
    pub images_written: u64,
    /// Number of annotations (rows, shapes) written.
    pub annotations_written: u64,
}

impl WriteReport {
    /// An empty report.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `count` losses of `what`.
    pub fn lose(&mut self, what: &str, count: u64) {
        if count > 0 {
            *self.losses.entry(what.to_owned()).or_insert(0) += count;
        }
    }

    /// Records one loss of `what`.
    pub fn lose_one(&mut self, what: &str) {
        self.lose(what, 1);
    }

    /// Records `count` times a note on what was written that is not a loss
    /// of annotations (images not found, links that fell back to copies);
    /// notes never make a strict conversion fail.
    pub fn note(&mut self, what: &str, count: u64) {
        if count > 0 {
            *self.notes.entry(what.to_owned()).or_insert(0) += count;
        }
    }

    /// The notes, sorted by description.
    pub fn notes(&self) -> impl Iterator<Item = (&str, u64)> {
        self.notes.iter().map(|(k, &v)| (k.as_str(), v))
    }

    /// Adds another report's counts to this one.
    pub fn merge(&mut self, other: &WriteReport) {
        for (what, &n) in &other.losses {
            self.lose(what, n);
        }
        for (what, &n) in &other.notes {
            self.note(what, n);
        }
        self.images_written += other.images_written;
        self.annotations_written += other.annotations_written;
    }

    /// Whether the report has no line at all, bookkeeping included.
    #[must_use]
    pub fn is_lossless(&self) -> bool {
        self.losses.is_empty()
    }

    /// Whether a line is a material loss (see [`loss_kind`]).
    #[must_use]
    pub fn has_material_loss(&self) -> bool {
        self.material().next().is_some()
    }

    /// Records `count` pieces of input the reader had to skip, a material
    /// loss under [`SKIPPED_WHILE_READING`].
    pub fn skipped_while_reading(&mut self, count: u64) {
        self.lose(SKIPPED_WHILE_READING, count);
    }

    /// The material losses, sorted by description.
    pub fn material(&self) -> impl Iterator<Item = (&str, u64)> {
        self.losses()
            .filter(|(what, _)| loss_kind(what) == LossKind::Material)
    }

    /// The bookkeeping lines, sorted by description.
    pub fn bookkeeping(&self) -> impl Iterator<Item = (&str, u64)> {
        self.losses()
            .filter(|(what, _)| loss_kind(what) == LossKind::Bookkeeping)
    }

    /// The losses, sorted by description.
    pub fn losses(&self) -> impl Iterator<Item = (&str, u64)> {
        self.losses.iter().map(|(k, &v)| (k.as_str(), v))
    }

    /// How many times `what` was lost.
    #[must_use]
    pub fn count(&self, what: &str) -> u64 {
        self.losses.get(what).copied().unwrap_or(0)
    }
}

impl fmt::Display for WriteReport {
    /// `wrote N images, M annotations`, then `; nothing lost` when the
    /// report has no line; else the material losses under `; material
    /// losses:` (or `; no annotation lost` when there is none), then the
    /// bookkeeping under `bookkeeping (ids and metadata, no annotation
    /// lost):`, one `  N x what` line each; then the notes under `notes:`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "wrote {} images, {} annotations",
            self.images_written, self.annotations_written
        )?;
        if self.losses.is_empty() {
            write!(f, "; nothing lost")?;
            return self.fmt_notes(f);
        }
        if self.has_material_loss() {
            write!(f, "; {MATERIAL_HEADING}")?;
            for (what, n) in self.material() {
                write!(f, "\n  {n} x {what}")?;
            }
        } else {
            write!(f, "; no annotation lost")?;
        }
        if self.bookkeeping().next().is_some() {
            write!(f, "\n{BOOKKEEPING_HEADING}")?;
            for (what, n) in self.bookkeeping() {
                write!(f, "\n  {n} x {what}")?;
            }
        }
        self.fmt_notes(f)
    }
}

impl WriteReport {
    fn fmt_notes(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.notes.is_empty() {
            write!(f, "\n{NOTES_HEADING}")?;
            for (what, n) in self.notes() {
                write!(f, "\n  {n} x {what}")?;
            }
        }
        Ok(())
    }
}

/// The heading of the notes in the printed report.
pub const NOTES_HEADING: &str = "notes (nothing lost):";

/// The heading of the material losses in the printed report.
pub const MATERIAL_HEADING: &str = "material losses:";
/// The heading of the bookkeeping lines in the printed report.
pub const BOOKKEEPING_HEADING: &str = "bookkeeping (ids and metadata, no annotation lost):";

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// The first argument of every `.lose(` / `.lose_one(` call in the
    /// workspace's sources (outside this file), whitespace collapsed.
    fn loss_arguments() -> Vec<(String, String)> {
        let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        let mut stack = vec![crates];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    let name = path.file_name().unwrap().to_string_lossy().into_owned();
                    if name != "target" && name != "tests" {
                        stack.push(path);
                    }
                } else if path.extension().is_some_and(|e| e == "rs")
                    && path.components().any(|c| c.as_os_str() == "src")
                    && !path.ends_with("labelkit-model/src/report.rs")
                {
                    files.push(path);
                }
            }
        }
        let mut out = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let text = text.split("#[cfg(test)]").next().unwrap();
            for call in [".lose(", ".lose_one("] {
                for (at, _) in text.match_indices(call) {
                    let rest = &text[at + call.len()..];
                    let mut depth = 0i32;
                    let mut in_str = false;
                    let mut end = rest.len();
                    let mut prev = ' ';
                    for (i, c) in rest.char_indices() {
                        if in_str {
                            if c == '"' && prev != '\\' {
                                in_str = false;
                            }
                        } else if c == '"' {
                            in_str = true;
                        } else if c == '(' {
                            depth += 1;
                        } else if (c == ')' || c == ',') && depth == 0 {
                            end = i;
                            break;
                        } else if c == ')' {
                            depth -= 1;
                        }
                        prev = c;
                    }
                    let arg = rest[..end].split_whitespace().collect::<Vec<_>>().join(" ");
                    out.push((file.display().to_string(), arg));
                }
            }
        }
        out
    }

    /// Every loss key the writers use that is material, as the source
    /// spells the argument: literals with their quotes, then constants and
    /// keys built at run time (all material).
    const MATERIAL: &[&str] = &[
        "\"repeated extra fields\"",
        "\"tracks\"",
        "\"skeleton element labels\"",
        "\"label attribute declarations\"",
        "\"keypoint left/right pairs not implied by the point names\"",
        "\"repeated file names given their image id as a folder\"",
        "\"image attributes\"",
        "\"annotations on images not in the dataset\"",
        "\"groups split into several COCO annotations\"",
        "\"non-finite areas (recomputed from the bbox)\"",
        "\"non-finite areas (written as null)\"",
        "\"attributes named \\\"occluded\\\" (COCO keeps the occluded flag there)\"",
        "\"z_order\"",
        "\"track links of annotations\"",
        "\"rotation of boxes (written as their bounds)\"",
        "\"masks that cannot be placed on their image\"",
        "\"keypoints without a place in the label's schema\"",
        "\"non-finite numbers (written as null)\"",
        "\"tracks (CVAT for images holds per-frame shapes: expand tracks first)\"",
        "\"characters XML 1.0 cannot hold (control characters, U+FFFE, U+FFFF; written as U+FFFD)\"",
        "\"scores\"",
        "\"links of shapes to the track they were expanded from\"",
        "\"annotations on images that do not exist\"",
        "\"polygon parts in tracks\"",
        "\"shapes without a free track id (ids past 2^64 - 1)\"",
        "\"image list (CVAT for video lists no images)\"",
        "\"keypoint skeleton edges\"",
        "\"occluded keypoint visibility (2 values per point)\"",
        "\"keypoints at (0, 0) (read back as absent with 2 values per point)\"",
        "\"rotation of boxes\"",
        "\"keypoints without a box or any labelled point\"",
        "\"annotations whose label is not in the class map\"",
        "\"duplicate rows\"",
        "\"coordinates clipped to the image\"",
        "\"annotation attributes\"",
        "\"skeleton element attributes\"",
        "\"occluded flags\"",
        "\"tracks dropped by the label map\"",
        "\"groups written as several rows\"",
        "\"polygon parts joined into one ring (as Ultralytics joins them)\"",
        "\"masks written as polygons (traced along pixel borders)\"",
        "\"mask parts and holes joined into one ring (as Ultralytics joins polygon parts)\"",
        "\"masks with invalid runs\"",
        "\"z-order\"",
        "\"polygons with fewer than 3 points\"",
        "\"polygons after the first of an object\"",
        "\"boxes written as 4-corner polygons\"",
        "\"duplicate rows after rounding\"",
        "\"frames of another size than the video's first (CVAT for video has one frame size)\"",
        "&format!(\"empty {}\", plural(g))",
        "&not_held(g, ctx.task)",
        "&format!(\"{} (segment keeps the {kept})\", plural(g))",
        "&format!(\"{} (obb keeps the box)\", plural(g))",
        "&format!( \"{} rows in a darknet dataset (darknet readers expect boxes)\", plan.task.as_str() )",
        // Constants and keys built at run time.
        "labelkit_model::rle::LOST_TO_MASK_LIMITS",
        "TOO_FRAGMENTED",
        "loss_name(a.geometry.kind())",
        "self.unwritten_label(a.label)",
        "NON_FINITE_SHAPES",
        "lost",
        "&format!(\"{} shapes\", geometry.kind().as_str())",
        "&format!( \"{} shapes in tracks\", shape.geometry.kind().as_str() )",
        "&format!( \"{} shapes in skeleton elements\", shape.geometry.kind().as_str() )",
        "CROWD_LOSS",
        "&format!(\"{} (detect keeps the box)\", plural(g))",
        "&format!(\"{} written as boxes\", plural(g))",
        "&not_held(&a.geometry, task)",
        "EXPANDED_TRACKS",
        "&track_shapes_not_expanded( &format!(\"after the video's last frame {stop}\"), &expansion.tracks_after_stop, )",
        "&track_shapes_not_expanded( &format!( \"on frames the task does not have (frame_filter step={} from frame {})\", grid.step(), grid.start() ), &expansion.tracks_off_grid, )",
        "DROPPED_BY_LABEL_MAP",
        "BEYOND_POSITIONS",
    ];

    /// How a bookkeeping key is spelled as an argument in the source.
    fn spelled(key: &BookkeepingKey) -> String {
        if key.prefix {
            format!("&format!( \"{}", key.key)
        } else {
            format!("\"{}\"", key.key)
        }
    }

    #[test]
    fn every_key_the_writers_use_is_classified_deliberately() {
        let args = loss_arguments();
        assert!(args.len() > 50, "found only {} loss calls", args.len());
        let mut unclassified = Vec::new();
        for (file, arg) in &args {
            let bookkeeping = BOOKKEEPING.iter().any(|b| arg.starts_with(&spelled(b)));
            let material = MATERIAL.contains(&arg.as_str());
            assert!(!(bookkeeping && material), "{file}: {arg} is in both lists");
            if !bookkeeping && !material {
                unclassified.push(format!("{file}: {arg}"));
            }
        }
        assert!(
            unclassified.is_empty(),
            "loss keys neither in BOOKKEEPING nor in the test's MATERIAL list \
             (decide which, in report.rs):\n{}",
            unclassified.join("\n")
        );
        // No stale entries either.
        for b in BOOKKEEPING {
            assert!(
                args.iter().any(|(_, a)| a.starts_with(&spelled(b))),
                "BOOKKEEPING lists {:?}, which no writer uses",
                b.key
            );
        }
        for m in MATERIAL {
            assert!(
                args.iter().any(|(_, a)| a == m),
                "MATERIAL lists {m}, which no writer uses"
            );
        }
    }

    #[test]
    fn kinds_of_the_keys_issue_reports_name() {
        for key in [
            "label source ids",
            "label supercategories",
            "category ids renumbered from 1 (YOLO class N is category N+1)",
            "image ids beyond 32 bits renumbered",
            "image subsets (kept as a folder of file_name)",
            "annotation sources",
            "image subsets",
        ] {
            assert_eq!(loss_kind(key), LossKind::Bookkeeping, "{key}");
        }
        for key in [
            "rotation of boxes",
            "image attributes",
            "tracks",
            "attributes of a new kind nobody classified",
            SKIPPED_WHILE_READING,
        ] {
            assert_eq!(loss_kind(key), LossKind::Material, "{key}");
        }
    }

    #[test]
    fn display_separates_material_from_bookkeeping() {
        let mut r = WriteReport::new();
        r.images_written = 2;
        r.annotations_written = 3;
        assert_eq!(r.to_string(), "wrote 2 images, 3 annotations; nothing lost");
        r.lose("label source ids", 4);
        assert_eq!(
            r.to_string(),
            "wrote 2 images, 3 annotations; no annotation lost\n\
             bookkeeping (ids and metadata, no annotation lost):\n  4 x label source ids"
        );
        assert!(!Strictness::Material.refuses(&r));
        assert!(Strictness::All.refuses(&r));
        r.skipped_while_reading(1);
        assert_eq!(
            r.to_string(),
            "wrote 2 images, 3 annotations; material losses:\n  \
             1 x input the reader had to skip (see the read issues)\n\
             bookkeeping (ids and metadata, no annotation lost):\n  4 x label source ids"
        );
        assert!(Strictness::Material.refuses(&r));
        assert!(!Strictness::Off.refuses(&r));
    }

    #[test]
    fn notes_are_printed_last_and_refuse_nothing() {
        let mut r = WriteReport::new();
        r.images_written = 2;
        r.note("images not found", 2);
        assert!(r.is_lossless());
        assert!(!Strictness::All.refuses(&r));
        assert_eq!(
            r.to_string(),
            "wrote 2 images, 0 annotations; nothing lost\n\
             notes (nothing lost):\n  2 x images not found"
        );
        let mut s = WriteReport::new();
        s.lose("label source ids", 1);
        s.merge(&r);
        assert_eq!(s.notes().collect::<Vec<_>>(), [("images not found", 2)]);
        assert!(s
            .to_string()
            .ends_with("notes (nothing lost):\n  2 x images not found"));
    }
}
