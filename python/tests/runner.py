"""Runs one scenario script in a fresh interpreter and splits its output
into the printed text and the observables of its RESULT line."""

import json
import subprocess
from pathlib import Path

SCENARIOS = Path(__file__).resolve().parent / "scenarios"

# What NEURON prints about displays when it has none: not part of a result.
NOISE = ("Warning: no DISPLAY environment variable.", "--No graphics will be displayed.")


def run_scenario(python, name, timeout=600):
    p = subprocess.run([python, f"{name}.py"], cwd=SCENARIOS, capture_output=True, text=True, timeout=timeout)
    lines, result = [], None
    for line in p.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT "):])
        elif line not in NOISE:
            lines.append(line)
    return {"returncode": p.returncode, "stdout": "\n".join(lines), "stderr": p.stderr, "result": result}
