//! Tokens of HOC, lexed lazily from a source text so that the parser and
//! `fscan()` can share one input position.

use logos::Logos;

#[derive(Logos, Debug, Clone, PartialEq)]
#[logos(skip r"[ \t\f]+")]
#[logos(skip(r"//[^\n]*", allow_greedy = true))]
#[logos(skip r"/\*([^*]|\*+[^*/])*\*+/")]
// A comment never closed ends the file, as in NEURON.
#[logos(skip(r"/\*([^*]|\*+[^*/])*\**", allow_greedy = true))]
#[logos(skip r"\\\r?\n")]
pub enum Tok {
    #[regex(r"[0-9]+\.?[0-9]*([eE][+-]?[0-9]+)?", |l| l.slice().parse::<f64>().ok())]
    #[regex(r"\.[0-9]+([eE][+-]?[0-9]+)?", |l| l.slice().parse::<f64>().ok())]
    Num(f64),
    #[regex(r#""([^"\\\n]|\\(.|\n))*""#, |l| unescape(&l.slice()[1..l.slice().len() - 1]))]
    Str(String),
    #[regex(r"[A-Za-z_][A-Za-z0-9_]*", |l| l.slice().to_string())]
    Ident(String),
    /// `$1`, `$s1`, `$o1`, `$&1`: kind letter and argument number (0 for `$i` forms).
    #[regex(r"\$(s|o|&)?([0-9]+|i)", dollar)]
    Dollar((char, u32)),
    /// `\n`; a `\r` (with or without a `\n` after it) ends a line too.
    #[regex(r"\r\n?|\n")]
    Newline,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent,
    #[token("^")]
    Caret,
    #[token("=")]
    Assign,
    #[token("+=")]
    PlusAssign,
    #[token("-=")]
    MinusAssign,
    #[token("*=")]
    StarAssign,
    #[token("/=")]
    SlashAssign,
    #[token("==")]
    Eq,
    #[token("!=")]
    Ne,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token("&&")]
    And,
    #[token("||")]
    Or,
    #[token("!")]
    Not,
    #[token("&")]
    Amp,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token(",")]
    Comma,
    #[token(".")]
    Dot,
    #[token(":")]
    Colon,
    #[token(";")]
    Semi,
}

fn dollar(l: &mut logos::Lexer<Tok>) -> (char, u32) {
    let s = &l.slice()[1..];
    let (kind, rest) = match s.as_bytes()[0] {
        b's' => ('s', &s[1..]),
        b'o' => ('o', &s[1..]),
        b'&' => ('&', &s[1..]),
        _ => ('n', s),
    };
    let n = if rest == "i" { 0 } else { rest.parse().unwrap_or(u32::MAX) };
    (kind, n)
}

/// Resolves the escapes of HOC string literals: `\b \f \n \r \t`; a
/// backslash before any other character stands for that character.
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\x08'),
            Some('f') => out.push('\x0c'),
            Some(o) => out.push(o),
            None => out.push('\\'),
        }
    }
    out
}

/// A token with its byte span in the source text.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

/// Lexes a shared source text from a movable position, one token at a time.
pub struct Lexer {
    text: std::rc::Rc<str>,
    pub pos: usize,
}

impl Lexer {
    pub fn new(text: std::rc::Rc<str>, pos: usize) -> Self {
        Lexer { text, pos }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Next token, `None` at the end; `Err(offset)` for a character that starts no token.
    pub fn next_tok(&mut self) -> Option<Result<Spanned, usize>> {
        let mut inner = Tok::lexer(&self.text[self.pos..]);
        let r = inner.next()?;
        let span = inner.span();
        let (start, end) = (span.start + self.pos, span.end + self.pos);
        self.pos = end;
        Some(match r {
            Ok(tok) => Ok(Spanned { tok, start, end }),
            Err(()) => Err(start),
        })
    }
}
