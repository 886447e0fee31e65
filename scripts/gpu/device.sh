#!/usr/bin/env bash
# The one command of every device call for issue 4 (see docs/gpu-run.md):
#   bash scripts/gpu/device.sh smoke            call 1: install Keras, check JAX and the GPU, smoke-test on shard 0
#   bash scripts/gpu/device.sh receive          calls 2..n-1: just land the carried shard (prints what is here)
#   bash scripts/gpu/device.sh train [OPTIONS]  last call: verify the pack, train, write models to $OUT
# OPTIONS go to scripts/gpu/run_bundle.py (e.g. --budget-s 420). Keras travels as wheels in .whl/
# (carried by call 1) and is installed once per machine under /tmp; the JAX compilation cache there
# lets the last call reuse what the smoke test compiled. Both last only while the machine stays warm.
# For a rehearsal on the CPU here (docs/gpu-run.md): FACEXAI_PACK, FACEXAI_DEVICE_TMP and
# FACEXAI_DEVICE_PYTHON (e.g. ".venv/bin/python scripts/gpu/without_tensorflow.py") override the defaults.
set -euo pipefail
cd "$(dirname "$0")/../.."
step=${1:?usage: device.sh smoke|receive|train [run_bundle.py options]}
shift
tmp=${FACEXAI_DEVICE_TMP:-/tmp}
pack=${FACEXAI_PACK:-.gpu/pack}
read -r -a py <<<"${FACEXAI_DEVICE_PYTHON:-python3}"
out=${OUT:-$tmp/facexai-out}
mkdir -p "$out"
site=$tmp/facexai-site
export PYTHONPATH="$site:$PWD/backend" PYTHONUNBUFFERED=1 KERAS_BACKEND=jax
if ! "${py[0]}" -c "import keras" >/dev/null 2>&1; then
    if ! ls .whl/*.whl >/dev/null 2>&1; then
        echo "device.sh: Keras is not installed here and .whl/ was not carried: a fresh machine? Start again at call 1." >&2
        exit 3
    fi
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$site" .whl/*.whl
fi
common=(--pack "$pack" --unpack-dir "$tmp/facexai-fairface" --compile-cache "$tmp/facexai-jax-cache")
case "$step" in
    smoke)
        nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
        "${py[0]}" -c "import jax, keras; print('jax', jax.__version__, jax.devices(), 'keras', keras.__version__)"
        "${py[@]}" scripts/gpu/run_bundle.py "${common[@]}" --smoke --out "$tmp/facexai-smoke" \
            --stage "$tmp/facexai-smoke-stage" "$@" 2>&1 | tee "$out/smoke.log"
        ;;
    receive)
        "${py[@]}" scripts/gpu/pack_data.py status --pack "$pack" --no-verify || true
        ;;
    train)
        "${py[@]}" scripts/gpu/run_bundle.py "${common[@]}" --out "$out" --stage "$tmp/facexai-stage" "$@" \
            2>&1 | tee "$out/run.log"
        ;;
    *)
        echo "device.sh: unknown step $step" >&2
        exit 2
        ;;
esac
