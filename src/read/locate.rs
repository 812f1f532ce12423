//! Finds where a value sits in JSON text. `serde_json` reports positions only for syntax errors;
//! settings errors found after parsing (a duplicate id, an unknown category) and HAR entries
//! still need a file line to point at, so this small scanner walks the text to a path.

/// One step of a path into a JSON document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// 1-based line and column (in bytes) of `offset` in `text`.
pub fn line_col(text: &[u8], offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let col = match memchr::memrchr(b'\n', before) {
        Some(nl) => offset - nl,
        None => offset + 1,
    };
    (line, col)
}

/// Byte offset where the value at `path` starts, or None when the path is not in the text.
/// Where a key repeats, the last one wins, as `serde_json` does.
pub fn locate(text: &[u8], path: &[Step<'_>]) -> Option<usize> {
    let mut s = Scanner { b: text, i: 0 };
    s.ws();
    for step in path {
        s.i = match *step {
            Step::Key(k) => s.member(k)?,
            Step::Index(n) => *s.elements()?.get(n)?,
        };
    }
    Some(s.i)
}

/// Byte offsets where each element of the array at `path` starts.
pub fn element_offsets(text: &[u8], path: &[Step<'_>]) -> Option<Vec<usize>> {
    let mut s = Scanner {
        b: text,
        i: locate(text, path)?,
    };
    s.elements()
}

/// The path (`destinations[2].categories[0]`) of the innermost value, or member key, at
/// `offset` in `text`; empty at the top level. Meant for text that may be broken: it reads
/// only as far as `offset`.
pub fn path_at(text: &[u8], offset: usize) -> String {
    enum Frame {
        Object {
            key: Option<String>,
            after_colon: bool,
        },
        Array {
            index: usize,
        },
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    let end = offset.min(text.len());
    while i < end {
        match text[i] {
            b'{' => stack.push(Frame::Object {
                key: None,
                after_colon: false,
            }),
            b'[' => stack.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                stack.pop();
            }
            b':' => {
                if let Some(Frame::Object { after_colon, .. }) = stack.last_mut() {
                    *after_colon = true;
                }
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object { key, after_colon }) => {
                    *key = None;
                    *after_colon = false;
                }
                Some(Frame::Array { index }) => *index += 1,
                None => {}
            },
            b'"' => {
                let start = i;
                i += 1;
                while i < text.len() && text[i] != b'"' {
                    i += if text[i] == b'\\' { 2 } else { 1 };
                }
                if let Some(Frame::Object {
                    key,
                    after_colon: false,
                }) = stack.last_mut()
                {
                    let raw = &text[start..(i + 1).min(text.len())];
                    *key = Some(serde_json::from_slice::<String>(raw).unwrap_or_else(|_| {
                        String::from_utf8_lossy(&raw[1..raw.len().saturating_sub(1)]).into_owned()
                    }));
                }
            }
            _ => {}
        }
        i += 1;
    }
    // At an object's closing brace (serde_json's place for "missing field"), the error is the
    // object's, not its last member's.
    if text.get(end) == Some(&b'}') {
        if let Some(Frame::Object { key, .. }) = stack.last_mut() {
            *key = None;
        }
    }
    let mut path = String::new();
    for f in &stack {
        match f {
            Frame::Object { key: Some(k), .. } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
            }
            Frame::Object { key: None, .. } => {}
            Frame::Array { index } => path.push_str(&format!("[{index}]")),
        }
    }
    path
}

/// The byte offset of a 1-based line and column (as `serde_json` reports them).
pub fn offset_of(text: &[u8], line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        memchr::memchr_iter(b'\n', text)
            .nth(line - 2)
            .map_or(text.len(), |nl| nl + 1)
    };
    (line_start + column.saturating_sub(1)).min(text.len())
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// Skips a string starting at the opening quote; returns its raw content.
    fn string(&mut self) -> Option<&[u8]> {
        self.eat(b'"')?;
        let start = self.i;
        loop {
            match self.peek()? {
                b'\\' => self.i += 2,
                b'"' => {
                    self.i += 1;
                    return Some(&self.b[start..self.i - 1]);
                }
                _ => self.i += 1,
            }
        }
    }

    /// Skips one value of any kind without recursion, so deep nesting cannot overflow.
    fn skip_value(&mut self) -> Option<()> {
        self.ws();
        let mut depth = 0usize;
        loop {
            match self.peek()? {
                b'"' => {
                    self.string()?;
                }
                b'{' | b'[' => {
                    depth += 1;
                    self.i += 1;
                }
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    self.i += 1;
                }
                b',' | b':' if depth > 0 => self.i += 1,
                c if c.is_ascii_whitespace() => self.i += 1,
                _ => {
                    while matches!(self.peek(), Some(c) if !b",:]}\" \t\r\n".contains(&c)) {
                        self.i += 1;
                    }
                }
            }
            if depth == 0 {
                return Some(());
            }
        }
    }

    /// In an object at the cursor, the offset of the value of the last member named `key`.
    fn member(&mut self, key: &str) -> Option<usize> {
        self.eat(b'{')?;
        let mut found = None;
        self.ws();
        if self.peek()? == b'}' {
            return None;
        }
        loop {
            let raw = self.string()?;
            let matches = key_equals(raw, key);
            self.eat(b':')?;
            self.ws();
            if matches {
                found = Some(self.i);
            }
            self.skip_value()?;
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                // `}`, or anything else: the object ends here.
                _ => return found,
            }
        }
    }

    /// In an array at the cursor, the offsets of its elements.
    fn elements(&mut self) -> Option<Vec<usize>> {
        self.eat(b'[')?;
        let mut out = Vec::new();
        self.ws();
        if self.peek()? == b']' {
            return Some(out);
        }
        loop {
            self.ws();
            out.push(self.i);
            self.skip_value()?;
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                _ => return Some(out),
            }
        }
    }
}

fn key_equals(raw: &[u8], key: &str) -> bool {
    if !raw.contains(&b'\\') {
        return raw == key.as_bytes();
    }
    let mut quoted = Vec::with_capacity(raw.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(raw);
    quoted.push(b'"');
    serde_json::from_slice::<String>(&quoted).is_ok_and(|k| k == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "{\n  \"a\": {\"x\": [1, {\"y\": \"}\\\"\"}, 3]},\n  \"b\\u0063\": true\n}";

    #[test]
    fn finds_nested_values() {
        let at = locate(
            DOC.as_bytes(),
            &[Step::Key("a"), Step::Key("x"), Step::Index(1)],
        )
        .unwrap();
        assert!(DOC[at..].starts_with("{\"y\""));
        assert_eq!(line_col(DOC.as_bytes(), at), (2, 18));
        let at = locate(DOC.as_bytes(), &[Step::Key("bc")]).unwrap();
        assert!(DOC[at..].starts_with("true"));
        assert_eq!(line_col(DOC.as_bytes(), at).0, 3);
    }

    #[test]
    fn missing_paths_are_none() {
        assert_eq!(locate(DOC.as_bytes(), &[Step::Key("zz")]), None);
        assert_eq!(
            locate(
                DOC.as_bytes(),
                &[Step::Key("a"), Step::Key("x"), Step::Index(7)]
            ),
            None
        );
        assert_eq!(
            locate(b"{\"a\": [1, 2", &[Step::Key("a"), Step::Index(5)]),
            None
        );
    }

    #[test]
    fn lists_array_elements() {
        let offs = element_offsets(DOC.as_bytes(), &[Step::Key("a"), Step::Key("x")]).unwrap();
        let firsts: Vec<char> = offs.iter().map(|&o| DOC.as_bytes()[o] as char).collect();
        assert_eq!(firsts, vec!['1', '{', '3']);
    }

    #[test]
    fn paths_at_offsets() {
        let t = br#"{"categories": [{"id": "C1"}, {"id": 5, "x": [1, 2]}], "d": {}}"#;
        let at = |needle: &str| {
            let i = t
                .windows(needle.len())
                .position(|w| w == needle.as_bytes())
                .unwrap();
            path_at(t, i)
        };
        assert_eq!(at("5,"), "categories[1].id");
        assert_eq!(at("2]"), "categories[1].x[1]");
        assert_eq!(at("\"C1\""), "categories[0].id");
        assert_eq!(path_at(t, 0), "");
        assert_eq!(offset_of(b"ab\ncd", 2, 2), 4);
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let deep = format!(
            "{{\"k\": {}{}, \"z\": 1}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(locate(deep.as_bytes(), &[Step::Key("z")]).is_some());
    }
}
