//! Reading from a stream, so that the input is never held whole.
//!
//! quick-xml's buffered reader ([`quick_xml::Reader::from_reader`] and
//! `read_event_into`) finds where the elements of the root end; the bytes
//! it consumes are kept until a run of whole elements of about
//! [`PIECE`] bytes is complete, and that piece is read by the reader of the
//! whole document ([`Reader::content`]) as it reads there: same parser,
//! same model, same issues. Positions in a piece are shifted by the piece's
//! offset in the input, so spans and issues are those of the whole read.
//! Memory is the model, a piece (at least the largest element of the root)
//! and the buffers of quick-xml.
//!
//! Whatever the stream reader does not read to the end (a document that is
//! malformed, or has a document type, or anything unusual in its prolog or
//! after its root), it leaves to the reader of the whole input, which gives
//! the error (file, line, column) it always gave: [`stream`] returns `None`.

use std::io::{self, BufRead, Read};
use std::path::Path;

use labelkit_diagnostics::{ByteSpan, FileId, Loaded, SourceSpan};
use quick_xml::events::Event;

use super::{Built, Reader};
use crate::xml::{Xml, MAX_DEPTH};

/// The size of a piece, in bytes, before its last element is complete.
pub(crate) const PIECE: usize = 1 << 20;

/// A buffered input that keeps what is consumed of it while `keep` is set.
struct Tee<R> {
    inner: R,
    kept: Vec<u8>,
    keep: bool,
}

impl<R: BufRead> Read for Tee<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        if let (Some(to), Some(from)) = (out.get_mut(..n), available.get(..n)) {
            to.copy_from_slice(from);
        }
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Tee<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        if self.keep && n > 0 {
            // The bytes consumed are those `fill_buf` just returned: asking
            // again returns them without reading.
            if let Ok(buffered) = self.inner.fill_buf() {
                self.kept
                    .extend_from_slice(buffered.get(..n).unwrap_or(buffered));
            }
        }
        self.inner.consume(n);
    }
}

/// What the stream reader found next.
enum Step {
    Start,
    End,
    Empty,
    /// Text of whitespace only.
    Blank,
    /// Other text, CDATA or a reference in text.
    Text,
    /// A comment or a processing instruction.
    Aside,
    /// The XML declaration.
    Decl,
    Eof,
    /// Anything else (a document type), or malformed XML: the input is to
    /// be read whole.
    Whole,
}

/// Reads the CVAT document of `input` (`size` bytes, as far as known, for
/// the room reserved) piece by piece, the pieces `piece` bytes long or
/// the length of an element if longer. `Ok(None)`: the input is to be
/// read whole (see the module). `Err`: reading the input failed.
pub(crate) fn stream(
    path: &Path,
    file: FileId,
    input: impl BufRead,
    size: usize,
    piece: usize,
) -> io::Result<Option<Loaded>> {
    let mut xml = quick_xml::Reader::from_reader(Tee {
        inner: input,
        kept: Vec::new(),
        keep: true,
    });
    let config = xml.config_mut();
    config.trim_text(false);
    config.check_end_names = false;
    config.expand_empty_elements = false;
    let mut buf = Vec::new();
    let mut next = |xml: &mut quick_xml::Reader<Tee<_>>| -> io::Result<Step> {
        buf.clear();
        Ok(match xml.read_event_into(&mut buf) {
            Ok(Event::Start(_)) => Step::Start,
            Ok(Event::End(_)) => Step::End,
            Ok(Event::Empty(_)) => Step::Empty,
            Ok(Event::Text(t)) if t.iter().all(u8::is_ascii_whitespace) => Step::Blank,
            Ok(Event::Text(_) | Event::CData(_) | Event::GeneralRef(_)) => Step::Text,
            Ok(Event::Comment(_) | Event::PI(_)) => Step::Aside,
            Ok(Event::Decl(_)) => Step::Decl,
            Ok(Event::Eof) => Step::Eof,
            Ok(Event::DocType(_)) => Step::Whole,
            Err(quick_xml::Error::Io(e)) => return Err(io::Error::new(e.kind(), e.to_string())),
            Err(_) => Step::Whole,
        })
    };

    // The prolog, up to the end of the root's start tag.
    loop {
        match next(&mut xml)? {
            Step::Start => break,
            Step::Decl | Step::Aside | Step::Blank => {}
            _ => return Ok(None),
        }
    }
    let prolog = std::mem::take(&mut xml.get_mut().kept);
    let mut r = Reader::with(
        Xml::new(path, file, &prolog, 0, prolog.len()),
        Built::new(file, size),
    );
    r.x.validate_utf8();
    r.x.read_fast();
    if !matches!(r.prolog(), Ok(true)) {
        return Ok(None);
    }
    let mut built = r.into_built();
    let mut origin = prolog.len();
    drop(prolog);

    // The root's content, piece by piece.
    let mut depth = 0usize;
    loop {
        let boundary = match next(&mut xml)? {
            Step::Start => {
                depth += 1;
                if depth >= MAX_DEPTH {
                    return Ok(None);
                }
                false
            }
            Step::End if depth == 0 => break,
            Step::End => {
                depth -= 1;
                depth == 0
            }
            Step::Empty => depth == 0,
            Step::Blank | Step::Text | Step::Aside => false,
            Step::Decl | Step::Eof | Step::Whole => return Ok(None),
        };
        if boundary && xml.get_ref().kept.len() >= piece {
            let mut bytes = std::mem::take(&mut xml.get_mut().kept);
            let Some(more) = read_piece(path, file, built, &bytes, origin) else {
                return Ok(None);
            };
            built = more;
            origin += bytes.len();
            bytes.clear();
            xml.get_mut().kept = bytes;
        }
    }
    // The root's end tag closes the last piece; nothing after it is kept.
    let mut bytes = std::mem::take(&mut xml.get_mut().kept);
    xml.get_mut().keep = false;
    let Some(root_end) = bytes.iter().rposition(|&b| b == b'<') else {
        return Ok(None);
    };
    bytes.truncate(root_end);
    let Some(built) = read_piece(path, file, built, &bytes, origin) else {
        return Ok(None);
    };
    drop(bytes);

    // After the root: comments, processing instructions and whitespace.
    loop {
        match next(&mut xml)? {
            Step::Eof => break,
            Step::Aside | Step::Blank => {}
            _ => return Ok(None),
        }
    }
    Ok(Some(built.finish()))
}

/// Reads `piece`, whole elements of the root's content found at `origin`
/// in the input, on from `built`; `None` if it does not read to its end.
fn read_piece(
    path: &Path,
    file: FileId,
    built: Built,
    piece: &[u8],
    origin: usize,
) -> Option<Built> {
    let spans = &built.spans;
    let marks = (
        spans.images.len(),
        spans.annotations.len(),
        spans.tracks.len(),
        spans.track_shapes.len(),
        spans.labels.len(),
        built.issues.len(),
    );
    let mut r = Reader::with(Xml::inside_root(path, file, piece), built);
    // The root does not end inside a piece: its end tag is not part of it.
    if !matches!(r.content(), Ok(false)) {
        return None;
    }
    let mut built = r.into_built();
    let shift = |span: &mut ByteSpan| {
        *span = ByteSpan::new(
            (span.start as usize).saturating_add(origin),
            (span.end as usize).saturating_add(origin),
        );
    };
    let shift_all = |spans: &mut [Option<SourceSpan>]| {
        for span in spans.iter_mut().flatten() {
            shift(&mut span.span);
        }
    };
    let spans = &mut built.spans;
    shift_all(spans.images.get_mut(marks.0..).unwrap_or_default());
    shift_all(spans.annotations.get_mut(marks.1..).unwrap_or_default());
    shift_all(spans.tracks.get_mut(marks.2..).unwrap_or_default());
    for shapes in spans.track_shapes.get_mut(marks.3..).unwrap_or_default() {
        shift_all(shapes);
    }
    shift_all(spans.labels.get_mut(marks.4..).unwrap_or_default());
    for issue in built.issues.get_mut(marks.5..).unwrap_or_default() {
        if let Some(label) = issue.primary.as_mut() {
            shift(&mut label.span);
        }
        for label in &mut issue.secondary {
            shift(&mut label.span);
        }
    }
    Some(built)
}
