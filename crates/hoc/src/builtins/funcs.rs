//! Built-in functions: math, strings and formatting, files and loading,
//! introspection.

use std::rc::Rc;

use super::{format_args, num, object, opt_num, str_ref, string, value_str};
use crate::error::{ErrorKind, HResult, HocError};
use crate::hoc_err;
use crate::interp::Interp;
use crate::symbol::Kind;
use crate::value::{Slot, Value};

pub fn install(it: &mut Interp) {
    for (name, v) in [
        ("PI", std::f64::consts::PI),
        ("E", std::f64::consts::E),
        ("GAMMA", 0.577_215_664_901_532_9),
        ("DEG", 57.295_779_513_082_32),
        ("PHI", 1.618_033_988_749_895),
        ("FARADAY", 96485.33212331001),
        ("R", 8.31446261815324),
        ("Avogadro_constant", 6.02214076e23),
    ] {
        it.define_const(name, v);
    }
    let math: &[(&str, super::Builtin)] = &[
        ("sin", |it, a| Ok(Value::Num(num(it, a, 0)?.sin()))),
        ("cos", |it, a| Ok(Value::Num(num(it, a, 0)?.cos()))),
        ("atan", |it, a| Ok(Value::Num(num(it, a, 0)?.atan()))),
        ("tanh", |it, a| Ok(Value::Num(num(it, a, 0)?.tanh()))),
        ("log", |it, a| domain(it, num(it, a, 0)?.ln(), "log")),
        ("log10", |it, a| domain(it, num(it, a, 0)?.log10(), "log10")),
        ("exp", |it, a| {
            let x = num(it, a, 0)?;
            if x > 700.0 {
                it.warn("exp result out of range");
                return Ok(Value::Num(700f64.exp()));
            }
            Ok(Value::Num(if x < -700.0 { 0.0 } else { x.exp() }))
        }),
        ("sqrt", |it, a| domain(it, num(it, a, 0)?.sqrt(), "sqrt")),
        ("int", |it, a| {
            let x = num(it, a, 0)?;
            let eps = it.float_epsilon();
            Ok(Value::Num(if x < 0.0 { ((x - eps) as i64) as f64 } else { ((x + eps) as i64) as f64 }))
        }),
        ("abs", |it, a| Ok(Value::Num(num(it, a, 0)?.abs()))),
        ("erf", |it, a| Ok(Value::Num(erf(num(it, a, 0)?)))),
        ("erfc", |it, a| Ok(Value::Num(1.0 - erf(num(it, a, 0)?)))),
        ("atan2", |it, a| Ok(Value::Num(num(it, a, 0)?.atan2(num(it, a, 1)?)))),
    ];
    for (n, f) in math {
        it.define_builtin(n, *f);
    }
    let others: &[(&str, super::Builtin)] = &[
        ("printf", printf),
        ("fprint", fprint),
        ("sprint", sprint),
        ("sscanf", super::scan::sscanf),
        ("strcmp", |_, a| {
            // C strcmp: the difference of the first differing bytes.
            let (x, y) = (string(a, 0)?, string(a, 1)?);
            let (x, y) = (x.as_bytes(), y.as_bytes());
            let n = x.iter().zip(y).take_while(|(a, b)| a == b).count();
            let (cx, cy) = (x.get(n).copied().unwrap_or(0) as i32, y.get(n).copied().unwrap_or(0) as i32);
            Ok(Value::Num((cx - cy) as f64))
        }),
        ("fscan", super::scan::fscan),
        ("getstr", super::scan::getstr),
        ("ropen", super::scan::ropen),
        ("wopen", wopen),
        ("xopen", xopen),
        ("load_file", load_file),
        ("load_proc", load_named),
        ("load_func", load_named),
        ("load_template", load_named),
        ("execute", |it, a| execute(it, a, false)),
        ("execute1", |it, a| execute(it, a, true)),
        ("chdir", |_, a| Ok(Value::Num(if std::env::set_current_dir(string(a, 0)?).is_ok() { 0.0 } else { -1.0 }))),
        ("getcwd", |_, _| {
            let mut d = std::env::current_dir().map(|p| p.display().to_string()).unwrap_or_default();
            if !d.ends_with('/') {
                d.push('/');
            }
            Ok(Value::Str(d.into()))
        }),
        ("startsw", |it, _| {
            it.stopwatch = it.start_time.elapsed().as_secs_f64();
            Ok(Value::Num(it.stopwatch))
        }),
        ("stopsw", |it, _| Ok(Value::Num(it.start_time.elapsed().as_secs_f64() - it.stopwatch))),
        ("object_id", |it, a| {
            let o = object(a, 0)?;
            let by_index = opt_num(it, a, 1)? == Some(1.0);
            Ok(Value::Num(match (o, by_index) {
                (Some(o), true) => o.index as f64,
                (None, true) => -1.0,
                (Some(o), false) => Rc::as_ptr(&o) as usize as f64,
                (None, false) => 0.0,
            }))
        }),
        ("name_declared", name_declared),
        ("section_exists", section_exists),
        ("numarg", |it, _| Ok(Value::Num(if it.cur == 0 { 0.0 } else { it.frames[it.cur].args.len() as f64 }))),
        ("argtype", |it, a| {
            let i = num(it, a, 0)? as usize;
            let fr = &it.frames[it.cur];
            Ok(Value::Num(match fr.args.get(i.wrapping_sub(1)) {
                _ if it.cur == 0 => -1.0,
                Some(Value::Num(_)) => 0.0,
                Some(Value::Obj(_)) => 1.0,
                Some(Value::Str(_) | Value::SRef(_)) => 2.0,
                Some(Value::Ptr(_)) => 3.0,
                Some(Value::Sec(_)) | None => -1.0,
            }))
        }),
        ("quit", |it, a| Err(HocError::quit(opt_num(it, a, 0)?.unwrap_or(0.0) as i32))),
        ("system", system),
        ("unix_mac_pc", |_, _| Ok(Value::Num(1.0))),
        ("neuronhome", |_, _| Ok(Value::Str("".into()))),
        ("nrnversion", |it, a| {
            Ok(Value::Str(match opt_num(it, a, 0)? {
                Some(x) if x as i32 == 1 => "9.0.2".into(),
                _ => "NEURON -- VERSION 9.0.2 (compatible: nerve)".into(),
            }))
        }),
        ("hoc_stdout", |_, _| Ok(Value::Num(0.0))),
        ("coredump_on_error", |_, _| Ok(Value::Num(0.0))),
        ("show_errmess_always", |_, _| Ok(Value::Num(0.0))),
        ("nrn_feenableexcept", |_, _| Ok(Value::Num(0.0))),
        // Which generator NMODL's scop_random (exprand, normrand, …) draws from.
        ("use_mcell_ran4", |it, a| {
            let prev = nmodl::scop::use_mcell_ran4();
            if !a.is_empty() {
                nmodl::scop::set_use_mcell_ran4(super::chkarg(it, a, 0, 0.0, 1.0)? as i32 != 0);
            }
            Ok(Value::Num(prev as i32 as f64))
        }),
        ("mcell_ran4_init", super::random::mcell_ran4_init),
        ("mcell_ran4", super::random::mcell_ran4),
        ("machine_name", |_, a| {
            let s = str_ref(a, 0)?;
            *s.borrow_mut() = std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".into());
            Ok(Value::Num(0.0))
        }),
        ("execerror", |_, a| {
            let first = value_str(a.first().unwrap_or(&Value::Str("".into())));
            Err(HocError::new(match a.get(1) {
                Some(v) => format!("{first} {}", value_str(v)),
                None => first,
            }))
        }),
        ("numprocs", |_, _| Ok(Value::Num(1.0))),
        ("myproc", |_, _| Ok(Value::Num(0.0))),
        ("saveaudit", |_, _| Ok(Value::Num(0.0))),
        ("retrieveaudit", |_, _| Ok(Value::Num(0.0))),
        ("variable_domain", |_, _| Ok(Value::Num(1.0))),
        ("units", units),
        ("object_push", object_push),
        ("object_pop", object_pop),
        ("object_pushed", object_pushed),
    ];
    for (n, f) in others {
        it.define_builtin(n, *f);
    }
}

/// The math built-ins, which NEURON calls without a frame (absent from traces).
pub fn is_math(name: &str) -> bool {
    matches!(name, "sin" | "cos" | "atan" | "tanh" | "log" | "log10" | "exp" | "sqrt" | "int" | "abs" | "erf" | "erfc")
}

/// NEURON's checks on a math result: NaN is an error, ±inf a warning.
fn domain(it: &mut Interp, x: f64, name: &str) -> HResult<Value> {
    if x.is_nan() {
        return Err(hoc_err!("{name} argument out of domain"));
    }
    if x.is_infinite() {
        it.warn(&format!("{name} result out of range"));
    }
    Ok(Value::Num(x))
}

/// The error function (W. J. Cody's rational approximations, to full double precision).
pub fn erf(x: f64) -> f64 {
    libm_erf(x)
}

fn libm_erf(x: f64) -> f64 {
    // erf via erfc for large |x| and a series/continued fraction otherwise.
    let ax = x.abs();
    if ax < 0.5 {
        // Maclaurin series: converges fast here.
        let x2 = x * x;
        let mut term = x;
        let mut sum = x;
        let mut n = 0.0;
        loop {
            n += 1.0;
            term *= -x2 / n;
            let add = term / (2.0 * n + 1.0);
            sum += add;
            if add.abs() < 1e-17 * sum.abs() {
                break;
            }
        }
        return sum * 2.0 / std::f64::consts::PI.sqrt();
    }
    let r = 1.0 - erfc_cf(ax);
    if x < 0.0 { -r } else { r }
}

/// erfc(x) for x >= 0.5 by Lentz's continued fraction.
fn erfc_cf(x: f64) -> f64 {
    if x > 27.0 {
        return 0.0;
    }
    let tiny = 1e-300;
    let x2 = x * x;
    // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
    let mut f = x;
    let mut c = x;
    let mut d = 0.0;
    for n in 1..500 {
        let a = n as f64 / 2.0;
        d = x + a * d;
        d = if d.abs() < tiny { tiny } else { d };
        c = x + a / c;
        c = if c.abs() < tiny { tiny } else { c };
        d = 1.0 / d;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    (-x2).exp() / std::f64::consts::PI.sqrt() / f
}

fn printf(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let s = format_args(it, &string(a, 0)?, &a[1..]).map_err(|e| if e.msg.contains("not enough arguments") { hoc_err!("printf not enough arguments") } else { e })?;
    it.write_out(&s)?;
    Ok(Value::Num(s.len() as f64))
}

fn fprint(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let s = format_args(it, &string(a, 0)?, &a[1..])?;
    match &mut it.fout {
        Some(f) => {
            use std::io::Write;
            f.write_all(s.as_bytes()).map_err(|e| hoc_err!("fprint: {e}"))?;
        }
        None => it.write_out(&s)?,
    }
    Ok(Value::Num(s.len() as f64))
}

fn sprint(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let target = str_ref(a, 0)?;
    let s = format_args(it, &string(a, 1)?, &a[2..])?;
    *target.borrow_mut() = s;
    Ok(Value::Num(1.0))
}

fn wopen(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    it.fout = None;
    let name = if a.is_empty() { String::new() } else { string(a, 0)? };
    if name.is_empty() {
        return Ok(Value::Num(1.0));
    }
    match std::fs::File::create(&name) {
        Ok(f) => {
            it.fout = Some(f);
            Ok(Value::Num(1.0))
        }
        Err(_) => Ok(Value::Num(0.0)),
    }
}

fn system(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let cmd = string(a, 0)?;
    it.flush();
    let out = std::process::Command::new("sh").arg("-c").arg(&cmd).output().map_err(|e| hoc_err!("system: {e}"))?;
    if a.len() > 1 {
        let target = str_ref(a, 1)?;
        *target.borrow_mut() = String::from_utf8_lossy(&out.stdout).into_owned();
    } else {
        it.write_out(&String::from_utf8_lossy(&out.stdout))?;
    }
    Ok(Value::Num(out.status.code().unwrap_or(-1) as f64))
}

/// `section_exists("name"[, index][, obj])`, also "name[index]": whether
/// that section (of the top level, or of obj) exists and is not deleted.
fn section_exists(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let text = string(a, 0)?;
    let mut k = 1;
    let (name, index) = match a.get(1) {
        Some(Value::Num(_)) => {
            k = 2;
            (text.clone(), super::chkarg(it, a, 1, 0.0, 1e9)? as usize)
        }
        _ => match text.split_once('[') {
            Some((base, rest)) => match rest.trim_start().split(|c: char| !c.is_ascii_digit() && c != '-' && c != '+').next().and_then(|d| d.parse::<i64>().ok()) {
                Some(i) => (base.to_string(), i.max(-1) as usize),
                None => (text.clone(), 0),
            },
            None => (text.clone(), 0),
        },
    };
    let obj = super::object(a, k).ok().flatten();
    let slot = match &obj {
        Some(o) => it.template(o.class).and_then(|t| t.scope.get(&name)).and_then(|i| match &*o.data.borrow() {
            crate::object::ObjData::Hoc(s) => s.get(i as usize).cloned(),
            _ => None,
        }),
        None => it.globals.get(&name).and_then(|i| it.gslots.get(i as usize).cloned()),
    };
    let sec = match slot {
        Some(Slot::Secs { data, .. }) => data.get(index).copied().flatten(),
        _ => None,
    };
    Ok(Value::Num(sec.is_some_and(|s| it.eng.model.exists(s)) as i32 as f64))
}

fn name_declared(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let name = string(a, 0)?;
    let mode = opt_num(it, a, 1)?.unwrap_or(0.0) as i32;
    let found = if mode == 1 {
        match it.this.as_ref().and_then(|o| it.template(o.class)).and_then(|t| t.scope.get(&name)) {
            Some(i) => {
                let ci = it.this.as_ref().unwrap().class;
                let kind = it.template(ci).unwrap().scope.kind(i).clone();
                let slot = match &*it.this.as_ref().unwrap().data.borrow() {
                    crate::object::ObjData::Hoc(s) => s.get(i as usize).cloned().unwrap_or_default(),
                    _ => Slot::Undef,
                };
                Some((kind, slot))
            }
            None => it.globals.get(&name).map(|i| (it.globals.kind(i).clone(), it.gslots.get(i as usize).cloned().unwrap_or_default())),
        }
    } else {
        it.globals.get(&name).map(|i| (it.globals.kind(i).clone(), it.gslots.get(i as usize).cloned().unwrap_or_default()))
    };
    let x = match found {
        None if crate::parser::is_keyword(&name) => 1,
        None => 0,
        Some((Kind::Var, slot)) => match slot {
            Slot::Objs { .. } => 2,
            Slot::Str(_) => 4,
            Slot::Num(_) => 5,
            Slot::Nums { .. } => {
                if mode == 2 {
                    6
                } else {
                    5
                }
            }
            Slot::Secs { .. } => 3,
            Slot::Undef => 1,
        },
        Some((Kind::Section, _)) => 3,
        Some(_) => 1,
    };
    Ok(Value::Num(x as f64))
}

/// `units(&var, "units")` sets a variable's units, `units(&var)` or
/// `units("name")` returns them.
fn units(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let key = match a.first() {
        Some(Value::Ptr(crate::value::Place::Global(i, _))) => it.globals.syms[*i as usize].name.to_string(),
        Some(v @ (Value::Str(_) | Value::SRef(_))) => value_str(v),
        _ => String::new(),
    };
    if let Some(v) = a.get(1) {
        let u = value_str(v);
        if !key.is_empty() {
            it.units.insert(key.clone(), u);
        }
    }
    let u = it.units.get(&key).cloned().unwrap_or_default();
    Ok(Value::Str(u.into()))
}

/// `object_push(obj)`: names in the statements that follow bind in obj's
/// template, as inside its methods, until `object_pop()`.
fn object_push(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let o = object(a, 0)?;
    if let Some(ob) = &o {
        if it.template(ob.class).is_none() {
            return Err(hoc_err!("Can't do object_push for built-in class"));
        }
    }
    if it.obj_stack.len() >= 10 {
        return Err(hoc_err!("too many object context stack depth"));
    }
    let prev = std::mem::replace(&mut it.this, o.clone());
    it.obj_stack.push((prev, o));
    Ok(Value::Num(0.0))
}

fn object_pop(it: &mut Interp, _a: &[Value]) -> HResult<Value> {
    let Some((prev, _)) = it.obj_stack.pop() else {
        return Err(hoc_err!("object context stack underflow"));
    };
    it.this = prev;
    Ok(Value::Num(0.0))
}

/// `object_pushed(i)`: the object last pushed (0), or the context before
/// the i-th last push.
fn object_pushed(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let n = it.obj_stack.len();
    let i = crate::builtins::chkarg(it, a, 0, 0.0, n as f64)? as usize;
    if i == 0 {
        return Ok(Value::Obj(it.obj_stack.last().and_then(|(_, o)| o.clone())));
    }
    Ok(Value::Obj(it.obj_stack[n - i].0.clone()))
}

/// Files open at once through xopen, each inside the one before.
const MAX_OPEN_FILES: usize = 200;

fn xopen(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let name = string(a, 0)?;
    if let Some(lib) = crate::library::library_path(&name) {
        let line = it.trace_line("xopen", None, &a[..1]);
        it.in_builtin(line, |it| crate::library::run(it, lib))?;
        return Ok(Value::Num(1.0));
    }
    let mut name = name;
    let mut text = crate::interp::read_hoc_file(std::path::Path::new(&name));
    if text.is_err() {
        // `$(HOME)/x.hoc` and other $(VAR) paths
        let expanded = super::file::expand_env_var(&name);
        text = crate::interp::read_hoc_file(std::path::Path::new(&expanded));
        name = expanded;
    }
    let text = text.map_err(|_| hoc_err!("Can't open {name}"))?;
    if it.source_depth() >= MAX_OPEN_FILES {
        return Err(hoc_err!("xopen call nested too deeply, increase with -NFRAME framesize option"));
    }
    let line = it.trace_line("xopen", None, &a[..1]);
    it.in_builtin(line, |it| stacker::maybe_grow(256 * 1024, 4 << 20, || it.run_text(&name, text.into())))?;
    Ok(Value::Num(1.0))
}

/// Looks `name` up as load_file does: as given, then in HOC_LIBRARY_PATH.
fn find_lib_file(name: &str) -> Option<std::path::PathBuf> {
    let p = std::path::Path::new(name);
    if p.is_file() {
        return Some(p.to_path_buf());
    }
    if let Ok(paths) = std::env::var("HOC_LIBRARY_PATH") {
        for dir in paths.split([':', ' ']).filter(|d| !d.is_empty()) {
            let q = std::path::Path::new(dir).join(name);
            if q.is_file() {
                return Some(q);
            }
        }
    }
    None
}

fn load_file(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    let (force, name, symbol) = match a.first() {
        Some(Value::Num(x)) => (*x != 0.0, string(a, 1)?, None),
        _ => (false, string(a, 0)?, a.get(1).map(value_str)),
    };
    if let Some(sym) = symbol {
        if it.globals.get(&sym).is_some_and(|i| !matches!((it.globals.kind(i), it.gslots.get(i as usize)), (Kind::Var, None | Some(Slot::Undef)))) {
            return Ok(Value::Num(0.0));
        }
    }
    let base = std::path::Path::new(&name).file_name().and_then(|s| s.to_str()).unwrap_or("");
    let base = crate::library::library_path(&name).unwrap_or(base);
    // a name loaded already (as a library file too) is not loaded again
    if !force && (it.loaded.contains(&name) || it.lib_loaded.contains(base)) {
        return Ok(Value::Num(1.0));
    }
    if crate::library::is_library(base) && find_lib_file(&name).is_none() {
        crate::library::load(it, base)?;
        return Ok(Value::Num(1.0));
    }
    let Some(path) = find_lib_file(&name) else {
        it.warn(&format!("Couldn't find: {name}"));
        return Ok(Value::Num(0.0));
    };
    // NEURON remembers loaded files by the name as written.
    let key = name.clone();
    if !force && it.loaded.contains(&key) {
        return Ok(Value::Num(1.0));
    }
    it.loaded.insert(key);
    let text = crate::interp::read_hoc_file(&path).map_err(|_| hoc_err!("Can't open {name}"))?;
    let cwd = std::env::current_dir().ok();
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(d) = dir {
        let _ = std::env::set_current_dir(d);
    }
    let file_name = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or(name.clone());
    let shown = if dir.is_some() { file_name } else { name.clone() };
    // NEURON loads through execute1("{xopen(\"file\")}"); errors show those calls.
    let outer_line = it.current_line();
    let load_line = it.trace_line("load_file", None, a);
    let exec_arg = [Value::Str(format!("{{xopen(\"{shown}\")}}").into())];
    let exec_line = it.trace_line("execute1", None, &exec_arg);
    let xopen_line = it.trace_line("xopen", None, &[Value::Str(shown.clone().into())]);
    let r = it.in_builtin(load_line, |it| it.in_builtin(exec_line, |it| it.in_builtin(xopen_line, |it| it.run_text(&shown, text.into()))));
    if let Some(c) = cwd {
        let _ = std::env::set_current_dir(c);
    }
    match r {
        Ok(()) => Ok(Value::Num(1.0)),
        Err(e) if matches!(e.kind, ErrorKind::Quit(_)) => Err(e),
        Err(e) => {
            it.end_partial_line();
            if it.mute_errors == 0 {
                eprint!("nerve: {}", crate::report(&e));
            }
            let trace = it.in_builtin(it.trace_line("load_file", None, a), |it| it.take_trace());
            let mut err = HocError::new(format!("hoc_Load_file {shown}\n in {shown} near line {outer_line}\n ^\n{trace}"));
            err.located = true;
            Err(err)
        }
    }
}

/// `load_proc("name", …)` and friends: load the library file that defines a name.
fn load_named(it: &mut Interp, a: &[Value]) -> HResult<Value> {
    for v in a {
        let name = value_str(v);
        if it.globals.get(&name).is_some_and(|i| !matches!(it.globals.kind(i), Kind::Var)) {
            continue;
        }
        if let Some(lib) = crate::library::library_defining(&name) {
            crate::library::load(it, lib)?;
        } else {
            return Err(hoc_err!("{name} not found in the library"));
        }
    }
    Ok(Value::Num(1.0))
}

/// `execute(cmd[, obj])` runs `{cmd}` (nothing echoes) and returns 0;
/// `execute1(cmd[, obj][, show])` runs cmd as top-level statements and
/// returns 1, or 0 after reporting the error (silently when show is 0).
pub(crate) fn execute(it: &mut Interp, a: &[Value], one: bool) -> HResult<Value> {
    let cmd = string(a, 0)?;
    let mut obj = None;
    let mut show = true;
    for v in &a[1..] {
        match v {
            Value::Obj(o) => obj = o.clone(),
            Value::Num(x) => show = *x != 0.0,
            v => return Err(hoc_err!("execute: bad argument of type {}", v.type_name())),
        }
    }
    // execute("~stmt") runs the statement as it is, not within braces (so
    // that it may declare, e.g. a strdef), as NEURON's execute does.
    let text: Rc<str> = match cmd.strip_prefix('~') {
        Some(bare) if !one => format!("{bare}\n").into(),
        _ if one => format!("{cmd}\n").into(),
        _ => format!("{{{cmd}}}\n").into(),
    };
    let name = it.sources.last().map(|s| s.name.clone()).unwrap_or_default();
    let line = it.trace_line(if one { "execute1" } else { "execute" }, None, &a[..1]);
    let saved_fin = it.fin.take();
    let r = it.in_context(obj, |it| it.in_builtin(line, |it| {
        let muted = !show && one;
        if muted {
            it.mute_errors += 1;
        }
        let r = it.run_text(&name, text);
        if muted {
            it.mute_errors -= 1;
        }
        r
    }));
    it.fin = saved_fin;
    match r {
        Ok(()) => Ok(Value::Num(if one { 1.0 } else { 0.0 })),
        Err(e) if one && !matches!(e.kind, ErrorKind::Quit(_)) => {
            if show {
                it.end_partial_line();
                eprint!("nerve: {}", crate::report(&e));
            }
            Ok(Value::Num(0.0))
        }
        Err(e) => Err(e),
    }
}

