"""Handlers of the Inverse problems tab: the image to restore (a test image or an upload) on the editor, and
posterior samples streamed from a diffusion prior (DDNM or RePaint) or the PixelCNN, with their mean, the
per-pixel spread and scores against the truth; the same run as a GIF for slides. Settings arrive checked by the
tab's settings table. Generators stream; cancelling the event stops the work."""
import tempfile

import gradio as gr
import numpy as np
import pandas as pd
import torch

from playground import export, plotting
from playground.data import DatasetUnavailable
from playground.hub import HubUnavailable
from playground.registry import availability
from playground.tasks import inverse_lab as lab
from playground.tasks.pixels import mask_from_layer
from playground.ui import checks
from playground.ui.inverse_tab import CLASSES, PAINTED, TAB_ID, TABLE

_UNIT = {lab.METHODS[0]: "step", lab.METHODS[1]: "UNet call", lab.METHODS[2]: "pixel"}  # what a stream counts
GIF_WIDTH = 680  # pixels at least: room for the footer's settings
LINK_BUDGET = 1000  # UNet calls x samples a link may run on opening (RePaint's defaults for 4 samples: 920)


def _image(prior, index, upload):
    """The image to restore (1, C, H, W) in [0, 1] and where it came from."""
    try:
        if upload:
            x, note = lab.read_upload(upload, prior)
            return x, f"your upload ({note})"
        return lab.test_image(prior, index), f"test image {index}"
    except (DatasetUnavailable, ValueError) as error:
        raise checks.user_error(str(error)) from None


def load_image(prior, index, upload):
    """Put the image to restore on the editor (to paint the region to fill over it)."""
    x, where = _image(prior, index, upload)
    picture = lab.editor_picture(x)
    side = x.shape[-1]
    return ({"background": picture, "layers": [], "composite": picture},
            f"Loaded {where}: {side} x {side}. Paint over the region to fill, or pick a preset region.")


def editor_on_load(prior, index, upload):
    """The test image on the editor when the page opens; without the data here the editor stays empty (the
    restore says why when asked)."""
    try:
        return load_image(prior, index, upload)
    except gr.Error:
        return gr.skip(), gr.skip()


def _painted(editor) -> bool:
    layers = (editor or {}).get("layers") or []
    return bool(layers) and layers[0] is not None and np.asarray(layers[0])[..., 3].any()


def _holes(region, editor, side: int) -> np.ndarray:
    if region != PAINTED:
        return lab.preset_holes(region, side)
    layers = (editor or {}).get("layers") or []
    if not layers or layers[0] is None:
        raise checks.user_error("Paint the region to fill on the image first (the brush), or choose a preset region.")
    holes = mask_from_layer(np.asarray(layers[0]), side=side)
    if not holes.any():
        raise checks.user_error("The painted region is empty: paint over the pixels to fill, or choose a preset region.")
    if holes.all():
        raise checks.user_error("The painted region covers the whole image: nothing is left to agree with. Leave some "
                                "pixels unpainted.")
    return holes


def _settings(task, method, k, steps, eta, label, guidance, jump, resample, seed, factor):
    """The settings as the lab takes them: a class index or None, a whole factor."""
    return dict(task=task, method=method, k=k, steps=steps, eta=eta,
                label=None if label == "none" else CLASSES.index(label) - 1, guidance=guidance, jump=jump,
                resample=resample, seed=seed, factor=int(factor))


def _picture(x: torch.Tensor, scale: int = 6) -> np.ndarray:
    return plotting.image_grid(x.numpy(), cols=8, scale=scale)


def _prepare(prior, index, upload, editor, task, region, factor, method, k, steps, eta, label, guidance, jump,
             resample, seed):
    """(settings, the image x, where it came from, the holes or None, the lab's stream of samples)."""
    s = _settings(task, method, k, steps, eta, label, guidance, jump, resample, seed, factor)
    x, where = _image(prior, index, upload)
    holes = _holes(region, editor, x.shape[-1]) if task == "Inpainting" else None
    name = "mnist-pixelcnn" if method == lab.METHODS[2] else lab.PRIORS[prior][0]
    ok, why = availability(name)
    if not ok:
        raise checks.user_error(f"The model {name} is not available: {why}.")
    if method == lab.METHODS[2]:
        x = (x >= 0.5).float()  # the PixelCNN models binary digits: its truth is the binarized digit
    knobs = {key: s[key] for key in ("method", "k", "steps", "label", "guidance", "eta", "jump", "resample", "seed")}
    return s, x, where, holes, _as_user_errors(lab.restore_stream(prior, task, x, holes, s["factor"], **knobs))


def _as_user_errors(stream):
    """The lab's stream; its ValueError or HubUnavailable (a wrong combination, an offline hub model) goes to the
    user."""
    try:
        yield from stream
    except (ValueError, HubUnavailable) as error:
        raise checks.user_error(str(error)) from None


def restore(prior, index, upload, editor, task, region, factor, method, k, steps, eta, label, guidance, jump,
            resample, seed):
    """Generator: (truth, observed, samples so far, mean, spread, scores, status)."""
    s, x, where, holes, stream = _prepare(prior, index, upload, editor, task, region, factor, method, k, steps, eta,
                                          label, guidance, jump, resample, seed)
    truth, observed = _picture(x), _picture(lab.observed_picture(task, x, holes, s["factor"]))
    for done, total, samples in stream:  # the earlier run's mean, spread and scores are cleared at once
        yield (truth, observed, _picture(samples, 4), None, None, None,
               f"{method}: {_UNIT[method]} {done} of {total}; the samples so far, each its current estimate…")
    mean, spread = lab.inverse.posterior_summary(samples)
    rows = lab.scores(task, samples, x, holes, s["factor"])
    yield (truth, observed, _picture(samples, 4), _picture(mean), plotting.spread_figure(spread[0, 0].numpy(),
           f"Per-pixel spread over {k} samples (max {float(spread.max()):.2f})"), _table(task, rows),
           _done(s, where, rows, region) + (" Your painting was not used: choose **painted region** to fill it."
                                            if task == "Inpainting" and region != PAINTED and _painted(editor) else ""))


def restore_linked(request: gr.Request, prior, index, upload, editor, task, region, factor, method, k, steps, eta,
                   label, guidance, jump, resample, seed):
    """A link to this tab restores its image on opening; not with a painted mask (never in links), and not a long
    job (the button starts it)."""
    if not TABLE.linked(request) or task == "Inpainting" and region == PAINTED:
        yield (gr.skip(),) * 7
    elif method != lab.METHODS[2] and lab.unet_calls(method, steps, jump, resample) * k > LINK_BUDGET:
        yield (gr.skip(),) * 6 + (f"Settings restored from the link: {method} with these settings is a long run, so "
                                  "press **Restore** to start it.",)
    else:
        yield from restore(prior, index, upload, editor, task, region, factor, method, k, steps, eta, label, guidance,
                           jump, resample, seed)


def lesson(prior, index, upload, editor, *settings):
    """A lesson runs on its test image: an upload is cleared (the last output) before the samples stream."""
    for i, frame in enumerate(restore(prior, index, None, editor, *settings)):
        yield (*frame, None if i == 0 else gr.skip())


def restore_gif(prior, index, upload, editor, task, region, factor, method, k, steps, eta, label, guidance, jump,
                resample, seed) -> str:
    """The same seeded run as a GIF for slides: the samples as they form, the settings and seed in the footer."""
    s, x, where, holes, stream = _prepare(prior, index, upload, editor, task, region, factor, method, k, steps, eta,
                                          label, guidance, jump, resample, seed)
    frames, labels = [], []
    for done, total, samples in stream:
        frames.append(_picture(samples, 1))
        labels.append(f"{method}: {_UNIT[method]} {done} of {total}")
    what = {"Inpainting": region, "Super-resolution": f"x{factor}"}.get(task, "")
    footer = export.footer_line(TAB_ID, seed=seed, method=method.split(" ")[0], k=k, steps=steps,
                                task=f"{task} {what}".strip().replace(" ", "-"), image=where.replace(" ", "-"))
    gif = export.images_gif(frames, footer, labels=labels, scale=-(-GIF_WIDTH // frames[0].shape[1]))
    return str(export.write_gif(gif, f"inverse-{task}-{method.split(' ')[0]}-seed-{seed}",
                                tempfile.mkdtemp(prefix="gp-gif-")))


def _table(task: str, rows: list) -> pd.DataFrame:
    columns = ["what", "PSNR vs truth (dB)"] + (["colourfulness"] if task == "Colourization" else [])
    return pd.DataFrame(rows, columns=columns)


def _done(s: dict, where: str, rows: list, region: str) -> str:
    what = {"Inpainting": f"the {region} filled; PSNR over the filled pixels only; every known pixel is kept exactly",
            "Colourization": "the luma of every pixel is kept exactly; only the colour is sampled",
            "Super-resolution": f"each sample's {s['factor']} x {s['factor']} block means equal the low-resolution "
                                "image (up to clipping to the valid range)"}[s["task"]]
    mean = next(row for row in rows if row[0] == "mean of the samples")
    base = next(row for row in rows if row[0].startswith("baseline"))
    return (f"**Done**: {s['k']} posterior samples of {where} by {s['method']}; {what}. PSNR of the samples' mean "
            f"{mean[1]} dB, of the {base[0].removeprefix('baseline: ')} baseline {base[1]} dB. Where the samples "
            "disagree (bright in the spread map) the observation leaves the answer open.")
