//! FQL, the Filter Query Language of Segment's destination filters
//! (`api/public-api/fql.md`): parsed once into the intermediate representation Segment's CDN
//! settings carry (`middlewareSettings.routingRules[].matchers[].ir`), and evaluated on an
//! event exactly as `@segment/tsub` evaluates that IR in analytics.js (`matchers.ts`), quirks
//! included: `tests/clients/fql.js` runs tsub itself on the same IR over generated cases.
//!
//! Where the docs and tsub disagree, tsub wins (docs/rules.md, "FQL"): `x = null` is false
//! for a field that is absent (tsub compares `undefined` with `null` strictly); a list on the
//! right of `in` that comes from the event has its elements read as paths; and the functions
//! the docs list beyond tsub's (`uppercase`, `snakecase`, ...) are refused here, since the
//! browser could not run them.

use serde_json::{Value, json};

/// A parsed expression: its IR, as tsub reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Fql {
    pub ir: Value,
}

/// Where and why an expression does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct ParseError {
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
}

/// Why tsub would throw while evaluating (the event is then not sent: an expression that
/// cannot be evaluated drops it, as Segment's docs say of invalid FQL).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EvalError(pub String);

impl Fql {
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let tokens = lex(text)?;
        let mut p = Parser { tokens, at: 0 };
        let ir = p.or()?;
        match p.peek() {
            Tok::End => Ok(Self { ir }),
            _ => Err(p.error("unexpected text after the expression")),
        }
    }

    /// Whether the event matches, as tsub's `matches(event, {type: "fql", ir})` says.
    pub fn matches(&self, event: &Value) -> Result<bool, EvalError> {
        Ok(match evaluate(&self.ir, event)? {
            Js::Bool(b) => b,
            _ => false,
        })
    }
}

// ---------------------------------------------------------------------------------------
// Lexing and parsing

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Dot,
    Op(&'static str),
    Not,
    And,
    Or,
    In,
    Str(String),
    Num(f64),
    Null,
    True,
    False,
    LBrack,
    RBrack,
    LParen,
    RParen,
    Comma,
    End,
}

// The lexer's one-letter names (`i`, `j`, `c`, `d`) are positions and characters.
#[allow(clippy::many_single_char_names)]
fn lex(text: &str) -> Result<Vec<(Tok, usize)>, ParseError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |at: usize, m: &str| ParseError {
        column: at + 1,
        message: m.to_owned(),
    };
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let tok = match c {
            ' ' | '\t' | '\n' | '\r' => {
                i += 1;
                continue;
            }
            '.' => Tok::Dot,
            '[' => Tok::LBrack,
            ']' => Tok::RBrack,
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            ',' => Tok::Comma,
            '=' => Tok::Op("="),
            '!' if chars.get(i + 1) == Some(&'=') => {
                i += 1;
                Tok::Op("!=")
            }
            '!' => Tok::Not,
            '<' | '>' => {
                let eq = chars.get(i + 1) == Some(&'=');
                if eq {
                    i += 1;
                }
                Tok::Op(match (c, eq) {
                    ('<', true) => "<=",
                    ('<', false) => "<",
                    (_, true) => ">=",
                    _ => ">",
                })
            }
            '"' | '\'' => {
                let close = chars[i + 1..]
                    .iter()
                    .position(|&x| x == c)
                    .ok_or_else(|| err(i, "a string that is never closed"))?;
                let s: String = chars[i + 1..i + 1 + close].iter().collect();
                i += close + 1;
                Tok::Str(s)
            }
            // After a dot, a field name may start with a digit (`properties.tags.0`).
            c if (c.is_ascii_digit() || ((c == '-' || c == '+') && next_is_digit(&chars, i)))
                && !matches!(out.last(), Some((Tok::Dot, _))) =>
            {
                let mut j = i + 1;
                while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                    j += 1;
                }
                let s: String = chars[i..j].iter().collect();
                let n = s
                    .parse::<f64>()
                    .map_err(|_| err(i, &format!("{s:?} is not a number")))?;
                i = j - 1;
                Tok::Num(n)
            }
            c if c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '\\' => {
                let mut s = String::new();
                let mut j = i;
                while j < chars.len() {
                    let d = chars[j];
                    if d == '\\' {
                        let escaped = chars
                            .get(j + 1)
                            .ok_or_else(|| err(j, "a \\ at the end, escaping nothing"))?;
                        s.push(*escaped);
                        j += 2;
                    } else if d.is_ascii_alphanumeric() || d == '_' || d == '-' {
                        s.push(d);
                        j += 1;
                    } else {
                        break;
                    }
                }
                i = j - 1;
                match s.as_str() {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "in" => Tok::In,
                    "null" => Tok::Null,
                    "true" => Tok::True,
                    "false" => Tok::False,
                    _ => Tok::Ident(s),
                }
            }
            other => return Err(err(i, &format!("unexpected character {other:?}"))),
        };
        out.push((tok, start));
        i += 1;
    }
    out.push((Tok::End, chars.len()));
    Ok(out)
}

fn next_is_digit(chars: &[char], i: usize) -> bool {
    chars.get(i + 1).is_some_and(char::is_ascii_digit)
}

struct Parser {
    tokens: Vec<(Tok, usize)>,
    at: usize,
}

/// The functions tsub evaluates, with their number of arguments.
const FUNCTIONS: [(&str, usize); 6] = [
    ("contains", 2),
    ("match", 2),
    ("lowercase", 1),
    ("typeof", 1),
    ("length", 1),
    ("semver", 3),
];

impl Parser {
    fn peek(&self) -> &Tok {
        &self.tokens[self.at].0
    }

    fn next(&mut self) -> Tok {
        let t = self.tokens[self.at].0.clone();
        if t != Tok::End {
            self.at += 1;
        }
        t
    }

    fn error(&self, message: &str) -> ParseError {
        ParseError {
            column: self.tokens[self.at].1 + 1,
            message: message.to_owned(),
        }
    }

    fn expect(&mut self, t: &Tok, what: &str) -> Result<(), ParseError> {
        if self.peek() == t {
            self.next();
            Ok(())
        } else {
            Err(self.error(&format!("expected {what}")))
        }
    }

    fn or(&mut self) -> Result<Value, ParseError> {
        self.chain(&Tok::Or, "or", Self::and)
    }

    fn and(&mut self) -> Result<Value, ParseError> {
        self.chain(&Tok::And, "and", Self::unary)
    }

    /// `a op b op c` as one n-ary node, as tsub's IR has `and` and `or`.
    fn chain(
        &mut self,
        sep: &Tok,
        name: &str,
        part: fn(&mut Self) -> Result<Value, ParseError>,
    ) -> Result<Value, ParseError> {
        let first = part(self)?;
        if self.peek() != sep {
            return Ok(first);
        }
        let mut items = vec![Value::from(name), first];
        while self.peek() == sep {
            self.next();
            items.push(part(self)?);
        }
        Ok(Value::Array(items))
    }

    fn unary(&mut self) -> Result<Value, ParseError> {
        if *self.peek() == Tok::Not {
            self.next();
            return Ok(json!(["!", self.unary()?]));
        }
        let left = self.operand()?;
        let op = match self.peek() {
            Tok::Op(op) => *op,
            Tok::In => "in",
            _ => return Ok(left),
        };
        self.next();
        let right = self.operand()?;
        Ok(json!([op, left, right]))
    }

    fn operand(&mut self) -> Result<Value, ParseError> {
        Ok(match self.next() {
            Tok::LParen => {
                let inner = self.or()?;
                self.expect(&Tok::RParen, "a closing parenthesis")?;
                inner
            }
            Tok::Str(s) => json!({ "value": s }),
            Tok::Num(n) => json!({ "value": n }),
            Tok::Null => json!({ "value": null }),
            Tok::True => json!({ "value": true }),
            Tok::False => json!({ "value": false }),
            Tok::LBrack => {
                let mut items = Vec::new();
                if *self.peek() != Tok::RBrack {
                    loop {
                        items.push(self.operand()?);
                        if *self.peek() == Tok::Comma {
                            self.next();
                        } else {
                            break;
                        }
                    }
                }
                self.expect(&Tok::RBrack, "] to close the list")?;
                Value::Array(items)
            }
            Tok::Ident(name) if *self.peek() == Tok::LParen => {
                self.at -= 1;
                let (_, arity) = FUNCTIONS
                    .iter()
                    .find(|(f, _)| *f == name)
                    .ok_or_else(|| {
                        self.error(&format!(
                            "{name}() is not a function analytics.js's FQL evaluator (tsub) knows: use contains, match, lowercase, typeof, length or semver"
                        ))
                    })?;
                self.at += 2;
                let mut items = vec![Value::from(name.clone())];
                for k in 0..*arity {
                    if k > 0 {
                        self.expect(&Tok::Comma, &format!("{arity} arguments to {name}()"))?;
                    }
                    items.push(self.operand()?);
                }
                self.expect(&Tok::RParen, &format!("{arity} arguments to {name}()"))?;
                Value::Array(items)
            }
            Tok::Ident(first) => {
                let mut path = first;
                while *self.peek() == Tok::Dot {
                    self.next();
                    let Tok::Ident(seg) = self.next() else {
                        self.at -= 1;
                        return Err(self.error("expected a field name after the dot"));
                    };
                    path.push('.');
                    path.push_str(&seg);
                }
                Value::String(path)
            }
            _ => {
                self.at = self.at.saturating_sub(1);
                return Err(self.error("expected a field, a value, a function or ("));
            }
        })
    }
}

// ---------------------------------------------------------------------------------------
// Evaluation, as tsub's matchers.ts

/// A JavaScript value as tsub's code sees it.
#[derive(Debug, Clone)]
enum Js<'a> {
    Undefined,
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    /// An object or array of the event (or a `{"value": …}` of the IR).
    Json(&'a Value),
    /// An array of the IR itself (a function's IR, or a list), left as it is by `getValue`.
    Ir(&'a Value),
}

fn from_json(v: &Value) -> Js<'_> {
    match v {
        Value::Null => Js::Null,
        Value::Bool(b) => Js::Bool(*b),
        Value::Number(n) => Js::Num(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => Js::Str(s.clone()),
        other => Js::Json(other),
    }
}

fn truthy(v: &Js<'_>) -> bool {
    match v {
        Js::Undefined | Js::Null => false,
        Js::Bool(b) => *b,
        Js::Num(n) => *n != 0.0 && !n.is_nan(),
        Js::Str(s) => !s.is_empty(),
        Js::Json(_) | Js::Ir(_) => true,
    }
}

fn type_error(what: &str) -> EvalError {
    EvalError(format!("TypeError: {what}"))
}

/// `fqlEvaluate`.
fn evaluate<'a>(ir: &'a Value, event: &'a Value) -> Result<Js<'a>, EvalError> {
    let Value::Array(items) = ir else {
        return Ok(Js::Bool(matches!(get_value(ir, event)?, Js::Bool(true))));
    };
    let op = items.first().and_then(Value::as_str).unwrap_or("");
    let arg = |i: usize| items.get(i).unwrap_or(&Value::Null);
    Ok(match op {
        "!" => Js::Bool(!truthy(&evaluate(arg(1), event)?)),
        "or" => {
            for x in &items[1..] {
                if truthy(&evaluate(x, event)?) {
                    return Ok(Js::Bool(true));
                }
            }
            Js::Bool(false)
        }
        "and" => {
            for x in &items[1..] {
                if !truthy(&evaluate(x, event)?) {
                    return Ok(Js::Bool(false));
                }
            }
            Js::Bool(true)
        }
        "=" | "!=" => {
            let (a, b) = (get_value(arg(1), event)?, get_value(arg(2), event)?);
            let same = strict_equal(&resolve(a, event)?, &resolve(b, event)?, true);
            Js::Bool(if op == "=" { same } else { !same })
        }
        "<=" | "<" | ">" | ">=" => {
            let a = resolve(get_value(arg(1), event)?, event)?;
            let b = resolve(get_value(arg(2), event)?, event)?;
            let (Js::Num(a), Js::Num(b)) = (a, b) else {
                return Ok(Js::Bool(false));
            };
            Js::Bool(match op {
                "<=" => a <= b,
                ">=" => a >= b,
                "<" => a < b,
                _ => a > b,
            })
        }
        "in" => {
            let item = get_value(arg(1), event)?;
            let list = get_value(arg(2), event)?;
            let elements: &[Value] = match list {
                Js::Ir(Value::Array(a)) | Js::Json(Value::Array(a)) => a,
                _ => return Err(type_error("list.find is not a function")),
            };
            for e in elements {
                if strict_equal(&get_value(e, event)?, &item, false) {
                    return Ok(Js::Bool(true));
                }
            }
            Js::Bool(false)
        }
        "contains" => match (get_value(arg(1), event)?, get_value(arg(2), event)?) {
            (Js::Str(a), Js::Str(b)) => Js::Bool(a.contains(b.as_str())),
            _ => Js::Bool(false),
        },
        "match" => match (get_value(arg(1), event)?, get_value(arg(2), event)?) {
            (Js::Str(s), Js::Str(glob)) => Js::Bool(glob_matches(&utf16(&glob), &utf16(&s))),
            _ => Js::Bool(false),
        },
        "lowercase" => match get_value(arg(1), event)? {
            Js::Str(s) => Js::Str(s.to_lowercase()),
            _ => Js::Null,
        },
        "typeof" => Js::Str(
            match get_value(arg(1), event)? {
                Js::Undefined => "undefined",
                Js::Bool(_) => "boolean",
                Js::Num(_) => "number",
                Js::Str(_) => "string",
                Js::Null | Js::Json(_) | Js::Ir(_) => "object",
            }
            .into(),
        ),
        "length" => Js::Num(match get_value(arg(1), event)? {
            Js::Null => 0.0,
            Js::Json(Value::Array(a)) | Js::Ir(Value::Array(a)) => a.len() as f64,
            Js::Str(s) => s.encode_utf16().count() as f64,
            _ => f64::NAN,
        }),
        "semver" => {
            let (a, o, b) = (
                get_value(arg(1), event)?,
                get_value(arg(2), event)?,
                get_value(arg(3), event)?,
            );
            Js::Bool(match (a, o, b) {
                (Js::Str(a), Js::Str(o), Js::Str(b)) => semver(&a, &o, &b),
                _ => false,
            })
        }
        other => {
            return Err(EvalError(format!(
                "FQL IR could not evaluate for token: {other}"
            )));
        }
    })
}

/// `isIR`: a function's IR in a comparison is evaluated first (by tsub's heuristic: the
/// function's name and its number of arguments).
fn resolve<'a>(v: Js<'a>, event: &'a Value) -> Result<Js<'a>, EvalError> {
    if let Js::Ir(node @ Value::Array(items)) = &v {
        let f = items.first().and_then(Value::as_str).unwrap_or("");
        let call = matches!((f, items.len()), ("lowercase" | "length" | "typeof", 2))
            || matches!((f, items.len()), ("contains" | "match", 3) | ("semver", 4));
        if call {
            return evaluate(node, event);
        }
    }
    Ok(v)
}

/// `getValue`: an IR array as it is, `{"value": v}` as v, else a path into the event.
fn get_value<'a>(item: &'a Value, event: &'a Value) -> Result<Js<'a>, EvalError> {
    Ok(match item {
        Value::Array(_) => Js::Ir(item),
        Value::Object(m) => m.get("value").map_or(Js::Undefined, from_json),
        // `null.value` throws.
        Value::Null => {
            return Err(type_error(
                "Cannot read properties of null (reading 'value')",
            ));
        }
        Value::String(path) => dlv(event, path),
        // dlv with a key that has no `split` iterates over nothing and returns the event.
        Value::Number(_) | Value::Bool(_) => Js::Json(event),
    })
}

/// `dlv(event, path)`: each dot-separated key read off the value so far, while it is truthy.
fn dlv<'a>(event: &'a Value, path: &str) -> Js<'a> {
    let mut cur = Js::Json(event);
    for key in path.split('.') {
        if !truthy(&cur) {
            return Js::Undefined;
        }
        cur = match cur {
            Js::Json(Value::Object(m)) => m.get(key).map_or(Js::Undefined, from_json),
            Js::Json(Value::Array(a)) => {
                if key == "length" {
                    Js::Num(a.len() as f64)
                } else {
                    array_index(key)
                        .and_then(|i| a.get(i))
                        .map_or(Js::Undefined, from_json)
                }
            }
            Js::Json(v) => from_json(v),
            Js::Str(s) => {
                let units = utf16(&s);
                if key == "length" {
                    Js::Num(units.len() as f64)
                } else {
                    array_index(key)
                        .and_then(|i| units.get(i))
                        .map_or(Js::Undefined, |u| Js::Str(String::from_utf16_lossy(&[*u])))
                }
            }
            // Numbers and booleans have no fields an event could name.
            _ => Js::Undefined,
        };
    }
    cur
}

/// A key JavaScript reads as an array index: the canonical form of a non-negative integer.
fn array_index(key: &str) -> Option<usize> {
    let i: usize = key.parse().ok()?;
    (i.to_string() == key).then_some(i)
}

fn utf16(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

/// `===`, after `compareItems` has turned two objects into their JSON text (when
/// `stringify_objects`; `in` compares objects by reference, so never equal).
fn strict_equal(a: &Js<'_>, b: &Js<'_>, stringify_objects: bool) -> bool {
    let is_object = |v: &Js<'_>| matches!(v, Js::Null | Js::Json(_) | Js::Ir(_));
    if stringify_objects && is_object(a) && is_object(b) {
        return stringify(a) == stringify(b);
    }
    match (a, b) {
        (Js::Undefined, Js::Undefined) | (Js::Null, Js::Null) => true,
        (Js::Bool(x), Js::Bool(y)) => x == y,
        // JavaScript's `===` on numbers: NaN is equal to nothing, 0 to -0.
        #[allow(clippy::float_cmp)]
        (Js::Num(x), Js::Num(y)) => x == y,
        (Js::Str(x), Js::Str(y)) => x == y,
        _ => false,
    }
}

fn stringify(v: &Js<'_>) -> String {
    match v {
        Js::Null => "null".into(),
        Js::Json(j) => js_json(j),
        Js::Ir(items) => js_json(items),
        _ => String::new(),
    }
}

/// `JSON.stringify`: integer-like keys first in ascending order, then the others in order;
/// numbers as JavaScript writes them.
fn js_json(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => js_number(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => Value::String(s.clone()).to_string(),
        Value::Array(a) => format!("[{}]", a.iter().map(js_json).collect::<Vec<_>>().join(",")),
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            let index = |k: &String| k.parse::<u32>().ok().filter(|i| i.to_string() == **k);
            keys.sort_by_key(|k| index(k).map_or((1, 0), |i| (0, i)));
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", Value::String((*k).clone()), js_json(&m[*k])))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
    }
}

pub(crate) fn js_number(n: f64) -> String {
    if !n.is_finite() {
        return "null".into();
    }
    if n == 0.0 {
        return "0".into();
    }
    let abs = n.abs();
    if (1e-7..1e21).contains(&abs) {
        let s = format!("{n}");
        s.strip_suffix(".0").map_or(s.clone(), str::to_owned)
    } else {
        let s = format!("{n:e}");
        match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
            _ => s,
        }
    }
}

/// tsub's port of segmentio/glob, on UTF-16 units as JavaScript strings are.
fn glob_matches(mut pattern: &[u16], mut s: &[u16]) -> bool {
    'pattern: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            return true;
        }
        let (t, ok, err) = match_chunk(chunk, s);
        if err {
            return false;
        }
        if ok && (t.is_empty() || !pattern.is_empty()) {
            s = t;
            continue;
        }
        if star {
            for i in 0..s.len() {
                let (t, ok, err) = match_chunk(chunk, &s[i + 1..]);
                if ok {
                    if pattern.is_empty() && !t.is_empty() {
                        continue;
                    }
                    s = t;
                    continue 'pattern;
                }
                if err {
                    return false;
                }
            }
        }
        return false;
    }
    s.is_empty()
}

const STAR: u16 = b'*' as u16;
const BACKSLASH: u16 = b'\\' as u16;

fn scan_chunk(mut pattern: &[u16]) -> (bool, &[u16], &[u16]) {
    let mut star = false;
    while pattern.first() == Some(&STAR) {
        pattern = &pattern[1..];
        star = true;
    }
    let mut in_range = false;
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            BACKSLASH if i + 1 < pattern.len() => i += 1,
            c if c == u16::from(b'[') => in_range = true,
            c if c == u16::from(b']') => in_range = false,
            STAR if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    (star, &pattern[..i], &pattern[i..])
}

/// Whether `chunk` matches the start of `s`: (what is left of `s`, ok, bad pattern).
fn match_chunk<'s>(mut chunk: &[u16], mut s: &'s [u16]) -> (&'s [u16], bool, bool) {
    let fail = (&[][..], false, false);
    while !chunk.is_empty() {
        if s.is_empty() {
            return fail;
        }
        match chunk[0] {
            c if c == u16::from(b'[') => {
                let ch = s[0];
                s = &s[1..];
                chunk = &chunk[1..];
                let mut not_negated = true;
                if chunk.first() == Some(&u16::from(b'^')) {
                    not_negated = false;
                    chunk = &chunk[1..];
                }
                let mut found = false;
                let mut n_range = 0;
                loop {
                    if chunk.first() == Some(&u16::from(b']')) && n_range > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let Some((lo, rest)) = get_esc(chunk) else {
                        return fail;
                    };
                    chunk = rest;
                    let mut hi = lo;
                    if chunk.first() == Some(&u16::from(b'-')) {
                        let Some((h, rest)) = get_esc(&chunk[1..]) else {
                            return fail;
                        };
                        hi = h;
                        chunk = rest;
                    }
                    if lo <= ch && ch <= hi {
                        found = true;
                    }
                    n_range += 1;
                }
                if found != not_negated {
                    return fail;
                }
            }
            c if c == u16::from(b'?') => {
                s = &s[1..];
                chunk = &chunk[1..];
            }
            c => {
                if c == BACKSLASH {
                    chunk = &chunk[1..];
                    if chunk.is_empty() {
                        return (&[][..], false, true);
                    }
                }
                if chunk[0] != s[0] {
                    return fail;
                }
                s = &s[1..];
                chunk = &chunk[1..];
            }
        }
    }
    (s, true, false)
}

/// `getEsc`: a possibly escaped character of a class, and the rest; None for a bad class
/// (tsub then reports no match, not an error).
fn get_esc(mut chunk: &[u16]) -> Option<(u16, &[u16])> {
    if chunk.is_empty() || chunk[0] == u16::from(b'-') || chunk[0] == u16::from(b']') {
        return None;
    }
    if chunk[0] == BACKSLASH {
        chunk = &chunk[1..];
        if chunk.is_empty() {
            return None;
        }
    }
    let rest = &chunk[1..];
    if rest.is_empty() {
        return None;
    }
    Some((chunk[0], rest))
}

fn semver(a: &str, op: &str, b: &str) -> bool {
    let (Some(a), Some(b)) = (parse_semver(a), parse_semver(b)) else {
        return false;
    };
    let c = a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal);
    match op {
        "=" => c.is_eq(),
        "!=" => c.is_ne(),
        ">" => c.is_gt(),
        ">=" => c.is_ge(),
        "<" => c.is_lt(),
        "<=" => c.is_le(),
        _ => false,
    }
}

/// tsub's `parseSemver`: up to three dot-separated parts, each read by `parseInt`.
fn parse_semver(v: &str) -> Option<(f64, f64, f64)> {
    let parts: Vec<&str> = v.split('.').collect();
    if parts.len() > 3 {
        return None;
    }
    let mut out = [0.0; 3];
    for (i, p) in parts.iter().enumerate() {
        out[i] = parse_int(p.trim())?;
    }
    Some((out[0], out[1], out[2]))
}

/// JavaScript's `parseInt(s, 10)`: an optional sign and the leading digits; None for NaN.
fn parse_int(s: &str) -> Option<f64> {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let end = digits
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    if end == 0 {
        return None;
    }
    let n: f64 = digits[..end].parse().ok()?;
    Some(if neg { -n } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(fql: &str, event: &Value) -> bool {
        Fql::parse(fql).unwrap().matches(event).unwrap()
    }

    #[test]
    fn the_docs_examples() {
        let ev = json!({"event": "Button Clicked", "type": "track",
            "context": {"library": {"name": "analytics.js", "version": "1.0"}},
            "properties": {"features": ["discounts", "dark-mode"]}});
        assert!(m("event = 'Button Clicked'", &ev));
        assert!(!m("event = 'Screen Tapped'", &ev));
        assert!(!m("context.path.path = '/login'", &ev));
        assert!(m("type = 'identify' or type = 'track'", &ev));
        assert!(m("event = 'Button Clicked' and type = 'track'", &ev));
        assert!(m("match( context.library.version, '1.*' )", &ev));
        assert!(!m("match( context.library.version, '2.*' )", &ev));
        assert!(m(
            "type = 'track' and ( event = 'Click' or match( event, 'Button *' ) )",
            &ev
        ));
        assert!(!m("!contains( context.library.name, 'js' )", &ev));
        // tsub reads the elements of a list from the event as paths: the docs say true here.
        assert!(!m("'dark-mode' in properties.features", &ev));
        assert!(m("type in ['track', 'identify']", &ev));
        assert!(!m("!( type in ['track', 'identify'] )", &ev));
        for (s, p, want) in [
            ("abcd", "a*d", true),
            ("", "*", true),
            ("abc", "ab", false),
            ("abcd", "a??d", true),
            ("abcd", "*d", true),
            ("ab*d", "ab\\*d", true),
            ("abCd", "ab[cC]d", true),
            ("abcd", "ab[a-z]d", true),
            ("abcd", "ab[A-Z]d", false),
        ] {
            let e = json!({"s": s, "p": p});
            assert_eq!(m("match(s, p)", &e), want, "{s} {p}");
        }
    }

    #[test]
    fn nulls_and_types_as_tsub_has_them() {
        let ev = json!({"userId": "u", "n": null, "num": 3, "list": [1, 2]});
        assert!(m("n = null", &ev));
        // Absent is undefined, which is not null.
        assert!(!m("missing = null", &ev));
        assert!(m("length(userId) > 0", &ev));
        assert!(m("length(n) = 0", &ev));
        assert!(m("typeof(missing) = 'undefined'", &ev));
        assert!(m("typeof(list) = 'object'", &ev));
        assert!(m("num >= 3 and num < 4", &ev));
        assert!(!m("'3' = num", &ev));
        assert!(m("lowercase('ABC') = 'abc'", &ev));
        assert!(m("semver('1.2.3', '>', '1.2')", &ev));
        // `in` over something that is not a list throws in tsub.
        assert!(Fql::parse("'a' in missing").unwrap().matches(&ev).is_err());
    }

    #[test]
    fn mistakes_say_where() {
        let e = Fql::parse("event = 'x").unwrap_err();
        assert_eq!(e.column, 9);
        let e = Fql::parse("uppercase(event) = 'X'").unwrap_err();
        assert!(e.message.contains("tsub"), "{e}");
        assert!(Fql::parse("event = ").is_err());
        assert!(Fql::parse("(event = 'a'").is_err());
        assert_eq!(
            Fql::parse("properties.product\\ 1.price = '19.99'")
                .unwrap()
                .ir,
            json!(["=", "properties.product 1.price", {"value": "19.99"}])
        );
    }
}
