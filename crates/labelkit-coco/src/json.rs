//! JSON plumbing: lenient number and string types, the first pass that finds
//! the byte span of every image, annotation and category, the fallback for
//! files holding Python's `NaN`/`Infinity`, and error positions.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

/// A string borrowed from the input where it has no escapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Str<'a>(pub(crate) Cow<'a, str>);

impl<'de> Deserialize<'de> for Str<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(V)
    }
}

/// A JSON number as written: unsigned, signed or float. `null` is accepted
/// where a number is expected and stands for a non-finite value (the reader
/// turns Python's `NaN` and `Infinity` into `null`, see [`patch_non_finite`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Num {
    /// A non-negative integer.
    U(u64),
    /// A negative integer.
    I(i64),
    /// A number with a fraction or exponent.
    F(f64),
    /// `null`, `NaN` or `Infinity`.
    Null,
}

impl Num {
    /// The value as `f64`; NaN for `null`.
    #[allow(clippy::cast_precision_loss)]
    pub(crate) fn as_f64(self) -> f64 {
        match self {
            Self::U(u) => u as f64,
            Self::I(i) => i as f64,
            Self::F(f) => f,
            Self::Null => f64::NAN,
        }
    }

    /// The value as a non-negative integer, accepting integral floats.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    pub(crate) fn as_u64(self) -> Option<u64> {
        match self {
            Self::U(u) => Some(u),
            Self::F(f) if f.fract() == 0.0 && (0.0..1.8e19).contains(&f) => Some(f as u64),
            _ => None,
        }
    }

    /// The value as an integer, accepting integral floats.
    #[allow(clippy::cast_possible_truncation)]
    pub(crate) fn as_i64(self) -> Option<i64> {
        match self {
            Self::U(u) => i64::try_from(u).ok(),
            Self::I(i) => Some(i),
            Self::F(f) if f.fract() == 0.0 && (-9.2e18..9.2e18).contains(&f) => Some(f as i64),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NumVisitor)
    }
}

struct NumVisitor;

impl Visitor<'_> for NumVisitor {
    type Value = Num;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
        Ok(Num::U(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
        Ok(if v >= 0 {
            Num::U(v.unsigned_abs())
        } else {
            Num::I(v)
        })
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
        Ok(Num::F(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Num, E> {
        Ok(Num::Null)
    }
}

/// An `f64` that also accepts `null` (as NaN).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Float(pub(crate) f64);

impl<'de> Deserialize<'de> for Float {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(NumVisitor)
            .map(|n| Float(n.as_f64()))
    }
}

/// Byte range `[start, end)` of one element in the (possibly patched) text.
pub(crate) type Range = (usize, usize);

/// What the first pass finds: where each element is, and the top-level keys
/// the reader does not turn into the model.
#[derive(Debug, Default)]
pub(crate) struct Layout<'a> {
    /// A results file: a bare list of annotations.
    pub(crate) results: bool,
    pub(crate) images: Vec<Range>,
    pub(crate) annotations: Vec<Range>,
    pub(crate) categories: Vec<Range>,
    /// Other top-level keys with their raw JSON text, in file order.
    pub(crate) extras: Vec<(Cow<'a, str>, &'a RawValue)>,
}

/// Finds the span of every element of one array.
struct SpanSeq<'b> {
    base: usize,
    out: &'b mut Vec<Range>,
}

impl<'de> DeserializeSeed<'de> for SpanSeq<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for SpanSeq<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            let start = raw.get().as_ptr().addr().wrapping_sub(self.base);
            self.out.push((start, start + raw.get().len()));
        }
        Ok(())
    }
}

struct TopVisitor<'b, 'a> {
    base: usize,
    layout: &'b mut Layout<'a>,
}

impl<'de, 'b> Visitor<'de> for TopVisitor<'b, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a COCO object (with images, annotations, categories) or a list of results")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Str<'de>>()? {
            let out = match key.0.as_ref() {
                "images" => &mut self.layout.images,
                "annotations" => &mut self.layout.annotations,
                "categories" => &mut self.layout.categories,
                _ => {
                    let raw: &'de RawValue = map.next_value()?;
                    self.layout.extras.push((key.0, raw));
                    continue;
                }
            };
            map.next_value_seed(SpanSeq {
                base: self.base,
                out,
            })?;
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        self.layout.results = true;
        SpanSeq {
            base: self.base,
            out: &mut self.layout.annotations,
        }
        .visit_seq(seq)
    }
}

/// A UTF-8 byte-order mark, which some Windows tools put before JSON.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// `text` without a leading byte-order mark, and the length skipped.
/// RFC 8259 lets a parser ignore the mark; offsets stay those of `text`.
fn skip_bom(text: &[u8]) -> (&[u8], usize) {
    match text.strip_prefix(BOM) {
        Some(rest) => (rest, BOM.len()),
        None => (text, 0),
    }
}

/// The first pass: validates the whole document (after a byte-order mark,
/// if any) and records the spans of its elements, as offsets into `text`.
pub(crate) fn scan(text: &[u8]) -> Result<Layout<'_>, serde_json::Error> {
    let mut layout = Layout::default();
    let (body, _) = skip_bom(text);
    let mut de = serde_json::Deserializer::from_slice(body);
    de.deserialize_any(TopVisitor {
        base: text.as_ptr().addr(),
        layout: &mut layout,
    })?;
    de.end()?;
    Ok(layout)
}

/// The first pass without a parser: finds the spans of the elements by
/// their brackets, as [`scan`] records them, at the cost of a look at each
/// byte (a [`Scanner`] over the whole text). It checks the structure around
/// the elements (the top-level object or list, keys, colons, commas) and
/// parses the values of the other top-level keys, but not the elements: the
/// reader parses each element anyway, and [`crate::read`] goes back to
/// [`scan`] when one of them is not JSON, so that the file is then refused
/// (or patched) exactly as [`scan`] refuses it. `None` for anything this
/// does not follow, which [`scan`] then judges.
pub(crate) fn scan_structure(text: &[u8]) -> Option<Layout<'_>> {
    let mut layout = Layout::default();
    let mut scanner = Scanner::default();
    let mut at = 0;
    let mut key = None;
    loop {
        match scanner.next(text, 0, &mut at, true).ok()? {
            Found::Key { key: k, list, .. } => key = list.is_none().then_some(k),
            Found::Element(list, range) => layout.list_mut(list).push(range),
            Found::Value((start, end)) => {
                let raw: &RawValue = serde_json::from_slice(text.get(start..end)?).ok()?;
                layout.extras.push((key.take()?, raw));
            }
            Found::End => break,
        }
    }
    layout.results = scanner.results;
    Some(layout)
}

impl Layout<'_> {
    fn list_mut(&mut self, list: List) -> &mut Vec<Range> {
        match list {
            List::Images => &mut self.images,
            List::Annotations => &mut self.annotations,
            List::Categories => &mut self.categories,
        }
    }
}

/// The list an element belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum List {
    Images,
    Annotations,
    Categories,
}

/// Why the [`Scanner`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The text ends before what comes next is whole: more is needed.
    More,
    /// The scanner does not follow the text (left to [`scan`]).
    Bad,
}

/// What the [`Scanner`] found next.
#[derive(Debug)]
pub(crate) enum Found<'t> {
    /// A key of the top-level object (`range`: its quotes included) and the
    /// list it opens, if it is `images`, `annotations` or `categories`.
    Key {
        key: Cow<'t, str>,
        range: Range,
        list: Option<List>,
    },
    /// An element of a list (not parsed).
    Element(List, Range),
    /// The value of the last key, which opens no list (not parsed).
    Value(Range),
    /// The end of the document.
    End,
}

/// Where the [`Scanner`] is in the document.
#[derive(Debug, Clone, Copy, Default)]
enum State {
    #[default]
    Start,
    /// Before a key of the top-level object (`first`: or its `}`).
    Key {
        first: bool,
    },
    /// Before the value of a key that opens no list.
    Value,
    /// Before an element of a list (`first`: or its `]`).
    Items {
        list: List,
        first: bool,
    },
    /// After an element: a `,` or the list's `]`.
    AfterItem(List),
    /// After a member of the top-level object: a `,` or its `}`.
    AfterMember,
    /// After the document: white space only.
    Trailing,
    Ended,
}

/// Follows the structure of a COCO document step by step over text that may
/// come in pieces: each call to [`Scanner::next`] finds the next key,
/// element or value in the text it is given, or says that the text ends
/// before it ([`Stop::More`]), to be called again with more text.
#[derive(Debug, Default)]
pub(crate) struct Scanner {
    state: State,
    /// A results file: a bare list of annotations.
    pub(crate) results: bool,
}

impl Scanner {
    /// The next thing from offset `*at` of the input, of which `text` holds
    /// the bytes from offset `base` on (`eof`: to the end of the input).
    /// `*at` moves past what is returned; ranges are offsets of the input.
    /// On [`Stop::More`] the scanner stays where it was; [`Stop::Bad`]
    /// ends the scan.
    pub(crate) fn next<'t>(
        &mut self,
        text: &'t [u8],
        base: usize,
        at: &mut usize,
        eof: bool,
    ) -> Result<Found<'t>, Stop> {
        let short = if eof { Stop::Bad } else { Stop::More };
        let mut i = at.checked_sub(base).ok_or(Stop::Bad)?;
        loop {
            let b = match (self.state, space(text, &mut i)) {
                (State::Ended, _) => return Ok(Found::End),
                (State::Trailing, None) if eof => {
                    self.state = State::Ended;
                    return Ok(Found::End);
                }
                (State::Trailing, None) => {
                    *at = base + i;
                    return Err(Stop::More);
                }
                (State::Trailing, Some(_)) => return Err(Stop::Bad),
                (_, None) => return Err(short),
                (_, Some(b)) => b,
            };
            match self.state {
                State::Start => {
                    // A byte-order mark, whole, at the start of the input.
                    if base == 0 && i == 0 && text.len() < BOM.len() && !eof {
                        return Err(Stop::More);
                    }
                    if base == 0 && i == 0 && text.starts_with(BOM) {
                        i = BOM.len();
                        continue;
                    }
                    self.state = match b {
                        b'[' => {
                            self.results = true;
                            State::Items {
                                list: List::Annotations,
                                first: true,
                            }
                        }
                        b'{' => State::Key { first: true },
                        _ => return Err(Stop::Bad),
                    };
                    i += 1;
                }
                State::Key { first } => {
                    if b == b'}' && first {
                        self.state = State::Trailing;
                        i += 1;
                        *at = base + i;
                        continue;
                    }
                    if b != b'"' {
                        return Err(Stop::Bad);
                    }
                    let start = i;
                    let end = string_end(text, i).ok_or(short)?;
                    let raw = text.get(start..end).ok_or(Stop::Bad)?;
                    let key: Cow<'t, str> = if raw.contains(&b'\\') {
                        serde_json::from_slice::<Str<'t>>(raw)
                            .map_err(|_| Stop::Bad)?
                            .0
                    } else {
                        let inner = raw.get(1..raw.len() - 1).ok_or(Stop::Bad)?;
                        Cow::Borrowed(std::str::from_utf8(inner).map_err(|_| Stop::Bad)?)
                    };
                    let mut j = end;
                    if space(text, &mut j).ok_or(short)? != b':' {
                        return Err(Stop::Bad);
                    }
                    j += 1;
                    let list = match key.as_ref() {
                        "images" => Some(List::Images),
                        "annotations" => Some(List::Annotations),
                        "categories" => Some(List::Categories),
                        _ => None,
                    };
                    if let Some(list) = list {
                        if space(text, &mut j).ok_or(short)? != b'[' {
                            return Err(Stop::Bad);
                        }
                        j += 1;
                        self.state = State::Items { list, first: true };
                    } else {
                        self.state = State::Value;
                    }
                    *at = base + j;
                    return Ok(Found::Key {
                        key,
                        range: (base + start, base + end),
                        list,
                    });
                }
                State::Value => {
                    let (start, end) = value(text, i, eof)?;
                    self.state = State::AfterMember;
                    *at = base + end;
                    return Ok(Found::Value((base + start, base + end)));
                }
                State::Items { list, first } => {
                    if b == b']' && first {
                        self.state = self.after_list();
                        i += 1;
                        *at = base + i;
                        continue;
                    }
                    let (start, end) = value(text, i, eof)?;
                    self.state = State::AfterItem(list);
                    *at = base + end;
                    return Ok(Found::Element(list, (base + start, base + end)));
                }
                State::AfterItem(list) => {
                    self.state = match b {
                        b',' => State::Items { list, first: false },
                        b']' => self.after_list(),
                        _ => return Err(Stop::Bad),
                    };
                    i += 1;
                }
                State::AfterMember => {
                    self.state = match b {
                        b',' => State::Key { first: false },
                        b'}' => State::Trailing,
                        _ => return Err(Stop::Bad),
                    };
                    i += 1;
                }
                State::Trailing | State::Ended => return Err(Stop::Bad),
            }
            *at = base + i;
        }
    }

    fn after_list(&self) -> State {
        if self.results {
            State::Trailing
        } else {
            State::AfterMember
        }
    }
}

/// Steps over JSON white space; the byte there, `None` at the end.
fn space(text: &[u8], i: &mut usize) -> Option<u8> {
    while let Some(&b) = text.get(*i) {
        if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            return Some(b);
        }
        *i += 1;
    }
    None
}

/// The end (after the closing quote) of the string whose opening quote is
/// at `i`; `None` when the text ends before it.
fn string_end(text: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    loop {
        let p = memchr::memchr2(b'"', b'\\', text.get(i..)?)?;
        if text.get(i + p) == Some(&b'\\') {
            i += p + 2;
        } else {
            return Some(i + p + 1);
        }
    }
}

/// The position in `text` of its first bracket or quote, the bytes
/// [`value`] and the search for repeated keys stop at inside a list:
/// `memchr` for the list's brackets and quotes, then for braces before
/// them.
fn next_structural(text: &[u8]) -> Option<usize> {
    let list = memchr::memchr3(b'[', b']', b'"', text);
    let before = list.map_or(text, |p| text.get(..p).unwrap_or_default());
    memchr::memchr2(b'{', b'}', before).or(list)
}

/// Whether a byte ends a scalar value.
const DELIMITER: [bool; 256] = {
    let mut table = [false; 256];
    table[b',' as usize] = true;
    table[b']' as usize] = true;
    table[b'}' as usize] = true;
    table[b' ' as usize] = true;
    table[b'\n' as usize] = true;
    table[b'\r' as usize] = true;
    table[b'\t' as usize] = true;
    table
};

/// The range of the value starting at `i` (not white space): a string, a
/// list or object to its matching bracket, else a scalar up to the next
/// delimiter. Its content is left to serde_json. [`Stop::More`] when the
/// text ends first (and `eof` is not set).
fn value(text: &[u8], start: usize, eof: bool) -> Result<Range, Stop> {
    let short = if eof { Stop::Bad } else { Stop::More };
    let mut i = start;
    match text.get(i).ok_or(short)? {
        b'"' => i = string_end(text, i).ok_or(short)?,
        b'[' | b'{' => {
            let mut depth = 0usize;
            loop {
                let p = next_structural(text.get(i..).ok_or(short)?).ok_or(short)?;
                i += p;
                match text.get(i).ok_or(short)? {
                    b'"' => {
                        i = string_end(text, i).ok_or(short)?;
                        continue;
                    }
                    b'[' | b'{' => depth += 1,
                    _ => depth = depth.checked_sub(1).ok_or(Stop::Bad)?,
                }
                i += 1;
                if depth == 0 {
                    break;
                }
            }
        }
        _ => {
            let p = text
                .get(i..)
                .ok_or(short)?
                .iter()
                .position(|&b| DELIMITER[usize::from(b)])
                .ok_or(short)?;
            if p == 0 {
                return Err(Stop::Bad);
            }
            i += p;
        }
    }
    Ok((start, i))
}

/// A copy of the input with Python's bare `NaN`, `Infinity` and `-Infinity`
/// tokens replaced by `null`, and the map back to original offsets.
#[derive(Debug, Default)]
pub(crate) struct Patched {
    pub(crate) text: Vec<u8>,
    /// `(patched offset just after a replacement, original offset there)`.
    shifts: Vec<(usize, usize)>,
}

impl Patched {
    /// The original offset of a patched offset.
    pub(crate) fn original(&self, offset: usize) -> usize {
        let i = self.shifts.partition_point(|&(p, _)| p <= offset);
        match i.checked_sub(1).and_then(|i| self.shifts.get(i)) {
            Some(&(p, o)) => o + (offset - p),
            None => offset,
        }
    }
}

/// Replaces non-finite number tokens outside strings with `null`; `None` when
/// there are none.
pub(crate) fn patch_non_finite(text: &[u8]) -> Option<Patched> {
    const TOKENS: [&[u8]; 3] = [b"-Infinity", b"Infinity", b"NaN"];
    let mut out = Patched::default();
    let mut copied = 0;
    let mut in_string = false;
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        let rest = &text[i..];
        let token = TOKENS.iter().find(|t| rest.starts_with(t));
        let boundary_before = i == 0 || !text[i - 1].is_ascii_alphanumeric();
        if let (Some(token), true) = (token, boundary_before) {
            out.text.extend_from_slice(&text[copied..i]);
            out.text.extend_from_slice(b"null");
            i += token.len();
            copied = i;
            out.shifts.push((out.text.len(), i));
            continue;
        }
        i += 1;
    }
    if out.shifts.is_empty() {
        return None;
    }
    out.text.extend_from_slice(&text[copied..]);
    Some(out)
}

/// A key repeated in one JSON object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DuplicateKey {
    /// The repeated key, quotes included, as a range of the text.
    pub(crate) range: Range,
    /// The key, unescaped.
    pub(crate) key: String,
    /// Start of the first occurrence.
    pub(crate) first: usize,
}

/// Every repeated key of every object of `text`, a document `scan` has
/// accepted. serde merges or overwrites repeated keys silently; JSON leaves
/// their meaning open, so the reader reports them. One linear pass with an
/// explicit stack (no recursion), allocating nothing per object: the keys
/// of the open objects share one list (borrowed from the text unless they
/// have escapes), searched linearly while an object has few keys and
/// through a hash map once it has many, so that the time stays linear.
pub(crate) fn duplicate_keys(text: &[u8]) -> Vec<DuplicateKey> {
    duplicate_keys_in(text, 0, [(0, text.len())])
}

/// [`duplicate_keys`] of the values at `ranges` (offsets of the input, of
/// which `text` holds the bytes from offset `base` on), in order; the
/// ranges of what is found are offsets of the input.
pub(crate) fn duplicate_keys_in(
    text: &[u8],
    base: usize,
    ranges: impl IntoIterator<Item = Range>,
) -> Vec<DuplicateKey> {
    let mut keys: OpenKeys<'_> = Vec::new();
    let mut stack: Vec<Frame<'_>> = Vec::new();
    let mut found = Vec::new();
    let all = text;
    for (from, to) in ranges {
        let Some(text) = all.get(from.saturating_sub(base)..to.saturating_sub(base)) else {
            continue;
        };
        keys.clear();
        stack.clear();
        scan_keys(text, from, &mut keys, &mut stack, &mut found);
    }
    found
}

/// The keys of the open objects: (unescaped key, offset of its first
/// occurrence).
type OpenKeys<'t> = Vec<(std::borrow::Cow<'t, [u8]>, usize)>;

/// Keys an object holds before its keys go into a map.
const LINEAR: usize = 16;

struct Object<'t> {
    /// Where the object's keys start in the open keys.
    from: usize,
    expect_key: bool,
    /// The object's keys, once it has more than `LINEAR`.
    map: Option<rustc_hash::FxHashMap<std::borrow::Cow<'t, [u8]>, usize>>,
}

enum Frame<'t> {
    Object(Object<'t>),
    Array,
}

/// The repeated keys of `text`, found at offset `offset` of the input.
fn scan_keys<'t>(
    text: &'t [u8],
    offset: usize,
    keys: &mut OpenKeys<'t>,
    stack: &mut Vec<Frame<'t>>,
    found: &mut Vec<DuplicateKey>,
) {
    let mut i = 0;
    loop {
        // Inside a list only brackets and quotes matter (numbers and
        // commas are most of a COCO file).
        if !matches!(stack.last(), Some(Frame::Object(_))) {
            match next_structural(text.get(i..).unwrap_or_default()) {
                Some(p) => i += p,
                None => break,
            }
        }
        let Some(&b) = text.get(i) else {
            break;
        };
        match b {
            b'{' => stack.push(Frame::Object(Object {
                from: keys.len(),
                expect_key: true,
                map: None,
            })),
            b'[' => stack.push(Frame::Array),
            b'}' | b']' => {
                if let Some(Frame::Object(o)) = stack.pop() {
                    keys.truncate(o.from);
                }
            }
            b',' | b':' => {
                if let Some(Frame::Object(o)) = stack.last_mut() {
                    o.expect_key = b == b',';
                }
            }
            b'"' => {
                let start = i;
                let mut escaped = false;
                i += 1;
                // The closing quote: the first quote not escaped.
                loop {
                    match memchr::memchr2(b'"', b'\\', text.get(i..).unwrap_or_default()) {
                        Some(p) if text.get(i + p) == Some(&b'\\') => {
                            escaped = true;
                            i += p + 2;
                        }
                        Some(p) => {
                            i += p;
                            break;
                        }
                        None => {
                            i = text.len();
                            break;
                        }
                    }
                }
                let end = (i + 1).min(text.len());
                if let Some(Frame::Object(o)) = stack.last_mut() {
                    if o.expect_key {
                        let raw = text.get(start..end).unwrap_or_default();
                        let key: std::borrow::Cow<'_, [u8]> = if escaped {
                            std::borrow::Cow::Owned(
                                serde_json::from_slice::<String>(raw)
                                    .unwrap_or_default()
                                    .into_bytes(),
                            )
                        } else {
                            std::borrow::Cow::Borrowed(
                                raw.get(1..raw.len().saturating_sub(1)).unwrap_or_default(),
                            )
                        };
                        let first = match &o.map {
                            Some(map) => map.get(&key).copied(),
                            None => keys
                                .get(o.from..)
                                .unwrap_or_default()
                                .iter()
                                .find(|(k, _)| *k == key)
                                .map(|&(_, at)| at),
                        };
                        match first {
                            Some(first) => found.push(DuplicateKey {
                                range: (offset + start, offset + end),
                                key: String::from_utf8_lossy(&key).into_owned(),
                                first,
                            }),
                            None => {
                                let start = offset + start;
                                if let Some(map) = &mut o.map {
                                    map.insert(key, start);
                                } else if keys.len() - o.from >= LINEAR {
                                    let mut map: rustc_hash::FxHashMap<_, _> =
                                        keys.drain(o.from..).collect();
                                    map.insert(key, start);
                                    o.map = Some(map);
                                } else {
                                    keys.push((key, start));
                                }
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
}

/// The byte offset, inside `text`, of a serde_json error's line and column,
/// and its message without serde_json's " at line L column C" suffix.
pub(crate) fn error_offset(text: &[u8], error: &serde_json::Error) -> (usize, String) {
    let (text, skipped) = skip_bom(text);
    let (offset, message) = body_error_offset(text, error);
    (offset + skipped, message)
}

fn body_error_offset(text: &[u8], error: &serde_json::Error) -> (usize, String) {
    let mut message = error.to_string();
    if let Some(at) = message.rfind(" at line ") {
        message.truncate(at);
    }
    let line = error.line();
    if line == 0 {
        return (text.len(), message);
    }
    let mut start = 0;
    for _ in 1..line {
        match memchr::memchr(b'\n', text.get(start..).unwrap_or(&[])) {
            Some(p) => start += p + 1,
            None => break,
        }
    }
    let mut offset = (start + error.column().saturating_sub(1)).min(text.len());
    if error.classify() == serde_json::error::Category::Data {
        offset = value_start(text, (offset + 1).min(text.len()));
    }
    if error.classify() == serde_json::error::Category::Syntax
        && matches!(text.get(offset..offset + 2), Some(b"//" | b"/*"))
    {
        message = "a comment: JSON has none (COCO tools refuse the file); remove it".to_owned();
    }
    (offset, message)
}

/// serde_json reports a value of the wrong type just after it; step back to
/// where the scalar value starts, so the caret points at it.
fn value_start(text: &[u8], offset: usize) -> usize {
    let before = text.get(..offset).unwrap_or(text);
    let Some(end) = before.iter().rposition(|b| !b.is_ascii_whitespace()) else {
        return offset;
    };
    match before[end] {
        b'"' => {
            // The opening quote: the previous quote not escaped.
            let mut i = end;
            while let Some(q) = before[..i].iter().rposition(|&b| b == b'"') {
                let backslashes = before[..q]
                    .iter()
                    .rev()
                    .take_while(|&&b| b == b'\\')
                    .count();
                if backslashes % 2 == 0 {
                    return q;
                }
                i = q;
            }
            offset
        }
        b if b.is_ascii_alphanumeric() || b == b'.' => {
            let scalar = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-');
            before[..=end]
                .iter()
                .rposition(|b| !scalar(b))
                .map_or(0, |p| p + 1)
        }
        _ => offset,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_finds_element_spans_and_extras() {
        let text = br#"{"info": {"a": 1}, "images": [{"id": 1}, {"id": 2}], "annotations": [], "type": "x"}"#;
        let layout = scan(text).unwrap();
        assert!(!layout.results);
        assert_eq!(layout.images.len(), 2);
        let (s, e) = layout.images[1];
        assert_eq!(&text[s..e], br#"{"id": 2}"#);
        assert_eq!(layout.extras.len(), 2);
        assert_eq!(layout.extras[0].0, "info");
        assert_eq!(layout.extras[0].1.get(), r#"{"a": 1}"#);
        let results = scan(br#"[{"image_id": 1}]"#).unwrap();
        assert!(results.results);
        assert_eq!(results.annotations, vec![(1, 16)]);
    }

    #[test]
    fn the_structure_found_by_brackets_is_the_one_serde_json_finds() {
        let texts: [&[u8]; 6] = [
            br#"{"info": {"a": [1, "]}"]}, "images": [{"id": 1}, {"id": 2, "s": "a\"}{"}], "annotations": [], "type": "x"}"#,
            b"\xEF\xBB\xBF {\n \"images\" : [ {\"id\":1} , 7 ,\"s\"] ,\"images\":[[]],\"k\\u0041\": null }\n",
            br#"[{"image_id": 1}, {"image_id": 2, "bbox": [1, 2, 3, 4]}]"#,
            b"{}",
            b"[]",
            br#"{"categories": [{"id": 1, "name": "\u00e9"}], "annotations": [{}]}"#,
        ];
        for text in texts {
            let fast = scan_structure(text).expect("structure found");
            let full = scan(text).unwrap();
            assert_eq!(fast.results, full.results);
            assert_eq!(fast.images, full.images);
            assert_eq!(fast.annotations, full.annotations);
            assert_eq!(fast.categories, full.categories);
            let pairs = |l: &Layout<'_>| {
                l.extras
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.get().to_owned()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(pairs(&fast), pairs(&full));
        }
        // What it does not follow is left to serde_json.
        for bad in [
            &b""[..],
            b"5",
            b"{\"images\": 5}",
            b"{\"images\": [1 2]}",
            b"{\"images\": [1,]}",
            b"{\"images\": []]",
            b"{\"a\": 1 \"b\": 2}",
            b"{\"a\": tru}",
            b"{\"a\": 1} x",
            b"{\"images\": [{\"id\": 1}",
            b"{\"images\": [\"abc]}",
        ] {
            assert!(
                scan_structure(bad).is_none(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn duplicate_keys_are_found_in_every_object() {
        let text = br#"{"images": [{"id": 1, "i\u0064": 2, "s": "{\"id\": 3}"}], "images": [], "x": {"a": [{"a": 1}], "a": 2}}"#;
        let dups = duplicate_keys(text);
        let keys: Vec<&str> = dups.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(keys, ["id", "images", "a"]);
        assert_eq!(&text[dups[0].range.0..dups[0].range.1], br#""i\u0064""#);
        assert_eq!(&text[dups[0].first..dups[0].first + 4], br#""id""#);
        assert!(duplicate_keys(br#"[{"a": 1}, {"a": 2}]"#).is_empty());
    }

    #[test]
    fn duplicate_keys_of_objects_with_many_keys_and_nested_objects() {
        // 40 keys (past the linear search), an inner object between them
        // with its own keys, then k3 again and the inner key `a` again in
        // the outer object.
        let mut text = String::from("{");
        for i in 0..40 {
            text.push_str(&format!("\"k{i}\": {i}, "));
            if i == 20 {
                text.push_str(r#""in": {"a": 1, "k3": 2, "a": 3}, "#);
            }
        }
        text.push_str(r#""k3": 0, "a": 1, "k\u0033\u0039": 2}"#);
        let dups = duplicate_keys(text.as_bytes());
        let keys: Vec<&str> = dups.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(keys, ["a", "k3", "k39"]);
        let first = |d: &DuplicateKey| &text[d.first..d.first + 4];
        assert_eq!(first(&dups[0]), r#""a":"#);
        assert_eq!(first(&dups[1]), r#""k3""#);
        assert_eq!(
            &text[dups[2].range.0..dups[2].range.1],
            r#""k\u0033\u0039""#
        );
    }

    #[test]
    fn a_byte_order_mark_is_skipped_with_offsets_kept() {
        let text = b"\xEF\xBB\xBF{\"images\": [{\"id\": 1}]}";
        let layout = scan(text).unwrap();
        let (s, e) = layout.images[0];
        assert_eq!(&text[s..e], br#"{"id": 1}"#);
        let bad = b"\xEF\xBB\xBF{\"images\": [1,]}";
        let err = scan(bad).unwrap_err();
        let (offset, _) = error_offset(bad, &err);
        assert_eq!(bad[offset], b']');
    }

    #[test]
    fn non_finite_tokens_become_null_with_offsets_kept() {
        let text = br#"{"a": [NaN, 1, -Infinity], "s": "NaN"}"#;
        let patched = patch_non_finite(text).unwrap();
        assert_eq!(
            std::str::from_utf8(&patched.text).unwrap(),
            r#"{"a": [null, 1, null], "s": "NaN"}"#
        );
        let one = patched.text.iter().position(|&b| b == b'1').unwrap();
        assert_eq!(text[patched.original(one)], b'1');
        let s = patched.text.iter().rposition(|&b| b == b's').unwrap();
        assert_eq!(text[patched.original(s)], b's');
        assert!(patch_non_finite(br#"{"NaN": "Infinity"}"#).is_none());
    }

    #[test]
    fn error_offsets_point_at_the_problem() {
        let text = b"{\n  \"images\": [1,\n  ]\n}";
        let err = scan(text).unwrap_err();
        let (offset, message) = error_offset(text, &err);
        assert_eq!(text[offset], b']');
        assert!(!message.contains("at line"), "{message}");
    }
}
