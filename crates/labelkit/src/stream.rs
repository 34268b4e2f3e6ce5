//! Reading from bytes and streams, writing to a stream: the single-file
//! formats (COCO JSON, CVAT for images and for video) without a path, in
//! the manner of `serde_json::{from_slice, from_reader, to_writer}`.
//!
//! A YOLO dataset is a folder of files (a description, class names, one
//! label file per image, the images whose sizes its rows are fractions of):
//! these entry points refuse it with [`Error::FolderFormat`].

use std::io::{Read, Write};
use std::path::Path;

use labelkit_diagnostics::Loaded;
use labelkit_model::{Dataset, WriteReport};

use crate::error::Error;
use crate::format::Format;
use crate::io::{read_single, single_file, write_sink, ReadOptions, Sink, Source, WriteOptions};

/// The name bytes go by in positions and messages unless
/// [`ReadOptions::source_name`] gives one.
pub const BYTES_NAME: &str = "<bytes>";

/// Reads a COCO or CVAT dataset from `bytes` (the whole file). With
/// `format` `None`, the format is recognised by content as [`crate::detect`]
/// recognises a file's (the extension of [`ReadOptions::source_name`], when
/// given, counts as a file's).
///
/// Positions in errors, diagnostics and the source map name the bytes
/// `<bytes>`, or [`ReadOptions::source_name`]; the source map keeps a copy
/// of the bytes for showing diagnostics, and nothing is read from disk.
/// The result equals [`crate::read`] of a file holding the same bytes under
/// that name, but that no image is looked for
/// ([`ReadOptions::verify_image_sizes`] needs the file's folder).
///
/// ```
/// use labelkit::{from_slice, Format, ReadOptions};
///
/// let json = br#"{"images": [{"id": 1, "file_name": "a.jpg", "width": 4, "height": 3}],
///     "annotations": [], "categories": [{"id": 1, "name": "cat"}]}"#;
/// let loaded = from_slice(json, None, &ReadOptions::new())?;
/// assert_eq!(loaded.dataset.images[0].file_name, "a.jpg");
///
/// let err = from_slice(b"{\"images\": 3}", Some(Format::Coco), &ReadOptions::new())
///     .unwrap_err();
/// assert!(err.to_string().starts_with("<bytes>:1:"), "{err}");
/// # Ok::<(), labelkit::Error>(())
/// ```
///
/// # Errors
/// [`Error::Undetected`] when `format` is `None` and the bytes are neither
/// COCO JSON nor CVAT XML, [`Error::FolderFormat`] for a YOLO format, and
/// the reader's errors, naming the bytes with line and column.
pub fn from_slice(
    bytes: &[u8],
    format: Option<Format>,
    options: &ReadOptions,
) -> Result<Loaded, Error> {
    let name = source_name(options);
    let format = match format {
        Some(f) => f,
        None => crate::detect::detect_slice(name, bytes)?,
    };
    let mut loaded = read_single(Source::Bytes(name, bytes), format, options)?;
    // The readers keep a file that exists under the name lazily, to be read
    // again from disk: these bytes are the source, whatever is on disk.
    if let Some(file) = loaded.spans.dataset_file {
        loaded.sources.set_text(file, bytes);
    }
    Ok(loaded)
}

/// Reads a COCO or CVAT dataset from `reader`, to its end, as
/// [`from_slice`] reads the bytes. The whole input is held in memory (the
/// readers parse whole files, and diagnostics show its lines); wrap it in
/// [`Read::take`] to bound it.
///
/// # Errors
/// [`Error::Io`] naming the source when reading fails, and what
/// [`from_slice`] returns. A YOLO `format` is refused before anything is
/// read.
pub fn from_reader(
    mut reader: impl Read,
    format: Option<Format>,
    options: &ReadOptions,
) -> Result<Loaded, Error> {
    if let Some(format) = format {
        single_file(format, false)?;
    }
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(source_name(options), e))?;
    from_slice(&bytes, format, options)
}

/// Writes `dataset` to `writer` as COCO JSON or CVAT XML, exactly the
/// bytes [`crate::write()`] writes to a file, and flushes it. As there, a
/// format without tracks gets the tracks expanded first, and images of
/// unknown size are refused before anything is written.
///
/// ```
/// use labelkit::{to_writer, Dataset, Format, WriteOptions};
///
/// let mut out = Vec::new();
/// let report = to_writer(&Dataset::new(), &mut out, Format::Coco, &WriteOptions::new())?;
/// assert_eq!(report.images_written, 0);
/// assert!(out.starts_with(b"{"));
/// # Ok::<(), labelkit::Error>(())
/// ```
///
/// # Errors
/// [`Error::FolderFormat`] for a YOLO format (nothing is written), I/O
/// errors of `writer`, and the refusals of [`crate::write()`].
pub fn to_writer(
    dataset: &Dataset,
    mut writer: impl Write,
    format: Format,
    options: &WriteOptions,
) -> Result<WriteReport, Error> {
    single_file(format, true)?;
    let report = write_sink(dataset, Sink::Stream(&mut writer), format, options)?;
    writer.flush().map_err(|e| Error::io("<output>", e))?;
    Ok(report)
}

fn source_name(options: &ReadOptions) -> &Path {
    options
        .source_name
        .as_deref()
        .unwrap_or(Path::new(BYTES_NAME))
}
