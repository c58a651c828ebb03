//! Snapshot tests: each mechanism under tests/mods parses, and its tree
//! (rendered by `nmodl::pretty`) matches the stored snapshot.

fn check(name: &str) {
    let path = format!("{}/tests/mods/{name}.mod", env!("CARGO_MANIFEST_DIR"));
    let src = std::fs::read_to_string(&path).unwrap();
    let m = nmodl::parse(&src, &path).unwrap_or_else(|e| panic!("{e}"));
    insta::assert_snapshot!(name, nmodl::pretty::module(&m));
}

#[test]
fn hh_like_channel_with_table_and_rates_procedure() {
    check("hhx");
}

#[test]
fn exp2syn_like_point_process() {
    check("syn2");
}

#[test]
fn netstim_like_artificial_cell() {
    check("stimgen");
}

#[test]
fn calcium_accumulation() {
    check("cacum");
}

#[test]
fn kinetic_scheme_with_conserve_and_compartment() {
    check("kinbuf");
}

#[test]
fn linear_and_nonlinear_blocks() {
    check("linsys");
}

#[test]
fn function_table_pointers_and_verbatim() {
    check("ftable");
}

#[test]
fn watch_statements() {
    check("watcher");
}
