"""Handlers of the Diffusion tab, settings already checked by the tab's settings table: the forward process on a
digit or a 2-D shape, the 2-D reverse process, and the MNIST reverse process, a generator that streams x_t and the
predicted x_0 while the trained class-conditional UNet samples, then shows the samples (read back by the
classifier) and one sample's trajectory. Cancelling the event closes the generator, which stops the work. The 2-D
reverse process and the digits' frames also come as GIFs for slides."""
import math
import tempfile

import gradio as gr
import numpy as np
import torch

from playground import export, plotting
from playground.data import DatasetUnavailable
from playground.registry import availability
from playground.tasks import diffusion_lab as lab
from playground.tasks.evaluate import read_digits, sliced_wasserstein
from playground.tasks.flow_paths import held_out
from playground.ui import checks
from playground.ui.diffusion_tab import DIGITS, FORWARD, REVERSE, TABLE

MNIST_INK = 0.134  # share of the MNIST test digits' pixels brighter than mid-grey (tests/unit/test_tab_diffusion.py)


def forward(source, shape, digit, t, seed):
    """x_0 beside x_t, and where t sits on the schedule."""
    alpha_bar, log_snr = lab.schedule()
    sched = plotting.schedule_figure(alpha_bar, log_snr, t, "Noise schedule (cosine)")
    note = f"t = {t}: alpha_bar = {alpha_bar[t]:.4f}, noise std = {math.sqrt(1 - alpha_bar[t]):.3f}, log SNR = {log_snr[t]:.2f}"
    if source == "MNIST digit":
        try:
            x0, xt = lab.forward_noise("digit", digit, t, seed)
        except DatasetUnavailable as error:
            raise checks.user_error(str(error)) from None
        gallery = [(lab.digit_grid(x0, scale=8), "x_0"), (lab.digit_grid(xt, scale=8), f"x_t, t = {t}")]
        return gr.Plot(visible=False), gr.Gallery(value=gallery, visible=True), sched, note
    x0, xt = lab.forward_noise("shape", shape, t, seed)
    fig = plotting.points_figure(x0.numpy(), xt.numpy(), f"{shape} at t = {t}")
    return gr.Plot(value=fig, visible=True), gr.Gallery(visible=False), sched, note


def reverse(shape, sampler, steps, eta, particles, seed, score_t):
    """Particles from noise to the shape with the chosen sampler, and the score field at score_t; the title gives
    how far the samples are from held-out data (sliced Wasserstein: about 0.05 when they land on the shape)."""
    paths = lab.reverse_2d(shape, sampler, steps, eta, particles, seed)
    points, scores = lab.score_field(shape, score_t)
    sw = sliced_wasserstein(torch.as_tensor(paths[-1]), held_out(shape, particles, seed))
    title = (f"{sampler}, {steps} steps" + (f", eta = {float(eta):g}" if sampler == "ddim" else "")
             + f" · score at t = {score_t} · sliced Wasserstein to data {sw:.3f}")
    return plotting.particles_animation(paths, title, points, scores)


def reverse_gif(shape, sampler, steps, eta, particles, seed, score_t):
    """The reverse process's animation as a GIF for slides, its settings in the footer."""
    footer = export.footer_line("Diffusion", shape=shape, sampler=sampler, steps=steps, eta=eta,
                                particles=particles, seed=seed, score_t=score_t)
    data = export.figure_gif(reverse(shape, sampler, steps, eta, particles, seed, score_t), footer, size=(640, 640))
    return _saved(data, f"diffusion-{shape}-{sampler}-{steps}-steps-seed-{seed}")


def _saved(data: bytes, name: str) -> str:
    return str(export.write_gif(data, name, tempfile.mkdtemp(prefix="playground-gif-")))


def sample_digits(sampler, steps, eta, guidance, label, batch, seed, model="mnist-diffusion-fast"):
    """Generator: (x_t frame, predicted x_0 frame, status, annotated samples, trajectory strip) updates."""
    for event in _digit_events(sampler, steps, eta, guidance, label, batch, seed, model):
        if event[0] == "frame":
            _, i, t, xt, x0, runs = event
            status = f"Step {i + 1} of {steps} · t = {t} · {sampler}" + (f" (eta {eta:g})" if sampler == "ddim" else "")
            if runs > 1:
                status += f" · {runs} runs share the server, so each streams fewer frames"
            yield xt, x0, status, gr.skip(), gr.skip()
            continue
        _, samples, labels, strip, seconds = event
        read, conf = read_digits(samples)
        picture = lab.annotated_grid(samples, None if guidance == 0 else labels, read, conf)
        grid = lab.digit_grid(samples)
        yield grid, grid, _verdict(samples, read, labels, steps, sampler, guidance, model, seconds), picture, strip


def _digit_events(sampler, steps, eta, guidance, label, batch, seed, model):
    ok, why = availability(model)
    if not ok:
        raise checks.user_error(f"The MNIST diffusion model {model} is not available: {why}.")
    return lab.digit_stream(sampler, steps, eta, guidance, None if label == "random" else int(label), batch, seed,
                            name=model)


def ink(samples) -> float:
    """Share of the pixels brighter than mid-grey: heavy strokes (over-saturation) raise it."""
    return float((samples > 0).float().mean())  # samples in [-1, 1]: above 0 is brighter than mid-grey


def _verdict(samples, read, labels, steps, sampler, guidance, model, seconds) -> str:
    """The status line once the digits are done: how the classifier reads them, and how much ink they carry."""
    done = f"**Done**: {steps} {sampler} steps in {seconds:.1f} s at guidance {guidance:g} ({model})."
    if guidance == 0:  # the unconditional model: the labels played no part
        counts = ", ".join(f"{k}: {int((read == k).sum())}" for k in range(10) if (read == k).any())
        status = (f"{done} w = 0 samples the unconditional model, which ignores the labels; the classifier reads "
                  f"{counts}.")
    else:
        hits = int((read == labels.numpy()).sum())
        status = f"{done} The classifier reads **{hits} of {len(samples)}** samples as the digit asked for."
    status += f" Ink: {ink(samples):.0%} of the pixels (real MNIST digits: {MNIST_INK:.0%})."
    if steps < 10:
        status += (" With this few steps most samplers cannot undo the noise: expect blurry or wrong digits "
                   "(DPM-Solver++ copes best).")
    return status


def digits_gif(sampler, steps, eta, guidance, label, batch, seed, model="mnist-diffusion-fast"):
    """The digits' x_t and predicted x_0, step by step, as a GIF for slides (the same seeded run again)."""
    frames, labels = [], []
    for event in _digit_events(sampler, steps, eta, guidance, label, batch, seed, model):
        if event[0] == "frame":
            _, i, t, xt, x0, _ = event
            gap = np.full((xt.shape[0], 8), 255, dtype=np.uint8)
            frames.append(np.concatenate([xt, gap, x0], 1))
            labels.append(f"step {i + 1} of {steps} · t = {t}: x_t (left), predicted x_0 (right)")
    footer = export.footer_line("Diffusion digits", sampler=sampler, steps=steps, w=guidance, label=label, n=batch,
                                seed=seed, model=model)
    return _saved(export.images_gif(frames, footer, labels=labels), f"digits-{sampler}-{steps}-steps-w-{guidance:g}-"
                                                                    f"seed-{seed}")


LINK_BUDGET = 3200  # steps x digits a link may sample on opening (DDIM-200 of 16); larger runs wait for the button


def lesson(name: str, *values):
    """A lesson's pictures (the tab's widgets in table order): the 2-D forward and reverse processes, then, for a
    guidance lesson, the digits streamed."""
    yield from _pictures(dict(zip(TABLE.settings, values)), "w" in TABLE.lessons[name].values)


def linked(*values):
    """A link's pictures: the 2-D processes, then the digits when the link changes their settings (a link about
    the 2-D processes leaves them to the button), unless that is a long job."""
    v = dict(zip(TABLE.settings, values))
    digits = any(v[k] != TABLE.settings[k].default for k in DIGITS)
    if digits and v["dsteps"] * v["batch"] > LINK_BUDGET:
        yield from _pictures(v, False)
        yield (*(gr.skip(),) * 7, f"Settings restored from the link: {v['dsteps']} steps for {v['batch']} digits is a "
                                  "long run, so press **Generate digits** to start it.", gr.skip(), gr.skip())
        return
    yield from _pictures(v, digits)


def _pictures(v: dict, digits: bool):
    """(forward: plot, gallery, schedule, note; reverse animation; digits: x_t, x_0, status, samples, strip)."""
    yield (*forward(*(v[k] for k in FORWARD)), reverse(*(v[k] for k in REVERSE)), *(gr.skip(),) * 5)
    if digits:
        for update in sample_digits(*(v[k] for k in DIGITS)):
            yield (*(gr.skip(),) * 5, *update)
