"""The package's commands and HOC calling Python: ``nrnivmodl`` without a
compiler, ``load_mechanisms`` on a folder of .mod files, the ``nerve``
command (the package's own, and the program built by cargo, which hands a
Python script to the package) and ``nrnpython`` from a HOC file. Outputs
are NEURON 9.0.2's for the same files, except where nerve's names differ
(its program name in ``sys.argv``)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
MODS = Path(__file__).resolve().parent / "scenarios" / "mods_leak"


def run(cmd, cwd, env=None):
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


def leak_folder(tmp_path):
    d = tmp_path / "mods"
    shutil.copytree(MODS, d)
    return d


def test_nrnivmodl_makes_a_loadable_folder(tmp_path):
    d = leak_folder(tmp_path)
    p = run([BIN / "nrnivmodl"], d)
    assert p.returncode == 0, p.stderr
    assert p.stdout.endswith("Successfully created x86_64/special\n")
    lib = d / "x86_64" / ".libs" / "libnrnmech.so"
    assert str(d / "leakx.mod") in lib.read_text().splitlines()
    (d / "t.hoc").write_text("create soma\nsoma insert leakx\nprint e_leakx, g_leakx\n")
    # x86_64/special is nrniv with the folder's mechanisms, as NEURON's.
    p = run([d / "x86_64" / "special", "-nobanner", d / "t.hoc", "-c", "quit()"], tmp_path)
    assert (p.returncode, p.stdout, p.stderr) == (0, "-70 0.0005 \n", "")
    # NEURON loads the mechanisms nrnivmodl built in the current folder.
    p = run([sys.executable, "-c", "from neuron import h\ns = h.Section()\ns.insert('leakx')\nprint(s(0.5).leakx.e)"], d)
    assert (p.returncode, p.stdout) == (0, "-70.0\n"), p.stderr


def test_nrnivmodl_takes_files_and_folders(tmp_path):
    d = leak_folder(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    p = run([BIN / "nrnivmodl", d], out)
    assert p.returncode == 0, p.stderr
    assert 'Mod files: "../mods/leakx.mod"' in p.stdout
    p = run([BIN / "nrnivmodl", d / "leakx"], out)
    assert p.returncode == 0, p.stderr
    assert str(d / "leakx.mod") in (out / "x86_64" / ".libs" / "libnrnmech.so").read_text()


def test_nrnivmodl_reports_a_broken_file_and_writes_nothing(tmp_path):
    (tmp_path / "bad.mod").write_text("NEURON {\n    SUFFIX bad\n}\nBREAKPOINT {\n    x = = 1\n}\n")
    p = run([BIN / "nrnivmodl"], tmp_path)
    assert p.returncode != 0
    assert "bad.mod:5:" in p.stderr
    assert not (tmp_path / "x86_64").exists()


def test_load_mechanisms_reads_mod_files_directly(tmp_path):
    d = leak_folder(tmp_path)
    code = f"import neuron\nprint(neuron.load_mechanisms({str(d)!r}))\nprint(neuron.load_mechanisms({str(tmp_path)!r}))\nfrom neuron import h\ns = h.Section()\ns.insert('leakx')\nprint(s(0.5).e_leakx)\n"
    p = run([sys.executable, "-c", code], tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout == f"True\nNEURON mechanisms not found in {tmp_path}.\nFalse\n-70.0\n"


SCRIPT = """import sys
from neuron import h
print(sys.argv[1:], __name__)
h('x = 3')
print(h.x)
"""

HOC = """x = 2
nrnpython("import sys; print('py', sys.argv[1:])")
nrnpython("from neuron import h; print(h.x * 2)")
y = nrnpython("1/0")
print y
nrnpython("h.x = 5")
print x
"""

# What nrniv printed for HOC (its sys.argv being nrniv's own command line).
HOC_STDOUT = "py {argv}\n\t1 \n4.0\n\t1 \n0 \n\t1 \n5 \n"


def test_nerve_command_runs_a_python_script(tmp_path):
    (tmp_path / "s.py").write_text(SCRIPT)
    p = run([BIN / "nerve", "run", "s.py", "a", "b"], tmp_path)
    assert (p.returncode, p.stdout, p.stderr) == (0, "['run', 's.py', 'a', 'b'] __main__\n3.0\n", "")


def test_nrnpython_from_hoc(tmp_path):
    (tmp_path / "t.hoc").write_text(HOC)
    p = run([BIN / "nerve", "run", "t.hoc", "-c", "quit()"], tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout == HOC_STDOUT.format(argv=["run", "t.hoc", "-c", "quit()"])
    assert p.stderr.endswith("ZeroDivisionError: division by zero\n")


def nerve_program():
    prog = os.environ.get("NERVE_BIN")
    if not prog:
        pytest.skip("NERVE_BIN (the nerve program built by cargo) is not set")
    return prog


def test_nerve_program_hands_a_script_to_python(tmp_path):
    prog = nerve_program()
    (tmp_path / "s.py").write_text("import sys\nprint(sys.argv[0] == sys.argv[-1])\n" + SCRIPT)
    env = dict(os.environ, NERVE_PYTHON=sys.executable)
    p = run([prog, "run", "s.py", "a", prog], tmp_path, env)
    assert (p.returncode, p.stdout, p.stderr) == (0, f"True\n['run', 's.py', 'a', '{prog}'] __main__\n3.0\n", "")


def test_nerve_program_needs_a_python_with_the_package(tmp_path):
    prog = nerve_program()
    (tmp_path / "s.py").write_text(SCRIPT)
    env = dict(os.environ, NERVE_PYTHON=getattr(sys, "_base_executable", "python3"))
    p = run([prog, "run", "s.py"], tmp_path, env)
    assert p.returncode == 1
    assert "has no nerve Python package" in p.stderr
