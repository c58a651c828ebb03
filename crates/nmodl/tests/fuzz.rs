//! Fuzzing the NMODL reader and compiler (see fuzz/harness.rs): every
//! input compiles into a mechanism or gives an error with its place.

#[path = "../../../fuzz/harness.rs"]
mod harness;

const DICT: &[&str] = &[
    "NEURON", "SUFFIX", "POINT_PROCESS", "ARTIFICIAL_CELL", "USEION", "READ", "WRITE", "VALENCE", "RANGE", "GLOBAL",
    "NONSPECIFIC_CURRENT", "POINTER", "BBCOREPOINTER", "THREADSAFE", "UNITS", "PARAMETER", "ASSIGNED", "STATE",
    "CONSTANT", "LOCAL", "INITIAL", "BREAKPOINT", "SOLVE", "METHOD", "STEADYSTATE", "cnexp", "derivimplicit", "euler",
    "sparse", "DERIVATIVE", "KINETIC", "LINEAR", "NONLINEAR", "CONSERVE", "COMPARTMENT", "LONGITUDINAL_DIFFUSION",
    "PROCEDURE", "FUNCTION", "FUNCTION_TABLE", "TABLE", "DEPEND", "FROM", "TO", "WITH", "NET_RECEIVE", "net_send",
    "net_event", "net_move", "WATCH", "FOR_NETCONS", "BEFORE", "AFTER", "DISCRETE", "VERBATIM", "ENDVERBATIM",
    "COMMENT", "ENDCOMMENT", "INCLUDE", "DEFINE", "TITLE", "if", "else", "while", "{", "}", "(", ")", "[", "]", "=",
    "==", "<", ">", "<=", "!=", "&&", "||", "!", "+", "-", "*", "/", "^", "~", "<->", "->", "'", "@", ",", ":", "\n",
    " ", "0", "1", "2", "1e308", "-1e-9", "v", "t", "dt", "celsius", "x", "y", "a", "b", "exp", "log", "fabs", "pow",
    "(mV)", "(/ms)", "(S/cm2)", "<0, 1e9>", "x'", "y'", "[2]", "flag", "cai", "ica", "ek", "ik", "i", "g", "e",
];

#[test]
fn fuzz_nmodl() {
    harness::campaign("nmodl", DICT, |b| {
        let _ = nmodl::load(&String::from_utf8_lossy(b), "fuzz.mod");
    });
}
