#!/usr/bin/env bash
# Runs the same models in nerve and in NEURON on this machine and prints the
# time ratios. NEURON is only a yardstick here: NRNIV=/path/to/nrniv (default
# `nrniv` on PATH). The Mainen model needs ../shared/conformance and the LFPy
# repository (MIRRORS=dir holding LFPy+LFPy/repo, default ../.mirror).
set -euo pipefail
cd "$(dirname "$0")/.."
NRNIV=${NRNIV:-nrniv}
MIRRORS=${MIRRORS:-../.mirror}
cargo build --release -q
NERVE=$PWD/target/release/nerve
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# best of N wall-clock seconds of a whole command
wall() {
    local n=$1; shift
    python3 - "$n" "$@" <<'PY'
import subprocess, sys, time
n = int(sys.argv[1]); cmd = sys.argv[2:]
best = min((lambda: (lambda t0: (subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True), time.perf_counter() - t0)[1])(time.perf_counter()))() for _ in range(n))
print(f"{best:.4f}")
PY
}
# best of N "run_seconds" printed by a script
inner() {
    local n=$1 dir=$2; shift 2
    local best=""
    for _ in $(seq "$n"); do
        s=$(cd "$dir" && "$@" | awk '/^run_seconds/ {print $2}')
        best=$(python3 -c "print(min(float(x) for x in '$best $s'.split()))")
    done
    echo "$best"
}
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }

printf '%-34s %10s %10s %8s\n' benchmark "nerve (s)" "NEURON (s)" ratio
a=$(wall 5 "$NERVE" run bench/hoc_loop.hoc)
b=$(wall 5 "$NRNIV" -nobanner -nogui bench/hoc_loop.hoc -c "quit()")
printf '%-34s %10s %10s %8s\n' "HOC loop, 10^6 iterations" "$a" "$b" "$(ratio "$a" "$b")"

a=$(inner 5 bench "$NERVE" run passive_cable.hoc)
b=$(inner 5 bench "$NRNIV" -nobanner -nogui passive_cable.hoc -c "quit()")
printf '%-34s %10s %10s %8s\n' "passive cable, 1000 seg, run()" "$a" "$b" "$(ratio "$a" "$b")"

case=../shared/conformance/cases/mainen_passive_lfp
if [ -d "$case" ] && [ -d "$MIRRORS/LFPy+LFPy/repo" ]; then
    cp "$case"/build.hoc bench/mainen_run.hoc "$work"/
    git --git-dir="$MIRRORS/LFPy+LFPy/repo" show b71985c3cbb3ddfda2b86478a54a04b5382f1885:examples/morphologies/L5_Mainen96_LFPy.hoc > "$work"/L5_Mainen96_LFPy.hoc
    a=$(inner 5 "$work" "$NERVE" run mainen_run.hoc)
    b=$(inner 5 "$work" "$NRNIV" -nobanner -nogui mainen_run.hoc -c "quit()")
    printf '%-34s %10s %10s %8s\n' "Mainen passive, run()" "$a" "$b" "$(ratio "$a" "$b")"
    a=$(wall 5 bash -c "cd $work && $NERVE run mainen_run.hoc")
    b=$(wall 5 bash -c "cd $work && $NRNIV -nobanner -nogui mainen_run.hoc -c 'quit()'")
    printf '%-34s %10s %10s %8s\n' "Mainen passive, whole process" "$a" "$b" "$(ratio "$a" "$b")"
else
    echo "(Mainen benchmark skipped: needs $case and $MIRRORS/LFPy+LFPy/repo)"
fi
