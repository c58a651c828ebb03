//! `nerve run script.py`: a Python script runs in a Python interpreter that
//! has nerve's package (this program does not link libpython). The command
//! line goes unchanged to that package's own `nerve` command, which runs
//! HOC and Python in one process as `nrniv -python script.py` does.
//!
//! The interpreter is `$NERVE_PYTHON`, else `python3` on PATH.

use std::ffi::OsString;
use std::process::{Command, ExitCode};

/// Whether a run's items name a Python script.
pub fn names_script(items: &[String]) -> bool {
    items.iter().any(|a| a.ends_with(".py") && !a.starts_with('-'))
}

pub fn run(args: Vec<OsString>) -> ExitCode {
    let python = std::env::var_os("NERVE_PYTHON").unwrap_or_else(|| "python3".into());
    let check = Command::new(&python).args(["-c", "import neuron._cli, neuron.hoc"]).output();
    match check {
        Ok(out) if out.status.success() => {}
        Ok(_) => {
            eprintln!(
                "nerve: {} has no nerve Python package: install it (pip install . in nerve's repository) or set NERVE_PYTHON to a Python that has it",
                python.to_string_lossy()
            );
            return ExitCode::from(1);
        }
        Err(e) => {
            eprintln!("nerve: cannot run {} for a Python script: {e} (set NERVE_PYTHON)", python.to_string_lossy());
            return ExitCode::from(1);
        }
    }
    match Command::new(&python).args(["-m", "neuron._cli"]).args(&args[1..]).env("NERVE_ARGV0", &args[0]).status() {
        Ok(st) => ExitCode::from(st.code().unwrap_or(1).clamp(0, 255) as u8),
        Err(e) => {
            eprintln!("nerve: cannot run {}: {e}", python.to_string_lossy());
            ExitCode::from(1)
        }
    }
}
