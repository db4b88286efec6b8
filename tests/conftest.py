"""Test-wide settings: no network, the offline data folder, one torch thread per worker."""
import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("PLAYGROUND_DATA_DIR", str(REPO.parent / "shared" / "data"))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from playground.device import configure_threads  # noqa: E402

configure_threads(workers=2)


import socket  # noqa: E402

import pytest  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def client():
    """The whole app launched in-process, and a gradio_client on it (one per test module)."""
    from gradio_client import Client

    from app import MAX_UPLOAD
    from app_server import wait_until_idle
    from playground.ui import CSS, build_app

    demo = build_app()
    demo.queue(default_concurrency_limit=2)
    port = _free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                max_file_size=MAX_UPLOAD, css=CSS)
    yield Client(f"http://127.0.0.1:{port}/", verbose=False)
    wait_until_idle(demo)
    demo.close()
