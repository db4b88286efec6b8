#!/usr/bin/env bash
# The backend on a GPU, in under 4 minutes: the digit sampler on CUDA, 50 training steps of each image
# diffusion recipe (EMA, bf16 where the GPU has it, the card), and an exact resume. Backend only: no gradio,
# no plotly; the machine's own torch is used and never replaced.
#
#   bash scripts/gpu_check.sh --prepare   # here, with PLAYGROUND_DATA_DIR: writes runs/gpu-check/ (a ~2 MB data
#                                         # subset and the diffusers/accelerate wheels), to carry to the GPU machine
#   bash scripts/gpu_check.sh             # on the GPU machine (no network needed)
#   bash scripts/gpu_check.sh --dry-run   # the same steps, tiny, on the CPU
#
# The GPU image lacks diffusers and may have no route to a package registry, so the wheels travel with the
# tree and are installed with --no-index --no-deps (pure-Python wheels; their dependencies come from the image).
set -euo pipefail
cd "$(dirname "$0")/.."
KIT=runs/gpu-check
MODE="${1:-gpu}"
SECONDS=0

prepare() {
  [ -n "${PLAYGROUND_DATA_DIR:-}" ] || { echo "set PLAYGROUND_DATA_DIR to the full data folder" >&2; exit 1; }
  rm -rf "$KIT" && mkdir -p "$KIT/wheels"
  python - "$KIT" <<'PY'
"""The data subset: the first MNIST images as torchvision's extracted files (in a cache folder, so nothing
is downloaded or checksummed) and the first CIFAR-10 photos as the offline npz; the sources' terms beside."""
import os, shutil, sys
from pathlib import Path

import numpy as np

from playground.data import cifar10, mnist

kit, source = Path(sys.argv[1]), Path(os.environ["PLAYGROUND_DATA_DIR"])
raw = kit / "cache" / "MNIST" / "raw"
raw.mkdir(parents=True)
for split, prefix, n in (("train", "train", 1000), ("test", "t10k", 100)):
    images, labels = mnist(split)
    header = lambda magic, *dims: np.array([magic, *dims], dtype=">i4").tobytes()  # idx format, big-endian
    (raw / f"{prefix}-images-idx3-ubyte").write_bytes(header(2051, n, 28, 28) + images[:n].numpy().tobytes())
    (raw / f"{prefix}-labels-idx1-ubyte").write_bytes(header(2049, n) + labels[:n].numpy().astype(np.uint8).tobytes())
(kit / "data" / "cifar10").mkdir(parents=True)
(xtr, ytr), (xte, yte) = cifar10("train"), cifar10("test")
np.savez_compressed(kit / "data" / "cifar10" / "cifar10.npz", x_train=xtr[:256], y_train=ytr[:256],
                    x_test=xte[:64], y_test=yte[:64])
for name in ("mnist", "cifar10"):
    (kit / "data" / name).mkdir(exist_ok=True)
    shutil.copy(source / name / "SOURCE.md", kit / "data" / name / "SOURCE.md")
size = sum(p.stat().st_size for p in kit.rglob("*") if p.is_file())
assert size <= 2_000_000, f"the data subset takes {size:,} bytes"
print(f"data subset: {size:,} bytes (1,000 + 100 MNIST digits, 256 + 64 CIFAR-10 photos)")
PY
  pip download --no-deps -q -d "$KIT/wheels" "diffusers==$(python -c 'import diffusers; print(diffusers.__version__)')" \
    "accelerate==$(python -c 'import accelerate; print(accelerate.__version__)')"
  du -sh "$KIT"/* "$KIT"
  echo "carry $KIT with the tree (the run tool: carry=[\"$KIT\"])"
}

install_missing() {  # only what the image lacks, from the carried wheels, never touching torch
  for pkg in accelerate diffusers; do
    if ! python -c "import $pkg" 2>/dev/null; then
      wheel=$(ls "$KIT"/wheels/"$pkg"-*.whl 2>/dev/null | head -1)
      [ -n "$wheel" ] || { echo "$pkg is missing and $KIT/wheels has no wheel: run --prepare where the data is" >&2; exit 1; }
      if [ "$MODE" = "--dry-run" ]; then echo "would install $wheel"; else
        python -m pip install -q --no-index --no-deps "$wheel"; echo "installed $(basename "$wheel")"; fi
    fi
  done
}

if [ "$MODE" = "--prepare" ]; then prepare; exit 0; fi
[ -d "$KIT/cache" ] || { echo "$KIT is missing: run 'bash scripts/gpu_check.sh --prepare' first" >&2; exit 1; }
export HF_HUB_OFFLINE=1 PLAYGROUND_DATA_DIR="$PWD/$KIT/data" PLAYGROUND_CACHE_DIR="$PWD/$KIT/cache"
if [ "$MODE" = "--dry-run" ]; then export PLAYGROUND_DEVICE=cpu GPU_CHECK_STEPS=2 GPU_CHECK_DDIM=2;
else export GPU_CHECK_STEPS=50 GPU_CHECK_DDIM=50; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv; fi
python -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'available', torch.cuda.is_available())"
install_missing
echo "setup: ${SECONDS} s"
python - <<'PY'
import os, sys, tempfile, time
from pathlib import Path

import torch

from playground import card, registry
from playground.device import get_device
from playground.tasks.evaluate import read_digits
from playground.train import train

device, steps, ddim = get_device(), int(os.environ["GPU_CHECK_STEPS"]), int(os.environ["GPU_CHECK_DDIM"])
dry = os.environ.get("PLAYGROUND_DEVICE") == "cpu"
assert dry or device.type == "cuda", f"no CUDA device here ({device}); use --dry-run on a CPU"
sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
print(f"device {device}" + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else ""))

# 1. The digit sampler on the device (as the Diffusion tab runs it), read back by the classifier.
model, labels = registry.load("mnist-diffusion-fast", device=device), torch.arange(40) % 10
for run in ("cold", "warm"):
    began = time.perf_counter()
    x = model.sample(len(labels), generator=torch.Generator().manual_seed(0), labels=labels, guidance=3.0, steps=ddim)
    sync()
    seconds = time.perf_counter() - began
read = float((torch.as_tensor(read_digits(x.cpu() * 2 - 1)[0]) == labels).float().mean())
print(f"sampler: 40 digits, DDIM-{ddim}, {seconds:.2f} s warm, read as asked {read:.1%}")
assert dry or read >= 0.9

# 2. Each image diffusion recipe (all keep an EMA) trains on the device, writes its card and samples.
work = Path(tempfile.mkdtemp())
for name in ("mnist-diffusion", "mnist-diffusion-fast", "cifar-diffusion"):
    began = time.perf_counter()
    _, metrics = train(name, steps=steps, out=work / name, run_dir=work / f"run-{name}", resume=False, progress=False,
                       figures=False)
    facts = card.read(work / name)
    trained = registry.load(name, source=str(work / name), device=device)
    s = trained.sample(2, generator=torch.Generator().manual_seed(0), steps=2)
    assert torch.isfinite(s).all() and facts["run"]["hardware"]["device"] == device.type
    print(f"{name}: {steps} steps in {time.perf_counter() - began:.1f} s, loss {metrics['final_train_loss']}, "
          f"precision {facts['recipe']['precision']}, on {facts['run']['hardware'].get('gpu', 'cpu')}")

# 3. Resume on the device: 2 x half the steps against the steps in one go (the CUDA generator state is saved too).
run = dict(steps=steps, progress=False, figures=False)
full, _ = train("mnist-diffusion-fast", out=work / "a", run_dir=work / "ra", resume=False, **run)
train("mnist-diffusion-fast", out=work / "b", run_dir=work / "rb", resume=False, until=steps // 2, **run)
resumed, _ = train("mnist-diffusion-fast", out=work / "b", run_dir=work / "rb", **run)
gap = max(float((a - b).abs().max()) for a, b in zip(full.state_dict().values(), resumed.state_dict().values()))
print(f"resume: largest weight difference {gap:.3g} (0 is bit-identical; cuDNN may pick non-deterministic kernels)")
assert gap == 0 or not dry

heavy = [m for m in ("gradio", "plotly") if m in sys.modules]
assert not heavy, f"the backend imported {heavy}"
print("RESULT gpu_check ok" + (" (dry run on the CPU)" if dry else ""))
PY
echo "total: ${SECONDS} s"
