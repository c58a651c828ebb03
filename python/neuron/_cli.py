"""The package's commands: ``nrnivmodl`` (no compiler: it checks the .mod
files and records them where NEURON's build output would be) and ``nerve``
(``nerve run [--mod DIR]... FILE... [-c STMT]...`` with HOC and Python in
one process, so that ``nrnpython`` works from HOC and HOC from Python)."""

import os
import platform
import builtins
import sys
import traceback
import types


def _arch():
    m = platform.machine()
    return {"amd64": "x86_64", "arm64": "arm64"}.get(m.lower(), m)


def nrnivmodl(argv=None):
    """nrnivmodl [options] [FILE.mod | DIR]...: checks that the .mod files
    compile and writes ARCH/.libs/libnrnmech.so (and ARCH/libnrnmech.so)
    listing them, which ``load_mechanisms``, ``nrn_load_dll`` and
    ``nerve run -dll`` load; ARCH/special runs nerve with them."""
    from neuron import hoc

    args = list(sys.argv[1:] if argv is None else argv)
    mods, k = [], 0
    while k < len(args):
        a = args[k]
        if a in ("-incflags", "-loadflags", "-nmodl", "-nmodlflags"):
            k += 2
            continue
        if a.startswith("-"):
            k += 1
            continue
        if os.path.isdir(a):
            mods += sorted(os.path.join(a, f) for f in os.listdir(a) if f.endswith(".mod"))
        else:
            mods.append(a if a.endswith(".mod") else a + ".mod")
        k += 1
    if not any(not a.startswith("-") for a in args):
        mods = sorted(f for f in os.listdir(".") if f.endswith(".mod"))
    mods = [os.path.abspath(m) for m in mods]
    print(os.getcwd())
    print("Mod files:", " ".join('"%s"' % os.path.relpath(m) for m in mods))
    status = 0
    for m in mods:
        if not os.path.isfile(m):
            print(f"nrnivmodl: {m}: no such file", file=sys.stderr)
            status = 1
            continue
        try:
            hoc.check_mod(m)
        except ValueError as e:
            print(f"nrnivmodl: {e}", file=sys.stderr)
            status = 1
    if status:
        return status
    arch = _arch()
    libs = os.path.join(arch, ".libs")
    os.makedirs(libs, exist_ok=True)
    text = hoc.MECH_LIBRARY_HEADER + "\n" + "".join(m + "\n" for m in mods)
    for lib in (os.path.join(libs, "libnrnmech.so"), os.path.join(arch, "libnrnmech.so")):
        with open(lib, "w") as f:
            f.write(text)
    special = os.path.join(arch, "special")
    with open(special, "w") as f:
        f.write('#!/bin/sh\nexec "%s" -m neuron._cli -dll "%s" "$@"\n' % (sys.executable, os.path.abspath(os.path.join(libs, "libnrnmech.so"))))
    os.chmod(special, 0o755)
    print(f"Successfully created {arch}/special")
    return 0


NRNIV_FLAGS = ("-nobanner", "-nogui", "-isatty", "-notatty", "-nopython", "-python")


def nerve(argv=None):
    """``nerve [run] [--mod DIR]... [-dll LIB]... ITEM...``: HOC files and
    ``-c`` statements run in order; a ``.py`` file runs as the main script
    (as ``nrniv -python script.py`` does), the words after it being its
    arguments; ``-`` reads HOC from standard input."""
    from neuron import hoc

    # The nerve program built by cargo passes its own name on.
    program = os.environ.pop("NERVE_ARGV0", None) or sys.argv[0]
    full = [program] + list(sys.argv[1:] if argv is None else argv)
    args = full[1:]
    if args and args[0] == "run":
        args = args[1:]
    elif args and args[0] in ("convert", "plot"):
        print(f"nerve: '{args[0]}' is a command of the nerve program built by cargo, not of the Python package's nerve", file=sys.stderr)
        return 2
    mod_dirs, items, k = [], [], 0
    while k < len(args):
        a = args[k]
        if a == "--mod" or a == "-dll" or a in ("-NSTACK", "-NFRAME", "-c"):
            if k + 1 >= len(args):
                print(f"nerve: {a} needs a value", file=sys.stderr)
                return 2
            v = args[k + 1]
            if a == "--mod":
                mod_dirs.append(v)
            elif a == "-dll":
                mod_dirs.append(_library_folder(v))
            elif a == "-c":
                items.append(("stmt", v))
            k += 2
            continue
        if a.startswith("--mod="):
            mod_dirs.append(a[len("--mod="):])
        elif a in ("--probes", "--out") or a.startswith(("--probes=", "--out=")):
            print("nerve: --probes and --out belong to the nerve program built by cargo", file=sys.stderr)
            return 2
        elif a in NRNIV_FLAGS:
            pass
        elif a == "-":
            items.append(("stdin", None))
        elif a.startswith("-") and len(a) > 1:
            print(f"nerve: unknown option {a}", file=sys.stderr)
            return 2
        elif a.endswith(".py"):
            items.append(("python", a))
            break
        else:
            items.append(("file", a))
        k += 1
    if not items:
        items.append(("stdin", None))
    for d in mod_dirs + ["."]:
        if d == "." and d not in mod_dirs and not _has_mechanisms("."):
            continue
        try:
            hoc.load_mod_dir(d)
        except RuntimeError as e:
            print(f"nerve: {e}", file=sys.stderr)
            return 1
    try:
        for kind, what in items:
            if kind == "file":
                ok = hoc.run_file(what)
            elif kind == "stmt":
                ok = hoc.run_statement(what)
            elif kind == "stdin":
                ok = hoc.run_interactive(sys.stdin.read())
            else:
                return _run_python(what, full)
            if not ok:
                return 1
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 0
    return 0


def _library_folder(lib):
    """The folder a mechanism library stands for (DIR/ARCH/.libs/libnrnmech.so -> DIR)."""
    d = os.path.dirname(os.path.abspath(lib))
    if os.path.basename(d) == ".libs":
        d = os.path.dirname(d)
    if os.path.basename(d) in ("x86_64", "aarch64", "arm64", "i686", "powerpc64le"):
        d = os.path.dirname(d)
    return d


def _has_mechanisms(d):
    return any(f.endswith(".mod") for f in os.listdir(d)) or os.path.isfile(os.path.join(d, _arch(), ".libs", "libnrnmech.so"))


def _run_python(script, argv):
    """Runs a script as ``__main__`` with the whole command line as
    ``sys.argv``, as nrniv does (``nrnpython`` from HOC runs in the same
    ``__main__``)."""
    sys.argv = list(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    main = types.ModuleType("__main__")
    main.__file__ = script
    main.__builtins__ = builtins
    sys.modules["__main__"] = main
    try:
        with open(script, "rb") as f:
            source = f.read()
    except OSError as e:
        print(f"nerve: can't open file {script!r}: {e}", file=sys.stderr)
        return 1
    try:
        exec(compile(source, script, "exec"), main.__dict__)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "nrnivmodl":
        sys.exit(nrnivmodl(sys.argv[2:]))
    sys.exit(nerve())


if __name__ == "__main__":
    main()
