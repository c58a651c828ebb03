//! Range variables (`v`, `diam`, `g_pas`, … per segment) and section
//! variables (`L`, `nseg`, `Ra`), read and written by name, by `sec.name`,
//! by `name(x)` and by `name(x1:x2) = y1:y2`.

use cable::model::Var;
use cable::SecId;

use super::{Host, RangeVar, SecVar};
use crate::error::HResult;
use crate::hoc_err;
use crate::interp::Interp;
use crate::symbol::Kind;

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

    /// Element k of host name h (`ca_cadifus[2]`); no subscript is element 0.
    pub fn host_elem(&self, h: u32, k: &[f64]) -> HResult<Host> {
        let base = self.host(h);
        let len = self.eng.host_lens.get(h as usize).copied().unwrap_or(1);
        let j = match k {
            [] => return Ok(base),
            [x] => (x + self.float_epsilon()) as i64,
            _ => return Err(hoc_err!("{}: wrong number of subscripts", self.host_name(base))),
        };
        if len == 1 && j == 0 {
            return Ok(base);
        }
        if len == 1 {
            return Err(hoc_err!("{} not an array variable", self.host_name(base)));
        }
        if j < 0 || j as usize >= len {
            let name = self.host_name(base);
            return Err(hoc_err!("subscript 0 index {j} of {} out of range {len}", name.replacen("[0]", "", 1)));
        }
        let j = j as usize;
        Ok(match base {
            Host::Range(RangeVar::Mech(m, v)) => Host::Range(RangeVar::Mech(m, v + j)),
            Host::Global(m, g) => Host::Global(m, g + j),
            other => other,
        })
    }

    /// `name[k]` of a section variable given by name (`sec.ca_cadifus[2](x)`).
    pub fn host_named_elem(&self, name: &str, k: &[f64]) -> HResult<Host> {
        match self.globals.get(name).map(|i| self.globals.kind(i)) {
            Some(Kind::Host(h)) => self.host_elem(*h, k),
            _ => Err(hoc_err!("{name} not a section variable")),
        }
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
                format!("{}_{}", mech.vars()[k].name, mech.name())
            }
            Host::Range(RangeVar::Ion(ion, f)) => f.hoc_name(&self.eng.model.ion_types[ion].name),
            Host::Range(RangeVar::Ptr(m, k)) => {
                let mech = &self.eng.model.mechs[m];
                format!("{}_{}", mech.pointers()[k], mech.name())
            }
            Host::Global(m, g) => {
                let mech = &self.eng.model.mechs[m];
                format!("{}_{}", mech.globals()[g].name, mech.name())
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

    /// `table_NAME_suffix(value)` (a constant) or `(yvec, xvec)` (values at
    /// increasing x) for a FUNCTION_TABLE.
    pub fn set_function_table(&mut self, m: usize, k: usize, args: &[crate::value::Value]) -> HResult<()> {
        use crate::value::Value;
        let name = self.host_name(Host::FTable(m, k));
        let tab = match args {
            [Value::Num(x)] => vec![1.0, *x],
            [Value::Obj(Some(y)), Value::Obj(Some(x))] => {
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
                let mut t = vec![2.0, xs.len() as f64];
                t.extend(xs);
                t.extend(ys);
                t
            }
            _ => return Err(hoc_err!("{name}: give a constant, or a Vector of values and a Vector of arguments")),
        };
        self.eng.model.data[m].ftables[k] = tab;
        Ok(())
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
            Host::Global(..) | Host::Func(..) | Host::SetData(_) | Host::FTable(..) | Host::IonConc0(..) => Ok(SecId::MAX),
            _ => self.cur_sec(),
        }
    }

    /// The engine variable of an ion field at x of a section.
    fn ion_var(&mut self, sec: SecId, ion: usize, field: cable::ion::IonField, x: f64) -> HResult<Var> {
        let m = &mut self.eng.model;
        if m.ion_present(sec, ion) {
            m.ensure_lowered();
            return Ok(Var::Ion { ion, field, sec, x });
        }
        Err(hoc_err!(
            "{}, the mechanism does not exist at {}({})",
            field.hoc_name(&m.ion_types[ion].name),
            m.sec(sec).name,
            crate::format::fmt_g(x, 6, false, false)
        ))
    }

    /// Reads `name` (x = None: the section variable, or the range variable at 0.5).
    pub fn host_read(&mut self, sec: SecId, h: Host, x: Option<f64>) -> HResult<f64> {
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
                        Ok(self.eng.model.read_var(&var).unwrap_or(0.0))
                    }
                    RangeVar::Ptr(mech, k) => {
                        let var = self.pointer_target(sec, mech, k, x)?;
                        Ok(self.eng.model.read_var(&var).unwrap_or(0.0))
                    }
                }
            }
            Host::Global(..) | Host::IonConc0(..) => unreachable!("handled above"),
            Host::Func(..) | Host::SetData(_) => unreachable!("handled above"),
            Host::FTable(..) => Err(hoc_err!("{} takes arguments", self.host_name(h))),
        }
    }

    /// The engine variable behind `name(x)` of a section, for pointers and records.
    pub fn host_var(&mut self, sec: SecId, h: Host, x: Option<f64>) -> HResult<Var> {
        if !matches!(h, Host::Global(..)) {
            self.live(sec)?;
        }
        let x = x.unwrap_or(0.5);
        match h {
            Host::Range(RangeVar::V) => Ok(Var::V { sec, x }),
            Host::Range(RangeVar::Imem) => Ok(Var::Imem { sec, x }),
            Host::Range(RangeVar::ICap) => Ok(Var::ICap { sec, x }),
            Host::Range(RangeVar::Mech(m, k)) => self.mech_var(sec, m, k, x),
            Host::Range(RangeVar::Ion(ion, f)) => self.ion_var(sec, ion, f, x),
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
            None => Err(hoc_err!(
                "{}, the mechanism does not exist at {}({})",
                self.host_name(Host::Range(RangeVar::Mech(mech, k))),
                s.name,
                crate::format::fmt_g(x, 6, false, false)
            )),
        }
    }

    /// Writes `name = value` (x None: whole section) or `name(x) = value`.
    pub fn host_write(&mut self, sec: SecId, h: Host, x: Option<f64>, value: f64) -> HResult<()> {
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
                        super::funcs::set_length(m, sec, value);
                    }
                    SecVar::Nseg => {
                        let n = value as i64;
                        if n < 1 || n > 32767 {
                            return Err(hoc_err!("nseg  must be positive"));
                        }
                        m.set_nseg(sec, n as usize);
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
                        super::funcs::set_diam(m, sec, &segs, value);
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
                    RangeVar::Ptr(mech, k) => {
                        for &j in &segs {
                            let xc = (j as f64 + 0.5) / nseg as f64;
                            let var = self.pointer_target(sec, mech, k, xc)?;
                            self.eng.model.write_var(&var, value);
                        }
                    }
                }
                Ok(())
            }
            Host::Global(..) | Host::IonConc0(..) => unreachable!("handled above"),
            Host::Func(..) | Host::SetData(_) | Host::FTable(..) => Err(hoc_err!("{} is a function; it cannot be assigned", self.host_name(h))),
        }
    }

    /// `name(x1:x2) = y1:y2`: linear interpolation at segment centres in [x1, x2].
    pub fn host_write_range(&mut self, sec: SecId, h: Host, x1: f64, x2: f64, y1: f64, y2: f64) -> HResult<()> {
        let centers = self.eng.model.sec(sec).centers();
        for x in centers {
            if x >= x1 - 1e-9 && x <= x2 + 1e-9 {
                let y = if x2 == x1 { y1 } else { y1 + (y2 - y1) * (x - x1) / (x2 - x1) };
                self.host_write(sec, h, Some(x), y)?;
            }
        }
        Ok(())
    }
}
