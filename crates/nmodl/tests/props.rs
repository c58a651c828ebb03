//! Robustness: the lexer and parser never panic, whatever the input, and
//! nesting deep enough to exhaust the stack gives an error instead.

use proptest::prelude::*;

/// Pieces of NMODL, some well-formed, many not.
const VOCAB: &[&str] = &[
    "NEURON",
    "SUFFIX",
    "POINT_PROCESS",
    "ARTIFICIAL_CELL",
    "USEION",
    "READ",
    "WRITE",
    "VALENCE",
    "RANGE",
    "GLOBAL",
    "NONSPECIFIC_CURRENT",
    "POINTER",
    "THREADSAFE",
    "UNITS",
    "PARAMETER",
    "ASSIGNED",
    "STATE",
    "CONSTANT",
    "INDEPENDENT",
    "LOCAL",
    "INITIAL",
    "BREAKPOINT",
    "SOLVE",
    "METHOD",
    "STEADYSTATE",
    "cnexp",
    "DERIVATIVE",
    "KINETIC",
    "LINEAR",
    "NONLINEAR",
    "CONSERVE",
    "COMPARTMENT",
    "PROCEDURE",
    "FUNCTION",
    "FUNCTION_TABLE",
    "TABLE",
    "DEPEND",
    "FROM",
    "TO",
    "WITH",
    "BY",
    "NET_RECEIVE",
    "WATCH",
    "if",
    "else",
    "while",
    "DEFINE",
    "UNITSON",
    "UNITSOFF",
    "CONSTRUCTOR",
    "DESTRUCTOR",
    "BEFORE",
    "AFTER",
    "FOR_NETCONS",
    "PROTECT",
    "START",
    "SOLVEFOR",
    "x",
    "m",
    "v",
    "ca",
    "N",
    "flag",
    "net_send",
    "m'",
    "x''",
    "0",
    "1",
    "2.5",
    ".1",
    "1e-3",
    "3.e4",
    "\"s\"",
    "(mV)",
    "(/ms)",
    "(k-mole)",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ",",
    "=",
    "+",
    "-",
    "*",
    "/",
    "^",
    "<",
    ">",
    "<=",
    ">=",
    "==",
    "!=",
    "!",
    "&&",
    "||",
    "~",
    "~+",
    "<->",
    "<<",
    "->",
    "@",
    "%",
    "'",
    "\n",
    ": c\n",
    "? c\n",
    "TITLE t\n",
    "COMMENT\nc\nENDCOMMENT\n",
    "VERBATIM\nint x;\nENDVERBATIM\n",
    "COMMENT",
    "VERBATIM",
    "REPRESENTS NCIT:C1",
    "REPRESENTS",
    "INCLUDE",
    "é",
    "$",
    "\r",
    "\t",
    "(",
    ")",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(VOCAB), 0..60).prop_map(|v| v.join(" "))
}

fn no_panic(src: &str) {
    let _ = nmodl::lexer::tokenize(src);
    if let Ok(m) = nmodl::parse(src, "fuzz.mod") {
        // Whatever parses either compiles or gives an error; never a panic.
        let _ = nmodl::compile::compile(&m, "fuzz.mod");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        no_panic(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn random_strings(s in "\\PC{0,200}") {
        no_panic(&s);
    }

    #[test]
    fn token_soup(s in soup()) {
        no_panic(&s);
    }

    #[test]
    fn token_soup_in_blocks(s in soup(), head in prop::sample::select(&[
        "NEURON", "PARAMETER", "STATE", "ASSIGNED", "UNITS", "BREAKPOINT", "KINETIC k", "LINEAR l",
        "DERIVATIVE d", "PROCEDURE p()", "FUNCTION f(x (mV)) (ms)", "NET_RECEIVE(w)", "INITIAL",
    ][..])) {
        no_panic(&format!("{head} {{ {s} }}"));
        no_panic(&format!("{head} {{ x = {s}"));
    }

    /// Edits of a real mechanism.
    #[test]
    fn mutated_fixture(edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..4, prop::sample::select(VOCAB)), 1..6)) {
        let mut src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mods/kinbuf.mod")).unwrap();
        for (at, op, piece) in edits {
            let mut i = at.index(src.len() + 1);
            while !src.is_char_boundary(i) { i -= 1; }
            match op {
                0 => src.insert_str(i, piece),
                1 => { let mut j = (i + 5).min(src.len()); while !src.is_char_boundary(j) { j += 1; } src.replace_range(i..j, ""); }
                2 => src.truncate(i),
                _ => src.insert(i, '\n'),
            }
        }
        no_panic(&src);
    }

    /// Printing an expression fully parenthesised and parsing it back gives
    /// the same tree.
    #[test]
    fn expressions_round_trip(e in expr_src()) {
        let parsed = nmodl::parse(&format!("PROCEDURE p() {{ y = {e} }}"), "e.mod");
        let m = parsed.map_err(|err| TestCaseError::fail(format!("{e}: {err}")))?;
        let once = nmodl::pretty::module(&m);
        let printed = rhs_text(&m);
        let again = nmodl::parse(&format!("PROCEDURE p() {{ y = {printed} }}"), "e.mod").unwrap();
        prop_assert_eq!(rhs_text(&again), printed);
        let _ = once;
    }
}

fn rhs_text(m: &nmodl::Module) -> String {
    use nmodl::ast::*;
    let ItemKind::Procedure(c) = &m.items[0].kind else {
        panic!()
    };
    let StmtKind::Assign { rhs, .. } = &c.body.stmts[0].kind else {
        panic!()
    };
    nmodl::pretty::expr(rhs)
}

fn expr_src() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(
        &[
            "a", "b'", "c[i]", "1", "2.5", "1e-3", "0.1 (ms)", "f()", "g(a, 2)",
        ][..],
    )
    .prop_map(str::to_string);
    leaf.prop_recursive(6, 40, 3, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(
                    &["+", "-", "*", "/", "^", "<", "<=", ">", ">=", "==", "!=", "&&", "||"][..]
                ),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("{a} {op} {b}")),
            inner.clone().prop_map(|a| format!("-{a}")),
            inner.clone().prop_map(|a| format!("!{a}")),
            inner.clone().prop_map(|a| format!("({a})")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("h({a}, {b})")),
        ]
    })
}

fn assert_too_deep(src: &str) {
    let e = nmodl::parse(src, "deep.mod").expect_err("deep nesting must be rejected");
    assert!(
        e.message.contains("too deep") || e.message.contains("too large"),
        "{e}"
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let n = 100_000;
    assert_too_deep(&format!("BREAKPOINT {{ x = {}1 }}", "(".repeat(n)));
    assert_too_deep(&format!("BREAKPOINT {{ x = {}1 }}", "-".repeat(n)));
    assert_too_deep(&format!("BREAKPOINT {{ x = {}1 }}", "!".repeat(n)));
    assert_too_deep(&format!("BREAKPOINT {{ x = 1{} }}", "^2".repeat(n)));
    assert_too_deep(&format!("BREAKPOINT {{ x = 1{} }}", "+1".repeat(n)));
    assert_too_deep(&format!("BREAKPOINT {{ x = {}1 }}", "f(".repeat(n)));
    assert_too_deep(&format!("BREAKPOINT {{ x = {}1 }}", "a[".repeat(n)));
    assert_too_deep(&format!("BREAKPOINT {}", "{".repeat(n)));
    assert_too_deep(&format!("BREAKPOINT {{ {} }}", "if (1) {".repeat(n)));
    assert_too_deep(&format!(
        "BREAKPOINT {{ {} }}",
        "FROM i = 0 TO 1 {".repeat(n)
    ));
    assert_too_deep(&format!(
        "KINETIC k {{ ~ a <-> b ({}1, 1) }}",
        "(".repeat(n)
    ));
}

#[test]
fn long_flat_inputs_are_fine() {
    // Many statements and items are a loop, not recursion.
    let body = "x = x + 1\n".repeat(20_000);
    let src = format!(
        "BREAKPOINT {{ {body} }}\n{}",
        "PARAMETER { a = 1 }\n".repeat(5_000)
    );
    let m = nmodl::parse(&src, "long.mod").unwrap();
    assert_eq!(m.items.len(), 5_001);
}

#[test]
fn nesting_just_under_the_limits_parses_prints_and_drops() {
    let src = format!("BREAKPOINT {{ x = {}1{} }}", "(".repeat(95), ")".repeat(95));
    let m = nmodl::parse(&src, "ok.mod").unwrap();
    assert!(nmodl::pretty::module(&m).contains("x = 1"));
    let src = format!("BREAKPOINT {{ x = 1{} }}", "+1".repeat(490));
    let m = nmodl::parse(&src, "ok.mod").unwrap();
    assert!(nmodl::pretty::module(&m).len() > 490 * 4);
    let src = format!(
        "BREAKPOINT {{ {}x = 1{} }}",
        "if (1) { ".repeat(95),
        " }".repeat(95)
    );
    let m = nmodl::parse(&src, "ok.mod").unwrap();
    assert_eq!(nmodl::pretty::module(&m).lines().count(), 97);
}
