"""Input checks shared by the tabs' handlers: bad input becomes a `gr.Error` a student can act on."""
import math
from functools import lru_cache

import gradio as gr


def whole(value, name: str, lo: int, hi: int) -> int:
    """A whole number within [lo, hi], or a clear error."""
    try:
        ok = value is not None and math.isfinite(float(value)) and float(value) == int(float(value))
    except (TypeError, ValueError):
        ok = False
    if not ok or not lo <= int(float(value)) <= hi:
        raise gr.Error(f"{name} must be a whole number from {lo:,} to {hi:,}.")
    return int(float(value))


def number(value, name: str, lo: float, hi: float) -> float:
    """A finite number within [lo, hi], or a clear error."""
    try:
        ok = value is not None and math.isfinite(float(value)) and lo <= float(value) <= hi
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise gr.Error(f"{name} must be a number from {lo:g} to {hi:g}.")
    return float(value)


def seed(value) -> int:
    """Any whole number is a seed; it is used modulo 2^32 (as the UI states)."""
    return abs(whole(value, "Seed", -2 ** 62, 2 ** 62)) % 2 ** 32


def choice(value, name: str, choices) -> str:
    if value not in choices:
        raise gr.Error(f"Unknown {name} '{value}'. Choose one of {', '.join(map(str, choices))}.")
    return value


@lru_cache(maxsize=1)
def mnist_test():
    """MNIST's test set (images uint8 (N, 28, 28), labels), read once; a clear error when it is not available."""
    from playground.data import DatasetUnavailable, mnist

    try:
        return mnist("test")
    except DatasetUnavailable as error:
        raise gr.Error(str(error)) from None
