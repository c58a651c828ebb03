//! Property tests: the lexer and parser never panic, whatever the input.

use hoc::parser::{Parser, TopLevel};
use hoc::Interp;
use proptest::prelude::*;

/// Parses `text` statement by statement, as the interpreter does, without running it.
fn parse_all(text: &str) {
    let mut it = Interp::new(Box::new(std::io::sink()));
    let text: std::rc::Rc<str> = text.into();
    let mut pos = 0;
    loop {
        let mut p = Parser::new(&mut it, text.clone(), pos, None);
        match p.toplevel() {
            Ok(TopLevel::Eof) | Err(_) => return,
            Ok(_) => {
                let next = p.pos();
                assert!(next > pos, "parser made no progress at {pos}");
                pos = next;
            }
        }
    }
}

fn hoc_fragment() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "x", "y", "a[2]", "s", "o", "v.x[1]", "(", ")", "{", "}", "[", "]", "+", "-", "*", "/", "%", "^", "=", "==",
        "<=", "&&", "||", "!", ",", ".", ":", ";", "\n", " ", "1", "2.5e3", ".5", "\"str\"", "$1", "$s2", "$o1", "$&1",
        "$i", "if", "else", "while", "for", "proc", "func", "obfunc", "iterator", "return", "break", "local",
        "localobj", "double", "strdef", "objref", "begintemplate", "endtemplate", "public", "new", "print", "create",
        "soma", "access", "connect", "insert", "forall", "forsec", "//c\n", "/*c*/", "\\\n", "&", "f()", "@", "#",
    ]);
    prop::collection::vec(atoms, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parser_never_panics(src in hoc_fragment()) {
        parse_all(&src);
    }

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,200}") {
        parse_all(&src);
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    std::thread::Builder::new().stack_size(16 << 20).spawn(deep_nesting).unwrap().join().unwrap();
}

fn deep_nesting() {
    let src = format!("x = {}1{}\n", "(".repeat(100_000), ")".repeat(100_000));
    let mut it = Interp::new(Box::new(std::io::sink()));
    let e = it.run_text("deep.hoc", src.into()).unwrap_err();
    assert!(e.msg.contains("nesting too deep"), "{}", e.msg);
    let src = format!("x = {}1\n", "-".repeat(100_000));
    let e = it.run_text("deep.hoc", src.into()).unwrap_err();
    assert!(e.msg.contains("nesting too deep"), "{}", e.msg);
}

#[test]
fn runaway_recursion_is_an_error() {
    let mut it = Interp::new(Box::new(std::io::sink()));
    let e = it.run_text("rec.hoc", "func f() { return f($1+1) }\nf(1)\n".into()).unwrap_err();
    assert!(e.msg.starts_with("f call nested too deeply"), "{}", e.msg);
}
