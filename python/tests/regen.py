#!/usr/bin/env python3
"""Records NEURON 9.0.2's output of the scenario scripts as the expected
results of the Python tests (run by hand where NEURON is installed; the
tests themselves never need NEURON):

    NEURON_PYTHON=/path/to/venv-with-neuron/bin/python python3 regen.py [NAME...]
"""

import json
import os
import sys
from pathlib import Path

from runner import run_scenario

HERE = Path(__file__).resolve().parent


def main():
    py = os.environ.get("NEURON_PYTHON")
    if not py:
        sys.exit("set NEURON_PYTHON to a Python that has NEURON 9.0.2")
    names = sys.argv[1:] or sorted(p.stem for p in (HERE / "scenarios").glob("[!_]*.py"))
    for name in names:
        got = run_scenario(py, name)
        if got["returncode"] != 0:
            sys.exit(f"{name}: NEURON failed:\n{got['stderr']}")
        out = HERE / "expected" / f"{name}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps({"stdout": got["stdout"], "result": got["result"]}, indent=1, sort_keys=True) + "\n")
        print("wrote", out)


if __name__ == "__main__":
    main()
