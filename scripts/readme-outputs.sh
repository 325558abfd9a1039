#!/usr/bin/env bash
# Regenerates the real command outputs that README.md quotes (run after changing a model or a command).
set -euo pipefail
cd "$(dirname "$0")/.."
out=out/readme
mkdir -p "$out"
# run NAME ARGS...: the command line, then what it printed on stdout, into out/readme/NAME.txt
run() { local name=$1; shift; { echo "\$ superfactory $*"; npx tsx src/cli/main.ts "$@" 2>/dev/null; } > "$out/$name.txt"; }
run fabric fabric show fairwater
run estimate estimate --model llama3-70b --fabric dgx-h100-ib --gpus 1024 --tp 8 --pp 4 --dp 32 --vpp 5 --mbs 1 --gbs 512 --sequence-parallel --recompute selective
run plan plan --model llama3-405b --fabric fairwater --top 5
run sweep sweep --model llama3-70b --fabric fairwater --gpus 16384 --wan-gbps 100,1000,10000,100000 --wan-latency-ms 5,10,20 --out out/sweep
cp out/sweep/sweep.svg docs/img/sweep.svg
run simulate simulate --fabric fairwater --workload superfactory --policy fifo --horizon-days 0 --out out/sim
run compare compare --fabric fairwater --workload superfactory --scenario data/workloads/superfactory-quotas.scenario.yaml --policies fifo,priority,fair-share --horizon-days 0 --out out/compare
cp out/sim/utilization.svg docs/img/utilization.svg
cp out/compare/compare.svg docs/img/compare.svg
npm run validate --silent > "$out/validate.txt" || true
python3 - <<'PY'
import re
readme = open('README.md').read()
def fill(marker, path):
    global readme
    text = open(path).read().rstrip()
    pattern = re.compile(r'(<!-- ' + re.escape(marker) + r' -->\n```\n)(.*?)(\n```)', re.S)
    readme, n = pattern.subn(lambda m: m.group(1) + text + m.group(3), readme)
    if n != 1: raise SystemExit(f'README marker {marker} not found once')
for name in ['fabric', 'estimate', 'plan', 'sweep', 'simulate', 'compare']:
    fill(name, f'out/readme/{name}.txt')
open('README.md', 'w').write(readme)
PY
echo "README outputs refreshed"
