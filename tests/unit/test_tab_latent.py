"""The Latent variables tab's lessons run in-process through the tab's handlers (the shipped models, MNIST's test
digits): each shows what its note claims. And the interpolation as a GIF for slides."""
import re

import numpy as np
from PIL import Image

from playground.ui.latent_tab import TABLE


def lesson(name: str):
    """The lesson's overview and interpolation, as picking it in the tab draws them (no drawing, no upload)."""
    from playground.ui.latent_handlers import draw

    v = TABLE.values(name)
    return draw(v["family"], v["size"], v["temp"], v["seed"], v["index"], v["a_src"], v["a"], None, None, v["b_src"],
                v["b"], None, None, v["method"], v["frames"])


def cells(grid: np.ndarray, cols: int, scale: int) -> np.ndarray:
    """The 28x28 pictures of an image grid (plotting.image_grid, 1-pixel gaps), floats in [0, 1]: (N, 28, 28)."""
    small = grid[::scale, ::scale].astype(np.float32) / 255
    rows = (small.shape[0] + 1) // 29
    return np.stack([small[r * 29:r * 29 + 28, c * 29:c * 29 + 28] for r in range(rows) for c in range(cols)])


def sharpness(pictures: np.ndarray) -> float:
    """Mean step between neighbouring pixels over the mean ink: a blurred stroke changes slowly, so scores lower."""
    steps = np.abs(np.diff(pictures, axis=1)).mean() + np.abs(np.diff(pictures, axis=2)).mean()
    return float(steps / 2 / pictures.mean())


def confident(pictures: np.ndarray) -> int:
    """How many pictures the shipped MNIST classifier reads with at least 90% confidence."""
    import torch

    from playground.tasks.evaluate import read_digits

    _, confidence = read_digits(torch.as_tensor(pictures)[:, None] * 2 - 1)
    return int((confidence >= 0.9).sum())


def test_the_aes_holes_against_the_vae():
    *_, compare, note, _, _, _, _ = lesson("The AE's holes against the VAE")
    assert "autoencoder, 16-D latent" in note
    pictures = cells(compare, cols=9, scale=3).reshape(4, 9, 28, 28)
    ae, vae = pictures[:, :4].reshape(-1, 28, 28), pictures[:, 5:].reshape(-1, 28, 28)
    from playground.ui.checks import mnist_test

    test = mnist_test()[0].reshape(-1, 784).numpy().astype(np.float32) / 255

    def nearest(x):  # mean distance to the nearest test digit: off the data, the decoder makes non-digits
        d = (x.reshape(-1, 784) ** 2).sum(1)[:, None] - 2 * x.reshape(-1, 784) @ test.T + (test ** 2).sum(1)
        return float(np.sqrt(np.maximum(d.min(1), 0)).mean())

    assert confident(ae) < confident(vae)
    assert nearest(ae) > nearest(vae)


def test_posterior_collapse_in_the_beta_vae():
    from playground.ui.latent_handlers import overview

    samples, _, _, _, _, kl, _, note = lesson("Posterior collapse in the beta-VAE")[:8]
    vae_samples, _, _, _, _, vae_kl, _, vae_note = overview("VAE (beta = 1)", "16-D latent", 1.0, 0, 0)
    per_dim, vae_per_dim = np.array(kl.data[0].y), np.array(vae_kl.data[0].y)
    error, vae_error = (float(re.search(r"reconstruction error ([\d.]+)", n).group(1)) for n in (note, vae_note))
    sharp, vae_sharp = sharpness(cells(samples, 8, 3)), sharpness(cells(vae_samples, 8, 3))
    assert len(per_dim) == 16 and (per_dim < 0.01).sum() >= 9 > (vae_per_dim < 0.01).sum()
    assert error > 1.3 * vae_error and sharp < vae_sharp


def test_linear_against_slerp_interpolation():
    from playground.ui.latent_handlers import interpolate

    strip, _, _, note = lesson("Linear against slerp interpolation")[8:]
    v = TABLE.values("Linear against slerp interpolation", method="slerp")
    slerp_strip, _, _, slerp_note = interpolate(v["family"], v["size"], "test digit", v["a"], None, None, "test digit",
                                                v["b"], None, None, "slerp", v["frames"])

    def lengths(text):
        return [float(n) for n in re.search(r"([\d.]+) at A, ([\d.]+) at its shortest, ([\d.]+) at B", text).groups()]

    (a, shortest, b), (_, slerp_shortest, _) = lengths(note), lengths(slerp_note)
    middle = slice(1 + v["frames"] // 2 - 1, 1 + v["frames"] // 2 + 1)  # the strip is A, the frames, B
    sharp, slerp_sharp = (sharpness(cells(s, v["frames"] + 2, 3)[middle]) for s in (strip, slerp_strip))
    assert shortest < 0.6 * min(a, b) and slerp_shortest > 0.85 * min(a, b)
    assert sharp < slerp_sharp


def test_the_interpolation_as_a_gif_for_slides():
    from playground.ui.latent_handlers import GIF_SCALE, interpolation_gif

    path = interpolation_gif("VAE (beta = 1)", "2-D latent", "test digit", 3, None, None, "test digit", 2, None, None,
                             "linear", 6)
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == 6 and gif.info["loop"] == 0
        assert gif.width == 28 * GIF_SCALE
