//! Parses the .mod files named on the command line and prints each error;
//! with `--print`, also prints each tree; with `--compile`, compiles each
//! file too. Exits non-zero if any file failed.

fn main() {
    let (mut print, mut compile) = (false, false);
    let (mut ok, mut bad) = (0, 0);
    for arg in std::env::args().skip(1) {
        if arg == "--print" {
            print = true;
            continue;
        }
        if arg == "--compile" {
            compile = true;
            continue;
        }
        if compile {
            match nmodl::load_file(std::path::Path::new(&arg)) {
                Ok(_) => ok += 1,
                Err(e) => {
                    bad += 1;
                    println!("{e}");
                }
            }
            continue;
        }
        match nmodl::parse_file(std::path::Path::new(&arg)) {
            Ok(m) => {
                ok += 1;
                if print {
                    println!("== {arg}\n{}", nmodl::pretty::module(&m));
                }
            }
            Err(e) => {
                bad += 1;
                println!("{e}");
            }
        }
    }
    println!("{ok} parsed, {bad} failed");
    if bad > 0 {
        std::process::exit(1);
    }
}
