//! The NMODL lexer.
//!
//! Whitespace (newlines included: NMODL is free-form) and `:` / `?` line
//! comments are skipped, and so are `COMMENT … ENDCOMMENT` blocks. `TITLE`
//! takes the rest of its line, `VERBATIM … ENDVERBATIM` is kept as one token
//! holding the raw text. Keywords are ordinary [`Tok::Ident`]s: the parser
//! decides by context, which keeps the lexer free of state.
//!
//! Unit strings such as `(k-mole)` or `(/ms)` are not tokens: the parser reads
//! them as raw text from the source when it sees `(` where a unit may stand.

use logos::{Logos, Skip};

use crate::span::{LineIndex, Span};

/// What can go wrong while lexing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum LexError {
    /// A character that starts no token.
    #[default]
    Invalid,
    /// `COMMENT` or `VERBATIM` without its `END…` line.
    Unterminated(&'static str),
    /// `REPRESENTS` not followed by an ontology id.
    BadOntology,
}

/// Token kinds.
#[derive(Logos, Clone, Debug, PartialEq)]
#[logos(error = LexError)]
#[logos(skip r"[ \t\r\n\x0c]+")]
#[logos(skip(r"[:?][^\r\n]*", allow_greedy = true))]
pub enum Tok {
    /// `TITLE` and the rest of its line (trimmed).
    #[token("TITLE", title)]
    Title(String),
    /// `COMMENT … ENDCOMMENT` (never emitted: skipped by the callback).
    #[token("COMMENT", |l| block(l, "COMMENT").map(|_| Skip))]
    Comment,
    /// The raw text between `VERBATIM` and the `ENDVERBATIM` line.
    #[token("VERBATIM", |l| block(l, "VERBATIM"))]
    Verbatim(String),
    /// `REPRESENTS` with its ontology id, e.g. `NCIT:C17145` or `[NCIT:C17145]`.
    #[token("REPRESENTS", represents)]
    Represents(String),

    /// A name or keyword.
    #[regex(r"[A-Za-z_][A-Za-z0-9_]*")]
    Ident,
    /// A name followed by one or more primes: `m'`, `x''`.
    #[regex(r"[A-Za-z_][A-Za-z0-9_]*'+")]
    Prime,
    /// An integer literal.
    #[regex(r"[0-9]+")]
    Int,
    /// A real literal: `1.`, `.5`, `1.5e-3`, `2e4`.
    #[regex(r"[0-9]+\.[0-9]*([eE][-+]?[0-9]+)?")]
    #[regex(r"\.[0-9]+([eE][-+]?[0-9]+)?")]
    #[regex(r"[0-9]+[eE][-+]?[0-9]+")]
    Real,
    /// A double-quoted string (no escapes, may span lines).
    #[regex(r#""[^"]*""#)]
    Str,

    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token(",")]
    Comma,
    #[token("=")]
    Assign,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("^")]
    Caret,
    #[token("%")]
    Percent,
    #[token("@")]
    At,
    #[token("~")]
    Tilde,
    #[token("~+")]
    TildePlus,
    #[token("<->")]
    React,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token("==")]
    Eq,
    #[token("!=")]
    Ne,
    #[token("!")]
    Not,
    #[token("&&")]
    And,
    #[token("||")]
    Or,

    /// Never produced by logos: a lexing error, as kept by [`tokenize`] and the parser.
    Error(LexError),
    /// Never produced by logos: end of input.
    Eof,
}

impl Tok {
    /// How the token reads in an error message.
    pub fn describe(&self, text: &str) -> String {
        match self {
            Tok::Title(_) => "'TITLE'".into(),
            Tok::Comment => "'COMMENT'".into(),
            Tok::Verbatim(_) => "a VERBATIM block".into(),
            Tok::Represents(_) => "'REPRESENTS'".into(),
            Tok::Ident if crate::parser::is_keyword(text) => format!("keyword '{text}'"),
            Tok::Ident => format!("name '{text}'"),
            Tok::Prime => format!("derivative '{text}'"),
            Tok::Int | Tok::Real => format!("number '{text}'"),
            Tok::Str => "a string".into(),
            Tok::Error(_) => format!("'{}'", text.chars().next().unwrap_or('?')),
            Tok::Eof => "end of file".into(),
            _ => format!("'{text}'"),
        }
    }
}

fn title(l: &mut logos::Lexer<Tok>) -> String {
    let rest = l.remainder();
    let n = rest.find(['\n', '\r']).unwrap_or(rest.len());
    l.bump(n);
    rest[..n].trim().to_string()
}

/// Finds the line that starts (after blanks) with the word `END<kw>`; the
/// text before it is the block, and that whole line is consumed, as NEURON's
/// translator does.
fn block(l: &mut logos::Lexer<Tok>, kw: &'static str) -> Result<String, LexError> {
    let rest = l.remainder();
    let end = format!("END{kw}");
    let mut pos = 0;
    while pos <= rest.len() {
        let line_end = rest[pos..].find('\n').map_or(rest.len(), |i| pos + i);
        let line = rest[pos..line_end].trim_start_matches([' ', '\t']);
        let word_len = line.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
        if line[..word_len] == end {
            let body = rest[..pos].to_string();
            l.bump(line_end);
            return Ok(body);
        }
        if line_end >= rest.len() {
            break;
        }
        pos = line_end + 1;
    }
    l.bump(rest.len());
    Err(LexError::Unterminated(kw))
}

fn represents(l: &mut logos::Lexer<Tok>) -> Result<String, LexError> {
    let rest = l.remainder();
    let b = rest.as_bytes();
    let mut i = b.iter().take_while(|c| **c == b' ' || **c == b'\t').count();
    let start = i;
    let bracket = b.get(i) == Some(&b'[');
    if bracket {
        i += 1;
    }
    let name = b[i..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
        .count();
    if name == 0 || !b[i].is_ascii_alphabetic() || b.get(i + name) != Some(&b':') {
        return Err(LexError::BadOntology);
    }
    i += name + 1;
    i += b[i..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
        .count();
    if bracket {
        if b.get(i) != Some(&b']') {
            return Err(LexError::BadOntology);
        }
        i += 1;
    }
    let id = rest[start..i].to_string();
    l.bump(i);
    Ok(id)
}

/// A token with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

/// Lexes all of `src` (for tests and tools; the parser lexes lazily). Lexing
/// errors become [`Tok::Error`] tokens and lexing goes on after them; the
/// last token is always [`Tok::Eof`]. Never panics.
pub fn tokenize(src: &str) -> Vec<Token> {
    let lines = LineIndex::new(src);
    let mut lex = Tok::lexer(src);
    let mut out = Vec::new();
    while let Some(r) = lex.next() {
        let sp = lex.span();
        let tok = r.unwrap_or_else(Tok::Error);
        out.push(Token {
            tok,
            span: lines.span(src, sp.start, sp.end),
        });
    }
    out.push(Token {
        tok: Tok::Eof,
        span: lines.span(src, src.len(), src.len()),
    });
    out
}
