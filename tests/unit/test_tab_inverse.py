"""The Inverse problems tab's lessons run in-process through the tab's handlers (the shipped priors, the test images):
each shows what its note claims. And the tab's torch-free copies of the backend's names agree with it."""
from functools import lru_cache

import numpy as np
import pytest

from playground.ui.inverse_tab import PAINTED, PHOTO_CLASSES, TABLE

ORDER = ("prior", "index", "upload", "editor", "task", "region", "factor", "method", "k", "steps", "eta", "label",
         "guidance", "jump", "resample", "seed")  # the inputs of /inv_restore, as the tab wires them


def test_the_tab_offers_what_the_backend_knows():
    from playground.tasks import inverse_lab as lab

    assert PHOTO_CLASSES == lab.CIFAR_CLASSES
    s = TABLE.settings
    assert s["prior"].choices == tuple(lab.PRIORS) and s["method"].choices == lab.METHODS
    assert s["task"].choices == lab.TASKS
    for region in s["region"].choices:
        assert region == PAINTED or lab.preset_holes(region, 28).any()


@lru_cache(maxsize=None)
def lesson(name: str):
    """The lesson's finished run as picking it draws it: (samples, their mean, the spread map, scores by row, status,
    the upload output)."""
    from playground.ui.inverse_handlers import lesson as run

    values = dict(TABLE.values(name), upload=None, editor=None)
    first, *_, last = run(*(values[k] for k in ORDER))
    truth, observed, samples, mean, spread, scores, status, _ = last
    upload = first[-1]  # cleared by the first frame
    rows = {row[0]: row[1:] for row in scores.values.tolist()}
    return samples, mean, np.asarray(spread.data[0].z), rows, status, upload


def cells(grid: np.ndarray, n: int, side: int, scale: int = 4, cols: int = 8) -> np.ndarray:
    """The pictures of an image grid (plotting.image_grid, 1-pixel gaps), floats in [0, 1]: (n, side, side[, 3])."""
    small = grid[::scale, ::scale].astype(np.float32) / 255
    step = side + 1
    return np.stack([small[i // cols * step:i // cols * step + side, i % cols * step:i % cols * step + side]
                     for i in range(n)])


def sharpness(picture: np.ndarray) -> float:
    """Mean step between neighbouring pixels over the mean ink: a blurred stroke changes slowly, so scores lower."""
    return float((np.abs(np.diff(picture, axis=0)).mean() + np.abs(np.diff(picture, axis=1)).mean()) / 2
                 / picture.mean())


def read(grid: np.ndarray, n: int) -> list[int]:
    """The digits the shipped classifier reads in the n samples of a grid."""
    import torch

    from playground.tasks.evaluate import read_digits

    return read_digits(torch.as_tensor(cells(grid, n, 28))[:, None] * 2 - 1)[0].tolist()


def in_hole(name: str) -> tuple[float, float]:
    """The mean per-pixel spread inside and outside the lesson's hole."""
    from playground.tasks.inverse_lab import preset_holes

    spread = lesson(name)[2]
    holes = preset_holes(TABLE.values(name)["region"], spread.shape[0])
    return float(spread[holes].mean()), float(spread[~holes].mean())


def test_an_ambiguous_hole_gives_different_digits_and_a_bright_spread():
    samples, _, _, _, status, upload = lesson("An ambiguous hole and its spread")
    assert "8 posterior samples of test image 18" in status and upload is None  # an upload is cleared
    digits = read(samples, 8)
    assert len(set(digits)) >= 2 and 3 in digits, digits  # measured: 0, 5, 3, 3, 5, 3, 3, 3
    inside, outside = in_hole("An ambiguous hole and its spread")
    assert inside > 0.13 and outside == 0, (inside, outside)  # measured 0.156: every known pixel is kept


def test_a_hole_the_rest_explains_gives_one_digit_and_less_spread():
    samples, *_ = lesson("A hole the rest explains")
    assert read(samples, 8) == [5] * 8
    inside, _ = in_hole("A hole the rest explains")
    assert inside < 0.8 * in_hole("An ambiguous hole and its spread")[0], inside  # measured 0.098 against 0.156


def test_colour_is_a_guess_vivid_samples_and_a_dull_mean():
    *_, scores, status, _ = lesson("Colour is a guess")
    assert "the luma of every pixel is kept exactly" in status
    samples = [scores[f"sample {i}"][1] for i in range(1, 5)]
    mean, grey, truth = scores["mean of the samples"][1], scores["baseline: grey"][1], scores["truth"][1]
    assert grey == 0 and min(samples) > mean and mean < 0.8 * truth, (samples, mean, truth)  # 31-58, 22, 38


def test_super_resolution_samples_differ_and_their_mean_scores_best():
    samples, mean_picture, _, scores, status, _ = lesson("Sharp samples, blurry mean")
    assert "each sample's 4 x 4 block means equal the low-resolution image" in status
    psnr = [scores[f"sample {i}"][0] for i in range(1, 9)]
    mean, bicubic = scores["mean of the samples"][0], scores["baseline: bicubic"][0]
    assert mean > max(psnr) and mean > bicubic, (psnr, mean, bicubic)  # measured 11.6-15.0, 15.55, 14.91
    assert len(set(read(samples, 8))) >= 2  # measured 9, 9, 8, 4, 7, 9, 4, 9
    sharp = [sharpness(p) for p in cells(samples, 8, 28)]
    assert min(sharp) > sharpness(cells(mean_picture, 1, 28, scale=6)[0]), sharp


@pytest.mark.parametrize("name", list(TABLE.lessons))
def test_each_lesson_runs_when_its_link_is_opened(name):
    """A lesson's link restores its image at once: its run is within the link budget and needs no painted mask."""
    from playground.tasks.inverse_lab import unet_calls
    from playground.ui.inverse_handlers import LINK_BUDGET

    v = TABLE.values(name)
    assert v["region"] != PAINTED or v["task"] != "Inpainting"
    assert unet_calls(v["method"], v["steps"], v["jump"], v["resample"]) * v["k"] <= LINK_BUDGET
