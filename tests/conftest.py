"""Test-wide settings: no network, the offline data folder, the CPU, an empty Hugging Face cache, one torch
thread per worker; and one app server for the whole run, shared by the app and browser tests."""
import atexit
import os
import shutil
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("PLAYGROUND_DATA_DIR", str(REPO.parent / "shared" / "data"))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# The tests expect the CPU (the header says "CPU", samples are compared on it), even on a machine with a GPU.
os.environ["PLAYGROUND_DEVICE"] = "cpu"
# Never the machine's own Hugging Face cache: a model cached there would make "unavailable offline" untrue.
# Set before huggingface_hub is imported, which reads it once.
_HF_HOME = tempfile.mkdtemp(prefix="playground-hf-")
atexit.register(shutil.rmtree, _HF_HOME, ignore_errors=True)
os.environ["HF_HOME"] = _HF_HOME
os.environ["HF_HUB_CACHE"] = os.path.join(_HF_HOME, "hub")
# pytest-xdist runs two workers (pytest.ini): each extracts the datasets into a cache folder of its own, since
# torchvision's extraction is not safe from two processes at once.
if os.environ.get("PYTEST_XDIST_WORKER"):
    _cache = os.environ.get("PLAYGROUND_CACHE_DIR") or os.path.expanduser("~/.cache/generative-playground")
    os.environ["PLAYGROUND_CACHE_DIR"] = os.path.join(_cache, "pytest-" + os.environ["PYTEST_XDIST_WORKER"])

from playground.device import configure_threads  # noqa: E402

configure_threads(workers=2)


import socket  # noqa: E402

import pytest  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_url():
    """The whole app served in this process on a free port: one server for every app and browser test."""
    from app import MAX_UPLOAD
    from app_server import wait_until_idle
    from playground.ui import CSS, build_app, warm_up

    demo = build_app()
    demo.queue(default_concurrency_limit=2)
    port = _free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                max_file_size=MAX_UPLOAD, css=CSS)
    warm_up().join()  # as app.py does behind its first page; waited for here, so no test pays for the imports
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        wait_until_idle(demo)
        demo.close()


@pytest.fixture(scope="module")
def client(app_url):
    """A gradio_client on the shared app (one per test module)."""
    from gradio_client import Client

    return Client(app_url + "/", verbose=False)
