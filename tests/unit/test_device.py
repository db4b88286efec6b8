"""The one device / thread policy."""
import pytest
import torch

from playground import device


@pytest.fixture(autouse=True)
def _restore_threads():
    before, policy = torch.get_num_threads(), dict(device._configured)
    device.get_device.cache_clear()
    yield
    device.get_device.cache_clear()
    torch.set_num_threads(before)
    device._configured.update(policy)


def test_threads_split_the_cores_between_parallel_requests(monkeypatch):
    monkeypatch.setattr(device, "cpu_cores", lambda: 8)
    assert device.configure_threads(workers=4) == 2 and torch.get_num_threads() == 2
    assert device.configure_threads(workers=16) == 1
    monkeypatch.setenv("PLAYGROUND_WORKERS", "3")
    assert device.default_workers() == 3


def test_device_override_and_description(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_DEVICE", "cpu")
    assert device.get_device().type == "cpu"
    device.configure_threads(workers=2)
    assert device.describe().startswith("CPU ·") and "per request" in device.describe()
    monkeypatch.setattr(device, "cpu_cores", lambda: 1)
    device.configure_threads(workers=1)
    assert device.describe() == "CPU · 1 thread per request × 1 parallel request on 1 core"
    device.get_device.cache_clear()
    if not torch.cuda.is_available():
        monkeypatch.setenv("PLAYGROUND_DEVICE", "cuda")
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            device.get_device()


def test_bf16_follows_the_setting_and_else_the_hardware(monkeypatch):
    from playground import device

    for value, expected in (("0", False), ("1", True)):
        monkeypatch.setenv("PLAYGROUND_BF16", value)
        device.fast_bf16.cache_clear()
        assert device.fast_bf16() is expected
    monkeypatch.delenv("PLAYGROUND_BF16")
    device.fast_bf16.cache_clear()
    flags = open("/proc/cpuinfo").read()
    hardware = "avx512_bf16" in flags or "amx_bf16" in flags
    assert device.cpu_has_bf16() is hardware
    # ATEN_CPU_CAPABILITY=avx2 keeps torch's kernels off the bf16 instructions even where the CPU has them
    kernels = torch.backends.cpu.get_cpu_capability() not in ("DEFAULT", "NO AVX", "AVX2")
    assert device.fast_bf16("cpu") is (hardware and kernels)
    assert device.fast_bf16("mps") is False
    monkeypatch.setattr(device, "cpu_has_bf16", lambda: True)
    for capability, expected in (("AVX2", False), ("DEFAULT", False), ("AVX512", True)):
        monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda c=capability: c)
        device.fast_bf16.cache_clear()
        assert device.fast_bf16("cpu") is expected
    device.fast_bf16.cache_clear()
