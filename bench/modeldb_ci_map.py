#!/usr/bin/env python3
"""Maps NEURON's own ModelDB regression list (nrn-modeldb-ci's
`modeldb/modeldb-run.yaml`) onto the public ModelDBRepository mirrors and
writes the recipes to bench/modeldb-ci.json.

Each entry keeps what the list says about running it (`run`, `model_dir`,
`script`, `curate_patterns`, `hoc_stack_size`, `ignore_exit_code`) and gains
the mirror's commit and a status: `runnable`, or why it cannot run here
(`skip` in the list, launched but not run, a Python entry that writes no
gout, no mirror, files the recipe names that the mirror lacks). Nothing is
fetched: mirrors that are not present count as absent.

    python3 bench/modeldb_ci_map.py [--ci-repo GIT_DIR] [--yaml FILE]
                                    [--mirrors DIR] [--out bench/modeldb-ci.json]
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from corpus import ROOT, mirror_of

CI_REPO = "neuronsimulator/nrn-modeldb-ci"
YAML_PATH = "modeldb/modeldb-run.yaml"


def git(git_dir, *args):
    return subprocess.run(["git", "-C", str(git_dir), *args], capture_output=True,
                          check=True, text=True).stdout


def tree_files(git_dir, commit):
    return git(git_dir, "ls-tree", "-r", "--name-only", commit).splitlines()


def missing_files(git_dir, commit):
    """Paths of the tree whose contents the mirror lacks."""
    ids = {line[1:] for line in git(git_dir, "rev-list", "--objects", "--missing=print", commit).splitlines()
           if line.startswith("?")}
    if not ids:
        return []
    out = []
    for line in git(git_dir, "ls-tree", "-r", commit).splitlines():
        meta, path = line.split("\t", 1)
        if meta.split()[2] in ids:
            out.append(path)
    return out


def script_creates(script, name):
    """Whether the entry's shell script makes a file of this name (a link
    or a move), so that its absence from the mirror is expected."""
    return any(name in line and ("ln " in line or "mv " in line or "echo " in line)
               for line in script or [])


def recipe(acc, entry, mirrors):
    r = {"accession": acc, "repo": f"ModelDBRepository/{acc}", "commit": None}
    for k in ("model_dir", "run", "script", "curate_patterns", "hoc_stack_size",
              "ignore_exit_code", "github", "comment"):
        if k in entry:
            r[k] = entry[k]
    # An entry without `run` gets nrn-modeldb-ci's default.
    if "run" not in entry:
        r["run"] = ["python mosinit.py"] if "python" in entry else ["verify_graph_()"]
    if "python" in entry:
        r["python"] = True

    if "skip" in entry:
        return dict(r, status="skipped", reason="skip in the list: " + str(entry.get("comment", "")).strip())
    if entry.get("run", []) is None:
        return dict(r, status="skipped", reason="launched but not run by the list: " + str(entry.get("comment", "")).strip())
    git_dir = mirror_of(mirrors, r["repo"])
    if git_dir is None:
        return dict(r, status="skipped", reason="no public mirror of ModelDBRepository/%s" % acc)
    r["commit"] = git(git_dir, "rev-parse", "HEAD").strip()
    if "python" in entry:
        return dict(r, status="skipped", reason="Python entry: its run writes no gout (no verify_graph_)")
    files = tree_files(git_dir, r["commit"])
    absent = missing_files(git_dir, r["commit"])
    if absent:
        # Left out of the tree; an entry that needs one fails on it.
        r["absent"] = absent
    dirs = {str(Path(f).parent) for f in files}
    missing = []
    for group in entry.get("model_dir", []) or []:
        for d in group.split(";"):
            d = os.path.normpath(d)
            if not any(f.startswith(d + "/") and f.endswith(".mod") for f in files) and d not in dirs and d != ".":
                missing.append(d)
    has_mosinit = any(Path(f).name == "mosinit.hoc" for f in files) or script_creates(entry.get("script"), "mosinit.hoc")
    notes = []
    if absent:
        notes.append(f"{len(absent)} file(s) too large for the mirror are left out")
    if "github" in entry and entry["github"] != "default":
        notes.append(f"the list takes ModelDBRepository/{acc} {entry['github']}; the mirror has its default branch only")
    if not has_mosinit:
        notes.append("no mosinit.hoc: the list launches only its driver")
    if missing:
        return dict(r, status="skipped", reason="mod folders missing from the mirror: " + ", ".join(missing),
                    notes=notes)
    r = dict(r, status="runnable")
    if notes:
        r["notes"] = notes
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mirrors", default=os.environ.get("NERVE_MIRRORS") or str(ROOT.parent / ".mirror"))
    ap.add_argument("--ci-repo", help="git dir of nrn-modeldb-ci (default: its mirror)")
    ap.add_argument("--yaml", help="a modeldb-run.yaml to read instead of the repository's")
    ap.add_argument("--out", default=str(ROOT / "bench/modeldb-ci.json"))
    args = ap.parse_args()
    source = {"repo": CI_REPO, "path": YAML_PATH}
    if args.yaml:
        text = Path(args.yaml).read_text()
        source["commit"] = None
    else:
        ci = Path(args.ci_repo) if args.ci_repo else mirror_of(args.mirrors, CI_REPO)
        if ci is None:
            print(f"modeldb_ci_map: no mirror of {CI_REPO}; give --ci-repo or --yaml")
            return 1
        source["commit"] = git(ci, "rev-parse", "HEAD").strip()
        text = git(ci, "show", f"{source['commit']}:{YAML_PATH}")
    entries = yaml.safe_load(text)
    recipes = [recipe(acc, entry or {}, args.mirrors) for acc, entry in entries.items()]
    counts = {}
    for r in recipes:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    Path(args.out).write_text(json.dumps({"source": source, "entries": recipes}, indent=1) + "\n")
    print(f"modeldb_ci_map: {len(recipes)} entries: "
          + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) + f" -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
