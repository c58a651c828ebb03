#!/usr/bin/env bash
# Runs the same models in nerve and in NEURON on this machine and prints the
# time ratios. NEURON is only a yardstick here: NRNIV=/path/to/nrniv (default
# `nrniv` on PATH). The Mainen model needs ../shared/conformance and the LFPy
# repository (MIRRORS=dir holding LFPy+LFPy/repo, default ../.mirror). The Hay
# model needs ModelDBRepository+139653/repo there too, and NEURON's
# nrnivmodl with a C compiler (NRNIVMODL, default `nrnivmodl` on PATH) for
# NEURON's side; nerve reads the .mod files as they are.
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

# One script of bench/ that prints run_seconds, in both simulators.
row() {
    a=$(inner 5 bench "$NERVE" run "$1")
    b=$(inner 5 bench "$NRNIV" -nobanner -nogui "$1" -c "quit()")
    printf '%-34s %10s %10s %8s\n' "$2" "$a" "$b" "$(ratio "$a" "$b")"
}
row passive_cable.hoc "passive cable, 1000 seg, run()"
row hh_cable.hoc "hh axon, 1000 seg, run()"
row hh_network.hoc "hh network, 10,000 NetCons"
row netstim_network.hoc "NetStim network, 200k events"
row hh_cable_cvode.hoc "hh axon, variable step, run()"

# A 128-cell network under ParallelContext: one process, and two MPI ranks
# when OpenMPI is here (nerve built with the mpi feature). Wall time of the
# whole run (best of 3) and the peak RSS of the largest process.
measure() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys, time
best = None
for _ in range(3):
    t0 = time.perf_counter()
    subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    dt = time.perf_counter() - t0
    best = dt if best is None else min(best, dt)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"{best:.3f} {rss:.0f}")
PY
}
net_row() {
    read -r a am <<< "$(measure "${@:2:$1}")"
    shift $(($1 + 1))
    read -r b bm <<< "$(measure "$@")"
    printf '%-34s %10s %10s %8s   RSS %s / %s MB\n' "$label" "$a" "$b" "$(ratio "$a" "$b")" "$am" "$bm"
}
(
    cd bench
    label="network 128 cells, 1 process"
    net_row 3 "$NERVE" run parallel_network.hoc "$NRNIV" -nobanner -nogui parallel_network.hoc
    if command -v mpirun > /dev/null && (cd .. && cargo build --release -q --features mpi -p nerve 2> /dev/null); then
        mpi=(mpirun -n 2 --oversubscribe)
        [ "$(id -u)" = 0 ] && mpi+=(--allow-run-as-root)
        label="network 128 cells, 2 MPI ranks"
        net_row $((${#mpi[@]} + 4)) "${mpi[@]}" "$NERVE" run -mpi parallel_network.hoc "${mpi[@]}" "$NRNIV" -mpi -nobanner -nogui parallel_network.hoc
    else
        echo "(2-rank network row skipped: needs mpirun and nerve built with --features mpi)"
    fi
)

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
    sed 's/^t0 = startsw()/cvode_active(1)\nt0 = startsw()/' "$work"/mainen_run.hoc > "$work"/mainen_run_cvode.hoc
    a=$(inner 5 "$work" "$NERVE" run mainen_run_cvode.hoc)
    b=$(inner 5 "$work" "$NRNIV" -nobanner -nogui mainen_run_cvode.hoc -c "quit()")
    printf '%-34s %10s %10s %8s\n' "Mainen passive, variable step" "$a" "$b" "$(ratio "$a" "$b")"
else
    echo "(Mainen benchmark skipped: needs $case and $MIRRORS/LFPy+LFPy/repo)"
fi

NRNIVMODL=${NRNIVMODL:-nrnivmodl}
case=../shared/conformance/cases/hay_bac_fixed
hay=$MIRRORS/ModelDBRepository+139653/repo
if [ -d "$case" ] && [ -d "$hay" ] && command -v "$NRNIVMODL" > /dev/null; then
    mkdir -p "$work"/hay/mod "$work"/hay/models "$work"/hay/morphologies
    for f in $(git --git-dir="$hay" ls-tree --name-only 50a4aab3ce5c295ad16a134c5d9261b7cc3fbe58 mod/ | grep '\.mod$') models/L5PCbiophys3.hoc models/L5PCtemplate.hoc morphologies/cell1.asc; do
        git --git-dir="$hay" show 50a4aab3ce5c295ad16a134c5d9261b7cc3fbe58:"$f" > "$work/hay/$f"
    done
    cp -r "$case"/simulationcode "$work"/hay/
    (cd "$work"/hay/mod && "$NRNIVMODL" . > /dev/null 2>&1)
    a=$(wall 3 bash -c "cd $work/hay/simulationcode && $NERVE run --mod ../mod driver.hoc")
    b=$(wall 3 bash -c "cd $work/hay/simulationcode && ../mod/x86_64/special -nobanner -nogui driver.hoc -c 'quit()'")
    printf '%-34s %10s %10s %8s\n' "Hay BAC (13 .mod), whole process" "$a" "$b" "$(ratio "$a" "$b")"
    # The same run timed around run(), without and with `extracellular` in
    # every section (the sparse solver instead of the tree solve).
    d=$work/hay/simulationcode
    sed 's/^run()/t0 = startsw()\nrun()\nprint "run_seconds ", startsw() - t0/' "$d"/driver.hoc > "$d"/timed.hoc
    sed 's/^run()/forall insert extracellular\nt0 = startsw()\nrun()\nprint "run_seconds ", startsw() - t0/' "$d"/driver.hoc > "$d"/timed_ext.hoc
    a=$(inner 3 "$d" "$NERVE" run --mod ../mod timed.hoc)
    b=$(inner 3 "$d" ../mod/x86_64/special -nobanner -nogui timed.hoc -c "quit()")
    printf '%-34s %10s %10s %8s\n' "Hay BAC, run()" "$a" "$b" "$(ratio "$a" "$b")"
    ae=$(inner 3 "$d" "$NERVE" run --mod ../mod timed_ext.hoc)
    be=$(inner 3 "$d" ../mod/x86_64/special -nobanner -nogui timed_ext.hoc -c "quit()")
    printf '%-34s %10s %10s %8s\n' "Hay BAC + extracellular, run()" "$ae" "$be" "$(ratio "$ae" "$be")"
    printf '%-34s %10s %10s\n' "  extracellular / without" "$(ratio "$ae" "$a")" "$(ratio "$be" "$b")"
    # The same protocol by the model's own BAC_firing.hoc: cvode.active(1).
    cvcase=../shared/conformance/cases/hay_bac_cvode
    if [ -d "$cvcase" ]; then
        mkdir -p "$work"/hay/cvode
        cp "$cvcase"/simulationcode/driver.hoc "$work"/hay/cvode/
        git --git-dir="$hay" show 50a4aab3ce5c295ad16a134c5d9261b7cc3fbe58:simulationcode/BAC_firing.hoc > "$work"/hay/cvode/BAC_firing.hoc
        a=$(wall 3 bash -c "cd $work/hay/cvode && $NERVE run --mod ../mod driver.hoc")
        b=$(wall 3 bash -c "cd $work/hay/cvode && ../mod/x86_64/special -nobanner -nogui driver.hoc -c 'quit()'")
        printf '%-34s %10s %10s %8s\n' "Hay BAC variable step, whole" "$a" "$b" "$(ratio "$a" "$b")"
    fi
else
    echo "(Hay benchmark skipped: needs $case, $hay and $NRNIVMODL)"
fi
