//! Engine functions bound into HOC: simulation control (finitialize,
//! fadvance, fcurrent), geometry queries (area, ri, distance, pt3d…),
//! topology and psection, SectionRef/SectionList methods, Vector.record.

use cable::model::{Model, Var};
use cable::{Pt3d, SecId};

use super::classes::{with_seclist, with_secref};
use super::Recording;
use crate::builtins::{chkarg, num, object, opt_num, str_ref, string, value_str};
use crate::error::HResult;
use crate::format::fmt_g;
use crate::hoc_err;
use crate::interp::Interp;
use crate::object::ObjData;
use crate::value::{ObjRef, Place, Value};

pub fn install(it: &mut Interp) {
    let slot = |it: &mut Interp, n: &str, v: f64| it.set_global_num(n, v);
    it.eng.clock = super::Clock {
        t: slot(it, "t", 0.0),
        dt: slot(it, "dt", 0.025),
        celsius: slot(it, "celsius", 6.3),
        secondorder: slot(it, "secondorder", 0.0),
    };
    for (n, v) in [("clamp_resist", 0.001), ("stoprun", 0.0)] {
        it.set_global_num(n, v);
    }
    let fs: &[(&str, crate::builtins::Builtin)] = &[
        ("finitialize", finitialize),
        ("batch_save", batch_save),
        ("batch_run", batch_run),
        ("fadvance", fadvance),
        ("fcurrent", fcurrent),
        ("frecord_init", frecord_init),
        ("area", |it, a| {
            let (s, x) = it.seg_or_x(a, 0)?;
            let area = it.eng.model.area(s, x);
            geometry_checked(it, area)
        }),
        ("ri", |it, a| {
            let (s, x) = it.seg_or_x(a, 0)?;
            let ri = it.eng.model.ri(s, x);
            geometry_checked(it, ri)
        }),
        ("distance", distance),
        ("pt3dadd", pt3dadd),
        ("pt3dclear", |it, a| {
            let s = it.cur_sec()?;
            // The optional argument reserves room; NEURON returns it.
            let room = opt_num(it, a, 0)?.unwrap_or(0.0);
            let m = &mut it.eng.model;
            let sec = m.sec_mut(s);
            sec.pt3d.clear();
            sec.arc.clear();
            m.mark_geometry();
            Ok(Value::Num(room))
        }),
        ("n3d", |it, _| {
            let s = it.cur_sec()?;
            Ok(Value::Num(it.eng.model.sec(s).pt3d.len() as f64))
        }),
        ("x3d", |it, a| pt3d_get(it, a, 0)),
        ("y3d", |it, a| pt3d_get(it, a, 1)),
        ("z3d", |it, a| pt3d_get(it, a, 2)),
        ("diam3d", |it, a| pt3d_get(it, a, 3)),
        ("arc3d", |it, a| pt3d_get(it, a, 4)),
        ("pt3dchange", pt3dchange),
        ("pt3dinsert", pt3dinsert),
        ("pt3dremove", |it, a| {
            let s = it.cur_sec()?;
            let i = num(it, a, 0)? as usize;
            let m = &mut it.eng.model;
            let sec = m.sec_mut(s);
            if i >= sec.pt3d.len() {
                return Err(hoc_err!("pt3dremove: index {i} out of range"));
            }
            sec.pt3d.remove(i);
            sec.recompute_arc();
            m.mark_geometry();
            Ok(Value::Num(0.0))
        }),
        ("pt3dstyle", |it, a| {
            let s = it.cur_sec()?;
            let style = opt_num(it, a, 0)?;
            let m = &mut it.eng.model;
            match style {
                Some(x) if x != 0.0 => {
                    let p = [num(it, a, 1)? as f32, num(it, a, 2)? as f32, num(it, a, 3)? as f32];
                    it.eng.model.sec_mut(s).logical_connection = Some(p);
                    Ok(Value::Num(1.0))
                }
                Some(_) => {
                    m.sec_mut(s).logical_connection = None;
                    Ok(Value::Num(0.0))
                }
                None => Ok(Value::Num(m.sec(s).logical_connection.is_some() as i32 as f64)),
            }
        }),
        ("secname", |it, _| {
            let s = it.cur_sec()?;
            Ok(Value::Str(it.sec_name(s).into()))
        }),
        ("pt3dconst", |it, a| {
            let old = it.eng.model.pt3dconst;
            if !a.is_empty() {
                it.eng.model.pt3dconst = crate::builtins::chkarg(it, a, 0, 0.0, 1.0)? != 0.0;
            }
            Ok(Value::Num(old as i32 as f64))
        }),
        ("sectionname", |it, a| {
            // sectionname(strdef[, style]): the current section's name.
            let out = str_ref(a, 0)?;
            if a.len() > 1 {
                chkarg(it, a, 1, 0.0, 1.0)?;
            }
            let s = it.cur_sec()?;
            *out.borrow_mut() = it.sec_name(s);
            Ok(Value::Num(1.0))
        }),
        ("issection", |it, a| {
            let pat = string(a, 0)?;
            let s = it.cur_sec()?;
            let name = it.sec_name(s);
            let rx = crate::engine::sections::section_regex(&pat)?;
            Ok(Value::Num(rx.is_match(&name) as i32 as f64))
        }),
        ("ion_style", |it, a| {
            // ion_style("x_ion"[, c_style, e_style, einit, eadvance, cinit])
            let name = string(a, 0)?;
            let s = it.cur_sec()?;
            let Some(ion) = it.ion_named(&name) else {
                return Err(hoc_err!("{name} is not an ion"));
            };
            let set = if a.len() >= 6 {
                let n = |i: usize| -> HResult<u32> { Ok(crate::builtins::num(it, a, i)? as u32) };
                let (c, e, einit, eadv, cinit) = (n(1)?, n(2)?, n(3)?, n(4)?, n(5)?);
                Some((c & 3) + 4 * (cinit & 1) + 8 * (e & 3) + 32 * (einit & 1) + 64 * (eadv & 1))
            } else {
                None
            };
            Ok(Value::Num(it.eng.model.ion_style(s, ion, set).map_or(-1.0, |st| (st & 0o777) as f64)))
        }),
        // One process, no MPI: nothing to start; NEURON returns 0.
        ("nrnmpi_init", |_, _| Ok(Value::Num(0.0))),
        ("nrn_load_dll", |it, a| {
            let lib = std::path::PathBuf::from(string(a, 0)?);
            let dir = super::mod_dir_of_library(&lib);
            match super::load_mod_dir(it, &dir) {
                Ok(_) => Ok(Value::Num(1.0)),
                Err(e) => Err(hoc_err!("nrn_load_dll: {e}")),
            }
        }),
        ("ismembrane", |it, a| {
            let name = string(a, 0)?;
            let s = it.cur_sec()?;
            if let Some(ion) = it.ion_named(&name) {
                return Ok(Value::Num(it.eng.model.ion_present(s, ion) as i32 as f64));
            }
            let m = &it.eng.model;
            Ok(Value::Num(m.mech_index(&name).is_some_and(|k| m.is_inserted(s, k)) as i32 as f64))
        }),
        ("nlayer_extracellular", nlayer_extracellular),
        ("section_orientation", |it, _| {
            let s = it.cur_sec()?;
            Ok(Value::Num(it.eng.model.sec(s).orientation))
        }),
        ("parent_connection", |it, _| {
            let s = it.cur_sec()?;
            Ok(Value::Num(it.eng.model.sec(s).parent.map(|p| p.1).unwrap_or(0.0)))
        }),
        ("delete_section", |it, _| {
            let s = it.cur_sec()?;
            it.delete_section(s);
            Ok(Value::Num(0.0))
        }),
        ("disconnect", |it, _| {
            let s = it.cur_sec()?;
            it.eng.model.disconnect(s);
            Ok(Value::Num(0.0))
        }),
        ("topology", topology),
        ("pop_section", |it, _| {
            it.eng.sec_stack.pop();
            Ok(Value::Num(1.0))
        }),
        ("push_section", |it, a| {
            let name = string(a, 0)?;
            let s = it.all_sections().into_iter().find(|&s| it.sec_name(s) == name).ok_or_else(|| hoc_err!("push_section: {name} not a section"))?;
            it.eng.sec_stack.push(s);
            Ok(Value::Num(1.0))
        }),
        ("lambda_f", lambda_f),
        ("define_shape", |it, _| {
            it.eng.model.define_shape();
            Ok(Value::Num(1.0))
        }),
        ("psection", psection),
    ];
    for (n, f) in fs {
        it.define_builtin(n, *f);
    }
}

/// Sets L; a section with 3-D points has them scaled about the first point.
pub fn set_length(m: &mut Model, sec: SecId, l: f64) {
    let s = m.sec_mut(sec);
    if s.pt3d.len() > 1 {
        // NEURON's nrn_length_change: points stretched from the first in
        // double precision (stored as float), arc lengths scaled, not recomputed
        let fac = l / s.length();
        let p0 = s.pt3d[0];
        let stretch = |a: f32, a0: f32| (a0 as f64 + (a as f64 - a0 as f64) * fac) as f32;
        for p in s.pt3d.iter_mut().skip(1) {
            p.x = stretch(p.x, p0.x);
            p.y = stretch(p.y, p0.y);
            p.z = stretch(p.z, p0.z);
        }
        for a in s.arc.iter_mut() {
            *a *= fac;
        }
    }
    s.l = l;
    m.mark_geometry();
}

/// Sets the diameter of some segments; 3-D diameters become per-segment constants.
pub fn set_diam(m: &mut Model, sec: SecId, segs: &[usize], d: f64) {
    let s = m.sec_mut(sec);
    for &j in segs {
        s.diam[j] = d;
    }
    if s.pt3d.len() > 1 {
        let l = s.length();
        let nseg = s.nseg;
        for i in 0..s.pt3d.len() {
            let x = s.arc[i] / l;
            let j = ((x * nseg as f64) as usize).min(nseg - 1);
            s.pt3d[i].d = s.diam[j] as f32;
        }
    }
    m.mark_geometry();
}

fn pt3dadd(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let s = it.cur_sec()?;
    let p = Pt3d { x: num(it, a, 0)? as f32, y: num(it, a, 1)? as f32, z: num(it, a, 2)? as f32, d: num(it, a, 3)? as f32 };
    let m = &mut it.eng.model;
    let sec = m.sec_mut(s);
    sec.pt3d.push(p);
    sec.recompute_arc();
    m.mark_geometry();
    Ok(Value::Num(1.0))
}

fn pt3dchange(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let s = it.cur_sec()?;
    let i = num(it, a, 0)? as usize;
    let vals: Vec<f64> = (1..a.len()).map(|k| num(it, a, k)).collect::<HResult<_>>()?;
    let m = &mut it.eng.model;
    let sec = m.sec_mut(s);
    if i >= sec.pt3d.len() {
        return Err(hoc_err!("pt3dchange: index {i} out of range"));
    }
    match vals.len() {
        1 => sec.pt3d[i].d = vals[0] as f32,
        4 => sec.pt3d[i] = Pt3d { x: vals[0] as f32, y: vals[1] as f32, z: vals[2] as f32, d: vals[3] as f32 },
        _ => return Err(hoc_err!("pt3dchange: needs 2 or 5 arguments")),
    }
    sec.recompute_arc();
    m.mark_geometry();
    Ok(Value::Num(0.0))
}

fn pt3dinsert(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let s = it.cur_sec()?;
    let i = num(it, a, 0)? as usize;
    let p = Pt3d { x: num(it, a, 1)? as f32, y: num(it, a, 2)? as f32, z: num(it, a, 3)? as f32, d: num(it, a, 4)? as f32 };
    let m = &mut it.eng.model;
    let sec = m.sec_mut(s);
    if i > sec.pt3d.len() {
        return Err(hoc_err!("pt3dinsert: index {i} out of range"));
    }
    sec.pt3d.insert(i, p);
    sec.recompute_arc();
    m.mark_geometry();
    Ok(Value::Num(0.0))
}

fn pt3d_get(it: &mut Interp, a: &[Value], what: usize) -> HResult<Value> {
    let s = it.cur_sec()?;
    let i = num(it, a, 0)?;
    let sec = it.eng.model.sec(s);
    let k = i as i64;
    if k < 0 || k as usize >= sec.pt3d.len() {
        return Err(hoc_err!("range error: 3-D point index {k}, n3d() = {}", sec.pt3d.len()));
    }
    let p = sec.pt3d[k as usize];
    Ok(Value::Num(match what {
        0 => p.x as f64,
        1 => p.y as f64,
        2 => p.z as f64,
        3 => p.d as f64,
        _ => sec.arc[k as usize],
    }))
}

/// `distance()` sets the origin at the current section's 0 end (or `distance(0, x)`);
/// `distance(x)` returns the path length to x of the current section.
/// `distance(seg1, seg2)` (segments from Python) returns the path length between them.
fn distance(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    match a.len() {
        0 => {
            let s = it.cur_sec()?;
            it.eng.distance_origin = Some((s, 0.0));
            Ok(Value::Num(0.0))
        }
        1 => {
            let loc = it.seg_or_x(a, 0)?;
            let origin = it.eng.distance_origin.ok_or_else(|| hoc_err!("distance: origin not set"))?;
            Ok(Value::Num(path_distance(&mut it.eng.model, origin, loc)))
        }
        _ => {
            let loc = it.seg_or_x(a, 1)?;
            if let Value::Obj(_) = a[0] {
                let origin = it.seg_or_x(a, 0).map_err(|_| hoc_err!("Distance origin not valid."))?;
                return Ok(Value::Num(path_distance(&mut it.eng.model, origin, loc)));
            }
            if num(it, a, 0)? == 0.0 {
                // NEURON returns the origin's position
                it.eng.distance_origin = Some(loc);
                Ok(Value::Num(loc.1))
            } else {
                let origin = it.eng.distance_origin.ok_or_else(|| hoc_err!("distance: origin not set"))?;
                Ok(Value::Num(path_distance(&mut it.eng.model, origin, loc)))
            }
        }
    }
}

/// Position of the node x maps to along its section (µm from the 0 end).
fn node_pos(m: &Model, s: SecId, x: f64) -> f64 {
    let sec = m.sec(s);
    let l = sec.length();
    let x = sec.node_x(x);
    if x <= 0.0 {
        0.0
    } else if x >= 1.0 {
        l
    } else {
        (((sec.nseg as f64 * x) as usize).min(sec.nseg - 1) as f64 + 0.5) / sec.nseg as f64 * l
    }
}

/// Path length between two locations, snapping to nodes as NEURON does.
pub fn path_distance(m: &mut Model, a: (SecId, f64), b: (SecId, f64)) -> f64 {
    // Distance of each location from its root, via parents.
    let chain = |m: &Model, (s, x): (SecId, f64)| -> Vec<(SecId, f64)> {
        let mut out = vec![(s, node_pos(m, s, x))];
        let mut cur = s;
        while let Some((p, px)) = m.sec(cur).parent {
            let pos = node_pos(m, p, px);
            // A child at the parent's 0 end continues to the grandparent.
            out.push((p, pos));
            cur = p;
        }
        out
    };
    let ca = chain(m, a);
    let cb = chain(m, b);
    // Find the lowest common section.
    for (i, &(sa, pa)) in ca.iter().enumerate() {
        if let Some(j) = cb.iter().position(|&(sb, _)| sb == sa) {
            let pb = cb[j].1;
            let mut d = (pa - pb).abs();
            for &(_, p) in &ca[..i] {
                d += p;
            }
            for &(_, p) in &cb[..j] {
                d += p;
            }
            return d;
        }
    }
    1e20
}

fn lambda_f(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let freq = num(it, a, 0)?;
    let s = it.cur_sec()?;
    let sec = it.eng.model.sec(s);
    let (ra, cm) = (sec.ra, sec.cm[sec.seg_index(0.5)]);
    if sec.pt3d.len() < 2 {
        let diam = sec.diam[sec.seg_index(0.5)];
        return Ok(Value::Num(1e5 * (diam / (4.0 * std::f64::consts::PI * freq * ra * cm)).sqrt()));
    }
    let mut x1 = sec.arc[0];
    let mut d1 = sec.pt3d[0].d as f64;
    let mut lam = 0.0;
    for i in 1..sec.pt3d.len() {
        let x2 = sec.arc[i];
        let d2 = sec.pt3d[i].d as f64;
        lam += (x2 - x1) / (d1 + d2).sqrt();
        x1 = x2;
        d1 = d2;
    }
    lam *= 2f64.sqrt() * 1e-5 * (4.0 * std::f64::consts::PI * freq * ra * cm).sqrt();
    Ok(Value::Num(sec.length() / lam))
}

// ---------------------------------------------------------------- simulation

/// `Vector.record` made while finitialize runs its handlers takes effect at
/// the next finitialize: NEURON sets its record lists up when it verifies
/// the structure, right after the type-3 handlers.
fn finitialize(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let r = finitialize_run(it, a);
    it.eng.finitializing = false;
    r
}

fn finitialize_run(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let v = opt_num(it, a, 0)?;
    it.free_dropped();
    it.sync_to_model();
    super::parallel::at_initialize(it)?;
    for p in &it.eng.point_vectors {
        if p.play {
            let times = crate::builtins::vector::with_vec(&p.vec, |v| v.data.clone())?;
            it.eng.model.data[p.mech].lists[p.inst as usize] = times;
        }
    }
    for obs in it.eng.observers.iter_mut() {
        obs.before_init(&mut it.eng.model);
        for (var, y, t) in obs.plays(&mut it.eng.model) {
            it.eng.plays.push(super::play::Play::with_values(var, y, t));
        }
    }
    for p in it.eng.point_vectors.iter_mut().filter(|p| !p.play) {
        p.flushed = 0;
        if let ObjData::Vector(v) = &mut *p.vec.data.borrow_mut() {
            v.data.clear();
        }
    }
    for r in &it.eng.netcon_records {
        let super::SpikeSink::Vectors { times, ids } = &r.sink else { continue };
        for v in std::iter::once(times).chain(ids.as_ref().map(|(v, _)| v)) {
            if let ObjData::Vector(v) = &mut *v.data.borrow_mut() {
                v.data.clear();
            }
        }
    }
    if let Some((m, k)) = it.eng.model.unset_pointer() {
        let mech = &it.eng.model.mechs[m];
        return Err(hoc_err!("{}: POINTER {} is not set (use setpointer)", mech.name(), mech.pointers()[k]));
    }
    // The geometry is brought up to date first: its errors stop finitialize.
    it.eng.model.ensure_lowered();
    if let Some(e) = it.eng.model.take_error() {
        return Err(hoc_err!("{e}"));
    }
    run_init_handlers(it, 3)?;
    let pending = std::mem::take(&mut it.eng.pending_records);
    it.eng.records.extend(pending);
    it.eng.finitializing = true;
    it.eng.statement_events.clear();
    let plays = &mut it.eng.plays;
    it.eng.model.finit_begin(v, &mut |m| {
        for p in plays.iter_mut() {
            p.init();
            p.deliver(m, 0.0);
        }
    });
    it.sync_from_model();
    super::play::run_hoc_plays(it)?;
    run_init_handlers(it, 0)?;
    // After the plays' values at t = 0 (they may drive b).
    super::linmod::sync_in(it)?;
    it.eng.model.finit_mechanisms();
    run_init_handlers(it, 1)?;
    it.eng.model.finit_end();
    super::linmod::sync_out(it);
    flush_spikes(it)?;
    it.sync_from_model();
    pass_printed(it)?;
    run_statement_events(it)?;
    record_init(it, true);
    let tstop = it.globals.get("tstop").map(|i| it.global_num(i)).unwrap_or(5.0);
    for obs in it.eng.observers.iter_mut() {
        obs.on_init(&it.eng.model, tstop);
    }
    observers_halt(it)?;
    // Under the variable step dt is the last step's size; samples follow
    // the plotting interval 1/steps_per_ms instead.
    let spm = it.globals.get("steps_per_ms").map(|i| it.global_num(i)).filter(|&x| x > 0.0);
    let asked = it.eng.observers.iter().find_map(|o| o.sample_interval());
    it.eng.observe_dt = match (asked, spm) {
        _ if !it.eng.model.cvode.active => it.eng.model.dt,
        (Some(every), _) => every,
        (None, Some(spm)) => 1.0 / spm,
        (None, None) => it.eng.model.dt,
    };
    it.eng.observe_k = 1;
    run_init_handlers(it, 2)?;
    Ok(Value::Num(1.0))
}

/// `batch_save()` forgets the variables batch_run writes;
/// `batch_save(&x, ...)` adds to them.
fn batch_save(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    if a.is_empty() {
        it.eng.batch_vars.clear();
    }
    for (k, v) in a.iter().enumerate() {
        match v {
            Value::Ptr(p) => it.eng.batch_vars.push(p.clone()),
            v => return Err(hoc_err!("batch_save: arg {} is a {}, not a pointer", k + 1, v.type_name())),
        }
    }
    Ok(Value::Num(1.0))
}

/// `batch_run(tstop, tstep[, "file"[, "comment"]])`: runs to tstop, and
/// writes the batch_save variables to the file every tstep (at the first
/// step past each tstep under the fixed step), as NEURON's does.
fn batch_run(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let tstop = chkarg(it, a, 0, 0.0, 1e20)?;
    let tstep = chkarg(it, a, 1, 0.0, 1e20)?;
    let file = if a.len() > 2 { Some(string(a, 2)?) } else { None };
    let comment = if a.len() > 3 { string(a, 3)? } else { String::new() };
    let mut out = match &file {
        Some(name) => {
            let f = std::fs::File::create(name).map_err(|_| hoc_err!("Couldn't open batch file {name}"))?;
            let mut w = std::io::BufWriter::new(f);
            let m = &it.eng.model;
            let head = format!("{comment}\nbatch_run from t = {} to {} in steps of {} with dt = {}\n", fmt_g(m.t, 6, false, false), fmt_g(tstop, 6, false, false), fmt_g(tstep, 6, false, false), fmt_g(m.dt, 6, false, false));
            std::io::Write::write_all(&mut w, head.as_bytes()).map_err(|e| hoc_err!("{name}: {e}"))?;
            Some(w)
        }
        None => None,
    };
    let write = |it: &mut Interp, out: &mut Option<std::io::BufWriter<std::fs::File>>| -> HResult<()> {
        let Some(w) = out else { return Ok(()) };
        let mut line = String::new();
        for k in 0..it.eng.batch_vars.len() {
            line.push(' ');
            line.push_str(&fmt_g(it.read_place(&it.eng.batch_vars[k])?, 6, false, false));
        }
        line.push('\n');
        std::io::Write::write_all(w, line.as_bytes()).map_err(|e| hoc_err!("batch_run: {e}"))
    };
    write(it, &mut out)?;
    if it.eng.model.cvode.active {
        while it.eng.model.t < tstop {
            let tout = it.eng.model.t + tstep;
            it.eng.model.queue.push(tout, cable::events::Event::Stop { id: u32::MAX });
            while it.eng.model.t < tout {
                fadvance(it, &[])?;
            }
            write(it, &mut out)?;
        }
    } else {
        let dt = it.eng.model.dt;
        let (tstep, tstop) = (tstep - dt / 4.0, tstop - dt / 4.0);
        let mut tnext = it.eng.model.t + tstep;
        while it.eng.model.t < tstop {
            fadvance(it, &[])?;
            if it.eng.model.t > tnext {
                write(it, &mut out)?;
                tnext = it.eng.model.t + tstep;
            }
            if it.globals.get("stoprun").is_some_and(|i| it.global_num(i) != 0.0) {
                break;
            }
        }
    }
    if let Some(mut w) = out {
        std::io::Write::flush(&mut w).map_err(|e| hoc_err!("batch_run: {e}"))?;
    }
    Ok(Value::Num(1.0))
}

/// `value`, or the error of the geometry update that produced it.
fn geometry_checked(it: &mut Interp, value: f64) -> HResult<Value> {
    match it.eng.model.take_geometry_error() {
        Some(e) => Err(crate::error::HocError::new(e)),
        None => Ok(Value::Num(value)),
    }
}

/// Stops the run when an observer asks it to.
fn observers_halt(it: &mut Interp) -> HResult<()> {
    match it.eng.observers.iter_mut().find_map(|o| o.halt()) {
        Some(why) => Err(crate::error::HocError::new(why)),
        None => Ok(()),
    }
}

/// The FInitializeHandlers of one type, oldest first (those still referenced).
fn run_init_handlers(it: &mut Interp, kind: i32) -> HResult<()> {
    it.eng.init_handlers.retain(|h| h.2.strong_count() > 0);
    let due: Vec<crate::foreign::Action> = it.eng.init_handlers.iter().filter(|h| h.0 == kind).map(|h| h.1.clone()).collect();
    for a in due {
        it.run_action(&a)?;
    }
    Ok(())
}

/// Statements of `cvode.event(t, "stmt")` delivered during the step: run
/// after it, at its end, as NEURON runs its HocEvents (under the variable
/// step the step ends at the event's time).
fn run_statement_events(it: &mut Interp) -> HResult<()> {
    if it.eng.model.fired.is_empty() {
        return Ok(());
    }
    let fired = std::mem::take(&mut it.eng.model.fired);
    for (id, _) in fired {
        let Some(a) = it.eng.statement_events.get(id as usize).cloned() else { continue };
        it.run_action(&a)?;
        // The statement may change the cell: the variable step starts afresh.
        it.eng.model.cvode.re_init();
    }
    it.sync_from_model();
    Ok(())
}

fn fcurrent(it: &mut Interp, _a: &[Value]) -> HResult<Value> {
    it.sync_to_model();
    it.eng.model.fcurrent();
    pass_printed(it)?;
    Ok(Value::Num(1.0))
}

/// Restarts the recordings at the current time. Those with their own
/// sample times take their first sample when the next step begins (their
/// event at this t is delivered then), so a script may still move `t`
/// (LFPy starts at a negative `tstart` this way) or change the state.
fn frecord_init(it: &mut Interp, _a: &[Value]) -> HResult<Value> {
    record_init(it, false);
    Ok(Value::Num(1.0))
}

/// Clears recording vectors and takes the samples at the current time (those
/// with their own sample times only if `discrete_now`, as at finitialize,
/// which delivers their events at once).
fn record_init(it: &mut Interp, discrete_now: bool) {
    let e = &mut it.eng;
    for r in e.records.iter_mut() {
        for v in std::iter::once(&r.vec).chain(&r.tvec) {
            if let ObjData::Vector(v) = &mut *v.data.borrow_mut() {
                v.data.clear();
            }
        }
        r.next = e.model.t;
        r.next_index = 0;
    }
    let model = &e.model;
    // Under the variable step the first fadvance takes the sample at t = 0.
    if !model.cvode.active {
        sample(&mut e.records, model, false, model.t);
    }
    if discrete_now {
        sample(&mut e.records, model, true, model.t);
    }
}

/// Samples recordings: every step (`discrete` false), or those with their
/// own sample times that fall due by `until` (NEURON delivers them as events
/// at the start of the next step, so the state is the one at `m.t`).
fn sample(records: &mut [Recording], m: &Model, discrete: bool, until: f64) {
    let mut t_taken: Vec<*const ()> = Vec::new();
    for r in records.iter_mut() {
        let due = match (&r.times, r.every, discrete) {
            (Some(times), _, true) => times.get(r.next_index).is_some_and(|&t| t <= until),
            (None, Some(_), true) => r.next <= until,
            (None, None, false) => true,
            _ => false,
        };
        if !due {
            continue;
        }
        // A record of t at its own interval takes its event's time, as NEURON's does.
        let x = match (&r.var, r.every, discrete) {
            (Var::T, Some(_), true) => Some(r.next),
            _ => m.read_var(&r.var),
        };
        push_sample(r, x, m.t, &mut t_taken);
        if let Some(dt) = r.every {
            r.next += dt;
        }
    }
}

/// One sample of a recording: the value (if it has one) onto its Vector,
/// the time onto its time Vector unless a recording sharing that Vector
/// has already put it there in this round.
fn push_sample(r: &mut Recording, x: Option<f64>, t: f64, t_taken: &mut Vec<*const ()>) {
    if let Some(x) = x {
        if let ObjData::Vector(v) = &mut *r.vec.data.borrow_mut() {
            v.data.push(x);
        }
    }
    if let Some(tv) = &r.tvec {
        let key = std::rc::Rc::as_ptr(tv) as *const ();
        if !t_taken.contains(&key) {
            t_taken.push(key);
            if let ObjData::Vector(v) = &mut *tv.data.borrow_mut() {
                v.data.push(t);
            }
        }
    }
    r.next_index += 1;
}

/// The earliest sample time of a recording with given times, if due by `until`.
fn next_due(records: &[Recording], until: f64) -> Option<f64> {
    records
        .iter()
        .filter_map(|r| match (&r.times, r.every) {
            (Some(times), _) => times.get(r.next_index).copied(),
            (None, Some(_)) => Some(r.next),
            _ => None,
        })
        .filter(|&t| t <= until)
        .min_by(|a, b| a.total_cmp(b))
}

/// Samples the recordings of one cell of the local variable step at its
/// time t: those taken at every step whose variable is in the cell.
fn sample_cell(records: &mut [Recording], m: &Model, cell: u32, t: f64) {
    let mut t_taken: Vec<*const ()> = Vec::new();
    for r in records.iter_mut() {
        if r.times.is_some() || r.every.is_some() || m.var_cell(&r.var) != Some(cell) {
            continue;
        }
        let x = m.read_var(&r.var);
        push_sample(r, x, t, &mut t_taken);
    }
}

/// `fadvance()` (tout None) or `CVode.solve(tout)` under the local
/// variable step; `CVode.event` statements run as they fall due.
fn local_advance(it: &mut Interp, tout: Option<f64>) -> HResult<()> {
    it.free_dropped();
    it.sync_to_model();
    loop {
        let e = &mut it.eng;
        let records = &mut e.records;
        let mut rec = |m: &Model, c: u32, t: f64| sample_cell(records, m, c, t);
        let r = match tout {
            Some(tout) => e.model.local_solve(tout, &mut rec),
            None => {
                e.model.local_fadvance(&mut rec);
                cable::lvardt::Solved::Done
            }
        };
        flush_spikes(it)?;
        it.sync_from_model();
        pass_printed(it)?;
        let fired = std::mem::take(&mut it.eng.model.fired);
        for (id, _) in fired {
            let Some(a) = it.eng.statement_events.get(id as usize).cloned() else { continue };
            it.run_action(&a)?;
        }
        it.sync_to_model();
        let stopped = it.globals.get("stoprun").is_some_and(|i| it.global_num(i) != 0.0);
        if r != cable::lvardt::Solved::Statement || stopped {
            break;
        }
    }
    it.sync_from_model();
    Ok(())
}

pub(crate) fn fadvance(it: &mut Interp, _a: &[Value]) -> HResult<Value> {
    if it.eng.model.cvode.active && it.eng.model.local.on {
        local_advance(it, None)?;
        return Ok(Value::Num(1.0));
    }
    it.free_dropped();
    it.sync_to_model();
    super::parallel::check_step(it)?;
    let e = &mut it.eng;
    let records = &mut e.records;
    // Under the variable step a step play's time is a discontinuity: the
    // integrator stops just short of it, and the value changes there.
    let until = if e.model.cvode.active {
        let t = e.model.t;
        e.model.cvode.external_stop = e.plays.iter().filter_map(|p| p.next_step_time()).filter(|&te| te > t).min_by(|a, b| a.total_cmp(b));
        t + 2.0 * cable::cvode::at_margin(t)
    } else {
        e.model.t + 0.5 * e.model.dt
    };
    if !e.model.cvode.active {
        sample(records, &e.model, true, until);
    }
    for p in e.plays.iter_mut() {
        p.deliver(&mut e.model, until);
    }
    if e.plays.iter().any(|p| !p.due.is_empty()) {
        super::play::run_hoc_plays(it)?;
    }
    let e = &mut it.eng;
    let records = &mut e.records;
    let plays = &mut e.plays;
    // LinearMechanisms read their c, g and b now, after the plays (which
    // may drive b's elements), and again after each continuous play.
    super::linmod::sync_in_links(&e.linmods, &mut e.model)?;
    let links = &e.linmods;
    e.model.fadvance(
        &mut |m| {
            for p in plays.iter_mut() {
                let t = m.t;
                p.set_continuous(m, t);
            }
            let _ = super::linmod::sync_b(links, m);
        },
        &mut |m| sample(records, m, false, m.t),
    );
    // Play events due by the new t, as NEURON delivers every event at the
    // end of a fixed step (after the records).
    if !e.model.cvode.active {
        let t1 = e.model.t;
        for p in e.plays.iter_mut() {
            p.deliver(&mut e.model, t1);
        }
    }
    if it.eng.plays.iter().any(|p| !p.due.is_empty()) {
        it.sync_from_model();
        super::play::run_hoc_plays(it)?;
    }
    // Samples due by the new t are taken now, as NEURON delivers its record
    // events at the end of the step (the last one of a run included); under
    // the variable step at their own times, from the interpolated solution.
    if it.eng.model.cvode.active {
        let e = &mut it.eng;
        let t1 = e.model.t;
        let mut moved = false;
        while let Some(ts) = next_due(&e.records, t1) {
            if ts == t1 || !e.model.cvode_set_time(ts) {
                break;
            }
            moved = true;
            sample(&mut e.records, &e.model, true, ts);
        }
        if moved {
            e.model.cvode_set_time(t1);
        }
    }
    let m = &it.eng.model;
    sample(&mut it.eng.records, m, true, m.t);
    let e = &mut it.eng;
    if e.model.cvode.active && e.observers.iter().any(|o| o.samples_state()) {
        // Regular samples, from the interpolated solution, as under the fixed step.
        let t1 = e.model.t;
        let mut moved = false;
        loop {
            let ts = e.observe_k as f64 * e.observe_dt;
            if ts > t1 + 1e-9 * e.observe_dt {
                break;
            }
            if ts < t1 {
                if !e.model.cvode_set_time(ts) {
                    break;
                }
                moved = true;
            } else if moved {
                e.model.cvode_set_time(t1);
                moved = false;
            }
            for obs in e.observers.iter_mut().filter(|o| o.samples_state()) {
                obs.on_step(&e.model);
            }
            e.observe_k += 1;
        }
        if moved {
            e.model.cvode_set_time(t1);
        }
        for obs in e.observers.iter_mut().filter(|o| !o.samples_state()) {
            obs.on_step(&e.model);
        }
    } else {
        for obs in e.observers.iter_mut() {
            obs.on_step(&e.model);
        }
    }
    observers_halt(it)?;
    if !it.eng.linmods.is_empty() {
        super::linmod::sync_out(it);
    }
    flush_spikes(it)?;
    it.sync_from_model();
    pass_printed(it)?;
    run_statement_events(it)?;
    Ok(Value::Num(1.0))
}

/// Passes text the mechanisms printed (NMODL printf) on to HOC's output,
/// then stops with the error a mechanism reported, if any.
fn pass_printed(it: &mut Interp) -> HResult<()> {
    if !it.eng.model.out.is_empty() {
        let text = std::mem::take(&mut it.eng.model.out);
        it.write_out(&text)?;
    }
    match it.eng.model.take_error() {
        Some(e) => Err(hoc_err!("{e}")),
        None => Ok(()),
    }
}

/// Moves spike times NetCons and APCounts recorded into their HOC vectors.
fn flush_spikes(it: &mut Interp) -> HResult<()> {
    let e = &mut it.eng;
    for p in e.point_vectors.iter_mut().filter(|p| !p.play) {
        let src = &e.model.data[p.mech].lists[p.inst as usize];
        if let (Some(new), ObjData::Vector(v)) = (src.get(p.flushed..), &mut *p.vec.data.borrow_mut()) {
            v.data.extend_from_slice(new);
        }
        p.flushed = src.len();
    }
    let mut actions = Vec::new();
    for (t, nc) in e.model.spikes.drain(..) {
        let Ok(i) = e.netcon_records.binary_search_by_key(&(nc as usize), |r| r.nc) else { continue };
        match &e.netcon_records[i].sink {
            super::SpikeSink::Vectors { times, ids } => {
                if let ObjData::Vector(v) = &mut *times.data.borrow_mut() {
                    v.data.push(t);
                }
                if let Some((ids, id)) = ids {
                    if let ObjData::Vector(v) = &mut *ids.data.borrow_mut() {
                        v.data.push(*id);
                    }
                }
            }
            super::SpikeSink::Action(a) => actions.push((t, a.clone())),
        }
    }
    run_spike_actions(it, actions)
}

/// What `nc.record(stmt)` runs for each spike, with t the spike time.
fn run_spike_actions(it: &mut Interp, actions: Vec<(f64, crate::foreign::Action)>) -> HResult<()> {
    if actions.is_empty() {
        return Ok(());
    }
    let t_sym = it.eng.clock.t;
    let t_end = it.global_num(t_sym);
    for (t, a) in actions {
        it.gslots[t_sym as usize] = crate::value::Slot::Num(t);
        let r = it.run_action(&a);
        it.gslots[t_sym as usize] = crate::value::Slot::Num(t_end);
        r?;
    }
    it.sync_to_model();
    Ok(())
}

/// `vec.record(&var [, Dt | tvec])`, `vec.play(...)`.
pub fn vector_record(it: &mut Interp, o: &ObjRef, name: &str, a: &[Value]) -> HResult<Value> {
    match name {
        "play" => return vector_play(it, o, a),
        "play_remove" => {
            it.eng.plays.retain(|p| !p.src.as_ref().is_some_and(|s| std::rc::Rc::ptr_eq(s, o)));
            it.eng.records.retain(|r| !std::rc::Rc::ptr_eq(&r.vec, o));
            it.eng.pending_records.retain(|r| !std::rc::Rc::ptr_eq(&r.vec, o));
            return Ok(Value::Num(1.0));
        }
        _ => {}
    }
    let var = match a.first() {
        Some(Value::Ptr(Place::Engine(v))) => *v,
        Some(Value::Ptr(Place::Global(i, _))) if it.globals.syms[*i as usize].name.as_ref() == "t" => Var::T,
        // A variable of the program: recorded through its mirror cell.
        Some(Value::Ptr(p @ (Place::Global(..) | Place::Field(..) | Place::VecElem(..) | Place::Proto(..)))) => Var::Cell(it.pointer_cell(p.clone())?),
        Some(v) => return Err(hoc_err!("Vector.record: can't record a {}", v.type_name())),
        None => return Err(hoc_err!("Vector.record: needs a pointer")),
    };
    let (every, times) = match a.get(1) {
        Some(Value::Num(dt)) => (Some(*dt), None),
        Some(Value::Obj(Some(tv))) => (None, Some(crate::builtins::vector::with_vec(tv, |v| v.data.clone())?)),
        _ => (None, None),
    };
    it.eng.records.retain(|r| !std::rc::Rc::ptr_eq(&r.vec, o));
    it.eng.pending_records.retain(|r| !std::rc::Rc::ptr_eq(&r.vec, o));
    let r = Recording { var, vec: o.clone(), every, next: 0.0, times, next_index: 0, tvec: None };
    if it.eng.finitializing {
        it.eng.pending_records.push(r);
    } else {
        it.eng.records.push(r);
    }
    Ok(Value::Obj(Some(o.clone())))
}

/// `vsrc.play(&var, Dt | tvec [, continuous])`.
fn vector_play(it: &mut Interp, o: &ObjRef, a: &[Value]) -> HResult<Value> {
    let mut elem = None;
    let mut hoc = None;
    let var = match a.first() {
        Some(Value::Ptr(Place::Engine(v))) => *v,
        Some(Value::Ptr(Place::VecElem(v, k))) => {
            elem = Some((v.clone(), *k));
            Var::T
        }
        Some(Value::Ptr(p @ (Place::Global(..) | Place::Field(..)))) => {
            hoc = Some(super::play::HocTarget::Place(p.clone()));
            Var::T
        }
        Some(s @ (Value::Str(_) | Value::SRef(_))) => {
            let text = super::play::stmt_text(&crate::builtins::value_str(s));
            hoc = Some(super::play::HocTarget::Stmt(it.parse_text("Vector.play", text.into())?));
            Var::T
        }
        Some(v) => return Err(hoc_err!("Vector.play: can't play into a {}", v.type_name())),
        None => return Err(hoc_err!("Vector.play: needs a pointer")),
    };
    let (tvec, every) = match a.get(1) {
        Some(Value::Num(dt)) => (None, *dt),
        Some(Value::Obj(Some(tv))) => (Some(tv.clone()), 0.0),
        _ => (None, it.eng.model.dt),
    };
    let continuous = opt_num(it, a, 2)?.is_some_and(|c| c != 0.0);
    if continuous && tvec.is_none() {
        return Err(hoc_err!("Vector.play: continuous play needs a time vector"));
    }
    it.eng.plays.retain(|p| !p.src.as_ref().is_some_and(|s| std::rc::Rc::ptr_eq(s, o)));
    let mut play = super::play::Play::new(var, o.clone(), tvec, every, continuous);
    play.elem = elem;
    play.hoc = hoc;
    it.eng.plays.push(play);
    Ok(Value::Obj(Some(o.clone())))
}

// ---------------------------------------------------------------- printing

/// The node index NEURON's topology() indents a child by: -1 at 0, nseg at 1.
fn node_index_exact(m: &Model, s: SecId, x: f64) -> i64 {
    let sec = m.sec(s);
    let x = sec.node_x(x);
    if x <= 0.0 {
        -1
    } else if x >= 1.0 {
        sec.nseg as i64
    } else {
        sec.seg_index(x) as i64
    }
}

fn topology(it: &mut Interp, _a: &[Value]) -> HResult<Value> {
    it.free_dropped();
    fn dashes(m: &Model, s: SecId, offset: i64, first: char, out: &mut String) {
        let sec = m.sec(s);
        let o = sec.orientation as i32;
        out.push_str(&" ".repeat(offset.max(0) as usize));
        out.push(first);
        out.push_str(&"-".repeat(sec.nseg.saturating_sub(1)));
        if sec.rallbranch == 1.0 {
            out.push_str(&format!("|       {}({}-{})\n", sec.name, o, 1 - o));
        } else {
            out.push_str(&format!("|       {}({}-{}) with {} rall branches\n", sec.name, o, 1 - o, fmt_g(sec.rallbranch, 6, false, false)));
        }
        // Children from the far end back; at one position, oldest first.
        for c in child_list(m, s).into_iter().rev() {
            let i = node_index_exact(m, s, m.sec(c).parent.unwrap().1);
            out.push(' ');
            dashes(m, c, i + offset + 1, '`', out);
        }
    }
    let m = &it.eng.model;
    let mut out = String::from("\n");
    for s in it.all_sections() {
        if m.sec(s).parent.is_none() {
            out.push('|');
            dashes(m, s, 0, '-', &mut out);
        }
    }
    out.push('\n');
    it.write_out(&out)?;
    Ok(Value::Num(1.0))
}

/// `nlayer_extracellular([n])`: the number of extracellular layers, set
/// while no section has the mechanism.
fn nlayer_extracellular(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let Some(m) = it.eng.model.ext_mech else { return Ok(Value::Num(0.0)) };
    if !a.is_empty() {
        let n = num(it, a, 0)?;
        if !(1.0..=1000.0).contains(&n) {
            return Err(hoc_err!("nlayer_extracellular arg out of range"));
        }
        let n = n as usize;
        if n != it.eng.model.ext.nlayer {
            let model = &it.eng.model;
            if (0..model.sections.len()).any(|s| model.exists(s) && model.is_inserted(s, m)) {
                return Err(hoc_err!("Cannot change nlayer_extracellular when instances exist"));
            }
            super::add_mechanism(it, Box::new(cable::extracellular::Extracellular::new(n)));
        }
    }
    Ok(Value::Num(it.eng.model.ext.nlayer as f64))
}

fn psection(it: &mut Interp, _a: &[Value]) -> HResult<Value> {
    let s = it.cur_sec()?;
    it.eng.model.ensure_lowered();
    let m = &it.eng.model;
    let sec = m.sec(s);
    let g = |x: f64| fmt_g(x, 6, false, false);
    let mut out = format!("{} {{ nseg={}  L={}  Ra={}\n", sec.name, sec.nseg, g(sec.length()), g(sec.ra));
    let morph = format!("\tinsert morphology {{ diam={}}}\n", g(sec.diam[0]));
    let cap = format!("\tinsert capacitance {{ cm={}}}\n", g(sec.cm[0]));
    match sec.parent {
        Some((p, x)) => {
            out.push_str(&format!("\t{} connect {} ({}), {}\n", m.sec(p).name, sec.name, g(sec.orientation), g(x)));
        }
        None => {
            let cell = m.roots_in_order().iter().position(|&r| r == s).unwrap_or(0);
            out.push_str(&format!("\t/*location 0 attached to cell {cell}*/\n"));
        }
    }
    out.push_str("\t/* First segment only */\n");
    // the first node's property list, in the order NEURON's history left it
    let mut list: Vec<cable::section::PropTag> = sec.props.first().cloned().unwrap_or_default();
    list.reverse();
    for &ion in &m.ion_in[s] {
        if !list.contains(&cable::section::PropTag::Ion(ion)) {
            list.push(cable::section::PropTag::Ion(ion));
        }
    }
    // an ion lists what its style makes a parameter (1): the reversal
    // potential, or the concentrations
    let ion_line = |ion: usize| {
        use cable::ion::IonField;
        let name = &m.ion_types[ion].name;
        let x = sec.centers()[0];
        let node = m.sec_nodes.get(s).and_then(|n| n.first()).map(|&n| n as usize);
        let now = node.and_then(|n| m.ions.get(ion).and_then(|i| i.style.get(n)).copied()).unwrap_or(0);
        let seen = m.ion_style_seen.get(&(s, ion)).copied().unwrap_or(0);
        let style = cable::ion::style::promote(now, seen & 0o3, (seen & 0o30) >> 3);
        let read = |f: IonField| m.read_var(&cable::model::Var::Ion { ion, field: f, sec: s, x });
        let mut line = format!("\tinsert {name}_ion {{");
        if (style & 0o30) >> 3 == 1 {
            let e = read(IonField::Erev).unwrap_or(m.ion_types[ion].erev0);
            line.push_str(&format!(" e{name}={}", g(e)));
        }
        if style & 0o3 == 1 {
            line.push_str(&format!(" {name}i={} {name}o={}", g(read(IonField::Ci).unwrap_or(0.0)), g(read(IonField::Co).unwrap_or(0.0))));
        }
        line.push_str("}\n");
        line
    };
    for tag in list {
        match tag {
            cable::section::PropTag::Morphology => out.push_str(&morph),
            cable::section::PropTag::Capacitance => out.push_str(&cap),
            cable::section::PropTag::Ion(ion) => {
                if m.ion_in[s].contains(&ion) {
                    out.push_str(&ion_line(ion));
                }
            }
            cable::section::PropTag::Point(mi, inst) => {
                if m.points[mi].get(inst as usize).and_then(|l| l.sec) != Some(s) {
                    continue;
                }
                let mech = &m.mechs[mi];
                out.push_str(&format!("\tinsert {} {{", mech.name()));
                for (k, v) in mech.vars().iter().enumerate() {
                    if v.kind == cable::mechanism::VarKind::Parameter && !v.hidden {
                        out.push_str(&format!(" {}={}", v.name, g(m.data[mi].cols[k][inst as usize])));
                    }
                }
                out.push_str("}\n");
            }
            cable::section::PropTag::Mech(mi) => {
                let Some(ins) = m.inserted[s].iter().find(|i| i.mech == mi) else { continue };
                let mech = &m.mechs[mi];
                out.push_str(&format!("\tinsert {} {{", mech.name()));
                for (k, v) in mech.vars().iter().enumerate() {
                    if v.kind != cable::mechanism::VarKind::Parameter {
                        continue;
                    }
                    // An array shows its element 0 under its own name.
                    let base = match v.name.split_once('[') {
                        None => v.name.as_str(),
                        Some((b, "0]")) => b,
                        Some(_) => continue,
                    };
                    let name = if mech.suffixed() { format!("{base}_{}", mech.name()) } else { base.to_string() };
                    out.push_str(&format!(" {name}={}", g(m.data[mi].cols[k][ins.inst[0] as usize])));
                }
                out.push_str("}\n");
            }
        }
    }
    out.push_str("}\n");
    it.write_out(&out)?;
    Ok(Value::Num(1.0))
}

// ---------------------------------------------------------------- SectionRef / SectionList

pub fn secref_method(it: &mut Interp, o: &ObjRef, name: &str, a: &[Value]) -> HResult<Option<Value>> {
    let s = with_secref(o, |r| r.sec)?;
    if name == "exists" {
        return Ok(Some(Value::Num(it.eng.model.exists(s) as i32 as f64)));
    }
    it.live(s)?;
    match name {
        "unname" => {
            it.unname_section(s);
            return Ok(Some(Value::Num(1.0)));
        }
        "rename" => {
            let new_name = string(a, 0)?;
            let (secs, array) = match a.get(1) {
                Some(Value::Obj(Some(l))) => {
                    let items: Vec<ObjRef> = match &*l.data.borrow() {
                        crate::object::ObjData::List(v) => v.clone(),
                        _ => return Err(hoc_err!("rename: the second argument must be a List of SectionRef")),
                    };
                    let mut secs = Vec::with_capacity(items.len());
                    for o in &items {
                        secs.push(with_secref(o, |r| r.sec)?);
                    }
                    (secs, true)
                }
                _ => (vec![s], false),
            };
            return Ok(Some(Value::Num(it.rename_sections(&new_name, &secs, array)?)));
        }
        _ => {}
    }
    let m = &it.eng.model;
    let v = match name {
        "sec" => Value::Sec(s),
        "parent" => match m.sec(s).parent {
            Some((p, _)) => Value::Sec(p),
            None => return Err(hoc_err!("SectionRef has no parent for  {}", m.sec(s).name)),
        },
        "trueparent" => {
            let mut cur = m.sec(s).parent;
            while let Some((p, x)) = cur {
                if x > 0.0 || m.sec(p).parent.is_none() {
                    break;
                }
                cur = m.sec(p).parent;
            }
            match cur {
                Some((p, _)) => Value::Sec(p),
                None => return Err(hoc_err!("SectionRef.trueparent: no parent")),
            }
        }
        "root" => {
            let mut cur = s;
            while let Some((p, _)) = m.sec(cur).parent {
                cur = p;
            }
            Value::Sec(cur)
        }
        "has_parent" => Value::Num(m.sec(s).parent.is_some() as i32 as f64),
        "has_trueparent" => Value::Num(m.sec(s).parent.is_some() as i32 as f64),
        "nchild" => Value::Num(child_list(m, s).len() as f64),
        "child" => {
            let i = num(it, a, 0)? as usize;
            let ch = child_list(&it.eng.model, s);
            Value::Sec(*ch.get(i).ok_or_else(|| hoc_err!("SectionRef.child: index {i} out of range"))?)
        }
        "is_cas" => Value::Num((it.cur_sec().ok() == Some(s)) as i32 as f64),
        "exists" => Value::Num(m.exists(s) as i32 as f64),
        _ => return Ok(None),
    };
    Ok(Some(v))
}

/// Children of a section, in NEURON's sibling order.
pub fn child_list(m: &Model, s: SecId) -> Vec<SecId> {
    let mut ch: Vec<SecId> = (0..m.sections.len()).filter(|&c| m.exists(c) && m.sec(c).parent.is_some_and(|(p, _)| p == s)).collect();
    ch.sort_by(|&a, &b| {
        let (sa, sb) = (m.sec(a), m.sec(b));
        sa.parent.unwrap().1.partial_cmp(&sb.parent.unwrap().1).unwrap().then(sb.serial.cmp(&sa.serial))
    });
    ch
}

fn subtree(m: &Model, s: SecId, out: &mut Vec<SecId>) {
    out.push(s);
    for c in child_list(m, s) {
        subtree(m, c, out);
    }
}

pub fn seclist_method(it: &mut Interp, o: &ObjRef, name: &str, a: &[Value]) -> HResult<Option<Value>> {
    let target = match a.first() {
        Some(Value::Sec(s)) => Some(*s),
        _ => None,
    };
    let sec = |it: &mut Interp| -> HResult<SecId> {
        match target {
            Some(s) => Ok(s),
            None => it.cur_sec(),
        }
    };
    let v = match name {
        "append" => {
            let s = sec(it)?;
            with_seclist(o, |l| l.secs.push(s))?;
            Value::Num(1.0)
        }
        "remove" => {
            if let Some(Value::Obj(Some(other))) = a.first() {
                let rm = super::classes::section_list_items(it, other)?;
                let n = with_seclist(o, |l| {
                    let before = l.secs.len();
                    l.secs.retain(|s| !rm.contains(s));
                    before - l.secs.len()
                })?;
                Value::Num(n as f64)
            } else {
                let s = sec(it)?;
                let n = with_seclist(o, |l| {
                    let before = l.secs.len();
                    l.secs.retain(|&x| x != s);
                    before - l.secs.len()
                })?;
                Value::Num(n as f64)
            }
        }
        "children" => {
            let s = sec(it)?;
            let ch = child_list(&it.eng.model, s);
            with_seclist(o, |l| l.secs.extend(ch))?;
            Value::Num(1.0)
        }
        "subtree" => {
            let s = sec(it)?;
            let mut out = Vec::new();
            subtree(&it.eng.model, s, &mut out);
            with_seclist(o, |l| l.secs.extend(out))?;
            Value::Num(1.0)
        }
        "wholetree" => {
            let mut s = sec(it)?;
            while let Some((p, _)) = it.eng.model.sec(s).parent {
                s = p;
            }
            let mut out = Vec::new();
            subtree(&it.eng.model, s, &mut out);
            with_seclist(o, |l| l.secs.extend(out))?;
            Value::Num(1.0)
        }
        "allroots" => {
            let roots: Vec<SecId> = it.all_sections().into_iter().filter(|&s| it.eng.model.sec(s).parent.is_none()).collect();
            with_seclist(o, |l| l.secs.extend(roots))?;
            Value::Num(1.0)
        }
        "unique" => {
            let n = with_seclist(o, |l| {
                let mut seen = std::collections::HashSet::new();
                let before = l.secs.len();
                l.secs.retain(|s| seen.insert(*s));
                before - l.secs.len()
            })?;
            Value::Num(n as f64)
        }
        "contains" => {
            let s = sec(it)?;
            Value::Num(with_seclist(o, |l| l.secs.contains(&s))? as i32 as f64)
        }
        "printnames" => {
            let secs = super::classes::section_list_items(it, o)?;
            let mut out = String::new();
            for s in secs {
                out.push_str(&it.sec_name(s));
                out.push('\n');
            }
            it.write_out(&out)?;
            Value::Num(1.0)
        }
        "size" => Value::Num(super::classes::section_list_items(it, o)?.len() as f64),
        _ => return Ok(None),
    };
    let _ = (object, value_str);
    Ok(Some(v))
}

// ---------------------------------------------------------------- CVode

/// Methods of the CVode object.
pub fn cvode_method(it: &mut Interp, name: &str, a: &[Value]) -> HResult<Option<Value>> {
    use crate::builtins::vector::with_vec;
    if name == "netconlist" {
        return Ok(Some(Value::Obj(Some(super::netconlist::netconlist(it, a)?))));
    }
    let v = match name {
        "active" => {
            let x = opt_num(it, a, 0)?;
            let m = &mut it.eng.model;
            if let Some(x) = x {
                let on = x != 0.0;
                if on != m.cvode.active {
                    m.cvode.active = on;
                    m.cvode.re_init();
                }
            }
            it.eng.model.cvode.active as i32 as f64
        }
        "atol" | "rtol" | "maxstep" | "minstep" => {
            let x = opt_num(it, a, 0)?;
            let cv = &mut it.eng.model.cvode;
            let field = match name {
                "atol" => &mut cv.atol,
                "rtol" => &mut cv.rtol,
                "maxstep" => &mut cv.maxstep,
                _ => &mut cv.minstep,
            };
            if let Some(x) = x {
                *field = x;
            }
            *field
        }
        "atolscale" => {
            let name = string(a, 0)?;
            let x = opt_num(it, a, 1)?;
            let cv = &mut it.eng.model.cvode;
            if let Some(x) = x {
                // NEURON keeps a symbol's tolerance scale in single precision.
                cv.atolscale.insert(name.to_string(), x as f32 as f64);
                cv.re_init();
            }
            cv.atolscale.get(name.as_ref() as &str).copied().unwrap_or(1.0)
        }
        "condition_order" => {
            if let Some(x) = opt_num(it, a, 0)? {
                it.eng.model.cvode.interpolate_thresholds = x >= 2.0;
            }
            if it.eng.model.cvode.interpolate_thresholds {
                2.0
            } else {
                1.0
            }
        }
        "re_init" => {
            it.sync_to_model();
            it.eng.model.cvode_re_init();
            if let Some(e) = it.eng.model.take_error() {
                return Err(hoc_err!("{e}"));
            }
            it.sync_from_model();
            0.0
        }
        "use_fast_imem" => {
            let before = it.eng.model.fast_imem as i32 as f64;
            if let Some(x) = opt_num(it, a, 0)? {
                it.eng.model.fast_imem = x != 0.0;
            }
            if a.is_empty() {
                before
            } else {
                0.0
            }
        }
        "maxorder" => {
            if let Some(x) = opt_num(it, a, 0)? {
                it.eng.model.cvode.maxorder = (x as usize).clamp(1, 5);
                it.eng.model.cvode.re_init();
            }
            it.eng.model.cvode.maxorder as f64
        }
        // Accepted: the one integrator is BDF with Newton on the whole cell.
        "use_local_dt" => {
            if let Some(x) = opt_num(it, a, 0)? {
                let m = &mut it.eng.model;
                m.ensure_lowered();
                // NEURON's local step is for models of ODEs alone.
                let on = x != 0.0 && m.is_ode_model();
                if on != m.local.on {
                    m.local.on = on;
                    m.local_forget();
                }
            }
            it.eng.model.local.on as i32 as f64
        }
        "cache_efficient" | "simgraph_remove" | "use_daspk" | "stiff" | "jacobian" | "use_long_double" | "use_mxb" => 0.0,
        // model type (0 none, 1 ODE) + 10 sparse + 100 method + 1000 local step
        "current_method" => {
            let m = &it.eng.model;
            let model = (0..m.sections.len()).any(|s| m.exists(s)) as i32;
            let method = if m.cvode.active { 3 } else { m.secondorder };
            let local = (m.cvode.active && m.local.on) as i32;
            (model + 100 * method + 1000 * local) as f64
        }
        "event" => {
            let mut t = num(it, a, 0)?;
            if !it.eng.model.cvode.active {
                // NEURON moves a time on the fixed step's grid a quarter step earlier.
                let dt = it.eng.model.dt;
                let y = t / dt;
                if y > 1.0 && ((y + 1e-6).floor() - y).abs() < 1e-6 {
                    t -= dt / 4.0;
                }
            }
            let id = match crate::foreign::Action::from_args(it, a, 1).map_err(|e| hoc_err!("CVode.event: {}", e.msg))? {
                None => u32::MAX,
                Some(action) => {
                    it.eng.statement_events.push(action);
                    (it.eng.statement_events.len() - 1) as u32
                }
            };
            it.eng.model.queue.push(t, cable::events::Event::Stop { id });
            t
        }
        "record" => {
            let var = match a.first() {
                Some(Value::Ptr(Place::Engine(v))) => *v,
                Some(Value::Ptr(Place::Global(i, _))) if it.globals.syms[*i as usize].name.as_ref() == "t" => Var::T,
                Some(v) => return Err(hoc_err!("CVode.record: can't record a {}", v.type_name())),
                None => return Err(hoc_err!("CVode.record: needs a pointer")),
            };
            let (Some(y), Some(tv)) = (object(a, 1)?, object(a, 2)?) else {
                return Err(hoc_err!("CVode.record(&var, yvec, tvec): needs two Vectors"));
            };
            it.eng.records.retain(|r| !std::rc::Rc::ptr_eq(&r.vec, &y));
            // A fourth argument 1: sample at the times tvec holds instead.
            if opt_num(it, a, 3)?.is_some_and(|x| x != 0.0) {
                let times = crate::builtins::vector::with_vec(&tv, |v| v.data.clone())?;
                it.eng.records.push(Recording { var, vec: y, every: None, next: 0.0, times: Some(times), next_index: 0, tvec: None });
            } else {
                it.eng.records.push(Recording { var, vec: y, every: None, next: 0.0, times: None, next_index: 0, tvec: Some(tv) });
            }
            0.0
        }
        "record_remove" => {
            match object(a, 0)? {
                Some(y) => it.eng.records.retain(|r| !std::rc::Rc::ptr_eq(&r.vec, &y)),
                None => it.eng.records.retain(|r| r.tvec.is_none()),
            }
            0.0
        }
        "statistics" => {
            let m = &it.eng.model;
            let s = &m.cvode.stats;
            let text = format!(
                "\nCvode instance {} equations\n   {} steps, {} function evaluations, {} Newton solves\n   {} error test failures, {} convergence failures\n",
                m.cvode.neq(),
                s.steps,
                s.rhs_evals,
                s.solves,
                s.error_test_failures,
                s.convergence_failures
            );
            it.write_out(&text)?;
            0.0
        }
        "solve" => {
            let tout = opt_num(it, a, 0)?;
            match tout {
                None => {
                    fadvance(it, &[])?;
                }
                Some(tout) if it.eng.model.cvode.active && it.eng.model.local.on => {
                    local_advance(it, Some(tout))?;
                }
                Some(tout) => {
                    it.eng.model.queue.push(tout, cable::events::Event::Stop { id: u32::MAX });
                    while it.eng.model.t < tout {
                        fadvance(it, &[])?;
                    }
                }
            }
            0.0
        }
        "states" | "dstates" => {
            let Some(vec) = object(a, 0)? else { return Err(hoc_err!("CVode.{name}: needs a Vector")) };
            it.sync_to_model();
            let m = &mut it.eng.model;
            let mut y = m.cvode_states();
            if name == "dstates" {
                let t = m.t;
                y = m.cvode_f(t, &y);
            }
            with_vec(&vec, |v| v.data = y)?;
            0.0
        }
        "f" => {
            let t = num(it, a, 0)?;
            let (Some(yv), Some(ypv)) = (object(a, 1)?, object(a, 2)?) else {
                return Err(hoc_err!("CVode.f(t, yvec, ypvec): needs two Vectors"));
            };
            it.sync_to_model();
            let y = with_vec(&yv, |v| v.data.clone())?;
            let m = &mut it.eng.model;
            let n = m.cvode_states().len();
            if y.len() != n {
                return Err(hoc_err!("CVode.f: yvec has {} values, the system {}", y.len(), n));
            }
            let yp = m.cvode_f(t, &y);
            with_vec(&ypv, |v| v.data = yp)?;
            it.sync_from_model();
            0.0
        }
        _ => return Ok(None),
    };
    Ok(Some(Value::Num(v)))
}
