//! Property: for any mixture of lines, every non-blank line yields its records (one, or one per
//! batch element), in order, with its line number; and nothing panics on the way.

use std::io::Cursor;
use std::sync::Arc;

use consent_inspector::engine::Engine;
use consent_inspector::read::input::Records;
use consent_inspector::workspace::Workspace;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Piece {
    Event(String),
    Batch(usize),
    Broken(Vec<u8>),
    Blank(String),
    /// A JSON line, and how many records it holds.
    Json(&'static str, usize),
}

impl Piece {
    /// The bytes of the line, and how many records it must give (0 for a blank line).
    fn render(&self) -> (Vec<u8>, usize) {
        match self {
            Piece::Event(user) => (
                format!(r#"{{"type":"track","event":"E","userId":{user:?},"context":{{"consent":{{"categoryPreferences":{{"C0002":true}}}}}}}}"#).into_bytes(),
                1,
            ),
            Piece::Batch(n) => {
                let els: Vec<String> = (0..*n).map(|i| format!(r#"{{"type":"page","anonymousId":"a{i}"}}"#)).collect();
                (format!(r#"{{"batch":[{}]}}"#, els.join(",")).into_bytes(), (*n).max(1))
            }
            Piece::Broken(b) => (b.clone(), 1),
            Piece::Blank(s) => (s.clone().into_bytes(), 0),
            Piece::Json(s, n) => (s.as_bytes().to_vec(), *n),
        }
    }
}

fn piece() -> impl Strategy<Value = Piece> {
    prop_oneof![
        "[a-z0-9\\u{1b}\\u{202e}\"\\\\]{0,12}".prop_map(Piece::Event),
        (0usize..5).prop_map(Piece::Batch),
        // Any bytes but a newline, starting with something that is not blank.
        (
            any::<u8>().prop_filter("not blank", |b| !b.is_ascii_whitespace() && *b != b'\n'),
            prop::collection::vec(
                any::<u8>().prop_filter("no newline", |b| *b != b'\n'),
                0..40
            )
        )
            .prop_map(|(first, rest)| Piece::Broken([vec![first], rest].concat())),
        "[ \\t\\r]{0,3}".prop_map(Piece::Blank),
        prop_oneof![
            Just(("[]", 1)),
            Just(("1e999", 1)),
            Just(("{\"batch\":[1,{}]}", 2)),
            Just(("{\"batch\":[]}", 1)),
            Just(("\"s\"", 1)),
            Just(("{\"type\":[[[[]]]]}", 1)),
        ]
        .prop_map(|(s, n)| Piece::Json(s, n)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn records_out_equal_lines_in(pieces in prop::collection::vec(piece(), 0..30), crlf in any::<bool>(), final_newline in any::<bool>()) {
        let mut text = Vec::new();
        let mut expected = Vec::new();
        for (i, p) in pieces.iter().enumerate() {
            let (bytes, n) = p.render();
            text.extend_from_slice(&bytes);
            if crlf { text.push(b'\r'); }
            if i + 1 < pieces.len() || final_newline { text.push(b'\n'); }
            // A Broken piece can hide a line that only looks blank once \r is stripped: count
            // from the bytes, as a reader would.
            let blank = bytes.iter().all(u8::is_ascii_whitespace);
            expected.extend(std::iter::repeat_n(i as u64 + 1, if blank { 0 } else { n }));
        }
        let ws = Arc::new(Workspace::load("samples/consent-settings.json".as_ref()).unwrap());
        let mut engine = Engine::new(ws.clone());
        let records: Vec<_> = Records::from_reader("p.jsonl", Box::new(Cursor::new(text)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        // Not a HAR (no piece starts with {"log"), so lines map to records one to one.
        let lines: Vec<u64> = records.iter().map(|r| r.origin.line).collect();
        prop_assert_eq!(&lines, &expected);
        for r in records {
            let o = engine.ingest(r);
            prop_assert_eq!(o.routes.len(), ws.destinations.len());
            let when = consent_inspector::analyses::explain::When::AtTheEvent;
            let _ = consent_inspector::analyses::explain::explain(&ws, engine.profiles(), &o, when);
        }
    }
}
