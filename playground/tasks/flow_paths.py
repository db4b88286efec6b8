"""Noise to data along three ODEs from the same noise: flow matching (independent noise-data pairs),
rectified flow (the same model retrained on its own pairs) and a diffusion model's probability-flow
ODE (DDIM with eta = 0). Straightness is displacement over path length (1 = a straight line), so it
does not depend on how time is parameterised.
"""
import time
from dataclasses import dataclass

import numpy as np
import torch

from playground import registry
from playground.data import get_dataset
from playground.models.flow_matching import EVALS_PER_STEP
from playground.tasks.evaluate import sliced_wasserstein

MAX_STEPS, MAX_PARTICLES = 200, 5000


@dataclass
class PathResult:
    """One model's trip from noise to data."""

    name: str
    paths: np.ndarray  # (steps + 1, n, 2)
    evaluations: int  # network evaluations per particle
    straightness: float
    sw_to_data: float
    seconds: float


def straightness(paths: torch.Tensor) -> float:
    """Mean over particles of |x_end - x_start| / path length, in (0, 1]; 1 for straight lines."""
    length = (paths[1:] - paths[:-1]).norm(dim=-1).sum(0)
    displacement = (paths[-1] - paths[0]).norm(dim=-1)
    return float((displacement / length.clamp(min=1e-12)).mean())


@torch.no_grad()
def reflow_pairs(model_name: str, n: int, seed: int, steps: int = 50, batch: int = 25_000):
    """(x1, labels, x0): n noise points x0 and where the named flow carries them (Heun, `steps` steps)."""
    model = registry.load(model_name)
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % len(model.shapes)
    x0 = torch.randn(n, 2, generator=g)
    x1 = torch.cat([model.ode_paths(x0[i:i + batch], labels[i:i + batch], steps, "heun")[-1]
                    for i in range(0, n, batch)])
    return x1.numpy(), labels.numpy(), x0.numpy()


def held_out(shape: str, n: int, seed: int) -> torch.Tensor:
    return torch.as_tensor(get_dataset(f"toy2d:{shape}", "test", n=n, seed=seed), dtype=torch.float32)


def compare(shape: str, steps: int, solver: str, n: int, seed: int, device=None) -> tuple:
    """([flow matching, rectified flow, diffusion PF-ODE], held-out data) from the same seeded noise."""
    # the first velocity model (independent noise-data pairs), its reflowed copy, the noise-predicting model
    fm, rf, dm = (registry.load(registry.first_with(c)) for c in ("velocity", "straight_paths", "noise_prediction"))
    if shape not in fm.shapes:
        raise ValueError(f"Unknown shape '{shape}'. Choose one of {', '.join(fm.shapes)}.")
    if not 1 <= steps <= MAX_STEPS or not 1 <= n <= MAX_PARTICLES:
        raise ValueError(f"Steps must be 1 to {MAX_STEPS} and particles 1 to {MAX_PARTICLES:,}.")
    device = torch.device(device or "cpu")
    noise = torch.randn(n, 2, generator=torch.Generator().manual_seed(seed)).to(device)
    y = torch.full((n,), fm.shapes.index(shape), dtype=torch.long, device=device)
    data = held_out(shape, n, seed)
    runs = (("flow matching", lambda: fm.to(device).ode_paths(noise, y, steps, solver), EVALS_PER_STEP[solver]),
            ("rectified flow (reflow)", lambda: rf.to(device).ode_paths(noise, y, steps, solver), EVALS_PER_STEP[solver]),
            ("diffusion (DDIM, eta = 0)", lambda: dm.to(device).ode_paths(noise, y, steps), 1))
    results = []
    for name, run, evals in runs:
        started = time.perf_counter()
        paths = run().cpu()
        seconds = time.perf_counter() - started
        results.append(PathResult(name, paths.numpy(), evals * steps, straightness(paths),
                                  sliced_wasserstein(paths[-1], data), seconds))
    return results, data.numpy()
