"""Handlers of the Diffusion tab: the forward process on a digit or a 2-D shape, the 2-D reverse process,
and the MNIST reverse process, a generator that streams x_t and the predicted x_0 while the trained
class-conditional UNet samples, then shows the samples (read back by the classifier) and one sample's
trajectory. Cancelling the event closes the generator, which stops the work."""
import math

import gradio as gr

from playground import plotting
from playground.data import DatasetUnavailable
from playground.models.diffusion import MAX_STEPS
from playground.registry import availability
from playground.tasks import diffusion_lab as lab
from playground.tasks.evaluate import read_digits
from playground.ui import checks

LABELS = ["random"] + [str(k) for k in range(10)]
MAX_BATCH = 64
MAX_GUIDANCE = 10.0


def forward(source, shape, digit, t, seed):
    """x_0 beside x_t, and where t sits on the schedule."""
    seed = checks.seed(seed)
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
    """Particles from noise to the shape with the chosen sampler, and the score field at score_t."""
    steps = checks.whole(steps, f"Steps for {sampler}", 1, MAX_STEPS[sampler])  # the slider allows the most of any
    paths = lab.reverse_2d(shape, sampler, steps, eta, particles, checks.seed(seed))
    points, scores = lab.score_field(shape, score_t)
    title = f"{sampler}, {steps} steps" + (f", eta = {float(eta):g}" if sampler == "ddim" else "") + f" · score at t = {score_t}"
    return plotting.particles_animation(paths, title, points, scores)


def sample_digits(sampler, steps, eta, guidance, label, batch, seed, model=lab.DIGIT_MODELS[0]):
    """Generator: (x_t frame, predicted x_0 frame, status, annotated samples, trajectory strip) updates."""
    steps = checks.whole(steps, f"Steps for {sampler}", 1, MAX_STEPS[sampler])  # the slider allows the most of any
    n, seed = batch, checks.seed(seed)
    ok, why = availability(model)
    if not ok:
        raise checks.user_error(f"The MNIST diffusion model {model} is not available: {why}.")
    digit = None if label == "random" else int(label)
    for event in lab.digit_stream(sampler, steps, eta, guidance, digit, n, seed, name=model):
        if event[0] == "frame":
            _, i, t, xt, x0, runs = event
            status = f"Step {i + 1} of {steps} · t = {t} · {sampler}" + (f" (eta {eta:g})" if sampler == "ddim" else "")
            if runs > 1:
                status += f" · {runs} runs share the server, so each streams fewer frames"
            yield xt, x0, status, gr.skip(), gr.skip()
            continue
        _, samples, labels, strip, seconds = event
        read, conf = read_digits(samples)
        done = f"**Done**: {steps} {sampler} steps in {seconds:.1f} s at guidance {guidance:g} ({model})."
        if guidance == 0:  # the unconditional model: the labels played no part
            picture = lab.annotated_grid(samples, None, read, conf)
            counts = ", ".join(f"{k}: {int((read == k).sum())}" for k in range(10) if (read == k).any())
            status = (f"{done} w = 0 samples the unconditional model, which ignores the labels; the classifier "
                      f"reads {counts}.")
        else:
            hits = int((read == labels.numpy()).sum())
            picture = lab.annotated_grid(samples, labels, read, conf)
            status = f"{done} The classifier reads **{hits} of {n}** samples as the digit asked for."
        if steps < 10:
            status += (" With this few steps most samplers cannot undo the noise: expect blurry or wrong digits "
                       "(DPM-Solver++ copes best).")
        yield lab.digit_grid(samples), lab.digit_grid(samples), status, picture, strip
