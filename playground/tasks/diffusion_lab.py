"""What the Diffusion tab draws: the forward process q(x_t | x_0) in closed form on a digit or a 2-D
shape with its noise schedule, and the reverse process of the 2-D model with any sampler, plus the
learned score field grad log p_t(x) = -eps_theta(x, t) / sqrt(1 - alpha_bar_t) at a chosen t.
"""
import math

import numpy as np
import torch

from playground import registry
from playground.data import get_dataset, images_to_float, mnist
from playground.models.diffusion import sampling_path


def schedule():
    """alpha_bar_t and log SNR_t for t = 0..T-1 of the 2-D model's (cosine) schedule."""
    ab = registry.load("diffusion-2d").alpha_bar.double()
    return ab.numpy(), torch.log(ab / (1 - ab)).numpy()


def forward_noise(source: str, item, t: int, seed: int, n: int = 2000):
    """(x0, x_t) for an MNIST test digit (item = index) or a 2-D shape (item = name), same noise seed."""
    model = registry.load("diffusion-2d")
    g = torch.Generator().manual_seed(seed)
    if source == "digit":
        images, _ = mnist("test")
        x0 = images_to_float(images[int(item):int(item) + 1])  # (1, 1, 28, 28) in [-1, 1]
    else:
        x0 = torch.as_tensor(get_dataset(f"toy2d:{item}", "test", n=n, seed=seed), dtype=torch.float32)
    eps = torch.randn(x0.shape, generator=g)
    ab = model.alpha_bar[t]
    return x0, ab.sqrt() * x0 + (1 - ab).sqrt() * eps


def reverse_2d(shape: str, sampler: str, steps: int, eta: float, n: int, seed: int):
    """Particle paths (steps + 1, n, 2) from noise to the shape with the chosen sampler."""
    model = registry.load("diffusion-2d")
    if shape not in model.shapes:
        raise ValueError(f"Unknown shape '{shape}'. Choose one of {', '.join(model.shapes)}.")
    noise = torch.randn(n, 2, generator=torch.Generator().manual_seed(seed))
    y = torch.full((n,), model.shapes.index(shape), dtype=torch.long)
    return sampling_path(model, noise, y, steps, sampler, eta, torch.Generator().manual_seed(seed + 1)).numpy()


@torch.no_grad()
def score_field(shape: str, t: int, grid: int = 21, extent: float = 3.5):
    """(points (grid^2, 2), scores (grid^2, 2)) of the learned score at timestep t."""
    model = registry.load("diffusion-2d")
    axis = torch.linspace(-extent, extent, grid)
    points = torch.stack(torch.meshgrid(axis, axis, indexing="xy"), -1).reshape(-1, 2)
    y = torch.full((len(points),), model.shapes.index(shape), dtype=torch.long)
    eps = model(points, torch.full((len(points),), t), y)
    return points.numpy(), (-eps / math.sqrt(1 - float(model.alpha_bar[t]))).numpy()


def to_image(x: torch.Tensor, scale: int = 8) -> np.ndarray:
    """A (1, 1, H, W) tensor in about [-1, 1] as a crisp uint8 (H*scale, W*scale) picture."""
    img = ((x[0, 0].clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).numpy()
    return np.kron(img, np.ones((scale, scale), dtype=np.uint8))
