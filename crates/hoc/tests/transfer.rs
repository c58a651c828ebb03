//! Gap junctions by value transfer (ParallelContext's source_var and
//! target_var, whose HOC side lives with ParallelContext): the engine's
//! transfer copies each source voltage to its targets at the moments NEURON
//! does, so a pair of half-gaps reading a transferred copy of the other
//! cell's v gives exactly the run of the same pair reading it through a
//! POINTER — at the fixed step and under the variable step.

use std::cell::RefCell;
use std::rc::Rc;

use cable::model::Var;
use hoc::Interp;

/// A half-gap whose partner voltage is an ordinary variable (the modern
/// ParallelContext idiom), and the POINTER form.
const HALF_GAP: &str = "NEURON { POINT_PROCESS HalfGap RANGE g, i, vgap NONSPECIFIC_CURRENT i }
PARAMETER { g = 0.02 (uS) }
ASSIGNED { v (mV) vgap (mV) i (nA) }
BREAKPOINT { i = g*(v - vgap) }";
const PTR_GAP: &str = "NEURON { POINT_PROCESS PtrGap RANGE g, i POINTER vgap NONSPECIFIC_CURRENT i }
PARAMETER { g = 0.02 (uS) }
ASSIGNED { v (mV) vgap (mV) i (nA) }
BREAKPOINT { i = g*(v - vgap) }";

struct Out(Rc<RefCell<Vec<u8>>>);
impl std::io::Write for Out {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Two hh cells joined by half-gaps `class`; `link` joins them; prints v of
/// both cells through the run.
fn run(class: &str, link: &str, cvode: bool, wire: impl FnOnce(&mut Interp)) -> String {
    let buf = Rc::new(RefCell::new(Vec::new()));
    let mut it = Interp::new(Box::new(Out(buf.clone())));
    for (src, name) in [(HALF_GAP, "halfgap.mod"), (PTR_GAP, "ptrgap.mod")] {
        let m = nmodl::load(src, name).unwrap();
        hoc::engine::add_mechanism(&mut it, Box::new(m));
    }
    let setup = format!(
        "create a, b
forall {{ L = 20 diam = 20 insert hh }}
objref g1, g2, stim, cvo
a g1 = new {class}(0.5)
b g2 = new {class}(0.5)
{link}
a stim = new IClamp(0.5)
stim.del = 1
stim.dur = 2
stim.amp = 0.3
cvo = new CVode()
cvo.active({})
",
        cvode as i32
    );
    it.run_text("setup.hoc", setup.into()).unwrap();
    wire(&mut it);
    let body = "finitialize(-65)
while (t < 10) { fadvance() printf(\"%.17g %.17g %.17g\\n\", t, a.v(0.5), b.v(0.5)) }
";
    it.run_text("run.hoc", body.into()).unwrap();
    let out = String::from_utf8(buf.borrow().clone()).unwrap();
    out
}

fn transfer_wiring(it: &mut Interp) {
    let (a, b) = (0, 1);
    let m = &mut it.eng.model;
    let mech = m.mech_index("HalfGap").unwrap();
    let var = m.mechs[mech].vars().iter().position(|v| v.name == "vgap").unwrap();
    m.transfer_source(1, Var::V { sec: a, x: 0.5 }).unwrap();
    m.transfer_source(2, Var::V { sec: b, x: 0.5 }).unwrap();
    // g1 (on a) takes b's v, g2 (on b) takes a's.
    m.transfer_target(2, Var::Mech { mech, var, inst: 0 }).unwrap();
    m.transfer_target(1, Var::Mech { mech, var, inst: 1 }).unwrap();
    m.setup_transfer().unwrap();
}

#[test]
fn transferred_voltages_match_pointers() {
    for cvode in [false, true] {
        let ptr = run("PtrGap", "setpointer g1.vgap, b.v(0.5)\nsetpointer g2.vgap, a.v(0.5)", cvode, |_| {});
        let xfer = run("HalfGap", "", cvode, transfer_wiring);
        assert!(ptr.lines().count() > 20);
        // b is driven only through the junction: it must have moved.
        let last: Vec<f64> = ptr.lines().last().unwrap().split_whitespace().map(|w| w.parse().unwrap()).collect();
        assert!((last[2] + 65.0).abs() > 1.0, "{last:?}");
        assert_eq!(ptr, xfer, "cvode {cvode}");
    }
}

#[test]
fn transfer_checks_its_ids() {
    let mut m = cable::Model::default();
    let s = m.create_section("s".into(), None);
    m.transfer_source(3, Var::V { sec: s, x: 0.5 }).unwrap();
    assert_eq!(m.transfer_source(3, Var::V { sec: s, x: 0.5 }).unwrap_err(), "source var sgid 3 already in use.");
    let pas = m.mech_index("pas").unwrap();
    m.insert(s, pas);
    m.transfer_target(4, Var::Range { mech: pas, var: 1, sec: s, x: 0.5 }).unwrap();
    assert_eq!(m.setup_transfer().unwrap_err(), "No source_var for target_var sid = 4\n");
    assert!(m.transfer_target(4, Var::V { sec: s, x: 0.5 }).is_err());
}
