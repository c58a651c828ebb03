#!/usr/bin/env python3
"""Runs the published-model corpus (../shared/modeldb/models.json) under nerve
and compares each model's observable with what NEURON 9.0.2 printed.

Each model is extracted from its public mirror at the pinned commit into a
scratch folder and run there exactly as its recipe says (`argv_nerve`, from
`folder`). Models whose mirror is absent are skipped; nothing is fetched.

The observable is the tail of stdout. Lines are compared token by token:
non-numeric tokens must be equal, spike times (a line that is only numbers,
or the number after `at`) within 0.1 ms, other numbers within 1e-3 relative.

Python models (kind "python") run their recipe's driver (`argv_neuron`,
PYTHON being a Python whose `neuron` is nerve's package: --python, else
$NERVE_PYTHON, else the test suite's venv in target/tmp/python-venv) after
the package's nrnivmodl has run in each of the model's mod folders, as the
recipe's notes say.

With --neuron NRNIV the same recipe also runs under NEURON (its mechanisms
built by the nrnivmodl beside NRNIV in a scratch folder), and NEURON's wall
time and peak RSS are stored in bench/corpus-neuron.json so that the table
can be written again without NEURON.

    python3 bench/corpus.py [--only 3810,48332] [--timeout 600]
                            [--neuron VENV/bin/nrniv] [--write docs/compatibility.md]
                            [--require .ci/corpus-passing]
"""

import argparse
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPIKE_ATOL_MS = 0.1
REL_TOL = 1e-3
NUM = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def mirror_of(mirrors, repo):
    d = Path(mirrors) / repo.replace("/", "+") / "repo"
    return d if d.is_dir() else None


def extract(git_dir, commit, into, leave_out=()):
    """The repository's tree at `commit`, written under `into`, without the
    paths of `leave_out`."""
    archive = subprocess.run(
        ["git", "-C", str(git_dir), "archive", "--format=tar", commit, "--", "."]
        + [f":(exclude,literal){p}" for p in leave_out],
        capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)


def high_water_mib(pid):
    """The process's peak resident set so far (VmHWM), 0 if unknown."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def run_measured(argv, cwd, timeout, env=None, watch=None):
    """Runs argv; returns (exit code or None on timeout, stdout, stderr,
    wall seconds, peak RSS in MiB). `watch`, called while it runs, ends the
    run early (as a timeout) by returning true."""
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err,
                         stdin=subprocess.DEVNULL, env=env, start_new_session=True)
    deadline = t0 + timeout
    status = None
    rusage = None
    hwm = 0.0
    while True:
        hwm = max(hwm, high_water_mib(p.pid))
        pid, st, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            status, rusage = st, ru
            break
        if time.perf_counter() > deadline or (watch is not None and watch()):
            os.killpg(p.pid, signal.SIGKILL)
            _, status, rusage = os.wait4(p.pid, 0)
            status = None
            break
        time.sleep(0.01)
    wall = time.perf_counter() - t0
    p.returncode = 0  # reaped above
    code = None if status is None else os.waitstatus_to_exitcode(status)
    out.seek(0)
    err.seek(0)
    # The child's ru_maxrss starts from this (forked) Python's own size, so
    # the high-water mark read while it ran is the truer figure.
    rss = hwm if hwm > 0 else (rusage.ru_maxrss / 1024.0 if rusage else float("nan"))
    return (code, out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"), wall, rss)


def tokens(line):
    return line.split()


def compare_tail(got_stdout, expected):
    """(ok, worst description) comparing the last lines of stdout."""
    got = got_stdout.rstrip("\n").split("\n") if got_stdout.strip() else []
    # The expected tail may begin with blank lines: align on the last lines.
    n = len(expected)
    if len(got) < n:
        return False, f"stdout has {len(got)} lines, NEURON's tail {n}"
    got = got[-n:]
    worst_spike = 0.0
    worst_rel = 0.0
    for i, (g, w) in enumerate(zip(got, expected)):
        gt, wt = tokens(g), tokens(w)
        if len(gt) != len(wt):
            return False, f"line {i + 1}: {g.strip()!r} vs NEURON {w.strip()!r}"
        all_num = bool(wt) and all(NUM.match(t) for t in wt)
        for j, (a, b) in enumerate(zip(gt, wt)):
            if not NUM.match(b):
                if a != b:
                    return False, f"line {i + 1}: {g.strip()!r} vs NEURON {w.strip()!r}"
                continue
            if not NUM.match(a):
                return False, f"line {i + 1}: {g.strip()!r} vs NEURON {w.strip()!r}"
            x, y = float(a), float(b)
            is_time = (all_num and j == 0 and "." in b) or (j > 0 and wt[j - 1] == "at")
            if is_time:
                d = abs(x - y)
                worst_spike = max(worst_spike, d)
                if d > SPIKE_ATOL_MS:
                    return False, f"line {i + 1}: time {a} vs NEURON {b} (off {d:.3g} ms)"
            else:
                rel = abs(x - y) / abs(y) if y != 0 else abs(x)
                worst_rel = max(worst_rel, rel)
                if rel > REL_TOL:
                    return False, f"line {i + 1}: {a} vs NEURON {b} (rel {rel:.3g})"
    return True, f"times ≤ {worst_spike:.2g} ms, values ≤ {worst_rel:.2g} rel"


def first_error(stderr, stdout):
    for line in stderr.splitlines():
        if line.strip() and not line.startswith("[nerve] "):  # progress lines
            return line.strip()
    lines = [l for l in stdout.splitlines() if l.strip()]
    return lines[-1].strip() if lines else "no output"


def build_neuron_mods(nrniv, srcs, into):
    nrnivmodl = Path(nrniv).with_name("nrnivmodl")
    mods = []
    for s in srcs:
        mods += sorted(str(p) for p in Path(s).glob("*.mod"))
    if not mods:
        return None
    subprocess.run([str(nrnivmodl)] + mods, cwd=into, check=True,
                   capture_output=True)
    lib = Path(into) / "x86_64" / "libnrnmech.so"
    return str(lib) if lib.exists() else None


def nrnivmodl_in(python, tree, mod_dirs):
    """Runs the nrnivmodl of `python`'s `neuron` package in each mod folder
    (where a Python model's load_mechanisms expects its build)."""
    for d in mod_dirs:
        subprocess.run([str(python), "-c", "import sys\nfrom neuron._cli import nrnivmodl\nsys.exit(nrnivmodl())"],
                       cwd=tree / d, check=True, capture_output=True)


def driver_argv(m, python, nrniv=None, lib=None):
    """The recipe's NEURON command line with its placeholders filled."""
    argv = []
    for a in m["argv_neuron"]:
        if a == "NRNIV":
            a = str(nrniv)
        elif a == "MODLIB":
            a = lib
        elif a == "PYTHON":
            a = str(python)
        argv.append(a)
    return argv


def python_env(python):
    """The environment for a Python model: its Python's commands (nrnivmodl)
    first on PATH, plots drawn off-screen."""
    env = dict(os.environ)
    env["PATH"] = str(Path(python).parent) + os.pathsep + env["PATH"]
    env.setdefault("MPLBACKEND", "Agg")
    return env


def run_model(m, args, scratch):
    """One model's row."""
    row = {"accession": m["accession"], "repo": m["repo"], "name": m["name"], "kind": m["kind"]}
    git_dir = mirror_of(args.mirrors, m["repo"])
    if git_dir is None:
        row["status"] = "skipped"
        row["detail"] = f"mirror {m['repo']} absent"
        return row
    tree = scratch / "tree"
    tree.mkdir()
    extract(git_dir, m["commit"], tree)
    cwd = tree / m["folder"]
    if m["kind"] == "python":
        try:
            nrnivmodl_in(args.python, tree, m["mod_dirs"])
        except subprocess.CalledProcessError as e:
            row["status"] = "fails"
            row["detail"] = "nrnivmodl: " + first_error(e.stderr.decode("utf-8", "replace"), e.stdout.decode("utf-8", "replace"))
            return row
        code, out, err, wall, rss = run_measured(driver_argv(m, args.python), cwd, args.timeout, python_env(args.python))
    else:
        code, out, err, wall, rss = run_measured(
            [str(args.nerve)] + m["argv_nerve"], cwd, args.timeout)
    row.update(nerve_seconds=wall, nerve_rss_mib=rss)
    if code is None:
        row["status"] = "fails"
        row["detail"] = f"timed out after {args.timeout:.0f} s"
    elif code != 0:
        row["status"] = "fails"
        row["detail"] = first_error(err, out)
    else:
        ok, detail = compare_tail(out, m["expected_stdout_tail"])
        row["status"] = "pass" if ok else "differs"
        row["detail"] = detail
    row["stdout_tail"] = out.splitlines()[-len(m["expected_stdout_tail"]) - 3:]
    row["stderr"] = err[-4000:]

    if args.neuron:
        ntree = scratch / "neuron_tree"
        ntree.mkdir()
        extract(git_dir, m["commit"], ntree)
        python = Path(args.neuron).with_name("python")
        env = None
        lib = None
        if m["kind"] == "python":
            for d in m["mod_dirs"]:
                subprocess.run([str(Path(args.neuron).with_name("nrnivmodl"))], cwd=ntree / d,
                               check=True, capture_output=True)
            env = python_env(python)
        else:
            build = scratch / "neuron_build"
            build.mkdir()
            lib = build_neuron_mods(args.neuron, [ntree / d for d in m["mod_dirs"]], build)
        argv = driver_argv(m, python, args.neuron, lib)
        ncode, nout, nerr, nwall, nrss = run_measured(argv, ntree / m["folder"], args.timeout, env)
        nok, ndetail = compare_tail(nout, m["expected_stdout_tail"])
        row["neuron"] = {"seconds": nwall, "rss_mib": nrss, "reproduced": nok and ncode == 0,
                         "detail": ndetail}
    return row


def key(m):
    return str(m["accession"]) if m["accession"] is not None else m["repo"].split("/")[1]


def fmt_num(x, unit=""):
    if x is None or x != x:
        return "–"
    return f"{x:.2f}{unit}" if x < 10 else f"{x:.1f}{unit}"


def write_table(rows, path, neuron_ref):
    passed = sum(r["status"] == "pass" for r in rows)
    hoc = [r for r in rows if r["kind"] == "hoc"]
    hoc_pass = sum(r["status"] == "pass" for r in hoc)
    lines = [
        "# Compatibility with published models",
        "",
        "The ModelDB corpus (`../shared/modeldb/models.json`), each model run",
        "unchanged from its own folder by `bench/corpus.py`, its observable",
        "compared with NEURON 9.0.2's (spike times within 0.1 ms, other numbers",
        "within 1e-3 relative). Times are whole-process wall seconds and peak",
        "RSS on one 2-core machine; NEURON's come from `bench/corpus-neuron.json`",
        "(mechanisms built beforehand, build time excluded).",
        "NEURON's own regression list of published models (nrn-modeldb-ci) has",
        "its table in [modeldb-ci.md](modeldb-ci.md).",
        "",
        f"**{passed} of {len(rows)} pass** ({hoc_pass} of {len(hoc)} HOC models"
        f"{f', {passed - hoc_pass} of {len(rows) - len(hoc)} Python models' if len(rows) > len(hoc) else ''}).",
        "",
        "| model | result | detail | nerve s | NEURON s | nerve MiB | NEURON MiB |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        n = neuron_ref.get(key(r), {})
        name = r["name"].replace("|", "/")
        acc = r["accession"]
        label = f"{acc}: {name}" if acc is not None else name
        detail = r.get("detail", "").replace("|", "\\|")
        lines.append(
            f"| {label} | {r['status']} | {detail} | {fmt_num(r.get('nerve_seconds'))} | "
            f"{fmt_num(n.get('seconds'))} | {fmt_num(r.get('nerve_rss_mib'))} | {fmt_num(n.get('rss_mib'))} |")
    causes_file = ROOT / "bench/corpus-causes.json"
    causes = json.loads(causes_file.read_text()) if causes_file.exists() else {}
    open_rows = [r for r in rows if r["status"] != "pass" and str(r["accession"]) in causes]
    if open_rows:
        lines += ["", "## Why the others do not match yet", ""]
        lines += [f"- **{r['accession']}** ({r['status']}): {causes[str(r['accession'])]}" for r in open_rows]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nerve", default=str(ROOT / "target/release/nerve"))
    ap.add_argument("--models", default=str(ROOT.parent / "shared/modeldb/models.json"))
    ap.add_argument("--mirrors", default=os.environ.get("NERVE_MIRRORS") or str(ROOT.parent / ".mirror"))
    ap.add_argument("--only", help="comma-separated accessions (or repo names)")
    ap.add_argument("--kind", choices=["hoc", "python"], help="only models of this kind")
    ap.add_argument("--python", help="a Python with nerve's neuron package, for the Python models")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--neuron", help="nrniv of a NEURON 9.0.2 install: measure NEURON too")
    ap.add_argument("--write", help="write the compatibility table here")
    ap.add_argument("--require", help="file listing models that must pass (a ratchet)")
    ap.add_argument("--json", help="write every row, with stdout tails, as JSON here")
    ap.add_argument("-v", "--verbose", action="store_true", help="print nerve's stderr on failure")
    args = ap.parse_args()
    args.nerve = Path(args.nerve).resolve()
    args.python = args.python or os.environ.get("NERVE_PYTHON") or str(ROOT / "target/tmp/python-venv/bin/python")
    if not Path(args.python).exists():
        args.python = shutil.which(args.python) or args.python
    if not Path(args.models).exists():
        print(f"corpus: no {args.models}: nothing to run")
        return 0
    models = json.load(open(args.models))
    required = set()
    if args.require:
        for line in Path(args.require).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line:
                required.add(line)
        models = [m for m in models if key(m) in required]
    if args.only:
        only = set(args.only.split(","))
        models = [m for m in models if key(m) in only]
    if args.kind:
        models = [m for m in models if m["kind"] == args.kind]

    ref_path = ROOT / "bench" / "corpus-neuron.json"
    neuron_ref = json.loads(ref_path.read_text()) if ref_path.exists() else {}
    rows = []
    for m in models:
        with tempfile.TemporaryDirectory(prefix="corpus-") as tmp:
            row = run_model(m, args, Path(tmp))
        rows.append(row)
        if "neuron" in row:
            neuron_ref[key(m)] = {k: round(v, 3) if isinstance(v, float) else v
                                  for k, v in row["neuron"].items() if k in ("seconds", "rss_mib")}
            if not row["neuron"]["reproduced"]:
                print(f"  NEURON did not reproduce its own tail: {row['neuron']['detail']}")
        n = neuron_ref.get(key(m), {})
        print(f"{key(m):>9} {row['status']:8} {fmt_num(row.get('nerve_seconds')):>6}s "
              f"(NEURON {fmt_num(n.get('seconds'))}s) {row.get('detail', '')}", flush=True)
        if args.verbose and row["status"] in ("fails", "differs"):
            print("  stdout tail:", *row.get("stdout_tail", []), sep="\n    ")
            print("  stderr:", row.get("stderr", "")[-1500:])
    if args.neuron:
        ref_path.write_text(json.dumps(dict(sorted(neuron_ref.items())), indent=1) + "\n")
    if args.write:
        write_table(rows, args.write, neuron_ref)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    counted = [r for r in rows if r["status"] != "skipped"]
    print(f"corpus: {sum(r['status'] == 'pass' for r in counted)} of {len(counted)} pass"
          f" ({len(rows) - len(counted)} skipped)")
    if args.require:
        bad = [key(r) for r in counted if r["status"] != "pass"]
        if bad:
            print("corpus: required models no longer pass: " + ", ".join(bad))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
