"""The Inverse problems tab's work: the image to restore (a test image or an upload at the prior's resolution),
what is observed of it, posterior samples streamed from the chosen method, and scores against the truth beside
the simple baselines (mean fill, bicubic, grey).
"""
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F

from playground import registry
from playground.tasks import inverse, pixels

# prior name -> (checkpoint, side, channels, dataset): a menu of three particular checkpoints, so by name (the
# full-size digit model, not the Diffusion tab's fast default; the colour prior trained here; the Hub's DDPM)
PRIORS = {"MNIST digits (28x28 grey)": ("mnist-diffusion", 28, 1, "mnist"),
          "CIFAR-10 photos (32x32 colour)": ("cifar-diffusion", 32, 3, "cifar10"),
          "CIFAR-10 DDPM from the Hub (google/ddpm-cifar10-32)": ("ddpm-cifar10-32", 32, 3, "cifar10")}
METHODS = ("DDNM (fast)", "RePaint (resampling)", "PixelCNN (binary digits)")
TASKS = ("Inpainting", "Colourization", "Super-resolution")
EDITOR_SIDE = 320  # the editor shows the image this many pixels wide
CIFAR_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


@lru_cache(maxsize=2)
def test_images(dataset: str) -> np.ndarray:
    """The held-out images of a dataset, uint8 (N, H, W) or (N, H, W, 3)."""
    from playground.data import cifar10, mnist

    return (mnist("test") if dataset == "mnist" else cifar10("test"))[0]


def to_tensor(image) -> torch.Tensor:
    """uint8 (H, W) or (H, W, 3) -> floats (1, C, H, W) in [0, 1]."""
    x = torch.from_numpy(np.array(image)).float() / 255
    return (x[None, None] if x.ndim == 2 else x.permute(2, 0, 1)[None]).contiguous()


def test_image(prior: str, index: int) -> torch.Tensor:
    images = test_images(PRIORS[prior][3])
    if not 0 <= index < len(images):
        raise ValueError(f"The test image index must be from 0 to {len(images) - 1:,}.")
    return to_tensor(images[index])


def read_upload(path, prior: str) -> tuple[torch.Tensor, str]:
    """An uploaded picture at the prior's resolution, (1, C, H, W) in [0, 1], and a note of what was done. A digit
    is prepared as MNIST was (the Latent tab's reader: grey, light ink on black, fitted to 20x20, centred); a photo's
    centre square is cut out and shrunk (box filter) to the prior's side. Raises ValueError for a file that is not a
    picture or is too large."""
    from PIL import Image

    from playground.tasks.latent import ink_from_picture, read_picture

    _, side, channels, _ = PRIORS[prior]
    rgba = read_picture(path)
    if channels == 1:
        digit, notes = ink_from_picture(rgba)
        return to_tensor(digit), ", ".join(["prepared as MNIST digits are"] + notes)
    h, w = rgba.shape[:2]
    s = min(h, w)
    square = Image.fromarray(rgba[(h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s, :3])
    return to_tensor(np.asarray(square.resize((side, side), Image.Resampling.BOX))), \
        f"centre {s} x {s} square shrunk to {side} x {side}, the prior's resolution"


def editor_picture(x: torch.Tensor) -> np.ndarray:
    """An image (1, C, H, W) in [0, 1] as an RGB picture EDITOR_SIDE wide, for painting on."""
    rgb = (x[0].expand(3, -1, -1).permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    idx = np.arange(EDITOR_SIDE) * rgb.shape[0] // EDITOR_SIDE
    return rgb[idx][:, idx]


def preset_holes(name: str, side: int) -> np.ndarray:
    """Holes (side, side) bool of a named region: 'centre square', 'bottom half', 'left half', 'random 70%'."""
    holes = np.zeros((side, side), dtype=bool)
    if name == "centre square":
        holes[side // 4:3 * side // 4, side // 4:3 * side // 4] = True
    elif name == "bottom half":
        holes[side // 2:] = True
    elif name == "left half":
        holes[:, :side // 2] = True
    elif name == "random 70%":
        holes = np.random.default_rng(0).random((side, side)) < 0.7
    else:
        raise ValueError(f"Unknown region '{name}'.")
    return holes


def observed_picture(task: str, x: torch.Tensor, holes=None, factor: int = 4) -> torch.Tensor:
    """What the method is given of images x (N, C, H, W), drawn at full size (N, 3, H, W): holes tinted red, the
    grey luma, or the low-resolution image with each pixel repeated."""
    rgb = x.expand(-1, 3, -1, -1)
    if task == "Inpainting":
        red = torch.tensor([0.8, 0.15, 0.15]).view(1, 3, 1, 1)
        return torch.where(torch.as_tensor(holes), 0.4 * rgb + 0.6 * red, rgb)
    if task == "Colourization":
        return ((inverse.Luminance().observe(rgb * 2 - 1) + 1) / 2).expand(-1, 3, -1, -1)
    return F.interpolate(F.avg_pool2d(rgb, factor), scale_factor=factor, mode="nearest")


def as_prior(model):
    """A prior for the samplers above: our ImageDiffusion as it is, or a diffusers DDPM pipeline (a hub model such
    as google/ddpm-cifar10-32) as an unconditional ImageDiffusion on its UNet and noise schedule."""
    from playground.models.diffusion import ImageDiffusion

    if isinstance(model, ImageDiffusion):
        return model
    config = model.scheduler.config
    if (config.get("beta_start", 1e-4), config.get("beta_end", 0.02)) != (1e-4, 0.02) or config.get("trained_betas") \
            or config.get("prediction_type", "epsilon") != "epsilon":
        raise ValueError("This pipeline's noise schedule or prediction type is not one the playground's samplers "
                         "reproduce (epsilon prediction, diffusers' default betas).")
    return ImageDiffusion(unet=model.unet, train_timesteps=config.num_train_timesteps,
                          beta_schedule=config.beta_schedule).to(model.unet.device).eval()


def _check(task: str, prior: str, method: str) -> None:
    if task == "Colourization" and PRIORS[prior][2] != 3:
        raise ValueError("Colourization needs the colour prior: choose CIFAR-10 photos.")
    if method != METHODS[0] and task != "Inpainting":
        raise ValueError(f"{method} fills holes only; use DDNM for {task.lower()}.")
    if method == METHODS[2] and PRIORS[prior][3] != "mnist":
        raise ValueError("The PixelCNN models binary MNIST digits: choose the MNIST prior.")


def observation(task: str, holes=None, factor: int = 4):
    """(known pixels (H, W) or None, the task's observation operator)."""
    known = None if holes is None else ~torch.as_tensor(holes)
    kind = {"Inpainting": "inpaint", "Colourization": "colourize", "Super-resolution": "super-resolve"}[task]
    return known, inverse.operator(kind, known, factor)


def unet_calls(method: str, steps: int, jump: int, resample: int) -> int:
    """How many UNet calls one run of a diffusion method makes (each on all k samples at once)."""
    if method == METHODS[1]:
        return steps + len(range(0, steps - jump, jump)) * (resample - 1) * jump
    return steps


def restore_stream(prior: str, task: str, x: torch.Tensor, holes=None, factor: int = 4, method: str = METHODS[0],
                   k: int = 4, steps: int = 50, label: int | None = None, guidance: float = 1.0, eta: float = 0.85,
                   jump: int = 5, resample: int = 5, seed: int = 0):
    """Yield (done, total, samples (k, C, H, W) in [0, 1], on the CPU) while k posterior samples of the image x
    (1, C, H, W) in [0, 1] given its observation are drawn, by the prior on playground.device.get_device(); the
    last yield holds the finished samples."""
    _check(task, prior, method)
    g = torch.Generator().manual_seed(seed)
    if method == METHODS[2]:
        digit = (x >= 0.5).float()
        completer = pixels.COMPLETERS["PixelCNN"]
        for done, total, out in pixels.complete_stream(completer, digit, np.asarray(holes), k, label, 1.0, seed):
            yield done, total, out
        return
    from playground.device import get_device

    model = as_prior(registry.load(PRIORS[prior][0], device=get_device()))  # a GPU Space samples on its GPU
    known, op = observation(task, holes, factor)
    y = op.observe(x * 2 - 1)
    if method == METHODS[1]:
        stream = inverse.repaint_steps(model, known, y, k, steps, jump, resample, label, guidance, g, every=1)
    else:
        stream = inverse.ddnm_steps(model, op, y, k, steps, eta, label, guidance, g)
    for done, total, _, x0 in stream:
        if done % max(1, total // 10) == 0 or done == total:
            yield done, total, ((x0.clamp(-1, 1) + 1) / 2).cpu()


def baseline(task: str, x: torch.Tensor, holes=None, factor: int = 4) -> tuple[str, torch.Tensor]:
    """The simple answer a method must beat: mean fill, bicubic upsampling, or the grey image itself."""
    if task == "Inpainting":
        known = ~torch.as_tensor(holes)
        fill = x[..., known].mean(-1)[..., None, None]  # (N, C, 1, 1): each image's mean of its known pixels
        return "mean fill", torch.where(known, x, fill.expand_as(x))
    if task == "Colourization":
        return "grey", observed_picture(task, x)
    low = F.avg_pool2d(x, factor)
    return "bicubic", F.interpolate(low, scale_factor=factor, mode="bicubic", align_corners=False).clamp(0, 1)


def scores(task: str, samples: torch.Tensor, x: torch.Tensor, holes=None, factor: int = 4) -> list[list]:
    """Rows (what, PSNR in dB[, colourfulness]) of the samples, their mean and the baseline against the truth x;
    inpainting PSNR counts only the filled pixels."""
    where = holes if task == "Inpainting" else None
    name, base = baseline(task, x, holes, factor)
    mean = samples.mean(0, keepdim=True)
    rows = [[f"sample {i + 1}", psnr_row(s[None], x, where)] for i, s in enumerate(samples)]
    rows += [["mean of the samples", psnr_row(mean, x, where)], [f"baseline: {name}", psnr_row(base, x, where)]]
    if task == "Colourization":
        extra = [inverse.colourfulness(s[None]) for s in samples]
        extra += [inverse.colourfulness(mean), inverse.colourfulness(base)]
        return [r + [round(c, 1)] for r, c in zip(rows, extra)] + [["truth", None, round(inverse.colourfulness(x), 1)]]
    return rows


def psnr_row(a, b, where) -> float:
    return round(inverse.psnr(a, b, where), 2)


@torch.no_grad()
def evaluate(model, task: str, x: torch.Tensor, holes=None, factor: int = 4, method: str = METHODS[0],
             k: int = 2, steps: int = 50, seed: int = 0, batch: int = 200) -> dict:
    """Held-out figures of a diffusion prior (DDNM or RePaint) on images x (N, C, H, W) in [0, 1]: PSNR of the
    samples and of their mean against the truth beside the task's baseline (inpainting counts only the filled
    pixels), and for colourization the samples' colourfulness beside the truth's; also the samples (N, k, C, H, W)."""
    if method not in METHODS[:2] or (method == METHODS[1] and task != "Inpainting"):
        raise ValueError(f"evaluate runs DDNM for every task and RePaint for inpainting, not {method} for {task}.")
    known, op = observation(task, holes, factor)
    g, outs = torch.Generator().manual_seed(seed), []
    for chunk in x.repeat_interleave(k, 0).split(batch):
        y = op.observe(chunk * 2 - 1)
        stream = inverse.repaint_steps(model, known, y, len(chunk), steps, generator=g) if method == METHODS[1] \
            else inverse.ddnm_steps(model, op, y, len(chunk), steps, generator=g)
        *_, (_, _, _, out) = stream
        outs.append((out + 1) / 2)
    samples = torch.cat(outs).reshape(len(x), k, *x.shape[1:])
    where = holes if task == "Inpainting" else None
    name, base = baseline(task, x, holes, factor)
    figures = {"images": len(x), "samples_per_image": k, "method": method, "steps": steps,
               "psnr_samples_db": round(inverse.psnr(samples, x[:, None], where), 2),
               "psnr_mean_db": round(inverse.psnr(samples.mean(1), x, where), 2),
               f"psnr_{name.replace(' ', '_')}_db": round(inverse.psnr(base, x, where), 2)}
    if task == "Colourization":
        figures.update(colourfulness_samples=round(inverse.colourfulness(samples.flatten(0, 1)), 1),
                       colourfulness_truth=round(inverse.colourfulness(x), 1),
                       colourfulness_grey=round(inverse.colourfulness(base), 1))
    return figures | {"samples": samples}
