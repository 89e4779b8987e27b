#!/usr/bin/env bash
# The GPU pack's one script (copied into the pack by bench/gpu/pack.ts): on a machine with no Node,
#   bash <pack>/run.sh
# checks for a Vulkan driver, unpacks the pack's Node, times tfjs-webgpu on Dawn (bench.mjs webgpu),
# times PyTorch on the same weights and tiles (CUDA when it sees a GPU, else the CPU, and says so),
# and prints one JSON document last on stdout (bench.mjs report). Logs go to stderr.
# Environment: GPU_BENCH_WORK (scratch folder, default a temp dir; the report and the logs are copied
# to $OUT as gpu-*.json / gpu-*.log when OUT is set, as the device tool's machine sets it),
# GPU_BENCH_WEBGPU_MS / GPU_BENCH_TORCH_MS (time per tile), GPU_BENCH_MODELS (ids, comma-separated),
# GPU_BENCH_TIMEOUT_S (per step, default 240), GPU_BENCH_DAWN_OPTIONS (default backend=vulkan),
# GPU_BENCH_PYTHON (default python3, the one with PyTorch), VK_DRIVER_FILES (a Vulkan ICD manifest to
# use, e.g. lavapipe's).
set -u
PACK="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="${GPU_BENCH_WORK:-$(mktemp -d)}"
mkdir -p "$WORK"
STEP_S="${GPU_BENCH_TIMEOUT_S:-240}"
log() { echo "[gpu run.sh] $*" >&2; }

# 1. Vulkan, first: the loader (system's, else the pack's lib/), NVIDIA's driver folders, the ICD.
ldcache="$(ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true)"
extra=""
for lib in "$PACK"/lib/*.so*; do
  [ -e "$lib" ] || continue
  name="$(basename "$lib")"
  if ! grep -qF "$name (" <<<"$ldcache"; then
    mkdir -p "$WORK/lib" && ln -sf "$lib" "$WORK/lib/$name" && extra="$WORK/lib"
  fi
done
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do [ -d "$d" ] && extra="${extra:+$extra:}$d"; done
[ -n "$extra" ] && export LD_LIBRARY_PATH="$extra${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ] \
  && ! ls /etc/vulkan/icd.d/*.json /usr/share/vulkan/icd.d/*.json /usr/local/share/vulkan/icd.d/*.json >/dev/null 2>&1 \
  && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
log "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-} VK_DRIVER_FILES=${VK_DRIVER_FILES:-}"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader >"$WORK/nvidia-smi.txt" 2>/dev/null

# 2. Node and dawn.node, unpacked from their .xz (xz, else Python's lzma).
unxz_to() {
  if command -v xz >/dev/null; then xz -dc "$1" >"$2"
  else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],"wb"))' "$1" "$2"; fi
}
NODE="$WORK/node"
[ -x "$NODE" ] || { unxz_to "$PACK/node.xz" "$NODE" && chmod +x "$NODE"; }
export GPU_BENCH_DAWN="$WORK/dawn.node"
[ -f "$GPU_BENCH_DAWN" ] || unxz_to "$PACK/dawn.node.xz" "$GPU_BENCH_DAWN"
if ! "$NODE" --version >/dev/null 2>&1; then
  echo "{\"suite\":\"gpu\",\"ok\":false,\"webgpuReason\":\"the pack's Node does not run here: $("$NODE" --version 2>&1 | head -1 | tr -d '\"\\')\"}"
  exit 1
fi
log "node $("$NODE" --version)"

# 3. The Vulkan verdict; tfjs-webgpu on Dawn only where it says a driver is there.
"$NODE" "$PACK/bench.mjs" vulkan >"$WORK/vulkan.json" 2>"$WORK/vulkan.log"
log "vulkan: $(head -c 600 "$WORK/vulkan.json")"
if grep -q '"verdict":{"ok":true' "$WORK/vulkan.json"; then
  log "webgpu: timing (stderr in $WORK/webgpu.log)"
  GPU_BENCH_PARTIAL="$WORK/webgpu.partial.json" timeout "$STEP_S" "$NODE" "$PACK/bench.mjs" webgpu \
    >"$WORK/webgpu.out" 2>"$WORK/webgpu.log"
  echo $? >"$WORK/webgpu.rc"
  tail -1 "$WORK/webgpu.out" >"$WORK/webgpu.json.tmp" && grep -q '^{' "$WORK/webgpu.json.tmp" && mv "$WORK/webgpu.json.tmp" "$WORK/webgpu.json"
  grep -v XDG_RUNTIME_DIR "$WORK/webgpu.log" | tail -20 >&2
fi

# 4. PyTorch on the same weights (the pack's TF.js folders, loaded back by training.import_tfjs).
log "torch: timing (stderr in $WORK/torch.log)"
"$NODE" -e 'const j = require(process.argv[1]), e = process.env;
  if (e.GPU_BENCH_TORCH_MS) j.budgetMs = Number(e.GPU_BENCH_TORCH_MS);
  if (e.GPU_BENCH_MODELS) j.models = j.models.filter((m) => e.GPU_BENCH_MODELS.split(",").includes(m.id));
  process.stdout.write(JSON.stringify(j));' "$PACK/torch-job.json" >"$WORK/torch-job.json"
(cd "$PACK" && PYTHONPATH="$PACK/py" timeout "$STEP_S" "${GPU_BENCH_PYTHON:-python3}" "$PACK/py/bench/torch_inference.py" \
  <"$WORK/torch-job.json" >"$WORK/torch.out" 2>"$WORK/torch.log")
echo $? >"$WORK/torch.rc"
tail -1 "$WORK/torch.out" | grep '^{' >"$WORK/torch.json" || rm -f "$WORK/torch.json"
tail -5 "$WORK/torch.log" >&2

# 5. One report, last on stdout (also kept as $WORK/report.json).
"$NODE" "$PACK/bench.mjs" report "$WORK" >"$WORK/report.json"
rc=$?
if [ -n "${OUT:-}" ] && [ -d "$OUT" ]; then
  for f in report.json vulkan.json webgpu.log torch.log; do [ -f "$WORK/$f" ] && cp "$WORK/$f" "$OUT/gpu-$f"; done
fi
cat "$WORK/report.json"
exit $rc
