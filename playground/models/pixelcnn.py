"""A class-conditional gated PixelCNN for binary 28x28 digits (van den Oord et al. 2016, "Conditional Image
Generation with PixelCNN Decoders"): p(x) = prod_i p(x_i | x_<i, class) in raster order, with a vertical
stack (every row above) and a horizontal stack (pixels to the left) so there is no blind spot. Sampling
runs the vertical stack once per row and the horizontal stack once per pixel on that row alone.
"""
import torch
import torch.nn.functional as F
from torch import nn

from playground.models.autoregressive import _PixelModel, _bernoulli_nll, _draw
from playground.models.vae import binarize


def _gate(x: torch.Tensor) -> torch.Tensor:
    a, b = x.chunk(2, dim=1)
    return torch.tanh(a) * torch.sigmoid(b)


class GatedLayer(nn.Module):
    """One gated block; the first (mask A) excludes the current pixel, the rest (mask B) are residual."""

    def __init__(self, cin: int, channels: int, kernel: int, classes: int, first: bool = False):
        super().__init__()
        self.first, self.pad = first, kernel // 2
        self.v_conv = nn.Conv2d(cin, 2 * channels, (kernel // 2 + 1, kernel))  # rows r - k//2 .. r
        self.h_conv = nn.Conv2d(cin, 2 * channels, (1, kernel // 2 + 1))  # columns c - k//2 .. c
        self.link = nn.Conv2d(2 * channels, 2 * channels, 1)  # vertical -> horizontal, shifted one row down
        self.h_out = nn.Conv2d(channels, channels, 1)
        self.cond = nn.Embedding(classes, 2 * channels)

    def vertical(self, v, label):
        """(next vertical features, this layer's term for the horizontal stack, which sees only rows above)."""
        p = self.pad
        vc = self.v_conv(F.pad(v, (p, p, p, 0)))  # (B, 2C, H, W)
        link = self.link(F.pad(vc, (0, 0, 1, 0))[:, :, :-1])  # row r sees rows < r only
        return _gate(vc + self.cond(label)[:, :, None, None]), link

    def horizontal(self, h, link, label):
        hc = self.h_conv(F.pad(h, (self.pad, 0, 0, 0)))
        if self.first:  # mask A: shift right, so pixel c sees only columns < c
            hc = F.pad(hc, (1, 0, 0, 0))[..., :-1]
        out = self.h_out(_gate(hc + link + self.cond(label)[:, :, None, None]))
        return out if self.first else h + out


class PixelCNN(_PixelModel):
    """Gated PixelCNN over binary pixels; class labels 0-9, and 10 = no class (unconditional)."""

    def __init__(self, channels: int = 48, layers: int = 6, kernel: int = 3, first_kernel: int = 7,
                 classes: int = 10, label_dropout: float = 0.1):
        super().__init__()
        self.classes, self.label_dropout, self.channels, self.layers = classes, label_dropout, channels, layers
        self.blocks = nn.ModuleList(
            [GatedLayer(1, channels, first_kernel, classes + 1, first=True)]
            + [GatedLayer(channels, channels, kernel, classes + 1) for _ in range(layers - 1)])
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(channels, channels, 1), nn.ReLU(), nn.Conv2d(channels, 1, 1))

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def _labels(self, labels, n: int) -> torch.Tensor:
        device = self.head[1].weight.device
        if labels is None:
            return torch.full((n,), self.classes, dtype=torch.long, device=device)
        return torch.as_tensor(labels, dtype=torch.long, device=device).expand(n)

    def vertical(self, x, label) -> list:
        v, links = 2 * x - 1, []
        for block in self.blocks:
            v, link = block.vertical(v, label)
            links.append(link)
        return links

    def horizontal(self, x, links, label):
        h = 2 * x - 1
        for block, link in zip(self.blocks, links):
            h = block.horizontal(h, link, label)
        return self.head(h)

    def forward(self, x, labels=None):
        """Binary images (N, 1, H, W) -> the logit of each pixel being ink given the pixels before it."""
        label = self._labels(labels, len(x))
        return self.horizontal(x, self.vertical(x, label), label)

    def nll(self, x, labels=None) -> torch.Tensor:
        """-log p(x | class) in nats per image (N,), for binary pixels (N, 784)."""
        logits = self(self.images(x), labels)
        return _bernoulli_nll(logits.reshape(len(x), -1), x)

    def loss(self, images, labels=None):
        """Mean NLL of a fresh binarization; a `label_dropout` share of the labels becomes 'no class'."""
        x = binarize(images).to(self.head[1].weight.device)
        if labels is not None:
            drop = torch.rand(len(labels), device=labels.device) < self.label_dropout
            labels = torch.where(drop, torch.full_like(labels, self.classes), labels)
        return self.nll(x, labels).mean()

    @torch.no_grad()
    def sample_steps(self, n: int, labels=None, generator: torch.Generator | None = None, temperature: float = 1.0,
                     x=None, missing=None, every: int = 28):
        """Yield (pixels done, pixels to do, images (N, 1, H, W)) every `every` sampled pixels and at the end.

        `x` and `missing` (both (N, 1, H, W)) complete given images: only missing pixels are drawn, in raster
        order, each from p(x_i | all pixels before it); known pixels are kept as they are.
        """
        x = torch.zeros(n, 1, self.side, self.side) if x is None else x.clone().float()
        missing = torch.ones_like(x, dtype=torch.bool) if missing is None else missing.bool()
        label, total, done = self._labels(labels, n), int(missing.any(0).sum()), 0
        x = x.to(label.device)
        for r in range(self.side):
            if not missing[:, :, r].any():
                continue
            links = [link[:, :, r:r + 1] for link in self.vertical(x[:, :, :r + 1], label)]  # (N, 2C, 1, W)
            for c in range(self.side):
                if not missing[:, :, r, c].any():
                    continue
                logits = self.horizontal(x[:, :, r:r + 1, :c + 1], [link[..., :c + 1] for link in links], label)
                draw = _draw(logits[:, 0, 0, c].float().cpu(), temperature, generator).to(x.device)
                x[:, 0, r, c] = torch.where(missing[:, 0, r, c].to(x.device), draw, x[:, 0, r, c])
                done += 1
                if done % every == 0 and done < total:
                    yield done, total, x.cpu().clone()
        yield total, total, x.cpu()

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, labels=None, temperature: float = 1.0, **_):
        """Binary digits (N, 1, 28, 28) in {0, 1}, of the given class(es) (None: any digit)."""
        for *_, x in self.sample_steps(n, labels, generator, temperature, every=10 ** 9):
            pass
        return x
