"""Test-wide settings: no network, the offline data folder, one torch thread per worker."""
import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("PLAYGROUND_DATA_DIR", str(REPO.parent / "shared" / "data"))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from playground.device import configure_threads  # noqa: E402

configure_threads(workers=2)
