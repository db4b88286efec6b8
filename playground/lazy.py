"""Names from libraries that import their parts on first use (diffusers, transformers), taken under one lock.

Two threads touching such a library's names for the first time at once can find it half-imported: in a cold
app, opening the Diffusion tab (its 2-D model builds a DDPMScheduler) while a digit request loads its UNet
failed with "module 'diffusers' has no attribute 'DDPMScheduler'". Every first touch goes through here.
"""
import importlib
import threading

_lock = threading.RLock()


def lazy_import(module: str, *names: str):
    """The module's `names` under the process's one import lock: one name gives the object, several a tuple."""
    with _lock:
        found = importlib.import_module(module)
        objects = tuple(getattr(found, name) for name in names)
    return objects[0] if len(objects) == 1 else objects
