//! INCLUDE: where included files are found (beside the including file, the
//! .mod file's folder, the folder above it, MODL_INCLUDE), errors that name
//! the included file, and line endings.

use std::path::{Path, PathBuf};

/// A fresh folder for one test's files.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nmodl-include-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const MOD: &str = "NEURON { SUFFIX a RANGE x }\nINCLUDE \"p.inc\"\n";

/// The value of PARAMETER x as the included file set it.
fn x_default(path: &Path) -> f64 {
    let m = nmodl::load_file(path).unwrap_or_else(|e| panic!("{e}"));
    m.c.vars.iter().find(|v| v.name == "x").unwrap().default
}

#[test]
fn search_order() {
    let d = scratch("order");
    let modf = d.join("mods/a.mod");
    write(&modf, MOD);
    // Only the folder above the .mod file's has it.
    write(&d.join("p.inc"), "PARAMETER { x = 3 }");
    assert_eq!(x_default(&modf), 3.0);
    // The .mod file's folder comes first.
    write(&d.join("mods/p.inc"), "PARAMETER { x = 2 }");
    assert_eq!(x_default(&modf), 2.0);
    // A nested include is looked for beside the file that includes it first.
    write(&modf, "NEURON { SUFFIX a RANGE x }\nINCLUDE \"sub/q.inc\"\n");
    write(&d.join("mods/sub/q.inc"), "INCLUDE \"p.inc\"\n");
    write(&d.join("mods/sub/p.inc"), "PARAMETER { x = 1 }");
    assert_eq!(x_default(&modf), 1.0);
}

#[test]
fn errors_name_the_included_file() {
    let d = scratch("errors");
    let modf = d.join("a.mod");
    write(&modf, "NEURON { SUFFIX a }\nINCLUDE \"b.inc\"\n");
    write(&d.join("b.inc"), ": b\r\nASSIGNED { y }\r\nBREAKPOINT { y = z }\r\n");
    let e = nmodl::load_file(&modf).err().unwrap().to_string();
    assert_eq!(e, format!("{}:3:18: z is not declared", d.join("b.inc").display()));
    write(&d.join("b.inc"), "PARAMETER { x = }");
    let e = nmodl::load_file(&modf).err().unwrap().to_string();
    assert_eq!(e, format!("{}:1:17: expected a number after '=', found '}}'", d.join("b.inc").display()));
    write(&modf, "NEURON { SUFFIX a }\n\nINCLUDE \"nowhere.inc\"\n");
    let e = nmodl::load_file(&modf).err().unwrap().to_string();
    assert!(e.starts_with(&format!("{}:3:1: cannot open the INCLUDE file \"nowhere.inc\" (looked for ", modf.display())), "{e}");
    // A file including itself stops with an error, not a crash.
    write(&modf, "NEURON { SUFFIX a }\nINCLUDE \"a.mod\"\n");
    let e = nmodl::load_file(&modf).err().unwrap().to_string();
    assert!(e.contains("includes nest more than 64 deep"), "{e}");
}

#[test]
fn include_without_the_file_system_is_an_error() {
    let e = nmodl::load("NEURON { SUFFIX a }\nINCLUDE \"b.inc\"\n", "x.mod").err().unwrap().to_string();
    assert_eq!(e, "x.mod:2:1: INCLUDE \"b.inc\": included files are read only with the .mod file from disk");
}

#[test]
fn old_mac_and_dos_line_ends() {
    let text = "COMMENT\nc\nENDCOMMENT\nNEURON { SUFFIX a RANGE x }\nPARAMETER { x = 4 }\nVERBATIM\nENDVERBATIM\n";
    for sep in ["\r", "\r\n"] {
        let src = text.replace('\n', sep);
        let m = nmodl::parse(&src, "m.mod").unwrap_or_else(|e| panic!("{sep:?}: {e}"));
        assert_eq!(m.items.len(), 3, "{sep:?}");
        let e = nmodl::parse(&format!("{src}PARAMETER {{ y = }}"), "m.mod").unwrap_err().to_string();
        assert_eq!(e, "m.mod:8:17: expected a number after '=', found '}'", "{sep:?}");
    }
}

#[test]
fn modl_include_folders_come_last() {
    let d = scratch("env");
    let modf = d.join("mods/a.mod");
    write(&modf, "NEURON { SUFFIX a RANGE x }\nINCLUDE \"only_in_env.inc\"\n");
    write(&d.join("lib2/only_in_env.inc"), "PARAMETER { x = 5 }");
    let dirs = std::env::join_paths([d.join("lib1"), d.join("lib2")]).unwrap();
    std::env::set_var("MODL_INCLUDE", dirs);
    assert_eq!(x_default(&modf), 5.0);
}
