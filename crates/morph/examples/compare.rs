//! `cargo run -p morph --example compare -- MORPHOLOGY NEURON_DUMP.json`:
//! lists every difference between what this crate builds and a NEURON dump
//! made by tests/fixtures/make_fixtures.py.

#[path = "../tests/common/mod.rs"]
mod common;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 2 {
        eprintln!("usage: compare MORPHOLOGY NEURON_DUMP.json");
        std::process::exit(2);
    }
    let t = std::time::Instant::now();
    let (m, diags) = match morph::read_any(std::path::Path::new(&args[0])) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let dt = t.elapsed();
    for d in &diags {
        println!("diagnostic: {d}");
    }
    let dump = common::load_dump(std::path::Path::new(&args[1]));
    let diff = common::differences(&m, &dump);
    for d in diff.iter().take(40) {
        println!("{d}");
    }
    println!(
        "{} sections, {} differences, read in {:?}; counts {:?}",
        m.sections.len(),
        diff.len(),
        dt,
        m.counts()
    );
    if !diff.is_empty() {
        std::process::exit(1);
    }
}
