"""Shared by the app and browser tests: shut the in-process server down only when it is idle."""
import time


def wait_until_idle(demo, timeout_s: float = 60.0) -> None:
    """Let events the last test triggered finish: closing the server under a running torch op can abort
    the interpreter at exit ("terminate called without an active exception")."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and (demo._queue.get_active_worker_count() or len(demo._queue)):
        time.sleep(0.1)
