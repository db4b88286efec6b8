"""MNIST diffusion speed: our sampling loop against diffusers' DDIM pipeline, streaming overhead, DDIM-50
of 16 digits at guidance 3 (bf16 and fp32), the UNet's FLOP rate against the matmul rate, readability of
the bf16 samples, and four concurrent requests to the running app against one alone.

Run from the repo root: python benchmarks/digit_diffusion.py [--quick] [--model mnist-diffusion-fast]
(--quick skips the 1,000-sample quality check and the app part). With a GPU it first measures the GPU figures
(DDIM-50 x 16, large-batch throughput against the bf16 peak); `--accelerator-only` stops there.
"""
import argparse
import io
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from _common import interleaved, ms, quiet_run  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
from playground.device import configure_threads  # noqa: E402

configure_threads(workers=1)  # both cores for this process, as for a single request on an idle app

import torch  # noqa: E402
from PIL import Image  # noqa: E402

from playground import registry  # noqa: E402
from playground.tasks import diffusion_lab as lab  # noqa: E402

N, STEPS, GUIDANCE, REPEATS = 16, 50, 3.0, 5
LABELS = torch.arange(N) % 10


def med(times):
    return statistics.median(times)


def loop_vs_pipeline(model):
    """fp32, same UNet, same seed, DDIM-50 with guidance 3: our loop (which also computes the predicted x_0
    at every step) against DDIMPipeline whose UNet applies the same guidance."""
    pipe = model.as_ddim_pipeline(LABELS, GUIDANCE)

    def ours():
        return model.sample(N, generator=torch.Generator().manual_seed(0), labels=LABELS, guidance=GUIDANCE,
                            steps=STEPS)

    def theirs():
        return pipe(batch_size=N, generator=torch.Generator().manual_seed(0), num_inference_steps=STEPS, eta=0.0,
                    use_clipped_model_output=True, output_type="pt").images

    diff = float((ours() - theirs()).abs().max())  # both in [0, 1]
    a, b = interleaved(ours, theirs, REPEATS, "loop vs pipeline", warmup=1)
    print(f"fp32 DDIM-{STEPS} x {N}: ours {med(a):.0f} ms, DDIMPipeline {med(b):.0f} ms, max |difference| {diff:.1e}")
    return med(a), med(b)


def png(array):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def streaming_overhead(name):
    """The tab's whole stream (frames as grids, each encoded to PNG as Gradio does, the strip) against the
    bare sampling loop, both bf16, same work, on the device the tab samples on."""
    from playground.device import get_device

    model = registry.load(name, device=get_device())

    def bare():
        return model.sample(N, generator=torch.Generator().manual_seed(0), labels=LABELS, guidance=GUIDANCE,
                            steps=STEPS, bf16=True).cpu()

    def streamed():
        frames = 0
        for event in lab.digit_stream("ddim", STEPS, 0.0, GUIDANCE, 7, N, 0, bf16=True, name=name):
            if event[0] == "frame":
                png(event[3]), png(event[4])
                frames += 1
            else:
                png(event[3]), png(lab.digit_grid(event[1]))
        return frames

    frames = streamed()
    a, b = interleaved(bare, streamed, REPEATS, "streaming overhead", warmup=1)
    print(f"bf16 DDIM-{STEPS} x {N}: bare loop {med(a):.0f} ms, streamed with {frames} frames {med(b):.0f} ms")
    return med(a), med(b), frames


def sampling_times(model):
    def run(bf16):
        return ms(lambda: model.sample(N, generator=torch.Generator().manual_seed(1), labels=LABELS,
                                       guidance=GUIDANCE, steps=STEPS, bf16=bf16))

    run(True), run(False)

    def both():
        return [run(True)[0] for _ in range(REPEATS)], [run(False)[0] for _ in range(3)]

    (bf16, fp32), _ = quiet_run(both, "DDIM-50 x 16")
    print(f"DDIM-{STEPS} of {N} digits at guidance {GUIDANCE:g}: bf16 {med(bf16):.0f} ms (min {min(bf16):.0f}), "
          f"fp32 {med(fp32):.0f} ms")
    return med(bf16), med(fp32)


def flop_rate(model):
    """FLOPs of one guided UNet call (batch 2N) counted by torch, the time of that call in bf16, and the
    bf16 and fp32 matmul rates measured in the same process."""
    from torch.utils.flop_counter import FlopCounterMode

    x, t = torch.randn(2 * N, 1, 28, 28), torch.full((2 * N,), 500)
    labels = torch.cat([LABELS, torch.full((N,), model.null_class)])
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(x, t, labels)
    flops = counter.get_total_flops()

    def unet():
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
            return model(x, t, labels)

    def matmul_rate(dtype, size=2048):
        a, b = torch.randn(size, size, dtype=dtype), torch.randn(size, size, dtype=dtype)
        for _ in range(3):
            a @ b
        best = min(ms(lambda: a @ b)[0] for _ in range(10))
        return 2 * size ** 3 / (best / 1e3)

    for _ in range(5):
        unet()

    def measure():
        return ([ms(unet)[0] for _ in range(20)], matmul_rate(torch.bfloat16), matmul_rate(torch.float32))

    (times, mm_bf16, mm_fp32), _ = quiet_run(measure, "FLOP rate")
    rate = flops / (med(times) / 1e3)
    print(f"UNet call, batch {2 * N}: {flops / 1e9:.2f} GFLOP in {med(times):.1f} ms = {rate / 1e9:.0f} GFLOP/s; "
          f"matmul 2048^2: bf16 {mm_bf16 / 1e9:.0f} GFLOP/s, fp32 {mm_fp32 / 1e9:.0f} GFLOP/s")
    return flops, med(times), rate, mm_bf16, mm_fp32


def quality_bf16(model):
    from playground.data import mnist
    from playground.tasks.evaluate import digit_quality

    began = time.perf_counter()
    figures = digit_quality(model, mnist("test"), mnist("train"), bf16=True)
    print(f"bf16 samples, 1,000 at guidance 3, DDIM-50 ({time.perf_counter() - began:.0f} s): {figures}")
    return figures


def concurrent_requests(name, rounds: int = 3):
    """Four sampling requests at once to `python app.py` (its default thread policy) against one alone, each
    DDIM-50 of 16 digits at guidance 3, sent as a browser sends them (queue/join, then the SSE stream; a
    gradio_client would also download every streamed frame, on the same two cores). Also the app's CPU
    time: four requests cannot all end before their CPU work, spread over every core, is done."""
    import httpx

    from _common import proc_cpu_s
    from app_roundtrip import QueueCaller, find_endpoint, free_port, start_app, stop
    from playground.device import cpu_cores

    port = free_port(7881)
    log = open(os.path.join(os.environ.get("TMPDIR", "/tmp"), f"bench_digits_{port}.log"), "w")
    proc, _, _ = start_app(port, log)
    callers = []
    try:
        base = f"http://127.0.0.1:{port}"
        fn_index, trigger, _ = find_endpoint(httpx.get(base + "/config", timeout=30).json(), "diffusion_digits")
        callers = [QueueCaller(base, fn_index, trigger) for _ in range(4)]

        def request(k, seed):
            return callers[k](["ddim", STEPS, 0.0, GUIDANCE, "random", N, seed, name])[0]

        request(0, 0)  # loads the models

        def measure():
            cpu0 = proc_cpu_s(proc.pid)
            solo = [request(0, s) for s in range(3)]
            cpu1 = proc_cpu_s(proc.pid)
            rounds_ = []
            for r in range(rounds):
                with ThreadPoolExecutor(4) as pool:
                    rounds_.append(list(pool.map(lambda k: request(k, 10 * r + k), range(4))))
            return solo, rounds_, (cpu1 - cpu0) / 3, (proc_cpu_s(proc.pid) - cpu1) / rounds

        (solo, together, cpu_solo, cpu_four), _ = quiet_run(measure, "concurrent requests", pids=[proc.pid])
    finally:
        for caller in callers:
            caller.close()
        stop(proc)
        log.close()
    alone = med(solo)
    worst = med([max(four) for four in together]) / alone
    bound = cpu_four / cpu_cores() * 1e3 / alone
    print(f"app request alone: {alone:.0f} ms using {cpu_solo * 1e3:.0f} ms of CPU; four at once ({rounds} rounds): "
          + "; ".join(", ".join(f"{t:.0f}" for t in sorted(four)) for four in together)
          + f" ms; slowest / alone = {worst:.2f} (median of rounds). The four used {cpu_four:.1f} s of CPU: on "
          f"{cpu_cores()} cores no schedule ends them before {bound:.2f} x alone")
    return alone, worst, bound


# Dense bf16 tensor-core peaks from the vendors' data sheets (no sparsity), by a part of the device's name.
BF16_PEAK_TFLOPS = {"H200": 989.0, "H100 80GB HBM3": 989.0, "H100 PCIe": 756.0, "A100": 312.0, "L40S": 362.0,
                    "L4": 121.0}


def accelerator_figures(name, device, big_batch: int = 4096, matmul_size: int = 8192):
    """The issue's GPU figures: DDIM-50 of 16 digits at guidance 3 in bf16 (the bare loop and the app's stream,
    which runs on playground.device.get_device()), and the UNet's large-batch throughput against the bf16 matmul
    rate measured in the same run and the data-sheet peak. Runs on any device (`--accelerator cpu` to try it)."""
    from torch.utils.flop_counter import FlopCounterMode

    from playground.device import fast_bf16, get_device

    device = torch.device(device)
    model = registry.load(name, device=device)
    bf16 = fast_bf16(device.type)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)

    def timed(fn, repeats):  # median ms after one warm-up call, waiting for the device's queued work each time
        fn(), sync()
        return med([ms(lambda: (fn(), sync()))[0] for _ in range(repeats)])

    def loop():
        return model.sample(N, generator=torch.Generator().manual_seed(0), labels=LABELS, guidance=GUIDANCE,
                            steps=STEPS, bf16=bf16)

    def stream():
        for event in lab.digit_stream("ddim", STEPS, 0.0, GUIDANCE, 7, N, 0, bf16=bf16, name=name):
            pass
        return event

    loop_ms = timed(loop, 10)
    stream_ms = timed(stream, 5) if get_device() == device else float("nan")
    x = torch.randn(big_batch, 1, 28, 28, device=device)
    t = torch.randint(0, 1000, (big_batch,), device=device)
    labels = torch.randint(0, model.null_class + 1, (big_batch,), device=device)

    def unet():
        with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            return model(x, t, labels)

    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(x, t, labels)
    flops = counter.get_total_flops()
    call_ms = timed(unet, 10)
    a = torch.randn(matmul_size, matmul_size, device=device, dtype=torch.bfloat16)
    b = torch.randn(matmul_size, matmul_size, device=device, dtype=torch.bfloat16)
    matmul_ms = timed(lambda: a @ b, 10)
    rate, matmul_rate = flops / (call_ms / 1e3), 2 * matmul_size ** 3 / (matmul_ms / 1e3)
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    peak = next((v * 1e12 for k, v in BF16_PEAK_TFLOPS.items() if k in where), None)
    print(f"{where}: DDIM-{STEPS} x {N} in {'bf16' if bf16 else 'fp32'}: loop {loop_ms:.1f} ms, app stream "
          f"{stream_ms:.1f} ms; UNet at batch {big_batch}: {flops / 1e9:.0f} GFLOP in {call_ms:.1f} ms = "
          f"{rate / 1e12:.2f} TFLOP/s ({big_batch / call_ms * 1e3:,.0f} denoiser evaluations/s); bf16 matmul "
          f"{matmul_size}^2: {matmul_rate / 1e12:.1f} TFLOP/s; data-sheet peak: "
          + (f"{peak / 1e12:.0f} TFLOP/s" if peak else "not in the table"))
    fields = (f"device={where.replace(' ', '_')} ddim50x16_ms={loop_ms:.1f} stream_ms={stream_ms:.1f} "
              f"batch{big_batch}_tflops={rate / 1e12:.2f} matmul_bf16_tflops={matmul_rate / 1e12:.1f} "
              f"fraction_of_matmul={rate / matmul_rate:.3f}"
              + (f" fraction_of_peak={rate / peak:.3f}" if peak else ""))
    if device.type == "cuda":
        print(f"target: DDIM-50 x 16 < 150 ms {'met' if loop_ms < 150 else 'MISSED'}")
    print(f"RESULT digit_diffusion_accelerator {fields}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="skip the quality check and the app requests")
    parser.add_argument("--model", default=lab.DIGIT_MODELS[0], choices=lab.DIGIT_MODELS)
    parser.add_argument("--accelerator", default="cuda" if torch.cuda.is_available() else None,
                        help="device for the GPU figures (default: cuda when present; 'cpu' tries the code here)")
    parser.add_argument("--accelerator-only", action="store_true", help="only the GPU figures")
    args = parser.parse_args()
    if args.accelerator:
        small = torch.device(args.accelerator).type == "cpu"
        accelerator_figures(args.model, args.accelerator, *((64, 1024) if small else ()))
    if args.accelerator_only:
        return
    model = registry.load(args.model)
    ours_ms, pipe_ms = loop_vs_pipeline(model)
    bare_ms, streamed_ms, frames = streaming_overhead(args.model)
    bf16_ms, fp32_ms = sampling_times(model)
    flops, call_ms, rate, mm_bf16, mm_fp32 = flop_rate(model)
    overhead = streamed_ms / bare_ms - 1
    fields = (f"model={args.model} vs_pipeline={pipe_ms / ours_ms:.2f} streaming_overhead={overhead:.3f} ddim50x16_bf16_ms={bf16_ms:.0f} "
              f"ddim50x16_fp32_ms={fp32_ms:.0f} unet_gflops={rate / 1e9:.0f} matmul_bf16_gflops={mm_bf16 / 1e9:.0f} "
              f"flop_fraction={rate / mm_bf16:.3f}")
    print("targets: loop/pipeline ratio >= 1.0 {}, streaming overhead < 10% {}, DDIM-50 x 16 < 2000 ms {}".format(
        *("met" if ok else "MISSED" for ok in (pipe_ms / ours_ms >= 1.0, overhead < 0.10, bf16_ms < 2000))))
    if not args.quick:
        figures = quality_bf16(model)
        solo_ms, worst, bound = concurrent_requests(args.model)
        fields += (f" bf16_readable={figures['readable_at_guidance_3']:.3f} bf16_fid={figures['fid_model_vs_test']:.2f}"
                   f" app_solo_ms={solo_ms:.0f} four_concurrent_worst_ratio={worst:.2f} four_concurrent_cpu_bound={bound:.2f}")
        print("targets: readable >= 0.98 {}, four concurrent <= 2x alone {}".format(
            *("met" if ok else "MISSED" for ok in (figures["readable_at_guidance_3"] >= 0.98, worst <= 2.0))))
    print(f"RESULT digit_diffusion {fields}")


if __name__ == "__main__":
    main()
