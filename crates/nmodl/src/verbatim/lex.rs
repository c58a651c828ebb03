//! Tokens of VERBATIM text: C's identifiers, numbers, string and character
//! literals and punctuators, with comments dropped and each preprocessor
//! line kept whole as one token. Lexing never fails: a character that
//! starts no token becomes a `Bad` token, which the parser rejects in the
//! statement it stands in.

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::{char, digit1, hex_digit1, one_of};
use nom::combinator::{opt, recognize};
use nom::sequence::{pair, preceded};
use nom::{IResult, Parser};

#[derive(Clone, Debug, PartialEq)]
pub enum T {
    Id(String),
    Int(i64),
    Real(f64),
    Str(String),
    P(&'static str),
    /// A preprocessor line without its `#` (continuations joined).
    Hash(String),
    /// Statement k of the NMODL block between two VERBATIM pieces.
    Nmodl(usize),
    /// A character that starts no C token.
    Bad(char),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Tok {
    pub t: T,
    pub line: u32,
}

/// Punctuators, longest first so that `<<=` wins over `<<` and `<`.
const PUNCTS: [&str; 48] = [
    "<<=", ">>=", "...", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "##", "[", "]", "(", ")", "{", "}", ".", "&", "*", "+", "-", "~", "!", "/", "%", "<", ">", "^", "|", "?", ":", ";", "=", ",", "#",
];

fn punct(i: &str) -> IResult<&str, &'static str> {
    for p in PUNCTS {
        if let Some(rest) = i.strip_prefix(p) {
            return Ok((rest, p));
        }
    }
    Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Tag)))
}

fn ident(i: &str) -> IResult<&str, &str> {
    recognize(pair(take_while1(|c: char| c.is_ascii_alphabetic() || c == '_'), take_while(|c: char| c.is_ascii_alphanumeric() || c == '_'))).parse(i)
}

fn exponent(i: &str) -> IResult<&str, &str> {
    recognize((one_of("eE"), opt(one_of("+-")), digit1)).parse(i)
}

/// A floating constant: `1.`, `.5`, `1.5e-3`, `2e4` (an `f`/`l` suffix dropped).
fn real(i: &str) -> IResult<&str, f64> {
    // (nom's digit0 takes nothing from digits that end the input.)
    let digits = take_while(|c: char| c.is_ascii_digit());
    let (rest, text) = alt((recognize((digit1, char('.'), digits, opt(exponent))), recognize((char('.'), digit1, opt(exponent))), recognize((digit1, exponent)))).parse(i)?;
    let (rest, _) = opt(one_of("fFlL")).parse(rest)?;
    Ok((rest, text.parse().unwrap_or(f64::NAN)))
}

/// An integer constant: decimal, octal or hex, suffixes (`u`, `l`) dropped.
fn int(i: &str) -> IResult<&str, i64> {
    let hex = preceded(alt((tag("0x"), tag("0X"))), hex_digit1).map(|h: &str| i64::from_str_radix(h, 16).unwrap_or(i64::MAX));
    let dec = digit1.map(|d: &str| {
        if d.len() > 1 && d.starts_with('0') {
            i64::from_str_radix(d, 8).unwrap_or(0)
        } else {
            d.parse().unwrap_or(i64::MAX)
        }
    });
    let (rest, v) = alt((hex, dec)).parse(i)?;
    let (rest, _) = take_while(|c: char| matches!(c, 'u' | 'U' | 'l' | 'L')).parse(rest)?;
    Ok((rest, v))
}

/// A quoted literal's body (up to the closing quote), escapes applied.
fn quoted(i: &str, q: char) -> IResult<&str, String> {
    let (mut rest, _) = char(q).parse(i)?;
    let mut out = String::new();
    loop {
        let mut it = rest.chars();
        match it.next() {
            None | Some('\n') => return Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Char))),
            Some(c) if c == q => return Ok((it.as_str(), out)),
            Some('\\') => {
                let e = it.next();
                out.push(match e {
                    Some('n') => '\n',
                    Some('t') => '\t',
                    Some('r') => '\r',
                    Some('0') => '\0',
                    Some('a') => '\x07',
                    Some('b') => '\x08',
                    Some('f') => '\x0c',
                    Some('v') => '\x0b',
                    Some('\n') => {
                        rest = it.as_str();
                        continue;
                    }
                    Some(c) => c,
                    None => '\\',
                });
                rest = it.as_str();
            }
            Some(c) => {
                out.push(c);
                rest = it.as_str();
            }
        }
    }
}

/// Tokens of `src`, whose first character is on line `line`.
pub fn lex(src: &str, line: u32) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut line = line;
    let mut rest = src;
    // Only blanks since the last newline: a `#` starts a directive.
    let mut line_start = true;
    while let Some(c) = rest.chars().next() {
        if c == '\n' {
            line += 1;
            line_start = true;
            rest = &rest[1..];
            continue;
        }
        if c.is_whitespace() {
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if let Some(r) = rest.strip_prefix("//") {
            rest = r.find('\n').map_or("", |k| &r[k..]);
            continue;
        }
        if let Some(r) = rest.strip_prefix("/*") {
            let end = r.find("*/").map_or(r.len(), |k| k + 2);
            line += r[..end].matches('\n').count() as u32;
            rest = &r[end..];
            continue;
        }
        let here = line;
        if c == '#' && line_start {
            // The directive runs to the end of the line, `\`-newlines joined.
            let mut text = String::new();
            let mut r = &rest[1..];
            loop {
                let end = r.find('\n').unwrap_or(r.len());
                let piece = &r[..end];
                let piece = piece.strip_suffix('\r').unwrap_or(piece);
                match piece.strip_suffix('\\') {
                    Some(p) if end < r.len() => {
                        text.push_str(p);
                        text.push(' ');
                        line += 1;
                        r = &r[end + 1..];
                    }
                    _ => {
                        text.push_str(piece);
                        r = &r[end..];
                        break;
                    }
                }
            }
            // Comments inside the directive go.
            out.push(Tok { t: T::Hash(strip_comments(&text)), line: here });
            rest = r;
            continue;
        }
        line_start = false;
        let tok: IResult<&str, T> = if c.is_ascii_digit() || (c == '.' && rest[1..].starts_with(|d: char| d.is_ascii_digit())) {
            alt((real.map(T::Real), int.map(T::Int))).parse(rest)
        } else if c.is_ascii_alphabetic() || c == '_' {
            ident(rest).map(|(r, s)| (r, T::Id(s.to_string())))
        } else if c == '"' {
            quoted(rest, '"').map(|(r, s)| (r, T::Str(s)))
        } else if c == '\'' {
            quoted(rest, '\'').map(|(r, s)| (r, T::Int(s.chars().next().map_or(0, |c| c as i64))))
        } else {
            punct(rest).map(|(r, p)| (r, T::P(p)))
        };
        match tok {
            Ok((r, t)) => {
                // Adjacent string literals are one.
                if let (T::Str(s), Some(Tok { t: T::Str(prev), .. })) = (&t, out.last_mut()) {
                    prev.push_str(s);
                } else {
                    out.push(Tok { t, line: here });
                }
                line += rest[..rest.len() - r.len()].matches('\n').count() as u32;
                rest = r;
            }
            Err(_) => {
                out.push(Tok { t: T::Bad(c), line: here });
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

fn strip_comments(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("/*") {
            rest = r.find("*/").map_or("", |k| &r[k + 2..]);
            out.push(' ');
        } else if rest.starts_with("//") {
            break;
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_lines() {
        let t = lex("\n  #include <math.h>\nx = 1.5e3 + 0x1F; /* c\n */ s = \"a\\n\" \"b\";\n", 10);
        let kinds: Vec<&T> = t.iter().map(|t| &t.t).collect();
        assert_eq!(kinds[0], &T::Hash("include <math.h>".into()));
        assert_eq!(t[0].line, 11);
        assert_eq!(kinds[1], &T::Id("x".into()));
        assert_eq!(t[1].line, 12);
        assert_eq!(kinds[3], &T::Real(1500.0));
        assert_eq!(kinds[5], &T::Int(31));
        assert_eq!(kinds[9], &T::Str("a\nb".into()));
        assert_eq!(t[9].line, 13);
    }

    #[test]
    fn a_real_that_ends_the_text() {
        assert_eq!(lex("0.25", 1)[0].t, T::Real(0.25));
        assert_eq!(lex(" 3.5", 1)[0].t, T::Real(3.5));
    }

    #[test]
    fn longest_punctuator() {
        let t = lex("a <<= b->c", 1);
        assert_eq!(t[1].t, T::P("<<="));
        assert_eq!(t[3].t, T::P("->"));
    }
}
