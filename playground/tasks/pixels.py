"""Pixel-by-pixel generation for the Autoregressive tab: streamed PixelCNN samples, and completions of a partly
given binary digit (the bottom half, or a painted region) by the PixelCNN or the Markov chain.
An autoregressive model conditions only on the pixels before the one it draws (raster order): known pixels
after a missing one are kept, but cannot inform it.
"""
import numpy as np
import torch

from playground import registry

EDITOR_SCALE = 10  # a 28x28 digit is shown 280x280 on the image editor
COMPLETERS = {"PixelCNN": registry.first_with("complete", "labels"), "Markov chain": registry.first_with("complete")}


def binary_digit(image) -> torch.Tensor:
    """A uint8 (28, 28) digit -> binary floats (1, 1, 28, 28), ink where the grey level is at least half."""
    return (torch.as_tensor(np.asarray(image)).float() >= 127.5).float()[None, None]


def sample_stream(n: int, label: int | None, temperature: float, seed: int, every: int = 28):
    """Yield (pixels done, pixels in all, images (N, 1, 28, 28)) while the PixelCNN draws n digits."""
    model = registry.load(COMPLETERS["PixelCNN"])
    yield from model.sample_steps(n, labels=label, generator=torch.Generator().manual_seed(seed),
                                  temperature=temperature, every=every)


def bottom_half() -> np.ndarray:
    mask = np.zeros((28, 28), dtype=bool)
    mask[14:] = True
    return mask


def mask_from_layer(layer, side: int = 28, share: float = 0.2) -> np.ndarray:
    """A painted editor layer (H, W, 4) -> which of the side x side pixels to fill: those whose cell is at least
    `share` painted (alpha > 0)."""
    alpha = np.asarray(layer)[..., 3] > 0 if np.asarray(layer).ndim == 3 else np.asarray(layer) > 0
    h, w = alpha.shape
    rows = np.minimum(np.arange(h) * side // h, side - 1)
    cols = np.minimum(np.arange(w) * side // w, side - 1)
    painted = np.zeros((side, side))
    np.add.at(painted, (rows[:, None], cols[None, :]), alpha)
    counts = np.zeros((side, side))
    np.add.at(counts, (rows[:, None], cols[None, :]), 1)
    return painted / counts >= share


def complete_stream(model_name: str, digit: torch.Tensor, missing: np.ndarray, k: int, label: int | None,
                    temperature: float, seed: int, every: int = 28):
    """Yield (pixels done, pixels in all, completions (k, 1, 28, 28)) for k completions of one binary digit
    (1, 1, 28, 28): only the `missing` pixels (28, 28) are drawn, every known pixel is kept exactly."""
    if not missing.any():
        raise ValueError("Nothing to complete: the region to fill is empty.")
    model = registry.load(model_name)
    x = digit.expand(k, 1, 28, 28).clone()
    holes = torch.as_tensor(missing).expand(k, 1, 28, 28)
    g = torch.Generator().manual_seed(seed)
    if "trajectory" in registry.get_spec(model_name).capabilities:  # it streams (the PixelCNN)
        yield from model.sample_steps(k, labels=label, generator=g, temperature=temperature, x=x, missing=holes,
                                      every=every)
        return
    done = model.complete(x.reshape(k, -1), holes.reshape(k, -1), generator=g, temperature=temperature)
    yield int(missing.sum()), int(missing.sum()), done.reshape(k, 1, 28, 28)


def _rgb(digit: torch.Tensor, missing: np.ndarray | None, scale: int) -> np.ndarray:
    """The binary digit (1, 1, 28, 28) as RGB, `missing` pixels tinted red, each pixel scale x scale."""
    grey = (digit[0, 0].numpy() * 255).astype(np.uint8)
    rgb = np.repeat(grey[..., None], 3, axis=-1)
    if missing is not None:
        rgb[missing] = (rgb[missing] * 0.4 + np.array([200, 40, 40]) * 0.6).astype(np.uint8)
    return np.kron(rgb, np.ones((scale, scale, 1), dtype=np.uint8))


def masked_picture(digit: torch.Tensor, missing: np.ndarray, scale: int = 6) -> np.ndarray:
    """The given digit with the pixels to fill tinted red: (28 s, 28 s, 3) uint8."""
    return _rgb(digit, missing, scale)


def editor_background(digit: torch.Tensor) -> np.ndarray:
    """The binary digit as an RGB picture for the image editor, EDITOR_SCALE times larger."""
    return _rgb(digit, None, EDITOR_SCALE)
