//! A compact, indented rendering of the syntax tree, used by the snapshot
//! tests and handy for debugging. Items, declarations and statements end with
//! `@line:col`; expressions are printed infix with every operation
//! parenthesised, so precedence is visible.

use std::fmt::Write;

use crate::ast::*;

/// Renders a module.
pub fn module(m: &Module) -> String {
    let mut p = Printer {
        out: String::new(),
        indent: 0,
    };
    for it in &m.items {
        p.item(it);
    }
    p.out
}

/// Renders one expression.
pub fn expr(e: &Expr) -> String {
    let mut s = String::new();
    write_expr(&mut s, e);
    s
}

struct Printer {
    out: String,
    indent: usize,
}

fn pos(s: Span) -> String {
    format!("@{}:{}", s.line, s.col)
}

fn num(n: &Number) -> String {
    if n.integer && n.value.abs() < 1e15 {
        format!("{}", n.value as i64)
    } else {
        format!("{:?}", n.value)
    }
}

fn unit(u: &Option<Unit>) -> String {
    u.as_ref()
        .map_or(String::new(), |u| format!(" ({})", u.text))
}

fn names(v: &[Ident]) -> String {
    v.iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn count(c: &Count) -> String {
    c.value.to_string()
}

fn size(c: &Option<Count>) -> String {
    c.as_ref()
        .map_or(String::new(), |c| format!("[{}]", count(c)))
}

fn args(a: &[Arg]) -> String {
    a.iter()
        .map(|a| format!("{}{}", a.name.name, unit(&a.unit)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn var(v: &VarRef) -> String {
    let mut s = v.name.name.clone();
    for _ in 0..v.prime {
        s.push('\'');
    }
    if let Some(k) = &v.at {
        s.push_str(&format!("@{}", k.value));
    }
    if let Some(i) = &v.index {
        s.push('[');
        write_expr(&mut s, i);
        s.push(']');
    }
    s
}

fn terms(t: &[ReactTerm]) -> String {
    t.iter()
        .map(|t| {
            if t.coeff == 1 {
                var(&t.var)
            } else {
                format!("{} {}", t.coeff, var(&t.var))
            }
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

fn write_expr(s: &mut String, e: &Expr) {
    match &e.kind {
        ExprKind::Num(n, u) => {
            s.push_str(&num(n));
            s.push_str(&unit(u));
        }
        ExprKind::Str(t) => {
            let _ = write!(s, "{t:?}");
        }
        ExprKind::Var(v) => s.push_str(&var(v)),
        ExprKind::Call(c) => write_call(s, c),
        ExprKind::Unary(op, x) => {
            s.push_str(match op {
                UnOp::Neg => "(-",
                UnOp::Not => "(!",
            });
            write_expr(s, x);
            s.push(')');
        }
        ExprKind::Binary(op, a, b) => {
            s.push('(');
            write_expr(s, a);
            let _ = write!(s, " {} ", op.symbol());
            write_expr(s, b);
            s.push(')');
        }
    }
}

fn write_call(s: &mut String, c: &Call) {
    s.push_str(&c.name.name);
    s.push('(');
    for (i, a) in c.args.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        write_expr(s, a);
    }
    s.push(')');
}

impl Printer {
    fn line(&mut self, text: &str, at: Span) {
        for _ in 0..self.indent {
            self.out.push_str("  ");
        }
        let _ = writeln!(self.out, "{text} {}", pos(at));
    }

    fn nested(&mut self, f: impl FnOnce(&mut Self)) {
        self.indent += 1;
        f(self);
        self.indent -= 1;
    }

    fn block(&mut self, head: &str, b: &Block, at: Span) {
        self.line(head, at);
        self.nested(|p| {
            for s in &b.stmts {
                p.stmt(s);
            }
        });
    }

    fn item(&mut self, it: &Item) {
        let at = it.span;
        match &it.kind {
            ItemKind::Title(t) => self.line(&format!("TITLE {t:?}"), at),
            ItemKind::Define { name, value } => {
                self.line(&format!("DEFINE {} {value}", name.name), at)
            }
            ItemKind::Include(f) => self.line(&format!("INCLUDE {f:?}"), at),
            ItemKind::UnitsOn => self.line("UNITSON", at),
            ItemKind::UnitsOff => self.line("UNITSOFF", at),
            ItemKind::Verbatim(t) => self.line(&format!("VERBATIM ({} bytes)", t.len()), at),
            ItemKind::Neuron(v) => {
                self.line("NEURON", at);
                self.nested(|p| v.iter().for_each(|s| p.neuron(s)));
            }
            ItemKind::Units(v) => {
                self.line("UNITS", at);
                self.nested(|p| {
                    for u in v {
                        let t = match &u.kind {
                            UnitsStmtKind::Alias { name, def } => {
                                format!("({}) = ({})", name.text, def.text)
                            }
                            UnitsStmtKind::Value { name, value, unit } => {
                                format!("{} = {} ({})", name.name, num(value), unit.text)
                            }
                            UnitsStmtKind::Factor { name, from, to } => {
                                format!("{} = ({}) -> ({})", name.name, from.text, to.text)
                            }
                        };
                        p.line(&t, u.span);
                    }
                });
            }
            ItemKind::Parameter(v) => {
                self.line("PARAMETER", at);
                self.nested(|p| {
                    for d in v {
                        let mut t = format!("{}{}", d.name.name, size(&d.size));
                        if let Some(n) = &d.value {
                            let _ = write!(t, " = {}", num(n));
                        }
                        t.push_str(&unit(&d.unit));
                        if let Some((lo, hi)) = &d.limits {
                            let _ = write!(t, " <{}, {}>", num(lo), num(hi));
                        }
                        p.line(&t, d.span);
                    }
                });
            }
            ItemKind::Constant(v) => {
                self.line("CONSTANT", at);
                self.nested(|p| {
                    for d in v {
                        p.line(
                            &format!("{} = {}{}", d.name.name, num(&d.value), unit(&d.unit)),
                            d.span,
                        );
                    }
                });
            }
            ItemKind::Independent(v) => {
                self.line("INDEPENDENT", at);
                self.nested(|p| {
                    for d in v {
                        let mut t = format!(
                            "{}{} FROM {} TO {} WITH {}",
                            if d.sweep { "SWEEP " } else { "" },
                            d.name.name,
                            num(&d.from),
                            num(&d.to),
                            count(&d.with)
                        );
                        if let Some(s) = &d.start {
                            let _ = write!(t, " START {}", num(s));
                        }
                        t.push_str(&unit(&d.unit));
                        p.line(&t, d.span);
                    }
                });
            }
            ItemKind::Assigned(v) => self.var_decls("ASSIGNED", v, at),
            ItemKind::State(v) => self.var_decls("STATE", v, at),
            ItemKind::Local(v) => self.line(&format!("LOCAL {}", locals(v)), at),
            ItemKind::Initial(b) => self.block("INITIAL", b, at),
            ItemKind::Breakpoint(b) => self.block("BREAKPOINT", b, at),
            ItemKind::Constructor(b) => self.block("CONSTRUCTOR", b, at),
            ItemKind::Destructor(b) => self.block("DESTRUCTOR", b, at),
            ItemKind::Derivative(s) => self.solvable("DERIVATIVE", s, at),
            ItemKind::Kinetic(s) => self.solvable("KINETIC", s, at),
            ItemKind::Linear(s) => self.solvable("LINEAR", s, at),
            ItemKind::NonLinear(s) => self.solvable("NONLINEAR", s, at),
            ItemKind::Discrete(s) => self.solvable("DISCRETE", s, at),
            ItemKind::Procedure(c) => self.callable("PROCEDURE", c, at),
            ItemKind::Function(c) => self.callable("FUNCTION", c, at),
            ItemKind::FunctionTable {
                name,
                args: a,
                unit: u,
            } => self.line(
                &format!("FUNCTION_TABLE {}({}){}", name.name, args(a), unit(u)),
                at,
            ),
            ItemKind::NetReceive { args: a, body } => {
                self.block(&format!("NET_RECEIVE({})", args(a)), body, at)
            }
            ItemKind::Before(k, b) => self.block(&format!("BEFORE {k:?}"), b, at),
            ItemKind::After(k, b) => self.block(&format!("AFTER {k:?}"), b, at),
        }
    }

    fn neuron(&mut self, s: &NeuronStmt) {
        let t = match &s.kind {
            NeuronStmtKind::Suffix { kind, name } => format!(
                "{} {}",
                match kind {
                    SuffixKind::Suffix => "SUFFIX",
                    SuffixKind::PointProcess => "POINT_PROCESS",
                    SuffixKind::ArtificialCell => "ARTIFICIAL_CELL",
                },
                name.name
            ),
            NeuronStmtKind::UseIon(u) => {
                let mut t = format!("USEION {}", u.ion.name);
                if !u.read.is_empty() {
                    let _ = write!(t, " READ {}", names(&u.read));
                }
                if !u.write.is_empty() {
                    let _ = write!(t, " WRITE {}", names(&u.write));
                }
                if let Some(v) = &u.valence {
                    let _ = write!(t, " VALENCE {}", num(v));
                }
                if let Some(r) = &u.represents {
                    let _ = write!(t, " REPRESENTS {r}");
                }
                t
            }
            NeuronStmtKind::NonspecificCurrent(v) => format!("NONSPECIFIC_CURRENT {}", names(v)),
            NeuronStmtKind::ElectrodeCurrent(v) => format!("ELECTRODE_CURRENT {}", names(v)),
            NeuronStmtKind::Range(v) => format!("RANGE {}", names(v)),
            NeuronStmtKind::Global(v) => format!("GLOBAL {}", names(v)),
            NeuronStmtKind::Pointer(v) => format!("POINTER {}", names(v)),
            NeuronStmtKind::BbcorePointer(v) => format!("BBCOREPOINTER {}", names(v)),
            NeuronStmtKind::External(v) => format!("EXTERNAL {}", names(v)),
            NeuronStmtKind::Random(v) => format!("RANDOM {}", names(v)),
            NeuronStmtKind::Threadsafe => "THREADSAFE".into(),
            NeuronStmtKind::Represents(r) => format!("REPRESENTS {r}"),
        };
        self.line(&t, s.span);
    }

    fn var_decls(&mut self, head: &str, v: &[VarDecl], at: Span) {
        self.line(head, at);
        self.nested(|p| {
            for d in v {
                let mut t = format!("{}{}", d.name.name, size(&d.size));
                if let Some((lo, hi)) = &d.from_to {
                    let _ = write!(t, " FROM {} TO {}", num(lo), num(hi));
                }
                if let Some(s) = &d.start {
                    let _ = write!(t, " START {}", num(s));
                }
                t.push_str(&unit(&d.unit));
                if let Some(a) = &d.abstol {
                    let _ = write!(t, " <{}>", num(a));
                }
                p.line(&t, d.span);
            }
        });
    }

    fn solvable(&mut self, head: &str, s: &Solvable, at: Span) {
        let mut h = format!("{head} {}", s.name.name);
        if !s.solvefor.is_empty() {
            let _ = write!(h, " SOLVEFOR {}", names(&s.solvefor));
        }
        self.block(&h, &s.body, at);
    }

    fn callable(&mut self, head: &str, c: &Callable, at: Span) {
        self.block(
            &format!("{head} {}({}){}", c.name.name, args(&c.args), unit(&c.unit)),
            &c.body,
            at,
        );
    }

    fn stmt(&mut self, s: &Stmt) {
        let at = s.span;
        match &s.kind {
            StmtKind::Local(v) => self.line(&format!("LOCAL {}", locals(v)), at),
            StmtKind::Assign { lhs, rhs } => {
                self.line(&format!("{} = {}", var(lhs), expr(rhs)), at)
            }
            StmtKind::Call(c) => {
                let mut t = String::new();
                write_call(&mut t, c);
                self.line(&t, at);
            }
            StmtKind::If {
                cond,
                then,
                else_ifs,
                else_,
            } => {
                self.block(&format!("if {}", expr(cond)), then, at);
                for e in else_ifs {
                    self.block(&format!("else if {}", expr(&e.cond)), &e.body, e.span);
                }
                if let Some(b) = else_ {
                    self.block("else", b, b.span);
                }
            }
            StmtKind::While { cond, body } => {
                self.block(&format!("while {}", expr(cond)), body, at)
            }
            StmtKind::From {
                var: v,
                from,
                to,
                by,
                body,
            } => {
                let mut h = format!("FROM {} = {} TO {}", v.name, expr(from), expr(to));
                if let Some(b) = by {
                    let _ = write!(h, " BY {}", expr(b));
                }
                self.block(&h, body, at);
            }
            StmtKind::Block(b) => self.block("{}", b, at),
            StmtKind::Solve(sv) => {
                let mut t = format!("SOLVE {}", sv.name.name);
                if let Some(m) = &sv.method {
                    let _ = write!(
                        t,
                        " {} {}",
                        if m.steadystate {
                            "STEADYSTATE"
                        } else {
                            "METHOD"
                        },
                        m.name.name
                    );
                }
                self.line(&t, at);
            }
            StmtKind::Reaction(r) => {
                let t = match &r.kind {
                    ReactionKind::Reversible { rhs, kf, kb } => {
                        format!(
                            "~ {} <-> {} ({}, {})",
                            terms(&r.lhs),
                            terms(rhs),
                            expr(kf),
                            expr(kb)
                        )
                    }
                    ReactionKind::Flux { rate } => {
                        format!("~ {} << ({})", terms(&r.lhs), expr(rate))
                    }
                    ReactionKind::Sink { rate } => {
                        format!("~ {} -> ({})", terms(&r.lhs), expr(rate))
                    }
                };
                self.line(&t, at);
            }
            StmtKind::Equation { lhs, rhs } => {
                self.line(&format!("~ {} = {}", expr(lhs), expr(rhs)), at)
            }
            StmtKind::Conserve { lhs, rhs } => {
                self.line(&format!("CONSERVE {} = {}", terms(lhs), expr(rhs)), at)
            }
            StmtKind::Compartment {
                index,
                volume,
                species,
            } => self.line(
                &format!(
                    "COMPARTMENT {}{} {{{}}}",
                    index
                        .as_ref()
                        .map_or(String::new(), |i| format!("{}, ", i.name)),
                    expr(volume),
                    names(species)
                ),
                at,
            ),
            StmtKind::LongitudinalDiffusion {
                index,
                rate,
                species,
            } => self.line(
                &format!(
                    "LONGITUDINAL_DIFFUSION {}{} {{{}}}",
                    index
                        .as_ref()
                        .map_or(String::new(), |i| format!("{}, ", i.name)),
                    expr(rate),
                    names(species)
                ),
                at,
            ),
            StmtKind::Table(t) => {
                let mut h = "TABLE".to_string();
                if !t.vars.is_empty() {
                    let _ = write!(h, " {}", names(&t.vars));
                }
                if !t.depend.is_empty() {
                    let _ = write!(h, " DEPEND {}", names(&t.depend));
                }
                let _ = write!(
                    h,
                    " FROM {} TO {} WITH {}",
                    expr(&t.from),
                    expr(&t.to),
                    count(&t.with)
                );
                self.line(&h, at);
            }
            StmtKind::Watch(v) => {
                let w = v
                    .iter()
                    .map(|w| {
                        format!(
                            "({} {} {}) {}",
                            expr(&w.lhs),
                            if w.above { ">" } else { "<" },
                            expr(&w.rhs),
                            num(&w.flag)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                self.line(&format!("WATCH {w}"), at);
            }
            StmtKind::ForNetcons { args: a, body } => {
                self.block(&format!("FOR_NETCONS({})", args(a)), body, at)
            }
            StmtKind::Initial(b) => self.block("INITIAL", b, at),
            StmtKind::Verbatim(t) => self.line(&format!("VERBATIM ({} bytes)", t.len()), at),
            StmtKind::UnitsOn => self.line("UNITSON", at),
            StmtKind::UnitsOff => self.line("UNITSOFF", at),
            StmtKind::MutexLock => self.line("MUTEXLOCK", at),
            StmtKind::MutexUnlock => self.line("MUTEXUNLOCK", at),
            StmtKind::Protect(s) => {
                self.line("PROTECT", at);
                self.nested(|p| p.stmt(s));
            }
            StmtKind::Conductance { name, ion } => self.line(
                &format!(
                    "CONDUCTANCE {}{}",
                    name.name,
                    ion.as_ref()
                        .map_or(String::new(), |i| format!(" USEION {}", i.name))
                ),
                at,
            ),
            StmtKind::Lag { name, by } => {
                self.line(&format!("LAG {} BY {}", name.name, by.name), at)
            }
        }
    }
}

fn locals(v: &[LocalVar]) -> String {
    v.iter()
        .map(|l| format!("{}{}", l.name.name, size(&l.size)))
        .collect::<Vec<_>>()
        .join(", ")
}
