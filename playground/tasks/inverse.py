"""Inverse problems as posterior sampling with a diffusion prior. Inpainting, colourization and super-resolution
all observe y = A x for a linear A; samples of p(x | y) come from a prior trained without any y. DDNM (Wang et al.
2023) replaces the range-space part of every predicted x0 by A^+ y (y agrees exactly, the prior fills the null
space); RePaint (Lugmayr et al. 2022) noises the known pixels to the current step and resamples with time jumps.
"""
import torch
import torch.nn.functional as F

# ITU-R BT.601 luma weights: Y = 0.299 R + 0.587 G + 0.114 B. They sum to 1, so Y of an image in [-1, 1] is in [-1, 1].
LUMA = (0.299, 0.587, 0.114)


class Inpaint:
    """A x = the known pixels. `known` (H, W) bool; A^+ y puts them back and leaves the holes to the prior."""

    def __init__(self, known):
        self.known = torch.as_tensor(known, dtype=torch.bool)
        if self.known.all():
            raise ValueError("Nothing to fill: the region to fill is empty.")
        if not self.known.any():
            raise ValueError("The region to fill covers the whole image: nothing is observed to agree with.")

    def observe(self, x):
        return torch.where(self.known.to(x.device), x, torch.zeros_like(x))

    def project(self, x0, y):
        return torch.where(self.known.to(x0.device), y, x0)


class Luminance:
    """A x = the luma Y of an RGB image (N, 1, H, W). Projection keeps the chroma and sets Y: adding the same amount
    to R, G and B changes Y by exactly that amount (the weights sum to 1), then the chroma shrinks towards grey
    where a channel would leave [-1, 1], which keeps Y: the colours stay in range and Y is exactly the observed one."""

    def observe(self, x):
        return (x * torch.tensor(LUMA, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)).sum(1, keepdim=True)

    def project(self, x0, y):
        chroma = x0 - self.observe(x0)  # (N, 3, H, W); its luma is 0
        # the largest s in [0, 1] with y + s chroma inside [-1, 1] for every channel
        room = torch.where(chroma > 0, (1 - y) / chroma.clamp(min=1e-12), (-1 - y) / chroma.clamp(max=-1e-12))
        s = room.amin(1, keepdim=True).clamp(0, 1)
        return y + s * chroma


class Downsample:
    """A x = the mean of each factor x factor block; A^+ repeats a value over its block (A A^+ = I)."""

    def __init__(self, factor: int):
        self.factor = factor

    def observe(self, x):
        return F.avg_pool2d(x, self.factor)

    def project(self, x0, y):
        return x0 + F.interpolate(y - self.observe(x0), scale_factor=self.factor, mode="nearest")


def operator(task: str, known=None, factor: int = 4):
    """The observation of a task: 'inpaint' (with the known-pixel mask), 'colourize' or 'super-resolve'."""
    if task == "inpaint":
        return Inpaint(known)
    if task == "colourize":
        return Luminance()
    if task == "super-resolve":
        return Downsample(factor)
    raise ValueError(f"Unknown task '{task}'. Choose inpaint, colourize or super-resolve.")


def _labels(model, labels, n: int):
    if labels is None:
        return None
    if not model.classes:
        raise ValueError("This prior is unconditional: it takes no class (set the class to none).")
    return torch.as_tensor(labels, dtype=torch.long, device=model.alpha_bar.device).expand(n).clone()


@torch.no_grad()
def ddnm_steps(model, op, y, n: int, steps: int = 50, eta: float = 0.85, labels=None, guidance: float = 1.0,
               generator: torch.Generator | None = None):
    """DDNM with DDIM steps: yields (i, steps, x_t, corrected x0 (n, C, H, W)) before each step, then the n samples
    in [-1, 1], each agreeing with y. Each step: (1) predict x0 from eps, (2) x0 <- x0 + A^+ (y - A x0), (3) take
    the DDIM step with the noise consistent with the corrected x0. `eta` is DDIM's (Song et al. 2021): 0 is
    deterministic, 1 adds DDPM's amount of fresh noise at each step, so the samples vary more."""
    if not 1 <= steps <= 1000:
        raise ValueError(f"DDNM takes 1 to 1000 steps, not {steps}.")
    labels = _labels(model, labels, n)
    sched = model.scheduler("ddim")
    sched.set_timesteps(steps)
    x = model.noise(n, generator)
    y = y.to(x.device).expand(n, *y.shape[1:])
    for i, t in enumerate(sched.timesteps):
        ab = model.alpha_bar[int(t)]
        eps = model.guided_noise(x, t, labels, guidance).float()
        x0 = op.project(((x - (1 - ab).sqrt() * eps) / ab.sqrt()).clamp(-1, 1), y)
        yield i, steps, x, x0
        eps = (x - ab.sqrt() * x0) / (1 - ab).sqrt()
        # the scheduler clips x0 again (super-resolution's correction may leave [-1, 1]); the noise follows it
        x = sched.step(eps, t, x, eta=eta, use_clipped_model_output=True, generator=generator).prev_sample
    yield steps, steps, x, op.project(x.clamp(-1, 1), y).clamp(-1, 1)


def repaint_scheduler(model, steps: int, jump: int, resample: int, eta: float = 1.0):
    """diffusers' RePaintScheduler on the prior's noise schedule, with its time-jump plan set."""
    from playground.lazy import lazy_import

    sched = lazy_import("diffusers", "RePaintScheduler")(**model.schedule, eta=eta)
    sched.set_timesteps(steps, jump_length=jump, jump_n_sample=resample)
    return sched


@torch.no_grad()
def repaint_steps(model, known, y, n: int, steps: int = 50, jump: int = 5, resample: int = 5, labels=None,
                  guidance: float = 1.0, generator: torch.Generator | None = None, every: int = 10):
    """RePaint: yields (UNet calls done, calls in all, x_t, predicted x0) every `every` calls, then the samples.
    Going down, the known pixels are the observed ones noised to the step and the holes a DDPM step of the prior;
    every `jump` steps it goes back up `jump` steps (forward noise) `resample` - 1 times, so the fill and the known
    part can agree. The loop is diffusers' RePaintPipeline's, with the class label and guidance added."""
    labels = _labels(model, labels, n)
    sched = repaint_scheduler(model, steps, jump, resample)
    x = model.noise(n, generator)
    mask = torch.as_tensor(known, dtype=torch.float32, device=x.device).expand(n, 1, *y.shape[-2:])
    y = y.to(x.device).expand(n, *y.shape[1:])
    calls = int((sched.timesteps[1:] < sched.timesteps[:-1]).sum()) + 1
    done, x0, t_last = 0, y, sched.timesteps[0] + 1
    for t in sched.timesteps:
        if t < t_last:
            out = sched.step(model.guided_noise(x, t, labels, guidance).float(), t, x, y, mask, generator)
            x, x0, done = out.prev_sample, out.pred_original_sample, done + 1
            if done % every == 0 and done < calls:
                yield done, calls, x, torch.where(mask.bool(), y, x0)
        else:
            x = sched.undo_step(x, t_last, generator)
        t_last = t
    yield calls, calls, x, torch.where(mask.bool(), y, x.clamp(-1, 1))


def posterior_summary(samples: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The mean of the samples and the per-pixel spread (standard deviation over samples, averaged over
    colour channels): (1, C, H, W), (1, 1, H, W)."""
    mean = samples.mean(0, keepdim=True)
    spread = samples.std(0, unbiased=False, keepdim=True).mean(1, keepdim=True) if len(samples) > 1 \
        else torch.zeros_like(mean[:, :1])
    return mean, spread


def psnr(x, truth, where=None) -> float:
    """Peak signal-to-noise ratio in dB of images in [0, 1] (..., C, H, W), over the pixels in `where` (H, W) when
    given: each image's PSNR, averaged over the images (as papers report it)."""
    err = (torch.as_tensor(x).float() - torch.as_tensor(truth).float()) ** 2  # (..., C, H, W)
    if where is not None:
        err = err[..., torch.as_tensor(where, dtype=torch.bool)]  # (..., C, pixels)
    per_image = err.flatten(err.ndim - (2 if where is not None else 3)).mean(-1)
    return float((10 * torch.log10(1 / per_image.clamp(min=1e-12))).mean())


def colourfulness(images) -> float:
    """Hasler and Suesstrunk's (2003) colourfulness of RGB images in [0, 1] (N, 3, H, W), averaged over images:
    about 0 for grey, 15 'slightly', 33 'moderately', 59 'quite' colourful on the 0-255 scale."""
    x = torch.as_tensor(images).float() * 255
    rg, yb = x[:, 0] - x[:, 1], 0.5 * (x[:, 0] + x[:, 1]) - x[:, 2]
    std = (rg.flatten(1).var(1, unbiased=False) + yb.flatten(1).var(1, unbiased=False)).sqrt()
    mean = (rg.flatten(1).mean(1) ** 2 + yb.flatten(1).mean(1) ** 2).sqrt()
    return float((std + 0.3 * mean).mean())
