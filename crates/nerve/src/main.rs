//! `nerve`: the command-line front end.

mod plot;
mod convert;
mod neuroml;
mod hdf5_out;
#[cfg(feature = "mpi")]
mod mpi_comm;
mod probes;
mod progress;
mod python;
mod signals;
mod stream;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "nerve", version, about = "Run NEURON models unchanged; compute their extracellular signals")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run HOC files and statements in order, as `nrniv FILE... -c STMT` does
    /// (`nerve FILE...` means the same). nrniv's options -dll LIB, -nobanner,
    /// -nogui, -isatty, -notatty, -NFRAME n and -NSTACK n are accepted; `-`
    /// reads HOC from standard input, as does a run that names no file and no
    /// statement.
    Run {
        /// Folders of .mod files to load (like nrniv's -dll).
        #[arg(long = "mod")]
        mods: Vec<PathBuf>,
        /// Probe definitions (JSON) fed with the membrane currents during the
        /// run: extracellular potentials, EEG, MEG, CSD, imem, vmem, geometry,
        /// your own matrix; the cell's placement (cell_position, rotation) and
        /// stimulating electrodes. Reference: docs/probes.md (schema:
        /// docs/probes.schema.json; example: examples/probes.json).
        #[arg(long)]
        probes: Option<PathBuf>,
        /// Folder where probe results are written: NAME.npy per probe, t.npy,
        /// meta.json; run-1, run-2, ... when the script runs several times.
        /// A name ending in .h5 writes one HDF5 file instead.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Keep a sample every DT ms (t = 0, DT, 2 DT, ...), as NEURON's
        /// Vector.record(&x, DT) does, instead of one per time step; a probe's
        /// own "record_dt" overrides it.
        #[arg(long = "record-dt", value_name = "DT")]
        record_dt: Option<f64>,
        /// `sonata`: with `--out FILE.h5`, bmtk's extracellular report
        /// (/ecp/data time × channels, /ecp/time, /ecp/channel_id) of the one
        /// contact-potential probe probes.json lists.
        #[arg(long, value_parser = ["sonata"])]
        format: Option<String>,
        /// Graphs keep what they plot, as in NEURON with a display, so that
        /// line_info, getline and the run system's plots give their data
        /// (e.g. for nrn-modeldb-ci's verify_graph_). Without it Graphs are
        /// nrniv -nogui's inert stand-ins, and plotting costs nothing.
        #[arg(long)]
        graphs: bool,
        /// HOC files, and `-c STATEMENT` items, run in order.
        #[arg(allow_hyphen_values = true, num_args = 0..)]
        items: Vec<String>,
    },
    /// Write a model (a .hoc program, or a .swc/.asc/.xml reconstruction) as JSON, SWC or HOC.
    Convert {
        /// The model: .hoc, .swc, .asc or .xml.
        model: PathBuf,
        /// Output format.
        #[arg(long, value_parser = ["json", "swc", "hoc", "neuroml"], default_value = "json")]
        to: String,
        /// Output file [default: stdout].
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
    /// Draw a figure (PNG or SVG) of the results in a `run --out` folder.
    Plot {
        /// Folder written by `nerve run --probes FILE --out DIR`.
        dir: PathBuf,
        /// Figure to write: .png or .svg [default: DIR/figure.png].
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
}

/// Files, `-c` statements and standard input, in command-line order.
enum Item {
    File(PathBuf),
    Stmt(String),
    /// `-`: HOC read from standard input, as nrniv reads it.
    Stdin,
}

/// What a run's command line asks for beyond its items.
#[derive(Default)]
struct RunOptions {
    /// Mechanism folders nrniv's -dll names.
    dlls: Vec<PathBuf>,
    /// `-mpi`: one of the processes mpirun started.
    mpi: bool,
}

/// The items of a run and its nrniv options.
fn split_items(items: &[String]) -> Result<(Vec<Item>, RunOptions), String> {
    let mut out = Vec::new();
    let mut opts = RunOptions::default();
    let mut it = items.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-c" => {
                let s = it.next().ok_or("-c needs a statement")?;
                out.push(Item::Stmt(s.clone()));
            }
            "-" => out.push(Item::Stdin),
            // nrniv's -dll: the mechanisms nrnivmodl built from a folder's .mod files.
            "-dll" => {
                let lib = it.next().ok_or("-dll needs a library path")?;
                opts.dlls.push(hoc::engine::mod_dir_of_library(std::path::Path::new(lib)));
            }
            "-mpi" => opts.mpi = true,
            "-nobanner" | "-nogui" | "-isatty" | "-notatty" | "-nopython" => {}
            "-NSTACK" | "-NFRAME" => {
                it.next().ok_or(format!("{a} needs a size"))?;
            }
            _ if a.starts_with('-') && a.len() > 1 => return Err(format!("unknown option {a}")),
            _ => out.push(Item::File(PathBuf::from(a))),
        }
    }
    // Like nrniv, a run that names no file and no statement reads standard input.
    if out.is_empty() {
        out.push(Item::Stdin);
    }
    Ok((out, opts))
}

/// The processes of the run: MPI's under `-mpi`, else this one alone.
fn processes(mpi: bool) -> Result<std::rc::Rc<dyn cable::comm::Comm>, String> {
    if !mpi {
        return Ok(std::rc::Rc::new(cable::comm::Serial));
    }
    #[cfg(feature = "mpi")]
    {
        Ok(std::rc::Rc::new(mpi_comm::MpiComm::start()?))
    }
    #[cfg(not(feature = "mpi"))]
    {
        Err("-mpi: this nerve was built without MPI (build it with `cargo build --release --features mpi`)".into())
    }
}

/// Probes of a run and where their results go.
struct ProbeOutput {
    run: std::rc::Rc<std::cell::RefCell<probes::ProbeRun>>,
    error: std::rc::Rc<std::cell::RefCell<Option<String>>>,
    dir: PathBuf,
}

/// The folders whose .mod files a run loads: each `--mod`, then the current
/// directory (as nrniv loads the library nrnivmodl built there), once each.
fn mod_dirs(mods: &[PathBuf]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut seen = Vec::new();
    for d in mods.iter().cloned().chain(std::iter::once(PathBuf::from("."))) {
        let key = std::fs::canonicalize(&d).unwrap_or_else(|_| d.clone());
        if !seen.contains(&key) {
            seen.push(key);
            dirs.push(d);
        }
    }
    dirs
}

fn run(items: Vec<Item>, mods: &[PathBuf], probe_out: Option<ProbeOutput>, comm: std::rc::Rc<dyn cable::comm::Comm>, graphs: bool) -> ExitCode {
    let code = run_on(items, mods, probe_out, comm.clone(), graphs);
    // One process failing would leave the others waiting at their next
    // collective: under MPI an error ends them all, as NEURON's MPI_Abort.
    if code != ExitCode::SUCCESS && comm.size() > 1 {
        let _ = std::io::stdout().flush();
        comm.abort(1);
    }
    code
}

fn run_on(items: Vec<Item>, mods: &[PathBuf], probe_out: Option<ProbeOutput>, comm: std::rc::Rc<dyn cable::comm::Comm>, graphs: bool) -> ExitCode {
    let stdout = std::io::stdout();
    let out = std::io::BufWriter::with_capacity(1 << 16, stdout);
    let mut it = hoc::Interp::new(Box::new(out));
    it.graphs = graphs;
    it.eng.parallel.set_comm(comm.clone());
    if comm.size() > 1 && comm.rank() == 0 {
        let _ = it.write_out(&format!("numprocs={}\n", comm.size()));
    }
    for (k, dir) in mod_dirs(mods).iter().enumerate() {
        // The current directory counts only when it has .mod files.
        if k == mods.len() && !dir.read_dir().is_ok_and(|mut d| d.any(|e| e.is_ok_and(|e| e.path().extension().is_some_and(|x| x == "mod")))) {
            continue;
        }
        if let Err(e) = hoc::engine::load_mod_dir(&mut it, dir) {
            eprintln!("nerve: {e}");
            return ExitCode::from(1);
        }
    }
    if let Some(p) = &probe_out {
        if !hdf5_out::names_hdf5(&p.dir) {
            p.run.borrow_mut().stream_to(&p.dir, comm.clone());
        }
        it.eng.observers.push(Box::new(probes::Observer(p.run.clone(), p.error.clone())));
    }
    it.eng.observers.push(Box::new(progress::Progress::new()));
    let mut result = Ok(());
    for item in items {
        result = match item {
            Item::File(p) => it.run_file(&p),
            Item::Stmt(s) => it.run_text("-c", format!("{s}\n").into()),
            Item::Stdin => {
                let mut text = String::new();
                match std::io::Read::read_to_string(&mut std::io::stdin(), &mut text) {
                    Ok(_) => it.run_interactive(text.into(), &mut |e| eprint!("nerve: {}", hoc::report(e))),
                    Err(e) => Err(hoc::HocError::new(format!("can't read standard input: {e}"))),
                }
            }
        };
        if result.is_err() {
            break;
        }
    }
    if matches!(&result, Err(e) if !matches!(e.kind, hoc::ErrorKind::Quit(_))) {
        it.end_partial_line();
    } else {
        hoc::builtins::bulletin::release_workers(&mut it);
    }
    it.flush();
    // A program ending with quit() has run as much as one ending without it.
    if matches!(&result, Ok(()) | Err(hoc::HocError { kind: hoc::ErrorKind::Quit(0), .. })) {
        if let Some(p) = &probe_out {
            if let Some(e) = p.error.borrow().as_ref() {
                eprintln!("nerve: {e}");
                return ExitCode::from(1);
            }
            if let Err(e) = signals::holding(|| p.run.borrow_mut().write(&p.dir, comm.as_ref())) {
                eprintln!("nerve: {e}");
                return ExitCode::from(1);
            }
        }
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => match e.kind {
            hoc::ErrorKind::Quit(code) => ExitCode::from(code.clamp(0, 255) as u8),
            _ => {
                let _ = std::io::stdout().flush();
                let text = format!("nerve: {}", hoc::report(&e));
                if comm.size() > 1 {
                    // Each line with the rank that reports it, as NEURON
                    // under MPI; one write, so that the ranks' messages do
                    // not interleave within a line.
                    let rank = comm.rank();
                    let tagged: String = text.lines().map(|l| format!("{rank} {l}\n")).collect();
                    let _ = std::io::stderr().lock().write_all(tagged.as_bytes());
                } else {
                    eprint!("{text}");
                }
                ExitCode::from(1)
            }
        },
    }
}

/// nrniv's own command line, `nerve [options] FILE...`, means `nerve run ...`.
fn args() -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let first = args.get(1).and_then(|a| a.to_str()).map(str::to_owned);
    let implicit_run = match first.as_deref() {
        Some("run" | "convert" | "plot" | "help" | "-h" | "--help" | "-V" | "--version") => false,
        Some(_) => true,
        // No argument at all: HOC from a pipe, as nrniv reads it; help on a terminal.
        None => !std::io::stdin().is_terminal(),
    };
    if implicit_run {
        args.insert(1, "run".into());
    }
    hoist_run_options(args)
}

/// nerve's own options of `run` given among nrniv's (`run -mpi --mod DIR
/// model.hoc`) are moved to the front, where clap reads them; the search
/// stops at the first file (or `-`), after which everything is the program's.
fn hoist_run_options(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    if args.get(1).and_then(|a| a.to_str()) != Some("run") {
        return args;
    }
    let mut ours = Vec::new();
    let mut i = 2;
    while i < args.len() {
        let a = args[i].to_str().unwrap_or("").to_owned();
        if matches!(a.as_str(), "--mod" | "--probes" | "--out") && i + 1 < args.len() {
            ours.extend(args.drain(i..i + 2));
        } else if a == "--graphs" {
            ours.push(args.remove(i));
        } else if ["--mod=", "--probes=", "--out="].iter().any(|p| a.starts_with(p)) {
            ours.push(args.remove(i));
        } else if matches!(a.as_str(), "-c" | "-dll" | "-NSTACK" | "-NFRAME") {
            i += 2;
        } else if a.starts_with('-') && a != "-" {
            i += 1;
        } else {
            break;
        }
    }
    args.splice(2..2, ours);
    args
}

fn main() -> ExitCode {
    let cli = Cli::parse_from(args());
    if !matches!(&cli.cmd, Cmd::Run { items, .. } if python::names_script(items)) {
        signals::install();
    }
    match cli.cmd {
        Cmd::Convert { model, to, output } => {
            let text = convert::load(&model).and_then(|mut it| match to.as_str() {
                "json" => Ok(serde_json::to_string_pretty(&convert::to_json(&mut it)).unwrap() + "\n"),
                "hoc" => Ok(convert::to_hoc(&mut it)),
                "neuroml" => convert::to_neuroml(&mut it, &model),
                _ => convert::to_swc(&mut it).map(|(text, note)| {
                    if let Some(note) = note {
                        eprintln!("nerve: {note}");
                    }
                    text
                }),
            });
            let text = match text {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("nerve: {e}");
                    return ExitCode::from(1);
                }
            };
            match output {
                Some(path) => {
                    if let Err(e) = signals::holding(|| probes::write_atomic(&path, text.as_bytes())) {
                        eprintln!("nerve: {e}");
                        return ExitCode::from(1);
                    }
                }
                None => print!("{text}"),
            }
            ExitCode::SUCCESS
        }
        Cmd::Run { mods, probes, out, record_dt, format, graphs, items } => {
            let sonata = format.is_some();
            if sonata && !out.as_deref().is_some_and(hdf5_out::names_hdf5) {
                eprintln!("nerve: --format sonata writes an HDF5 file: give --out FILE.h5");
                return ExitCode::from(2);
            }
            if let Some(dt) = record_dt {
                if !(dt.is_finite() && dt > 0.0) {
                    eprintln!("nerve: --record-dt must be a positive number of ms");
                    return ExitCode::from(2);
                }
                if probes.is_none() {
                    eprintln!("nerve: --record-dt goes with --probes and --out");
                    return ExitCode::from(2);
                }
            }
            if python::names_script(&items) {
                return python::run(args());
            }
            let probe_out = match (probes, out) {
                (Some(p), Some(dir)) => match probes::load(&p).and_then(|l| probes::check_out(&dir, &l, sonata).map(|()| l)) {
                    Ok(file) => Some(ProbeOutput {
                        run: std::rc::Rc::new(std::cell::RefCell::new({
                            let mut r = probes::ProbeRun::new(file, hdf5_out::names_hdf5(&dir));
                            r.record_dt = record_dt;
                            r.sonata = sonata;
                            r
                        })),
                        error: Default::default(),
                        dir,
                    }),
                    Err(e) => {
                        eprintln!("nerve: {e}");
                        return ExitCode::from(2);
                    }
                },
                (None, None) => None,
                _ => {
                    eprintln!("nerve: --probes and --out go together");
                    return ExitCode::from(2);
                }
            };
            let (items, opts) = match split_items(&items) {
                Ok(i) => i,
                Err(e) => {
                    eprintln!("nerve: {e}");
                    return ExitCode::from(2);
                }
            };
            let mods: Vec<PathBuf> = mods.into_iter().chain(opts.dlls).collect();
            let comm = match processes(opts.mpi) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("nerve: {e}");
                    return ExitCode::from(1);
                }
            };
            // A panic is a bug in nerve; it still ends with a message and exit 1.
            std::panic::set_hook(Box::new(|info| {
                eprintln!("nerve: internal error (please report it): {info}");
            }));
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(items, &mods, probe_out, comm, graphs))).unwrap_or(ExitCode::from(1))
        }
        Cmd::Plot { dir, output } => match plot::plot(&dir, output.as_deref()) {
            Ok(path) => {
                println!("{}", path.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("nerve plot: {e}");
                ExitCode::from(1)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::hoist_run_options;

    fn hoisted(a: &[&str]) -> Vec<String> {
        let args = a.iter().map(std::ffi::OsString::from).collect();
        hoist_run_options(args).into_iter().map(|s| s.into_string().unwrap()).collect()
    }

    #[test]
    fn nerve_options_among_nrnivs_move_to_the_front() {
        assert_eq!(hoisted(&["nerve", "run", "-mpi", "--mod", "m", "a.hoc"]), ["nerve", "run", "--mod", "m", "-mpi", "a.hoc"]);
        assert_eq!(hoisted(&["nerve", "run", "-c", "x=1", "--out=o", "-nogui", "--probes", "p.json", "a.hoc", "--mod", "z"]), ["nerve", "run", "--out=o", "--probes", "p.json", "-c", "x=1", "-nogui", "a.hoc", "--mod", "z"]);
        // after the first file everything is the program's (a Python script's arguments)
        assert_eq!(hoisted(&["nerve", "run", "s.py", "--mod", "m"]), ["nerve", "run", "s.py", "--mod", "m"]);
        assert_eq!(hoisted(&["nerve", "convert", "--mod", "m"]), ["nerve", "convert", "--mod", "m"]);
    }
}
