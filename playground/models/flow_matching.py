"""Flow matching / rectified flow (Lipman et al. 2023; Liu et al. 2023) on 2-D toy shapes:
x_t = (1 - t) x0 + t x1 with x0 noise and x1 data; an MLP regresses the velocity x1 - x0, and an ODE
solver carries noise (t = 0) to data (t = 1). Each (x0, x1) pair moves in a straight line, but with
independent pairs the learned field averages crossing lines, so its paths bend; retraining on the
pairs the flow itself produces ("reflow") makes them nearly straight.
"""
import torch
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from playground.models.toy_mlp import ConditionalMLP

SOLVERS = ("euler", "midpoint", "heun")
EVALS_PER_STEP = {"euler": 1, "midpoint": 2, "heun": 2}


class ToyFlowMatching(nn.Module, PyTorchModelHubMixin):
    """v_theta(x_t, t, shape) on 2-D points, one model for several shapes."""

    def __init__(self, shapes: list, hidden: int = 256, blocks: int = 4):
        super().__init__()
        self.shapes = list(shapes)
        self.net = ConditionalMLP(2, len(self.shapes), hidden, blocks)

    def forward(self, xt, t, y):
        """The predicted velocity; t in [0, 1] (B,)."""
        return self.net(xt, t, y)

    def loss(self, x1, y, x0=None):
        """E ||(x1 - x0) - v_theta(x_t, t)||^2 with t ~ U(0, 1).

        x0 is fresh noise (independent pairs), or the noise a previous flow carried to x1: training on
        such pairs is "reflow" (Liu et al. 2023), which straightens the paths.
        """
        x0 = torch.randn_like(x1) if x0 is None else x0
        t = torch.rand(len(x1), device=x1.device)
        xt = (1 - t[:, None]) * x0 + t[:, None] * x1
        return ((self(xt, t, y) - (x1 - x0)) ** 2).mean()

    @torch.no_grad()
    def ode_paths(self, noise, y, steps: int, solver: str = "euler"):
        """Integrate dx/dt = v from t = 0 to 1 in `steps` steps: the points after each, (steps + 1, B, 2)."""
        if solver not in SOLVERS:
            raise ValueError(f"Unknown solver '{solver}'. Choose one of {', '.join(SOLVERS)}.")
        dt = 1.0 / steps
        x, path = noise, [noise]
        for k in range(steps):
            t = torch.full((len(x),), k * dt, device=x.device)
            v = self(x, t, y)
            if solver == "midpoint":
                v = self(x + 0.5 * dt * v, t + 0.5 * dt, y)
            elif solver == "heun":
                v = 0.5 * (v + self(x + dt * v, t + dt, y))
            x = x + dt * v
            path.append(x)
        return torch.stack(path)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, shape: int = 0, steps: int = 50):
        device = next(self.parameters()).device
        noise = torch.randn(n, 2, generator=generator).to(device)
        y = torch.full((n,), shape, dtype=torch.long, device=device)
        return self.ode_paths(noise, y, steps)[-1]
