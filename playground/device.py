"""The one place that decides the torch device, dtype and CPU thread policy.

`PLAYGROUND_DEVICE` overrides the choice (cpu, cuda, cuda:1, mps). On the CPU each concurrent
request gets `cores // workers` threads, so parallel requests never oversubscribe the cores
(oversubscribed OpenMP threads made a UNet step 25x slower on a 2-core machine).
"""
from __future__ import annotations  # `torch.device` in signatures without importing torch

import functools
import os

_configured = {"threads": None, "workers": None}


def cpu_cores() -> int:
    """Cores this process may use (affinity-aware)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


@functools.lru_cache(maxsize=1)
def get_device() -> torch.device:
    """cuda if present, else mps, else cpu; `PLAYGROUND_DEVICE` wins when set."""
    import torch
    wanted = os.environ.get("PLAYGROUND_DEVICE", "").strip().lower()
    if wanted:
        device = torch.device(wanted)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise RuntimeError(f"PLAYGROUND_DEVICE={wanted} but CUDA is not available on this machine.")
        if device.type == "mps" and not torch.backends.mps.is_available():
            raise RuntimeError(f"PLAYGROUND_DEVICE={wanted} but Apple MPS is not available on this machine.")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def default_workers() -> int:
    """How many requests run at once: `PLAYGROUND_WORKERS`, else one per core (at most 4)."""
    env = os.environ.get("PLAYGROUND_WORKERS", "").strip()
    if env:
        return max(1, int(env))
    return min(4, cpu_cores())


def configure_threads(workers: int | None = None) -> int:
    """Set torch's intra-op threads for `workers` concurrent requests; returns threads per request.

    Called once at start-up (app, training, tests), before any parallel work.
    """
    import torch
    workers = workers or default_workers()
    threads = max(1, cpu_cores() // workers)
    torch.set_num_threads(threads)
    _configured.update(threads=threads, workers=workers)
    return threads


def parallel_requests() -> int:
    """How many requests run at once under the policy set by configure_threads."""
    return _configured["workers"] or 1


def describe() -> str:
    """One line for the header: the device and, on the CPU, the thread policy."""
    import torch
    device = get_device()
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"CUDA · {torch.cuda.get_device_name(index)}"
    if device.type == "mps":
        return "Apple MPS"
    threads = _configured["threads"] or torch.get_num_threads()
    workers = _configured["workers"] or 1
    plural = "s" if threads != 1 else ""
    cores = cpu_cores()
    return (f"CPU · {threads} thread{plural} per request × {workers} parallel request{'s' if workers != 1 else ''} "
            f"on {cores} core{'s' if cores != 1 else ''}")


@functools.lru_cache(maxsize=4)
def fast_bf16(device_type: str = "cpu") -> bool:
    """Whether bfloat16 autocast speeds a model up on this kind of device: CUDA GPUs with native bf16, CPUs
    with bf16 instructions (avx512_bf16 or AMX) that torch's kernels use; elsewhere bf16 is emulated and slower
    (13x on an AVX2-only CPU). `PLAYGROUND_BF16=0/1` decides instead."""
    import torch
    env = os.environ.get("PLAYGROUND_BF16", "").strip()
    if env:
        return env not in ("0", "false", "no")
    if device_type == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported(including_emulation=False)
    if device_type != "cpu":
        return False
    return cpu_has_bf16() and torch.backends.cpu.get_cpu_capability() not in ("DEFAULT", "NO AVX", "AVX2")


def cpu_has_bf16() -> bool:
    """Whether the CPU has bf16 matrix instructions (ATEN_CPU_CAPABILITY=avx2 can still keep torch off them)."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags
