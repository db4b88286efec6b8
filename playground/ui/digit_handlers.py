"""The Diffusion tab's MNIST reverse process: a generator handler that streams x_t and the predicted
x_0 while the trained class-conditional UNet samples, then shows the samples (read back by the
classifier) and one sample's trajectory. Cancelling the event closes the generator, which stops the work."""
import gradio as gr

from playground.models.diffusion import MAX_STEPS, SAMPLERS
from playground.registry import availability
from playground.tasks import diffusion_lab as lab
from playground.tasks.evaluate import read_digits
from playground.ui import checks

LABELS = ["random"] + [str(k) for k in range(10)]
MAX_BATCH = 64
MAX_GUIDANCE = 10.0


def sample_digits(sampler, steps, eta, guidance, label, batch, seed):
    """Generator: (x_t frame, predicted x_0 frame, status, annotated samples, trajectory strip) updates."""
    sampler = checks.choice(sampler, "sampler", list(SAMPLERS))
    steps = checks.whole(steps, f"Steps for {sampler}", 1, MAX_STEPS[sampler])
    eta = checks.number(eta, "eta", 0.0, 1.0)
    guidance = checks.number(guidance, "Guidance scale", 0.0, MAX_GUIDANCE)
    label = checks.choice(str(label) if label is not None else None, "class", LABELS)
    n = checks.whole(batch, "Batch size", 1, MAX_BATCH)
    seed = checks.seed(seed)
    ok, why = availability(lab.DIGIT_MODEL)
    if not ok:
        raise gr.Error(f"The MNIST diffusion model is not available: {why}.")
    digit = None if label == "random" else int(label)
    for event in lab.digit_stream(sampler, steps, eta, guidance, digit, n, seed):
        if event[0] == "frame":
            _, i, t, xt, x0 = event
            status = f"Step {i + 1} of {steps} · t = {t} · {sampler}" + (f" (eta {eta:g})" if sampler == "ddim" else "")
            yield xt, x0, status, gr.skip(), gr.skip()
            continue
        _, samples, labels, strip, seconds = event
        read, conf = read_digits(samples)
        done = f"**Done**: {steps} {sampler} steps in {seconds:.1f} s at guidance {guidance:g}."
        if guidance == 0:  # the unconditional model: the labels played no part
            picture = lab.annotated_grid(samples, None, read, conf)
            counts = ", ".join(f"{k}: {int((read == k).sum())}" for k in range(10) if (read == k).any())
            status = f"{done} w = 0 samples the unconditional model, so no digit was asked for; the classifier reads {counts}."
        else:
            hits = int((read == labels.numpy()).sum())
            picture = lab.annotated_grid(samples, labels, read, conf)
            status = f"{done} The classifier reads **{hits} of {n}** samples as the digit asked for."
        if steps < 10:
            status += (" With this few steps most samplers cannot undo the noise: expect blurry or wrong digits "
                       "(DPM-Solver++ copes best).")
        yield lab.digit_grid(samples), lab.digit_grid(samples), status, picture, strip
