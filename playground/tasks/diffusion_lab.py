"""What the Diffusion tab draws: the forward process q(x_t | x_0) in closed form on a digit or a 2-D
shape with its noise schedule, and the reverse process of the 2-D model with any sampler, plus the
learned score field grad log p_t(x) = -eps_theta(x, t) / sqrt(1 - alpha_bar_t) at a chosen t.
"""
import math

import numpy as np
import torch

from playground import plotting, registry
from playground.data import get_dataset, images_to_float, mnist
from playground.models.diffusion import sampling_path


def _toy_model():
    """The 2-D diffusion model: the first model that predicts noise (the others here predict velocities)."""
    return registry.load(registry.first_with("noise_prediction"))


def schedule():
    """alpha_bar_t and log SNR_t for t = 0..T-1 of the 2-D model's (cosine) schedule."""
    ab = _toy_model().alpha_bar.double()
    return ab.numpy(), torch.log(ab / (1 - ab)).numpy()


def forward_noise(source: str, item, t: int, seed: int, n: int = 2000):
    """(x0, x_t) for an MNIST test digit (item = index) or a 2-D shape (item = name), same noise seed."""
    model = _toy_model()
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
    model = _toy_model()
    if shape not in model.shapes:
        raise ValueError(f"Unknown shape '{shape}'. Choose one of {', '.join(model.shapes)}.")
    noise = torch.randn(n, 2, generator=torch.Generator().manual_seed(seed))
    y = torch.full((n,), model.shapes.index(shape), dtype=torch.long)
    return sampling_path(model, noise, y, steps, sampler, eta, torch.Generator().manual_seed(seed + 1)).numpy()


@torch.no_grad()
def score_field(shape: str, t: int, grid: int = 21, extent: float = 3.5):
    """(points (grid^2, 2), scores (grid^2, 2)) of the learned score at timestep t."""
    model = _toy_model()
    axis = torch.linspace(-extent, extent, grid)
    points = torch.stack(torch.meshgrid(axis, axis, indexing="xy"), -1).reshape(-1, 2)
    y = torch.full((len(points),), model.shapes.index(shape), dtype=torch.long)
    eps = model(points, torch.full((len(points),), t), y)
    return points.numpy(), (-eps / math.sqrt(1 - float(model.alpha_bar[t]))).numpy()


DIGIT_MODELS = tuple(registry.names_with("guidance", "trajectory"))  # the fast one first, the default


def streams_at_once() -> int:
    """How many digit-sampling requests run at once: four per lane of the batched UNet call (one lane per
    request slot of the thread policy), so concurrent users share calls instead of queueing."""
    from playground.device import parallel_requests

    return 4 * parallel_requests()


def digit_grid(x: torch.Tensor, cols: int = 8, scale: int = 2, gap: int = 1) -> np.ndarray:
    """Images (N, 1, H, W) in about [-1, 1] (the model's scale) as one uint8 grid picture, pixels scaled up."""
    return plotting.image_grid(((x.float().cpu() + 1) / 2).numpy(), cols, scale, gap)


def annotated_grid(samples: torch.Tensor, asked, read, confidence, cols: int = 8, scale: int = 3) -> np.ndarray:
    """Samples as an RGB grid, each digit over 'asked -> read  confidence' in green (read as asked) or red;
    asked None (unconditional samples): 'reads k  confidence' in grey."""
    from PIL import Image, ImageDraw, ImageFont

    n, _, h, w = samples.shape
    cols = max(1, min(cols, n))
    rows, cell_w, cell_h, band = -(-n // cols), w * scale + 6, h * scale + 24, 18
    canvas = Image.new("RGB", (cols * cell_w, rows * cell_h), "white")
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=13)
    for k in range(n):
        r, c = divmod(k, cols)
        digit = Image.fromarray(digit_grid(samples[k:k + 1], cols=1, scale=scale)).convert("RGB")
        canvas.paste(digit, (c * cell_w + 3, r * cell_h + 2))
        if asked is None:
            text, colour = f"reads {int(read[k])}  {float(confidence[k]):.0%}", (90, 90, 90)
        else:
            text = f"{int(asked[k])} -> {int(read[k])}  {float(confidence[k]):.0%}"
            colour = (22, 128, 60) if int(asked[k]) == int(read[k]) else (200, 30, 30)
        draw.text((c * cell_w + 4, r * cell_h + h * scale + (24 - band) // 2 + 2), text, fill=colour, font=font)
    return np.asarray(canvas)


def digit_labels(label, n: int, generator: torch.Generator) -> torch.Tensor:
    """n class labels: all the same digit, or random digits drawn with the generator (label None)."""
    if label is None:
        return torch.randint(0, 10, (n,), generator=generator)
    return torch.full((n,), int(label), dtype=torch.long)


def digit_stream(sampler: str, steps: int, eta: float, guidance: float, label, n: int, seed: int,
                 frames: int = 20, strip: int = 10, bf16: bool | None = None, name: str = DIGIT_MODELS[0]):
    """Sample n digits with the trained MNIST model, streaming what happens.

    Yields ("frame", step, t, x_t grid, predicted-x_0 grid, runs) about `frames` times, then
    ("done", samples (n, 1, 28, 28), labels, strip picture of sample 0: x_t above predicted x_0 at
    `strip` evenly spaced steps, seconds). Closing the generator stops the sampler. bf16 None: bfloat16
    autocast where the model's device has fast bf16 (playground.device.fast_bf16). The model runs on
    playground.device.get_device(); the grids and samples come back on the CPU.

    Runs sampling the model at the same time share the frame budget of one: with `runs` of them, each
    sends a frame every `runs` times as many steps (its first and last step always), so the server's
    picture work stays what one run costs and its time goes to sampling.
    """
    import time

    from playground.batching import batcher_for
    from playground.device import fast_bf16, get_device

    model = registry.load(name, device=get_device())  # the GPU when there is one: one batched lane for all
    bf16 = fast_bf16(model.alpha_bar.device.type) if bf16 is None else bf16
    g = torch.Generator().manual_seed(seed)
    labels = digit_labels(label, n, g)
    noise = model.noise(n, g)
    every = max(1, -(-steps // frames))
    keep = set(np.linspace(0, steps - 1, min(strip, steps)).round().astype(int).tolist())
    top, bottom = [], []
    began = time.perf_counter()
    batcher, last = batcher_for(model, bf16), None
    with batcher.session() as net:  # concurrent requests share each UNet call
        for i, t, xt, x0 in model.sample_steps(noise, labels, steps, sampler, eta, guidance, g, bf16, net):
            if t is None:
                break
            if i in keep:
                top.append(xt[:1]), bottom.append(x0[:1])
            runs = batcher.sessions
            if last is None or i - last >= every * runs or i == steps - 1:
                last = i
                yield "frame", i, t, digit_grid(xt), digit_grid(x0), runs
    top.append(xt[:1]), bottom.append(xt[:1])
    picture = digit_grid(torch.cat(top + bottom), cols=len(top), scale=2)
    samples = xt.clamp(-1, 1).cpu()
    yield "done", samples, labels, picture, time.perf_counter() - began
