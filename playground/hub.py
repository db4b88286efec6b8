"""Loading from the Hugging Face Hub without hanging: probe once, fail fast with a clear message.

Without `HF_HUB_OFFLINE=1` an unreachable hub makes `from_pretrained` block for about 46 s; here a
1.5 s TCP probe (cached for a minute) decides first, and offline loads fall back to the local cache.
"""
import os
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

PROBE_TIMEOUT_S = 1.5
PROBE_TTL_S = 60.0
_probe = {"at": -1e9, "result": (False, "not checked yet")}
_probe_lock = threading.Lock()


class HubUnavailable(RuntimeError):
    """A hub model was asked for while the hub cannot be reached and no cached copy exists."""


def _offline_flag() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def _tcp_probe(host: str, result: list) -> None:
    try:
        socket.create_connection((host, 443), timeout=PROBE_TIMEOUT_S).close()
        result.append((True, f"{host} reachable"))
    except socket.gaierror:
        result.append((False, f"cannot resolve {host}: no internet connection?"))
    except OSError as error:
        reason = "connection refused" if isinstance(error, ConnectionRefusedError) else str(error) or type(error).__name__
        result.append((False, f"{host} unreachable: {reason}"))


def hub_status() -> tuple[bool, str]:
    """(reachable, reason), answered within about 1.5 s even when DNS hangs."""
    if _offline_flag():
        return False, "HF_HUB_OFFLINE is set"
    with _probe_lock:
        if time.monotonic() - _probe["at"] < PROBE_TTL_S:
            return _probe["result"]
        host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname or "huggingface.co"
        result: list = []
        thread = threading.Thread(target=_tcp_probe, args=(host, result), daemon=True)
        thread.start()
        thread.join(PROBE_TIMEOUT_S + 0.2)
        _probe["result"] = result[0] if result else (False, f"{host} did not answer within {PROBE_TIMEOUT_S:g} s")
        _probe["at"] = time.monotonic()
        return _probe["result"]


def from_pretrained(load, model_id: str, **kwargs):
    """`load(model_id)` (a library's `from_pretrained`) for a local folder or a hub id, never hanging."""
    if Path(model_id).expanduser().exists():
        return load(str(Path(model_id).expanduser()), **kwargs)
    reachable, why = hub_status()
    if reachable:
        return load(model_id, **kwargs)
    try:
        return load(model_id, local_files_only=True, **kwargs)
    except Exception as error:
        raise HubUnavailable(
            f"'{model_id}' comes from the Hugging Face Hub, which cannot be reached here ({why}), and it is "
            f"not in the local cache. Connect to the internet and try again.") from error
