#!/usr/bin/env bash
# Regenerate the expected output (.stdout / .stderr) of the test scripts by
# running real NEURON on them:
#
#   NRNIV=/path/to/nrniv ./regen.sh                        # every TOPIC/NAME.hoc
#   NRNIV=/path/to/nrniv ./regen.sh lang/a.hoc vector/b.hoc  # only these
#
# NRNIV defaults to "nrniv" on PATH. Each script is run from its own topic
# folder as
#   nrniv -nobanner -nogui NAME.hoc -c "quit()"
# NAME.stdout gets stdout byte for byte.  NAME.stderr is written only when
# the run exits non-zero (error cases) and is normalised: the program path
# that NEURON puts in front of a message (e.g. "/usr/local/bin/nrniv:")
# becomes "nerve:", and lines starting with "hoc_run1: caught exception" are
# dropped.  A run that exits 0 has no .stderr; if it wrote to stderr anyway,
# or exits non-zero without writing to stderr, a warning is printed.
# nmodl/ and cvode/ are made differently (see README.md).
# graph/ is made with a display, as NEURON's Graph keeps its lines only
# then (and -nogui NEURON crashes in Graph.getline): those scripts run as
#   nrniv -nobanner NAME.hoc -c "quit()"
# with DISPLAY set (a virtual one will do: Xvfb :99 & DISPLAY=:99), and the
# warning about a missing font on stderr is ignored.
set -u
NRNIV="${NRNIV:-nrniv}"
cd "$(dirname "$0")" || exit 1

if [ $# -gt 0 ]; then
  scripts=("$@")
else
  scripts=()
  for f in */*.hoc; do
    case "$f" in nmodl/*|cvode/*|*/lib/*) continue ;; esac
    scripts+=("$f")
  done
fi

status=0
err="$(mktemp)"
for script in "${scripts[@]}"; do
  dir="$(dirname "$script")"
  name="$(basename "${script%.hoc}")"
  (
    cd "$dir" || exit 1
    case "$dir" in
      graph)
        if [ -z "${DISPLAY:-}" ]; then
          echo "regen.sh: $script needs a display (DISPLAY is not set)" >&2
          exit 1
        fi
        gui=() ;;
      *) gui=(-nogui) ;;
    esac
    "$NRNIV" -nobanner "${gui[@]}" "$name.hoc" -c "quit()" >"$name.stdout" 2>"$err" </dev/null
    rc=$?
    sed -i '/unable to open font/d' "$err"
    if [ "$rc" -ne 0 ]; then
      sed -E -e 's#^[^ ]*nrniv[^ :]*:#nerve:#' -e '/^hoc_run1: caught exception/d' "$err" >"$name.stderr"
      if [ ! -s "$name.stderr" ]; then
        echo "regen.sh: $script exited $rc without an error message" >&2
        exit 1
      fi
    else
      rm -f "$name.stderr"
      if [ -s "$err" ]; then
        echo "regen.sh: $script exited 0 but wrote to stderr (not recorded)" >&2
        exit 1
      fi
    fi
    rm -f tmp_*
  ) || status=1
done
rm -f "$err"
exit $status
