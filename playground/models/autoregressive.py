"""Three models of a binary image's joint distribution p(x_1..x_n), from cheapest to richest: full
independence (n parameters), a Markov chain over the raster order (2n - 1) and a class-conditional gated
PixelCNN (van den Oord et al. 2016, "Conditional Image Generation with PixelCNN Decoders"), which
writes p(x) = prod_i p(x_i | x_<i) with compact neural conditionals. All sample pixel by pixel.
"""
import torch
import torch.nn.functional as F
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from playground.models.vae import binarize


def grey_levels(images) -> torch.Tensor:
    """uint8 (N, 28, 28) -> each pixel's ink probability (N, 784): the mean of its dynamic binarization."""
    return (torch.as_tensor(images).float() / 255).reshape(len(images), -1)


def _bernoulli_nll(logits, x) -> torch.Tensor:
    """-log p(x) in nats per image (N,) for pixel logits and binary pixels, both (N, n)."""
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1)


def _draw(logits, temperature: float, generator) -> torch.Tensor:
    """One Bernoulli draw per logit, at a temperature (0 = the more likely value)."""
    if temperature <= 0:
        return (logits > 0).float()
    return torch.bernoulli(torch.sigmoid(logits / temperature), generator=generator)


class _PixelModel(nn.Module, PyTorchModelHubMixin):
    """What the three models share: the raster-order image shape."""

    side = 28

    def images(self, x) -> torch.Tensor:
        return x.reshape(len(x), 1, self.side, self.side)


class IndependentPixels(_PixelModel):
    """p(x) = prod_i Bernoulli(x_i; p_i): one parameter per pixel."""

    def __init__(self, pixels: int = 784, smoothing: float = 1.0):
        super().__init__()
        self.pixels, self.smoothing = pixels, smoothing
        self.logits = nn.Parameter(torch.zeros(pixels))

    def parameter_count(self) -> int:
        return self.pixels

    @torch.no_grad()
    def fit(self, images, labels=None) -> None:
        """Maximum likelihood (with add-`smoothing` counts) under dynamic binarization, in closed form."""
        ink = grey_levels(images).sum(0)
        p = (ink + self.smoothing) / (len(images) + 2 * self.smoothing)
        self.logits.copy_(torch.logit(p))

    def nll(self, x, labels=None) -> torch.Tensor:
        return _bernoulli_nll(self.logits.expand_as(x), x)

    def loss(self, images, labels=None):
        return self.nll(binarize(images)).mean()

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, temperature: float = 1.0, **_):
        return self.images(_draw(self.logits.expand(n, -1), temperature, generator))


class MarkovPixels(_PixelModel):
    """p(x) = p(x_1) prod_i p(x_i | x_{i-1}) along the raster order: 1 + 2 (n - 1) = 2n - 1 parameters."""

    def __init__(self, pixels: int = 784, smoothing: float = 1.0):
        super().__init__()
        self.pixels, self.smoothing = pixels, smoothing
        self.logits = nn.Parameter(torch.zeros(pixels, 2))  # [i, previous pixel]; row 0 uses column 0 only

    def parameter_count(self) -> int:
        return 2 * self.pixels - 1

    @torch.no_grad()
    def fit(self, images, labels=None) -> None:
        """Closed-form maximum likelihood of the transitions, expected over the dynamic binarization."""
        g = grey_levels(images)  # (N, n)
        both = (g[:, 1:] * g[:, :-1]).sum(0)  # expected count of (x_{i-1} = 1, x_i = 1)
        after_ink, after_blank = g[:, :-1].sum(0), (1 - g[:, :-1]).sum(0)
        ink = g[:, 1:].sum(0)
        s = self.smoothing
        p1 = (both + s) / (after_ink + 2 * s)  # p(x_i = 1 | x_{i-1} = 1)
        p0 = (ink - both + s) / (after_blank + 2 * s)  # p(x_i = 1 | x_{i-1} = 0)
        first = (g[:, 0].sum() + s) / (len(g) + 2 * s)
        self.logits[0] = torch.logit(first)
        self.logits[1:, 0], self.logits[1:, 1] = torch.logit(p0), torch.logit(p1)

    def nll(self, x, labels=None) -> torch.Tensor:
        prev = torch.cat([torch.zeros_like(x[:, :1]), x[:, :-1]], 1).long()  # (N, n)
        logits = self.logits.expand(len(x), -1, -1).gather(2, prev[..., None])[..., 0]
        return _bernoulli_nll(logits, x)

    def loss(self, images, labels=None):
        return self.nll(binarize(images)).mean()

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, temperature: float = 1.0, **_):
        return self.images(self.complete(torch.zeros(n, self.pixels), torch.ones(n, self.pixels, dtype=torch.bool),
                                         generator=generator, temperature=temperature))

    @torch.no_grad()
    def complete(self, x, missing, generator=None, temperature: float = 1.0) -> torch.Tensor:
        """Sample the missing pixels (N, n) in raster order, each given the pixel before it."""
        x = x.clone()
        for i in range(self.pixels):
            if missing[:, i].any():
                prev = x[:, i - 1].long() if i else torch.zeros(len(x), dtype=torch.long)
                draw = _draw(self.logits[i][prev], temperature, generator)
                x[:, i] = torch.where(missing[:, i], draw, x[:, i])
        return x
