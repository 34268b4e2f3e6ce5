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
//! The pieces after the first are parsed on rayon's threads, each on its
//! own from the labels known when it was handed out (as if it began the
//! root's content), and settled in file order: a piece whose reading
//! depended on what came before it (it declares a label, holds `<meta>`,
//! has an image without an id or with an id not above the last one, or was
//! read with labels that have changed since: see [`Built::depends`]) is
//! read again where it stands, on the model built so far; the others are
//! appended, their annotation ids counted on from the model's and their
//! positions shifted. The result (model, spans, issues and their order) is
//! that of reading the pieces one after the other, whatever the number of
//! threads. At most [`IN_FLIGHT`] pieces per thread are out at a time.
//!
//! Whatever the stream reader does not read to the end (a document that is
//! malformed, or has a document type, or anything unusual in its prolog or
//! after its root), it leaves to the reader of the whole input, which gives
//! the error (file, line, column) it always gave: [`stream`] returns `None`.

use std::collections::VecDeque;
use std::io::{self, BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};

use labelkit_diagnostics::{ByteSpan, FileId, Loaded, SourceSpan};
use quick_xml::events::Event;

use super::{Built, Labels, Reader};
use crate::xml::{Xml, MAX_DEPTH};

/// The size of a piece, in bytes, before its last element is complete.
pub(crate) const PIECE: usize = 1 << 20;

/// The pieces handed out and not yet settled, per thread.
const IN_FLIGHT: usize = 2;

/// The pieces parsed on their own and appended as they were, counted for
/// the tests.
#[cfg(test)]
pub(crate) static APPENDED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Where the pieces are parsed.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Workers<'p> {
    /// On the calling thread, one after the other.
    Here,
    /// On rayon's global pool.
    Global,
    /// On this pool.
    #[cfg_attr(not(test), allow(dead_code))]
    Pool(&'p rayon::ThreadPool),
}

impl Workers<'_> {
    /// Rayon's global pool when it has threads to spare and the caller is
    /// not one of them (a thread of the pool waiting for a piece would hold
    /// back the pool it waits on), else the calling thread.
    pub(crate) fn for_caller() -> Self {
        if rayon::current_thread_index().is_none() && rayon::current_num_threads() > 1 {
            Workers::Global
        } else {
            Workers::Here
        }
    }

    fn threads(self) -> usize {
        match self {
            Workers::Here => 1,
            Workers::Global => rayon::current_num_threads(),
            Workers::Pool(pool) => pool.current_num_threads(),
        }
    }

    fn spawn(self, job: impl FnOnce() + Send + 'static) {
        match self {
            Workers::Here => job(),
            Workers::Global => rayon::spawn(job),
            Workers::Pool(pool) => pool.spawn(job),
        }
    }
}

/// A piece parsed on its own: its bytes (to be read again where it stands
/// if need be), its offset in the input, and what was built from it
/// (`None` if it did not read to its end).
struct Parsed {
    bytes: Vec<u8>,
    origin: usize,
    built: Option<Built>,
}

/// The pieces of the root's content, read in file order.
struct Settle<'p> {
    path: &'p Path,
    shared_path: Arc<PathBuf>,
    file: FileId,
    built: Built,
    workers: Workers<'p>,
    /// The labels pieces are handed out with, and how many there were.
    labels: Option<Arc<Labels>>,
    pending: VecDeque<mpsc::Receiver<Parsed>>,
    /// Whether a piece was read: the first (which holds `<meta>`) is read
    /// where it stands.
    started: bool,
    /// Buffers of pieces settled, for the next pieces.
    spare: Vec<Vec<u8>>,
}

impl<'p> Settle<'p> {
    fn new(path: &'p Path, file: FileId, built: Built, workers: Workers<'p>) -> Self {
        Self {
            path,
            shared_path: Arc::new(path.to_path_buf()),
            file,
            built,
            workers,
            labels: None,
            pending: VecDeque::new(),
            started: false,
            spare: Vec::new(),
        }
    }

    /// An empty buffer for the next piece, one of a piece settled if there
    /// is one (a fresh one is fresh memory, a page fault per page).
    fn buffer(&mut self) -> Vec<u8> {
        self.spare.pop().unwrap_or_default()
    }

    /// Takes the next piece, found at `origin`; `None` if the input is to
    /// be read whole.
    fn add(&mut self, mut bytes: Vec<u8>, origin: usize) -> Option<()> {
        if !self.started || matches!(self.workers, Workers::Here) {
            self.here(&bytes, origin)?;
            bytes.clear();
            self.spare.push(bytes);
            return Some(());
        }
        let labels = match &self.labels {
            Some(l) if l.labels.len() == self.built.dataset.labels.len() => Arc::clone(l),
            _ => {
                let l = Arc::new(self.built.labels());
                self.labels = Some(Arc::clone(&l));
                l
            }
        };
        let (send, receive) = mpsc::sync_channel(1);
        let (path, file) = (Arc::clone(&self.shared_path), self.file);
        self.workers.spawn(move || {
            let mut r = Reader::with(
                Xml::inside_root(&path, file, &bytes),
                Built::with_labels(&labels),
            );
            let built = matches!(r.content(), Ok(false)).then(|| r.into_built());
            // The receiver is gone only when the read was abandoned.
            let _ = send.send(Parsed {
                bytes,
                origin,
                built,
            });
        });
        self.pending.push_back(receive);
        while self.pending.len() >= self.workers.threads().saturating_mul(IN_FLIGHT) {
            self.settle_next()?;
        }
        Some(())
    }

    /// Reads `bytes` on the model built so far.
    fn here(&mut self, bytes: &[u8], origin: usize) -> Option<()> {
        self.started = true;
        let built = std::mem::replace(&mut self.built, Built::new(self.file, 0));
        self.built = read_piece(self.path, self.file, built, bytes, origin)?;
        Some(())
    }

    /// Settles the first piece handed out and not settled.
    fn settle_next(&mut self) -> Option<()> {
        let Parsed {
            mut bytes,
            origin,
            built,
        } = self.pending.pop_front()?.recv().ok()?;
        match built {
            Some(piece) if appends(&self.built, &piece) => {
                #[cfg(test)]
                APPENDED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                append(&mut self.built, piece, origin);
            }
            _ => self.here(&bytes, origin)?,
        }
        bytes.clear();
        self.spare.push(bytes);
        Some(())
    }

    /// What was built, every piece settled.
    fn finish(mut self) -> Option<Built> {
        while !self.pending.is_empty() {
            self.settle_next()?;
        }
        Some(self.built)
    }
}

/// Whether `piece`, read on its own, reads as it would on `built`.
fn appends(built: &Built, piece: &Built) -> bool {
    !piece.depends
        && piece.dataset.labels.len() == built.dataset.labels.len()
        && built.used_image_ids.is_none()
        && match (built.last_image_id, piece.dataset.images.first()) {
            (Some(last), Some(first)) => first.id.0 > last,
            _ => true,
        }
        && built
            .next_annotation_id
            .checked_add(piece.next_annotation_id)
            .is_some()
}

/// Appends `piece`, read on its own at `origin`, to `built`.
fn append(built: &mut Built, mut piece: Built, origin: usize) {
    shift(&mut piece, Marks::default(), origin);
    let offset = built.next_annotation_id.saturating_sub(1);
    for ann in &mut piece.dataset.annotations {
        ann.id.0 = ann.id.0.saturating_add(offset);
    }
    built.next_annotation_id = built
        .next_annotation_id
        .saturating_add(piece.next_annotation_id.saturating_sub(1));
    built.dataset.images.append(&mut piece.dataset.images);
    built
        .dataset
        .annotations
        .append(&mut piece.dataset.annotations);
    built.dataset.tracks.append(&mut piece.dataset.tracks);
    let (to, from) = (&mut built.spans, &mut piece.spans);
    to.images.append(&mut from.images);
    to.annotations.append(&mut from.annotations);
    to.tracks.append(&mut from.tracks);
    to.track_shapes.append(&mut from.track_shapes);
    built.issues.append(&mut piece.issues);
    built.saw_track |= piece.saw_track;
    if piece.last_image_id.is_some() {
        built.last_image_id = piece.last_image_id;
    }
}

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
/// the length of an element if longer, parsed by `workers`. `Ok(None)`:
/// the input is to be read whole (see the module). `Err`: reading the input
/// failed.
pub(crate) fn stream(
    path: &Path,
    file: FileId,
    input: impl BufRead,
    size: usize,
    piece: usize,
    workers: Workers<'_>,
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
    let mut pieces = Settle::new(path, file, r.into_built(), workers);
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
            let bytes = std::mem::replace(&mut xml.get_mut().kept, pieces.buffer());
            let len = bytes.len();
            if pieces.add(bytes, origin).is_none() {
                return Ok(None);
            }
            origin += len;
        }
    }
    // The root's end tag closes the last piece; nothing after it is kept.
    let mut bytes = std::mem::take(&mut xml.get_mut().kept);
    xml.get_mut().keep = false;
    let Some(root_end) = bytes.iter().rposition(|&b| b == b'<') else {
        return Ok(None);
    };
    bytes.truncate(root_end);
    let Some(built) = pieces.add(bytes, origin).and_then(|()| pieces.finish()) else {
        return Ok(None);
    };

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
    let marks = Marks {
        images: spans.images.len(),
        annotations: spans.annotations.len(),
        tracks: spans.tracks.len(),
        track_shapes: spans.track_shapes.len(),
        labels: spans.labels.len(),
        issues: built.issues.len(),
    };
    let mut r = Reader::with(Xml::inside_root(path, file, piece), built);
    // The root does not end inside a piece: its end tag is not part of it.
    if !matches!(r.content(), Ok(false)) {
        return None;
    }
    let mut built = r.into_built();
    shift(&mut built, marks, origin);
    Some(built)
}

/// How much was built before a piece was read.
#[derive(Default, Clone, Copy)]
struct Marks {
    images: usize,
    annotations: usize,
    tracks: usize,
    track_shapes: usize,
    labels: usize,
    issues: usize,
}

/// Shifts the positions of what `built` got from a piece (all it has past
/// `marks`) by the piece's offset `origin` in the input.
fn shift(built: &mut Built, marks: Marks, origin: usize) {
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
    shift_all(spans.images.get_mut(marks.images..).unwrap_or_default());
    shift_all(
        spans
            .annotations
            .get_mut(marks.annotations..)
            .unwrap_or_default(),
    );
    shift_all(spans.tracks.get_mut(marks.tracks..).unwrap_or_default());
    for shapes in spans
        .track_shapes
        .get_mut(marks.track_shapes..)
        .unwrap_or_default()
    {
        shift_all(shapes);
    }
    shift_all(spans.labels.get_mut(marks.labels..).unwrap_or_default());
    for issue in built.issues.get_mut(marks.issues..).unwrap_or_default() {
        if let Some(label) = issue.primary.as_mut() {
            shift(&mut label.span);
        }
        for label in &mut issue.secondary {
            shift(&mut label.span);
        }
    }
}
