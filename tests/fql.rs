//! FQL held to Segment's own code. A generator builds expressions as trees and writes each
//! both as FQL text and as the IR that CDN settings carry; our parser must read the text
//! into that IR, and our evaluator must decide every generated event as `@segment/tsub`
//! (analytics.js's evaluator) decides it on the IR, errors included, while
//! `@segment/fql-ts`'s lexer must read the text (`tests/clients/fql.js` runs both).
//!
//! The comparison with Segment's packages needs Node and `npm ci --prefix tests/clients`, so
//! a plain `cargo test` lists it as ignored; `.ci/run` runs it (`cargo test --test fql --
//! --ignored`), where a missing runtime fails it. The parser's round trip runs everywhere.

use consent_inspector::workspace::fql::{Fql, Reader};
use serde_json::{Value, json};

mod common;

use common::oracle::{Rng, ask_node, parsed};
use consent_inspector::read::event::Tree;

/// Cases per run (the issue asks for at least 10,000 in CI).
const CASES: usize = 12_000;

/// Paths as FQL writes them, and as the IR (tsub's `dlv`) reads them.
const PATHS: [(&str, &str); 14] = [
    ("event", "event"),
    ("type", "type"),
    ("userId", "userId"),
    ("properties.price", "properties.price"),
    ("properties.name", "properties.name"),
    ("properties.tags", "properties.tags"),
    ("properties.n", "properties.n"),
    ("properties.flag", "properties.flag"),
    ("properties.missing", "properties.missing"),
    ("context.library.version", "context.library.version"),
    ("traits.email", "traits.email"),
    ("properties.product\\ 1.price", "properties.product 1.price"),
    ("properties.tags.0", "properties.tags.0"),
    ("properties.name.length", "properties.name.length"),
];

const STRINGS: [&str; 16] = [
    "",
    "a",
    "Button Clicked",
    "track",
    "identify",
    "abc",
    "ABC",
    "1.2.3",
    "2.0",
    "jo@company.com",
    "Éclair",
    "日本語",
    "🎉 party",
    "ab*d",
    "10",
    "true",
];

const GLOBS: [&str; 12] = [
    "*",
    "a*",
    "?b*",
    "[a-c]*",
    "ab\\*d",
    "*@company.com",
    "Button *",
    "[^a]*",
    "*.*",
    "[]a]",
    "\\",
    "日*",
];

const NUMBERS: [f64; 8] = [0.0, 1.0, -1.0, 2.5, 10.0, 3.0, 100.0, -0.5];

fn json_value(r: &mut Rng, depth: usize) -> Value {
    match r.below(if depth > 1 { 5 } else { 8 }) {
        0 => Value::from(*r.pick(&STRINGS)),
        1 => json!(*r.pick(&NUMBERS)),
        2 => Value::from(r.chance(50)),
        3 => Value::Null,
        4 => Value::from(*r.pick(&GLOBS)),
        5 => Value::Array((0..r.below(4)).map(|_| json_value(r, depth + 1)).collect()),
        6 => Value::Array(
            (0..r.below(4))
                .map(|_| Value::from(*r.pick(&STRINGS)))
                .collect(),
        ),
        _ => {
            let mut m = serde_json::Map::new();
            for k in ["a", "b", "1", "0"] {
                if r.chance(50) {
                    m.insert(k.into(), json_value(r, depth + 1));
                }
            }
            Value::Object(m)
        }
    }
}

fn event(r: &mut Rng) -> Value {
    let mut props = serde_json::Map::new();
    for k in ["price", "name", "tags", "n", "flag"] {
        if r.chance(80) {
            props.insert(k.into(), json_value(r, 0));
        }
    }
    if r.chance(50) {
        props.insert("product 1".into(), json!({"price": json_value(r, 1)}));
    }
    let mut e = json!({
        "type": *r.pick(&["track", "identify", "page"]),
        "properties": props,
        "context": {"library": {"name": "analytics.js", "version": *r.pick(&["1.0", "1.2.3", "2.0", "10.1"])}},
    });
    if r.chance(70) {
        e["event"] = Value::from(*r.pick(&STRINGS));
    }
    if r.chance(70) {
        e["userId"] = json_value(r, 1);
    }
    if r.chance(50) {
        e["traits"] = json!({"email": *r.pick(&["jo@company.com", "x@other.com", ""])});
    }
    e
}

/// An expression: its FQL text and its IR.
struct Expr {
    text: String,
    ir: Value,
    /// An `and`/`or` chain: wrapped in parentheses inside another.
    chain: bool,
}

fn literal(r: &mut Rng) -> (String, Value) {
    match r.below(6) {
        0 | 1 => {
            let s = r.pick(&STRINGS);
            (format!("'{s}'"), json!({"value": s}))
        }
        2 => {
            let g = r.pick(&GLOBS);
            (format!("'{g}'"), json!({"value": g}))
        }
        3 => {
            let n = *r.pick(&NUMBERS);
            (format!("{n}"), json!({"value": n}))
        }
        4 => ("null".into(), json!({"value": null})),
        _ => {
            let b = r.chance(50);
            (b.to_string(), json!({"value": b}))
        }
    }
}

fn path(r: &mut Rng) -> (String, Value) {
    let (text, ir) = r.pick(&PATHS);
    ((*text).to_owned(), Value::from(*ir))
}

/// Something a comparison compares: a path, a literal or a value-returning function.
fn operand(r: &mut Rng) -> (String, Value) {
    match r.below(10) {
        0..=3 => path(r),
        4..=6 => literal(r),
        7 => {
            let (t, i) = path(r);
            (format!("lowercase({t})"), json!(["lowercase", i]))
        }
        8 => {
            let (t, i) = path(r);
            (format!("length({t})"), json!(["length", i]))
        }
        _ => {
            let (t, i) = path(r);
            (format!("typeof({t})"), json!(["typeof", i]))
        }
    }
}

fn either(r: &mut Rng) -> (String, Value) {
    if r.chance(60) { path(r) } else { literal(r) }
}

fn leaf(r: &mut Rng) -> Expr {
    let (text, ir) = match r.below(9) {
        0..=2 => {
            let (a, ai) = operand(r);
            let (b, bi) = operand(r);
            let op = *r.pick(&["=", "!=", "<", "<=", ">", ">="]);
            (format!("{a} {op} {b}"), json!([op, ai, bi]))
        }
        3 => {
            let (a, ai) = either(r);
            let items: Vec<(String, Value)> = (0..r.below(4)).map(|_| literal(r)).collect();
            let text = items.iter().map(|i| i.0.clone()).collect::<Vec<_>>();
            let ir: Vec<Value> = items.into_iter().map(|i| i.1).collect();
            (
                format!("{a} in [{}]", text.join(", ")),
                json!(["in", ai, ir]),
            )
        }
        4 => {
            let (a, ai) = either(r);
            let (b, bi) = path(r);
            (format!("{a} in {b}"), json!(["in", ai, bi]))
        }
        5 => {
            let (a, ai) = either(r);
            let (b, bi) = either(r);
            (format!("contains({a}, {b})"), json!(["contains", ai, bi]))
        }
        6 => {
            let (a, ai) = either(r);
            let g = r.pick(&GLOBS);
            let (b, bi) = if r.chance(80) {
                (format!("'{g}'"), json!({"value": g}))
            } else {
                either(r)
            };
            (format!("match({a}, {b})"), json!(["match", ai, bi]))
        }
        7 => {
            let (a, ai) = either(r);
            let op = *r.pick(&["=", "!=", ">", ">=", "<", "<="]);
            let (b, bi) = either(r);
            (
                format!("semver({a}, '{op}', {b})"),
                json!(["semver", ai, {"value": op}, bi]),
            )
        }
        _ => path(r),
    };
    Expr {
        text,
        ir,
        chain: false,
    }
}

fn expr(r: &mut Rng, depth: usize) -> Expr {
    if depth >= 3 || r.chance(35) {
        return leaf(r);
    }
    match r.below(5) {
        0 => {
            let inner = expr(r, depth + 1);
            Expr {
                text: format!("!({})", inner.text),
                ir: json!(["!", inner.ir]),
                chain: false,
            }
        }
        1 => {
            let inner = expr(r, depth + 1);
            Expr {
                text: format!("({})", inner.text),
                ir: inner.ir,
                chain: false,
            }
        }
        _ => {
            let word = if r.chance(50) { "and" } else { "or" };
            let parts: Vec<Expr> = (0..2 + r.below(2)).map(|_| expr(r, depth + 1)).collect();
            let text = parts
                .iter()
                .map(|p| {
                    if p.chain {
                        format!("({})", p.text)
                    } else {
                        p.text.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(&format!(" {word} "));
            let mut ir = vec![Value::from(word)];
            ir.extend(parts.into_iter().map(|p| p.ir));
            Expr {
                text,
                ir: Value::Array(ir),
                chain: true,
            }
        }
    }
}

/// (FQL text, IR, event) for every case, the same on every run.
fn cases() -> Vec<(String, Value, Value)> {
    let mut r = Rng(0x5eed_f01d_cafe_f00d);
    (0..CASES)
        .map(|_| {
            let e = expr(&mut r, 0);
            (e.text, e.ir, event(&mut r))
        })
        .collect()
}

/// Every example of the FQL docs page (`api/public-api/fql.md`) and the filters page, on the
/// docs' own event, as fixed cases: their IR is ours (the parser's), their verdict tsub's.
fn docs_cases() -> Vec<(String, Value, Value)> {
    let ev = json!({"event": "Button Clicked", "type": "track",
        "context": {"library": {"name": "analytics.js", "version": "1.0"}},
        "properties": {"features": ["discounts", "dark-mode"], "product 1": {"price": "19.99"},
                       "email": "jo@segment.com"}});
    let mut texts: Vec<String> = [
        "event = 'Button Clicked'",
        "event = 'Screen Tapped'",
        "context.path.path = '/login'",
        "type = 'identify' or type = 'track'",
        "event = 'Button Clicked' and type = 'track'",
        "match( context.library.version, '1.*' )",
        "match( context.library.version, '2.*' )",
        "type = 'track' and ( event = 'Click' or match( event, 'Button *' ) )",
        "!contains( context.library.name, 'js' )",
        "'dark-mode' in properties.features",
        "'blink' in properties.features",
        "type = 'track' and ( event = 'Click' or match( 'Button *', event ) )",
        "!( type in ['track', 'identify'] )",
        "length( userId ) > 0",
        "properties.product\\ 1.price = '19.99'",
        "event = 'Order Completed' and contains(properties.email, '@segment.com')",
        "type = 'track'",
    ]
    .iter()
    .map(|t| (*t).to_owned())
    .collect();
    for (s, p) in [
        ("abcd", "a*d"),
        ("", "*"),
        ("abc", "ab"),
        ("abcd", "a??d"),
        ("abcd", "*d"),
        ("ab*d", "ab\\*d"),
        ("abCd", "ab[cC]d"),
        ("abcd", "ab[a-z]d"),
        ("abcd", "ab[A-Z]d"),
    ] {
        texts.push(format!("match( '{s}', '{p}' )"));
    }
    texts
        .into_iter()
        .map(|t| {
            let ir = Fql::parse(&t).unwrap_or_else(|e| panic!("{t}: {e}")).ir;
            (t, ir, ev.clone())
        })
        .collect()
}

/// Numbers compare as numbers (the parser writes 3 as 3.0 in JSON).
fn same_ir(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_ir(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_ir(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn the_parser_reads_every_generated_expression_into_its_ir() {
    for (text, ir, _) in cases() {
        let parsed = Fql::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert!(
            same_ir(&parsed.ir, &ir),
            "{text}\n ours {}\n want {ir}",
            parsed.ir
        );
    }
}

/// What routes use: the event read in place from its text decides as the built event does
/// (the built one is what the differential holds to tsub).
#[test]
fn every_generated_case_reads_the_same_in_place_as_built() {
    let mut cases = cases();
    cases.extend(docs_cases());
    for (text, _, event) in &cases {
        let fql = Fql::parse(text).unwrap();
        let doc = parsed(event);
        let Tree::InPlace(node) = doc.tree() else {
            panic!("a batch element")
        };
        assert_eq!(fql.matches(node), fql.matches(event), "{text} on {event}");
    }
}

#[test]
#[ignore = "needs Node and Segment's FQL packages (npm ci --prefix tests/clients); .ci/run runs it"]
fn every_generated_case_is_decided_as_segments_tsub_decides_it() {
    let mut cases = cases();
    cases.extend(docs_cases());
    let lines: Vec<Value> = cases
        .iter()
        .map(|(text, ir, event)| json!({"fql": text, "ir": ir, "event": event}))
        .collect();
    let answers = ask_node("fql.js", &lines);
    let (mut trues, mut errors) = (0, 0);
    for ((text, ir, event), answer) in cases.iter().zip(&answers) {
        assert_eq!(
            answer["lexed"], true,
            "fql-ts cannot lex {text}: {}",
            answer["lexError"]
        );
        let ours = Fql::parse(text).unwrap().matches(event);
        let theirs = &answer["result"];
        let agree = match (&ours, theirs) {
            (Ok(b), Value::Bool(t)) => b == t,
            (Err(_), Value::String(s)) => s.starts_with("error: "),
            _ => false,
        };
        assert!(
            agree,
            "disagreement on {text}\n IR {ir}\n event {event}\n ours {ours:?}, tsub {theirs}"
        );
        trues += usize::from(ours == Ok(true));
        errors += usize::from(ours.is_err());
    }
    // The generator reaches all three outcomes, often.
    assert!(trues > CASES / 20, "only {trues} cases matched");
    assert!(errors > 0, "no case made tsub throw");
    eprintln!(
        "{} cases: {trues} true, {errors} errors, the rest false; all agree",
        cases.len()
    );
}

/// Segment's servers, as the docs page says they read FQL: every example with its documented
/// result, on the docs' own event, read the servers' way (cloud-mode routes). Where the
/// browser (tsub) reads one otherwise, the expression says so (`readings_differ`).
#[test]
fn the_docs_examples_are_read_as_segments_servers_read_them() {
    let ev = json!({"event": "Button Clicked", "type": "track",
        "context": {"library": {"name": "analytics.js", "version": "1.0"}},
        "properties": {"features": ["discounts", "dark-mode"], "kana": "ア", "n": null}});
    let server = |t: &str| {
        Fql::parse(t)
            .unwrap_or_else(|e| panic!("{t}: {e}"))
            .matches_as(Reader::Server, &ev)
            .unwrap_or_else(|e| panic!("{t}: {e}"))
    };
    let browser = |t: &str| Fql::parse(t).unwrap().matches_as(Reader::Browser, &ev);
    // The examples table.
    for (text, want) in [
        ("event = 'Button Clicked'", true),
        ("event = 'Screen Tapped'", false),
        ("context.path.path = '/login'", false),
        ("type = 'identify' or type = 'track'", true),
        ("event = 'Button Clicked' and type = 'track'", true),
        ("match( context.library.version, '1.*' )", true),
        ("match( context.library.version, '2.*' )", false),
        (
            "type = 'track' and ( event = 'Click' or match( event, 'Button *' ) )",
            true,
        ),
        ("!contains( context.library.name, 'js' )", false),
        ("'dark-mode' in properties.features", true),
        ("'blink' in properties.features", false),
        // The glob table.
        ("match( 'abcd', 'a*d' )", true),
        ("match( '', '*' )", true),
        ("match( 'abc', 'ab' )", false),
        ("match( 'abcd', 'a??d' )", true),
        ("match( 'abcd', '*d' )", true),
        ("match( 'ab*d', 'ab\\*d' )", true),
        ("match( 'abCd', 'ab[cC]d' )", true),
        ("match( 'abcd', 'ab[a-z]d' )", true),
        ("match( 'abcd', 'ab[A-Z]d' )", false),
        // The functions table: "`a` is 1 byte and `ア` is 3 bytes long".
        ("length( 'a' ) = 1", true),
        ("length( properties.kana ) = 3", true),
        ("uppercase( 'abc' ) = 'ABC'", true),
        ("snakecase( 'test string' ) = 'test_string'", true),
        ("kebabcase( 'test string' ) = 'test-string'", true),
        ("titlecase( 'test string' ) = 'Test String'", true),
        // Nulls: "sensible defaults".
        ("contains( properties.n, 'x' )", false),
        ("length( properties.n ) = 0", true),
        ("lowercase( properties.n ) = null", true),
        ("typeof( properties.n ) = 'null'", true),
        ("match( properties.n, '*' )", false),
        ("typeof( properties.features ) = 'list'", true),
    ] {
        assert_eq!(server(text), want, "{text}");
    }
    // Where the browser reads them otherwise.
    assert_eq!(browser("'dark-mode' in properties.features"), Ok(false));
    assert_eq!(browser("length( properties.kana ) = 3"), Ok(false));
    assert_eq!(browser("uppercase( 'abc' ) = 'ABC'"), Ok(false));
    assert_eq!(browser("typeof( properties.n ) = 'null'"), Ok(false));
    for text in [
        "'dark-mode' in properties.features",
        "length( properties.kana ) = 3",
        "uppercase( 'abc' ) = 'ABC'",
        "typeof( properties.n ) = 'null'",
    ] {
        assert!(
            !Fql::parse(text).unwrap().readings_differ().is_empty(),
            "{text}"
        );
    }
    for text in [
        "event = 'Button Clicked'",
        "!( type in ['track', 'identify'] )",
    ] {
        assert!(
            Fql::parse(text).unwrap().readings_differ().is_empty(),
            "{text}"
        );
    }
}
