//! What the readers say NEURON prints, in the form
//! `tests/fixtures/make_printed.py` records NEURON's own output, for
//! comparing the two: `printed [--quiet] FILE...` imports the files one
//! after the other, as one NEURON process would, and prints the JSON.

use std::path::Path;

fn main() {
    let mut quiet = false;
    let mut files = Vec::new();
    for a in std::env::args().skip(1) {
        if a == "--quiet" {
            quiet = true;
        } else {
            files.push(a);
        }
    }
    let mut first = 0usize;
    let mut imports = Vec::new();
    for f in files {
        let path = Path::new(&f);
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let mml = ext == "xml" || ext == "nml";
        let q = quiet && !mml;
        let r = match ext.as_str() {
            "swc" => morph::read_swc_printed(path, first, q),
            "asc" => morph::read_asc_printed(path, first, q),
            _ => morph::read_morphml_printed(path, first, q),
        };
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let mut rec = serde_json::json!({
            "file": name, "quiet": q, "first": first,
            "input": null, "gui": null, "instantiate": null, "objects": null, "error": null,
        });
        match r {
            Ok((_, _, p)) => {
                rec["input"] = p.input.into();
                rec["gui"] = p.gui.into();
                rec["instantiate"] = p.instantiate.into();
                rec["objects"] = p.section_objects.into();
                first += p.section_objects + 1; // make_printed.py's probe
                imports.push(rec);
            }
            Err(e) => {
                let p = e.printed;
                rec["input"] = p.input.into();
                rec["error"] = "input".into();
                if e.phase == morph::Phase::Instantiate {
                    rec["gui"] = "".into();
                    rec["instantiate"] = p.instantiate.into();
                    rec["error"] = "instantiate".into();
                }
                rec["message"] = e.message.into();
                imports.push(rec);
                break;
            }
        }
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({ "imports": imports })).unwrap()
    );
}
