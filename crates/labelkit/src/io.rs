//! Reading, writing and converting datasets through one entry point.

use std::path::{Path, PathBuf};

use labelkit_diagnostics::{Diagnostic, Loaded, SourceMap};

pub use labelkit_diagnostics::output::OutputGuard;
use labelkit_model::{Dataset, Image, ImageId, Precision, Strictness, WriteReport};

use crate::detect::detect;
use crate::error::Error;
use crate::format::Format;
use crate::verify;

/// What [`WriteReport`] calls the tracks that were expanded into per-frame
/// shapes for a format without tracks.
pub const EXPANDED_TRACKS: &str = "video tracks (expanded into per-frame shapes)";

/// Options of [`read`], [`from_slice`](crate::from_slice) and
/// [`from_reader`](crate::from_reader): one set per format, used when that
/// format is read, and what the facade does around the readers.
///
/// Every options type of the facade is built the same way: start from
/// `new()` (or `Default`) and chain by-value setters named after what they
/// set.
///
/// ```
/// use labelkit::{ImageSizes, ReadOptions};
///
/// let options = ReadOptions::new()
///     .verify_image_sizes(true)
///     .image_sizes(ImageSizes::new().all((640, 480)))
///     .source_name("staged/instances_val.json");
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ReadOptions {
    #[cfg(feature = "coco")]
    pub(crate) coco: labelkit_coco::ReadOptions,
    #[cfg(feature = "cvat")]
    pub(crate) cvat: labelkit_cvat::ReadOptions,
    #[cfg(feature = "yolo")]
    pub(crate) yolo: labelkit_yolo::ReadOptions,
    pub(crate) verify_image_sizes: bool,
    pub(crate) image_sizes: crate::ImageSizes,
    pub(crate) source_name: Option<PathBuf>,
}

impl ReadOptions {
    /// Default options.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the COCO reader's options.
    #[cfg(feature = "coco")]
    #[must_use]
    pub fn coco(mut self, options: labelkit_coco::ReadOptions) -> Self {
        self.coco = options;
        self
    }

    /// Sets the CVAT reader's options.
    #[cfg(feature = "cvat")]
    #[must_use]
    pub fn cvat(mut self, options: labelkit_cvat::ReadOptions) -> Self {
        self.cvat = options;
        self
    }

    /// Sets the YOLO reader's options.
    #[cfg(feature = "yolo")]
    #[must_use]
    pub fn yolo(mut self, options: labelkit_yolo::ReadOptions) -> Self {
        self.yolo = options;
        self
    }

    /// After reading a COCO or CVAT file, look for each image's file (its
    /// name relative to the file's folder, to `images/` there, or to
    /// `../images/`) and record the size read from its header in the
    /// reader facts ([`labelkit_diagnostics::ImageFacts::file_size`]), for
    /// the image-size-mismatch rule (default: no). A folder where none of the first 20 images is
    /// found is not tried further, so a dataset without its images costs
    /// nothing. YOLO sizes always come from the image files.
    /// Bytes and streams have no folder: [`from_slice`](crate::from_slice)
    /// and [`from_reader`](crate::from_reader) look for no image.
    #[must_use]
    pub fn verify_image_sizes(mut self, yes: bool) -> Self {
        self.verify_image_sizes = yes;
        self
    }

    /// Sizes for the images whose file gives none (YOLO: not found, or a
    /// header that cannot be read), by name or one for all; the image files
    /// are still read first. YOLO rows of an image whose size is still
    /// unknown stay fractions, and writing them as COCO or CVAT is refused
    /// ([`Error::UnknownImageSizes`]).
    #[must_use]
    pub fn image_sizes(mut self, sizes: crate::ImageSizes) -> Self {
        self.image_sizes = sizes;
        self
    }

    /// The name [`from_slice`](crate::from_slice) and
    /// [`from_reader`](crate::from_reader) give the bytes in positions,
    /// errors and the source map (default `<bytes>`); as a file's name it
    /// also gives a COCO file's subset (`instances_val.json`: `val`).
    /// Nothing is read from a file of that name. [`read`] names the path.
    #[must_use]
    pub fn source_name(mut self, name: impl Into<PathBuf>) -> Self {
        self.source_name = Some(name.into());
        self
    }
}

/// How YOLO output provides the images of the dataset, each found under
/// the image folders ([`WriteOptions::image_root`], or in [`convert`] the
/// folders of the input's layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ImageMode {
    /// Link images into the output: a symlink, or a hard link where a
    /// symlink cannot be made, or a copy where neither can (the report
    /// notes each fallback). Images not found, or refused (outside their
    /// folder, not regular files), are left out and noted with where the
    /// first was looked for; their labels are written, and `data.yaml`
    /// names the folder where they belong.
    #[default]
    Link,
    /// Write the labels only; the report notes that `data.yaml` names
    /// images the output does not hold.
    Reference,
    /// Copy images into the output; a missing or refused image fails the
    /// write.
    Copy,
    /// Hard-link images into the output; a missing or refused image fails
    /// the write.
    HardLink,
    /// Symlink images into the output; a missing or refused image fails
    /// the write.
    Symlink,
}

impl std::str::FromStr for ImageMode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "link" => Ok(Self::Link),
            "reference" => Ok(Self::Reference),
            "copy" => Ok(Self::Copy),
            "hardlink" | "hard-link" => Ok(Self::HardLink),
            "symlink" => Ok(Self::Symlink),
            other => Err(format!(
                "unknown image mode {other:?}: expected link, reference, copy, hardlink or symlink"
            )),
        }
    }
}

/// Options of [`write()`] and [`to_writer`](crate::to_writer), shared by
/// every format; each writer uses those that apply to it. Built as
/// [`ReadOptions`] is.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct WriteOptions {
    pub(crate) precision: Option<Precision>,
    pub(crate) images: ImageMode,
    pub(crate) keyframes_only: bool,
    pub(crate) image_root: Option<PathBuf>,
    #[cfg(feature = "yolo")]
    pub(crate) yolo_task: Option<labelkit_yolo::Task>,
    pub(crate) yolo_classes: Option<Vec<String>>,
    pub(crate) yolo_yaml_path: Option<String>,
}

impl WriteOptions {
    /// Default options.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// How coordinates are printed; unset, each writer keeps its default
    /// ([`Precision::Clean`]: read values as read, computed ones without
    /// float noise).
    #[must_use]
    pub fn precision(mut self, precision: Precision) -> Self {
        self.precision = Some(precision);
        self
    }

    /// YOLO: how images are referred to or brought into the output
    /// (default [`ImageMode::Link`]).
    #[must_use]
    pub fn images(mut self, images: ImageMode) -> Self {
        self.images = images;
        self
    }

    /// CVAT for video: write only the key frames of tracks (default: no).
    #[must_use]
    pub fn keyframes_only(mut self, yes: bool) -> Self {
        self.keyframes_only = yes;
        self
    }

    /// The folder the images' `file_name`s are relative to, for the image
    /// modes that bring images into the output; named by the user, it is
    /// trusted as the boundary images must resolve inside. Unset,
    /// [`convert`] looks in the folders of the input's layout (see
    /// [`image_roots`]) and [`write()`] brings no image (the report notes
    /// it).
    #[must_use]
    pub fn image_root(mut self, root: impl Into<PathBuf>) -> Self {
        self.image_root = Some(root.into());
        self
    }

    /// YOLO: the task of the rows written (detect, segment, pose, OBB);
    /// unset, it is inferred from the dataset's shapes.
    #[cfg(feature = "yolo")]
    #[must_use]
    pub fn yolo_task(mut self, task: labelkit_yolo::Task) -> Self {
        self.yolo_task = Some(task);
        self
    }

    /// YOLO: the class names in id order; labels are matched to them by
    /// name, and a label that is not among them is left out and counted in
    /// the report. Unset, the dataset's labels are numbered in their order.
    #[must_use]
    pub fn yolo_classes(mut self, names: Vec<String>) -> Self {
        self.yolo_classes = Some(names);
        self
    }

    /// YOLO (Ultralytics layout): the `path:` written into `data.yaml`;
    /// unset, none is written (Ultralytics then uses the yaml's own folder).
    #[must_use]
    pub fn yolo_yaml_path(mut self, path: impl Into<String>) -> Self {
        self.yolo_yaml_path = Some(path.into());
        self
    }
}

/// Options of [`convert`]. Built as [`ReadOptions`] is.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ConvertOptions {
    pub(crate) read: ReadOptions,
    pub(crate) write: WriteOptions,
    pub(crate) strictness: Strictness,
    pub(crate) label_map: Option<crate::label_map::LabelMap>,
}

impl ConvertOptions {
    /// Default options.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the reader options.
    #[must_use]
    pub fn read(mut self, read: ReadOptions) -> Self {
        self.read = read;
        self
    }

    /// Sets the writer options.
    #[must_use]
    pub fn write(mut self, write: WriteOptions) -> Self {
        self.write = write;
        self
    }

    /// Which losses refuse the conversion (and write nothing):
    /// [`Strictness::Off`] (the default) none, [`Strictness::Material`]
    /// material losses and input the reader had to skip, [`Strictness::All`]
    /// bookkeeping too (see [`labelkit_model::report::BOOKKEEPING`]).
    #[must_use]
    pub fn strictness(mut self, strictness: Strictness) -> Self {
        self.strictness = strictness;
        self
    }

    /// Renames, merges, drops and reorders labels before writing. What it
    /// drops is counted in the report, but, being asked for, never makes a
    /// strict conversion fail.
    #[must_use]
    pub fn label_map(mut self, map: crate::label_map::LabelMap) -> Self {
        self.label_map = Some(map);
        self
    }
}

/// What a conversion did.
#[derive(Debug)]
#[non_exhaustive]
pub struct ConvertReport {
    /// The format read.
    pub from: Format,
    /// The format written.
    pub to: Format,
    /// Problems the reader stepped over (codes `F...`), pointing into
    /// [`ConvertReport::sources`].
    pub read_issues: Vec<Diagnostic>,
    /// The files read, for rendering the issues.
    pub sources: SourceMap,
    /// What the writer wrote and what the target could not hold.
    pub write: WriteReport,
}

impl ConvertReport {
    /// Whether nothing was lost: no read issue where the reader skipped
    /// input ([`Diagnostic::skipped`]) and a lossless write.
    #[must_use]
    pub fn is_lossless(&self) -> bool {
        self.write.is_lossless() && skipped_count(&self.read_issues) == 0
    }
}

/// How many read issues left input out of the dataset: those the reader
/// marked [`Diagnostic::skipped`], whatever their severity. Issues it read
/// through (a value read as 0, an id renumbered, an undeclared label it
/// declared itself) are findings of `check`, not losses.
fn skipped_count(issues: &[Diagnostic]) -> usize {
    issues.iter().filter(|d| d.skipped).count()
}

/// Reads a dataset. With `format` `None`, the format is recognised by
/// [`detect`]. A YOLO path may be a folder, a `data.yaml`, an `obj.data`,
/// or a single label `.txt` file, in which case its dataset is found by
/// walking up and only that file's labels are read. A COCO or CVAT path
/// may be the file or a folder holding exactly one such file (a CVAT
/// export: `annotations.xml` beside `images/`).
///
/// # Errors
/// I/O errors, unrecognised input, and input a reader cannot parse.
pub fn read(path: &Path, format: Option<Format>, options: &ReadOptions) -> Result<Loaded, Error> {
    let format = match format {
        Some(f) => f,
        None => detect(path)?,
    };
    if matches!(format, Format::YoloUltralytics | Format::YoloDarknet) {
        return read_yolo(path, options);
    }
    let file = crate::detect::annotation_file(path)?;
    let mut loaded = read_single(Source::Path(&file), format, options)?;
    if options.verify_image_sizes {
        verify::record_file_sizes(&mut loaded, &file);
    }
    Ok(loaded)
}

/// What a single-file format (COCO, CVAT) is read from.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(any(feature = "coco", feature = "cvat")), allow(dead_code))]
pub(crate) enum Source<'a> {
    /// A file on disk.
    Path(&'a Path),
    /// Bytes in memory, and the name they go by in messages.
    Bytes(&'a Path, &'a [u8]),
}

/// Reads a COCO or CVAT dataset from `source`; a YOLO dataset is a folder
/// of files, refused with [`Error::FolderFormat`].
pub(crate) fn read_single(
    source: Source<'_>,
    format: Format,
    options: &ReadOptions,
) -> Result<Loaded, Error> {
    single_file(format, false)?;
    if format == Format::Coco {
        read_coco(source, options)
    } else {
        read_cvat(source, options)
    }
}

/// Refuses a folder format (YOLO) where one file's bytes are to be read
/// (`writing` false) or written: [`Error::FolderFormat`].
pub(crate) fn single_file(format: Format, writing: bool) -> Result<(), Error> {
    if format.writes_folder() {
        return Err(Error::FolderFormat { format, writing });
    }
    Ok(())
}

#[cfg(feature = "coco")]
fn read_coco(source: Source<'_>, options: &ReadOptions) -> Result<Loaded, Error> {
    Ok(match source {
        Source::Path(path) => labelkit_coco::read_path(path, &options.coco)?,
        Source::Bytes(name, bytes) => labelkit_coco::read_bytes(name, bytes, &options.coco)?,
    })
}

#[cfg(not(feature = "coco"))]
fn read_coco(_: Source<'_>, _: &ReadOptions) -> Result<Loaded, Error> {
    Err(Error::disabled(Format::Coco))
}

#[cfg(feature = "cvat")]
fn read_cvat(source: Source<'_>, options: &ReadOptions) -> Result<Loaded, Error> {
    Ok(match source {
        Source::Path(path) => labelkit_cvat::read_path(path, &options.cvat)?,
        Source::Bytes(name, bytes) => labelkit_cvat::read_bytes(name, bytes, &options.cvat)?,
    })
}

#[cfg(not(feature = "cvat"))]
fn read_cvat(_: Source<'_>, _: &ReadOptions) -> Result<Loaded, Error> {
    Err(Error::disabled(Format::CvatImages))
}

#[cfg(feature = "yolo")]
fn read_yolo(path: &Path, options: &ReadOptions) -> Result<Loaded, Error> {
    let with_sizes;
    let yolo = if options.image_sizes.is_empty() {
        &options.yolo
    } else {
        with_sizes = options
            .yolo
            .clone()
            .with_fallback_sizes(options.image_sizes.by_name.clone(), options.image_sizes.all);
        &with_sizes
    };
    let is_label_file = path.is_file()
        && path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("txt"));
    Ok(if is_label_file {
        labelkit_yolo::read_label_file(path, yolo)?
    } else {
        labelkit_yolo::read_path(path, yolo)?
    })
}

#[cfg(not(feature = "yolo"))]
fn read_yolo(_: &Path, _: &ReadOptions) -> Result<Loaded, Error> {
    Err(Error::disabled(Format::YoloUltralytics))
}

/// Writes `dataset` to `out` (a file for CVAT and COCO, a folder for YOLO)
/// in `format`.
///
/// A format without tracks gets the tracks expanded into per-frame shapes
/// first; the report counts them under [`EXPANDED_TRACKS`]. Output is
/// written atomically by the format's writer.
///
/// COCO and CVAT hold pixels: a dataset with an image of unknown size
/// (width or height 0, a YOLO image whose size was not found) is refused
/// before anything is written.
///
/// # Errors
/// I/O errors, refusals of the writer (unsafe file names, an existing
/// output folder that is not empty), and [`Error::UnknownImageSizes`].
pub fn write(
    dataset: &Dataset,
    out: &Path,
    format: Format,
    options: &WriteOptions,
) -> Result<WriteReport, Error> {
    let roots: Vec<PathBuf> = options.image_root.iter().cloned().collect();
    let sink = Sink::Path {
        out,
        image_roots: &roots,
    };
    write_sink(dataset, sink, format, options)
}

/// Where a writer writes.
#[cfg_attr(not(any(feature = "coco", feature = "cvat")), allow(dead_code))]
pub(crate) enum Sink<'a> {
    /// A file (CVAT, COCO) or a folder (YOLO), written atomically; YOLO
    /// images are looked for in `image_roots`, in order.
    Path {
        out: &'a Path,
        image_roots: &'a [PathBuf],
    },
    /// A stream, for the single-file formats.
    Stream(&'a mut dyn std::io::Write),
}

/// [`write()`] to `sink`.
pub(crate) fn write_sink(
    dataset: &Dataset,
    sink: Sink<'_>,
    format: Format,
    options: &WriteOptions,
) -> Result<WriteReport, Error> {
    if !format.is_enabled() {
        return Err(Error::disabled(format));
    }
    let mut report = WriteReport::new();
    let expanded;
    let dataset = if !format.holds_tracks()
        && (!dataset.tracks.is_empty() || video_task_frames(dataset).is_some())
    {
        report.lose(EXPANDED_TRACKS, dataset.tracks.len() as u64);
        expanded = expand_tracks(dataset, &mut report)?;
        &expanded
    } else {
        dataset
    };
    crate::sizes::refuse_unknown_sizes(dataset, format)?;
    // Only the CVAT for images writer writes the element attributes of
    // skeleton annotations (the CVAT for video writer keeps those of tracks).
    if format != Format::CvatImages {
        report.lose(
            "skeleton element attributes",
            element_attribute_values(dataset),
        );
    }
    let written = write_enabled(dataset, sink, format, options)?;
    report.merge(&written);
    Ok(report)
}

/// A copy of `dataset` with its tracks turned into per-frame annotations.
/// The last frame of the video is the last frame among the images; a track
/// still visible after its last shape continues up to it. A frame that has
/// no image in the dataset (CVAT for video files list none) gets one, named
/// `frame_NNNNNN` as CVAT names extracted frames, with the video's frame size
/// (`original_size` of the CVAT meta) when known. Every frame of a CVAT
/// video task ([`video_task_frames`]) is an image, with shapes or without
/// (empty frames are the negative examples of a training set), as CVAT's own
/// COCO and "CVAT for images" exports of the task list them. A CVAT task whose
/// `frame_filter` is `step=N` has the frames `start_frame + k N` only: states
/// are produced on those, and the frame cap and budget count those; track
/// shapes on other frames (CVAT writes none) steer the interpolation and are
/// counted in `report`. Annotations that are not in tracks stay on their
/// image as they are.
///
/// The expansion is bounded before it starts: at most
/// [`MAX_EXPANDED_FRAMES`] frames and
/// [`labelkit_model::track::MAX_EXPANDED_VERTEX_STATES`] vertex-states over
/// all tracks, ids that fit in 64 bits. Shapes after the last frame produce
/// nothing and are counted in `report`, with the last frame and the ids of
/// the tracks that have them (see [`shapes_after_stop_frame`]).
fn expand_tracks(dataset: &Dataset, report: &mut WriteReport) -> Result<Dataset, Error> {
    let stop_frame = dataset
        .images
        .iter()
        .filter_map(|i| i.frame)
        .chain(video_stop_frame(dataset))
        .max();
    let grid = video_frame_grid(dataset);
    let task_frames = video_task_frames(dataset);
    let frames = expanded_frame_bound(dataset, stop_frame, grid).max(
        task_frames.map_or(0, |(first, last)| {
            labelkit_model::track::frame_count(Some((first, last)), grid)
        }),
    );
    if frames > MAX_EXPANDED_FRAMES {
        return Err(Error::TooManyFrames {
            frames,
            limit: MAX_EXPANDED_FRAMES,
        });
    }
    let expansion = labelkit_model::track::try_expand_tracks(
        dataset,
        &labelkit_model::track::ExpandOptions::with_stop_frame(stop_frame).on_frames(grid),
        labelkit_model::track::MAX_EXPANDED_VERTEX_STATES,
    )?;
    if let Some(stop) = stop_frame {
        report.lose(
            &track_shapes_not_expanded(
                &format!("after the video's last frame {stop}"),
                &expansion.tracks_after_stop,
            ),
            expansion.shapes_after_stop,
        );
    }
    if let Some(grid) = grid {
        report.lose(
            &track_shapes_not_expanded(
                &format!(
                    "on frames the task does not have (frame_filter step={} from frame {})",
                    grid.step(),
                    grid.start()
                ),
                &expansion.tracks_off_grid,
            ),
            expansion.shapes_off_grid,
        );
    }
    let mut expanded = expansion.annotations;
    element_attributes(dataset, &mut expanded);
    let mut copy = dataset.clone();
    copy.tracks.clear();
    let known: std::collections::HashSet<ImageId> = copy.images.iter().map(|i| i.id).collect();
    // Frame f of a video is image f (see `labelkit_model::track`); the
    // task's frames were counted against the frame cap above.
    // The grid starts at the task's first frame, so stepping from it walks
    // the grid; the step is at most the span, else one frame is walked.
    let step = grid.map_or(1, labelkit_model::track::FrameGrid::step);
    let task_images = task_frames
        .into_iter()
        .flat_map(|(first, last)| {
            (first..=last).step_by(usize::try_from(step).unwrap_or(usize::MAX))
        })
        .map(ImageId);
    let mut missing: Vec<ImageId> = expanded
        .iter()
        .map(|a| a.image)
        .chain(task_images)
        .filter(|id| !known.contains(id))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    if !missing.is_empty() {
        let (width, height) = video_frame_size(dataset).unwrap_or((0, 0));
        for id in missing {
            copy.images.push(Image {
                id,
                file_name: format!("frame_{:06}", id.0),
                width,
                height,
                frame: Some(id.0),
                ..Image::default()
            });
        }
    }
    copy.annotations.extend(expanded);
    Ok(copy)
}

/// Turns the video tracks of `loaded` into the per-frame annotations (and
/// frame images) a conversion to a format without tracks writes, for the
/// rules: `labelkit check` checks what the tracks hold on each frame. The
/// expansion is the conversion's, with its frame cap and budgets.
///
/// Positions: an expanded annotation points at the track shape it comes
/// from, the last shape of its track at or before its frame (the keyframe
/// it is interpolated from, or copied from while the track stays), as the
/// reader recorded it in [`SpanTable::track_shapes`](labelkit_diagnostics::SpanTable),
/// else at the track. Frame images have no position.
///
/// # Errors
/// [`Error::TooManyFrames`] and the expansion's budget errors, as
/// [`write()`] refuses them.
pub fn expand_video_tracks(loaded: &mut Loaded) -> Result<(), Error> {
    if loaded.dataset.tracks.is_empty() {
        return Ok(());
    }
    let expanded =
        expand_tracks(&loaded.dataset, &mut WriteReport::new()).map_err(|e| locate(e, loaded))?;
    let first_new = loaded.dataset.annotations.len();
    let frame_of: std::collections::HashMap<ImageId, u64> = expanded
        .images
        .iter()
        .filter_map(|i| Some((i.id, i.frame?)))
        .collect();
    let mut track_index: std::collections::HashMap<labelkit_model::TrackId, usize> =
        std::collections::HashMap::new();
    for (i, t) in loaded.dataset.tracks.iter().enumerate() {
        track_index.entry(t.id).or_insert(i);
    }
    let spans = &mut loaded.spans;
    let tracks = &loaded.dataset.tracks;
    spans.annotations.resize(first_new, None);
    for a in expanded.annotations.iter().skip(first_new) {
        let t = a.track.and_then(|id| track_index.get(&id).copied());
        let frame = frame_of.get(&a.image).copied();
        let shape = t.zip(frame).and_then(|(t, f)| {
            let shapes = &tracks.get(t)?.shapes;
            (0..shapes.len())
                .filter(|&s| shapes.get(s).is_some_and(|x| x.frame <= f))
                .max_by_key(|&s| shapes.get(s).map(|x| x.frame))
        });
        let span = t.and_then(|t| {
            shape
                .and_then(|s| spans.track_shape(t, s))
                .or_else(|| spans.track(t))
        });
        spans.annotations.push(span);
    }
    spans.images.resize(expanded.images.len(), None);
    loaded.dataset = expanded;
    Ok(())
}

/// See [`labelkit_cvat::expanded_element_attributes`].
#[cfg(feature = "cvat")]
fn element_attributes(dataset: &Dataset, expanded: &mut [labelkit_model::Annotation]) {
    labelkit_cvat::expanded_element_attributes(dataset, expanded);
}

#[cfg(not(feature = "cvat"))]
fn element_attributes(_: &Dataset, _: &mut [labelkit_model::Annotation]) {}

/// See [`labelkit_cvat::element_attribute_values`].
#[cfg(feature = "cvat")]
fn element_attribute_values(dataset: &Dataset) -> u64 {
    labelkit_cvat::element_attribute_values(dataset)
}

#[cfg(not(feature = "cvat"))]
fn element_attribute_values(_: &Dataset) -> u64 {
    0
}

/// The loss reported for track shapes that steer the interpolation but
/// produce no annotation of their own: on frames after the video's last
/// frame (the images' last frame or CVAT's `<stop_frame>`), or on frames
/// outside the task's `frame_filter` step. `where_` says which; the loss
/// names the first few tracks that have them.
fn track_shapes_not_expanded(where_: &str, tracks: &[labelkit_model::TrackId]) -> String {
    const SHOWN: usize = 5;
    let mut ids: Vec<String> = tracks.iter().take(SHOWN).map(|t| t.0.to_string()).collect();
    if tracks.len() > SHOWN {
        ids.push(format!("and {} more", tracks.len() - SHOWN));
    }
    let s = if tracks.len() == 1 { "" } else { "s" };
    format!(
        "track shapes {where_} (not expanded; track{s} {})",
        ids.join(", ")
    )
}

/// The most per-frame states a track expansion may produce, over all tracks:
/// 2,000,000, 18 hours of video at 30 frames per second for one object.
///
/// Every frame of a CVAT video file gets an image of its own (the files list
/// none), and every state an annotation, so memory grows with this count
/// whatever the shapes: a 469-byte one-point track over 10,000,000 frames
/// aborted at 3.2 GB. It is checked first, from the frame numbers alone;
/// [`labelkit_model::track::MAX_EXPANDED_VERTEX_STATES`] then bounds states
/// and vertices together, and more tightly.
pub const MAX_EXPANDED_FRAMES: u64 = 2_000_000;

/// An upper bound of the states expanding `dataset`'s tracks produces: each
/// track spans from its first shape (its elements' included) to its last,
/// or to `stop_frame`, and counts only the task's frames (`grid`).
/// Saturates at `u64::MAX`.
fn expanded_frame_bound(
    dataset: &Dataset,
    stop_frame: Option<u64>,
    grid: Option<labelkit_model::track::FrameGrid>,
) -> u64 {
    use labelkit_model::track::{expansion_frames, frame_count};
    dataset
        .tracks
        .iter()
        .map(|t| frame_count(expansion_frames(t, stop_frame), grid))
        .fold(0, u64::saturating_add)
}

/// The frames of the task, from the video's start frame (0 when absent)
/// and frame step ([`DatasetInfo::video`](labelkit_model::DatasetInfo::video),
/// CVAT's `<start_frame>` and `<frame_filter>step=N</frame_filter>`);
/// `None` without a step or with a step of 1.
fn video_frame_grid(dataset: &Dataset) -> Option<labelkit_model::track::FrameGrid> {
    let video = dataset.info.video.as_ref()?;
    let step = video.frame_step.filter(|&s| s > 1)?;
    labelkit_model::track::FrameGrid::new(video.start_frame.unwrap_or(0), step)
}

/// The frames `(first, last)` of a video task: its start frame (0 when
/// absent) to its stop frame, for a dataset that lists no image (a CVAT for
/// video file); `None` otherwise or without a stop frame or with a stop
/// before the start.
fn video_task_frames(dataset: &Dataset) -> Option<(u64, u64)> {
    if !dataset.images.is_empty() {
        return None;
    }
    let video = dataset.info.video.as_ref()?;
    let first = video.start_frame.unwrap_or(0);
    let last = video.stop_frame?;
    (first <= last).then_some((first, last))
}

/// The video's frame size (CVAT's `<original_size>`).
fn video_frame_size(dataset: &Dataset) -> Option<(u32, u32)> {
    dataset.info.video.as_ref()?.frame_size
}

/// The last frame of the video (CVAT's `<stop_frame>`): a track still
/// visible after its last shape lasts until it.
fn video_stop_frame(dataset: &Dataset) -> Option<u64> {
    dataset.info.video.as_ref()?.stop_frame
}

fn write_enabled(
    dataset: &Dataset,
    sink: Sink<'_>,
    format: Format,
    options: &WriteOptions,
) -> Result<WriteReport, Error> {
    match (format, sink) {
        (Format::Coco, sink) => write_coco(dataset, sink, options),
        (Format::CvatImages | Format::CvatVideo, sink) => {
            write_cvat(dataset, sink, format, options)
        }
        (Format::YoloUltralytics | Format::YoloDarknet, Sink::Path { out, image_roots }) => {
            write_yolo(dataset, out, format, options, image_roots)
        }
        (Format::YoloUltralytics | Format::YoloDarknet, Sink::Stream(_)) => {
            Err(Error::FolderFormat {
                format,
                writing: true,
            })
        }
    }
}

#[cfg(feature = "coco")]
fn write_coco(
    dataset: &Dataset,
    sink: Sink<'_>,
    options: &WriteOptions,
) -> Result<WriteReport, Error> {
    let mut o = labelkit_coco::WriteOptions::default();
    if let Some(p) = options.precision {
        o.precision = p;
    }
    Ok(match sink {
        Sink::Path { out, .. } => labelkit_coco::write_path(dataset, out, &o)?,
        Sink::Stream(mut out) => labelkit_coco::write_to(dataset, &mut out, &o)?,
    })
}

#[cfg(not(feature = "coco"))]
fn write_coco(_: &Dataset, _: Sink<'_>, _: &WriteOptions) -> Result<WriteReport, Error> {
    Err(Error::disabled(Format::Coco))
}

#[cfg(feature = "cvat")]
fn write_cvat(
    dataset: &Dataset,
    sink: Sink<'_>,
    format: Format,
    options: &WriteOptions,
) -> Result<WriteReport, Error> {
    let mut o = labelkit_cvat::WriteOptions::default();
    if let Some(p) = options.precision {
        o.precision = p;
    }
    o.variant = if format == Format::CvatVideo {
        labelkit_cvat::Variant::Video
    } else {
        labelkit_cvat::Variant::Images
    };
    o.keyframes_only = options.keyframes_only;
    Ok(match sink {
        Sink::Path { out, .. } => labelkit_cvat::write_path(dataset, out, &o)?,
        Sink::Stream(mut out) => labelkit_cvat::write_to(dataset, &mut out, &o)?,
    })
}

#[cfg(not(feature = "cvat"))]
fn write_cvat(
    _: &Dataset,
    _: Sink<'_>,
    format: Format,
    _: &WriteOptions,
) -> Result<WriteReport, Error> {
    Err(Error::disabled(format))
}

#[cfg(feature = "yolo")]
fn write_yolo(
    dataset: &Dataset,
    out: &Path,
    format: Format,
    options: &WriteOptions,
    image_roots: &[PathBuf],
) -> Result<WriteReport, Error> {
    let mut o = labelkit_yolo::WriteOptions::default();
    if let Some(p) = options.precision {
        o.precision = p;
    }
    o.task = options.yolo_task;
    o.class_map.clone_from(&options.yolo_classes);
    o.yaml_path.clone_from(&options.yolo_yaml_path);
    o.layout = if format == Format::YoloDarknet {
        labelkit_yolo::Layout::Darknet
    } else {
        labelkit_yolo::Layout::Ultralytics
    };
    o.image_roots = image_roots.to_vec();
    o.images = match options.images {
        ImageMode::Link => labelkit_yolo::ImageMode::Link,
        ImageMode::Reference => labelkit_yolo::ImageMode::Reference,
        ImageMode::Copy => labelkit_yolo::ImageMode::Copy,
        ImageMode::HardLink => labelkit_yolo::ImageMode::HardLink,
        ImageMode::Symlink => labelkit_yolo::ImageMode::Symlink,
    };
    Ok(labelkit_yolo::write_path(dataset, out, &o)?)
}

#[cfg(not(feature = "yolo"))]
fn write_yolo(
    _: &Dataset,
    _: &Path,
    format: Format,
    _: &WriteOptions,
    _: &[PathBuf],
) -> Result<WriteReport, Error> {
    Err(Error::disabled(format))
}

/// Converts `input` (of format `from`, recognised when `None`) into
/// `output` in format `to`.
///
/// The output may not be, contain or lie inside the input. In strict mode
/// the dataset is written to a temporary name beside `output` first and
/// moved into place only when nothing was lost; otherwise the temporary
/// output is removed and [`Error::Lossy`] says what would have been lost.
///
/// # Errors
/// Everything [`read`] and [`write`] return, [`Error::Output`] for an output
/// over the input, and [`Error::Lossy`] in strict mode.
pub fn convert(
    input: &Path,
    output: &Path,
    from: Option<Format>,
    to: Format,
    options: &ConvertOptions,
) -> Result<ConvertReport, Error> {
    let from = match from {
        Some(f) => f,
        None => detect(input)?,
    };
    // A CVAT export folder or a folder holding one COCO file: its file.
    let file;
    let input = if matches!(from, Format::YoloUltralytics | Format::YoloDarknet) {
        input
    } else {
        file = crate::detect::annotation_file(input)?;
        file.as_path()
    };
    let image_roots = match &options.write.image_root {
        Some(root) => vec![root.clone()],
        None => image_roots(input, from),
    };
    // Refused before reading when the input alone tells, and again with
    // every file and image folder the reader found.
    convert_guard(input, from, None, &image_roots).check(output)?;
    if !to.is_enabled() {
        return Err(Error::disabled(to));
    }
    let mut loaded = read(input, Some(from), &options.read)?;
    convert_guard(input, from, Some(&loaded), &image_roots).check(output)?;
    let mut mapped = WriteReport::new();
    if let Some(map) = &options.label_map {
        loaded.dataset = map.apply(&loaded.dataset, &mut mapped)?;
    }
    let write_options = &options.write;
    // Input the reader skipped is a material loss, counted in the report
    // the conversion prints, and refused in strict mode.
    let read_errors = skipped_count(&loaded.issues) as u64;
    let report = if options.strictness == Strictness::Off {
        let sink = Sink::Path {
            out: output,
            image_roots: &image_roots,
        };
        let mut report =
            write_sink(&loaded.dataset, sink, to, write_options).map_err(|e| locate(e, &loaded))?;
        report.skipped_while_reading(read_errors);
        report
    } else {
        let temp = strict_temp_path(output);
        let sink = Sink::Path {
            out: &temp,
            image_roots: &image_roots,
        };
        let result =
            write_sink(&loaded.dataset, sink, to, write_options).map_err(|e| locate(e, &loaded));
        let mut report = match result {
            Ok(r) => r,
            Err(e) => {
                remove_any(&temp);
                return Err(named_as_output(e, &temp, output));
            }
        };
        report.skipped_while_reading(read_errors);
        if options.strictness.refuses(&report) {
            remove_any(&temp);
            return Err(Error::Lossy {
                to,
                report: Box::new(report),
                read_issues: read_errors as usize,
                issues: Box::new((loaded.issues, loaded.sources)),
            });
        }
        if let Err(e) = move_into_place(&temp, output) {
            remove_any(&temp);
            return Err(e);
        }
        report
    };
    let mut report = report;
    report.merge(&mapped);
    Ok(ConvertReport {
        from,
        to,
        read_issues: loaded.issues,
        sources: loaded.sources,
        write: report,
    })
}

/// `error` of a write to `temp` with the paths at or below `temp` named
/// after `output`, the place the user gave.
fn named_as_output(error: Error, temp: &Path, output: &Path) -> Error {
    match error {
        Error::Io(e) => Error::Io(e.named_as(temp, output)),
        Error::Output(e) => Error::Output(e.named_as(temp, output)),
        #[cfg(feature = "coco")]
        Error::Coco(labelkit_coco::Error::Output(e)) => {
            Error::Coco(labelkit_coco::Error::Output(e.named_as(temp, output)))
        }
        #[cfg(feature = "coco")]
        Error::Coco(labelkit_coco::Error::Io(e)) => {
            Error::Coco(labelkit_coco::Error::Io(e.named_as(temp, output)))
        }
        #[cfg(feature = "cvat")]
        Error::Cvat(labelkit_cvat::Error::Output(e)) => {
            Error::Cvat(labelkit_cvat::Error::Output(e.named_as(temp, output)))
        }
        #[cfg(feature = "yolo")]
        Error::Yolo(labelkit_yolo::Error::Output(e)) => {
            Error::Yolo(labelkit_yolo::Error::Output(e.named_as(temp, output)))
        }
        #[cfg(feature = "yolo")]
        Error::Yolo(labelkit_yolo::Error::Io(e)) => {
            Error::Yolo(labelkit_yolo::Error::Io(e.named_as(temp, output)))
        }
        other => other,
    }
}

/// `error` with the position of the input it is about, where the reader
/// recorded one: a refused track expansion names the track's line.
fn locate(error: Error, loaded: &Loaded) -> Error {
    match error {
        Error::TrackExpansion { error, at: None } => {
            let track = error.track();
            let at = loaded
                .dataset
                .tracks
                .iter()
                .position(|t| t.id == track)
                .and_then(|i| loaded.spans.track(i))
                .and_then(|span| {
                    let file = loaded.sources.get(span.file)?;
                    let lc = file.line_col(span.span.start);
                    Some(labelkit_diagnostics::Located {
                        path: file.path().to_path_buf(),
                        line: lc.line,
                        column: lc.column,
                    })
                });
            Error::TrackExpansion { error, at }
        }
        other => other,
    }
}

/// Adds to `guard` what an output written beside a dataset, such as a
/// baseline, must not touch after `input` (of `format`) was read into
/// `loaded`:
/// - every file read: the output may not be, replace or contain it;
/// - the folders whose content is the dataset, where even a new file would
///   change it (a `.txt` in a label folder is one more label file): the
///   folder of every YOLO label file read (the file of each image, read or
///   not) and the image folders, as [`convert_guard`] protects them
///   (the folders of [`image_roots`] other than the dataset's own, and
///   folders below them, with everything inside; images beside the
///   annotation file one by one).
///
/// The dataset's own folder stays a place for such a file (unless it is
/// itself a label folder). Protect the inputs as given and other files the
/// command read (a configuration) with [`OutputGuard::file`], and check
/// the output with [`OutputGuard::check`].
#[must_use]
pub fn read_guard(
    guard: OutputGuard,
    input: &Path,
    format: Format,
    loaded: &Loaded,
) -> OutputGuard {
    let mut guard = guard;
    for (_, file) in loaded.sources.iter() {
        guard = guard.file(file.path());
    }
    let yolo = matches!(format, Format::YoloUltralytics | Format::YoloDarknet);
    let image_root: Vec<PathBuf> = if yolo {
        let mut label_folders = std::collections::BTreeSet::new();
        for span in loaded.spans.images.iter().flatten() {
            if let Some(parent) = loaded
                .sources
                .get(span.file)
                .and_then(|f| f.path().parent())
            {
                label_folders.insert(parent.to_path_buf());
            }
        }
        for folder in &label_folders {
            guard = guard.tree(if folder.as_os_str().is_empty() {
                Path::new(".")
            } else {
                folder
            });
        }
        vec![yolo_root(input)]
    } else {
        image_roots(input, format)
    };
    let own = if yolo {
        yolo_root(input)
    } else {
        input_folder(input)
    };
    guard_image_folders(guard, &own, &loaded.dataset.images, &image_root)
}

/// What a conversion of `input` (of `format`) must not write over or into,
/// for every input form:
/// - the input itself, and a folder input with everything inside it;
/// - YOLO (a folder, `data.yaml`, `obj.data`, `obj.names` or a label file):
///   the dataset folder with everything inside it, and the folder of every
///   file read (a `path:` elsewhere);
/// - COCO and CVAT: the file, every file read, and the folders of the images
///   it names below each of `image_roots` (`images/...`) with everything
///   inside them; images directly in an image folder are protected one by
///   one (the annotation file's own folder is where outputs conventionally
///   go), and the image folders other than the annotation file's with
///   everything inside them.
///
/// `loaded`, when given, adds what the reader read and the images.
#[must_use]
pub fn convert_guard(
    input: &Path,
    format: Format,
    loaded: Option<&Loaded>,
    image_roots: &[PathBuf],
) -> OutputGuard {
    let yolo = matches!(format, Format::YoloUltralytics | Format::YoloDarknet);
    let mut guard = OutputGuard::new([input.to_path_buf()]);
    if yolo {
        guard = guard.tree(&yolo_root(input));
    }
    let Some(loaded) = loaded else {
        return guard;
    };
    for (_, file) in loaded.sources.iter() {
        guard = guard.file(file.path());
        if let (true, Some(parent)) = (yolo, file.path().parent()) {
            if !parent.as_os_str().is_empty() {
                guard = guard.tree(parent);
            }
        }
    }
    guard_image_folders(
        guard,
        &input_folder(input),
        &loaded.dataset.images,
        image_roots,
    )
}

/// Adds to `guard` the image folders `roots` of a dataset whose own folder
/// is `own`: each folder but `own` with everything inside it, and in each
/// the files of `images` (see [`guard_images`]).
fn guard_image_folders(
    guard: OutputGuard,
    own: &Path,
    images: &[Image],
    roots: &[PathBuf],
) -> OutputGuard {
    let mut guard = guard;
    for root in roots {
        if root != own && root.is_dir() {
            guard = guard.tree(root);
        }
        guard = guard_images(guard, images, root);
    }
    guard
}

/// The folders where the images a dataset file names may be, in the order
/// they are tried for each image: for YOLO, the dataset's folder; for a
/// COCO or CVAT file, the folders of the common layouts (the file's
/// folder, `images/` and `images/<subset>/` beside it, and beside an
/// `annotations/` folder COCO's `<subset>/`, `<subset>2017/`,
/// `images/<subset>/` and `images/`), those that exist and lie inside the
/// dataset's folder.
#[must_use]
pub fn image_roots(input: &Path, format: Format) -> Vec<PathBuf> {
    if matches!(format, Format::YoloUltralytics | Format::YoloDarknet) {
        return vec![input_folder(input)];
    }
    verify::image_roots(input)
}

/// Adds the files of `images` (named relative to `image_root`) to `guard`:
/// the folders of images below the image root (`images/...`) as trees with
/// everything inside them, other images (beside the annotation file, where
/// outputs conventionally go) one by one.
fn guard_images(guard: OutputGuard, images: &[Image], image_root: &Path) -> OutputGuard {
    let mut guard = guard;
    let mut trees = std::collections::BTreeSet::new();
    let mut files: std::collections::BTreeMap<PathBuf, Vec<&std::ffi::OsStr>> =
        std::collections::BTreeMap::new();
    for img in images {
        let name = Path::new(&img.file_name);
        let path = image_root.join(name);
        let (Some(parent), Some(file)) = (path.parent(), name.file_name()) else {
            continue;
        };
        let below_root = name
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
            && name.components().count() > 1;
        if below_root {
            trees.insert(parent.to_path_buf());
        } else {
            files.entry(parent.to_path_buf()).or_default().push(file);
        }
    }
    for t in &trees {
        guard = guard.tree(t);
    }
    for (folder, names) in files {
        guard = guard.files_in(&folder, names);
    }
    guard
}

/// The folder of the YOLO dataset `input` names: a folder itself; the
/// folder of a `data.yaml`, `obj.data` or `obj.names`; for a label file, the
/// folder of the description found above it, or the label's folder (give
/// an absolute path to look above the current folder too).
pub(crate) fn yolo_root(input: &Path) -> PathBuf {
    if input.is_dir() {
        return input.to_path_buf();
    }
    let is_label = input
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("txt"));
    #[cfg(feature = "yolo")]
    if is_label {
        if let Some(config) = labelkit_yolo::find_config(input) {
            return input_folder(&config);
        }
    }
    let _ = is_label;
    input_folder(input)
}

/// The folder image file names of the input are relative to: the dataset
/// folder for YOLO, the folder of the file for CVAT and COCO.
fn input_folder(input: &Path) -> PathBuf {
    if input.is_dir() {
        return input.to_path_buf();
    }
    input
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// An unpredictable, not yet existing sibling of `output` (same folder, so
/// relative paths written into it stay valid after the move). The writers
/// create it exclusively, so a name planted meanwhile is never followed.
fn strict_temp_path(output: &Path) -> PathBuf {
    labelkit_diagnostics::output::unique_sibling(output, "strict")
}

/// Removes what is at `path` (never what a symlink there points to).
fn remove_any(path: &Path) {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            let _ = std::fs::remove_dir_all(path);
        }
        Ok(_) => {
            let _ = std::fs::remove_file(path);
        }
        Err(_) => {}
    }
}

fn move_into_place(temp: &Path, output: &Path) -> Result<(), Error> {
    if output.is_dir() {
        // Only an empty folder may be replaced; `remove_dir` refuses others.
        std::fs::remove_dir(output).map_err(|e| Error::io(output, e))?;
    }
    std::fs::rename(temp, output).map_err(|e| Error::io(output, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_modes_parse() {
        assert_eq!("copy".parse::<ImageMode>(), Ok(ImageMode::Copy));
        assert_eq!("HardLink".parse::<ImageMode>(), Ok(ImageMode::HardLink));
        assert_eq!("symlink".parse::<ImageMode>(), Ok(ImageMode::Symlink));
        assert_eq!("reference".parse::<ImageMode>(), Ok(ImageMode::Reference));
        assert!("move".parse::<ImageMode>().is_err());
    }

    /// The library refuses what the command line refuses: an image of
    /// unknown size is never written to a pixel format, nor pixels to YOLO
    /// (rows are fractions of the size). Shapes read from YOLO stay
    /// fractions: without an image folder, the default mode writes YOLO
    /// labels and notes the images.
    #[test]
    fn unknown_sizes_are_refused_unless_yolo_rows_stay_fractions() {
        let dir = tempfile::tempdir().unwrap();
        let mut dataset = Dataset::new();
        let label = dataset.labels.find_or_insert("cat");
        for (n, (w, h)) in [(4, 3), (0, 0), (5, 0)].into_iter().enumerate() {
            dataset.images.push(Image {
                id: ImageId(n as u64 + 1),
                file_name: format!("{n}.jpg"),
                width: w,
                height: h,
                ..Image::default()
            });
        }
        dataset.annotations.push(labelkit_model::Annotation::new(
            labelkit_model::AnnotationId(1),
            ImageId(2),
            label,
            labelkit_model::Geometry::Box(labelkit_model::BoxGeom::from_xyxy(0.1, 0.1, 0.5, 0.5)),
        ));
        for format in [Format::Coco, Format::CvatImages, Format::CvatVideo] {
            let out = dir.path().join(format!("out.{format}"));
            let err = write(&dataset, &out, format, &WriteOptions::new()).unwrap_err();
            assert!(
                matches!(&err, Error::UnknownImageSizes { count: 2, images: 3, first, from_yolo: false, .. }
                    if first == &["1.jpg", "2.jpg"]),
                "{err:?}"
            );
            assert_eq!(
                err.to_string(),
                format!(
                    "2 of 3 images have no known size (\"1.jpg\", \"2.jpg\"): {format} cannot \
                     be written, it needs every image's size, so nothing was written; declare \
                     the size in the source (the width and height of each COCO `images` entry, \
                     which a COCO results file lacks, or of a CVAT <image>, a video's \
                     <original_size>)"
                )
            );
            assert!(!out.exists());
        }
        // Not read from YOLO: its coordinates are pixels, and only the
        // image with annotations needs a size to become rows.
        let out = dir.path().join("yolo");
        let err = write(
            &dataset,
            &out,
            Format::YoloUltralytics,
            &WriteOptions::new(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "1 of 3 images has no known size (\"1.jpg\"): yolo cannot be written, its rows are \
             fractions of the image's size, so nothing was written; declare the size in the \
             source (the width and height of each COCO `images` entry, which a COCO results \
             file lacks, or of a CVAT <image>, a video's <original_size>)"
        );
        assert!(!out.exists());
        dataset.info.source_format = Some("yolo".to_owned());
        let report = write(
            &dataset,
            &out,
            Format::YoloUltralytics,
            &WriteOptions::new(),
        )
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("labels/train/1.txt")).unwrap(),
            "0 0.3 0.3 0.4 0.4\n"
        );
        assert_eq!(
            report.notes().collect::<Vec<_>>(),
            [(
                "images named but not brought into the output (no image folder to link from): \
                 put them where data.yaml names them, images/train/0.jpg for the first",
                3
            )]
        );
    }

    #[test]
    fn strict_temp_is_a_hidden_sibling() {
        let t = strict_temp_path(Path::new("out/data.json"));
        assert_eq!(t.parent(), Some(Path::new("out")));
        let name = t.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with(".data.json."), "{name}");
        assert!(name.ends_with(".strict"), "{name}");
    }

    #[test]
    fn convert_refuses_to_write_over_its_input() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("a.json");
        std::fs::write(
            &input,
            "{\"images\": [], \"annotations\": [], \"categories\": []}",
        )
        .unwrap();
        let err = convert(&input, &input, None, Format::Coco, &ConvertOptions::new()).unwrap_err();
        assert!(matches!(err, Error::Output(_)), "{err}");
        assert!(
            err.to_string().contains("would overwrite the input"),
            "{err}"
        );
        // Inside an input folder is refused too.
        let err = convert(
            dir.path(),
            &dir.path().join("out"),
            Some(Format::YoloUltralytics),
            Format::Coco,
            &ConvertOptions::new(),
        )
        .unwrap_err();
        assert!(matches!(err, Error::Output(_)), "{err}");
    }
}

#[cfg(test)]
mod frame_limit_tests {
    use super::*;
    use labelkit_model::{Geometry, LabelId, Track, TrackId, TrackShape};

    fn shape(frame: u64) -> TrackShape {
        TrackShape {
            frame,
            keyframe: true,
            outside: false,
            occluded: false,
            z_order: 0,
            geometry: Geometry::Box(labelkit_model::BoxGeom::from_xyxy(0.0, 0.0, 5.0, 5.0)),
            attributes: labelkit_model::Attributes::new(),
        }
    }

    #[test]
    fn a_track_spanning_billions_of_frames_is_refused() {
        let mut dataset = Dataset::new();
        let label = dataset.labels.find_or_insert("person");
        assert_eq!(label, LabelId(0));
        dataset.tracks.push(Track {
            id: TrackId(0),
            label,
            group: None,
            source: None,
            crowd: false,
            shapes: vec![shape(0), shape(u64::MAX / 2)],
            elements: Vec::new(),
            kept: labelkit_model::Kept::default(),
        });
        let err = expand_tracks(&dataset, &mut WriteReport::new()).unwrap_err();
        assert!(
            matches!(err, Error::TooManyFrames { frames, limit } if frames == u64::MAX / 2 + 1 && limit == MAX_EXPANDED_FRAMES),
            "{err}"
        );
        dataset.tracks[0].shapes[1].frame = 9;
        let copy = expand_tracks(&dataset, &mut WriteReport::new()).unwrap();
        assert_eq!(copy.annotations.len(), 10);
        assert!(copy.tracks.is_empty());
    }
}
