"""The cost of a joint distribution: sampling Bernoulli and categorical variables by inverting the CDF,
the parameter counts of n binary variables (full joint 2^n - 1, independent n, Markov chain 2n - 1),
and the three binary-image models side by side: samples, parameter counts, test log-likelihood.
"""
import math

import numpy as np
import torch

from playground import registry
from playground.models.vae import binarize

PIXEL_MODELS = {"independent pixels": registry.first_with("binary_pixels"),
                "Markov chain": registry.first_with("binary_pixels", "complete"),
                "PixelCNN": registry.first_with("binary_pixels", "labels")}
MAX_CATEGORIES = 26


def parse_probabilities(text: str) -> tuple[np.ndarray, bool]:
    """'0.2, 0.5, 0.3' (or weights such as '1 2 1', normalised) -> (probabilities, False); one value p means
    Bernoulli(p): ([1 - p, p], True)."""
    tokens = (text or "").replace(",", " ").replace(";", " ").split()
    if not tokens:
        raise ValueError("Type one probability p (a Bernoulli variable) or several weights (a categorical one).")
    try:
        values = np.array([float(t) for t in tokens])
    except ValueError:
        raise ValueError(f"Not a number among {' '.join(tokens)[:60]!r}: use numbers separated by commas.") from None
    if not np.isfinite(values).all() or (values < 0).any():
        raise ValueError("Probabilities and weights must be finite and not negative.")
    if len(values) > MAX_CATEGORIES:
        raise ValueError(f"At most {MAX_CATEGORIES} categories, please (got {len(values)}).")
    if len(values) == 1:
        if values[0] > 1:
            raise ValueError("A Bernoulli probability p must be between 0 and 1.")
        return np.array([1 - values[0], values[0]]), True
    if values.sum() <= 0:
        raise ValueError("At least one weight must be positive.")
    return values / values.sum(), False


def sample_categorical(probs: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """n draws by inverting the CDF: u ~ U(0, 1), then the first category whose cumulative probability exceeds u."""
    u = np.random.default_rng(seed).random(n)
    cdf = np.cumsum(probs)
    cdf[-1] = 1.0  # guard against rounding: every u < 1 lands in some category
    return np.searchsorted(cdf, u, side="right")


def parameter_counts(n: int) -> dict:
    """Free parameters of a distribution over n binary variables under each assumption (exact integers)."""
    return {"full joint": 2 ** n - 1, "Markov chain": 2 * n - 1, "independent": n}


def readable_count(k: int) -> str:
    """An exact count, or its order of magnitude when it has too many digits to read."""
    if k < 10 ** 12:
        return f"{k:,}"
    exponent = len(str(k)) - 1
    return f"≈ {int(str(k)[:2]) / 10:.1f} × 10^{exponent}"


def model_figures(name: str, images, limit: int = 500, seed: int = 0) -> dict:
    """A shipped pixel model's parameter count and its NLL -log p(x) (no class given) on the first `limit` test
    images, binarized with the seed (the cards use all 10,000)."""
    model = registry.load(name)
    x = binarize(images[:limit], generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        nll = torch.cat([model.nll(xb) for xb in x.split(250)])
    nats = float(nll.mean())
    return {"parameters": model.parameter_count(), "nll_nats": nats, "bits_per_pixel": nats / (x.shape[1] * math.log(2)),
            "images": len(x)}


def model_samples(name: str, n: int, seed: int, temperature: float = 1.0, label: int | None = None) -> torch.Tensor:
    """n samples (N, 1, 28, 28) in {0, 1} from a shipped pixel model (the class goes to those that take labels)."""
    model = registry.load(name)
    kwargs = {"labels": label} if "labels" in registry.get_spec(name).capabilities else {}
    return model.sample(n, generator=torch.Generator().manual_seed(seed), temperature=temperature, **kwargs)
