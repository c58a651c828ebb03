#!/usr/bin/env bash
# Peak memory of a run whose results stream to disk: a 384-contact probe
# sampled every step (dt = 0.025 ms) for T and 10·T ms. The results grow
# tenfold; nerve's peak RSS should not.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p nerve
NERVE=$PWD/target/release/nerve
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work/probes.json" <<'PY'
import json, sys
z = [10.0 * k for k in range(384)]
json.dump({"probes": [{"name": "lfp", "type": "PointSourcePotential",
                       "x": [30.0] * 384, "y": [0.0] * 384, "z": z}]}, open(sys.argv[1], "w"))
PY
printf '%-12s %10s %12s %12s\n' "tstop (ms)" "wall (s)" "peak RSS MB" "results MB"
for tstop in ${TSTOPS:-500 5000}; do
    python3 - "$NERVE" "$work" "$tstop" <<'PY'
import os, resource, subprocess, sys, time, shutil
nerve, work, tstop = sys.argv[1], sys.argv[2], sys.argv[3]
out = os.path.join(work, "out")
shutil.rmtree(out, ignore_errors=True)
t0 = time.perf_counter()
subprocess.run([nerve, "run", "--probes", os.path.join(work, "probes.json"), "--out", out,
                "bench/streaming.hoc", "-c", f"tstop = {tstop}", "-c", "run()"], stdout=subprocess.DEVNULL, check=True)
wall = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
size = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out)) / 2**20
print(f"{tstop:<12} {wall:10.2f} {rss:12.1f} {size:12.1f}")
PY
done
