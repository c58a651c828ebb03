//! The public names of HOC's built-in classes as NEURON's Python sees them,
//! so that `hasattr(vec, "to_numpy")` is False and `dir(vec)` lists the
//! methods, as with NEURON. Libraries probe objects this way (matplotlib
//! asks a Vector for `to_numpy` before it reads it as a sequence).

use hoc::builtins::NativeClass;

const VECTOR: &[&str] = &[
    "abs", "add", "addrand", "append", "apply", "at", "buffer_size", "c", "cl", "clear", "contains", "convlv", "copy",
    "correl", "deriv", "div", "dot", "eq", "fft", "fill", "filter", "fit", "floor", "fread", "fwrite", "get", "hist",
    "histogram", "ind", "index", "indgen", "indvwhere", "indwhere", "inf", "insrt", "integral", "interpolate", "label",
    "line", "log", "log10", "mag", "mark", "max", "max_ind", "mean", "meansqerr", "medfltr", "median", "min", "min_ind",
    "mul", "play", "play_remove", "plot", "ploterr", "pow", "printf", "psth", "rebin", "record", "reduce", "remove",
    "resample", "resize", "reverse", "rotate", "scale", "scanf", "scantil", "set", "setrand", "sin", "size", "smhist",
    "sort", "sortindex", "spctrm", "spikebin", "sqrt", "stderr", "stdev", "sub", "sum", "sumgauss", "sumsq", "tanh",
    "trigavg", "var", "vread", "vwrite", "where", "x",
];
const LIST: &[&str] = &[
    "accept_action", "append", "browser", "count", "index", "insrt", "o", "object", "prepend", "remove", "remove_all",
    "scroll_pos", "select", "select_action", "selected",
];
const FILE: &[&str] = &[
    "aopen", "chooser", "close", "dir", "eof", "flush", "getname", "gets", "isopen", "mktemp", "printf", "ropen",
    "scanstr", "scanvar", "seek", "tell", "unlink", "vread", "vwrite", "wopen",
];
const STRING_FUNCTIONS: &[&str] = &[
    "alias", "alias_list", "head", "is_artificial", "is_name", "is_point_process", "left", "len", "ltrim", "references",
    "right", "rtrim", "substr", "tail",
];
const MATRIX: &[&str] = &[
    "add", "bcopy", "c", "det", "exp", "fprint", "from_vector", "getcol", "getdiag", "getrow", "getval", "ident",
    "inverse", "mulm", "muls", "mulv", "ncol", "nrow", "pow", "printf", "resize", "scanf", "set", "setcol", "setdiag",
    "setrow", "setval", "solv", "spgetrowval", "sprowlen", "svd", "symmeig", "to_vector", "transpose", "x", "zero",
];
const RANDOM: &[&str] = &[
    "MCellRan4", "Random123", "Random123_globalindex", "binomial", "discunif", "erlang", "geometric", "hypergeo",
    "lognormal", "negexp", "normal", "play", "poisson", "repick", "seq", "uniform", "weibull",
];
const SECTION_LIST: &[&str] =
    &["allroots", "append", "children", "contains", "printnames", "remove", "size", "subtree", "unique", "wholetree"];
const SAVE_STATE: &[&str] = &["fread", "fwrite", "restore", "save"];
const IMPEDANCE: &[&str] = &["compute", "deltafac", "input", "input_phase", "loc", "ratio", "transfer", "transfer_phase"];

/// Names every HOC object answers to.
const ANY: &[&str] = &["baseattr", "hname", "hocobjptr", "same"];

/// The public names of a built-in class, where they are a fixed list.
pub fn public_names(nc: NativeClass) -> Option<&'static [&'static str]> {
    Some(match nc {
        NativeClass::Vector => VECTOR,
        NativeClass::List => LIST,
        NativeClass::File => FILE,
        NativeClass::StringFunctions => STRING_FUNCTIONS,
        NativeClass::Matrix => MATRIX,
        NativeClass::Random => RANDOM,
        NativeClass::SectionList => SECTION_LIST,
        NativeClass::SaveState => SAVE_STATE,
        NativeClass::Impedance => IMPEDANCE,
        _ => return None,
    })
}

/// Whether `name` is a member of objects of class `nc` (true where the
/// class has no fixed list).
pub fn has_member(nc: NativeClass, name: &str) -> bool {
    ANY.contains(&name) || public_names(nc).is_none_or(|names| names.contains(&name))
}
