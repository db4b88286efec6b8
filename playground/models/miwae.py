"""MIWAE (Mattei & Frellsen 2019): a VAE trained on incomplete rows with the importance-weighted bound over the
observed entries only, and multiple imputation by sampling importance resampling (SIR) from it.

Encoder q(z | x_o): an MLP on the zero-filled row concatenated with its mask. Decoder p(x | z): a Gaussian with
an MLP mean and one learned (clamped) standard deviation per column. Prior p(z) = N(0, I). Callers standardize.
"""
import math

import numpy as np
import torch
from torch import nn

LOG_2PI = math.log(2 * math.pi)
LOG_SIGMA_RANGE = (-3.0, 2.0)  # the decoder's per-column log standard deviation stays in here


class MIWAE(nn.Module):
    """(x_o zero-filled, mask) -> MLP -> (mu, log sigma^2) -> z -> MLP -> Gaussian means; one sigma per column."""

    def __init__(self, d: int, latent: int = 4, hidden: int = 64):
        super().__init__()
        self.d, self.latent = d, latent
        self.encoder = nn.Sequential(nn.Linear(2 * d, hidden), nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU(),
                                     nn.Linear(hidden, 2 * latent))
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU(),
                                     nn.Linear(hidden, d))
        self.log_sigma = nn.Parameter(torch.zeros(d))

    def sigma(self) -> torch.Tensor:
        return self.log_sigma.clamp(*LOG_SIGMA_RANGE).exp()

    def log_weights(self, x, observed, k: int, generator=None):
        """log w_k = log p(x_o | z_k) + log p(z_k) - log q(z_k | x_o) for k draws z_k ~ q(z | x_o): (k, B), and
        the decoder means (k, B, d). x (B, d) may hold anything where `observed` (B, d) is False."""
        x = torch.where(observed, x, torch.zeros_like(x))
        mu, log_var = self.encoder(torch.cat([x, observed.float()], -1)).chunk(2, -1)
        std = (0.5 * log_var.clamp(-10, 10)).exp()
        eps = torch.randn((k,) + mu.shape, generator=generator)
        z = mu + std * eps  # (k, B, latent), reparameterized
        log_q = (-0.5 * eps ** 2 - std.log() - 0.5 * LOG_2PI).sum(-1)
        log_prior = (-0.5 * z ** 2 - 0.5 * LOG_2PI).sum(-1)
        x_mean = self.decoder(z)  # (k, B, d)
        log_sigma = self.log_sigma.clamp(*LOG_SIGMA_RANGE)
        log_px = -0.5 * ((x - x_mean) / log_sigma.exp()) ** 2 - log_sigma - 0.5 * LOG_2PI
        return (log_px * observed).sum(-1) + log_prior - log_q, x_mean  # observed entries only

    def loss(self, x, observed, k: int = 20, generator=None) -> torch.Tensor:
        """Minus the MIWAE bound, log (1/k) sum_k w_k, averaged over the rows."""
        log_w, _ = self.log_weights(x, observed, k, generator)
        return -(torch.logsumexp(log_w, 0) - math.log(k)).mean()

    @torch.no_grad()
    def impute(self, x, observed, m: int, k: int = 100, generator=None) -> torch.Tensor:
        """m draws of each row's missing entries by SIR: for each draw, k fresh proposals z ~ q(z | x_o), one
        resampled with probability proportional to w_k, then x_m ~ p(x_m | z). Observed entries kept; (m, B, d)."""
        rows, draws = torch.arange(len(x)), []
        for _ in range(m):
            log_w, x_mean = self.log_weights(x, observed, k, generator)  # (k, B), (k, B, d)
            pick = torch.multinomial(torch.softmax(log_w, 0).T, 1, generator=generator)[:, 0]  # (B,)
            mean = x_mean[pick, rows]  # (B, d)
            draws.append(torch.where(observed, x, mean + self.sigma() * torch.randn(mean.shape, generator=generator)))
        return torch.stack(draws)

    @torch.no_grad()
    def sample(self, n: int, *, generator=None) -> torch.Tensor:
        """n complete rows from the model: z ~ N(0, I), x ~ p(x | z); (n, d) in standardized units."""
        means = self.decoder(torch.randn(n, self.latent, generator=generator))
        return means + self.sigma() * torch.randn(means.shape, generator=generator)


def fit(x: np.ndarray, steps: int = 600, batch: int = 128, k: int = 20, lr: float = 3e-3, seed: int = 0,
        latent: int = 4, hidden: int = 64) -> MIWAE:
    """Train a MIWAE on standardized rows x (N, d) with NaN where missing: Adam on minibatches, a fixed number of
    steps, every random draw from one seeded generator (the global torch seed is left alone)."""
    values = torch.as_tensor(np.asarray(x, dtype=np.float32))
    observed = ~torch.isnan(values)
    values = torch.nan_to_num(values)
    generator = torch.Generator().manual_seed(int(seed))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        model = MIWAE(values.shape[1], latent, hidden)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        idx = torch.randint(len(values), (min(batch, len(values)),), generator=generator)
        loss = model.loss(values[idx], observed[idx], k, generator)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return model.eval()


def impute(model: MIWAE, x: np.ndarray, m: int, k: int = 100, seed: int = 0) -> np.ndarray:
    """m completed copies (m, N, d) of standardized rows x with NaN where missing, drawn by SIR."""
    values = torch.as_tensor(np.asarray(x, dtype=np.float32))
    observed = ~torch.isnan(values)
    draws = model.impute(torch.nan_to_num(values), observed, m, k, torch.Generator().manual_seed(int(seed)))
    out = np.repeat(np.asarray(x, dtype=float)[None], m, 0)
    missing = np.isnan(out)
    out[missing] = draws.double().numpy()[missing]  # observed entries stay exactly as given (no float32 round trip)
    return out
