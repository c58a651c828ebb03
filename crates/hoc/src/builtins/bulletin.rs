//! ParallelContext's bulletin board as NEURON runs it in one process
//! (bbslocal.cpp, bbslsrv.cpp, ocbbs.cpp): messages posted under keys and
//! taken back, and jobs (`submit`) that run when their submitter asks for
//! results (`working`) or waits for a key (`take`), children of a running
//! job before later jobs. A message is a typed list of values with a read
//! cursor that `look` shares with later readers, as NEURON's does.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::rc::Rc;

use crate::builtins::vector::{new_vector, with_vec};
use crate::builtins::{native_class, value_str, NativeClass};
use crate::error::{HResult, HocError};
use crate::hoc_err;
use crate::interp::Interp;
use crate::symbol::Kind;
use crate::value::{ObjRef, Value};

#[derive(Clone, Debug)]
enum Item {
    Int(i32),
    Double(f64),
    Str(String),
    Vec(Vec<f64>),
}

/// A message: values in the order they were packed, read in that order.
#[derive(Debug, Default)]
struct Message {
    items: Vec<Item>,
    next: usize,
}

type Msg = Rc<RefCell<Message>>;

/// A job on the board: its message and the chain of ids from its
/// top-level ancestor down to itself (the order jobs run in).
struct Job {
    path: Vec<u32>,
    msg: Msg,
}

/// The board and the packing/unpacking state around it.
#[derive(Default)]
pub struct Board {
    /// Posted messages by key, oldest first under each key.
    messages: BTreeMap<String, VecDeque<Msg>>,
    /// Jobs not yet run, by their id path.
    todo: BTreeMap<Vec<u32>, u32>,
    /// Jobs submitted and not yet collected.
    jobs: HashMap<u32, Job>,
    /// Finished jobs by the id of the job that submitted them (0: top level).
    results: BTreeMap<u32, VecDeque<u32>>,
    next_id: u32,
    /// The message being packed (for post, submit, context).
    posting: Option<Message>,
    /// Whether `pack` has started a message that `post` will send.
    packing: bool,
    /// The message being unpacked.
    taking: Option<Msg>,
    /// Messages of jobs submitted without a user id, kept for unpacking
    /// their arguments after `working` returns them.
    kept: HashMap<i32, Msg>,
    /// The job running now (0: none) and how many of its submissions are outstanding.
    working_id: u32,
    outstanding: i32,
    /// The user id the next job without one gets (counting down from -1).
    next_local: i32,
    pub retval: f64,
    pub userid: i32,
    pub runworker_called: bool,
    pub done: bool,
}

fn bbs_err(what: &str) -> HocError {
    hoc_err!("BBSLocal error in  {what}")
}

impl Board {
    fn pkbegin(&mut self) {
        self.posting = Some(Message::default());
    }

    fn pk(&mut self, item: Item, what: &str) -> HResult<()> {
        match &mut self.posting {
            Some(m) => {
                m.items.push(item);
                Ok(())
            }
            None => Err(bbs_err(what)),
        }
    }

    fn upk(&mut self, what: &str, take: impl Fn(&Item) -> bool) -> HResult<Item> {
        let Some(m) = &self.taking else { return Err(bbs_err(what)) };
        let mut m = m.borrow_mut();
        let next = m.next;
        match m.items.get(next) {
            Some(it) if take(it) => {
                let it = it.clone();
                m.next += 1;
                Ok(it)
            }
            _ => Err(bbs_err(what)),
        }
    }

    fn upkint(&mut self, what: &str) -> HResult<i32> {
        match self.upk(what, |i| matches!(i, Item::Int(_)))? {
            Item::Int(i) => Ok(i),
            _ => unreachable!(),
        }
    }

    fn upkdouble(&mut self) -> HResult<f64> {
        match self.upk("upkdouble", |i| matches!(i, Item::Double(_)))? {
            Item::Double(x) => Ok(x),
            _ => unreachable!(),
        }
    }

    fn upkstr(&mut self) -> HResult<String> {
        self.upkint("upkstr length")?;
        match self.upk("upkstr string", |i| matches!(i, Item::Str(_)))? {
            Item::Str(s) => Ok(s),
            _ => unreachable!(),
        }
    }

    fn upkvec(&mut self) -> HResult<Vec<f64>> {
        let n = self.upkint("upkint")?;
        match self.upk("upkdouble", |i| matches!(i, Item::Vec(v) if v.len() >= n.max(0) as usize))? {
            Item::Vec(v) => Ok(v[..n.max(0) as usize].to_vec()),
            _ => unreachable!(),
        }
    }

    fn post_todo(&mut self, msg: Msg) {
        self.next_id += 1;
        let id = self.next_id;
        let mut path = self.jobs.get(&self.working_id).map(|j| j.path.clone()).unwrap_or_default();
        path.push(id);
        self.todo.insert(path.clone(), id);
        self.jobs.insert(id, Job { path, msg });
    }

    /// The next job to run (its message becomes the one unpacked).
    fn take_todo(&mut self) -> Option<u32> {
        let (_, id) = self.todo.pop_first()?;
        self.taking = Some(self.jobs[&id].msg.clone());
        Some(id)
    }

    /// A finished job of `parent`, oldest first (its result becomes the one unpacked).
    fn take_result(&mut self, parent: u32) -> Option<u32> {
        let q = self.results.get_mut(&parent)?;
        let id = q.pop_front()?;
        if q.is_empty() {
            self.results.remove(&parent);
        }
        let job = self.jobs.remove(&id)?;
        self.taking = Some(job.msg);
        Some(id)
    }

    fn take_message(&mut self, key: &str, remove: bool) -> bool {
        let Some(q) = self.messages.get_mut(key) else { return false };
        let m = if remove { q.pop_front() } else { q.front().cloned() };
        if q.is_empty() {
            self.messages.remove(key);
        }
        self.taking = m;
        self.taking.is_some()
    }
}

/// The master of an MPI run lets the workers waiting in `runworker` end
/// (at `done`, or when the master's program ends without it).
pub fn release_workers(it: &mut Interp) {
    let p = &it.eng.parallel;
    if p.netpar.nhost > 1 && p.netpar.rank == 0 && p.board.runworker_called && !p.board.done {
        p.comm.barrier();
        it.eng.parallel.board.done = true;
    }
}

fn board(it: &mut Interp) -> &mut Board {
    &mut it.eng.parallel.board
}

/// A key: a string, or a number as `%g`.
fn key(it: &Interp, a: &[Value]) -> HResult<String> {
    match a.first() {
        Some(v @ (Value::Str(_) | Value::SRef(_))) => Ok(value_str(v)),
        _ => Ok(crate::format::fmt_g(crate::builtins::num(it, a, 0)?, 6, false, false)),
    }
}

fn vector_arg(it: &Interp, v: &Value) -> Option<ObjRef> {
    match v {
        Value::Obj(Some(o)) if native_class(it, o) == Some(NativeClass::Vector) => Some(o.clone()),
        _ => None,
    }
}

/// Packs the values of `a` onto the message being posted.
fn pack_values(it: &mut Interp, a: &[Value]) -> HResult<()> {
    if !board(it).packing {
        board(it).pkbegin();
        board(it).packing = true;
    }
    for v in a {
        match v {
            Value::Num(x) => board(it).pk(Item::Double(*x), "pkdouble")?,
            Value::Str(_) | Value::SRef(_) => {
                let s = value_str(v);
                board(it).pk(Item::Int(s.len() as i32), "pkstr length")?;
                board(it).pk(Item::Str(s), "pkstr string")?;
            }
            _ => match vector_arg(it, v) {
                Some(o) => {
                    let data = with_vec(&o, |v| v.data.clone())?;
                    board(it).pk(Item::Int(data.len() as i32), "pkint")?;
                    board(it).pk(Item::Vec(data), "pkdouble")?;
                }
                None => return Err(hoc_err!("ParallelContext can pack only numbers, strings and Vectors (not a {})", v.type_name())),
            },
        }
    }
    Ok(())
}

/// Unpacks into the arguments: `&x`, a strdef, a Vector.
fn unpack_into(it: &mut Interp, a: &[Value]) -> HResult<()> {
    for v in a {
        match v {
            Value::Ptr(p) => {
                let x = board(it).upkdouble()?;
                it.write_place(p, x)?;
            }
            Value::SRef(s) => {
                let t = board(it).upkstr()?;
                *s.borrow_mut() = t;
            }
            Value::Str(_) => {
                board(it).upkstr()?;
            }
            _ => match vector_arg(it, v) {
                Some(o) => {
                    let data = board(it).upkvec()?;
                    with_vec(&o, |v| v.data = data)?;
                }
                None => return Err(hoc_err!("pc.unpack can only unpack str, scalar, or Vector. use pc.upkpyobj to unpack a Python Object")),
            },
        }
    }
    Ok(())
}

/// Packs a job (or a context) message: user id, a slot for the worker's
/// id, then the statement, or the function (with its object) and its
/// arguments with their kinds. Returns the user id.
fn pack_job(it: &mut Interp, a: &[Value]) -> HResult<i32> {
    board(it).packing = true;
    board(it).pkbegin();
    let mut i = 0;
    let id = match a.first() {
        Some(Value::Num(_)) => {
            i = 1;
            crate::builtins::chkarg(it, a, 0, 0.0, 2147483647.0)? as i32
        }
        _ => {
            board(it).next_local -= 1;
            board(it).next_local
        }
    };
    board(it).pk(Item::Int(id), "pkint")?;
    board(it).pk(Item::Int(0), "pkint")?;
    if a.len() > i + 1 {
        match &a[i] {
            v @ (Value::Str(_) | Value::SRef(_)) => {
                board(it).pk(Item::Int(1), "pkint")?;
                pack_str(it, &value_str(v))?;
                i += 1;
            }
            Value::Obj(Some(o)) => {
                let class = it.classes[o.class as usize].name.to_string();
                board(it).pk(Item::Int(2), "pkint")?;
                pack_str(it, &class)?;
                board(it).pk(Item::Int(o.index as i32), "pkint")?;
                pack_str(it, &crate::builtins::string(a, i + 1)?)?;
                i += 2;
            }
            v => return Err(hoc_err!("ParallelContext.submit: arg {} is a {}, not a function name or an object", i + 1, v.type_name())),
        }
        let mut kinds = 0;
        let mut unit = 1;
        for v in &a[i..] {
            let k = match v {
                Value::Num(_) => 1,
                Value::Str(_) | Value::SRef(_) => 2,
                _ if vector_arg(it, v).is_some() => 3,
                v => return Err(hoc_err!("ParallelContext.submit: arguments are numbers, strings or Vectors, not a {}", v.type_name())),
            };
            kinds += k * unit;
            unit *= 5;
        }
        board(it).pk(Item::Int(kinds), "pkint")?;
        pack_values(it, &a[i..])?;
    } else {
        match a.get(i) {
            Some(v @ (Value::Str(_) | Value::SRef(_))) => {
                board(it).pk(Item::Int(0), "pkint")?;
                pack_str(it, &value_str(v))?;
            }
            Some(v) => return Err(hoc_err!("ParallelContext.submit: a statement must be a string, not a {}", v.type_name())),
            None => return Err(hoc_err!("not enough arguments")),
        }
    }
    board(it).packing = false;
    Ok(id)
}

fn pack_str(it: &mut Interp, s: &str) -> HResult<()> {
    board(it).pk(Item::Int(s.len() as i32), "pkstr length")?;
    board(it).pk(Item::Str(s.to_string()), "pkstr string")
}

/// Runs one job whose message is being unpacked, and posts its result.
fn execute(it: &mut Interp, id: u32) -> HResult<()> {
    let b = board(it);
    let saved = (b.working_id, b.outstanding);
    b.working_id = id;
    b.outstanding = 0;
    let r = execute_body(it, id);
    let b = board(it);
    (b.working_id, b.outstanding) = saved;
    let (userid, wid) = r?;
    let hoc_ac = it.global_num(it.sym_hoc_ac);
    let b = board(it);
    b.pkbegin();
    for item in [Item::Int(userid), Item::Int(wid), Item::Int(0), Item::Double(hoc_ac)] {
        b.pk(item, "pkint")?;
    }
    let msg = Rc::new(RefCell::new(b.posting.take().unwrap_or_default()));
    // The job's message is replaced by its result, filed under its submitter.
    let parent = b.jobs.get(&id).and_then(|j| j.path.len().checked_sub(2).map(|k| j.path[k])).unwrap_or(0);
    if let Some(j) = b.jobs.get_mut(&id) {
        j.msg = msg;
    }
    b.results.entry(parent).or_default().push_back(id);
    Ok(())
}

fn execute_body(it: &mut Interp, id: u32) -> HResult<(i32, i32)> {
    let userid = board(it).upkint("upkint")?;
    let wid = board(it).upkint("upkint")?;
    it.set_global_num("hoc_ac_", id as f64);
    let style = board(it).upkint("upkint")?;
    if style == 0 {
        let stmt = board(it).upkstr()?;
        run_statement(it, &stmt)?;
        return Ok((userid, wid));
    }
    let (obj, fname) = if style == 2 {
        let class = board(it).upkstr()?;
        let index = board(it).upkint("upkint")? as usize;
        let ci = it.class_id(&class).filter(|&ci| it.template(ci).is_some()).ok_or_else(|| hoc_err!("{class} is not a template"))?;
        let Some(o) = it.classes[ci as usize].find_instance(index) else {
            it.end_partial_line();
            eprintln!("{class}[{index}] is not an Object in this process");
            return Err(hoc_err!("ParallelContext execution error"));
        };
        (Some(o), board(it).upkstr()?)
    } else {
        (None, board(it).upkstr()?)
    };
    let mut kinds = board(it).upkint("upkint")?;
    let mut args = Vec::new();
    while kinds % 5 != 0 {
        args.push(match kinds % 5 {
            1 => Value::Num(board(it).upkdouble()?),
            2 => Value::Str(board(it).upkstr()?.into()),
            _ => {
                let data = board(it).upkvec()?;
                Value::Obj(Some(new_vector(it, data)))
            }
        });
        kinds /= 5;
    }
    let x = call_named(it, obj, &fname, args)?;
    it.set_global_num("hoc_ac_", x);
    Ok((userid, wid))
}

/// Calls a function or procedure by name (of an object if given); its
/// value, 0 for a procedure.
fn call_named(it: &mut Interp, obj: Option<ObjRef>, name: &str, args: Vec<Value>) -> HResult<f64> {
    let kind = match &obj {
        Some(o) => it.template(o.class).and_then(|t| t.scope.get(name).map(|i| t.scope.kind(i).clone())),
        None => it.globals.get(name).map(|i| it.globals.kind(i).clone()),
    };
    let places = vec![None; args.len()];
    let v = match kind {
        Some(Kind::Func(d) | Kind::Proc(d) | Kind::Obfunc(d)) => it.call_user(&d, args, places, obj, None)?,
        Some(Kind::Builtin(f)) if obj.is_none() => f(it, &args)?,
        _ => {
            let owner = it.obj_name_opt(&obj);
            it.end_partial_line();
            eprintln!("{name} not a function in {owner}");
            return Err(hoc_err!("ParallelContext execution error"));
        }
    };
    Ok(match v {
        Value::Num(x) => x,
        _ => 0.0,
    })
}

/// Runs a submitted statement at the top level.
fn run_statement(it: &mut Interp, stmt: &str) -> HResult<()> {
    let name = it.sources.last().map(|s| s.name.clone()).unwrap_or_default();
    it.in_context(None, |it| it.run_text(&name, format!("{stmt}\n").into()))
}

/// Methods of ParallelContext that use the bulletin board; None if `name` is not one.
pub fn method(it: &mut Interp, name: &str, a: &[Value]) -> HResult<Option<Value>> {
    let num = |x: f64| Ok(Some(Value::Num(x)));
    match name {
        "submit" => {
            let id = pack_job(it, a)?;
            let b = board(it);
            let msg = Rc::new(RefCell::new(b.posting.take().unwrap_or_default()));
            b.outstanding += 1;
            if id < 0 {
                b.kept.insert(id, msg.clone());
            }
            b.post_todo(msg);
            num(id as f64)
        }
        "context" => {
            pack_job(it, a)?;
            num(1.0)
        }
        "working" => {
            if board(it).outstanding <= 0 {
                return num(0.0);
            }
            loop {
                let wid = board(it).working_id;
                if let Some(id) = board(it).take_result(wid) {
                    let b = board(it);
                    let userid = b.upkint("upkint")?;
                    b.upkint("upkint")?;
                    b.upkint("upkint")?;
                    b.retval = b.upkdouble()?;
                    b.userid = userid;
                    b.outstanding -= 1;
                    if userid < 0 {
                        // The job's arguments become the message to unpack.
                        if let Some(m) = b.kept.remove(&userid) {
                            m.borrow_mut().next = 0;
                            b.taking = Some(m);
                            skip_job_header(b)?;
                        }
                    }
                    return num(id as f64);
                }
                match board(it).take_todo() {
                    Some(id) => execute(it, id)?,
                    None => return Err(bbs_err("working")),
                }
            }
        }
        "retval" => num(board(it).retval),
        "userid" => num(board(it).userid as f64),
        "pack" => {
            pack_values(it, a)?;
            num(0.0)
        }
        "post" => {
            let k = key(it, a)?;
            pack_values(it, &a[1..])?;
            let b = board(it);
            b.packing = false;
            let m = Rc::new(RefCell::new(b.posting.take().unwrap_or_default()));
            b.messages.entry(k).or_default().push_back(m);
            num(1.0)
        }
        "take" => {
            let k = key(it, a)?;
            loop {
                if board(it).take_message(&k, true) {
                    break;
                }
                match board(it).take_todo() {
                    Some(id) => execute(it, id)?,
                    None => return Err(bbs_err("take blocking")),
                }
            }
            unpack_into(it, &a[1..])?;
            num(1.0)
        }
        "look" | "look_take" => {
            let k = key(it, a)?;
            if !board(it).take_message(&k, name == "look_take") {
                return num(0.0);
            }
            unpack_into(it, &a[1..])?;
            num(1.0)
        }
        "unpack" => {
            unpack_into(it, a)?;
            num(1.0)
        }
        "upkscalar" => num(board(it).upkdouble()?),
        "upkstr" => {
            let s = board(it).upkstr()?;
            let r = crate::builtins::str_ref(a, 0)?;
            *r.borrow_mut() = s;
            Ok(Some(Value::SRef(r)))
        }
        "upkvec" => {
            let data = board(it).upkvec()?;
            let v = match a.first() {
                Some(v) => vector_arg(it, v).ok_or_else(|| hoc_err!("upkvec: the argument must be a Vector"))?,
                None => new_vector(it, Vec::new()),
            };
            with_vec(&v, |x| x.data = data)?;
            Ok(Some(Value::Obj(Some(v))))
        }
        "runworker" => {
            board(it).runworker_called = true;
            let np = &it.eng.parallel.netpar;
            if np.nhost > 1 && np.rank > 0 {
                // A worker of an MPI run: the master runs the jobs (the
                // results do not depend on where a job runs); the worker
                // waits for `done` and then ends, as NEURON's workers do.
                it.flush();
                it.eng.parallel.comm.barrier();
                return Err(HocError::quit(0));
            }
            num(0.0)
        }
        "done" => {
            release_workers(it);
            let b = board(it);
            if b.runworker_called {
                b.done = true;
            }
            num(0.0)
        }
        "master_works_on_jobs" => {
            crate::builtins::chkarg(it, a, 0, 0.0, 1.0)?;
            num(0.0)
        }
        _ => Ok(None),
    }
}

/// Skips what precedes a job's arguments in its message.
fn skip_job_header(b: &mut Board) -> HResult<()> {
    b.upkint("upkint")?;
    b.upkint("upkint")?;
    match b.upkint("upkint")? {
        0 => {
            b.upkstr()?;
        }
        style => {
            if style == 2 {
                b.upkstr()?;
                b.upkint("upkint")?;
            }
            b.upkstr()?;
            b.upkint("upkint")?;
        }
    }
    Ok(())
}
