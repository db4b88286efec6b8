"""The network behind the 2-D diffusion and flow-matching models: an MLP on (x, t, shape) with a
sinusoidal time embedding (Vaswani et al. 2017, as in DDPM) and a learned embedding per shape."""
import math

import torch
from torch import nn


def time_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal features of t in [0, 1]: (B,) -> (B, dim)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10_000.0) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    angles = 1000.0 * t.float()[:, None] * freqs[None, :]
    return torch.cat([angles.sin(), angles.cos()], dim=-1)


class ConditionalMLP(nn.Module):
    """f(x, t, shape) -> R^dim: residual SiLU blocks; time and shape enter every block."""

    def __init__(self, dim: int = 2, classes: int = 1, hidden: int = 256, blocks: int = 4):
        super().__init__()
        self.hidden = hidden
        self.inp = nn.Linear(dim, hidden)
        self.cond = nn.Sequential(nn.Linear(hidden, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        self.shape = nn.Embedding(classes, hidden)
        self.blocks = nn.ModuleList(nn.Sequential(nn.LayerNorm(hidden), nn.Linear(hidden, hidden), nn.SiLU(),
                                                  nn.Linear(hidden, hidden)) for _ in range(blocks))
        self.out = nn.Sequential(nn.LayerNorm(hidden), nn.Linear(hidden, dim))

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        c = self.cond(time_embedding(t, self.hidden)) + self.shape(y)  # (B, hidden)
        h = self.inp(x)
        for block in self.blocks:
            h = h + block(h + c)
        return self.out(h)
