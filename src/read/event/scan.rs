//! A strict JSON scanner over an event's text: it accepts what `serde_json` accepts (a property
//! test holds it to that), records where values are and builds nothing. The field finder
//! (`visit`) walks into the objects the rules read and skims the rest in the same pass, so
//! each byte of an event is looked at once. Skimming keeps its own stack, so no nesting depth
//! can exhaust ours.

use std::borrow::Cow;

use super::raw::{Key, Span};

/// Where and why the text is not JSON, in `serde_json`'s words.
#[derive(Debug)]
pub(super) struct ScanError {
    pub(super) message: Cow<'static, str>,
    /// Byte offset in the text.
    pub(super) at: usize,
}

pub(super) type Scan<T> = Result<T, ScanError>;

/// A member's key as scanned: borrowed where it has no escapes.
pub(super) enum Name<'t> {
    Plain(Span, &'t str),
    Escaped(String),
}

impl<'t> Name<'t> {
    pub(super) fn as_str(&self) -> &str {
        match self {
            Name::Plain(_, s) => s,
            Name::Escaped(s) => s,
        }
    }

    pub(super) fn into_cow(self) -> Cow<'t, str> {
        match self {
            Name::Plain(_, s) => Cow::Borrowed(s),
            Name::Escaped(s) => Cow::Owned(s),
        }
    }

    pub(super) fn into_key(self) -> Key {
        match self {
            Name::Plain(span, _) => Key::Span(span),
            Name::Escaped(s) => Key::Owned(s.into()),
        }
    }
}

pub(super) struct Scanner<'t> {
    text: &'t str,
    b: &'t [u8],
    i: usize,
    end: usize,
    /// Skimming's open containers, innermost last: true for an object.
    open: Vec<bool>,
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `v` that is zero (and possibly of bytes after the first):
/// the classic test, used only for the position of the first.
#[inline]
fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(ONES) & !v & HIGH
}

impl<'t> Scanner<'t> {
    /// A scanner over `span` of `text`.
    pub(super) fn new(text: &'t str, span: Span) -> Self {
        Self {
            text,
            b: text.as_bytes(),
            i: span.start as usize,
            end: span.end as usize,
            open: Vec::new(),
        }
    }

    pub(super) fn text(&self) -> &'t str {
        self.text
    }

    fn error<T>(&self, message: &'static str) -> Scan<T> {
        Err(ScanError {
            message: Cow::Borrowed(message),
            at: self.i,
        })
    }

    /// The next byte that is not whitespace, without taking it.
    #[inline]
    pub(super) fn peek(&mut self) -> Option<u8> {
        while self.i < self.end {
            match self.b[self.i] {
                b' ' | b'\n' | b'\t' | b'\r' => self.i += 1,
                c => return Some(c),
            }
        }
        None
    }

    /// Only whitespace may follow the value.
    pub(super) fn finish(&mut self) -> Scan<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => self.error("trailing characters"),
        }
    }

    /// Skims one value; returns where it is.
    pub(super) fn value(&mut self) -> Scan<Span> {
        let Some(first) = self.peek() else {
            return self.error("EOF while parsing a value");
        };
        let start = self.i;
        if matches!(first, b'{' | b'[') {
            self.container()?;
        } else {
            self.scalar(first)?;
        }
        Ok(self.span_from(start))
    }

    fn span_from(&self, start: usize) -> Span {
        Span {
            start: start as u32,
            end: self.i as u32,
        }
    }

    /// A string, number, `true`, `false` or `null`, starting at `first` (not yet taken).
    #[inline]
    fn scalar(&mut self, first: u8) -> Scan<()> {
        match first {
            b'"' => {
                self.i += 1;
                self.string().map(|_| ())
            }
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.ident(b"true"),
            b'f' => self.ident(b"false"),
            b'n' => self.ident(b"null"),
            _ => self.error("expected value"),
        }
    }

    /// An object or array and everything in it, without recursion.
    fn container(&mut self) -> Scan<()> {
        let base = self.open.len();
        loop {
            // At a value.
            let Some(c) = self.peek() else {
                return self.error("EOF while parsing a value");
            };
            match c {
                b'{' | b'[' => {
                    self.i += 1;
                    let object = c == b'{';
                    let close = if object { b'}' } else { b']' };
                    match self.peek() {
                        Some(c) if c == close => self.i += 1,
                        Some(_) => {
                            self.open.push(object);
                            if object {
                                self.key_colon()?;
                            }
                            continue;
                        }
                        None if object => return self.error("EOF while parsing an object"),
                        None => return self.error("EOF while parsing a list"),
                    }
                }
                c => self.scalar(c)?,
            }
            // After a value: close what ends here, or go on after a comma.
            loop {
                if self.open.len() == base {
                    return Ok(());
                }
                let object = self.open[self.open.len() - 1];
                if self.comma_or_close(object)? {
                    self.open.pop();
                } else {
                    if object {
                        self.key_colon()?;
                    }
                    break;
                }
            }
        }
    }

    /// After a member (`object`) or an element: takes a comma (false) or the closing bracket
    /// (true).
    fn comma_or_close(&mut self, object: bool) -> Scan<bool> {
        let taken = match self.peek() {
            Some(b',') => false,
            Some(b'}') if object => true,
            Some(b']') if !object => true,
            Some(_) if object => return self.error("expected `,` or `}`"),
            Some(_) => return self.error("expected `,` or `]`"),
            None if object => return self.error("EOF while parsing an object"),
            None => return self.error("EOF while parsing a list"),
        };
        self.i += 1;
        Ok(taken)
    }

    /// A key that is only skimmed, and its colon.
    fn key_colon(&mut self) -> Scan<()> {
        match self.peek() {
            Some(b'"') => self.i += 1,
            Some(_) => return self.error("key must be a string"),
            None => return self.error("EOF while parsing an object"),
        }
        self.string()?;
        self.colon()
    }

    fn colon(&mut self) -> Scan<()> {
        match self.peek() {
            Some(b':') => {
                self.i += 1;
                Ok(())
            }
            Some(_) => self.error("expected `:`"),
            None => self.error("EOF while parsing an object"),
        }
    }

    /// The rest of a string after its opening quote; true when it holds escapes.
    #[inline]
    fn string(&mut self) -> Scan<bool> {
        let mut escaped = false;
        loop {
            self.skip_plain();
            let Some(&c) = self.b.get(self.i).filter(|_| self.i < self.end) else {
                return self.error("EOF while parsing a string");
            };
            self.i += 1;
            match c {
                b'"' => return Ok(escaped),
                b'\\' => {
                    escaped = true;
                    self.escape()?;
                }
                _ => {
                    self.i -= 1;
                    return self
                        .error("control character (\\u0000-\\u001F) found while parsing a string");
                }
            }
        }
    }

    /// Moves to the next quote, backslash or control character, eight bytes at a time.
    #[inline]
    fn skip_plain(&mut self) {
        while self.i + 8 <= self.end {
            let chunk = u64::from_le_bytes(self.b[self.i..self.i + 8].try_into().unwrap_or([0; 8]));
            let found = zero_bytes(chunk ^ (ONES * u64::from(b'"')))
                | zero_bytes(chunk ^ (ONES * u64::from(b'\\')))
                | (chunk.wrapping_sub(ONES * 0x20) & !chunk & HIGH);
            if found != 0 {
                self.i += (found.trailing_zeros() / 8) as usize;
                return;
            }
            self.i += 8;
        }
        while self.i < self.end && !matches!(self.b[self.i], b'"' | b'\\' | 0..0x20) {
            self.i += 1;
        }
    }

    /// What follows a backslash.
    fn escape(&mut self) -> Scan<()> {
        let Some(&c) = self.b.get(self.i).filter(|_| self.i < self.end) else {
            return self.error("EOF while parsing a string");
        };
        self.i += 1;
        match c {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Ok(()),
            b'u' => {
                for _ in 0..4 {
                    let Some(&h) = self.b.get(self.i).filter(|_| self.i < self.end) else {
                        return self.error("EOF while parsing a string");
                    };
                    self.i += 1;
                    if !h.is_ascii_hexdigit() {
                        return self.error("invalid escape");
                    }
                }
                Ok(())
            }
            _ => self.error("invalid escape"),
        }
    }

    fn digits(&mut self) -> usize {
        let from = self.i;
        while self.i < self.end && self.b[self.i].is_ascii_digit() {
            self.i += 1;
        }
        self.i - from
    }

    fn number(&mut self) -> Scan<()> {
        if self.b[self.i] == b'-' {
            self.i += 1;
        }
        match self.b.get(self.i).filter(|_| self.i < self.end) {
            Some(b'0') => {
                self.i += 1;
                if self.i < self.end && self.b[self.i].is_ascii_digit() {
                    return self.error("invalid number");
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return self.error("invalid number"),
        }
        if self.i < self.end && self.b[self.i] == b'.' {
            self.i += 1;
            if self.digits() == 0 {
                return self.error("invalid number");
            }
        }
        if self.i < self.end && matches!(self.b[self.i], b'e' | b'E') {
            self.i += 1;
            if self.i < self.end && matches!(self.b[self.i], b'+' | b'-') {
                self.i += 1;
            }
            if self.digits() == 0 {
                return self.error("invalid number");
            }
        }
        Ok(())
    }

    fn ident(&mut self, word: &[u8]) -> Scan<()> {
        for &w in word {
            match self.b.get(self.i).filter(|_| self.i < self.end) {
                Some(&c) if c == w => self.i += 1,
                Some(_) => return self.error("expected ident"),
                None => return self.error("EOF while parsing a value"),
            }
        }
        Ok(())
    }

    /// Walks the object that starts here (the caller has peeked its `{`), handing each key to
    /// `member`, which must take the value (by `value` or by walking into it). Keys are read
    /// as `serde_json` reads a key it keeps: escapes decoded, and refused where they do not
    /// make a string.
    pub(super) fn members(
        &mut self,
        mut member: impl FnMut(&mut Self, Name<'t>) -> Scan<()>,
    ) -> Scan<Span> {
        let start = self.i;
        self.i += 1;
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(self.span_from(start));
        }
        loop {
            match self.peek() {
                Some(b'"') => self.i += 1,
                Some(_) => return self.error("key must be a string"),
                None => return self.error("EOF while parsing an object"),
            }
            let from = self.i;
            let escaped = self.string()?;
            let name = self.name(from, escaped)?;
            self.colon()?;
            member(self, name)?;
            if self.comma_or_close(true)? {
                return Ok(self.span_from(start));
            }
        }
    }

    /// The key whose text runs from `from` to just before the closing quote here.
    fn name(&self, from: usize, escaped: bool) -> Scan<Name<'t>> {
        let span = Span {
            start: from as u32,
            end: (self.i - 1) as u32,
        };
        if !escaped {
            return Ok(Name::Plain(span, &self.text[from..self.i - 1]));
        }
        serde_json::from_str::<String>(&self.text[from - 1..self.i])
            .map(Name::Escaped)
            .map_err(|e| {
                let message = e.to_string();
                let bare = message
                    .rfind(" at line ")
                    .map_or(&*message, |i| &message[..i]);
                ScanError {
                    message: Cow::Owned(bare.to_owned()),
                    at: from - 1 + e.column().saturating_sub(1),
                }
            })
    }

    /// The string here as a key would be read, or None for another value (skimmed) or a
    /// string whose escapes make no text.
    pub(super) fn string_value(&mut self) -> Scan<Option<Name<'t>>> {
        if self.peek() != Some(b'"') {
            self.value()?;
            return Ok(None);
        }
        self.i += 1;
        let from = self.i;
        let escaped = self.string()?;
        Ok(self.name(from, escaped).ok())
    }

    /// Walks the array that starts here (the caller has peeked its `[`), calling `element`
    /// at each element, which must take it.
    pub(super) fn elements(
        &mut self,
        mut element: impl FnMut(&mut Self) -> Scan<()>,
    ) -> Scan<Span> {
        let start = self.i;
        self.i += 1;
        match self.peek() {
            Some(b']') => {
                self.i += 1;
                return Ok(self.span_from(start));
            }
            Some(_) => {}
            None => return self.error("EOF while parsing a list"),
        }
        loop {
            element(self)?;
            if self.comma_or_close(false)? {
                return Ok(self.span_from(start));
            }
        }
    }

    /// The object here walked with `member`, or any other value skimmed: its place, and
    /// whether it was an object.
    pub(super) fn object_or_value(
        &mut self,
        member: impl FnMut(&mut Self, Name<'t>) -> Scan<()>,
    ) -> Scan<(Span, bool)> {
        if self.peek() == Some(b'{') {
            Ok((self.members(member)?, true))
        } else {
            Ok((self.value()?, false))
        }
    }
}
