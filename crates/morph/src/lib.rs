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
//! soma, ...) the reader goes on too and returns a [`Diagnostic`]. Where
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
    std::fs::read(path).map_err(|e| MorphError {
        file: path.display().to_string(),
        line: 0,
        message: format!("could not open: {e}"),
    })
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
        _ => Err(MorphError {
            file: path.display().to_string(),
            line: 0,
            message: format!(
                "unknown morphology format '.{ext}' (expected .swc, .asc, .xml or .nml)"
            ),
        }),
    }
}

/// [`read_swc`] on bytes in memory; `file` names them in messages.
pub fn parse_swc(bytes: &[u8], file: &str) -> ReadResult {
    let mut diags = Vec::new();
    let imp = swc::import(bytes, file, &mut diags)?;
    let m = import3d::instantiate(imp, file, &mut diags)?;
    Ok((m, diags))
}

/// [`read_asc`] on bytes in memory; `file` names them in messages.
pub fn parse_asc(bytes: &[u8], file: &str) -> ReadResult {
    let mut diags = Vec::new();
    let imp = asc::import(bytes, file, &mut diags)?;
    let m = import3d::instantiate(imp, file, &mut diags)?;
    Ok((m, diags))
}

/// [`read_morphml`] on bytes in memory; `file` names them in messages.
pub fn parse_morphml(bytes: &[u8], file: &str) -> ReadResult {
    let mut diags = Vec::new();
    let imp = morphml::import(bytes, file, &mut diags)?;
    let m = import3d::instantiate(imp, file, &mut diags)?;
    Ok((m, diags))
}
