"""What a latent variable model lets you do with digits: encode, reconstruct, interpolate (linear and
spherical), latent arithmetic a - b + c, per-dimension traversals, KL per dimension, and the 2-D latent
map with its decoded manifold. Works on playground.models.vae.VAE.
"""
import numpy as np
import torch

from playground.models.vae import lerp, slerp


def to_unit(images) -> torch.Tensor:
    """uint8 (N, 28, 28) or floats (N, 1, 28, 28) already in [0, 1] -> floats (N, 1, 28, 28) in [0, 1]."""
    x = torch.as_tensor(images)
    if x.dtype == torch.uint8:
        return (x.float() / 255).reshape(len(x), 1, *x.shape[-2:])
    return x.float().clamp(0, 1)


def mnist_like(gray: np.ndarray) -> np.ndarray:
    """A drawn or uploaded digit (H, W) uint8, white ink on black, prepared as MNIST was: the ink's bounding
    box scaled to fit 20x20 (aspect kept), then placed in 28x28 with its centre of mass at the centre.
    Raises ValueError when there is no ink."""
    from PIL import Image

    ink = np.asarray(gray, dtype=np.float64)
    rows, cols = np.nonzero(ink > 0.1 * ink.max()) if ink.max() > 0 else ((), ())
    if len(rows) == 0 or ink.max() < 30:
        raise ValueError("The image has no ink: draw or upload a digit (light strokes on a dark background, or "
                         "dark on light).")
    crop = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    scale = 20.0 / max(crop.shape)
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    small = np.asarray(Image.fromarray(crop.astype(np.uint8)).resize(size, Image.LANCZOS), dtype=np.float64)
    canvas = np.zeros((28, 28))
    top, left = (28 - small.shape[0]) // 2, (28 - small.shape[1]) // 2
    canvas[top:top + small.shape[0], left:left + small.shape[1]] = small
    total = canvas.sum()
    ys, xs = np.mgrid[:28, :28]
    dy, dx = round(13.5 - (ys * canvas).sum() / total), round(13.5 - (xs * canvas).sum() / total)
    canvas = _shift(canvas, dy, dx)
    return np.clip(canvas * 255 / max(canvas.max(), 1), 0, 255).astype(np.uint8)


def _shift(a: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """a moved by (dy, dx) pixels; what leaves the frame is dropped, what enters is black (no wrap-around)."""
    out = np.zeros_like(a)
    h, w = a.shape
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = a[max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out


@torch.no_grad()
def encode(model, images) -> torch.Tensor:
    """The posterior means mu (N, d) of grey images (uint8, or floats in [0, 1])."""
    return model.encode(to_unit(images).reshape(len(images), -1))[0]


@torch.no_grad()
def reconstruct(model, images):
    """(reconstructions (N, 1, 28, 28) in [0, 1], per-image mean squared error against the grey input)."""
    x = to_unit(images)
    recon = model.decode(encode(model, x))
    return recon, ((recon - x) ** 2).flatten(1).mean(1)


@torch.no_grad()
def interpolate(model, image_a, image_b, frames: int = 10, method: str = "slerp"):
    """Decoded frames (frames, 1, 28, 28) from a to b, and the latent path (frames, d)."""
    if method not in ("linear", "slerp"):
        raise ValueError("method must be 'linear' or 'slerp'.")
    z = encode(model, torch.cat([to_unit(image_a), to_unit(image_b)]))
    ts = torch.linspace(0, 1, frames)
    path = (slerp if method == "slerp" else lerp)(z[0], z[1], ts)
    return model.decode(path), path


@torch.no_grad()
def arithmetic(model, a, b, c):
    """decode(z_a - z_b + z_c) beside the reconstructions of a, b, c: (4, 1, 28, 28)."""
    z = encode(model, torch.cat([to_unit(a), to_unit(b), to_unit(c)]))
    return model.decode(torch.cat([z, (z[0] - z[1] + z[2])[None]]))


@torch.no_grad()
def traversal(model, image, dims, values) -> torch.Tensor:
    """For each latent dimension in dims, decode z with that coordinate set to each value: (len(dims) * len(values), 1, 28, 28)."""
    z = encode(model, to_unit(image))[0]
    rows = []
    for d in dims:
        zs = z.repeat(len(values), 1)
        zs[:, d] = torch.as_tensor(values, dtype=zs.dtype)
        rows.append(model.decode(zs))
    return torch.cat(rows)


@torch.no_grad()
def kl_per_dim(model, images) -> np.ndarray:
    """The mean KL(q(z_j | x) || N(0, 1)) of each latent dimension over the images, in nats: (d,)."""
    if model.kind == "ae":
        raise ValueError("An autoencoder has no KL term: choose a VAE.")
    mu, logvar = model.encode(to_unit(images).reshape(len(images), -1))
    return (0.5 * (mu ** 2 + logvar.exp() - 1 - logvar)).mean(0).numpy()


MAX_SIDE = 4096  # pixels: larger uploads are refused


def ink_from_picture(picture: np.ndarray) -> tuple[np.ndarray, list]:
    """A sketch or an uploaded picture (H, W), (H, W, 3) or (H, W, 4) uint8 -> an MNIST-like digit (28, 28)
    and notes on what was converted. Transparent pixels count as paper; dark ink on light paper is inverted
    to MNIST's light ink on black. Raises ValueError for an empty, tiny or huge picture."""
    a = np.asarray(picture)
    if a.ndim not in (2, 3) or min(a.shape[:2]) < 8:
        raise ValueError("That is not a usable picture (too small or not an image).")
    if max(a.shape[:2]) > MAX_SIDE:
        raise ValueError(f"The picture is {a.shape[1]}x{a.shape[0]} pixels; the limit is {MAX_SIDE} on a side.")
    notes = []
    a = a.astype(np.float64)
    if a.ndim == 3 and a.shape[2] == 2:  # grey + alpha
        a = np.concatenate([a[..., :1].repeat(3, axis=2), a[..., 1:]], axis=2)
    if a.ndim == 3 and a.shape[2] not in (3, 4):
        raise ValueError("That is not a usable picture (expected grey, RGB or RGBA pixels).")
    if a.ndim == 3 and a.shape[2] == 4:  # paint on a transparent canvas: flatten onto white paper
        alpha = a[..., 3:] / 255
        if alpha.max() == 0:
            raise ValueError("The sketch is empty: draw a digit first.")
        a = a[..., :3] * alpha + 255 * (1 - alpha)
    if a.ndim == 3:
        if np.abs(a[..., 0] - a[..., 1]).max() > 8 or np.abs(a[..., 1] - a[..., 2]).max() > 8:
            notes.append("colour picture converted to grey")
        a = a[..., :3] @ np.array([0.299, 0.587, 0.114])
    border = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])
    if border.mean() > 127:
        a = 255 - a
        notes.append("dark ink on light paper inverted")
    return mnist_like(a), notes


def read_picture(path) -> np.ndarray:
    """An uploaded or drawn picture file as RGBA pixels (H, W, 4), its size checked before it is decoded.
    Raises ValueError for a file that is not a picture or is too large."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            if max(im.size) > MAX_SIDE:
                raise ValueError(f"The picture is {im.size[0]}x{im.size[1]} pixels; the limit is {MAX_SIDE} on a side.")
            return np.asarray(im.convert("RGBA"))
    except ValueError:
        raise
    except Exception as error:  # PIL raises UnidentifiedImageError, OSError or DecompressionBombError
        raise ValueError(f"That file is not a picture that can be read (PNG, JPEG, GIF, WebP...): "
                         f"{type(error).__name__}.") from None


def latent_plane(z: torch.Tensor, labels):
    """A 2-D view of the latent space from encodings z (N, d): (mean (d,), basis (2, d), coordinates (N, 2),
    labels). A 2-D latent is shown as it is; a larger one on the plane of its two principal components."""
    if z.shape[1] == 2:
        mean, basis = torch.zeros(2), torch.eye(2)
    else:
        mean = z.mean(0)
        basis = torch.linalg.svd(z - mean, full_matrices=False).Vh[:2]  # (2, d) principal directions
    return mean, basis, ((z - mean) @ basis.T).numpy(), np.asarray(labels)


@torch.no_grad()
def decode_plane(model, mean, basis, c1, c2) -> torch.Tensor:
    """Decode the plane points mean + c1 b1 + c2 b2 for every (c2, c1) pair, c2 from high to low: a grid of
    images (len(c2) * len(c1), 1, 28, 28) with the top row at the highest c2."""
    c1, c2 = torch.as_tensor(c1, dtype=torch.float32), torch.as_tensor(c2, dtype=torch.float32).flip(0)
    g2, g1 = torch.meshgrid(c2, c1, indexing="ij")
    coords = torch.stack([g1.reshape(-1), g2.reshape(-1)], -1)
    return model.decode(mean + coords @ basis)
