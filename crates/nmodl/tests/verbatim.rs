//! VERBATIM C: what loads, what runs, what stops a run (and only when it
//! runs), and a parser that never panics.

use cable::mechanism::{MechData, Mechanism};
use proptest::prelude::*;

fn mech(src: &str) -> nmodl::mech::NmodlMechanism {
    nmodl::load(src, "v.mod").unwrap_or_else(|e| panic!("{e}"))
}

/// Calls FUNCTION `name` on instance 0 of a fresh instance set.
fn call(m: &nmodl::mech::NmodlMechanism, name: &str, args: &[f64]) -> Result<f64, String> {
    let mut d = MechData::for_mechanism(m);
    d.add(m.vars());
    let k = m.functions().iter().position(|f| f == name).unwrap_or_else(|| panic!("no {name}"));
    m.call_function(&mut d, Some(0), k, args, (0.0, 0.025, 6.3))
}

const ACCEPTED: &str = r#"
NEURON { SUFFIX acc }
VERBATIM
#include <stdlib.h>
#ifndef NRN_VERSION_GTEQ_8_2_0
extern double* hoc_pgetarg();
#endif
static const char rcsid[] = "$Id: acc.mod $";
/* only a comment */
// and another
ENDVERBATIM
VERBATIM
ENDVERBATIM
PROCEDURE p() {
VERBATIM
    return 0;
ENDVERBATIM
}
FUNCTION f(x) {
    f = x + 1
VERBATIM
    /* nothing to do */
ENDVERBATIM
}
"#;

#[test]
fn tier_a_is_accepted_and_costs_nothing() {
    let m = mech(ACCEPTED);
    assert_eq!(call(&m, "f", &[2.0]), Ok(3.0));
    assert_eq!(call(&m, "p", &[]), Ok(1.0));
    for (name, b, _, _) in &m.c.callables {
        assert!(!b.ops.iter().any(|op| matches!(op, nmodl::ir::Op::Fail { .. })), "{name}:\n{b}");
    }
}

const UNSUPPORTED: &str = r#"
NEURON { SUFFIX uns }
VERBATIM
typedef struct { double a; } Pair;
static double first(Pair* p) { return p->a; }
ENDVERBATIM
FUNCTION good(x) {
VERBATIM
    _lgood = 2 * _lx;
ENDVERBATIM
}
FUNCTION bad(x) {
    bad = 1
    if (x > 0) {
VERBATIM
    if (_lx > 2) goto big; _lbad = 5; big: _lbad = 6;
ENDVERBATIM
    }
}
FUNCTION viastruct() {
VERBATIM
    _lviastruct = first(0);
ENDVERBATIM
}
"#;

#[test]
fn tier_c_loads_and_errors_only_when_run() {
    let m = mech(UNSUPPORTED);
    assert_eq!(call(&m, "good", &[4.0]), Ok(8.0));
    // The unsupported statement is behind a condition: no error until a lane reaches it.
    assert_eq!(call(&m, "bad", &[-1.0]), Ok(1.0));
    let e = call(&m, "bad", &[1.0]).unwrap_err();
    assert!(e.starts_with("uns: v.mod:16: if(_lx>2)goto big;"), "{e}");
    assert!(e.ends_with("C that nerve does not take"), "{e}");
    let e = call(&m, "viastruct", &[]).unwrap_err();
    assert!(e.contains("v.mod:22: first(): its C at line 5 is C that nerve does not take"), "{e}");
}

#[test]
fn early_returns_and_int_arithmetic() {
    let m = mech(
        r#"
NEURON { SUFFIX er }
FUNCTION sgn(x) {
    sgn = 0
VERBATIM
    if (_lx > 0) return 1;
    if (_lx < 0) { return -1; }
ENDVERBATIM
    sgn = 42
}
FUNCTION idiv(a, b) {
VERBATIM
    { int i = (int)_la; int j = (int)_lb; _lidiv = i / j * 10 + i % j; }
ENDVERBATIM
}
FUNCTION firstover(n, lim) {
VERBATIM
    int i;
    for (i = 0; i < (int)_ln; i++) {
        if (i * i > _llim) return i;
    }
    return -1;
ENDVERBATIM
}
"#,
    );
    assert_eq!(call(&m, "sgn", &[3.0]), Ok(1.0));
    assert_eq!(call(&m, "sgn", &[-3.0]), Ok(-1.0));
    assert_eq!(call(&m, "sgn", &[0.0]), Ok(42.0));
    assert_eq!(call(&m, "idiv", &[-7.0, 2.0]), Ok(-31.0));
    assert_eq!(call(&m, "idiv", &[7.9, 2.0]), Ok(31.0));
    assert_eq!(call(&m, "firstover", &[10.0, 20.0]), Ok(5.0));
    assert_eq!(call(&m, "firstover", &[3.0, 20.0]), Ok(-1.0));
}

#[test]
fn statics_keep_their_values() {
    let m = mech(
        r#"
NEURON { SUFFIX st }
VERBATIM
static double total = 0.5;
static double bump(double x) { static int calls = 10; calls++; total += x; return calls; }
ENDVERBATIM
FUNCTION counter(x) {
VERBATIM
    { static int once; if (!once) { once = 1; total = 100; } }
    _lcounter = bump(_lx) * 1000 + total;
ENDVERBATIM
}
"#,
    );
    let mut d = MechData::for_mechanism(&m);
    d.add(m.vars());
    let k = m.functions().iter().position(|f| f == "counter").unwrap();
    assert_eq!(m.call_function(&mut d, Some(0), k, &[1.0], (0.0, 0.025, 6.3)), Ok(11101.0));
    assert_eq!(m.call_function(&mut d, Some(0), k, &[2.0], (0.0, 0.025, 6.3)), Ok(12103.0));
}

/// Pieces of C, some well-formed, many not.
const C_VOCAB: &[&str] = &[
    "int", "double", "static", "void", "*", "&", "x", "y", "_lx", "_p_q", "vv", "(", ")", "{", "}", "[", "]", ";", ",", "=", "+=", "++", "--", "+", "-", "/", "%", "<<", "?", ":", "<", "==", "&&", "||", "!", "if", "else", "for", "while", "do", "return", "break", "continue", "switch", "case", "sizeof", "->", ".", "0", "1", "2.5", "\"s\"", "'c'", "printf", "getarg", "ifarg", "vector_instance_px", "hoc_execerror", "malloc", "\n#define A (", "\n#if 1\n", "\n#else\n", "\n#endif\n", "\n#include <x.h>\n", "/*", "*/", "//", "\n", "\\",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(C_VOCAB), 0..60).prop_map(|w| w.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn c_front_end_never_panics(src in soup()) {
        use nmodl::verbatim::{lex, parse, pp};
        let toks = pp::Preproc::new().run(lex::lex(&src, 1));
        let _ = parse::block_stmts(&toks);
        let _ = parse::items(&toks);
    }

    #[test]
    fn compiling_any_verbatim_never_panics(body in soup(), top in soup()) {
        let src = format!("NEURON {{ SUFFIX s POINTER q }}\nASSIGNED {{ q }}\nVERBATIM\n{top}\nENDVERBATIM\nFUNCTION f(x) {{\nVERBATIM\n{body}\nENDVERBATIM\n}}\n");
        if let Ok(m) = nmodl::load(&src, "s.mod") {
            let _ = call(&m, "f", &[1.0]);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,200}") {
        use nmodl::verbatim::{lex, parse, pp};
        let toks = pp::Preproc::new().run(lex::lex(&src, 1));
        let _ = parse::block_stmts(&toks);
        let _ = parse::items(&toks);
    }
}
