"""The first page: `python app.py` until `/` answers, against `import gradio` + `build_app()` + 1 s measured in the
same run (the issue's bound: the page may cost what Gradio and the widgets cost, plus a second). The app imports
torch, plotly, diffusers and transformers only after the page is served (tests/test_settings.py checks that).
Run from the repo root: python benchmarks/first_page.py
"""
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import REPO_ROOT, wait_until_quiet  # noqa: E402

REPEATS = 3
REFERENCE = """
import json, time
t0 = time.perf_counter()
import gradio
t1 = time.perf_counter()
from playground.ui import build_app
build_app()
t2 = time.perf_counter()
print(json.dumps({"import_gradio_s": t1 - t0, "build_app_s": t2 - t1}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_page_s() -> float:
    """Seconds from starting `python app.py` to the first HTTP 200 on `/`."""
    port = free_port()
    started = time.perf_counter()
    app = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=REPO_ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as reply:
                    if reply.status == 200:
                        return time.perf_counter() - started
            except OSError:
                if app.poll() is not None:
                    raise RuntimeError("app.py exited before serving its first page") from None
                time.sleep(0.05)
    finally:
        app.terminate()
        app.wait(30)


def reference_s() -> dict:
    out = subprocess.run([sys.executable, "-c", REFERENCE], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    flags = next((line for line in open("/proc/cpuinfo") if line.startswith("flags")), "")
    bf16 = [f for f in ("avx512_bf16", "amx_bf16") if f in flags.split()]
    print(f"CPU: {cpu}, {os.cpu_count()} cores, bf16: {' '.join(bf16) or 'none'}")
    pages, gradio_s, build_s = [], [], []
    for _ in range(REPEATS):
        wait_until_quiet()
        pages.append(first_page_s())
        ref = reference_s()
        gradio_s.append(ref["import_gradio_s"])
        build_s.append(ref["build_app_s"])
    page, imp, build = statistics.median(pages), statistics.median(gradio_s), statistics.median(build_s)
    bound = imp + build + 1.0
    print(f"first page {page:.2f} s (runs: {', '.join(f'{p:.2f}' for p in pages)}); import gradio {imp:.2f} s, "
          f"build_app {build:.2f} s, bound {bound:.2f} s")
    print(f"RESULT first_page first_page_ms={page * 1e3:.0f} import_gradio_ms={imp * 1e3:.0f} "
          f"build_app_ms={build * 1e3:.0f} bound_ms={bound * 1e3:.0f} ratio_to_bound={page / bound:.2f}")


if __name__ == "__main__":
    main()
