//! The one sanitiser for untrusted strings. Every renderer and every error message that can
//! carry text from an event goes through `printable`, so a crafted event can never move the
//! cursor, retitle the window, write the clipboard or reorder what the user reads.

use std::borrow::Cow;
use std::fmt::Write;

/// True for characters that must never reach a terminal as themselves: C0 and C1 controls
/// (ESC among them), DEL, bidirectional overrides and isolates, zero-width and other invisible
/// format characters (soft hyphen, Mongolian vowel separator, interlinear annotations), line
/// and paragraph separators, the byte-order mark, and Unicode tag characters (U+E0000 to
/// U+E007F: invisible, they can smuggle a hidden text past a reader).
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{ad}'
        | '\u{180e}'
        | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{2069}'
        | '\u{061c}'
        | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}'
        | '\u{e0000}'..='\u{e007f}')
}

/// The first bytes of every non-ASCII character `is_unsafe` flags in UTF-8 (a test checks all
/// of Unicode): text without them, and without ASCII controls, has nothing to flag.
const UNSAFE_LEADS: [u8; 6] = [0xc2, 0xd8, 0xe1, 0xe2, 0xef, 0xf3];

/// Whether `s` holds a character `is_unsafe` flags. Byte by byte, decoding only characters
/// that start like a flagged one: `s.chars().any(is_unsafe)` decoded and matched every
/// character of every warning message `route` writes (they hold arrows), 11% of its folding
/// thread on traffic whose consent churns.
pub fn has_unsafe(s: &str) -> bool {
    s.bytes().enumerate().any(|(i, c)| {
        c < 0x20
            || c == 0x7f
            // A leading byte starts a character, so `i` is a boundary.
            || (UNSAFE_LEADS.contains(&c) && s[i..].chars().next().is_some_and(is_unsafe))
    })
}

/// `c` as a JSON escape: `\uXXXX`, or two of them (a UTF-16 surrogate pair) beyond U+FFFF.
pub fn json_escape(c: char) -> String {
    let mut units = [0u16; 2];
    c.encode_utf16(&mut units)
        .iter()
        .map(|u| format!("\\u{u:04x}"))
        .collect()
}

/// `s` with every unsafe character replaced by a visible escape (`\n`, `\t`, `\e`, `\u{202e}`).
/// Borrows when there is nothing to replace, which is the common case.
///
/// ```
/// use consent_inspector::text::printable;
/// assert_eq!(printable("Order Completed"), "Order Completed");
/// assert_eq!(printable("\u{1b}]0;pwned\u{7}"), "\\e]0;pwned\\u{7}");
/// ```
pub fn printable(s: &str) -> Cow<'_, str> {
    if !has_unsafe(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{1b}' => out.push_str("\\e"),
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A secret (a write key) as it may be shown: enough of its start to tell two apart, never
/// enough to use. Keys are ~32 characters; a short one shows a single character.
///
/// ```
/// use consent_inspector::text::mask_secret;
/// assert_eq!(mask_secret("9c1f0a77e4b24d58a6f3c2d1e0b9a8f7"), "9c1f…");
/// assert_eq!(mask_secret("abc"), "a…");
/// assert_eq!(mask_secret(""), "");
/// ```
pub fn mask_secret(s: &str) -> String {
    let n = s.chars().count();
    if n == 0 {
        return String::new();
    }
    let shown: String = s.chars().take((n / 8).clamp(1, 4)).collect();
    format!("{}…", printable(&shown))
}

/// Shortens `s` to at most `max` characters, marking the cut with an ellipsis.
pub fn truncate(s: &str, max: usize) -> Cow<'_, str> {
    if s.char_indices().nth(max).is_none() {
        Cow::Borrowed(s)
    } else {
        let keep: String = s.chars().take(max.saturating_sub(1)).collect();
        Cow::Owned(keep + "…")
    }
}

/// Shortens `s` to at most `max` characters by cutting its middle, marked with an ellipsis:
/// its start and its end stay.
pub fn truncate_middle(s: &str, max: usize) -> Cow<'_, str> {
    let n = s.chars().count();
    if n <= max {
        return Cow::Borrowed(s);
    }
    let kept = max.saturating_sub(1);
    let (head, tail) = (kept.div_ceil(2), kept / 2);
    let start: String = s.chars().take(head).collect();
    let end: String = s.chars().skip(n - tail).collect();
    Cow::Owned(format!("{start}…{end}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every flagged character, all of Unicode through, starts with a byte `has_unsafe` looks
    /// at, and `has_unsafe` finds each one alone and amid other text.
    #[test]
    fn has_unsafe_finds_every_flagged_character() {
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            let mut utf8 = [0u8; 4];
            let first = c.encode_utf8(&mut utf8).as_bytes()[0];
            if is_unsafe(c) && first >= 0x80 {
                assert!(
                    UNSAFE_LEADS.contains(&first),
                    "{c:?} starts with {first:#x}"
                );
            }
            assert_eq!(has_unsafe(&format!("a→{c}b")), is_unsafe(c), "{c:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn has_unsafe_is_any_unsafe_character(s in "(\\PC|[\\x00-\\x1f\\x7f-\\x9f\\u{ad}\\u{202e}\\u{2066}\\u{feff}\\u{e0041}→é])*") {
            proptest::prop_assert_eq!(has_unsafe(&s), s.chars().any(is_unsafe));
        }
    }

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(printable("Order Completed ✓"), Cow::Borrowed(_)));
    }

    #[test]
    fn controls_become_visible_escapes() {
        let hostile = "a\u{1b}]52;c;SGVsbG8=\u{7}b\u{1b}[2Jc\u{9b}d\u{202e}e\u{200b}f\nx";
        let shown = printable(hostile);
        assert_eq!(
            shown,
            "a\\e]52;c;SGVsbG8=\\u{7}b\\e[2Jc\\u{9b}d\\u{202e}e\\u{200b}f\\nx"
        );
        assert!(!shown.chars().any(is_unsafe));
    }

    #[test]
    fn tag_characters_and_other_invisibles_are_shown_as_escapes() {
        // "ignore" spelled in tag characters after a harmless word.
        let hidden =
            "ok\u{e0069}\u{e0067}\u{e006e}\u{e006f}\u{e0072}\u{e0065}\u{ad}\u{180e}\u{fff9}";
        assert_eq!(
            printable(hidden),
            "ok\\u{e0069}\\u{e0067}\\u{e006e}\\u{e006f}\\u{e0072}\\u{e0065}\\u{ad}\\u{180e}\\u{fff9}"
        );
        // Emoji and their variation selectors stay as they are.
        assert_eq!(printable("🏳️‍🌈 ✓"), "🏳️\\u{200d}🌈 ✓");
    }

    #[test]
    fn truncate_marks_the_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(truncate_middle("abcdefgh", 5), "ab…gh");
        assert_eq!(truncate_middle("abc", 5), "abc");
        assert_eq!(
            truncate_middle("Segment Consent Preference Updated", 24),
            "Segment Cons…nce Updated"
        );
    }
}

/// A `serde_json` formatter that also escapes what `is_unsafe` flags (C1 controls, bidi and
/// zero-width characters) as `\uXXXX`. The JSON means the same; a terminal shows it inertly.
pub struct SafeJson<F>(pub F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for SafeJson<F> {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some((i, c)) = rest.char_indices().find(|&(_, c)| is_unsafe(c)) {
            w.write_all(&rest.as_bytes()[..i])?;
            w.write_all(json_escape(c).as_bytes())?;
            rest = &rest[i + c.len_utf8()..];
        }
        w.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Writes `value` as JSON with `SafeJson` escaping; compact, or indented when `pretty`.
pub fn write_safe_json<W: std::io::Write, T: serde::Serialize + ?Sized>(
    w: W,
    value: &T,
    pretty: bool,
) -> serde_json::Result<()> {
    if pretty {
        let f = SafeJson(serde_json::ser::PrettyFormatter::with_indent(b"  "));
        value.serialize(&mut serde_json::Serializer::with_formatter(w, f))
    } else {
        let f = SafeJson(serde_json::ser::CompactFormatter);
        value.serialize(&mut serde_json::Serializer::with_formatter(w, f))
    }
}

#[cfg(test)]
mod json_tests {
    #[test]
    fn safe_json_escapes_c1_and_bidi_and_round_trips() {
        let v = serde_json::json!({"k\u{9b}": "a\u{1b}[2J\u{202e}b\u{e0041}"});
        let mut out = Vec::new();
        super::write_safe_json(&mut out, &v, false).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert_eq!(s, r#"{"k\u009b":"a\u001b[2J\u202eb\udb40\udc41"}"#);
        assert_eq!(serde_json::from_str::<serde_json::Value>(&s).unwrap(), v);
    }
}
