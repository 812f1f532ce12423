//! FQL, the Filter Query Language of Segment's destination filters
//! (`api/public-api/fql.md`): parsed once into the intermediate representation Segment's CDN
//! settings carry (`middlewareSettings.routingRules[].matchers[].ir`), and evaluated on an
//! event exactly as `@segment/tsub` evaluates that IR in analytics.js (`matchers.ts`), quirks
//! included: `tests/clients/fql.js` runs tsub itself on the same IR over generated cases.
//!
//! Segment's servers run FQL as the docs say, and where the docs and tsub disagree the two
//! readings (`Reader`) are kept apart (docs/rules.md, "FQL"): the browser's (tsub) decides
//! device-mode routes, the servers' cloud-mode ones. They differ on a list on the right of
//! `in` that comes from the event (tsub reads its elements as paths; the servers as values:
//! `'dark-mode' in properties.features`), on `length` of a string (UTF-16 units; the servers
//! count bytes), on `typeof`'s words (JavaScript's; the servers' `bool`, `list`, `null`), and
//! on the functions the docs list beyond tsub's (`uppercase`, `snakecase`,
//! ...: the servers run them, tsub reads their IR as a plain list). Elsewhere tsub's reading
//! is both's: `x = null` is false for a field that is absent (tsub compares `undefined` with
//! `null` strictly; the docs are silent).

use std::borrow::Cow;

use serde_json::{Value, json};

use crate::read::event::{Json, Shape};

/// A parsed expression: its IR, as tsub reads it, and that IR compiled for evaluation.
#[derive(Debug, Clone)]
pub struct Fql {
    pub ir: Value,
    expr: Expr,
}

impl PartialEq for Fql {
    fn eq(&self, other: &Self) -> bool {
        self.ir == other.ir
    }
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

/// Whose reading of an expression decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// analytics.js's evaluator (`@segment/tsub`): device-mode routes.
    Browser,
    /// Segment's servers, as `api/public-api/fql.md` documents them: cloud-mode routes.
    Server,
}

impl Fql {
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let tokens = lex(text)?;
        let mut p = Parser { tokens, at: 0 };
        let ir = p.or()?;
        match p.peek() {
            Tok::End => Ok(Self::from_ir(ir)),
            _ => Err(p.error("unexpected text after the expression")),
        }
    }

    /// An expression given as its IR (CDN settings carry it so).
    pub fn from_ir(ir: Value) -> Self {
        let expr = compile(&ir);
        Self { ir, expr }
    }

    /// Whether the event matches, as tsub's `matches(event, {type: "fql", ir})` says.
    pub fn matches<'a, N: Json<'a>>(&'a self, event: N) -> Result<bool, EvalError> {
        self.matches_as(Reader::Browser, event)
    }

    /// Whether the event matches, as `reader` reads the expression.
    pub fn matches_as<'a, N: Json<'a>>(
        &'a self,
        reader: Reader,
        event: N,
    ) -> Result<bool, EvalError> {
        Ok(match evaluate(&self.expr, event, reader)? {
            Js::Bool(b) => b,
            _ => false,
        })
    }

    /// What in the expression the browser and Segment's servers read differently, in words
    /// (nothing when they agree on every event).
    pub fn readings_differ(&self) -> Vec<String> {
        let mut out = Vec::new();
        differences(&self.ir, &mut out);
        out.dedup();
        out
    }
}

/// `differences` of one node of the IR and those below it.
fn differences(ir: &Value, out: &mut Vec<String>) {
    let Value::Array(items) = ir else { return };
    let op = items.first().and_then(Value::as_str).unwrap_or("");
    match op {
        "in" if items.get(2).is_some_and(Value::is_string) => out.push(
            "`in` over a list from the event: the browser reads its elements as field paths, Segment's servers as values".to_owned(),
        ),
        "length" => out.push(
            "`length` of text: the browser counts UTF-16 units, Segment's servers bytes (they differ beyond ASCII)".to_owned(),
        ),
        "typeof" => out.push(
            "`typeof`: the browser answers in JavaScript's words (boolean, object, undefined), Segment's servers in FQL's (bool, list, null)".to_owned(),
        ),
        f if SERVER_FUNCTIONS.iter().any(|(name, _)| *name == f) => out.push(format!(
            "`{f}()`: Segment's servers run it; the browser (tsub) does not know it and reads it as a list"
        )),
        _ => {}
    }
    for item in &items[1..] {
        differences(item, out);
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

/// The functions Segment's servers run beyond tsub's (`api/public-api/fql.md`).
const SERVER_FUNCTIONS: [(&str, usize); 7] = [
    ("uppercase", 1),
    ("snakecase", 1),
    ("kebabcase", 1),
    ("titlecase", 1),
    ("bool", 1),
    ("string", 1),
    ("number", 1),
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
                    .chain(&SERVER_FUNCTIONS)
                    .find(|(f, _)| *f == name)
                    .ok_or_else(|| {
                        self.error(&format!(
                            "{name}() is not an FQL function: use contains, match, lowercase, typeof, length or semver (both readers), or uppercase, snakecase, kebabcase, titlecase, bool, string or number (Segment's servers only)"
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

/// The IR compiled once, when the expression is read: each node's operator and operands
/// decided, so that an event is not matched by reading the IR's JSON again. Each variant is
/// one branch of tsub's `fqlEvaluate`.
#[derive(Debug, Clone, PartialEq)]
enum Expr {
    /// An IR that is not an array: true when its value is `true`.
    Value(Item),
    Not(Box<Expr>),
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Equal {
        negate: bool,
        a: Item,
        b: Item,
    },
    Compare {
        op: Cmp,
        a: Item,
        b: Item,
    },
    In {
        item: Item,
        list: Item,
    },
    Contains(Item, Item),
    Match(Item, Item),
    Lowercase(Item),
    Typeof(Item),
    Length(Item),
    Semver(Item, Item, Item),
    /// A function only Segment's servers run (`uppercase`, ...); tsub throws on it.
    ServerOnly(&'static str, Item),
    /// An operator tsub does not know: it throws.
    Unknown(String),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Cmp {
    Le,
    Lt,
    Gt,
    Ge,
}

/// An operand, as tsub's `getValue` reads it.
#[derive(Debug, Clone, PartialEq)]
enum Item {
    /// An array of the IR, or an object or array given as `{"value": …}`: kept as it is.
    Kept(Kept),
    /// A scalar given as `{"value": …}`.
    Scalar(Value),
    /// An object without `value`.
    Undefined,
    /// `null`: reading its `value` throws.
    Null,
    Path(String),
    /// A number or boolean: `dlv` with it returns the event itself.
    Event,
}

/// An object or array of the IR, with what tsub may do with it worked out.
#[derive(Debug, Clone, PartialEq)]
struct Kept {
    value: Value,
    /// Its elements as operands (for `in`), when it is an array.
    elements: Vec<Item>,
    /// For an array of the IR Segment's servers take for a function call (any function, by
    /// its arity): the call.
    call: Option<Box<Expr>>,
    /// Whether tsub's `isIR` takes it for a call too (the functions tsub knows are a part of
    /// the servers').
    tsub_calls: bool,
}

fn compile(ir: &Value) -> Expr {
    let Value::Array(items) = ir else {
        return Expr::Value(operand(ir));
    };
    let op = items.first().and_then(Value::as_str).unwrap_or("");
    let arg = |i: usize| operand(items.get(i).unwrap_or(&Value::Null));
    let rest = || items[1..].iter().map(compile).collect();
    match op {
        "!" => Expr::Not(Box::new(compile(items.get(1).unwrap_or(&Value::Null)))),
        "or" => Expr::Or(rest()),
        "and" => Expr::And(rest()),
        "=" | "!=" => Expr::Equal {
            negate: op == "!=",
            a: arg(1),
            b: arg(2),
        },
        "<=" | "<" | ">" | ">=" => Expr::Compare {
            op: match op {
                "<=" => Cmp::Le,
                "<" => Cmp::Lt,
                ">" => Cmp::Gt,
                _ => Cmp::Ge,
            },
            a: arg(1),
            b: arg(2),
        },
        "in" => Expr::In {
            item: arg(1),
            list: arg(2),
        },
        "contains" => Expr::Contains(arg(1), arg(2)),
        "match" => Expr::Match(arg(1), arg(2)),
        "lowercase" => Expr::Lowercase(arg(1)),
        "typeof" => Expr::Typeof(arg(1)),
        "length" => Expr::Length(arg(1)),
        "semver" => Expr::Semver(arg(1), arg(2), arg(3)),
        other => match SERVER_FUNCTIONS.iter().find(|(f, _)| *f == other) {
            Some((f, _)) => Expr::ServerOnly(f, arg(1)),
            None => Expr::Unknown(other.to_owned()),
        },
    }
}

/// `getValue`'s reading of an item of the IR: an array as it is, `{"value": v}` as v, else a
/// path into the event.
fn operand(item: &Value) -> Item {
    match item {
        Value::Array(items) => {
            // `isIR`: tsub's heuristic, the function's name and its number of arguments.
            let f = items.first().and_then(Value::as_str).unwrap_or("");
            let tsub_calls = matches!((f, items.len()), ("lowercase" | "length" | "typeof", 2))
                || matches!((f, items.len()), ("contains" | "match", 3) | ("semver", 4));
            let call = FUNCTIONS
                .iter()
                .chain(&SERVER_FUNCTIONS)
                .any(|(name, arity)| *name == f && items.len() == arity + 1);
            Item::Kept(Kept {
                value: item.clone(),
                elements: items.iter().map(operand).collect(),
                call: call.then(|| Box::new(compile(item))),
                tsub_calls,
            })
        }
        Value::Object(m) => match m.get("value") {
            None => Item::Undefined,
            Some(v @ Value::Array(items)) => Item::Kept(Kept {
                value: v.clone(),
                elements: items.iter().map(operand).collect(),
                call: None,
                tsub_calls: false,
            }),
            Some(v @ Value::Object(_)) => Item::Kept(Kept {
                value: v.clone(),
                elements: Vec::new(),
                call: None,
                tsub_calls: false,
            }),
            Some(v) => Item::Scalar(v.clone()),
        },
        Value::Null => Item::Null,
        Value::String(path) => Item::Path(path.clone()),
        Value::Number(_) | Value::Bool(_) => Item::Event,
    }
}

/// A JavaScript value as tsub's code sees it; `N` is the event's JSON (built or in place).
#[derive(Debug, Clone)]
enum Js<'a, N> {
    Undefined,
    Null,
    Bool(bool),
    Num(f64),
    Str(Cow<'a, str>),
    /// An object or array of the event.
    Event(N),
    /// An object or array of the IR.
    Kept(&'a Kept),
}

/// A scalar as JavaScript holds it; objects and arrays by `composite`.
fn js<'a, J: Json<'a>, N>(v: J, composite: impl FnOnce(J) -> Js<'a, N>) -> Js<'a, N> {
    match v.shape() {
        Shape::Null => Js::Null,
        Shape::Bool(b) => Js::Bool(b),
        Shape::Number(n) => Js::Num(n),
        Shape::Str(s) => Js::Str(s),
        Shape::Array | Shape::Object => composite(v),
    }
}

fn of_event<'a, N: Json<'a>>(v: N) -> Js<'a, N> {
    js(v, Js::Event)
}

fn truthy<N>(v: &Js<'_, N>) -> bool {
    match v {
        Js::Undefined | Js::Null => false,
        Js::Bool(b) => *b,
        Js::Num(n) => *n != 0.0 && !n.is_nan(),
        Js::Str(s) => !s.is_empty(),
        Js::Event(_) | Js::Kept(_) => true,
    }
}

fn type_error(what: &str) -> EvalError {
    EvalError(format!("TypeError: {what}"))
}

/// `fqlEvaluate`, or the servers' reading where `reader` says so.
fn evaluate<'a, N: Json<'a>>(
    expr: &'a Expr,
    event: N,
    reader: Reader,
) -> Result<Js<'a, N>, EvalError> {
    let value = |item: &'a Item| get_value(item, event);
    Ok(match expr {
        Expr::Value(item) => Js::Bool(matches!(value(item)?, Js::Bool(true))),
        Expr::Not(x) => Js::Bool(!truthy(&evaluate(x, event, reader)?)),
        Expr::Or(xs) => {
            for x in xs {
                if truthy(&evaluate(x, event, reader)?) {
                    return Ok(Js::Bool(true));
                }
            }
            Js::Bool(false)
        }
        Expr::And(xs) => {
            for x in xs {
                if !truthy(&evaluate(x, event, reader)?) {
                    return Ok(Js::Bool(false));
                }
            }
            Js::Bool(true)
        }
        Expr::Equal { negate, a, b } => {
            let (a, b) = (value(a)?, value(b)?);
            let same = strict_equal(
                &resolve(a, event, reader)?,
                &resolve(b, event, reader)?,
                true,
            );
            Js::Bool(same != *negate)
        }
        Expr::Compare { op, a, b } => {
            let a = resolve(value(a)?, event, reader)?;
            let b = resolve(value(b)?, event, reader)?;
            let (Js::Num(a), Js::Num(b)) = (a, b) else {
                return Ok(Js::Bool(false));
            };
            Js::Bool(match op {
                Cmp::Le => a <= b,
                Cmp::Ge => a >= b,
                Cmp::Lt => a < b,
                Cmp::Gt => a > b,
            })
        }
        Expr::In { item, list } => {
            let item = value(item)?;
            let found = match value(list)? {
                Js::Kept(k) if k.value.is_array() => {
                    find(k.elements.iter(), |e| get_value(e, event), &item)?
                }
                // The servers compare the list's values; tsub reads each as a path.
                Js::Event(list) if list.shape() == Shape::Array && reader == Reader::Server => {
                    find(list.elements().into_iter(), |e| Ok(of_event(e)), &item)?
                }
                Js::Event(list) if list.shape() == Shape::Array => find(
                    list.elements().into_iter(),
                    |e| element_value(e, event),
                    &item,
                )?,
                _ => return Err(type_error("list.find is not a function")),
            };
            Js::Bool(found)
        }
        Expr::Contains(a, b) => match (value(a)?, value(b)?) {
            (Js::Str(a), Js::Str(b)) => Js::Bool(a.contains(b.as_ref())),
            _ => Js::Bool(false),
        },
        Expr::Match(a, b) => match (value(a)?, value(b)?) {
            (Js::Str(s), Js::Str(glob)) => Js::Bool(glob_matches(&utf16(&glob), &utf16(&s))),
            _ => Js::Bool(false),
        },
        Expr::Lowercase(a) => match value(a)? {
            Js::Str(s) => Js::Str(Cow::Owned(s.to_lowercase())),
            _ => Js::Null,
        },
        Expr::Typeof(a) => Js::Str(Cow::Borrowed(type_of(&value(a)?, reader))),
        Expr::Length(a) => Js::Num(length(&value(a)?, reader)),
        Expr::Semver(a, o, b) => Js::Bool(match (value(a)?, value(o)?, value(b)?) {
            (Js::Str(a), Js::Str(o), Js::Str(b)) => semver(&a, &o, &b),
            _ => false,
        }),
        Expr::ServerOnly(f, a) if reader == Reader::Server => server_function(f, &value(a)?),
        Expr::ServerOnly(other, _) => return Err(cannot_evaluate(other)),
        Expr::Unknown(other) => return Err(cannot_evaluate(other)),
    })
}

/// tsub's error for an operator it does not know.
fn cannot_evaluate(token: &str) -> EvalError {
    EvalError(format!("FQL IR could not evaluate for token: {token}"))
}

/// `typeof`: JavaScript's word in the browser; the servers' `string`, `number`, `list`,
/// `bool` or `null`.
fn type_of<'a, N: Json<'a>>(v: &Js<'a, N>, reader: Reader) -> &'static str {
    match (v, reader) {
        (Js::Undefined | Js::Null, Reader::Server) => "null",
        (Js::Bool(_), Reader::Server) => "bool",
        (Js::Event(v), Reader::Server) if v.shape() == Shape::Array => "list",
        (Js::Kept(k), Reader::Server) if k.value.is_array() => "list",
        (Js::Undefined, Reader::Browser) => "undefined",
        (Js::Bool(_), Reader::Browser) => "boolean",
        (Js::Num(_), _) => "number",
        (Js::Str(_), _) => "string",
        (Js::Null | Js::Event(_) | Js::Kept(_), _) => "object",
    }
}

/// `length`: of a list, its elements; of text, its UTF-16 units in the browser, its bytes on
/// the servers ("the number of bytes (not necessarily characters) in a string", fql.md).
fn length<'a, N: Json<'a>>(v: &Js<'a, N>, reader: Reader) -> f64 {
    match v {
        Js::Null => 0.0,
        Js::Kept(k) => k.value.as_array().map_or(f64::NAN, |a| a.len() as f64),
        Js::Event(v) if v.shape() == Shape::Array => v.elements().len() as f64,
        Js::Str(s) if reader == Reader::Server => s.len() as f64,
        Js::Str(s) => s.encode_utf16().count() as f64,
        _ => f64::NAN,
    }
}

/// A function only Segment's servers run, as fql.md documents it; `null` gives `null`.
fn server_function<'a, N: Json<'a>>(f: &str, v: &Js<'a, N>) -> Js<'a, N> {
    let text = match &v {
        Js::Str(s) => Some(s.to_string()),
        _ => None,
    };
    match (f, text) {
        ("uppercase", Some(s)) => Js::Str(Cow::Owned(s.to_uppercase())),
        ("snakecase", Some(s)) => Js::Str(Cow::Owned(s.replace(' ', "_"))),
        ("kebabcase", Some(s)) => Js::Str(Cow::Owned(s.replace(' ', "-"))),
        ("titlecase", Some(s)) => Js::Str(Cow::Owned(
            s.split(' ')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map_or_else(String::new, |first| first.to_uppercase().chain(c).collect())
                })
                .collect::<Vec<_>>()
                .join(" "),
        )),
        ("bool", _) => Js::Bool(truthy(v)),
        ("string", Some(s)) => Js::Str(Cow::Owned(s)),
        ("string", None) => match v {
            Js::Num(n) => Js::Str(Cow::Owned(js_number(*n))),
            Js::Bool(b) => Js::Str(Cow::Borrowed(if *b { "true" } else { "false" })),
            _ => Js::Null,
        },
        ("number", Some(s)) => s.trim().parse::<f64>().map_or(Js::Null, Js::Num),
        ("number", None) => match v {
            Js::Num(n) => Js::Num(*n),
            _ => Js::Null,
        },
        _ => Js::Null,
    }
}

/// `list.find(e => compareItems(getValue(e, event), item))`, by reference for objects.
fn find<'a, N: Json<'a>, E>(
    elements: impl Iterator<Item = E>,
    mut value: impl FnMut(E) -> Result<Js<'a, N>, EvalError>,
    item: &Js<'a, N>,
) -> Result<bool, EvalError> {
    for e in elements {
        if strict_equal(&value(e)?, item, false) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `isIR`: a function's IR in a comparison is evaluated first (by the servers, any
/// function's).
fn resolve<'a, N: Json<'a>>(
    v: Js<'a, N>,
    event: N,
    reader: Reader,
) -> Result<Js<'a, N>, EvalError> {
    match v {
        Js::Kept(Kept {
            call: Some(call),
            tsub_calls,
            ..
        }) if *tsub_calls || reader == Reader::Server => evaluate(call, event, reader),
        v => Ok(v),
    }
}

/// `getValue` of an operand of the IR.
fn get_value<'a, N: Json<'a>>(item: &'a Item, event: N) -> Result<Js<'a, N>, EvalError> {
    Ok(match item {
        Item::Kept(k) => Js::Kept(k),
        Item::Scalar(v) => js(v, |_| Js::Undefined),
        Item::Undefined => Js::Undefined,
        // `null.value` throws.
        Item::Null => return Err(null_value()),
        Item::Path(path) => dlv(event, path),
        // dlv with a key that has no `split` iterates over nothing and returns the event.
        Item::Event => Js::Event(event),
    })
}

/// `getValue` of an element of a list that came from the event: the same rules.
fn element_value<'a, N: Json<'a>>(item: N, event: N) -> Result<Js<'a, N>, EvalError> {
    Ok(match item.shape() {
        Shape::Array => Js::Event(item),
        Shape::Object => item.member("value").map_or(Js::Undefined, of_event),
        Shape::Null => return Err(null_value()),
        Shape::Str(path) => dlv(event, &path),
        Shape::Number(_) | Shape::Bool(_) => Js::Event(event),
    })
}

fn null_value() -> EvalError {
    type_error("Cannot read properties of null (reading 'value')")
}

/// `dlv(event, path)`: each dot-separated key read off the value so far, while it is truthy.
fn dlv<'a, N: Json<'a>>(event: N, path: &str) -> Js<'a, N> {
    let mut cur = Js::Event(event);
    for key in path.split('.') {
        if !truthy(&cur) {
            return Js::Undefined;
        }
        cur = match cur {
            Js::Event(v) => match v.shape() {
                Shape::Array if key == "length" => Js::Num(v.elements().len() as f64),
                Shape::Array => array_index(key)
                    .and_then(|i| v.element(i))
                    .map_or(Js::Undefined, of_event),
                _ => v.member(key).map_or(Js::Undefined, of_event),
            },
            Js::Str(s) => {
                let units = utf16(&s);
                if key == "length" {
                    Js::Num(units.len() as f64)
                } else {
                    array_index(key)
                        .and_then(|i| units.get(i))
                        .map_or(Js::Undefined, |u| {
                            Js::Str(Cow::Owned(String::from_utf16_lossy(&[*u])))
                        })
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
fn strict_equal<'a, N: Json<'a>>(a: &Js<'a, N>, b: &Js<'a, N>, stringify_objects: bool) -> bool {
    let is_object = |v: &Js<'a, N>| matches!(v, Js::Null | Js::Event(_) | Js::Kept(_));
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

fn stringify<'a, N: Json<'a>>(v: &Js<'a, N>) -> String {
    match v {
        Js::Null => "null".into(),
        Js::Event(j) => js_json(&j.to_value()),
        Js::Kept(k) => js_json(&k.value),
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
        let e = Fql::parse("upper(event) = 'X'").unwrap_err();
        assert!(e.message.contains("not an FQL function"), "{e}");
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
