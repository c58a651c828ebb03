//! NEURON's HOC library files, provided natively: loading `stdrun.hoc`,
//! `nrngui.hoc`, `noload.hoc`, `stdgui.hoc`, `stdlib.hoc`, `import3d.hoc` or
//! `netparmpi.hoc` runs the definitions below (or in `library/`) instead
//! of reading a file.

use crate::error::HResult;
use crate::interp::Interp;

const LIBRARY: &[&str] = &["stdrun.hoc", "nrngui.hoc", "noload.hoc", "stdlib.hoc", "import3d.hoc", "netparmpi.hoc", "stdgui.hoc"];

pub fn is_library(name: &str) -> bool {
    LIBRARY.contains(&name)
}

/// Which library file defines `name`, for `load_proc`/`load_func`.
pub fn library_defining(name: &str) -> Option<&'static str> {
    match name {
        "String" | "case" | "object_index" | "lambda_f" => Some("stdlib.hoc"),
        "run" | "init" | "stdinit" | "continuerun" | "steprun" | "step" | "setdt" | "cvode_active" => Some("stdrun.hoc"),
        _ => None,
    }
}

/// HOC source of our standard library (written for nerve).
const STDLIB: &str = r#"
begintemplate String
public s
strdef s
proc init() { if (numarg() > 0) { s = $s1 } }
endtemplate String
iterator case() { local i
  for i = 2, numarg() {
    $&1 = $i
    iterator_statement
  }
}
func object_index() { return object_id($o1, 1) }
objref nil
"#;

/// Our stdrun: the run loop of NEURON's standard run system, in HOC, with
/// the same variables and the same dt rule.
const STDRUN: &str = r#"
objref cvode
cvode = new CVode()
nstep_steprun = 1
proc init() { finitialize(v_init) }
proc setdt() { local Dt, n
  if (using_cvode_) return
  Dt = 1/steps_per_ms
  n = int(Dt/dt)
  if (n == 0) n = 1
  nstep_steprun = n
  if (abs(dt*n*steps_per_ms - 1) > 1e-6) {
    print "Changed dt"
    dt = Dt/n
  }
}
proc stdinit() {
  realtime = 0
  setdt()
  init()
  initPlot()
}
proc advance() { fadvance() }
proc step() { local i
  if (using_cvode_) {
    advance()
  } else for i = 1, nstep_steprun advance()
  Plot()
}
func cvode_active() {
  if (numarg() == 1) {
    cvode.active($1)
    using_cvode_ = cvode.active()
  }
  return cvode.active()
}
proc steprun() {
  step()
  flushPlot()
}
proc continuerun() { local tend, t0
  realtime = 0
  stoprun = 0
  t0 = startsw()
  if (using_cvode_) {
    cvode.event($1)
    tend = $1
  } else {
    tend = $1 - dt/2
  }
  while (t < tend && stoprun == 0) {
    step()
  }
  realtime = startsw() - t0
  flushPlot()
}
proc run() {
  running_ = 1
  stdinit()
  continuerun(tstop)
  running_ = 0
}
func stoppedrun() { return stoprun }
proc initPlot() {}
proc flushPlot() {}
proc fastflushPlot() {}
proc Plot() {}
proc screen_update() {}
proc addplot() {}
proc nrncontrolmenu() {}
proc graphmenu() {}
objref graphList[4], graphItem
for i = 0, 3 graphList[i] = new List()
"#;

const STDRUN_VARS: &str = r#"
tstop = 5
v_init = -65
steps_per_ms = 40
stoprun = 0
realtime = 0
running_ = 0
stdrun_quiet = 0
screen_update_invl = 0.05
using_cvode_ = 0
runStopAt = 5
runStopIn = 1
"#;

pub fn load(it: &mut Interp, name: &str) -> HResult<()> {
    let parts: &[&str] = match name {
        "stdlib.hoc" => &["stdlib.hoc"],
        "stdrun.hoc" => &["stdlib.hoc", "stdrun.hoc"],
        "nrngui.hoc" | "noload.hoc" | "stdgui.hoc" => &["stdlib.hoc", "stdrun.hoc"],
        "import3d.hoc" => &["stdlib.hoc", "import3d.hoc"],
        "netparmpi.hoc" => &["stdlib.hoc", "netparmpi.hoc"],
        _ => &[],
    };
    for &p in parts {
        let key: &'static str = LIBRARY.iter().find(|&&l| l == p).copied().unwrap_or("");
        if !it.lib_loaded.insert(key) {
            continue;
        }
        match p {
            "stdlib.hoc" => it.run_text("stdlib.hoc", STDLIB.into())?,
            "stdrun.hoc" => {
                it.run_text("stdrun.hoc", STDRUN_VARS.into())?;
                it.run_text("stdrun.hoc", STDRUN.into())?;
            }
            "import3d.hoc" => crate::engine::import3d::install(it),
            "netparmpi.hoc" => it.run_text("netparmpi.hoc", include_str!("library/netparmpi.hoc").into())?,
            _ => {}
        }
    }
    Ok(())
}
