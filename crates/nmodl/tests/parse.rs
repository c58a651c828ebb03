//! Behaviour of the parser on small inputs: precedence, units, DEFINE,
//! positions, and the wording and placement of errors.

use nmodl::ast::*;
use nmodl::span::LineIndex;

fn parse(src: &str) -> Module {
    nmodl::parse(src, "t.mod").unwrap_or_else(|e| panic!("{e}"))
}

fn err(src: &str) -> String {
    nmodl::parse(src, "t.mod")
        .expect_err("should fail")
        .to_string()
}

/// The right-hand side of `x = <e>` in a PROCEDURE, pretty-printed.
fn rhs(e: &str) -> String {
    let m = parse(&format!("PROCEDURE p() {{ x = {e} }}"));
    let ItemKind::Procedure(c) = &m.items[0].kind else {
        panic!()
    };
    let StmtKind::Assign { rhs, .. } = &c.body.stmts[0].kind else {
        panic!()
    };
    nmodl::pretty::expr(rhs)
}

#[test]
fn precedence_follows_nocmodl() {
    assert_eq!(rhs("-x^2"), "(-(x ^ 2))");
    assert_eq!(rhs("2^3^2"), "(2 ^ (3 ^ 2))");
    assert_eq!(rhs("2^-1"), "(2 ^ (-1))");
    assert_eq!(rhs("a - b - c"), "((a - b) - c)");
    assert_eq!(rhs("a / b * c"), "((a / b) * c)");
    assert_eq!(rhs("a + b * c ^ d"), "(a + (b * (c ^ d)))");
    assert_eq!(rhs("a < b == c"), "((a < b) == c)");
    assert_eq!(rhs("!a && b || c"), "(((!a) && b) || c)");
    assert_eq!(rhs("a || b && c"), "(a || (b && c))");
    assert_eq!(rhs("-a * b"), "((-a) * b)");
    assert_eq!(rhs("a >= b + 1"), "(a >= (b + 1))");
    assert_eq!(rhs("f(a, \"s\", g())"), "f(a, \"s\", g())");
    assert_eq!(rhs("x[i+1] + y'"), "(x[(i + 1)] + y')");
    // free-form: newlines are blanks
    assert_eq!(rhs("a\n  - b"), "(a - b)");
}

#[test]
fn units_are_raw_text() {
    let m = parse(
        "UNITS { FARADAY = (faraday) (coulomb)\n R = (k-mole) (joule/degC)\n (mV) = (millivolt)\n F = 96485.3 ( coulomb ) }\n\
         PARAMETER { k = 2 (/ms) <0, 1e9>  c = 1 (1/degC) }\n\
         FUNCTION f(v (mV)) (/ms) { f = 0.1 (ms) * v }",
    );
    let ItemKind::Units(u) = &m.items[0].kind else {
        panic!()
    };
    assert!(
        matches!(&u[0].kind, UnitsStmtKind::Factor { name, from, to }
        if name.name == "FARADAY" && from.text == "faraday" && to.text == "coulomb")
    );
    assert!(matches!(&u[1].kind, UnitsStmtKind::Factor { from, to, .. }
        if from.text == "k-mole" && to.text == "joule/degC"));
    assert!(
        matches!(&u[2].kind, UnitsStmtKind::Alias { name, def } if name.text == "mV" && def.text == "millivolt")
    );
    assert!(
        matches!(&u[3].kind, UnitsStmtKind::Value { value, unit, .. } if value.value == 96485.3 && unit.text == "coulomb")
    );
    let ItemKind::Parameter(p) = &m.items[1].kind else {
        panic!()
    };
    assert_eq!(p[0].unit.as_ref().unwrap().text, "/ms");
    assert_eq!(p[0].limits.as_ref().unwrap().1.value, 1e9);
    assert_eq!(p[1].unit.as_ref().unwrap().text, "1/degC");
    let ItemKind::Function(f) = &m.items[2].kind else {
        panic!()
    };
    assert_eq!(f.args[0].unit.as_ref().unwrap().text, "mV");
    assert_eq!(f.unit.as_ref().unwrap().text, "/ms");
    let StmtKind::Assign { rhs, .. } = &f.body.stmts[0].kind else {
        panic!()
    };
    assert_eq!(nmodl::pretty::expr(rhs), "(0.1 (ms) * v)");
}

#[test]
fn a_colon_inside_a_unit_is_not_a_comment() {
    let m = parse("PARAMETER { x = 1 (a:b) y }");
    let ItemKind::Parameter(p) = &m.items[0].kind else {
        panic!()
    };
    assert_eq!(p[0].unit.as_ref().unwrap().text, "a:b");
    assert_eq!(p[1].name.name, "y");
}

#[test]
fn define_is_a_textual_substitution() {
    let m = parse(
        "DEFINE N 4\nDEFINE M -2\nSTATE { c[N] }\nINITIAL { FROM i = 0 TO N - 1 { c[i] = M } }\n\
         NET_RECEIVE(w) { WATCH (v > 0) N }",
    );
    assert!(matches!(
        m.items[1].kind,
        ItemKind::Define { value: -2, .. }
    ));
    let ItemKind::State(s) = &m.items[2].kind else {
        panic!()
    };
    assert_eq!(s[0].size.as_ref().unwrap().value, 4);
    let out = nmodl::pretty::module(&m);
    assert!(out.contains("FROM i = 0 TO (4 - 1)"), "{out}");
    assert!(out.contains("c[i] = -2"), "{out}");
    assert!(out.contains("WATCH (v > 0) 4"), "{out}");
}

#[test]
fn comments_title_and_verbatim() {
    let src = "TITLE  my mech : not a comment\nCOMMENT\nanything { here\n  ENDCOMMENT trailing\n? q\n: c\n\
               NEURON { SUFFIX a : c\n COMMENT x\n ENDCOMMENT\n RANGE b }\nVERBATIM\nint x; /* } */\nENDVERBATIM\n\
               PROCEDURE p() {\nVERBATIM\n  return 0;\n  ENDVERBATIM\n}";
    let m = parse(src);
    assert!(matches!(&m.items[0].kind, ItemKind::Title(t) if t == "my mech : not a comment"));
    let ItemKind::Neuron(n) = &m.items[1].kind else {
        panic!()
    };
    assert_eq!(n.len(), 2);
    assert!(matches!(&m.items[2].kind, ItemKind::Verbatim(t) if t == "\nint x; /* } */\n"));
    let ItemKind::Procedure(p) = &m.items[3].kind else {
        panic!()
    };
    assert!(matches!(&p.body.stmts[0].kind, StmtKind::Verbatim(t) if t == "\n  return 0;\n"));
}

#[test]
fn crlf_and_lf_give_the_same_tree() {
    let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mods/hhx.mod"))
        .unwrap();
    let a = nmodl::pretty::module(&parse(&src));
    let b = nmodl::pretty::module(&parse(&src.replace('\n', "\r\n")));
    assert_eq!(a, b);
}

#[test]
fn neuron_block_statements() {
    let m = parse(
        "NEURON { SUFFIX x USEION ca READ cai, cao WRITE ica VALENCE 2 USEION cl WRITE icl CHARGE -1 \
         NONSPECIFIC_CURRENT i, j NONSPECIFIC_CURRENT k REPRESENTS NCIT:C17145 RANDOM r }",
    );
    let ItemKind::Neuron(n) = &m.items[0].kind else {
        panic!()
    };
    let NeuronStmtKind::UseIon(ca) = &n[1].kind else {
        panic!()
    };
    assert_eq!(ca.read.len(), 2);
    assert_eq!(ca.write[0].name, "ica");
    assert_eq!(ca.valence.as_ref().unwrap().value, 2.0);
    let NeuronStmtKind::UseIon(cl) = &n[2].kind else {
        panic!()
    };
    assert_eq!(cl.valence.as_ref().unwrap().value, -1.0);
    assert!(matches!(&n[3].kind, NeuronStmtKind::NonspecificCurrent(v) if v.len() == 2));
    assert!(matches!(&n[5].kind, NeuronStmtKind::Represents(r) if r == "NCIT:C17145"));
    assert!(matches!(&n[6].kind, NeuronStmtKind::Random(_)));
}

#[test]
fn declarations() {
    let m = parse(
        "INDEPENDENT { SWEEP t FROM 0 TO 100 WITH 10 START 0 (ms) }\n\
         STATE { x[3] FROM -1 TO 1 START 0.5 (mV) <1e-3> m }\n\
         ASSIGNED { v (mV) celsius (degC) dt t }\nLOCAL a, b[2]\nCONSTANT { pi2 = 6.28 q = -1 (coulomb) }",
    );
    let ItemKind::Independent(i) = &m.items[0].kind else {
        panic!()
    };
    assert!(i[0].sweep && i[0].with.value == 10 && i[0].start.is_some());
    let ItemKind::State(s) = &m.items[1].kind else {
        panic!()
    };
    let x = &s[0];
    assert_eq!(x.size.as_ref().unwrap().value, 3);
    assert_eq!(x.from_to.as_ref().unwrap().0.value, -1.0);
    assert_eq!(x.abstol.as_ref().unwrap().value, 1e-3);
    let ItemKind::Assigned(a) = &m.items[2].kind else {
        panic!()
    };
    assert_eq!(
        a.iter().map(|d| d.name.name.as_str()).collect::<Vec<_>>(),
        ["v", "celsius", "dt", "t"]
    );
    assert!(
        matches!(&m.items[3].kind, ItemKind::Local(l) if l[1].size.as_ref().unwrap().value == 2)
    );
    let ItemKind::Constant(c) = &m.items[4].kind else {
        panic!()
    };
    assert_eq!(c[1].value.value, -1.0);
}

#[test]
fn statement_forms() {
    let m = parse(
        "BEFORE STEP { x = 1 }\nAFTER SOLVE { x = 2 }\nDISCRETE d { x = 3 }\n\
         BREAKPOINT { SOLVE p SOLVE d STEADYSTATE sparse SOLVE s METHOD after_cvode MUTEXLOCK MUTEXUNLOCK\n\
         PROTECT x = x + 1 CONDUCTANCE g USEION na { y = 1 } }\n\
         NET_RECEIVE(w) { FOR_NETCONS(w1) { w1 = 0 } }\nKINETIC k { ~ a << (1) ~ x + y <-> z (f_flux, b_flux) }",
    );
    assert!(matches!(m.items[0].kind, ItemKind::Before(BaKind::Step, _)));
    assert!(matches!(m.items[1].kind, ItemKind::After(BaKind::Solve, _)));
    let ItemKind::Breakpoint(b) = &m.items[3].kind else {
        panic!()
    };
    assert!(matches!(
        &b.stmts[0].kind,
        StmtKind::Solve(Solve { method: None, .. })
    ));
    assert!(matches!(
        &b.stmts[1].kind,
        StmtKind::Solve(Solve {
            method: Some(SolveMethod {
                steadystate: true,
                ..
            }),
            ..
        })
    ));
    assert!(
        matches!(&b.stmts[2].kind, StmtKind::Solve(Solve { method: Some(m), .. }) if m.name.name == "after_cvode")
    );
    assert!(matches!(&b.stmts[5].kind, StmtKind::Protect(_)));
    assert!(matches!(
        &b.stmts[6].kind,
        StmtKind::Conductance { ion: Some(_), .. }
    ));
    assert!(matches!(&b.stmts[7].kind, StmtKind::Block(_)));
    let ItemKind::Kinetic(k) = &m.items[5].kind else {
        panic!()
    };
    let StmtKind::Reaction(r) = &k.body.stmts[1].kind else {
        panic!()
    };
    assert_eq!(r.lhs.len(), 2);
    assert!(matches!(&r.kind, ReactionKind::Reversible { rhs, .. } if rhs[0].var.name.name == "z"));
}

#[test]
fn positions() {
    let src = "NEURON {\n  SUFFIX a\n}\nBREAKPOINT {\n\tx = (1 + f(2))\n\tx = 1 (µm) y = 2\n}\n";
    let m = parse(src);
    let ItemKind::Neuron(n) = &m.items[0].kind else {
        panic!()
    };
    assert_eq!((n[0].span.line, n[0].span.col), (2, 3));
    assert_eq!(
        &src[n[0].span.lo as usize..n[0].span.hi as usize],
        "SUFFIX a"
    );
    assert_eq!((m.items[1].span.line, m.items[1].span.col), (4, 1));
    let ItemKind::Breakpoint(b) = &m.items[1].kind else {
        panic!()
    };
    let s = &b.stmts[0];
    assert_eq!((s.span.line, s.span.col), (5, 2));
    assert_eq!(
        &src[s.span.lo as usize..s.span.hi as usize],
        "x = (1 + f(2))"
    );
    let s = &b.stmts[1];
    assert_eq!(&src[s.span.lo as usize..s.span.hi as usize], "x = 1 (µm)");
    // columns count characters, not bytes
    assert_eq!((b.stmts[2].span.line, b.stmts[2].span.col), (6, 13));
}

// ------------------------------------------------------------- every node

/// Checks that a span lies in the text and that its line/col is that of `lo`.
fn check_span(src: &str, lines: &LineIndex, sp: Span) {
    assert!(sp.lo <= sp.hi && (sp.hi as usize) <= src.len(), "{sp:?}");
    assert!(sp.hi > sp.lo, "empty span {sp:?}");
    assert_eq!(
        lines.line_col(src, sp.lo as usize),
        (sp.line, sp.col),
        "{sp:?}"
    );
}

fn walk_expr(c: &mut dyn FnMut(Span), e: &Expr) {
    c(e.span);
    match &e.kind {
        ExprKind::Num(n, u) => {
            c(n.span);
            if let Some(u) = u {
                c(u.span);
            }
        }
        ExprKind::Str(_) => {}
        ExprKind::Var(v) => walk_var(c, v),
        ExprKind::Call(call) => {
            c(call.span);
            c(call.name.span);
            call.args.iter().for_each(|a| walk_expr(c, a));
        }
        ExprKind::Unary(_, x) => walk_expr(c, x),
        ExprKind::Binary(_, a, b) => {
            walk_expr(c, a);
            walk_expr(c, b);
        }
    }
}

fn walk_var(c: &mut dyn FnMut(Span), v: &VarRef) {
    c(v.span);
    c(v.name.span);
    if let Some(i) = &v.index {
        walk_expr(c, i);
    }
}

fn walk_block(c: &mut dyn FnMut(Span), b: &Block) {
    c(b.span);
    for s in &b.stmts {
        c(s.span);
        match &s.kind {
            StmtKind::Assign { lhs, rhs } => {
                walk_var(c, lhs);
                walk_expr(c, rhs);
            }
            StmtKind::Call(call) => call.args.iter().for_each(|a| walk_expr(c, a)),
            StmtKind::If {
                cond,
                then,
                else_ifs,
                else_,
            } => {
                walk_expr(c, cond);
                walk_block(c, then);
                for e in else_ifs {
                    c(e.span);
                    walk_expr(c, &e.cond);
                    walk_block(c, &e.body);
                }
                if let Some(b) = else_ {
                    walk_block(c, b);
                }
            }
            StmtKind::While { cond, body } => {
                walk_expr(c, cond);
                walk_block(c, body);
            }
            StmtKind::From {
                var,
                from,
                to,
                by,
                body,
            } => {
                c(var.span);
                walk_expr(c, from);
                walk_expr(c, to);
                if let Some(b) = by {
                    walk_expr(c, b);
                }
                walk_block(c, body);
            }
            StmtKind::Block(b) | StmtKind::Initial(b) | StmtKind::ForNetcons { body: b, .. } => {
                walk_block(c, b)
            }
            StmtKind::Reaction(r) => {
                for t in &r.lhs {
                    c(t.span);
                    walk_var(c, &t.var);
                }
                match &r.kind {
                    ReactionKind::Reversible { rhs, kf, kb } => {
                        rhs.iter().for_each(|t| walk_var(c, &t.var));
                        walk_expr(c, kf);
                        walk_expr(c, kb);
                    }
                    ReactionKind::Flux { rate } | ReactionKind::Sink { rate } => walk_expr(c, rate),
                }
            }
            StmtKind::Equation { lhs, rhs } => {
                walk_expr(c, lhs);
                walk_expr(c, rhs);
            }
            StmtKind::Conserve { lhs, rhs } => {
                lhs.iter().for_each(|t| walk_var(c, &t.var));
                walk_expr(c, rhs);
            }
            StmtKind::Compartment {
                volume: e, species, ..
            }
            | StmtKind::LongitudinalDiffusion {
                rate: e, species, ..
            } => {
                walk_expr(c, e);
                species.iter().for_each(|s| c(s.span));
            }
            StmtKind::Table(t) => {
                walk_expr(c, &t.from);
                walk_expr(c, &t.to);
                c(t.with.span);
            }
            StmtKind::Watch(w) => {
                for w in w {
                    c(w.span);
                    walk_expr(c, &w.lhs);
                    walk_expr(c, &w.rhs);
                    c(w.flag.span);
                }
            }
            _ => {}
        }
    }
}

#[test]
fn every_node_has_a_consistent_position() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mods");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let src = std::fs::read_to_string(&path).unwrap();
        let lines = LineIndex::new(&src);
        let m = parse(&src);
        let mut c = |sp: Span| {
            check_span(&src, &lines, sp);
            n += 1;
        };
        for it in &m.items {
            c(it.span);
            match &it.kind {
                ItemKind::Initial(b)
                | ItemKind::Breakpoint(b)
                | ItemKind::Constructor(b)
                | ItemKind::Destructor(b)
                | ItemKind::NetReceive { body: b, .. }
                | ItemKind::Before(_, b)
                | ItemKind::After(_, b) => walk_block(&mut c, b),
                ItemKind::Derivative(s)
                | ItemKind::Kinetic(s)
                | ItemKind::Linear(s)
                | ItemKind::NonLinear(s)
                | ItemKind::Discrete(s) => walk_block(&mut c, &s.body),
                ItemKind::Procedure(f) | ItemKind::Function(f) => {
                    f.args.iter().for_each(|a| c(a.span));
                    walk_block(&mut c, &f.body)
                }
                ItemKind::Parameter(v) => v.iter().for_each(|d| c(d.span)),
                ItemKind::Assigned(v) | ItemKind::State(v) => v.iter().for_each(|d| c(d.span)),
                ItemKind::Neuron(v) => v.iter().for_each(|d| c(d.span)),
                ItemKind::Units(v) => v.iter().for_each(|d| c(d.span)),
                _ => {}
            }
        }
    }
    assert!(n > 1000, "only {n} spans checked");
}

// ------------------------------------------------------------------ errors

#[test]
fn error_messages_say_where_and_why() {
    assert_eq!(
        err("PARAMETER { x = }"),
        "t.mod:1:17: expected a number after '=', found '}'"
    );
    assert_eq!(
        err("NEURON {\n  SUFFIX a\n"),
        "t.mod:1:8: NEURON block is never closed: end of file reached before its '}'"
    );
    assert_eq!(
        err("BREAKPOINT {\n  if (x) {\n  y = 1\n}\n"),
        "t.mod:1:12: block is never closed: end of file reached before the '}' matching this '{'"
    );
    assert_eq!(
        err("COMMENT\nno end\n"),
        "t.mod:1:1: COMMENT block is never closed: no line starting with ENDCOMMENT before the end of the file"
    );
    assert_eq!(
        err("BREAKPOINT { ~ a = b }"),
        "t.mod:1:14: '~' statements (reactions and equations) are only allowed in KINETIC, LINEAR, NONLINEAR and DERIVATIVE blocks"
    );
    assert_eq!(
        err("PARAMETER { x = 1 (mV\n}"),
        "t.mod:1:19: unit has no closing ')' on its line (units are written like (mV) or (/ms))"
    );
    assert_eq!(
        err("ASSIGNED { FROM }"),
        "t.mod:1:12: expected a variable name or '}' in the ASSIGNED block, found keyword 'FROM' (it is a reserved word)"
    );
    assert_eq!(
        err(": héllo\nBREAKPOINT { x = 1 $ }"),
        "t.mod:2:20: invalid character '$': no NMODL token starts with it"
    );
    assert_eq!(
        err("é"),
        "t.mod:1:1: invalid character 'é': no NMODL token starts with it"
    );
    assert_eq!(
        err("NET_RECEIVE() { }"),
        "t.mod:1:1: NET_RECEIVE must have at least one argument (the weight)"
    );
    assert_eq!(
        err("INITIAL { else { } }"),
        "t.mod:1:11: 'else' without a matching 'if'"
    );
    assert_eq!(
        err("INITIAL { x y }"),
        "t.mod:1:13: expected '=' or '(' after 'x' (a statement is an assignment or a call), found name 'y'"
    );
    assert_eq!(err("x = 1"), "t.mod:1:1: expected a top-level block (NEURON, PARAMETER, STATE, BREAKPOINT, …), found name 'x'");
    assert_eq!(
        err("RANGE x"),
        "t.mod:1:1: 'RANGE' cannot start a top-level block"
    );
    assert_eq!(
        err("KINETIC k { ~ a = b }"),
        "t.mod:1:17: expected '<->', '<<' or '->' in the reaction, found '='"
    );
    assert_eq!(
        err("NET_RECEIVE(w) { WATCH (v >= 1) 2 }"),
        "t.mod:1:27: expected '>' or '<' in the WATCH condition, found '>='"
    );
    assert_eq!(
        err("STATE { x[99999999999999999999] }"),
        "t.mod:1:11: integer 99999999999999999999 is too large"
    );
    let e = nmodl::parse("PROCEDURE p() { x = ) }", "dir/p.mod").unwrap_err();
    assert_eq!((e.file.as_str(), e.line, e.col), ("dir/p.mod", 1, 21));
    assert_eq!(e.message, "expected an expression, found ')'");
}

#[test]
fn parse_file_reports_unreadable_files() {
    let e = nmodl::parse_file(std::path::Path::new("/nonexistent/x.mod")).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("/nonexistent/x.mod:1:1: cannot read the file"),
        "{e}"
    );
}
