//! A thin, safe layer over quick-xml's borrowing pull parser: absolute byte
//! positions, a bounded nesting depth, text with the five predefined entities
//! and character references (and nothing else: no DTD, no external
//! entities), and escaping for the writer.

use std::borrow::Cow;
use std::path::Path;

use labelkit_diagnostics::{ByteSpan, Diagnostic, FileId, ParseError, ReadIssue};
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Reader;

/// The deepest element nesting accepted. CVAT files nest at most six deep
/// (annotations > track > track > points > attribute); anything far deeper is
/// hostile or broken, and the limit keeps memory bounded.
pub(crate) const MAX_DEPTH: usize = 64;

/// The most XML attributes one element may carry. A CVAT element has about
/// twenty at most (a cuboid's corners); a start tag with thousands is
/// hostile, and refusing it keeps the repeated-name check cheap.
pub(crate) const MAX_ATTRIBUTES: usize = 1024;

/// One event with its absolute byte span.
pub(crate) struct Ev<'a> {
    pub(crate) event: Event<'a>,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// Pull parser over a slice of the input, reporting absolute positions.
pub(crate) struct Xml<'a> {
    reader: Reader<&'a [u8]>,
    /// The whole input (positions and errors refer to it).
    pub(crate) full: &'a [u8],
    /// Offset of the parsed slice inside `full`.
    base: usize,
    depth: usize,
    /// The depth at which the input may end: 0 for a whole document, 1
    /// for a piece of the root's content read on its own.
    floor: usize,
    pub(crate) path: &'a Path,
    pub(crate) file: FileId,
    /// Recoverable problems found so far.
    pub(crate) issues: Vec<Diagnostic>,
    /// `full` as text when it is valid UTF-8 as a whole: values are then
    /// sliced from it without validating each again.
    text: Option<&'a str>,
    /// Whether whitespace-only text between elements is skipped.
    skip_whitespace: bool,
    /// Whether the input is read by [`Xml::fast_event`] rather than by
    /// quick-xml's reader.
    fast: bool,
    /// The fast reader: the offset it has reached, the end of its input and
    /// the names (offset, length) of the open elements.
    cursor: usize,
    limit: usize,
    open: Vec<(usize, usize)>,
    /// The attributes of the start tag at `stash_at`, read by the fast
    /// reader while looking for the end of the tag.
    stash: AttrList<'a>,
    stash_at: Option<usize>,
}

/// The XML attributes of a start tag: name and unescaped value, borrowed
/// from the input where the value holds no reference.
pub(crate) type AttrList<'a> = Vec<(&'a [u8], Cow<'a, str>)>;

/// XML's whitespace.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl<'a> Xml<'a> {
    /// A parser over `full[base..end]`.
    pub(crate) fn new(
        path: &'a Path,
        file: FileId,
        full: &'a [u8],
        base: usize,
        end: usize,
    ) -> Self {
        let slice = full.get(base..end).unwrap_or_default();
        let mut reader = Reader::from_reader(slice);
        let config = reader.config_mut();
        config.trim_text(false);
        config.check_end_names = true;
        config.expand_empty_elements = false;
        Self {
            reader,
            full,
            base,
            depth: 0,
            floor: 0,
            path,
            file,
            issues: Vec::new(),
            text: None,
            skip_whitespace: false,
            fast: false,
            cursor: base,
            limit: end.min(full.len()),
            open: Vec::new(),
            stash: Vec::new(),
            stash_at: None,
        }
    }

    /// Reads the input with the fast reader from now on, if the input is
    /// valid UTF-8 as a whole ([`Xml::validate_utf8`]) and nothing was read
    /// yet. It reads elements, their attributes and plain text itself, in
    /// one pass over each tag, and leaves every other construct (comments,
    /// CDATA, processing instructions, document types, references in text)
    /// to a quick-xml reader made for that one event.
    pub(crate) fn read_fast(&mut self) {
        self.fast = self.text.is_some() && self.depth == 0 && self.pos() == self.base;
        self.cursor = self.base;
        // A byte order mark is not text.
        if self
            .full
            .get(self.base..self.limit)
            .is_some_and(|b| b.starts_with(b"\xEF\xBB\xBF"))
        {
            self.cursor += 3;
        }
    }

    /// A parser over `piece`, a run of whole elements (and what lies
    /// between them) inside the root element: it reads as the parser of the
    /// whole document reads there (one element open, whitespace skipped),
    /// and the end of the piece is its end. Positions are relative to the
    /// piece.
    pub(crate) fn inside_root(path: &'a Path, file: FileId, piece: &'a [u8]) -> Self {
        let mut x = Self::new(path, file, piece, 0, piece.len());
        x.validate_utf8();
        x.fast = x.text.is_some();
        x.depth = 1;
        x.floor = 1;
        x.skip_whitespace(true);
        x
    }

    /// Validates the whole input as UTF-8 once, so that values are sliced
    /// from it without validating each again.
    pub(crate) fn validate_utf8(&mut self) {
        self.text = std::str::from_utf8(self.full).ok();
    }

    /// Whether whitespace-only text between elements is skipped (no event).
    pub(crate) fn skip_whitespace(&mut self, skip: bool) {
        self.skip_whitespace = skip;
        self.reader.config_mut().trim_text_start = skip;
    }

    /// `full[start..end]` as text, or `None` if it is not valid UTF-8.
    pub(crate) fn str_at(&self, start: usize, end: usize) -> Option<&'a str> {
        match self.text {
            Some(text) => text.get(start..end),
            None => std::str::from_utf8(self.full.get(start..end)?).ok(),
        }
    }

    /// A fatal error at an absolute offset.
    /// The byte range of attribute `key`'s value (inside its quotes) in
    /// the tag at `[start, end)`, so a diagnostic points at the value; the
    /// whole tag if it is not found.
    pub(crate) fn attr_value_span(&self, start: usize, end: usize, key: &[u8]) -> (usize, usize) {
        let tag = self.full.get(start..end).unwrap_or_default();
        let mut quote = None;
        let mut i = 0;
        while let Some(&b) = tag.get(i) {
            if let Some(q) = quote {
                if b == q {
                    quote = None;
                }
            } else if b == b'"' || b == b'\'' {
                quote = Some(b);
            } else if i > 0
                && tag.get(i - 1).is_some_and(u8::is_ascii_whitespace)
                && tag.get(i..).is_some_and(|t| t.starts_with(key))
            {
                let mut j = i + key.len();
                let skip_ws = |mut j: usize| {
                    while tag.get(j).is_some_and(u8::is_ascii_whitespace) {
                        j += 1;
                    }
                    j
                };
                j = skip_ws(j);
                if tag.get(j) == Some(&b'=') {
                    j = skip_ws(j + 1);
                    if let Some(&q) = tag.get(j).filter(|&&q| q == b'"' || q == b'\'') {
                        let from = j + 1;
                        let to = tag
                            .get(from..)
                            .and_then(|t| t.iter().position(|&c| c == q))
                            .map_or(tag.len(), |p| from + p);
                        return (start + from, start + to);
                    }
                }
            }
            i += 1;
        }
        (start, end)
    }

    pub(crate) fn error_at(&self, offset: usize, message: impl Into<String>) -> ParseError {
        ParseError::at_offset(self.path, self.full, offset, message)
    }

    /// Records a recoverable issue.
    /// Skips an element the reader does not know (the whole subtree unless
    /// it is empty) and reports it as unsupported: "<name> CONTEXT is
    /// skipped".
    pub(crate) fn skip_unknown(
        &mut self,
        name: &[u8],
        start: usize,
        tag_end: usize,
        is_empty: bool,
        context: &str,
    ) -> Result<(), ParseError> {
        let name = String::from_utf8_lossy(name).into_owned();
        let end = if is_empty {
            tag_end
        } else {
            self.skip_element()?
        };
        self.skip(
            ReadIssue::Unsupported,
            start,
            end,
            format!("<{name}> {context} is skipped"),
        );
        Ok(())
    }

    pub(crate) fn issue(
        &mut self,
        kind: ReadIssue,
        start: usize,
        end: usize,
        message: impl Into<String>,
    ) {
        self.issues
            .push(kind.at(self.file, ByteSpan::new(start, end), message));
    }

    /// [`Self::issue`] for input the reader leaves out of the dataset.
    pub(crate) fn skip(
        &mut self,
        kind: ReadIssue,
        start: usize,
        end: usize,
        message: impl Into<String>,
    ) {
        self.issues.push(
            kind.at(self.file, ByteSpan::new(start, end), message)
                .skipped(),
        );
    }

    fn pos(&self) -> usize {
        self.base + usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX - self.base)
    }

    /// Current nesting depth (number of open elements).
    pub(crate) fn depth(&self) -> usize {
        self.depth
    }

    /// The next event. `Eof` inside an open element is an error.
    pub(crate) fn next(&mut self) -> Result<Ev<'a>, ParseError> {
        if self.fast {
            let (event, start, end) = self.fast_event()?;
            return self.account(Ev { event, start, end });
        }
        let mut start = self.pos();
        let event = match self.reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                let at = self.base + usize::try_from(self.reader.error_position()).unwrap_or(0);
                return Err(self.error_at(at, format!("malformed XML: {e}")));
            }
        };
        let end = self.pos();
        if self.skip_whitespace {
            // The skipped whitespace is not part of the event.
            while start < end && self.full.get(start).copied().is_some_and(is_space) {
                start += 1;
            }
        }
        self.account(Ev { event, start, end })
    }

    /// Keeps the depth and reports what the caller need not see.
    fn account(&mut self, ev: Ev<'a>) -> Result<Ev<'a>, ParseError> {
        let (start, end) = (ev.start, ev.end);
        match &ev.event {
            Event::Start(_) => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(self.error_at(
                        start,
                        format!("elements nest deeper than {MAX_DEPTH} levels"),
                    ));
                }
            }
            Event::End(_) => self.depth = self.depth.saturating_sub(1),
            Event::Eof if self.depth > self.floor => {
                return Err(self.error_at(end, "unexpected end of file: an element is not closed"));
            }
            Event::DocType(_) => {
                // A DTD is never processed: no entity is defined or expanded
                // and nothing external is fetched. CVAT never writes one, so
                // a file carrying one was made or edited elsewhere: refused,
                // rather than read with its entities left unexpanded.
                return Err(self.error_at(
                    start,
                    "a document type declaration (DTD) is refused: CVAT files have none, and labelkit never expands entities or fetches external definitions",
                ));
            }
            _ => {}
        }
        Ok(ev)
    }

    /// Skips the rest of the element whose start tag was just read; returns
    /// the end offset of its end tag.
    pub(crate) fn skip_element(&mut self) -> Result<usize, ParseError> {
        let target = self.depth.saturating_sub(1);
        loop {
            let ev = self.next()?;
            if matches!(ev.event, Event::End(_)) && self.depth == target {
                return Ok(ev.end);
            }
            if matches!(ev.event, Event::Eof) {
                return Ok(ev.end);
            }
        }
    }

    /// Reads the text content of the element whose start tag was just read,
    /// up to and including its end tag. Nested elements are skipped with an
    /// issue. Returns the text and the end offset.
    pub(crate) fn read_text(&mut self) -> Result<(String, usize), ParseError> {
        let skip = self.skip_whitespace;
        if skip {
            // Text values keep their whitespace.
            self.skip_whitespace(false);
        }
        let result = self.read_text_inner();
        if skip {
            self.skip_whitespace(true);
        }
        result
    }

    fn read_text_inner(&mut self) -> Result<(String, usize), ParseError> {
        let target = self.depth.saturating_sub(1);
        let mut text = String::new();
        loop {
            let ev = self.next()?;
            match ev.event {
                Event::Text(_) => match self.str_at(ev.start, ev.end) {
                    Some(s) => {
                        if text.is_empty() {
                            // Usually the only piece: allocate it exactly.
                            text = s.to_owned();
                        } else {
                            text.push_str(s);
                        }
                    }
                    None => self.skip(
                        ReadIssue::MalformedValue,
                        ev.start,
                        ev.end,
                        "text is not valid UTF-8",
                    ),
                },
                Event::CData(c) => match c.decode() {
                    Ok(s) => text.push_str(&s),
                    Err(_) => self.skip(
                        ReadIssue::MalformedValue,
                        ev.start,
                        ev.end,
                        "CDATA is not valid UTF-8",
                    ),
                },
                Event::GeneralRef(r) => {
                    let raw = r.decode().unwrap_or_default();
                    match resolve_entity(&raw) {
                        Some(c) if !is_xml_char(c) => {
                            self.issue(
                                ReadIssue::MalformedValue,
                                ev.start,
                                ev.end,
                                forbidden_reference(&raw, c),
                            );
                            text.push(char::REPLACEMENT_CHARACTER);
                        }
                        Some(c) => text.push(c),
                        None => {
                            self.issue(
                                ReadIssue::MalformedValue,
                                ev.start,
                                ev.end,
                                format!("unknown entity `&{raw};` kept as written"),
                            );
                            text.push('&');
                            text.push_str(&raw);
                            text.push(';');
                        }
                    }
                }
                Event::Start(e) => {
                    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    let end = self.skip_element()?;
                    self.skip(
                        ReadIssue::Unsupported,
                        ev.start,
                        end,
                        format!("element <{name}> inside a text value is skipped"),
                    );
                }
                Event::Empty(e) => {
                    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    self.skip(
                        ReadIssue::Unsupported,
                        ev.start,
                        ev.end,
                        format!("element <{name}> inside a text value is skipped"),
                    );
                }
                Event::End(_) if self.depth == target => return Ok((text, ev.end)),
                Event::Eof => return Ok((text, ev.end)),
                _ => {}
            }
        }
    }

    /// The next event of the fast reader, with its span.
    fn fast_event(&mut self) -> Result<(Event<'a>, usize, usize), ParseError> {
        let full = self.full.get(..self.limit).unwrap_or_default();
        loop {
            let pos = self.cursor;
            let rest = full.get(pos..).unwrap_or_default();
            match rest.first() {
                None => return Ok((Event::Eof, pos, pos)),
                Some(b'<') => return self.fast_markup(pos),
                Some(_) => {}
            }
            // Text, up to the next markup or reference.
            let mut n = rest.len();
            for (i, &b) in rest.iter().take(32).enumerate() {
                if b == b'<' || b == b'&' {
                    n = i;
                    break;
                }
            }
            if n == rest.len() && rest.len() > 32 {
                n = memchr::memchr2(b'<', b'&', rest).unwrap_or(rest.len());
            }
            if rest.get(n) == Some(&b'&') {
                return self.delegate(pos);
            }
            let text = rest.get(..n).unwrap_or_default();
            let end = pos + n;
            self.cursor = end;
            if self.skip_whitespace && text.iter().copied().all(is_space) {
                continue;
            }
            let text = self.str_at(pos, end).unwrap_or_default();
            return Ok((Event::Text(BytesText::from_escaped(text)), pos, end));
        }
    }

    /// The element tag at `pos` (a `<`), or what follows `<!` or `<?`.
    fn fast_markup(&mut self, pos: usize) -> Result<(Event<'a>, usize, usize), ParseError> {
        let full = self.full.get(..self.limit).unwrap_or_default();
        match full.get(pos + 1) {
            Some(b'!' | b'?') => self.delegate(pos),
            Some(b'/') => {
                let rest = full.get(pos + 2..).unwrap_or_default();
                let Some(gt) = rest.iter().position(|&b| b == b'>') else {
                    return Err(self.error_at(pos, "malformed XML: syntax error: tag not closed: `>` not found before end of input"));
                };
                let mut name = rest.get(..gt).unwrap_or_default();
                while let [head @ .., last] = name {
                    if !is_space(*last) {
                        break;
                    }
                    name = head;
                }
                let found = || String::from_utf8_lossy(name).into_owned();
                match self.open.pop() {
                    Some((at, len)) => {
                        let expected = full.get(at..at + len).unwrap_or_default();
                        if !key_is(expected, name) {
                            return Err(self.error_at(
                                pos,
                                format!(
                                    "malformed XML: ill-formed document: expected `</{}>`, but `</{}>` was found",
                                    String::from_utf8_lossy(expected),
                                    found()
                                ),
                            ));
                        }
                    }
                    None => {
                        return Err(self.error_at(
                            pos,
                            format!(
                                "malformed XML: ill-formed document: close tag `</{}>` does not match any open tag",
                                found()
                            ),
                        ))
                    }
                }
                let end = pos + 2 + gt + 1;
                self.cursor = end;
                let name = self
                    .str_at(pos + 2, pos + 2 + name.len())
                    .unwrap_or_default();
                Ok((Event::End(BytesEnd::new(name)), pos, end))
            }
            _ => {
                let mut stash = std::mem::take(&mut self.stash);
                stash.clear();
                let mut issues = Vec::new();
                let scanned = self.scan_tag(pos, &mut stash, &mut issues);
                self.stash = stash;
                let (end, empty, name_len) = match scanned {
                    Ok(found) => {
                        self.issues.append(&mut issues);
                        self.stash_at = Some(pos);
                        found
                    }
                    Err(_) => {
                        // Malformed attributes are reported when they are
                        // asked for; only the end of the tag is needed now.
                        self.stash_at = None;
                        self.find_tag_end(pos)?
                    }
                };
                let content_end = end.saturating_sub(if empty { 2 } else { 1 });
                let content = self.str_at(pos + 1, content_end).unwrap_or_default();
                let tag = BytesStart::from_content(content, name_len.min(content.len()));
                self.cursor = end;
                if empty {
                    Ok((Event::Empty(tag), pos, end))
                } else {
                    self.open.push((pos + 1, name_len));
                    Ok((Event::Start(tag), pos, end))
                }
            }
        }
    }

    /// One event at `pos` read by a quick-xml reader made for it.
    fn delegate(&mut self, pos: usize) -> Result<(Event<'a>, usize, usize), ParseError> {
        let slice = self.full.get(pos..self.limit).unwrap_or_default();
        let mut reader = Reader::from_reader(slice);
        let config = reader.config_mut();
        config.trim_text(false);
        config.check_end_names = false;
        config.expand_empty_elements = false;
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                let at = pos + usize::try_from(reader.error_position()).unwrap_or(0);
                return Err(self.error_at(at, format!("malformed XML: {e}")));
            }
        };
        let used = usize::try_from(reader.buffer_position()).unwrap_or(slice.len());
        let end = pos + used.max(1).min(slice.len());
        self.cursor = end;
        Ok((event, pos, end))
    }

    /// The end of the start tag at `pos`, whether it is empty and the length
    /// of its name, skipping quoted values.
    fn find_tag_end(&self, pos: usize) -> Result<(usize, bool, usize), ParseError> {
        let full = self.full.get(..self.limit).unwrap_or_default();
        let mut quote = None;
        let mut i = pos + 1;
        loop {
            let Some(&b) = full.get(i) else {
                return Err(self.error_at(pos, "malformed XML: syntax error: tag not closed: `>` not found before end of input"));
            };
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None if b == b'"' || b == b'\'' => quote = Some(b),
                None if b == b'>' => break,
                None => {}
            }
            i += 1;
        }
        let empty = i > pos + 1 && full.get(i - 1) == Some(&b'/');
        let content = full
            .get(pos + 1..if empty { i - 1 } else { i })
            .unwrap_or_default();
        let name_len = content
            .iter()
            .position(|&b| is_space(b))
            .unwrap_or(content.len());
        Ok((i + 1, empty, name_len))
    }

    /// Parses the attributes of the start tag `full[start..end]` (from its
    /// `<` to after its `>`) into `out`: names, and values with references
    /// replaced. Malformed or repeated attributes and unknown entities are
    /// errors at their position.
    pub(crate) fn tag_attributes(
        &mut self,
        start: usize,
        end: usize,
        out: &mut AttrList<'a>,
    ) -> Result<(), ParseError> {
        if self.stash_at == Some(start) {
            // Read already, while the fast reader looked for the tag's end.
            self.stash_at = None;
            std::mem::swap(out, &mut self.stash);
            return Ok(());
        }
        out.clear();
        // `start` is the `<` (past a byte order mark or skipped whitespace).
        let start = match self.full.get(start..end) {
            Some(tag) if tag.first() != Some(&b'<') => {
                start + memchr::memchr(b'<', tag).unwrap_or(0)
            }
            _ => start,
        };
        let mut issues = Vec::new();
        self.scan_tag(start, out, &mut issues)?;
        self.issues.append(&mut issues);
        Ok(())
    }

    /// Reads the start tag at `start` (a `<`) up to its `>`: its attributes
    /// into `out`, and references to characters XML 1.0 cannot hold (read
    /// as U+FFFD) into `issues`; returns the offset after the tag, whether
    /// it is empty (`/>`) and the length of the element name.
    fn scan_tag(
        &self,
        start: usize,
        out: &mut AttrList<'a>,
        issues: &mut Vec<Diagnostic>,
    ) -> Result<(usize, bool, usize), ParseError> {
        let full = self.full;
        let tag = full.get(start..self.limit).unwrap_or_default();
        let not_closed = || {
            self.error_at(
                start,
                "malformed XML: syntax error: tag not closed: `>` not found before end of input",
            )
        };
        let skip_spaces = |mut i: usize| {
            while let Some(&b) = tag.get(i) {
                if !is_space(b) {
                    break;
                }
                i += 1;
            }
            i
        };
        // Past `<` and the element name.
        let mut i = 1;
        while let Some(&b) = tag.get(i) {
            if is_space(b) || b == b'>' || b == b'/' {
                break;
            }
            i += 1;
        }
        let name_len = i - 1;
        // One bit per (length, first, last byte) of the names seen: a name
        // is looked for among the earlier ones only when its bit is set.
        let mut seen = 0u64;
        // Past a few dozen names the filter is mostly full: a set of the
        // names then keeps the check linear up to MAX_ATTRIBUTES.
        let mut names: Option<std::collections::HashSet<&[u8]>> = None;
        loop {
            i = skip_spaces(i);
            match tag.get(i) {
                None => return Err(not_closed()),
                Some(b'>') => return Ok((start + i + 1, false, name_len)),
                Some(b'/') => {
                    if tag.get(i + 1) == Some(&b'>') {
                        return Ok((start + i + 2, true, name_len));
                    }
                    return Err(self.error_at(start + i, "malformed attribute: unexpected `/`"));
                }
                Some(_) => {}
            }
            let key_start = i;
            while let Some(&b) = tag.get(i) {
                if b == b'=' || b == b'>' || b == b'/' || is_space(b) {
                    break;
                }
                i += 1;
            }
            let key = tag.get(key_start..i).unwrap_or_default();
            let key_name = || String::from_utf8_lossy(key);
            // `name="` usually, else spaces around `=`.
            if tag.get(i) != Some(&b'=') {
                i = skip_spaces(i);
                if tag.get(i) != Some(&b'=') {
                    return Err(self.error_at(
                        start + key_start,
                        format!(
                            "malformed attribute: `{}` is not followed by `=`",
                            key_name()
                        ),
                    ));
                }
            }
            i += 1;
            let quote = match tag.get(i) {
                Some(&q @ (b'"' | b'\'')) => q,
                _ => {
                    i = skip_spaces(i);
                    match tag.get(i) {
                        Some(&q @ (b'"' | b'\'')) => q,
                        _ => {
                            return Err(self.error_at(
                                start + i,
                                format!(
                                    "malformed attribute: the value of `{}` is not quoted",
                                    key_name()
                                ),
                            ))
                        }
                    }
                }
            };
            let value_start = i + 1;
            // Values are mostly short: look at their first bytes one by one.
            let mut amp = false;
            let mut j = value_start;
            let limit = value_start + 24;
            while let Some(&b) = tag.get(j) {
                if b == quote || j == limit {
                    break;
                }
                amp |= b == b'&';
                j += 1;
            }
            if tag.get(j) != Some(&quote) {
                let rest = tag.get(j..).unwrap_or_default();
                let Some(n) = memchr::memchr(quote, rest) else {
                    return Err(self.error_at(
                        start + i,
                        format!(
                            "malformed attribute: the value of `{}` is not closed",
                            key_name()
                        ),
                    ));
                };
                amp |= memchr::memchr(b'&', rest.get(..n).unwrap_or_default()).is_some();
                j += n;
            }
            let value_end = j;
            i = j + 1;
            if tag
                .get(i)
                .is_some_and(|&b| !is_space(b) && b != b'>' && b != b'/')
            {
                return Err(self.error_at(
                    start + i,
                    "malformed attribute: attributes must be separated by whitespace",
                ));
            }
            let (Some(&first), Some(&last)) = (key.first(), key.last()) else {
                return Err(
                    self.error_at(start + key_start, "malformed attribute: a name is missing")
                );
            };
            if out.len() == MAX_ATTRIBUTES {
                return Err(self.error_at(
                    start + key_start,
                    format!(
                        "malformed element: more than {MAX_ATTRIBUTES} attributes: expected at most {MAX_ATTRIBUTES} (a CVAT element has about 20)"
                    ),
                ));
            }
            let bit = 1u64 << ((key.len() * 7 + usize::from(first) * 3 + usize::from(last)) & 63);
            let repeated = if let Some(names) = names.as_mut() {
                !names.insert(key)
            } else if seen & bit == 0 {
                false
            } else if out.len() < 32 {
                out.iter().any(|(k, _)| key_is(k, key))
            } else {
                let mut set: std::collections::HashSet<&[u8]> =
                    out.iter().map(|(k, _)| *k).collect();
                let repeated = !set.insert(key);
                names = Some(set);
                repeated
            };
            if repeated {
                return Err(self.error_at(
                    start + key_start,
                    format!("malformed attribute: `{}` is repeated", key_name()),
                ));
            }
            seen |= bit;
            let (abs_start, abs_end) = (start + value_start, start + value_end);
            let value = if amp {
                let raw = full.get(abs_start..abs_end).unwrap_or_default();
                let mut forbidden = Vec::new();
                let value =
                    unescape(raw, &mut forbidden).map_err(|m| self.error_at(abs_start, m))?;
                for (from, to, message) in forbidden {
                    issues.push(ReadIssue::MalformedValue.at(
                        self.file,
                        ByteSpan::new(abs_start + from, abs_start + to),
                        message,
                    ));
                }
                Cow::Owned(value)
            } else {
                Cow::Borrowed(self.str_at(abs_start, abs_end).ok_or_else(|| {
                    self.error_at(abs_start, "attribute value is not valid UTF-8")
                })?)
            };
            out.push((key, value));
        }
    }
}

/// The name of an element without its namespace prefix.
pub(crate) fn local_name<'b>(e: &'b quick_xml::events::BytesStart<'_>) -> &'b [u8] {
    let name = e.name().into_inner();
    match name.iter().position(|&b| b == b':') {
        Some(colon) => name.get(colon + 1..).unwrap_or_default(),
        None => name,
    }
}

/// The character of a predefined entity or a character reference (`#10`,
/// `#x41`); `None` for anything else.
pub(crate) fn resolve_entity(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let num = name.strip_prefix('#')?;
            let code = if let Some(hex) = num.strip_prefix('x').or_else(|| num.strip_prefix('X')) {
                u32::from_str_radix(hex, 16).ok()?
            } else {
                num.parse().ok()?
            };
            return char::from_u32(code);
        }
    })
}

/// The finding for character reference `&name;` to `c`, a character XML
/// 1.0 cannot hold.
fn forbidden_reference(name: &str, c: char) -> String {
    format!(
        "character reference `&{name};` is to U+{:04X}, a character XML 1.0 cannot hold: read as U+FFFD",
        u32::from(c)
    )
}

/// Whether `xml` holds a character reference (`&#27;`, `&#x1;`) to a
/// character XML 1.0 cannot hold or to no character at all; XML parsers
/// reject such a document.
pub(crate) fn has_forbidden_reference(xml: &str) -> bool {
    xml.match_indices("&#").any(|(at, _)| {
        let name = xml
            .get(at + 1..)
            .and_then(|rest| rest.split_once(';'))
            .map_or("", |(name, _)| name);
        !resolve_entity(name).is_some_and(is_xml_char)
    })
}

/// Unescapes an attribute value: predefined entities and character
/// references only. A reference to a character XML 1.0 cannot hold is read
/// as U+FFFD and noted in `forbidden` (its byte range in `raw` and the
/// finding).
fn unescape(raw: &[u8], forbidden: &mut Vec<(usize, usize, String)>) -> Result<String, String> {
    let text =
        std::str::from_utf8(raw).map_err(|_| "attribute value is not valid UTF-8".to_owned())?;
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let Some(semi) = after.find(';') else {
            return Err("an `&` in an attribute value does not start an entity".to_owned());
        };
        let name = &after[..semi];
        match resolve_entity(name) {
            Some(c) if !is_xml_char(c) => {
                let from = text.len() - rest.len() + amp;
                forbidden.push((from, from + semi + 2, forbidden_reference(name, c)));
                out.push(char::REPLACEMENT_CHARACTER);
            }
            Some(c) => out.push(c),
            None => return Err(format!("unknown entity `&{name};` in an attribute value")),
        }
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Parses an integer value that must lie in `min..=max`; the error says
/// whether it is no integer or out of range, and names the range, so a
/// value never wraps or saturates silently (`width="4294967296"` is not 0).
pub(crate) fn int_value<T>(v: &str, min: T, max: T) -> Result<T, String>
where
    T: TryFrom<i128> + Copy + PartialOrd + std::fmt::Display,
{
    let text = v.trim();
    let expected = format!("expected an integer from {min} to {max}");
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let integral = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    match text.parse::<i128>().ok().and_then(|n| T::try_from(n).ok()) {
        Some(n) if n >= min && n <= max => Ok(n),
        _ if integral => Err(format!("is out of range: {expected}")),
        _ => Err(format!("is not an integer: {expected}")),
    }
}

/// Whether XML 1.0 can hold `c` (its `Char` production: no C0 control but
/// tab, newline and carriage return, no U+FFFE or U+FFFF; a Rust string
/// holds no lone surrogate). Not even as a character reference.
pub(crate) fn is_xml_char(c: char) -> bool {
    !matches!(
        c,
        '\0'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}'
    )
}

/// Appends `s` escaped for a double-quoted attribute value (`attribute`)
/// or for element text. In attribute values newlines, carriage returns and
/// tabs are written as character references, since a parser would turn
/// them into spaces; in text a carriage return is (a parser would turn
/// `\r\n` into `\n`). Characters XML 1.0 cannot hold are written as
/// U+FFFD; returns how many.
fn escape(out: &mut String, s: &str, attribute: bool) -> u64 {
    // Every byte that can need work: markup, controls, and the lead byte
    // of U+FFFE and U+FFFF.
    if !s
        .bytes()
        .any(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | 0..=0x1f | 0xef))
    {
        out.push_str(s);
        return 0;
    }
    let mut replaced = 0;
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            c if !is_xml_char(c) => {
                out.push(char::REPLACEMENT_CHARACTER);
                replaced += 1;
            }
            c => out.push(c),
        }
    }
    replaced
}

/// Appends `s` escaped for a double-quoted attribute value; returns the
/// number of characters XML cannot hold, written as U+FFFD.
pub(crate) fn escape_attr(out: &mut String, s: &str) -> u64 {
    escape(out, s, true)
}

/// Appends `s` escaped for element text; returns the number of characters
/// XML cannot hold, written as U+FFFD.
pub(crate) fn escape_text(out: &mut String, s: &str) -> u64 {
    escape(out, s, false)
}

/// Whether attribute name `key` is `name`: a loop the compiler keeps
/// inline, faster than a call to `memcmp` for names this short.
#[inline]
pub(crate) fn key_is(key: &[u8], name: &[u8]) -> bool {
    key.len() == name.len() && key.iter().zip(name).all(|(a, b)| a == b)
}

/// The value of attribute `name` in a collected attribute list.
pub(crate) fn get<'v>(attrs: &'v [(&[u8], Cow<'_, str>)], name: &[u8]) -> Option<&'v str> {
    attrs
        .iter()
        .find(|(k, _)| key_is(k, name))
        .map(|(_, v)| v.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_and_escapes() {
        assert_eq!(resolve_entity("lt"), Some('<'));
        assert_eq!(resolve_entity("#x41"), Some('A'));
        assert_eq!(resolve_entity("#10"), Some('\n'));
        assert_eq!(resolve_entity("xxe"), None);
        let mut forbidden = Vec::new();
        assert_eq!(unescape(b"a&amp;b&#10;", &mut forbidden).unwrap(), "a&b\n");
        assert!(unescape(b"&ext;", &mut forbidden).is_err());
        assert_eq!(forbidden, Vec::new());
        assert_eq!(
            unescape(b"x&#0;y&#x1b;", &mut forbidden).unwrap(),
            "x\u{FFFD}y\u{FFFD}"
        );
        assert_eq!(
            forbidden,
            vec![
                (1, 5, forbidden_reference("#0", '\0')),
                (6, 12, forbidden_reference("#x1b", '\u{1b}'))
            ]
        );
        assert!(has_forbidden_reference("<a>&#27;</a>"));
        assert!(has_forbidden_reference("<a b=\"&#xD800;\"/>"));
        assert!(has_forbidden_reference("<a>&#xFFFE;</a>"));
        assert!(!has_forbidden_reference("<a>&#10;&#x41;&amp;&#x1F600;</a>"));
        assert_eq!(int_value::<u32>("4294967295", 1, u32::MAX), Ok(u32::MAX));
        assert_eq!(
            int_value::<u32>("4294967296", 1, u32::MAX),
            Err("is out of range: expected an integer from 1 to 4294967295".to_owned())
        );
        assert_eq!(
            int_value::<i32>(
                "-99999999999999999999999999999999999999999",
                i32::MIN,
                i32::MAX
            ),
            Err("is out of range: expected an integer from -2147483648 to 2147483647".to_owned())
        );
        assert_eq!(
            int_value::<u64>("1.5", 0, u64::MAX),
            Err("is not an integer: expected an integer from 0 to 18446744073709551615".to_owned())
        );
        let mut s = String::new();
        escape_attr(&mut s, "a\"<b>&\nc");
        assert_eq!(s, "a&quot;&lt;b&gt;&amp;&#10;c");
    }

    /// The attributes of the start tag `tag`, or the error text.
    fn attrs_of(tag: &[u8], validate: bool) -> Result<Vec<(String, String)>, String> {
        let mut x = Xml::new(Path::new("t.xml"), FileId(0), tag, 0, tag.len());
        if validate {
            x.validate_utf8();
        }
        let mut out = Vec::new();
        x.tag_attributes(0, tag.len(), &mut out)
            .map_err(|e| e.to_string())?;
        Ok(out
            .into_iter()
            .map(|(k, v)| (String::from_utf8_lossy(k).into_owned(), v.into_owned()))
            .collect())
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn start_tags_are_read_by_hand() {
        for validate in [true, false] {
            assert_eq!(
                attrs_of(b"<box a=\"1\" b='x\"y' c = \"2\"\n\td=\"\"/>", validate).unwrap(),
                pairs(&[("a", "1"), ("b", "x\"y"), ("c", "2"), ("d", "")])
            );
            assert_eq!(
                attrs_of(b"<a v=\"&amp;&lt;&gt;&quot;&apos;&#65;&#x42;\">", validate).unwrap(),
                pairs(&[("v", "&<>\"'AB")])
            );
            // A reference past the bytes looked at one by one.
            let long = format!(
                "<a v=\"{}&amp;b\" w=\"{}\">",
                "x".repeat(40),
                "y".repeat(30)
            );
            assert_eq!(
                attrs_of(long.as_bytes(), validate).unwrap(),
                pairs(&[
                    ("v", &format!("{}&b", "x".repeat(40))),
                    ("w", &"y".repeat(30))
                ])
            );
            assert_eq!(attrs_of(b"<image>", validate).unwrap(), pairs(&[]));
            assert_eq!(attrs_of(b"<image  />", validate).unwrap(), pairs(&[]));
            assert_eq!(
                attrs_of("<a name=\"caf\u{e9} \u{1F600}\"/>".as_bytes(), validate).unwrap(),
                pairs(&[("name", "caf\u{e9} \u{1F600}")])
            );
        }
    }

    #[test]
    fn malformed_start_tags_are_errors_at_their_position() {
        let err = |tag: &[u8]| attrs_of(tag, true).unwrap_err();
        assert_eq!(
            err(b"<a v=\"&ext;\"/>"),
            "t.xml:1:7: unknown entity `&ext;` in an attribute value"
        );
        assert!(err(b"<a v=\"a & b\"/>").contains("does not start an entity"));
        assert_eq!(
            err(b"<a v=\"1\" v=\"2\">"),
            "t.xml:1:10: malformed attribute: `v` is repeated"
        );
        // Past 32 names, repeats are found through a set of the names.
        let mut many: String = (0..100).map(|i| format!(" a{i}=\"1\"")).collect();
        let col = 3 + many.len() + 1;
        many.push_str(" a5=\"2\" a7=\"3\">");
        assert_eq!(
            err(format!("<a{many}").as_bytes()),
            format!("t.xml:1:{col}: malformed attribute: `a5` is repeated")
        );
        let distinct: String = (0..1024).map(|i| format!(" a{i}=\"1\"")).collect();
        assert_eq!(
            attrs_of(format!("<a{distinct}>").as_bytes(), true)
                .unwrap()
                .len(),
            1024
        );
        // Names alike in length and ends are still different names.
        assert_eq!(
            attrs_of(b"<a xtl=\"1\" xbl=\"2\" x_l=\"3\">", true)
                .unwrap()
                .len(),
            3
        );
        assert!(err(b"<a v=\"1\"w=\"2\">").contains("separated by whitespace"));
        assert!(err(b"<a v>").contains("`v` is not followed by `=`"));
        assert!(err(b"<a v=1>").contains("the value of `v` is not quoted"));
        assert!(err(b"<a v=\"1>").contains("the value of `v` is not closed"));
        assert!(err(b"<a =\"1\">").contains("a name is missing"));
        // Without the whole input valid, each value is checked.
        let bad = attrs_of(b"<a v=\"ok\" w=\"\xff\"/>", false).unwrap_err();
        assert!(bad.contains("not valid UTF-8"), "{bad}");
    }
}
