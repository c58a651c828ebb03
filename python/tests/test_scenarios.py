"""NEURON's Python tutorials and HOC/Python interplay, run on nerve and
compared with what NEURON 9.0.2 printed and computed (expected/*.json,
recorded by regen.py)."""

import json
import math
import sys
from pathlib import Path

import pytest

from runner import run_scenario

HERE = Path(__file__).resolve().parent
NAMES = sorted(p.stem for p in (HERE / "expected").glob("*.json"))

# Numbers agree to this relative (or, near zero, absolute) difference.
TOL = 1e-9


def compare(got, want, path="result"):
    if isinstance(want, float) or (isinstance(want, int) and not isinstance(want, bool) and isinstance(got, float)):
        assert isinstance(got, (int, float)) and not isinstance(got, bool), f"{path}: {got!r} is not a number (NEURON: {want!r})"
        assert math.isclose(got, want, rel_tol=TOL, abs_tol=TOL), f"{path}: {got!r} vs NEURON {want!r}"
    elif isinstance(want, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(want), f"{path}: keys {sorted(got) if isinstance(got, dict) else got!r} vs NEURON {sorted(want)}"
        for k in want:
            compare(got[k], want[k], f"{path}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{path}: {got!r} vs NEURON {want!r}"
        for i, (g, w) in enumerate(zip(got, want)):
            compare(g, w, f"{path}[{i}]")
    else:
        assert got == want, f"{path}: {got!r} vs NEURON {want!r}"


@pytest.mark.parametrize("name", NAMES)
def test_scenario(name):
    want = json.loads((HERE / "expected" / f"{name}.json").read_text())
    got = run_scenario(sys.executable, name)
    assert got["returncode"] == 0, got["stderr"]
    assert got["stdout"] == want["stdout"]
    compare(got["result"], want["result"])
