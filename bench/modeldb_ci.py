#!/usr/bin/env python3
"""Runs NEURON's own ModelDB regression list (bench/modeldb-ci.json, made by
bench/modeldb_ci_map.py from nrn-modeldb-ci's modeldb-run.yaml) under nerve
and compares each entry's `gout` (every Graph's lines, written by the
list's verify_graph_()) with NEURON 9.0.2's.

Each entry is prepared as nrn-modeldb-ci's modelrun.py prepares it: the
mirror's tree at the pinned commit goes into a scratch folder; driver.hoc
(verify_graph_ and the entry's `run` commands) and the entry's `script` are
written there and the script runs; the start file is the least nested
mosinit.hoc (else quit.hoc, so that only the mechanisms are built); the mod
groups are the entry's `model_dir` folders, else every folder under the
start folder that holds .mod files, and, as each nrnivmodl call in the start
folder replaces the last, the last group is the one loaded. The program then
runs from the start folder: `nerve -nobanner [-NSTACK n] START driver.hoc`
with `--mod` for each folder of that group.

References: with --neuron NRNIV (a GUI NEURON, since 9.0.2 under -nogui
crashes in Graph.getline; give it a DISPLAY, e.g. Xvfb's) the same entries
run under NEURON, their mechanisms built by the nrnivmodl beside NRNIV in
the start folder, and each gout, curated stdout and wall time are stored in
--refs (default $MODELDB_CI_REFS or ../mdbci-ref). bench/modeldb-ci-gout/
holds gzipped gouts of a few entries so that they can be checked anywhere.

A gout matches when its structure (graph names, line and point counts) is
NEURON's and every number is within --rel (1e-6) relative of NEURON's.

    python3 bench/modeldb_ci.py [--only 3263,3264] [--sample 60 --seed 1]
        [--limit N] [--jobs 2] [--timeout 120] [--neuron NRNIV]
        [--write docs/modeldb-ci.md] [--json rows.json]
        [--require .ci/modeldb-ci-passing] [--fixtures]
"""

import argparse
import concurrent.futures
import glob
import gzip
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from corpus import ROOT, extract, first_error, fmt_num, mirror_of, run_measured

# nrn-modeldb-ci's modeldb/hocscripts.py, the driver every entry ends with.
DRIVER_HEADER = '\nstrdef verify_dir_ \nverify_dir_ = "{model_dir}"\n'
DRIVER_BODY = r"""
if (name_declared("verify_dir_") == 0) {
	execute("~strdef verify_dir_")
	execute("verify_dir_ = \".\"")
}
strdef verify_tstr_
objref verify_glist_, verify_xvec_, verify_yvec_, verify_file_
verify_file_ = new File()
sprint(verify_tstr_, "%s/gout", verify_dir_)
verify_file_.wopen(verify_tstr_)
verify_xvec_ = new Vector()
verify_yvec_ = new Vector()
verify_glist_ = new List("Graph")

proc verify_graph_() {local i, j, k
	verify_file_.printf("Graphs %d\n", verify_glist_.count)
	for i=0, verify_glist_.count-1 {
		verify_file_.printf("%s\n", verify_glist_.object(i))
		k = 0
		for (j=-1; (j=verify_glist_.object(i).line_info(j, verify_xvec_)) != -1; ){
			k += 1
		}
		verify_file_.printf("lines %d\n", k)
		for (j=-1; (j=verify_glist_.object(i).getline(j, verify_xvec_, verify_yvec_)) != -1; ){
			verify_file_.printf("points %d\n", verify_xvec_.size)
			verify_file_.printf("xvec%d\n", j)
			verify_xvec_.printf(verify_file_)
			verify_file_.printf("yvec%d\n", j)
			verify_yvec_.printf(verify_file_)
		}
	}
}
"""
QUIT_HOC = "\nquit()\n"

# modeldb/report.py's substitutions, applied to stdout before the entry's own.
CURATE_ALWAYS = [
    (r"^/.*?/nrniv:", "%neuron-executable%:"),
    (r"^\./x86_64/special:", "%neuron-executable%:"),
    (r"^nrniv:", "%neuron-executable%:"),
    (r"^special:", "%neuron-executable%:"),
    (r"^nerve:", "%neuron-executable%:"),
    (r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+\d+\s+\d+:\d+:\d+ [A-Z\s]+ \d+",
     "%date_command%"),
    (r"total run time [0-9\.]+", "total run time %run_time%"),
    (r"(^.*distutils.*$)", ""),
    (r"/.*?/lib/python.*/site-packages/", "%python-site-packages%"),
]
NUM = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?(nan|inf)$", re.I)
FIXTURES = ROOT / "bench" / "modeldb-ci-gout"
GOUT_RUNAWAY = 4 << 20
RUNAWAY = "verify_graph_ never ends"


def curate(lines, entry, model_dir):
    """Stdout lines as the list compares them: machine paths and clock
    readings replaced, the entry's curate_patterns applied, emptied lines
    dropped."""
    lines = [l.replace(str(model_dir), "%model_dir%") for l in lines]
    subs = CURATE_ALWAYS + [(p["pattern"], p["repl"]) for p in entry.get("curate_patterns", [])]
    for pat, repl in subs:
        rx = re.compile(pat)
        lines = [n for n in (rx.sub(repl, l) for l in lines) if n]
    return lines


def prepare(entry, git_dir, scratch):
    """The entry's tree ready to run: (model_dir, start_dir, start_file,
    mod group (folders), shell script log)."""
    model_dir = scratch / "model"
    model_dir.mkdir()
    extract(git_dir, entry["commit"], model_dir, entry.get("absent", ()))
    model_dir = model_dir.resolve()
    run = entry.get("run")
    with open(model_dir / "driver.hoc", "w") as f:
        f.write(DRIVER_HEADER.format(model_dir=model_dir))
        f.write(DRIVER_BODY)
        if run is not None:
            f.write("\n".join(run))
    log = ""
    if entry.get("script"):
        (model_dir / "script.tmp").write_text("\n".join(entry["script"]))
        p = subprocess.run(["/bin/sh", "script.tmp"], cwd=model_dir, capture_output=True, text=True,
                           errors="replace")
        log = p.stdout + p.stderr
    mosinits = glob.glob(str(model_dir) + "/**/mosinit.hoc", recursive=True)
    mosinits.sort(key=lambda x: (x.count(os.sep), x))
    if run is None or not mosinits:
        (model_dir / "quit.hoc").write_text(QUIT_HOC)
        start_dir, start = model_dir, str(model_dir / "quit.hoc")
    else:
        start_dir, start = Path(mosinits[0]).parent, mosinits[0]
    groups = []
    if entry.get("model_dir"):
        for group in entry["model_dir"]:
            groups.append([model_dir / d for d in group.split(";")])
    else:
        for root, _, _ in os.walk(start_dir):
            if glob.glob(os.path.join(glob.escape(root), "*.mod")):
                groups.append([Path(root)])
    return model_dir, start_dir, start, (groups[-1] if groups else []), log


def neuron_argv(nrniv, entry, start, model_dir):
    argv = [str(nrniv), "-nobanner"]
    if "hoc_stack_size" in entry:
        argv += ["-NSTACK", str(int(entry["hoc_stack_size"]))]
    return argv + [start, str(model_dir / "driver.hoc")]


def nerve_argv(nerve, entry, start, model_dir, group, start_dir):
    # --graphs: Graphs keep their data, as in the GUI NEURON the references come from.
    argv = [str(nerve), "run", "--graphs"]
    for d in group:
        if Path(d).resolve() != Path(start_dir).resolve():
            argv += ["--mod", str(d)]
    argv += ["-nobanner"]
    if "hoc_stack_size" in entry:
        argv += ["-NSTACK", str(int(entry["hoc_stack_size"]))]
    return argv + [start, str(model_dir / "driver.hoc")]


def parse_gout(text):
    """(structure tokens, numbers) of a gout file."""
    words, nums = [], []
    for tok in text.split():
        if NUM.match(tok):
            nums.append(float(tok))
            words.append("#")
        else:
            words.append(tok)
    return words, nums


def compare_gout(got, ref, rel_tol):
    """(ok, detail, max relative difference)."""
    gw, gn = parse_gout(got)
    rw, rn = parse_gout(ref)
    g1, r1 = (got.splitlines() or [""])[0].strip(), (ref.splitlines() or [""])[0].strip()
    if g1 != r1 and r1.startswith("Graphs"):
        return False, f"List(\"Graph\") has {g1.split()[-1] if g1 else 'no'} Graphs, NEURON's {r1.split()[-1]}", None
    if not rw:
        return (not gw), ("empty gout, as NEURON's" if not gw else "gout written, NEURON's is empty"), 0.0
    if gw != rw:
        gl, rl = got.splitlines(), ref.splitlines()
        for i, (a, b) in enumerate(zip(gl, rl)):
            if parse_gout(a)[0] != parse_gout(b)[0]:
                return False, f"gout line {i + 1}: {a.strip()[:60]!r} vs NEURON {b.strip()[:60]!r}", None
        return False, f"gout has {len(gl)} lines, NEURON's {len(rl)}", None
    worst = 0.0
    for a, b in zip(gn, rn):
        if a == b:
            continue
        d = abs(a - b) / max(abs(b), 1e-300) if b != 0 else abs(a)
        if d != d:
            d = float("inf")
        worst = max(worst, d)
    npts = len(rn)
    if worst <= rel_tol:
        return True, f"{npts} numbers, max rel diff {worst:.2g}", worst
    return False, f"{npts} numbers, max rel diff {worst:.3g}", worst


def reference_of(acc, refs):
    """NEURON's stored result for an entry: the reference folder's, else the
    repository's fixture."""
    meta_path = Path(refs) / f"{acc}.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else None
    gout = None
    p = Path(refs) / f"{acc}.gout"
    if p.exists():
        gout = p.read_text(errors="replace")
    elif (FIXTURES / f"{acc}.gout.gz").exists():
        gout = gzip.decompress((FIXTURES / f"{acc}.gout.gz").read_bytes()).decode("utf-8", "replace")
    if meta is None and gout is not None:
        meta = {"exit": 0, "has_gout": True}
    return meta, gout


def run_neuron(entry, git_dir, args, scratch):
    model_dir, start_dir, start, group, log = prepare(entry, git_dir, scratch)
    nrnivmodl = Path(args.neuron).with_name("nrnivmodl")
    mods = sorted(str(m) for d in group for m in Path(d).glob("*.mod"))
    build_log = ""
    if mods:
        env = dict(os.environ, MAKEFLAGS=" --max-load 0.0")
        p = subprocess.run([str(nrnivmodl)] + mods, cwd=start_dir, capture_output=True, text=True,
                           errors="replace", env=env)
        build_log = p.stdout + p.stderr
    env = dict(os.environ)
    env.setdefault("DISPLAY", ":99")
    code, out, err, wall, rss = run_measured(neuron_argv(args.neuron, entry, start, model_dir),
                                             start_dir, args.neuron_timeout, env)
    gout_path = model_dir / "gout"
    meta = {"exit": code, "seconds": round(wall, 3), "rss_mib": round(rss, 1),
            "has_gout": gout_path.exists(),
            "mod_error": bool(mods) and not (start_dir / "x86_64" / "special").exists(),
            "stdout": curate((out + err).splitlines(), entry, model_dir)[-200:]}
    lines = meta["stdout"]
    for i in range(1, len(lines)):
        if re.match(r"^ in .* near line \d+", lines[i]):
            meta["first_error"] = lines[i - 1].strip()
            break
    refs = Path(args.refs)
    refs.mkdir(parents=True, exist_ok=True)
    if gout_path.exists():
        (refs / f"{entry['accession']}.gout").write_bytes(gout_path.read_bytes())
    (refs / f"{entry['accession']}.json").write_text(json.dumps(meta, indent=1) + "\n")
    return meta


def first_error_with_source(err, out):
    """nerve's first error line; a syntax error with the source line it
    points at."""
    line = first_error(err, out)
    if line.endswith("syntax error"):
        lines = err.splitlines()
        for i, l in enumerate(lines):
            if l.strip() == line and i + 2 < len(lines) and "near line" in lines[i + 1]:
                return f"{line}: {lines[i + 2].strip()[:60]}"
    return line


def run_nerve(entry, git_dir, args, scratch):
    """One entry's row under nerve."""
    row = {"accession": entry["accession"]}
    model_dir, start_dir, start, group, log = prepare(entry, git_dir, scratch)
    row["mods_only"] = start.endswith("quit.hoc")
    meta, ref = reference_of(entry["accession"], args.refs)
    gout_path = model_dir / "gout"
    # A verify_graph_ whose getline never returns -1 writes the same empty
    # line without end.
    runaway = []

    def watch():
        try:
            if gout_path.stat().st_size > GOUT_RUNAWAY and not runaway:
                with open(gout_path, "rb") as f:
                    f.seek(-4096, os.SEEK_END)
                    tail = f.read().decode("ascii", "replace").split("\n")[1:]
                # Only the names of one empty line again and again: a long
                # run of one number is data still being written.
                names = {l for l in tail if l and l != "points 0"}
                if names and len(names) <= 2 and all(re.match(r"[xy]vec-?\d+$", l) for l in names):
                    runaway.append(True)
        except OSError:
            pass
        return bool(runaway)

    code, out, err, wall, rss = run_measured(
        nerve_argv(args.nerve, entry, start, model_dir, group, start_dir), start_dir, args.timeout,
        watch=watch)
    row.update(nerve_seconds=round(wall, 3), nerve_rss_mib=round(rss, 1))
    if meta is not None:
        row["neuron_seconds"] = meta.get("seconds")
        if meta.get("first_error") or meta.get("mod_error"):
            row["neuron_error"] = meta.get("first_error") or "nrnivmodl fails"
    got = gout_path.read_text(errors="replace") if gout_path.exists() and not runaway else None
    if runaway:
        row["status"] = "fails"
        row["detail"] = f"{RUNAWAY}: its gout repeats one empty line (Graph.line_info/getline never return -1)"
    elif code is None:
        row["status"], row["detail"] = "fails", f"timed out after {args.timeout:.0f} s"
    elif code != 0 and not entry.get("ignore_exit_code"):
        row["status"], row["detail"] = "fails", first_error_with_source(err, out)
    elif row["mods_only"] and (meta is None or not meta.get("mod_error")):
        # The list only builds these entries' mechanisms, then quits.
        row["status"], row["detail"] = "pass", "mechanisms load (the list only builds them)"
    elif meta is None:
        row["status"] = "runs"
        row["detail"] = "ran to the end; no NEURON reference yet" + ("" if got is None else f" (gout {len(got)} bytes)")
    elif meta.get("exit") not in (0, None) and not entry.get("ignore_exit_code") or meta.get("exit") is None:
        row["status"] = "runs"
        row["detail"] = "ran to the end; NEURON itself " + (
            "timed out" if meta.get("exit") is None else f"exits with {meta['exit']}")
    elif ref is None or got is None:
        if ref is None and got is None:
            row["status"], row["detail"] = "pass", "no gout from either (mechanisms only)" if row["mods_only"] else "no gout from either"
        else:
            row["status"] = "differs"
            row["detail"] = "no gout" if got is None else "gout written, NEURON wrote none"
    else:
        ok, detail, worst = compare_gout(got, ref, args.rel)
        row["status"], row["detail"], row["max_rel"] = ("pass" if ok else "differs"), detail, worst
    # nerve reports some errors (a mechanism a script loads) and goes on.
    reported = [l for l in err.splitlines() if l.startswith("nerve: ")]
    if row["status"] in ("differs", "runs") and reported:
        row["status"], row["detail"] = "fails", first_error_with_source(err, out)
    row["detail"] = row["detail"].replace(str(model_dir) + "/", "")
    row["stderr"] = err[-3000:]
    row["stdout_tail"] = out.splitlines()[-20:]
    return row


def one(entry, args):
    git_dir = mirror_of(args.mirrors, entry["repo"])
    if git_dir is None:
        return {"accession": entry["accession"], "status": "skipped", "detail": f"mirror {entry['repo']} absent"}
    with tempfile.TemporaryDirectory(prefix="mdbci-") as tmp:
        tmp = Path(tmp)
        if args.neuron:
            (tmp / "n").mkdir()
            meta = run_neuron(entry, git_dir, args, tmp / "n")
            if args.neuron_only:
                return {"accession": entry["accession"], "status": "neuron",
                        "detail": f"exit {meta['exit']}, {meta['seconds']} s, gout {meta['has_gout']}"}
        (tmp / "x").mkdir()
        return run_nerve(entry, git_dir, args, tmp / "x")


def error_cause(line):
    """A failure's first error line reduced to its cause: where it happened
    (file, line, mechanism, object index, numbers) dropped, names kept."""
    if line.startswith(RUNAWAY):
        return "the model runs; then verify_graph_ never ends (Graph.line_info/getline never return -1)"
    s = re.sub(r"^nerve: ", "", line.strip())
    s = re.sub(r"^(\w+: )?[^:]*\.(mod|inc)(:\d+)+: ", "mod: ", s)
    if s.startswith("syntax error: /*"):
        return "syntax error at a /* comment that the file never closes"
    s = re.sub(r"\s+in \S+ near line \d+.*$", "", s)
    s = re.sub(r" near line \d+.*$", "", s)
    s = re.sub(r"(/[^/\s]+)+/", "", s)
    if s.startswith("syntax error: {~"):
        return "syntax error: a statement execute() runs with NEURON's leading ~ ({~strdef NAME})"
    if s.startswith("syntax error: "):
        return s
    s = re.sub(r"\[\d+\]", "[N]", s)
    s = re.sub(r"(?<![\w.])-?\d+(\.\d+)?(e[-+]?\d+)?(?![\w.])", "N", s)
    return s.strip()


def write_table(recipes, rows, path):
    by_acc = {r["accession"]: r for r in rows}
    counts = {}
    for e in recipes:
        r = by_acc.get(e["accession"])
        st = r["status"] if r else ("skipped" if e["status"] != "runnable" else "not run")
        counts[st] = counts.get(st, 0) + 1
    runnable = [e for e in recipes if e["status"] == "runnable"]
    numeric = sum(1 for r in rows if r["status"] == "pass"
                  and int((re.match(r"^(\d+) numbers", r.get("detail", "")) or [0, 0])[1]) > 1)
    built = sum(1 for r in rows if r["status"] == "pass" and r.get("mods_only"))
    lines = [
        "# NEURON's ModelDB regression list",
        "",
        "The entries of nrn-modeldb-ci's `modeldb/modeldb-run.yaml` (NEURON's own",
        "regression list of published models), each prepared and run as its",
        "`modelrun.py` does, from the ModelDBRepository mirror at the commit",
        "pinned in `bench/modeldb-ci.json`, by `bench/modeldb_ci.py`. An entry",
        "passes when its `gout` (the data of every Graph, written by the list's",
        "`verify_graph_()`) has NEURON 9.0.2's structure and every number within",
        "1e-6 relative. Entries without a mosinit.hoc only build their mechanisms",
        "and quit, as in the list. `runs` means nerve reached the end but there",
        "is no NEURON reference to compare with yet. NEURON's references come",
        "from a GUI NEURON 9.0.2 on a virtual display (under -nogui 9.0.2",
        "crashes in Graph.getline) and are kept outside the repository, except",
        "the gzipped gouts of a few entries in `bench/modeldb-ci-gout/`",
        "(`--fixtures` runs those). `.ci/modeldb-ci-passing` lists the entries",
        "CI requires to pass.",
        "",
        f"**{counts.get('pass', 0)} pass, {counts.get('differs', 0)} differ, {counts.get('fails', 0)} fail, "
        f"{counts.get('runs', 0)} run without a reference, {counts.get('not run', 0)} not run yet** "
        f"of {len(runnable)} runnable entries; {len(recipes) - len(runnable)} of {len(recipes)} cannot run here.",
        f"Of the passes, {built} only build their mechanisms and {numeric} compare simulated numbers;",
        "the others' gout is empty or lists no Graph, as NEURON's.",
        "",
    ]
    fails = [r for r in rows if r["status"] == "fails"]
    if fails:
        groups = {}
        for r in fails:
            groups.setdefault(error_cause(r["detail"]), []).append(r)
        lines += ["## First errors, by cause", "", "| count | cause | entries |", "|---:|---|---|"]
        for cause, rs in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            accs = ", ".join(str(r["accession"]) for r in rs[:6]) + (" …" if len(rs) > 6 else "")
            lines.append(f"| {len(rs)} | {cause.replace('|', '/')} | {accs} |")
        lines.append("")
    lines += ["## Entries", "", "| entry | result | detail | nerve s | NEURON s |", "|---|---|---|---:|---:|"]
    for e in recipes:
        r = by_acc.get(e["accession"])
        if r is None:
            st = "skipped" if e["status"] != "runnable" else "not run"
            detail = e.get("reason", "")
            lines.append(f"| {e['accession']} | {st} | {detail.replace('|', '/')} | – | – |")
            continue
        detail = r.get("detail", "").replace("|", "\\|")
        if r.get("mods_only"):
            detail = "(mechanisms only) " + detail
        if r.get("neuron_error"):
            detail += " — NEURON stops too: " + r["neuron_error"].replace("|", "\\|")
        lines.append(f"| {e['accession']} | {r['status']} | {detail} | {fmt_num(r.get('nerve_seconds'))} | "
                     f"{fmt_num(r.get('neuron_seconds'))} |")
    Path(path).write_text("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nerve", default=str(ROOT / "target/release/nerve"))
    ap.add_argument("--recipes", default=str(ROOT / "bench/modeldb-ci.json"))
    ap.add_argument("--mirrors", default=os.environ.get("NERVE_MIRRORS") or str(ROOT.parent / ".mirror"))
    ap.add_argument("--refs", default=os.environ.get("MODELDB_CI_REFS") or str(ROOT.parent / "mdbci-ref"))
    ap.add_argument("--only", help="comma-separated accessions")
    ap.add_argument("--sample", type=int, help="a random sample of this many runnable entries")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=int, help="at most this many entries")
    ap.add_argument("--with-refs", action="store_true", help="only entries with a NEURON reference")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--rel", type=float, default=1e-6)
    ap.add_argument("--neuron", help="nrniv of a GUI NEURON 9.0.2: store its references in --refs first")
    ap.add_argument("--neuron-timeout", type=float, default=300)
    ap.add_argument("--neuron-only", action="store_true", help="with --neuron: do not run nerve")
    ap.add_argument("--write", help="write the table (markdown) here")
    ap.add_argument("--json", help="write every row here")
    ap.add_argument("--require", help="file listing entries that must pass (a ratchet)")
    ap.add_argument("--fixtures", action="store_true",
                    help="only the entries whose NEURON gout the repository holds (bench/modeldb-ci-gout)")
    ap.add_argument("--merge", help="rows JSON of an earlier run: kept for entries not run now (for --write)")
    args = ap.parse_args()
    args.nerve = Path(args.nerve).resolve()
    recipes = json.load(open(args.recipes))["entries"]
    todo = [e for e in recipes if e["status"] == "runnable"]
    if args.only:
        only = set(args.only.split(","))
        todo = [e for e in todo if str(e["accession"]) in only]
    if args.require:
        required = {l.split("#")[0].strip() for l in Path(args.require).read_text().splitlines()} - {""}
        todo = [e for e in todo if str(e["accession"]) in required]
    if args.fixtures:
        todo = [e for e in todo if (FIXTURES / f"{e['accession']}.gout.gz").exists()]
    if args.with_refs:
        todo = [e for e in todo if reference_of(e["accession"], args.refs)[0] is not None]
    if args.sample:
        todo = random.Random(args.seed).sample(todo, min(args.sample, len(todo)))
    if args.limit:
        todo = todo[:args.limit]
    rows = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {pool.submit(one, e, args): e for e in todo}
        for fut in concurrent.futures.as_completed(futures):
            e = futures[fut]
            try:
                row = fut.result()
            except Exception as x:  # a broken entry must not stop the others
                row = {"accession": e["accession"], "status": "fails", "detail": f"runner: {x!r}"}
            rows.append(row)
            print(f"{row['accession']:>8} {row['status']:8} {fmt_num(row.get('nerve_seconds')):>6}s "
                  f"(NEURON {fmt_num(row.get('neuron_seconds'))}s) {row.get('detail', '')}", flush=True)
    if args.merge and Path(args.merge).exists():
        now = {r["accession"] for r in rows}
        rows += [r for r in json.load(open(args.merge)) if r["accession"] not in now]
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    if args.write:
        write_table(recipes, rows, args.write)
    counts = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    print("modeldb-ci: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    if args.require:
        bad = [str(r["accession"]) for r in rows if r["status"] not in ("pass", "skipped")]
        if bad:
            print("modeldb-ci: required entries no longer pass: " + ", ".join(sorted(bad)))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
