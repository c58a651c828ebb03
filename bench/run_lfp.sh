#!/usr/bin/env bash
# The whole mainen_passive_lfp run (simulation + 465 contacts in three
# methods, dipole, EEG, MEG, CSD) in nerve and in NEURON + LFPy on this
# machine: wall time and peak memory, and their ratios. Needs
# ../shared/conformance, the LFPy repository (MIRRORS=dir holding
# LFPy+LFPy/repo, default ../.mirror) and PYTHON=a python with
# neuron==9.0.2, lfpy==2.3.7 and lfpykit==0.6.2 (default python3).
# With NERVE_PYTHON=a python with nerve's package (pip install .) and the
# same LFPy, the same LFPy script also runs with nerve as its NEURON.
set -euo pipefail
cd "$(dirname "$0")/.."
MIRRORS=${MIRRORS:-../.mirror}
PYTHON=${PYTHON:-python3}
cargo build --release -q
NERVE=$PWD/target/release/nerve
case=../shared/conformance/cases/mainen_passive_lfp
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$case"/* "$work"/
cp bench/lfpy_mainen.py "$work"/
git --git-dir="$MIRRORS/LFPy+LFPy/repo" show b71985c3cbb3ddfda2b86478a54a04b5382f1885:examples/morphologies/L5_Mainen96_LFPy.hoc > "$work"/L5_Mainen96_LFPy.hoc
cd "$work"
best() { sort -n | head -1; }
nerve_t=""; nerve_m=""
for _ in 1 2 3; do
    /usr/bin/env time -f "%e %M" -o t.txt "$NERVE" run --probes probes.json --out out driver.hoc > /dev/null
    read -r s kb < t.txt
    nerve_t="$nerve_t $s"; nerve_m="$nerve_m $kb"
done
lfpy_t=""; lfpy_m=""
for _ in 1 2 3; do
    /usr/bin/env time -f "%e %M" -o t.txt "$PYTHON" lfpy_mainen.py > /dev/null 2>&1
    read -r s kb < t.txt
    lfpy_t="$lfpy_t $s"; lfpy_m="$lfpy_m $kb"
done
on_t=""; on_m=""
if [ -n "${NERVE_PYTHON:-}" ]; then
    for _ in 1 2 3; do
        /usr/bin/env time -f "%e %M" -o t.txt "$NERVE_PYTHON" lfpy_mainen.py > /dev/null 2>&1
        read -r s kb < t.txt
        on_t="$on_t $s"; on_m="$on_m $kb"
    done
fi
python3 - "$nerve_t" "$nerve_m" "$lfpy_t" "$lfpy_m" "$on_t" "$on_m" <<'PY'
import sys
nt, nm, lt, lm = (min(float(x) for x in a.split()) for a in sys.argv[1:5])
print(f"{'mainen_passive_lfp, whole run':34s} {'nerve':>10s} {'NEURON+LFPy':>12s} {'ratio':>7s}")
print(f"{'wall time (s)':34s} {nt:10.3f} {lt:12.3f} {nt/lt:7.3f}")
print(f"{'peak memory (MiB)':34s} {nm/1024:10.1f} {lm/1024:12.1f} {nm/lm:7.3f}")
if sys.argv[5].strip():
    ot, om = (min(float(x) for x in a.split()) for a in sys.argv[5:7])
    print()
    print(f"{'the same LFPy script':34s} {'on nerve':>10s} {'on NEURON':>12s} {'ratio':>7s}")
    print(f"{'wall time (s)':34s} {ot:10.3f} {lt:12.3f} {ot/lt:7.3f}")
    print(f"{'peak memory (MiB)':34s} {om/1024:10.1f} {lm/1024:12.1f} {om/lm:7.3f}")
PY
