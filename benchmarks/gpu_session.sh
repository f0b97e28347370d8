#!/usr/bin/env bash
# One lent GPU session, in one call: the tests that need a GPU (and the model, layer, kernel and training
# tests beside them, on that machine's PyTorch), then benchmarks/gpu.py and benchmarks/gpu_profile.py.
# rnnkit's native CPU kernels are built meanwhile, for gpu.py's host-CPU rows. Logs go to $OUT.
#
#     OUT=/tmp/gpu bash benchmarks/gpu_session.sh
set -u
OUT=${OUT:-/tmp/gpu_session}
PY=${PYTHON:-python3}
mkdir -p "$OUT"
export PYTHONPATH="$PWD/src" PYTHONUNBUFFERED=1
nvidia-smi -L || true
"$PY" -c "import platform, torch; print(platform.python_version(), 'torch', torch.__version__, torch.cuda.get_device_name())"
(RNNKIT_NATIVE_DIR=/tmp/native timeout 300 "$PY" -m rnnkit native build >"$OUT/build.log" 2>&1; echo "build exit $?" >>"$OUT/build.log") &
build=$!
start=$(date +%s)
RNNKIT_NATIVE=0 timeout 300 "$PY" -m pytest -q -rs tests/models tests/train tests/nn tests/layers >"$OUT/tests.log" 2>&1
echo "tests exit $? after $(($(date +%s) - start)) s"
grep -E "passed|failed|error|FAILED|ERROR" "$OUT/tests.log" | tail -15
wait $build
tail -2 "$OUT/build.log"
cd benchmarks || exit 1
RNNKIT_NATIVE_DIR=/tmp/native timeout 300 "$PY" gpu.py --repeats 3 2>&1 | tee "$OUT/gpu.log"
RNNKIT_NATIVE_DIR=/tmp/native timeout 120 "$PY" gpu_profile.py --tables "$OUT/profiles.txt" 2>&1 | tee "$OUT/profile.log"
