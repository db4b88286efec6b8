"""Denoising diffusion (DDPM, Ho et al. 2020) on 2-D toy shapes: an MLP predicts the noise eps in
x_t = sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) eps. Sampling uses diffusers' schedulers; with
DDIM at eta = 0 (Song et al. 2021) it follows the probability-flow ODE from noise to data.
"""
import torch
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from playground.lazy import lazy_import
from playground.models.toy_mlp import ConditionalMLP

# Sampler name -> diffusers scheduler class; all share the model's training noise schedule.
SAMPLERS = {"ddpm": "DDPMScheduler", "ddim": "DDIMScheduler", "dpm++": "DPMSolverMultistepScheduler",
            "euler": "EulerDiscreteScheduler", "euler-ancestral": "EulerAncestralDiscreteScheduler"}
# The cosine schedule's last timesteps have sigma = sqrt((1 - alpha_bar) / alpha_bar) in the thousands;
# samplers that step in sigma (and DPM-Solver++) diverge from there, so they stop at 500 steps, whose
# "leading" spacing starts at t = 998.
MAX_STEPS = {"ddpm": 1000, "ddim": 1000, "dpm++": 500, "euler": 500, "euler-ancestral": 500}


def make_scheduler(kind: str, train_timesteps: int, beta_schedule: str, clip: bool = False):
    """A diffusers scheduler of the named kind for a model trained with this noise schedule. `clip` clips the
    predicted x0 to [-1, 1] in DDPM and DDIM (Ho et al. 2020): right for images, wrong for 2-D points."""
    if kind not in SAMPLERS:
        raise ValueError(f"Unknown sampler '{kind}'. Choose one of {', '.join(SAMPLERS)}.")
    config = dict(num_train_timesteps=train_timesteps, beta_schedule=beta_schedule, timestep_spacing="leading")
    if kind in ("ddpm", "ddim"):
        config["clip_sample"] = clip
    return lazy_import("diffusers", SAMPLERS[kind])(**config)


@torch.no_grad()
def sampling_path(model, noise, cond, steps: int, kind: str = "ddim", eta: float = 0.0, generator=None):
    """Reverse diffusion from x_T = noise with any sampler: the states before each step and the result.

    Euler-type samplers work on x scaled by sqrt(sigma^2 + 1); the path is stored in the model's own
    (variance-preserving) scale, so every sampler's path can be drawn on the same axes.
    """
    if not 1 <= steps <= MAX_STEPS.get(kind, 0):
        raise ValueError(f"The {kind} sampler takes 1 to {MAX_STEPS.get(kind, 0)} steps, not {steps}.")
    sched = model.scheduler(kind)
    sched.set_timesteps(steps, device=noise.device)
    x, path = noise * sched.init_noise_sigma, []
    extra = {"eta": eta} if kind == "ddim" else {}
    for t in sched.timesteps:
        x_in = sched.scale_model_input(x, t)
        path.append(x_in)
        eps = model(x_in, t.expand(len(x)), cond)
        x = sched.step(eps, t, x, generator=generator, **extra).prev_sample
    path.append(x)
    return torch.stack(path)


class ToyDiffusion(nn.Module, PyTorchModelHubMixin):
    """eps_theta(x_t, t, shape) on 2-D points, one model for several shapes."""

    def __init__(self, shapes: list, hidden: int = 256, blocks: int = 4, train_timesteps: int = 1000,
                 beta_schedule: str = "squaredcos_cap_v2"):
        super().__init__()
        self.shapes = list(shapes)
        self.train_timesteps = train_timesteps
        self.beta_schedule = beta_schedule
        self.net = ConditionalMLP(2, len(self.shapes), hidden, blocks)
        self.register_buffer("alpha_bar", self.scheduler("ddpm").alphas_cumprod.float(), persistent=False)

    def scheduler(self, kind: str = "ddim"):
        """A fresh diffusers scheduler with this model's noise schedule."""
        return make_scheduler(kind, self.train_timesteps, self.beta_schedule)

    def forward(self, xt, t, y):
        """The predicted noise; t is the integer timestep (B,)."""
        return self.net(xt, t.float() / self.train_timesteps, y)

    def loss(self, x0, y):
        """E ||eps - eps_theta(x_t, t)||^2 with t uniform over the training timesteps."""
        t = torch.randint(0, self.train_timesteps, (len(x0),), device=x0.device)
        eps = torch.randn_like(x0)
        return ((self(self.add_noise(x0, eps, t), t, y) - eps) ** 2).mean()

    def add_noise(self, x0, eps, t):
        """The forward process in closed form: x_t = sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) eps."""
        ab = self.alpha_bar[t][:, None]
        return ab.sqrt() * x0 + (1 - ab).sqrt() * eps

    def ode_paths(self, noise, y, steps: int):
        """DDIM with eta = 0 (the probability-flow ODE) from x_T = noise: (steps + 1, B, 2)."""
        return sampling_path(self, noise, y, steps, "ddim", 0.0)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, shape: int = 0, steps: int = 50):
        device = self.alpha_bar.device
        noise = torch.randn(n, 2, generator=generator).to(device)
        y = torch.full((n,), shape, dtype=torch.long, device=device)
        return self.ode_paths(noise, y, steps)[-1]


class ImageDiffusion(nn.Module):
    """Class-conditional DDPM on small images (28x28 digits, 32x32 colour photos): diffusers' UNet2DModel
    with one class embedding more than there are classes, the 'no class' token, so classifier-free guidance
    (Ho and Salimans 2022) works. Saved and loaded as a plain diffusers folder (UNet config + safetensors +
    scheduler). A UNet without class embeddings works too (unconditional; labels and guidance are then
    ignored). `hflip` mirrors half of each training batch (photos, not digits)."""

    def __init__(self, unet=None, train_timesteps: int = 1000, beta_schedule: str = "squaredcos_cap_v2",
                 label_dropout: float = 0.1, hflip: bool = False, **unet_config):
        super().__init__()
        self.unet = unet if unet is not None else lazy_import("diffusers", "UNet2DModel")(**unet_config)
        classes = self.unet.config.num_class_embeds
        self.null_class = classes - 1 if classes else None
        self.label_dropout = label_dropout
        self.hflip = hflip
        self.schedule = dict(num_train_timesteps=train_timesteps, beta_schedule=beta_schedule)
        self.register_buffer("alpha_bar", self.scheduler("ddpm").alphas_cumprod.float(), persistent=False)

    @property
    def classes(self) -> int:
        """How many real classes (digits) the model knows; 0 when unconditional."""
        return self.null_class or 0

    def scheduler(self, kind: str = "ddim"):
        """A diffusers scheduler with this model's noise schedule, by name (see SAMPLERS). DDPM and DDIM clip
        the predicted x0 to the data range [-1, 1]: without it, deterministic DDIM carries the large x0 errors
        of the first, nearly pure-noise steps to the end (speckled digits; BENCHMARKS.md has the figures)."""
        return make_scheduler(kind, self.schedule["num_train_timesteps"], self.schedule["beta_schedule"], clip=True)

    def forward(self, xt, t, labels=None):
        if self.null_class is None:
            return self.unet(xt, t).sample
        if labels is None:
            labels = torch.full((len(xt),), self.null_class, dtype=torch.long, device=xt.device)
        return self.unet(xt, t, class_labels=labels).sample

    def loss(self, images, labels):
        """E ||eps - eps_theta(x_t, t, c)||^2; a tenth of the labels become 'no class' (for guidance)."""
        from playground.data import images_to_float

        x0 = images_to_float(images).to(self.alpha_bar.device)
        if self.hflip:
            x0 = torch.where(torch.rand(len(x0), 1, 1, 1, device=x0.device) < 0.5, x0.flip(-1), x0)
        if self.null_class is not None:
            labels = torch.where(torch.rand(len(labels), device=labels.device) < self.label_dropout,
                                 torch.full_like(labels, self.null_class), labels)
        t = torch.randint(0, len(self.alpha_bar), (len(x0),), device=x0.device)
        eps = torch.randn_like(x0)
        ab = self.alpha_bar[t][:, None, None, None]
        xt = ab.sqrt() * x0 + (1 - ab).sqrt() * eps
        return ((self(xt, t, labels) - eps) ** 2).mean()

    def guided_noise(self, xt, t, labels, guidance: float, net=None):
        """eps_uncond + w (eps_cond - eps_uncond), both halves in one batch; w = 1 is plain conditioning,
        w = 0 the unconditional model. `net(x, t, labels)` stands in for the model (a batched call)."""
        net = net or self
        if self.null_class is None or labels is None or guidance == 1.0:
            return net(xt, t, labels)
        null = torch.full_like(labels, self.null_class)
        if guidance == 0.0:
            return net(xt, t, null)
        t2 = t if torch.as_tensor(t).ndim == 0 else torch.cat([t, t])
        eps_cond, eps_uncond = net(torch.cat([xt, xt]), t2, torch.cat([labels, null])).chunk(2)
        return eps_uncond + guidance * (eps_cond - eps_uncond)

    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """x_T for n images, drawn as diffusers' pipelines draw it (on the CPU, then moved)."""
        size, channels = self.unet.config.sample_size, self.unet.config.in_channels
        return torch.randn(n, channels, size, size, generator=generator).to(self.alpha_bar.device)

    @torch.no_grad()
    def sample_steps(self, noise, labels=None, steps: int = 50, kind: str = "ddim", eta: float = 0.0,
               guidance: float = 3.0, generator: torch.Generator | None = None, bf16: bool = False, net=None):
        """The reverse process step by step: yields (i, t, x_t, predicted x_0) before each step, then
        (steps, None, x_0, x_0) at the end. x_t is in the model's variance-preserving scale for every
        sampler; the predicted x_0 = (x_t - sqrt(1 - alpha_bar_t) eps) / sqrt(alpha_bar_t).
        Closing the generator stops the work. `bf16` runs the UNet under bfloat16 autocast; `net` replaces
        the UNet call (playground.batching's shared call, which applies its own precision)."""
        if kind not in SAMPLERS:
            raise ValueError(f"Unknown sampler '{kind}'. Choose one of {', '.join(SAMPLERS)}.")
        if not 1 <= steps <= MAX_STEPS[kind]:
            raise ValueError(f"The {kind} sampler takes 1 to {MAX_STEPS[kind]} steps, not {steps}.")
        device = self.alpha_bar.device
        if labels is not None:
            labels = torch.as_tensor(labels, dtype=torch.long).to(device)
        sched = self.scheduler(kind)
        sched.set_timesteps(steps, device=device)
        x = noise.to(device) * sched.init_noise_sigma
        # DDIM: after clipping x0, use the noise consistent with the clipped x0 (as DDPM's posterior does)
        extra = {"eta": eta, "use_clipped_model_output": True} if kind == "ddim" else {}
        steps_at = [int(round(v)) for v in sched.timesteps.tolist()]  # read once: no GPU sync per step
        for i, t in enumerate(sched.timesteps):
            x_in = sched.scale_model_input(x, t)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                eps = self.guided_noise(x_in, t, labels, guidance, net).float()
            ab = self.alpha_bar[steps_at[i]]
            yield i, steps_at[i], x_in, (x_in - (1 - ab).sqrt() * eps) / ab.sqrt()
            x = sched.step(eps, t, x, generator=generator, **extra).prev_sample
        yield steps, None, x, x

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, labels=None, guidance: float = 3.0,
               steps: int = 50, kind: str = "ddim", eta: float = 0.0, bf16: bool = False):
        """n digits (N, 1, 28, 28) in [0, 1]; labels None means random digits (or unconditional)."""
        if labels is None and self.null_class is not None:
            labels = torch.randint(0, self.null_class, (n,), generator=generator)
        x = None
        for *_, x, _ in self.sample_steps(self.noise(n, generator), labels, steps, kind, eta, guidance, generator, bf16):
            pass
        return (x.clamp(-1, 1) + 1) / 2

    def as_ddim_pipeline(self, labels=None, guidance: float = 1.0):
        """This model as a stock diffusers DDIMPipeline, the reference our sampling loop is checked and
        timed against: its UNet is a copy whose forward applies the labels and the guidance."""
        DDIMPipeline, UNet2DModel = lazy_import("diffusers", "DDIMPipeline", "UNet2DModel")
        UNet2DOutput = lazy_import("diffusers.models.unets.unet_2d", "UNet2DOutput")

        null = self.null_class

        class GuidedUNet(UNet2DModel):
            def forward(self, sample, timestep, class_labels=None, return_dict=True):
                if null is None or labels is None:
                    out = super().forward(sample, timestep).sample
                else:
                    cond = torch.as_tensor(labels, dtype=torch.long, device=sample.device)
                    if guidance == 1.0:
                        out = super().forward(sample, timestep, cond).sample
                    else:
                        both = super().forward(torch.cat([sample, sample]), timestep,
                                               torch.cat([cond, torch.full_like(cond, null)])).sample
                        c, u = both.chunk(2)
                        out = u + guidance * (c - u)
                return UNet2DOutput(sample=out) if return_dict else (out,)

        unet = GuidedUNet.from_config(self.unet.config)
        unet.load_state_dict(self.unet.state_dict())
        pipe = DDIMPipeline(unet.to(self.alpha_bar.device).eval(), self.scheduler("ddim"))
        pipe.set_progress_bar_config(disable=True)
        return pipe

    def save_pretrained(self, folder):
        """A diffusers folder, the weights in the UNet's dtype (the trainer stores float16 where a recipe says so).
        A UNet loaded from a folder remembers its path in `_name_or_path`: left out, it names this machine."""
        import json
        from pathlib import Path

        self.unet.save_pretrained(folder)
        path = Path(folder) / "config.json"
        config = json.loads(path.read_text())
        config.pop("_name_or_path", None)
        path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
        self.scheduler("ddpm").save_pretrained(folder)

    @classmethod
    def from_pretrained(cls, folder, **kwargs):
        import json
        from pathlib import Path

        UNet2DModel = lazy_import("diffusers", "UNet2DModel")
        unet = UNet2DModel.from_pretrained(folder, **{"torch_dtype": torch.float32, **kwargs})
        sched = Path(folder) / "scheduler_config.json"
        config = json.loads(sched.read_text()) if sched.exists() else {}
        return cls(unet=unet, train_timesteps=config.get("num_train_timesteps", 1000),
                   beta_schedule=config.get("beta_schedule", "squaredcos_cap_v2"))
