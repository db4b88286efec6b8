"""Autoencoder, VAE (Kingma and Welling 2014) and beta-VAE (Higgins et al. 2017) on binarized MNIST.

An MLP encoder gives q(z|x) = N(mu, diag(sigma^2)) (the AE keeps only mu); an MLP decoder gives
Bernoulli pixel probabilities p(x|z). The loss is the negative ELBO with the KL term weighted by beta
(beta = 0 and a deterministic encoder: the plain autoencoder). Test NLL uses the importance-weighted
bound (Burda et al. 2016) with k samples. Images are dynamically binarized while training.
"""
import math

import torch
import torch.nn.functional as F
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from playground.data import images_to_float

LOG_2PI = math.log(2 * math.pi)


def binarize(images, generator: torch.Generator | None = None) -> torch.Tensor:
    """uint8 (N, 28, 28) or floats in [0, 1] (N, 1, 28, 28) -> a Bernoulli draw of each pixel, (N, 784)."""
    p = (images_to_float(images) + 1) / 2 if torch.as_tensor(images).dtype == torch.uint8 else torch.as_tensor(images)
    p = p.float().reshape(len(p), -1).clamp(0, 1)
    return torch.bernoulli(p, generator=generator)


def slerp(z0: torch.Tensor, z1: torch.Tensor, ts: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation (Shoemake 1985) between two latents for each t in ts: (T, d). Falls back to
    linear when the two are (nearly) parallel or opposite."""
    cos = torch.dot(z0, z1) / (z0.norm() * z1.norm()).clamp_min(1e-12)
    omega = torch.arccos(cos.clamp(-1, 1))
    if omega.abs() < 1e-4 or (omega - math.pi).abs() < 1e-4:  # parallel or opposite: no unique great circle
        return lerp(z0, z1, ts)
    s = torch.sin(omega)
    return (torch.sin((1 - ts) * omega) / s)[:, None] * z0 + (torch.sin(ts * omega) / s)[:, None] * z1


def lerp(z0: torch.Tensor, z1: torch.Tensor, ts: torch.Tensor) -> torch.Tensor:
    """Linear interpolation for each t in ts: (T, d)."""
    return (1 - ts)[:, None] * z0 + ts[:, None] * z1


class VAE(nn.Module, PyTorchModelHubMixin):
    """x (784 pixels) -> MLP -> (mu, log sigma^2) -> z -> MLP -> Bernoulli logits; kind 'ae' or 'vae'."""

    def __init__(self, latent_dim: int = 16, hidden: int = 512, beta: float = 1.0, kind: str = "vae",
                 pixels: int = 784):
        super().__init__()
        if kind not in ("ae", "vae"):
            raise ValueError(f"kind must be 'ae' or 'vae', not '{kind}'.")
        self.latent_dim, self.beta, self.kind, self.pixels = latent_dim, beta, kind, pixels
        self.encoder = nn.Sequential(nn.Linear(pixels, hidden), nn.SiLU(), nn.Linear(hidden, hidden // 2), nn.SiLU(),
                                     nn.Linear(hidden // 2, 2 * latent_dim))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden // 2), nn.SiLU(), nn.Linear(hidden // 2, hidden),
                                     nn.SiLU(), nn.Linear(hidden, pixels))

    @property
    def side(self) -> int:
        return int(math.isqrt(self.pixels))

    def encode(self, x):
        """Binary or grey pixels (N, 784) in [0, 1] -> (mu, logvar), each (N, d); the AE's logvar is -inf."""
        mu, logvar = self.encoder(x.reshape(len(x), -1)).chunk(2, dim=-1)
        if self.kind == "ae":
            return mu, torch.full_like(mu, -math.inf)
        return mu, logvar.clamp(-12, 8)

    def decode_logits(self, z):
        return self.decoder(z)

    @torch.no_grad()
    def decode(self, z):
        """Latents (N, d) -> pixel probabilities as images (N, 1, 28, 28) in [0, 1] (no gradient: for showing)."""
        return torch.sigmoid(self.decoder(z)).reshape(len(z), 1, self.side, self.side)

    def elbo_terms(self, x, generator: torch.Generator | None = None):
        """(reconstruction NLL, KL per dimension (N, d)) with one reparameterised sample z = mu + sigma eps."""
        mu, logvar = self.encode(x)
        if self.kind == "ae":
            z, kl = mu, torch.zeros_like(mu)
        else:
            eps = torch.randn(mu.shape, generator=generator, device=mu.device) if generator else torch.randn_like(mu)
            z = mu + (0.5 * logvar).exp() * eps
            kl = 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar)  # KL(N(mu, sigma^2) || N(0, 1)) per dimension
        recon = F.binary_cross_entropy_with_logits(self.decoder(z), x, reduction="none").sum(-1)
        return recon, kl

    def loss(self, images, labels=None):
        """Mean over the batch of recon + beta * KL, on a fresh binarization of the images."""
        x = binarize(images).to(self.decoder[0].weight.device)
        recon, kl = self.elbo_terms(x)
        return (recon + self.beta * kl.sum(-1)).mean()

    @torch.no_grad()
    def iwae_nll(self, x, k: int = 100, generator: torch.Generator | None = None, chunk: int = 500):
        """-log p(x) estimated by -log (1/k) sum_i p(x, z_i) / q(z_i | x), z_i ~ q(z | x): (N,) in nats."""
        if self.kind == "ae":
            raise ValueError("An autoencoder has no prior over z, so it gives no likelihood.")
        out = []
        for xb in x.split(chunk):
            mu, logvar = self.encode(xb)
            std = (0.5 * logvar).exp()
            eps = torch.randn((k, *mu.shape), generator=generator).to(mu.device)  # (k, N, d)
            z = mu + std * eps
            log_q = (-0.5 * (eps ** 2 + LOG_2PI) - 0.5 * logvar).sum(-1)
            log_prior = (-0.5 * (z ** 2 + LOG_2PI)).sum(-1)
            logits = self.decoder(z)  # (k, N, 784)
            log_lik = -F.binary_cross_entropy_with_logits(logits, xb.expand_as(logits), reduction="none").sum(-1)
            out.append(-(torch.logsumexp(log_lik + log_prior - log_q, 0) - math.log(k)))
        return torch.cat(out)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, temperature: float = 1.0):
        """Decoded prior samples z ~ N(0, temperature^2 I): mean images (N, 1, 28, 28) in [0, 1]."""
        z = temperature * torch.randn(n, self.latent_dim, generator=generator)
        return self.decode(z.to(self.decoder[0].weight.device))
