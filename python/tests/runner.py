"""Runs one scenario script in a fresh interpreter and splits its output
into the printed text and the observables of its RESULT line."""

import json
import subprocess
from pathlib import Path

SCENARIOS = Path(__file__).resolve().parent / "scenarios"

# What NEURON prints about displays when it has none: not part of a result.
NOISE = ("Warning: no DISPLAY environment variable.", "--No graphics will be displayed.")


# What NEURON prints when nrnmpi_init() finds no MPI library on the machine.
MPI_NOTICE_START = "Tried loading an MPI library from:"
MPI_NOTICE_END = "Is an MPI library such as"


def drop_mpi_notice(lines):
    out, skipping = [], False
    for line in lines:
        if line.startswith(MPI_NOTICE_START):
            skipping = True
        elif skipping and line.startswith(MPI_NOTICE_END):
            skipping = "blank"
        elif skipping == "blank" and line == "":
            skipping = False
        elif not skipping:
            out.append(line)
    return out


def run_scenario(python, name, timeout=600):
    p = subprocess.run([python, f"{name}.py"], cwd=SCENARIOS, capture_output=True, text=True, timeout=timeout)
    lines, result = [], None
    for line in p.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT "):])
        elif line not in NOISE:
            lines.append(line)
    return {"returncode": p.returncode, "stdout": "\n".join(drop_mpi_notice(lines)), "stderr": p.stderr, "result": result}
