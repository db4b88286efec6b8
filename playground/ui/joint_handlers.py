"""Handlers of the Joint distributions tab: sampling basics, the parameter count of a joint over binary
variables, the three binary-image models side by side, and a Gaussian mixture fitted by EM step by step."""
import tempfile
from functools import lru_cache

import numpy as np

from playground import export, plotting
from playground.models import gmm
from playground.registry import availability
from playground.tasks import gmm_lab, joint
from playground.toydata import toy_sample
from playground.ui import checks


def categorical(text, n, seed):
    """True probabilities against the frequencies of n inverse-CDF draws, and the first draws."""
    try:
        probs, bernoulli = joint.parse_probabilities(text)
    except ValueError as error:
        raise checks.user_error(str(error)) from None
    draws = joint.sample_categorical(probs, n, seed)
    counts = np.bincount(draws, minlength=len(probs))
    names = ["0", "1"] if bernoulli else [chr(65 + i) for i in range(len(probs))]
    title = (f"Bernoulli(p = {probs[1]:.3g}): {n:,} draws" if bernoulli else f"Categorical over {len(probs)} outcomes: "
             f"{n:,} draws")
    shown = " ".join(names[d] for d in draws[:60])
    gap = float(np.abs(counts / n - probs).max())
    note = (f"First draws: `{shown}`{' ...' if n > 60 else ''}  \nEach draw takes u ~ Uniform(0, 1) and returns the "
            f"first outcome whose cumulative probability exceeds u. Largest gap between frequency and probability: "
            f"**{gap:.4f}** (it shrinks like 1/sqrt(n): try more draws).")
    return plotting.frequency_figure(probs, counts, title, names), note


def joint_counts(n):
    """Free parameters of a joint over n binary variables under three assumptions, with a log-scale figure."""
    ns = list(range(1, max(n, 16) + 1))
    rows = {name: [joint.parameter_counts(m)[name] for m in ns] for name in ("full joint", "Markov chain", "independent")}
    counts = joint.parameter_counts(n)
    side = int(np.sqrt(n))
    picture = f" (a {side}x{side} binary image)" if side * side == n else ""
    note = (f"**n = {n} binary variables**{picture}: full "
            f"joint 2^n - 1 = **{joint.readable_count(counts['full joint'])}**, Markov chain 2n - 1 = "
            f"**{counts['Markov chain']:,}**, independent n = **{counts['independent']:,}**. An MNIST digit has "
            f"n = 784: the full joint would need {joint.readable_count(2 ** 784 - 1)} numbers.")
    return plotting.counts_figure(ns, rows, n, "Parameters of a joint distribution over n binary variables"), note


@lru_cache(maxsize=None)
def _figures(name: str) -> dict:
    """A shipped model's figures on the test digits: the same for every request, so computed once per process."""
    return joint.model_figures(name, checks.mnist_test()[0])


def pixel_models(temperature, seed):
    """16 samples from each binary-image model, and a table of parameters and test NLL."""
    pictures, rows = [], []
    for title, name in joint.PIXEL_MODELS.items():
        ok, why = availability(name)
        if not ok:
            raise checks.user_error(f"The {title} model is not available: {why}.")
        samples = joint.model_samples(name, 16, seed, temperature)
        pictures.append(plotting.image_grid(samples.numpy(), cols=4, scale=3))
        f = _figures(name)
        rows.append([title, f"{f['parameters']:,}", round(f["nll_nats"], 1), round(f["bits_per_pixel"], 4)])
    rows.append(["full joint table", joint.readable_count(2 ** 784 - 1), "", ""])
    note = (f"NLL on the first {_figures(joint.PIXEL_MODELS['PixelCNN'])['images']} binarized MNIST test digits, "
            f"no class given, so the three models answer the same question: how likely is this digit? (lower is "
            f"better; the model cards give all 10,000). Samples are drawn without a class too; temperature "
            f"{temperature:g} scales every logit.")
    return (*pictures, {"headers": ["model", "parameters", "test NLL (nats per digit)", "bits per pixel"], "data": rows},
            note)


@lru_cache(maxsize=2)  # a history keeps every step's responsibilities: up to 80 MB at the largest settings
def _history(dataset, n, k, covariance, iterations, seed):
    x = toy_sample(dataset, n, seed)
    return x, gmm.fit_em(x, k, covariance, iterations, seed=seed)


def gmm_step(dataset, n, k, covariance, iterations, seed, step, samples):
    """EM at one iteration (the table keeps the step within the iterations): responsibilities and ellipses, the
    log-likelihood curve, the parameters, and a note with the numbers."""
    x, history = _history(dataset, n, k, covariance, iterations, seed)
    state = history[step]
    count = gmm.parameter_count(k, 2, covariance)
    note = (f"Step {step} of {len(history) - 1}: mean log-likelihood **{state.log_likelihood:.4f}** nats per point; "
            f"K = {k} {covariance} components have {count} free parameters; BIC {gmm.bic(state):.1f}. "
            f"Colours mix the components by their responsibilities (E-step); ellipses are 1 and 2 standard deviations.")
    return (gmm_lab.em_figure(x, history, step, samples, seed), gmm_lab.loglik_figure(history, step),
            gmm_lab.summary_table(history, step), note)


def gmm_animation(dataset, n, k, covariance, iterations, seed):
    """Every EM step as a plotly animation (play button and slider)."""
    return gmm_lab.em_animation(*_history(dataset, n, k, covariance, iterations, seed), seed)


def gmm_gif(dataset, n, k, covariance, iterations, seed):
    """The EM animation as a GIF for slides (the same seeded fit), its footer naming the settings."""
    footer = export.footer_line("Joint distributions: EM", data=dataset, points=n, K=k, covariance=covariance,
                                iterations=iterations, seed=seed)
    gif = export.figure_gif(gmm_animation(dataset, n, k, covariance, iterations, seed), footer)
    return str(export.write_gif(gif, f"em-{dataset}-K{k}-seed{seed}", tempfile.mkdtemp(prefix="gp-gif-")))
