//! Section statements: create, access, section prefixes, connect, insert,
//! forall/forsec/ifsec and `for (x)`.

use cable::SecId;

use crate::ast::{Expr, NameRef, SecRef, Stmt};
use crate::error::{HResult, HocError};
use crate::hoc_err;
use crate::interp::{Flow, Interp};
use crate::object::ObjData;
use crate::symbol::Kind;
use crate::value::{ObjRef, Slot, Value};

/// A whole-name regex from a HOC section pattern: `<`/`>` bracket a class,
/// `[`/`]` are literal (NEURON's escape_bracket).
pub fn section_regex(pat: &str) -> HResult<regex::Regex> {
    let mut re = String::with_capacity(pat.len() + 8);
    for c in pat.chars() {
        match c {
            '<' => re.push('['),
            '>' => re.push(']'),
            '[' | ']' => {
                re.push('\\');
                re.push(c);
            }
            _ => re.push(c),
        }
    }
    regex::Regex::new(&format!("^(?:{re})$")).map_err(|e| hoc_err!("bad section pattern {pat}: {e}"))
}

impl Interp {
    /// The section a statement names.
    pub fn sec_of(&mut self, r: &SecRef) -> HResult<SecId> {
        match r {
            SecRef::Name(n, idx) => {
                let mut k = Vec::with_capacity(idx.len());
                for e in idx {
                    k.push(self.eval_num(e)?);
                }
                self.section_by_name(*n, &k)
            }
            SecRef::Expr(e) => match self.eval(e)? {
                Value::Sec(s) => self.live(s),
                v => Err(hoc_err!("a {} is not a section", v.type_name())),
            },
        }
    }

    /// `name`, `name[i]` or `name[i][j]…` as a section; no subscripts on an
    /// array name its first section.
    pub fn section_by_name(&mut self, r: NameRef, k: &[f64]) -> HResult<SecId> {
        let name = self.sym_name(r);
        let eps = self.float_epsilon();
        // The one element, without copying the array.
        let got = self.with_slot(r, |slot| {
            let Slot::Secs { data, dims } = slot else { return Err(None) };
            if k.is_empty() {
                return Ok(data.first().copied().flatten());
            }
            // A single section takes the subscript [0].
            let shape: &[usize] = if dims.is_empty() { &[1] } else { dims };
            if k.len() != shape.len() {
                return Err(Some(format!("wrong # of subscripts {name}")));
            }
            let mut flat = 0usize;
            for (s, (&d, &x)) in shape.iter().zip(k).enumerate() {
                let j = (x + eps) as i64;
                if j < 0 || j as usize >= d {
                    return Err(Some(format!("subscript {s} index {j} of {name} out of range {d}")));
                }
                flat = flat * d + j as usize;
            }
            Ok(data.get(flat).copied().flatten())
        });
        match got {
            Ok(Some(s)) if self.eng.model.exists(s) => Ok(s),
            Ok(_) => Err(hoc_err!("Section access unspecified: {name} was deleted")),
            Err(None) => Err(hoc_err!("{name} is not a section")),
            Err(Some(msg)) => Err(HocError::new(msg)),
        }
    }

    /// Runs a section statement.
    pub fn exec_section_stmt(&mut self, s: &Stmt) -> HResult<Flow> {
        self.free_dropped();
        match s {
            Stmt::Create(items) => {
                for (r, dims) in items {
                    let mut n = Vec::with_capacity(dims.len());
                    for e in dims {
                        n.push(self.eval_num(e)?);
                    }
                    self.create(*r, &n)?;
                }
            }
            Stmt::Access(r) => {
                let s = self.sec_of(r)?;
                self.eng.accessed = Some(s);
            }
            Stmt::SecPrefix(SecRef::Expr(e), body) => {
                // `ob stmt`: an object that is not a section leaves the
                // current section as it is (NEURON's ob_sec_access).
                return match self.eval(e)? {
                    Value::Sec(s) => {
                        let s = self.live(s)?;
                        self.with_section(s, |it| it.exec(body))
                    }
                    _ => self.exec(body),
                };
            }
            Stmt::SecPrefix(r, body) => {
                let s = self.sec_of(r)?;
                return self.with_section(s, |it| it.exec(body));
            }
            Stmt::Connect { child, child_x, parent, parent_x } => {
                // NEURON evaluates the parent position last.
                let c = self.sec_of(child)?;
                let cx = self.eval_num(child_x)?;
                let p = match parent {
                    Some(p) => self.sec_of(p)?,
                    None => self.cur_sec()?,
                };
                let px = self.eval_num(parent_x)?;
                if !(0.0..=1.0).contains(&px) || !(0.0..=1.0).contains(&cx) {
                    return Err(hoc_err!("out of range, must be 0 <= x <= 1"));
                }
                self.eng.model.connect(c, cx, p, px).map_err(HocError::new)?;
            }
            Stmt::Insert(name) => {
                let s = self.cur_sec()?;
                if let Some(ion) = self.ion_named(name) {
                    self.eng.model.insert_ion(s, ion);
                    self.eng.model.props_insert_ion(s, ion);
                    return Ok(Flow::Normal);
                }
                let m = self.density_mech(name)?;
                self.eng.model.insert(s, m);
            }
            Stmt::Uninsert(name) => {
                let s = self.cur_sec()?;
                if let Some(ion) = self.ion_named(name) {
                    self.eng.model.uninsert_ion(s, ion);
                    return Ok(Flow::Normal);
                }
                let m = self.density_mech(name)?;
                if Some(m) == self.eng.model.ext_mech {
                    self.warn("Can't uninsert mechanism extracellular");
                    return Ok(Flow::Normal);
                }
                self.eng.model.uninsert(s, m);
            }
            Stmt::SetPointer(ptr, target) => self.set_pointer(ptr, target)?,
            Stmt::Forall(body) => {
                let secs = self.forall_sections();
                return self.over_sections(secs, body);
            }
            Stmt::Forsec(e, body) => {
                let secs = self.forsec_list(e)?;
                return self.over_sections(secs, body);
            }
            Stmt::Ifsec(e, body) => {
                let s = self.cur_sec()?;
                // `ifsec sectionlist stmt`: when the section is in the list
                let hit = match self.eval(e)? {
                    Value::Obj(Some(o)) => self.section_list_items(&o)?.contains(&s),
                    v => {
                        let pat = crate::builtins::value_str(&v);
                        self.section_matches(s, &pat)?
                    }
                };
                if hit {
                    return self.exec(body);
                }
            }
            Stmt::ForX(r, ends, body) => {
                let s = self.cur_sec()?;
                let mut xs = Vec::new();
                if *ends {
                    xs.push(0.0);
                }
                xs.extend(self.eng.model.sec(s).centers());
                if *ends {
                    xs.push(1.0);
                }
                let place = self.place_of(&Expr::Name(*r))?;
                for x in xs {
                    self.write_place(&place, x)?;
                    match self.exec(body)? {
                        Flow::Break => break,
                        Flow::Return(v) => return Ok(Flow::Return(v)),
                        Flow::Stop => return Ok(Flow::Stop),
                        _ => {}
                    }
                }
            }
            _ => unreachable!("not a section statement"),
        }
        Ok(Flow::Normal)
    }

    /// Runs `body` with each section (still existing) as the current one.
    fn over_sections(&mut self, secs: Vec<SecId>, body: &Stmt) -> HResult<Flow> {
        for s in secs {
            if !self.eng.model.exists(s) {
                continue;
            }
            match self.with_section(s, |it| it.exec(body))? {
                Flow::Break => break,
                f @ (Flow::Return(_) | Flow::Stop) => return Ok(f),
                _ => {}
            }
        }
        Ok(Flow::Normal)
    }

    /// `setpointer ptr, target`: a point process's `obj.name`, or a density
    /// mechanism's `sec.name_suffix(x)`, reads `target` from now on.
    fn set_pointer(&mut self, ptr: &crate::ast::Expr, target: &crate::ast::Expr) -> HResult<()> {
        use crate::ast::Expr;
        let var = match self.place_of(target)? {
            crate::value::Place::Engine(v) => v,
            _ => return Err(hoc_err!("setpointer: the target must be a membrane potential or an ion variable")),
        };
        // `setpointer name_suffix(x), target` in the current section.
        if let Expr::Call(r, args) = ptr {
            if let Some(crate::symbol::Kind::Host(h)) = self.sym_kind(*r) {
                if let crate::engine::Host::Range(crate::engine::RangeVar::Ptr(mi, k)) = self.host(h) {
                    let x = match args.first() {
                        Some(e) => self.eval_num(e)?,
                        None => 0.5,
                    };
                    let s = self.cur_sec()?;
                    let m = &self.eng.model;
                    let inst = m.density_instance(s, mi, m.sec(s).seg_index(x)).ok_or_else(|| hoc_err!("{}: the mechanism is not in {}", self.sym_name(*r), m.sec(s).name))?;
                    return self.eng.model.set_pointer(mi, inst, k, var).map_err(|e| hoc_err!("setpointer: {e}"));
                }
            }
        }
        let Expr::Member { obj, name, args, .. } = ptr else {
            return Err(hoc_err!("setpointer: name the POINTER as object.name or section.name_suffix(x)"));
        };
        let (mech, inst, k) = match self.eval(obj)? {
            crate::value::Value::Obj(Some(o)) => {
                let Some((mech, inst)) = crate::engine::classes::point_of(&o) else {
                    return Err(hoc_err!("setpointer: {} is not a point process", self.object_name(&o)));
                };
                let k = self.eng.model.mechs[mech].pointers().iter().position(|p| **p == **name);
                (mech, inst, k.ok_or_else(|| hoc_err!("{name} is not a POINTER of {}", self.eng.model.mechs[mech].name()))?)
            }
            crate::value::Value::Sec(s) => {
                let x = match args.as_deref().and_then(|a| a.first()) {
                    Some(e) => self.eval_num(e)?,
                    None => 0.5,
                };
                let m = &self.eng.model;
                let found = (0..m.mechs.len()).find_map(|mi| {
                    let mech = &m.mechs[mi];
                    let k = mech.pointers().iter().position(|p| format!("{p}_{}", mech.name()) == **name)?;
                    Some((mi, k))
                });
                let (mi, k) = found.ok_or_else(|| hoc_err!("{name} is not a POINTER"))?;
                let inst = m.density_instance(s, mi, m.sec(s).seg_index(x)).ok_or_else(|| hoc_err!("{name}: the mechanism is not in {}", m.sec(s).name))?;
                (mi, inst, k)
            }
            _ => return Err(hoc_err!("setpointer: name the POINTER as object.name or section.name_suffix(x)")),
        };
        self.eng.model.set_pointer(mech, inst, k, var).map_err(|e| hoc_err!("setpointer: {e}"))
    }

    /// The ion type `x` of a name `x_ion`.
    pub fn ion_named(&self, name: &str) -> Option<usize> {
        let ion = name.strip_suffix("_ion")?;
        self.eng.model.ion_types.iter().position(|t| t.name == ion)
    }

    pub fn density_mech(&self, name: &str) -> HResult<usize> {
        match self.eng.model.mech_index(name) {
            Some(m) if self.eng.model.mechs[m].kind() == cable::mechanism::MechKind::Density => Ok(m),
            _ => Err(hoc_err!("{name} is not a MECHANISM")),
        }
    }

    /// Every existing section, in creation order.
    pub fn all_sections(&self) -> Vec<SecId> {
        (0..self.eng.model.sections.len()).filter(|&s| self.eng.model.exists(s)).collect()
    }

    /// The sections `forall` visits: inside an object, those named `OBJ.*`.
    pub fn forall_sections(&self) -> Vec<SecId> {
        match &self.this {
            Some(o) => {
                let Ok(rx) = section_regex(&format!("{}.*", self.object_name(o))) else { return Vec::new() };
                self.all_sections().into_iter().filter(|&s| rx.is_match(&self.sec_name(s))).collect()
            }
            None => self.all_sections(),
        }
    }

    fn forsec_list(&mut self, e: &Expr) -> HResult<Vec<SecId>> {
        match self.eval(e)? {
            Value::Obj(Some(o)) => self.section_list_items(&o),
            v @ (Value::Str(_) | Value::SRef(_)) => {
                let pat = crate::builtins::value_str(&v);
                let mut out = Vec::new();
                for s in self.forall_sections() {
                    if self.section_matches(s, &pat)? {
                        out.push(s);
                    }
                }
                Ok(out)
            }
            v => Err(hoc_err!("forsec needs a string or a SectionList, not a {}", v.type_name())),
        }
    }

    /// forsec/ifsec matching: the regex `OBJ.*pat.*` (OBJ the current
    /// object's name, empty at top level) must match the whole section name.
    pub fn section_matches(&mut self, s: SecId, pat: &str) -> HResult<bool> {
        let obj = self.this.as_ref().map(|o| self.object_name(o)).unwrap_or_default();
        let rx = section_regex(&format!("{obj}.*{pat}.*"))?;
        Ok(rx.is_match(&self.sec_name(s)))
    }

    pub fn section_list_items(&mut self, o: &ObjRef) -> HResult<Vec<SecId>> {
        crate::engine::classes::section_list_items(self, o)
    }

    /// `create name[n]` for a name bound elsewhere (Import3d).
    pub fn create_named(&mut self, r: NameRef, base: &str, n: Option<f64>) -> HResult<()> {
        let count = n.map(|x| x as usize).unwrap_or(1);
        let dims = if n.is_some() { vec![count] } else { vec![] };
        if let Some(Slot::Secs { data, .. }) = self.slot_clone(r) {
            for s in data.into_iter().flatten() {
                self.delete_section(s);
            }
        }
        let owner = self.this.clone();
        let ids = self.make_sections(r, base, &dims, count, owner.as_ref());
        self.with_slot(r, |s| *s = Slot::Secs { dims, data: ids.into_iter().map(Some).collect() });
        Ok(())
    }

    /// `create name`, `create name[n]` or `create name[n][m]…`.
    fn create(&mut self, r: NameRef, n: &[f64]) -> HResult<()> {
        let mut dims = Vec::with_capacity(n.len());
        for &x in n {
            if x < 0.0 {
                return Err(hoc_err!("{}: array size must be >= 0", self.sym_name(r)));
            }
            dims.push((x + self.float_epsilon()) as usize);
        }
        let count = dims.iter().product();
        // In a template body the sections exist while the body runs (its
        // statements may use them) and go at endtemplate; each instance
        // creates its own.
        if let Some(Slot::Secs { data, .. }) = self.slot_clone(r) {
            for s in data.into_iter().flatten() {
                self.delete_section(s);
            }
        }
        let owner = self.this.clone();
        let base = self.sym_name(r);
        let ids = self.make_sections(r, &base, &dims, count, owner.as_ref());
        self.with_slot(r, |s| *s = Slot::Secs { dims, data: ids.into_iter().map(Some).collect() });
        Ok(())
    }

    fn make_sections(&mut self, r: NameRef, base: &str, dims: &[usize], count: usize, owner: Option<&ObjRef>) -> Vec<SecId> {
        let prefix = owner.map(|o| format!("{}.", self.object_name(o))).unwrap_or_default();
        let mut ids = Vec::with_capacity(count);
        for k in 0..count {
            let mut name = format!("{prefix}{base}");
            // Subscripts of the k-th section, last one fastest.
            let mut sub = Vec::with_capacity(dims.len());
            let mut rest = k;
            for &d in dims.iter().rev() {
                sub.push(rest % d.max(1));
                rest /= d.max(1);
            }
            for j in sub.iter().rev() {
                name.push_str(&format!("[{j}]"));
            }
            let id = self.eng.model.create_section(name, owner.map(|o| std::rc::Rc::as_ptr(o) as u64));
            if self.eng.owners.len() <= id {
                self.eng.owners.resize(id + 1, None);
                self.eng.sec_sym.resize(id + 1, None);
            }
            self.eng.owners[id] = owner.map(std::rc::Rc::downgrade);
            self.eng.sec_sym[id] = Some((r, k));
            ids.push(id);
        }
        ids
    }

    /// Creates the sections a new template instance declares.
    pub fn create_object_sections(&mut self, o: &ObjRef) {
        let ci = o.class;
        let Some(t) = self.template(ci) else { return };
        let decl: Vec<(u32, std::rc::Rc<str>, Vec<usize>, usize)> = t
            .proto
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s {
                Slot::Secs { dims, data } if matches!(t.scope.kind(i as u32), Kind::Section) => {
                    Some((i as u32, t.scope.syms[i].name.clone(), dims.clone(), data.len()))
                }
                _ => None,
            })
            .collect();
        for (i, base, dims, count) in decl {
            let ids = self.make_sections(NameRef::Field(i), &base, &dims, count, Some(o));
            if let ObjData::Hoc(slots) = &mut *o.data.borrow_mut() {
                if slots.len() <= i as usize {
                    slots.resize(i as usize + 1, Slot::Undef);
                }
                slots[i as usize] = Slot::Secs { dims, data: ids.into_iter().map(Some).collect() };
            }
        }
    }

    /// At endtemplate: the sections the body made go; the declarations stay.
    pub fn end_template_sections(&mut self, ci: u32) {
        let made: Vec<SecId> = match self.template_mut(ci) {
            Some(t) => t
                .proto
                .iter_mut()
                .flat_map(|s| match s {
                    Slot::Secs { data, .. } => data.iter_mut().filter_map(|d| d.take()).collect(),
                    _ => Vec::new(),
                })
                .collect(),
            None => Vec::new(),
        };
        for s in made {
            self.delete_section(s);
        }
    }

    /// Name of a section symbol for messages when evaluated in an object context.
    pub fn delete_section(&mut self, s: SecId) {
        self.eng.model.delete_section(s);
        if self.eng.accessed == Some(s) {
            self.eng.accessed = None;
        }
    }
}

impl Interp {
    /// `sref.unname()`: the section keeps existing but no name refers to it
    /// (CellBuild names its sections this way before giving them top-level names).
    pub fn unname_section(&mut self, s: SecId) {
        if let Some(Some((r, k))) = self.eng.sec_sym.get(s).cloned() {
            let owner = self.eng.owners.get(s).cloned().flatten().and_then(|w| w.upgrade());
            let clear = |slot: &mut Slot| {
                if let Slot::Secs { data, .. } = slot {
                    if data.get(k) == Some(&Some(s)) {
                        data[k] = None;
                    }
                }
            };
            match (r, owner) {
                (NameRef::Field(i), Some(o)) => {
                    if let ObjData::Hoc(slots) = &mut *o.data.borrow_mut() {
                        if let Some(slot) = slots.get_mut(i as usize) {
                            clear(slot);
                        }
                    }
                }
                (NameRef::Global(i), None) => {
                    if let Some(slot) = self.gslots.get_mut(i as usize) {
                        clear(slot);
                    }
                }
                _ => {}
            }
        }
        if let Some(x) = self.eng.sec_sym.get_mut(s) {
            *x = None;
        }
        if let Some(x) = self.eng.owners.get_mut(s) {
            *x = None;
        }
        let sec = self.eng.model.sec_mut(s);
        sec.owner = None;
        sec.name = String::new();
    }

    /// `sref.rename("name"[, list of SectionRefs])`: unnamed sections get a
    /// top-level name (an array when a list is given). Returns NEURON's
    /// result: 1, or 0 after printing why not.
    pub fn rename_sections(&mut self, name: &str, secs: &[SecId], array: bool) -> HResult<f64> {
        for (k, &s) in secs.iter().enumerate() {
            if self.eng.sec_sym.get(s).is_some_and(|x| x.is_some()) {
                let msg = if array {
                    format!("Item {k} of second list arg, {}, must first be unnamed\n", self.sec_name(s))
                } else {
                    format!("{} must first be unnamed\n", self.sec_name(s))
                };
                self.write_out(&msg)?;
                return Ok(0.0);
            }
        }
        let existing = self.globals.get(name);
        if let Some(i) = existing {
            let declared = match self.globals.kind(i) {
                Kind::Section => true,
                Kind::Var => !matches!(self.gslots.get(i as usize), None | Some(Slot::Undef)),
                _ => true,
            };
            let is_sec = matches!(self.globals.kind(i), Kind::Section) && matches!(self.gslots.get(i as usize), Some(Slot::Secs { dims, .. }) if dims.len() <= 1);
            if declared && !is_sec {
                self.write_out("The new name already exists and is not a SECTION or has a dimension > 1\n")?;
                return Ok(0.0);
            }
            if let Some(Slot::Secs { data, .. }) = self.gslots.get(i as usize).cloned() {
                for (k, old) in data.into_iter().enumerate() {
                    if let Some(old) = old.filter(|&o| self.eng.model.exists(o)) {
                        self.write_out(&format!("Previously existing {name}[{k}] points to a section which is being deleted\n"))?;
                        self.delete_section(old);
                    }
                }
            }
        }
        let i = self.globals.intern(name);
        self.globals.syms[i as usize].kind = Kind::Section;
        self.ensure_gslot(i);
        let dims = if array { vec![secs.len()] } else { vec![] };
        self.gslots[i as usize] = Slot::Secs { dims, data: secs.iter().map(|&s| Some(s)).collect() };
        for (k, &s) in secs.iter().enumerate() {
            if self.eng.sec_sym.len() <= s {
                self.eng.sec_sym.resize(s + 1, None);
                self.eng.owners.resize(s + 1, None);
            }
            self.eng.sec_sym[s] = Some((NameRef::Global(i), k));
            self.eng.owners[s] = None;
            let sec = self.eng.model.sec_mut(s);
            sec.owner = None;
            sec.name = if array { format!("{name}[{k}]") } else { name.to_string() };
        }
        Ok(1.0)
    }
}
