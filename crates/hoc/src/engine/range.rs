//! Range variables (`v`, `diam`, `g_pas`, … per segment) and section
//! variables (`L`, `nseg`, `Ra`), read and written by name, by `sec.name`,
//! by `name(x)` and by `name(x1:x2) = y1:y2`.

use cable::model::Var;
use cable::SecId;

/// NEURON's largest nseg (a short int).
const MAX_NSEG: i64 = 32767;

use super::{Host, RangeVar, SecVar};
use crate::error::HResult;
use crate::hoc_err;
use crate::interp::Interp;

impl Interp {
    /// A section a value refers to must still exist.
    pub fn live(&self, sec: SecId) -> HResult<SecId> {
        if self.eng.model.exists(sec) {
            Ok(sec)
        } else {
            Err(hoc_err!("Section was deleted"))
        }
    }

    pub fn host(&self, h: u32) -> Host {
        self.eng.hosts[h as usize]
    }

    pub fn host_name(&self, h: Host) -> String {
        match h {
            Host::SecVar(SecVar::L) => "L".into(),
            Host::SecVar(SecVar::Nseg) => "nseg".into(),
            Host::SecVar(SecVar::Ra) => "Ra".into(),
            Host::SecVar(SecVar::Rallbranch) => "rallbranch".into(),
            Host::Range(RangeVar::V) => "v".into(),
            Host::Range(RangeVar::Diam) => "diam".into(),
            Host::Range(RangeVar::Cm) => "cm".into(),
            Host::Range(RangeVar::Imem) => "i_membrane_".into(),
            Host::Range(RangeVar::ICap) => "i_cap".into(),
            Host::Range(RangeVar::Mech(m, k)) => {
                let mech = &self.eng.model.mechs[m];
                if mech.suffixed() {
                    format!("{}_{}", mech.vars()[k].name, mech.name())
                } else {
                    mech.vars()[k].name.clone()
                }
            }
            Host::Range(RangeVar::Ion(ion, f)) => f.hoc_name(&self.eng.model.ion_types[ion].name),
            Host::Range(RangeVar::Vext(_) | RangeVar::VextArray(_)) => "vext".into(),
            Host::Range(RangeVar::MechArray(m, k, _)) => {
                let mech = &self.eng.model.mechs[m];
                let base = mech.vars()[k].name.split('[').next().unwrap_or_default();
                if mech.suffixed() {
                    format!("{base}_{}", mech.name())
                } else {
                    base.to_string()
                }
            }
            Host::Range(RangeVar::Ptr(m, k)) => {
                let mech = &self.eng.model.mechs[m];
                format!("{}_{}", mech.pointers()[k], mech.name())
            }
            Host::Global(m, g) | Host::GlobalArray(m, g, _) => {
                let mech = &self.eng.model.mechs[m];
                let name = &mech.globals()[g].name;
                let name = if matches!(h, Host::GlobalArray(..)) { name.split('[').next().unwrap_or_default() } else { name };
                format!("{name}_{}", mech.name())
            }
            Host::Func(m, k) => {
                let mech = &self.eng.model.mechs[m];
                format!("{}_{}", mech.functions()[k], mech.name())
            }
            Host::SetData(m) => format!("setdata_{}", self.eng.model.mechs[m].name()),
            Host::FTable(m, k) => format!("table_{}_{}", self.eng.model.mechs[m].function_tables()[k], self.eng.model.mechs[m].name()),
            Host::IonConc0(ion, inside) => {
                let n = &self.eng.model.ion_types[ion].name;
                format!("{n}{}0_{n}_ion", if inside { "i" } else { "o" })
            }
        }
    }

    /// Element i of a range array (`xg[i]`, `vext[i]`); an array without a
    /// subscript is its element 0, as in NEURON. Other names take no subscript.
    pub fn host_element(&self, h: Host, i: Option<f64>) -> HResult<Host> {
        let len = match h {
            Host::Range(RangeVar::MechArray(_, _, n) | RangeVar::VextArray(n)) | Host::GlobalArray(_, _, n) => n,
            _ => {
                return match i {
                    Some(_) => Err(hoc_err!("{} not an array", self.host_name(h))),
                    None => Ok(h),
                };
            }
        };
        let j = i.map_or(0, |x| (x + self.float_epsilon()) as i64);
        if j < 0 || j as usize >= len {
            return Err(hoc_err!("subscript 0 index {j} of {} out of range {len}", self.host_name(h)));
        }
        Ok(match h {
            Host::Range(RangeVar::MechArray(m, k, _)) => Host::Range(RangeVar::Mech(m, k + j as usize)),
            Host::GlobalArray(m, g, _) => Host::Global(m, g + j as usize),
            _ => Host::Range(RangeVar::Vext(j as usize)),
        })
    }

    /// NEURON's message for a mechanism variable where the mechanism is
    /// not (nrn_mechanism_check): a line on stderr, then an error without text.
    fn not_inserted(&mut self, mech: &str, sec: SecId) -> crate::error::HocError {
        if self.mute_errors == 0 {
            eprintln!("{mech} mechanism not inserted in section {}", self.sec_name(sec));
        }
        crate::error::HocError::new("")
    }

    /// `table_NAME_suffix(...)` for a FUNCTION_TABLE of n arguments, as
    /// NEURON's hoc_spec_table reads it: `(value)` (a constant), `(yvec,
    /// xvec)` (one argument: values at increasing x), or `(&y, m1, dim1…,
    /// m2, dim2…)` with, per argument, its size m and either `min, max`
    /// (evenly spaced) or `&x` (m increasing values), y holding the values in
    /// row order. The data are copied when the table is given (NEURON keeps
    /// pointers to them). See `nmodl::ir::ftable_lookup` for the layout.
    pub fn set_function_table(&mut self, m: usize, k: usize, args: &[crate::value::Value]) -> HResult<()> {
        use crate::value::Value;
        let name = self.host_name(Host::FTable(m, k));
        let n = self.eng.model.mechs[m].function_table_arity(k);
        let tab = match args {
            [Value::Num(x)] => vec![1.0, *x],
            [Value::Obj(Some(y)), Value::Obj(Some(x))] => {
                if n > 1 {
                    return Err(hoc_err!("Vector arguments allowed only for functions of one variable"));
                }
                let vec_of = |o: &crate::value::ObjRef| match &*o.data.borrow() {
                    crate::object::ObjData::Vector(v) => Some(v.data.clone()),
                    _ => None,
                };
                let (Some(ys), Some(xs)) = (vec_of(y), vec_of(x)) else {
                    return Err(hoc_err!("{name}: the arguments must be Vectors"));
                };
                if ys.len() != xs.len() {
                    return Err(hoc_err!("Vector arguments not same size"));
                }
                if xs.is_empty() {
                    return Err(hoc_err!("{name}: the Vectors are empty"));
                }
                let mut t = vec![2.0, 1.0, xs.len() as f64, 1.0];
                t.extend(xs);
                t.extend(ys);
                t
            }
            [Value::Ptr(y), rest @ ..] => {
                let mut t = vec![2.0, n as f64];
                let mut at = 0;
                let mut count = 1usize;
                for _ in 0..n {
                    let size = match rest.get(at) {
                        Some(Value::Num(x)) => *x as i64,
                        _ => return Err(hoc_err!("{name}: each argument's size must be a number")),
                    };
                    if size < 1 {
                        return Err(hoc_err!("size arg < 1 in hoc_spec_table"));
                    }
                    at += 1;
                    t.push(size as f64);
                    match (rest.get(at), rest.get(at + 1)) {
                        (Some(Value::Num(lo)), Some(Value::Num(hi))) => {
                            if hi < lo {
                                return Err(hoc_err!("min > max in hoc_spec_table"));
                            }
                            t.extend([0.0, *lo, *hi]);
                            at += 2;
                        }
                        (Some(Value::Ptr(x)), _) => {
                            t.push(1.0);
                            t.extend(self.place_run(x, size as usize, &name)?);
                            at += 1;
                        }
                        _ => return Err(hoc_err!("{name}: after each size give min and max, or the address of the argument values")),
                    }
                    count = count.saturating_mul(size as usize);
                }
                if count > 100_000_000 {
                    return Err(hoc_err!("{name}: the table is too large"));
                }
                t.extend(self.place_run(y, count, &name)?);
                t
            }
            _ => return Err(hoc_err!("{name}: give a constant, two Vectors (values, arguments), or the address of the values with each argument's size and range")),
        };
        self.eng.model.data[m].ftables[k] = tab;
        Ok(())
    }

    /// `n` consecutive values from the element a pointer addresses (as C
    /// reads an array through `&a[i]`).
    fn place_run(&self, p: &crate::value::Place, n: usize, name: &str) -> HResult<Vec<f64>> {
        use crate::value::Place;
        let at = |k: usize| -> Option<Place> {
            Some(match p {
                Place::Global(i, j) => Place::Global(*i, j + k),
                Place::Local(f, i, j) => Place::Local(*f, *i, j + k),
                Place::Field(o, i, j) => Place::Field(o.clone(), *i, j + k),
                Place::VecElem(o, j) => Place::VecElem(o.clone(), j + k),
                Place::Proto(c, i, j) => Place::Proto(*c, *i, j + k),
                _ if k == 0 => p.clone(),
                _ => return None,
            })
        };
        (0..n)
            .map(|k| match at(k) {
                Some(q) => self.read_place(&q).map_err(|_| hoc_err!("{name}: the data hold fewer than {n} values")),
                None => Err(hoc_err!("{name}: the data hold fewer than {n} values")),
            })
            .collect()
    }

    /// `name_suffix(args)` or `setdata_suffix(x)`; None for other names.
    pub fn host_call(&mut self, h: Host, args: &[f64]) -> HResult<Option<f64>> {
        match h {
            Host::SetData(m) => {
                let s = self.cur_sec()?;
                let x = args.first().copied().unwrap_or(0.5);
                if self.eng.model.density_instance(s, m, self.eng.model.sec(s).seg_index(x)).is_none() {
                    return Err(hoc_err!("{} is not in {}", self.eng.model.mechs[m].name(), self.sec_name(s)));
                }
                self.eng.setdata.insert(m, (s, x));
                Ok(Some(1.0))
            }
            Host::Func(m, k) => {
                self.sync_to_model();
                let inst = match self.eng.setdata.get(&m) {
                    Some(&(s, x)) if self.eng.model.exists(s) => self.eng.model.density_instance(s, m, self.eng.model.sec(s).seg_index(x)).map(|i| i as usize),
                    _ => None,
                };
                let model = &mut self.eng.model;
                let clock = (model.t, model.dt, model.celsius);
                let r = model.mechs[m].call_function(&mut model.data[m], inst, k, args, clock);
                r.map(Some).map_err(|e| hoc_err!("{e}"))
            }
            _ => Ok(None),
        }
    }

    /// The section a name needs: none for a mechanism GLOBAL, else the current one.
    pub fn host_sec(&mut self, h: Host) -> HResult<SecId> {
        match h {
            Host::Global(..) | Host::GlobalArray(..) | Host::Func(..) | Host::SetData(_) | Host::FTable(..) | Host::IonConc0(..) => Ok(SecId::MAX),
            _ => self.cur_sec(),
        }
    }

    /// The engine variable of an ion field at x of a section.
    fn ion_var(&mut self, sec: SecId, ion: usize, field: cable::ion::IonField, x: f64) -> HResult<Var> {
        let m = &mut self.eng.model;
        if m.ion_present(sec, ion) {
            return Ok(Var::Ion { ion, field, sec, x });
        }
        let _ = (field, x);
        let name = format!("{}_ion", m.ion_types[ion].name);
        Err(self.not_inserted(&name, sec))
    }

    /// Reads `name` (x = None: the section variable, or the range variable at 0.5).
    pub fn host_read(&mut self, sec: SecId, h: Host, x: Option<f64>) -> HResult<f64> {
        let h = self.host_element(h, None)?;
        if let Host::Global(m, g) = h {
            return Ok(self.eng.model.data[m].globals[g]);
        }
        if let Host::IonConc0(ion, inside) = h {
            let t = &self.eng.model.ion_types[ion];
            return Ok(if inside { t.ci0 } else { t.co0 });
        }
        if let Some(r) = self.host_call(h, &x.into_iter().collect::<Vec<_>>())? {
            return Ok(r);
        }
        self.live(sec)?;
        let m = &mut self.eng.model;
        match h {
            Host::SecVar(v) => {
                if x.is_some() {
                    return Err(hoc_err!("{} is not a range variable", self.host_name(h)));
                }
                let s = m.sec(sec);
                Ok(match v {
                    SecVar::L => s.length(),
                    SecVar::Nseg => s.nseg as f64,
                    SecVar::Ra => s.ra,
                    SecVar::Rallbranch => s.rallbranch,
                })
            }
            Host::Range(rv) => {
                let x = x.unwrap_or(0.5);
                match rv {
                    RangeVar::V | RangeVar::Imem | RangeVar::ICap => {
                        m.ensure_lowered();
                        let var = match rv {
                            RangeVar::V => Var::V { sec, x },
                            RangeVar::Imem => Var::Imem { sec, x },
                            _ => Var::ICap { sec, x },
                        };
                        Ok(m.read_var(&var).unwrap_or(0.0))
                    }
                    RangeVar::Diam => {
                        m.ensure_lowered();
                        if let Some(e) = m.take_geometry_error() {
                            return Err(crate::error::HocError::new(e));
                        }
                        let s = m.sec(sec);
                        Ok(s.diam[s.seg_index(x)])
                    }
                    RangeVar::Cm => {
                        let s = m.sec(sec);
                        Ok(s.cm[s.seg_index(x)])
                    }
                    RangeVar::Mech(mech, k) => {
                        let var = self.mech_var(sec, mech, k, x)?;
                        Ok(self.eng.model.read_var(&var).unwrap_or(0.0))
                    }
                    RangeVar::Ion(ion, f) => {
                        let var = self.ion_var(sec, ion, f, x)?;
                        self.eng.model.ensure_lowered();
                        Ok(self.eng.model.read_var(&var).unwrap_or(0.0))
                    }
                    RangeVar::Vext(layer) => {
                        let var = self.vext_var(sec, layer, x)?;
                        Ok(self.eng.model.read_var(&var).unwrap_or(0.0))
                    }
                    RangeVar::MechArray(..) | RangeVar::VextArray(_) => unreachable!("an element by now"),
                    RangeVar::Ptr(mech, k) => {
                        // a HOC variable's cell is read from the variable itself
                        let var = self.pointer_target(sec, mech, k, x)?;
                        Ok(self.read_place(&crate::value::Place::Engine(var)).unwrap_or(0.0))
                    }
                }
            }
            Host::Global(..) | Host::GlobalArray(..) | Host::IonConc0(..) => unreachable!("handled above"),
            Host::Func(..) | Host::SetData(_) => unreachable!("handled above"),
            Host::FTable(..) => Err(hoc_err!("{} takes arguments", self.host_name(h))),
        }
    }

    /// The engine variable behind `name(x)` of a section, for pointers and records.
    pub fn host_var(&mut self, sec: SecId, h: Host, x: Option<f64>) -> HResult<Var> {
        let h = self.host_element(h, None)?;
        if !matches!(h, Host::Global(..)) {
            self.live(sec)?;
        }
        let x = x.unwrap_or(0.5);
        match h {
            Host::Range(RangeVar::V) => Ok(Var::V { sec, x }),
            Host::Range(RangeVar::Imem) => Ok(Var::Imem { sec, x }),
            Host::Range(RangeVar::ICap) => Ok(Var::ICap { sec, x }),
            Host::Range(RangeVar::Mech(m, k)) => self.mech_var(sec, m, k, x),
            Host::Range(RangeVar::Ion(ion, f)) => {
                let var = self.ion_var(sec, ion, f, x)?;
                self.eng.model.ensure_lowered();
                Ok(var)
            }
            Host::Range(RangeVar::Vext(layer)) => self.vext_var(sec, layer, x),
            Host::Range(RangeVar::Ptr(m, k)) => self.pointer_target(sec, m, k, x),
            Host::Global(m, g) => Ok(Var::Global { mech: m, var: g }),
            _ => Err(hoc_err!("can't take the address of {}", self.host_name(h))),
        }
    }

    /// What POINTER k of density mechanism `mech` at x of a section points to.
    fn pointer_target(&mut self, sec: SecId, mech: usize, k: usize, x: f64) -> HResult<Var> {
        let name = self.host_name(Host::Range(RangeVar::Ptr(mech, k)));
        let m = &self.eng.model;
        let s = m.sec(sec);
        let Some(inst) = m.density_instance(sec, mech, s.seg_index(x)) else {
            return Err(hoc_err!("{name}, the mechanism does not exist at {}({})", s.name, crate::format::fmt_g(x, 6, false, false)));
        };
        match m.data[mech].ptr_var[k].get(inst as usize).copied().flatten() {
            Some(v) => Ok(v),
            None => Err(hoc_err!("{name}({}) points to nothing (setpointer first)", crate::format::fmt_g(x, 6, false, false))),
        }
    }

    fn mech_var(&mut self, sec: SecId, mech: usize, k: usize, x: f64) -> HResult<Var> {
        let m = &self.eng.model;
        let s = m.sec(sec);
        let seg = s.seg_index(x);
        match m.density_instance(sec, mech, seg) {
            Some(_) => Ok(Var::Range { mech, var: k, sec, x }),
            None => {
                let name = m.mechs[mech].name().to_string();
                Err(self.not_inserted(&name, sec))
            }
        }
    }

    /// `vext[layer](x)`: where the section has extracellular, or reads 0
    /// at a node next to a section that has it (NEURON's nrn_vext_pd).
    fn vext_var(&mut self, sec: SecId, layer: usize, x: f64) -> HResult<Var> {
        let m = &mut self.eng.model;
        m.ensure_lowered();
        let Some(ext) = m.ext_mech else { return Err(self.not_inserted("extracellular", sec)) };
        if m.is_inserted(sec, ext) || crate::engine::funcs::child_list(m, sec).iter().any(|&c| m.is_inserted(c, ext)) {
            return Ok(Var::Vext { layer, sec, x });
        }
        Err(self.not_inserted("extracellular", sec))
    }

    /// Writes `name = value` (x None: whole section) or `name(x) = value`.
    pub fn host_write(&mut self, sec: SecId, h: Host, x: Option<f64>, value: f64) -> HResult<()> {
        let h = self.host_element(h, None)?;
        if let Host::Global(m, g) = h {
            self.eng.model.data[m].globals[g] = value;
            return Ok(());
        }
        if let Host::IonConc0(ion, inside) = h {
            let t = &mut self.eng.model.ion_types[ion];
            *(if inside { &mut t.ci0 } else { &mut t.co0 }) = value;
            return Ok(());
        }
        self.live(sec)?;
        match h {
            Host::SecVar(v) => {
                if x.is_some() {
                    return Err(hoc_err!("{} is not a range variable", self.host_name(h)));
                }
                let m = &mut self.eng.model;
                match v {
                    SecVar::L => {
                        if value <= 0.0 {
                            return Err(hoc_err!("L must be > 0"));
                        }
                        // under pt3dconst(1) NEURON ignores L assignments
                        if !m.pt3dconst {
                            super::funcs::set_length(m, sec, value);
                        }
                    }
                    SecVar::Nseg => {
                        let mut n = value as i64;
                        if n < 1 {
                            return Err(hoc_err!("nseg  must be positive"));
                        }
                        if n > MAX_NSEG {
                            self.end_partial_line();
                            eprintln!("requesting {}.nseg=1 but the maximum value is {MAX_NSEG}.", self.sec_name(sec));
                            self.warn("nseg too large, setting to 1.");
                            n = 1;
                        }
                        self.eng.model.set_nseg(sec, n as usize);
                    }
                    SecVar::Ra => m.sec_mut(sec).ra = value,
                    SecVar::Rallbranch => m.sec_mut(sec).rallbranch = value,
                }
                Ok(())
            }
            Host::Range(rv) => {
                let nseg = self.eng.model.sec(sec).nseg;
                let segs: Vec<usize> = match x {
                    None => (0..nseg).collect(),
                    Some(x) => vec![self.eng.model.sec(sec).seg_index(x)],
                };
                match rv {
                    RangeVar::V => {
                        let m = &mut self.eng.model;
                        m.ensure_lowered();
                        match x {
                            Some(x) => {
                                m.write_var(&Var::V { sec, x }, value);
                            }
                            None => {
                                let mut xs: Vec<f64> = vec![0.0, 1.0];
                                xs.extend(m.sec(sec).centers());
                                for x in xs {
                                    m.write_var(&Var::V { sec, x }, value);
                                }
                            }
                        }
                    }
                    RangeVar::Diam => {
                        let m = &mut self.eng.model;
                        // under pt3dconst(1) NEURON ignores diam assignments too
                        if !m.pt3dconst {
                            super::funcs::set_diam(m, sec, &segs, value);
                        }
                    }
                    RangeVar::Cm => {
                        let m = &mut self.eng.model;
                        for &j in &segs {
                            m.sec_mut(sec).cm[j] = value;
                        }
                    }
                    RangeVar::Imem => return Err(hoc_err!("i_membrane_ is read only")),
                    RangeVar::ICap => return Err(hoc_err!("i_cap is computed by the step; it cannot be assigned")),
                    RangeVar::Mech(mech, k) => {
                        for &j in &segs {
                            let xc = (j as f64 + 0.5) / nseg as f64;
                            let var = self.mech_var(sec, mech, k, xc)?;
                            self.eng.model.write_var(&var, value);
                        }
                    }
                    RangeVar::Ion(ion, f) => {
                        for &j in &segs {
                            let xc = (j as f64 + 0.5) / nseg as f64;
                            let var = self.ion_var(sec, ion, f, xc)?;
                            self.eng.model.write_var(&var, value);
                        }
                    }
                    RangeVar::Vext(layer) => {
                        // As v: a whole-section assignment sets the end nodes too.
                        let xs: Vec<f64> = match x {
                            Some(x) => vec![x],
                            None => {
                                let mut xs = vec![0.0, 1.0];
                                xs.extend(self.eng.model.sec(sec).centers());
                                xs
                            }
                        };
                        for x in xs {
                            let var = self.vext_var(sec, layer, x)?;
                            self.eng.model.write_var(&var, value);
                        }
                    }
                    RangeVar::MechArray(..) | RangeVar::VextArray(_) => unreachable!("an element by now"),
                    RangeVar::Ptr(mech, k) => {
                        for &j in &segs {
                            let xc = (j as f64 + 0.5) / nseg as f64;
                            let var = self.pointer_target(sec, mech, k, xc)?;
                            self.write_place(&crate::value::Place::Engine(var), value)?;
                        }
                    }
                }
                Ok(())
            }
            Host::Global(..) | Host::GlobalArray(..) | Host::IonConc0(..) => unreachable!("handled above"),
            Host::Func(..) | Host::SetData(_) | Host::FTable(..) => Err(hoc_err!("{} is a function; it cannot be assigned", self.host_name(h))),
        }
    }

    /// `name(x1:x2) = y1:y2`: linear interpolation at segment centres in [x1, x2].
    pub fn host_write_range(&mut self, sec: SecId, h: Host, x1: f64, x2: f64, y1: f64, y2: f64) -> HResult<()> {
        let dx = x2 - x1;
        if dx < 1e-10 {
            return Err(hoc_err!("range variable notation r(x1:x2) requires x1 > x2"));
        }
        let nseg = self.eng.model.sec(sec).nseg;
        for i in 0..nseg {
            // NEURON's centres and weights, so that the values agree to the last digit.
            let x = (i as f64 + 0.5) / nseg as f64;
            let thet = (x - x1) / dx;
            if (-1e-9..=1.0 + 1e-9).contains(&thet) {
                let y = y1 * (1.0 - thet) + y2 * thet;
                self.host_write(sec, h, Some(x), y)?;
            }
        }
        Ok(())
    }
}
