//! Compiles the .mod files named on the command line and prints each error;
//! with `--dump NAME`, also prints the blocks of the mechanism NAME.
//! Exits non-zero if any file failed.

fn main() {
    let mut dump = None;
    let (mut ok, mut bad) = (0, 0);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--dump" {
            dump = args.next();
            continue;
        }
        match nmodl::load_file(std::path::Path::new(&arg)) {
            Ok(m) => {
                ok += 1;
                // C methods and functions that stop where C nerve does not take is reached.
                for (name, b, _) in &m.c.methods {
                    let fails: Vec<&String> = b.ops.iter().filter_map(|op| if let nmodl::ir::Op::Fail { msg, .. } = op { Some(&b.strings[*msg as usize]) } else { None }).filter(|s| s.starts_with(arg.as_str())).collect();
                    if let Some(first) = fails.first() {
                        println!("  method {name}: {} unsupported, first {first}", fails.len());
                    } else {
                        println!("  method {name}: ok");
                    }
                }
                if dump.as_deref() == Some(m.c.name.as_str()) {
                    println!("== {arg}\nINITIAL\n{}", m.c.initial);
                    for (name, b, _, _) in &m.c.callables {
                        println!("{name}\n{b}");
                    }
                    for (name, b, _) in &m.c.methods {
                        println!("method {name}\n{b}");
                    }
                }
            }
            Err(e) => {
                bad += 1;
                println!("{e}");
            }
        }
    }
    println!("{ok} compiled, {bad} failed");
    if bad > 0 {
        std::process::exit(1);
    }
}
