//! Neuron reconstructions read the way NEURON 9.0.2's Import3d reads them.
//!
//! The readers reproduce what `Import3d_SWC_read`, `Import3d_Neurolucida3`
//! and `Import3d_MorphML`, followed by `Import3d_GUI.instantiate()`, build:
//! the sections in `forall` order with their names, parents and connection
//! positions, their 3-D points exactly as `pt3dadd` receives them (each value
//! printed with `%.8g`, read back, stored as a 32-bit float), the `pt3dstyle`
//! anchors and the soma treatment. The result is plain data; creating the
//! sections is left to the caller.
//!
//! The rules are in `shared/reference/hoc-and-geometry.md` ("Import3d"); the
//! tests compare against dumps made by NEURON itself
//! (`tests/fixtures/make_fixtures.py`).
//!
//! Where NEURON prints a complaint and goes on (unparsable SWC lines, several
//! roots, missing parents, removed zero-length sections, trees outside the
//! soma, ...) the reader goes on too and returns a [`Diagnostic`]. The
//! `*_printed` readers ([`read_swc_printed`], ...) also give, byte for byte,
//! what NEURON prints to stdout in each step of the import ([`Printed`]),
//! including the `Import3d_Section[N]` names of its instance counter
//! (`tests/fixtures/make_printed.py` records NEURON's output). Where
//! NEURON's import stops (a HOC error, a Neurolucida parse error, a HOC
//! frame stack overflow) or would loop for ever, the reader returns a
//! [`MorphError`]. Knowingly different: SWC ids out of order are sorted
//! (NEURON 9.0.2 means to, but its sort call fails); after a Neurolucida
//! parse error NEURON driven from Python keeps the sections read so far,
//! from HOC it aborts, and here it is an error.

// The readers mirror NEURON's HOC loops index by index, on purpose.
#![allow(clippy::needless_range_loop)]

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

mod asc;
mod contour;
mod import3d;
mod morphml;
mod num;
mod swc;
mod xml;
pub mod export; pub use export::{to_swc, to_swc_plain, ExportError};

/// The sections NEURON creates, in creation (`forall`) order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Morphology {
    pub sections: Vec<MSection>,
    /// Indices into `sections` in the order Import3d connects them and adds
    /// their points: the reader's own section order. Connection order decides
    /// the order of siblings at one position (topology(), node order).
    pub connect_order: Vec<usize>,
}

/// One section: `name[index]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MSection {
    /// Base name without index: "soma", "axon", "dend", "apic", "dend_5",
    /// "minus_1", ...
    pub name: String,
    /// Index within its name: the section is `name[index]`.
    pub index: usize,
    /// SWC type id (1 soma, 2 axon, 3 dend, 4 apic, ...). Neurolucida trees
    /// without an (Axon), (Dendrite) or (Apical) property, and every MorphML
    /// cable, have type 0 ("dend_0"), as in NEURON.
    pub kind: i32,
    /// Parent section (index into `Morphology::sections`) and the parent
    /// position `x` this section's 0 end connects to.
    pub parent: Option<(usize, f64)>,
    /// x, y, z, diam exactly as `pt3dadd` receives them.
    pub points: Vec<[f32; 4]>,
    /// `pt3dstyle(1, x, y, z)`: the "wire" anchor, if any.
    pub style: Option<[f32; 3]>,
}

/// A problem NEURON passes over (it prints a message, or nothing, and goes
/// on); `line` is the 1-based line of the file it concerns (0: the whole file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub line: usize,
    pub message: String,
}

/// A problem that stops NEURON's import (or would make it loop forever, or
/// build nonsense).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MorphError {
    pub file: String,
    pub line: usize,
    pub message: String,
    /// What NEURON prints to stdout before it stops (filled in by the
    /// `*_printed` readers; empty otherwise).
    pub printed: Box<Printed>,
    /// The step of the import NEURON stops in.
    pub phase: Phase,
}

/// A step of an import: `reader.input(file)`, `new Import3d_GUI(reader, 0)`,
/// `gui.instantiate(obj)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    #[default]
    Input,
    Gui,
    Instantiate,
}

impl MorphError {
    pub(crate) fn new(file: &str, line: usize, message: impl Into<String>) -> MorphError {
        MorphError {
            file: file.to_string(),
            line,
            message: message.into(),
            printed: Box::default(),
            phase: Phase::Input,
        }
    }
}

/// What NEURON prints to stdout while importing, per phase, and how many
/// `Import3d_Section` objects NEURON creates doing it.
///
/// The phases are `reader.input(file)`, `new Import3d_GUI(reader, 0)` (which
/// prints nothing: with a second argument 0 it only keeps the reader) and
/// `gui.instantiate(obj)`. `Import3d_Section[N]` in the texts counts from
/// the `first_section_object` the reader was given. With
/// [`MorphError::printed`], what was printed before the import stopped.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Printed {
    pub input: String,
    pub gui: String,
    pub instantiate: String,
    pub section_objects: usize,
}

/// Where a reader prints (one phase at a time) and counts the
/// `Import3d_Section` objects it creates.
pub(crate) struct Out {
    pub text: String,
    pub quiet: bool,
    pub first_object: usize,
    pub objects: usize,
}

impl Out {
    fn new(first_object: usize, quiet: bool) -> Out {
        Out {
            text: String::new(),
            quiet,
            first_object,
            objects: 0,
        }
    }
    /// `Import3d_Section[N]` of the section created `k`-th (from 0) by this
    /// import.
    pub(crate) fn sec_name(&self, k: usize) -> String {
        format!("Import3d_Section[{}]", self.first_object + k)
    }
}

impl fmt::Display for MorphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for MorphError {}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// What a reader returns.
pub type ReadResult = Result<(Morphology, Vec<Diagnostic>), MorphError>;

impl Morphology {
    /// Number of sections per base name.
    pub fn counts(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for s in &self.sections {
            *m.entry(s.name.clone()).or_insert(0) += 1;
        }
        m
    }

    /// Indices of the sections Import3d appends to the cell object's
    /// SectionList `list` ("all", "somatic", "axonal", "basal", "apical", or
    /// the names it uses for other types: "dendritic_5", "minus_1set"), in
    /// the order it appends them.
    ///
    /// Import3d fills the list of type `t` with `forsec "<name of t>"` right
    /// after creating that type's sections, and forsec matches the name
    /// anywhere: "basal" also receives the `dend_0` sections (type 0 is
    /// created before type 3), "minus_1set" also the `minus_10` ones. Only
    /// the sections made here are considered (a template's own sections
    /// whose names match would join too).
    pub fn section_list(&self, list: &str) -> Vec<usize> {
        if list == "all" {
            return (0..self.sections.len()).collect();
        }
        let t: Option<i32> = match list {
            "somatic" => Some(1),
            "axonal" => Some(2),
            "basal" => Some(3),
            "apical" => Some(4),
            _ => list
                .strip_prefix("minus_")
                .and_then(|r| r.strip_suffix("set"))
                .and_then(|n| n.parse::<i32>().ok())
                .map(|n| -n)
                .or_else(|| {
                    list.strip_prefix("dendritic_")
                        .and_then(|n| n.parse::<i32>().ok())
                }),
        };
        let Some(t) = t else { return Vec::new() };
        let name = import3d::type_name(t);
        (0..self.sections.len())
            .filter(|&i| {
                self.sections[i].kind <= t && self.sections[i].name.contains(name.as_str())
            })
            .collect()
    }
}

impl MSection {
    /// `name[index]`, as NEURON prints it.
    pub fn hoc_name(&self) -> String {
        format!("{}[{}]", self.name, self.index)
    }

    /// The SectionList named after this section's type, which Import3d puts
    /// it in (besides `all`) when it instantiates into a cell object:
    /// "somatic", "axonal", "basal", "apical", `"minus_<n>set"` for negative
    /// types, `"dendritic_<n>"` otherwise. Name matching can put a section in
    /// another list as well: see [`Morphology::section_list`].
    pub fn list_name(&self) -> &str {
        match self.kind {
            1 => "somatic",
            2 => "axonal",
            3 => "basal",
            4 => "apical",
            _ => {
                // the name is "minus_<n>" or "dend_<n>"; the list name derives from it
                list_name_other(&self.name)
            }
        }
    }
}

fn list_name_other(name: &str) -> &'static str {
    // SectionList names for other types are built on demand and cached,
    // so that `list_name` can hand out a `&str`.
    use std::sync::Mutex;
    static CACHE: Mutex<BTreeMap<String, &'static str>> = Mutex::new(BTreeMap::new());
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(s) = cache.get(name) {
        return s;
    }
    let made = if let Some(n) = name.strip_prefix("minus_") {
        format!("minus_{n}set")
    } else if let Some(n) = name.strip_prefix("dend_") {
        format!("dendritic_{n}")
    } else {
        name.to_string()
    };
    let leaked: &'static str = Box::leak(made.into_boxed_str());
    cache.insert(name.to_string(), leaked);
    leaked
}

fn read_file(path: &Path) -> Result<Vec<u8>, MorphError> {
    std::fs::read(path).map_err(|e| {
        MorphError::new(
            &path.display().to_string(),
            0,
            format!("could not open: {e}"),
        )
    })
}

/// The readers' printing variants return this.
pub type PrintedResult = Result<(Morphology, Vec<Diagnostic>, Printed), MorphError>;

#[derive(Clone, Copy)]
enum Reader {
    Swc,
    Asc,
    MorphMl,
}

fn run(
    reader: Reader,
    bytes: &[u8],
    file: &str,
    first_object: usize,
    quiet: bool,
) -> PrintedResult {
    let mut out = Out::new(first_object, quiet);
    let mut diags = Vec::new();
    let fail = |mut e: MorphError, out: &mut Out, input: Option<String>| {
        let text = std::mem::take(&mut out.text);
        *e.printed = match input {
            None => Printed {
                input: text,
                section_objects: out.objects,
                ..Printed::default()
            },
            Some(input) => {
                e.phase = Phase::Instantiate;
                Printed {
                    input,
                    instantiate: text,
                    section_objects: out.objects,
                    ..Printed::default()
                }
            }
        };
        e
    };
    let imp = match reader {
        Reader::Swc => swc::import(bytes, file, &mut diags, &mut out),
        Reader::Asc => asc::import(bytes, file, &mut diags, &mut out),
        Reader::MorphMl => morphml::import(bytes, file, &mut diags, &mut out),
    };
    let imp = imp.map_err(|e| fail(e, &mut out, None))?;
    let input = std::mem::take(&mut out.text);
    let m = match import3d::instantiate(imp, file, &mut diags, &mut out) {
        Ok(m) => m,
        Err(e) => return Err(fail(e, &mut out, Some(input))),
    };
    let printed = Printed {
        input,
        gui: String::new(),
        instantiate: std::mem::take(&mut out.text),
        section_objects: out.objects,
    };
    Ok((m, diags, printed))
}

fn read_printed(reader: Reader, path: &Path, first_object: usize, quiet: bool) -> PrintedResult {
    let file = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => run(reader, &bytes, &file, first_object, quiet),
        Err(e) => {
            let mut err = MorphError::new(&file, 0, format!("could not open: {e}"));
            // the HOC readers say so before they fail; MorphML fails in Python
            if !matches!(reader, Reader::MorphMl) {
                err.printed.input = format!("could not open {file}\n");
            }
            Err(err)
        }
    }
}

/// [`read_swc`], also giving what NEURON prints (see [`Printed`]).
/// `first_section_object` is the number of `Import3d_Section` objects the
/// process has created before; `quiet` is the reader's `quiet` flag. The
/// file name in the messages is `path` as displayed.
pub fn read_swc_printed(path: &Path, first_section_object: usize, quiet: bool) -> PrintedResult {
    read_printed(Reader::Swc, path, first_section_object, quiet)
}

/// [`read_asc`], also giving what NEURON prints; see [`read_swc_printed`].
pub fn read_asc_printed(path: &Path, first_section_object: usize, quiet: bool) -> PrintedResult {
    read_printed(Reader::Asc, path, first_section_object, quiet)
}

/// [`read_morphml`], also giving what NEURON (and its Python part) prints;
/// see [`read_swc_printed`]. `quiet` changes nothing here.
pub fn read_morphml_printed(
    path: &Path,
    first_section_object: usize,
    quiet: bool,
) -> PrintedResult {
    read_printed(Reader::MorphMl, path, first_section_object, quiet)
}

/// [`read_swc_printed`] on bytes in memory; `file` is the name printed.
pub fn parse_swc_printed(
    bytes: &[u8],
    file: &str,
    first_section_object: usize,
    quiet: bool,
) -> PrintedResult {
    run(Reader::Swc, bytes, file, first_section_object, quiet)
}

/// [`read_asc_printed`] on bytes in memory; `file` is the name printed.
pub fn parse_asc_printed(
    bytes: &[u8],
    file: &str,
    first_section_object: usize,
    quiet: bool,
) -> PrintedResult {
    run(Reader::Asc, bytes, file, first_section_object, quiet)
}

/// [`read_morphml_printed`] on bytes in memory; `file` is the name printed.
pub fn parse_morphml_printed(
    bytes: &[u8],
    file: &str,
    first_section_object: usize,
    quiet: bool,
) -> PrintedResult {
    run(Reader::MorphMl, bytes, file, first_section_object, quiet)
}

/// Reads an SWC file as `Import3d_SWC_read` + `Import3d_GUI.instantiate`.
pub fn read_swc(path: &Path) -> ReadResult {
    parse_swc(&read_file(path)?, &path.display().to_string())
}

/// Reads a Neurolucida V3 text file as `Import3d_Neurolucida3` +
/// `Import3d_GUI.instantiate`.
pub fn read_asc(path: &Path) -> ReadResult {
    parse_asc(&read_file(path)?, &path.display().to_string())
}

/// Reads NeuroML v1 MorphML as `Import3d_MorphML` + `Import3d_GUI.instantiate`.
pub fn read_morphml(path: &Path) -> ReadResult {
    parse_morphml(&read_file(path)?, &path.display().to_string())
}

/// Chooses the reader by extension: `.swc`, `.asc`, `.xml`/`.nml`.
pub fn read_any(path: &Path) -> ReadResult {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "swc" => read_swc(path),
        "asc" => read_asc(path),
        "xml" | "nml" => read_morphml(path),
        _ => Err(MorphError::new(
            &path.display().to_string(),
            0,
            format!("unknown morphology format '.{ext}' (expected .swc, .asc, .xml or .nml)"),
        )),
    }
}

fn strip((m, d, _): (Morphology, Vec<Diagnostic>, Printed)) -> (Morphology, Vec<Diagnostic>) {
    (m, d)
}

fn clean(mut e: MorphError) -> MorphError {
    *e.printed = Printed::default();
    e.phase = Phase::Input;
    e
}

/// [`read_swc`] on bytes in memory; `file` names them in messages.
pub fn parse_swc(bytes: &[u8], file: &str) -> ReadResult {
    run(Reader::Swc, bytes, file, 0, false)
        .map(strip)
        .map_err(clean)
}

/// [`read_asc`] on bytes in memory; `file` names them in messages.
pub fn parse_asc(bytes: &[u8], file: &str) -> ReadResult {
    run(Reader::Asc, bytes, file, 0, false)
        .map(strip)
        .map_err(clean)
}

/// [`read_morphml`] on bytes in memory; `file` names them in messages.
pub fn parse_morphml(bytes: &[u8], file: &str) -> ReadResult {
    run(Reader::MorphMl, bytes, file, 0, false)
        .map(strip)
        .map_err(clean)
}
