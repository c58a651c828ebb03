//! NEURON's HOC library (the files of `share/lib/hoc` that models load),
//! written for nerve: one `.hoc` file here per library file, loaded when a
//! model calls `load_file("name.hoc")` (and no file of that name is found
//! first, as NEURON looks in the current directory first), `xopen` of
//! `$(NEURONHOME)/lib/hoc/name.hoc`, or `load_template`/`load_proc` of a
//! name a library file defines. `import3d.hoc` is native
//! (`engine::import3d`).
//!
//! The files keep NEURON's public names (templates, procedures, variables)
//! and their effects on the model. Windows are left out; what the tools
//! draw in their Graphs is drawn as NEURON draws it, and kept only when
//! Graphs keep their data (`--graphs`), as `nrniv -nogui` keeps none.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::error::HResult;
use crate::interp::Interp;

/// A library file: its name and its HOC text.
pub struct LibFile {
    pub name: &'static str,
    pub text: &'static str,
}

macro_rules! lib {
    ($name:literal) => {
        LibFile { name: $name, text: include_str!($name) }
    };
}

const FILES: &[LibFile] = &[
    lib!("stdlib.hoc"),
    lib!("stdrun.hoc"),
    lib!("stdgui.hoc"),
    lib!("nrngui.hoc"),
    lib!("noload.hoc"),
    lib!("family.hoc"),
    lib!("shapebox.hoc"),
    lib!("pointbsr.hoc"),
    lib!("wingroup.hoc"),
    lib!("inserter.hoc"),
    lib!("pointman.hoc"),
    lib!("pointgrp.hoc"),
    lib!("electrod.hoc"),
    lib!("celbild.hoc"),
    lib!("netbild.hoc"),
    lib!("netparmpi.hoc"),
    lib!("lincir.hoc"),
    lib!("grapher.hoc"),
];

/// The top-level names import3d.hoc declares besides its (native) classes.
const IMPORT3D_TOP: &str = "objref tobj, nil\nproc makeimport3dtool() {\n\ttobj = new Import3d_GUI(nil)\n\ttobj = nil\n}\n";

/// Library files provided natively rather than as HOC text.
const NATIVE: &[&str] = &["import3d.hoc"];

pub fn is_library(name: &str) -> bool {
    file(name).is_some() || NATIVE.contains(&name)
}

fn file(name: &str) -> Option<&'static LibFile> {
    FILES.iter().find(|f| f.name == name)
}

/// The library file named by a path NEURON resolves to its library
/// folder: `$(NEURONHOME)/lib/hoc/NAME`.
pub fn library_path(path: &str) -> Option<&'static str> {
    let rest = path.strip_prefix("$(NEURONHOME)")?;
    let name = rest.trim_start_matches('/').strip_prefix("lib/hoc/")?;
    FILES.iter().map(|f| f.name).chain(NATIVE.iter().copied()).find(|&n| n == name)
}

/// Which library file defines `name` (a template, procedure, function or
/// iterator), for `load_template`, `load_proc` and `load_func`.
pub fn library_defining(name: &str) -> Option<&'static str> {
    static INDEX: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut m = HashMap::new();
        for f in FILES {
            for line in f.text.lines() {
                let line = line.trim_start();
                let mut words = line.split(|c: char| c.is_whitespace() || c == '(');
                let (Some(kw), Some(n)) = (words.next(), words.find(|w| !w.is_empty())) else { continue };
                if matches!(kw, "begintemplate" | "proc" | "func" | "obfunc" | "iterator") {
                    m.entry(n.to_string()).or_insert(f.name);
                }
            }
        }
        m.insert("Import3d_GUI".into(), "import3d.hoc");
        m
    });
    index.get(name).copied()
}

/// Loads a library file once (`load_file`).
pub fn load(it: &mut Interp, name: &str) -> HResult<()> {
    let key = match FILES.iter().map(|f| f.name).chain(NATIVE.iter().copied()).find(|&n| n == name) {
        Some(k) => k,
        None => return Ok(()),
    };
    if !it.lib_loaded.insert(key) {
        return Ok(());
    }
    run(it, key)
}

/// Runs a library file's text (again, as `xopen` does).
pub fn run(it: &mut Interp, name: &str) -> HResult<()> {
    it.lib_loaded.insert(match FILES.iter().map(|f| f.name).chain(NATIVE.iter().copied()).find(|&n| n == name) {
        Some(k) => k,
        None => return Ok(()),
    });
    if name == "import3d.hoc" {
        load(it, "stdlib.hoc")?;
        crate::engine::import3d::install(it);
        return it.run_text("import3d.hoc", IMPORT3D_TOP.into());
    }
    let Some(f) = file(name) else { return Ok(()) };
    // Library files define top-level names whatever context loads them.
    it.in_context(None, |it| it.run_text(f.name, f.text.into()))
}
