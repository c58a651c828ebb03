//! The compiler's output and its errors: insta snapshots of the executable
//! form of representative mechanisms, and `file:line:col` messages for what
//! it rejects.

fn compiled(path: &str) -> nmodl::compile::Compiled {
    let src = std::fs::read_to_string(path).unwrap();
    let m = nmodl::parse(&src, path).unwrap_or_else(|e| panic!("{e}"));
    nmodl::compile::compile(&m, path).unwrap_or_else(|e| panic!("{e}"))
}

/// A listing of every block of a compiled mechanism.
fn listing(c: &nmodl::compile::Compiled) -> String {
    let mut s = format!("{} {:?}\nvars {:?}\nglobals {:?}\nions {:?}\n", c.name, c.kind, c.vars.iter().map(|v| &v.name).collect::<Vec<_>>(), c.globals.iter().map(|v| &v.name).collect::<Vec<_>>(), c.ions);
    s += &format!("INITIAL\n{}", c.initial);
    if let Some((b, total, ions)) = &c.current {
        s += &format!("CURRENT total r{total} ions {ions:?}\n{b}");
    }
    if let Some(b) = &c.state {
        s += &format!("STATE\n{b}");
    }
    if let Some(b) = &c.net_receive {
        s += &format!("NET_RECEIVE\n{b}");
    }
    for t in &c.tables {
        s += &format!("TABLE {} n {} outs {:?} depend {:?}\nbuild\n{}", t.name, t.n, t.outs, t.depend, t.build);
    }
    s
}

#[test]
fn hh_ir() {
    let c = compiled(concat!(env!("CARGO_MANIFEST_DIR"), "/../../mod-files/hh.mod"));
    insta::assert_snapshot!("hh_ir", listing(&c));
}

#[test]
fn kinetic_ir() {
    let c = compiled(concat!(env!("CARGO_MANIFEST_DIR"), "/../../hoc-tests/nmodl/kin.mod"));
    insta::assert_snapshot!("kin_ir", listing(&c));
}

#[test]
fn net_receive_ir() {
    let c = compiled(concat!(env!("CARGO_MANIFEST_DIR"), "/../../hoc-tests/nmodl/fsyn.mod"));
    insta::assert_snapshot!("fsyn_ir", listing(&c));
}

fn error_of(src: &str) -> String {
    match nmodl::load(src, "bad.mod") {
        Ok(_) => panic!("compiled: {src}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn errors_name_file_line_and_column() {
    let cases = [
        ("NEURON { SUFFIX a }\nBREAKPOINT { x = 1 }", "bad.mod:2:14: x is not declared"),
        ("NEURON { SUFFIX a }\nASSIGNED { y }\nBREAKPOINT { y = f(1) }", "bad.mod:3:18: f is not a function this translator knows (no FUNCTION f in the file)"),
        ("NEURON { SUFFIX a }\nASSIGNED { y }\nFUNCTION f(a, b) { f = a }\nBREAKPOINT { y = f(1) }", "bad.mod:4:18: f takes 2 arguments, given 1"),
        ("NEURON { SUFFIX a }\nSTATE { m }\nBREAKPOINT { SOLVE s METHOD adams }\nDERIVATIVE s { m' = -m }", "bad.mod:3:14: SOLVE s METHOD adams: nerve supports cnexp, euler, runge, derivimplicit and sparse"),
        ("NEURON { SUFFIX a }\nSTATE { m }\nBREAKPOINT { SOLVE s METHOD cnexp }\nDERIVATIVE s { m' = sin(m) }", "bad.mod:4:16: cnexp cannot differentiate this equation; use METHOD derivimplicit"),
        ("PARAMETER { x = 1 }", "bad.mod:1:1: no SUFFIX, POINT_PROCESS or ARTIFICIAL_CELL in the NEURON block"),
        ("NEURON { SUFFIX a RANGE q }\nBREAKPOINT { q = 1 }", "bad.mod:2:14: q is not declared"),
        ("NEURON { SUFFIX a }\nPARAMETER { x }\nDISCRETE d { x = x@1 }\nBREAKPOINT { SOLVE d }", "bad.mod:3:18: x must be a STATE for use as a discrete variable"),
        ("NEURON { SUFFIX a }\nSTATE { x }\nDISCRETE d { x = x@0 }\nBREAKPOINT { SOLVE d }", "bad.mod:3:18: a discrete variable's @index must be 1 or more"),
        ("NEURON { SUFFIX a GLOBAL q }", "bad.mod:1:1: GLOBAL q is not declared in PARAMETER or ASSIGNED"),
        ("NEURON { SUFFIX a }\nASSIGNED { y[2] }\nBREAKPOINT { y[2] = 1 }", "bad.mod:3:16: y[2]: index out of range (size 2)"),
        ("NEURON { SUFFIX a }\nUNITS { Q = (mV) (volt) }", "bad.mod:2:9: cannot recognize the units: mV (it needs a declaration in the UNITS block, such as (mV) = (…))"),
        ("NEURON { SUFFIX a }\nUNITS { (ms) = (millisec) }", "bad.mod:2:9: units redefinition: (ms) is already 0.001 sec"),
        ("NEURON { SUFFIX a }\nSTATE { m }\nBREAKPOINT { SOLVE s METHOD cnexp }\nDERIVATIVE s { if (m > 1) { m = 1 } }", "bad.mod:4:14: No derivative equations in DERIVATIVE block"),
    ];
    for (src, want) in cases {
        assert_eq!(error_of(src), want, "{src}");
    }
}

/// A RANGE name declared nowhere else and never used is ignored, as nocmodl
/// does: no variable, no error.
#[test]
fn unused_undeclared_range_name_is_ignored() {
    let m = nmodl::load("NEURON { SUFFIX a RANGE q, g }\nPARAMETER { g = 1 }", "a.mod").unwrap();
    assert_eq!(m.c.vars.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(), ["g"]);
}
