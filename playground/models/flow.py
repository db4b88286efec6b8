"""RealNVP (Dinh, Sohl-Dickstein and Bengio 2017): affine coupling layers that warp a standard Gaussian
into 2-D data, with an exact log-density through the change of variables.

Public surface: `loss = model.loss(x)`, `model.sample(n, generator=g)`, `model.log_prob(x)`, and
`model.trajectory(z)` for the layer-by-layer picture.
"""
import math

import torch
from huggingface_hub import PyTorchModelHubMixin
from torch import nn


class AffineCoupling(nn.Module):
    """y = x on the masked coordinates; elsewhere y = x * exp(s(x_masked)) + t(x_masked)."""

    def __init__(self, mask: torch.Tensor, hidden: int):
        super().__init__()
        self.register_buffer("mask", mask)
        dim = len(mask)
        self.net = nn.Sequential(nn.Linear(dim, hidden), nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU(),
                                 nn.Linear(hidden, 2 * dim))
        nn.init.zeros_(self.net[-1].weight)  # start as the identity map
        nn.init.zeros_(self.net[-1].bias)

    def _scale_shift(self, x_masked):
        s, t = self.net(x_masked).chunk(2, dim=-1)
        free = 1 - self.mask
        return torch.tanh(s) * free, t * free  # tanh keeps the scales tame early in training

    def forward(self, x):
        """data side -> noise side: (z, log|det dz/dx|)."""
        s, t = self._scale_shift(x * self.mask)
        z = x * self.mask + (1 - self.mask) * ((x - t) * torch.exp(-s))
        return z, -s.sum(-1)

    def inverse(self, z):
        """noise side -> data side."""
        s, t = self._scale_shift(z * self.mask)
        return z * self.mask + (1 - self.mask) * (z * torch.exp(s) + t)


class RealNVP(nn.Module, PyTorchModelHubMixin):
    """A stack of affine couplings with alternating masks on 2-D data; base distribution N(0, I)."""

    def __init__(self, dim: int = 2, layers: int = 8, hidden: int = 128):
        super().__init__()
        self.dim = dim
        masks = [torch.tensor([float((i + k) % 2) for i in range(dim)]) for k in range(layers)]
        self.layers = nn.ModuleList(AffineCoupling(m, hidden) for m in masks)

    def forward(self, x):
        """x -> (z, log|det dz/dx|)."""
        logdet = torch.zeros(len(x), device=x.device)
        for layer in reversed(self.layers):
            x, ld = layer(x)
            logdet = logdet + ld
        return x, logdet

    def log_prob(self, x):
        z, logdet = self(x)
        return -0.5 * (z * z).sum(-1) - 0.5 * self.dim * math.log(2 * math.pi) + logdet

    def loss(self, x):
        """Negative log-likelihood per point (nats), the training objective."""
        return -self.log_prob(x).mean()

    def trajectory(self, z):
        """The points after each layer, from the Gaussian (first) to the data side (last)."""
        steps = [z]
        for layer in self.layers:
            z = layer.inverse(z)
            steps.append(z)
        return steps

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None):
        device = next(self.parameters()).device
        z = torch.randn(n, self.dim, generator=generator, device=generator.device if generator else device)
        return self.trajectory(z.to(device))[-1]
