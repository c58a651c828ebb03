#!/usr/bin/env bash
# Regenerate the expected output (.stdout / .stderr) of every test script in
# this folder by running real NEURON on it:
#
#   NRNIV=/path/to/nrniv ./regen.sh            # all scripts
#   NRNIV=/path/to/nrniv ./regen.sh a.hoc b.hoc  # only these
#
# Each NAME.hoc is run from this folder as
#   nrniv -nobanner -nogui NAME.hoc -c "quit()"
# NAME.stdout gets stdout byte for byte.  NAME.stderr is written only when
# stderr is non-empty; it is normalised: the program path that NEURON puts in
# front of an error message (e.g. "/usr/local/bin/nrniv:") becomes "nerve:",
# and lines starting with "hoc_run1: caught exception" are dropped.
# A script with a .stderr is expected to exit non-zero, any other with 0; a
# mismatch is reported.
set -u
NRNIV="${NRNIV:-nrniv}"
cd "$(dirname "$0")" || exit 1

if [ $# -gt 0 ]; then
  scripts=("$@")
else
  scripts=(*.hoc)
fi

status=0
for script in "${scripts[@]}"; do
  name="${script%.hoc}"
  err="$(mktemp)"
  "$NRNIV" -nobanner -nogui "$name.hoc" -c "quit()" >"$name.stdout" 2>"$err" </dev/null
  rc=$?
  if [ -s "$err" ]; then
    sed -E -e 's#^[^ ]*nrniv[^ :]*:#nerve:#' -e '/^hoc_run1: caught exception/d' "$err" >"$name.stderr"
  else
    rm -f "$name.stderr"
  fi
  rm -f "$err"
  if [ -e "$name.stderr" ] && [ "$rc" -eq 0 ]; then
    echo "regen.sh: $name.hoc wrote to stderr but exited 0" >&2
    status=1
  elif [ ! -e "$name.stderr" ] && [ "$rc" -ne 0 ]; then
    echo "regen.sh: $name.hoc exited $rc without writing to stderr" >&2
    status=1
  fi
done
rm -f tmp_*
exit $status
