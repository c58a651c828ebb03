//! Fuzzing the HOC reader (see fuzz/harness.rs): every input is read
//! statement by statement, as the interpreter reads it, into statements or
//! a syntax error — never a panic, never a statement that does not move on.

#[path = "../../../fuzz/harness.rs"]
mod harness;

use hoc::ast::Stmt;
use hoc::parser::{Parser, TopLevel};
use hoc::Interp;

const DICT: &[&str] = &[
    "x", "a[2]", "s", "o", "v.x[1]", "(", ")", "{", "}", "[", "]", "+", "-", "*", "/", "%", "^", "=", "+=", "==", "<=",
    "&&", "||", "!", ",", ".", ":", ";", "\n", " ", "1", "2.5e3", ".5", "1e999", "\"str\"", "\"", "$1", "$s2", "$o1",
    "$&1", "$i", "if", "else", "while", "for", "for (x)", "for (x, 0)", "proc", "func", "obfunc", "iterator",
    "iterator_statement", "return", "break", "continue", "stop", "local", "localobj", "double", "strdef", "objref",
    "objectvar", "begintemplate", "endtemplate", "public", "external", "new", "print", "create", "soma", "access",
    "connect", "insert", "uninsert", "forall", "forsec", "ifsec", "setpointer", "delete_section", "&", "f()", "@",
    "#", "//c\n", "/*c*/", "\\\n", "{\n", "}\n", "help", "depvar", "eqn", "~", "'", "\t", "\r",
];

/// Names the seeds use, declared once, so that the reader sees sections,
/// objects and strings where a run would have made them.
const PRELUDE: &str = "create soma, dend[3], axon, node[5], myelin[4]\nobjref syn, ns, nc, vv, cells[2], vec, f, r, o, sl, sr, stim\nstrdef s, str\ndouble a[10], m[3][4]\n";

/// Reads `bytes` statement by statement without running it, except that
/// procedure and function definitions are made (the names stay in `it` for
/// the next input, as in a session).
fn read(it: &mut Interp, bytes: &[u8]) {
    let text: std::rc::Rc<str> = String::from_utf8_lossy(bytes).into();
    let mut pos = 0;
    loop {
        let mut p = Parser::new(it, text.clone(), pos, None);
        match p.toplevel() {
            Ok(TopLevel::Eof) | Err(_) => return,
            Ok(top) => {
                let next = p.pos();
                if let TopLevel::Stmt(def @ Stmt::Define(..)) = top {
                    let _ = it.exec(&def);
                }
                assert!(next > pos, "the reader made no progress at {pos}");
                pos = next;
            }
        }
    }
}

#[test]
fn fuzz_hoc() {
    let mut it = Interp::new(Box::new(std::io::sink()));
    it.run_text("prelude", PRELUDE.into()).unwrap();
    let it = std::cell::RefCell::new(it);
    harness::campaign("hoc", DICT, |b| read(&mut it.borrow_mut(), b));
}
