"""One table of tiny configs drives the protocol test over every trainable registry family."""
import pytest
import torch

from playground.data import SHAKESPEARE_CHARS
from playground.registry import SPECS, family_class

TINY = {"flow": dict(dim=2, layers=4, hidden=16),
        "toy-diffusion": dict(shapes=["a", "b"], hidden=16, blocks=1),
        "toy-flow-matching": dict(shapes=["a", "b"], hidden=16, blocks=1),
        "digit-classifier": dict(width=4, features=8),
        "image-diffusion": dict(sample_size=28, in_channels=1, out_channels=1, block_out_channels=[8, 16, 16],
                                layers_per_block=1, down_block_types=["DownBlock2D", "DownBlock2D", "AttnDownBlock2D"],
                                up_block_types=["AttnUpBlock2D", "UpBlock2D", "UpBlock2D"], norm_num_groups=4,
                                num_class_embeds=11),
        "vae": dict(latent_dim=3, hidden=32, beta=1.0, kind="vae"),
        "independent-pixels": dict(pixels=784), "markov-pixels": dict(pixels=784),
        "pixelcnn": dict(channels=4, layers=2, kernel=3, first_kernel=3),
        "char-gpt": dict(vocab_size=65, chars=SHAKESPEARE_CHARS, n_positions=32, n_embd=16, n_layer=1, n_head=2,
                         bos_token_id=None, eos_token_id=None)}
DATA = {"flow": lambda g: (torch.randn(64, 2, generator=g),),
        "toy-diffusion": lambda g: (torch.randn(64, 2, generator=g), torch.randint(0, 2, (64,), generator=g)),
        "toy-flow-matching": lambda g: (torch.randn(64, 2, generator=g), torch.randint(0, 2, (64,), generator=g)),
        "digit-classifier": lambda g: (torch.randint(0, 256, (8, 28, 28), generator=g, dtype=torch.uint8),
                                       torch.randint(0, 10, (8,), generator=g)),
        "image-diffusion": lambda g: (torch.randint(0, 256, (4, 28, 28), generator=g, dtype=torch.uint8),
                                      torch.randint(0, 10, (4,), generator=g)),
        "vae": lambda g: (torch.randint(0, 256, (8, 28, 28), generator=g, dtype=torch.uint8),
                          torch.randint(0, 10, (8,), generator=g)),
        "independent-pixels": lambda g: (torch.randint(0, 256, (8, 28, 28), generator=g, dtype=torch.uint8),),
        "markov-pixels": lambda g: (torch.randint(0, 256, (8, 28, 28), generator=g, dtype=torch.uint8),),
        "pixelcnn": lambda g: (torch.randint(0, 256, (4, 28, 28), generator=g, dtype=torch.uint8),
                               torch.randint(0, 10, (4,), generator=g)),
        "char-gpt": lambda g: (torch.randint(0, 65, (4, 16), generator=g),)}
TRAINABLE = sorted({spec.family for spec in SPECS.values() if spec.train} | {"image-diffusion"})


def test_every_trainable_family_has_a_tiny_config():
    assert set(TRAINABLE) <= set(TINY)


@pytest.mark.parametrize("family", TRAINABLE)
def test_protocol(family):
    torch.manual_seed(0)
    model = family_class(family)(**TINY[family])
    batch = DATA[family](torch.Generator().manual_seed(1))
    x = batch[0]
    loss = model.loss(*batch)
    assert loss.ndim == 0 and torch.isfinite(loss)
    loss.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())
    if not hasattr(model, "sample"):  # a classifier reads samples; it does not make them
        assert model.predict(x).shape == (len(x), 10)
        return
    kwargs = {"image-diffusion": {"steps": 3}, "char-gpt": {"length": x.shape[1]}}.get(family, {})
    s1 = model.sample(4, generator=torch.Generator().manual_seed(3), **kwargs)
    s2 = model.sample(4, generator=torch.Generator().manual_seed(3), **kwargs)
    shape = (4, 1, 28, 28) if x.dtype == torch.uint8 else (4, *x.shape[1:])
    assert s1.shape == shape and torch.isfinite(s1).all()
    torch.testing.assert_close(s1, s2)


def _randomised_flow():
    torch.manual_seed(0)
    model = family_class("flow")(**TINY["flow"])
    with torch.no_grad():  # the output layers start at zero (identity map); make the test non-trivial
        for p in model.parameters():
            p.add_(0.15 * torch.randn_like(p))
    return model.double()


def test_flow_inverse_round_trip_and_logdet_against_autograd():
    model = _randomised_flow()
    x = torch.randn(8, 2, dtype=torch.float64)
    z, logdet = model(x)
    torch.testing.assert_close(model.trajectory(z)[-1], x)
    for i in range(len(x)):
        jac = torch.autograd.functional.jacobian(lambda v: model(v[None])[0][0], x[i])
        torch.testing.assert_close(logdet[i], torch.linalg.slogdet(jac)[1])


def test_flow_density_integrates_to_one():
    model = _randomised_flow()
    g = torch.linspace(-12, 12, 801, dtype=torch.float64)
    mesh = torch.stack(torch.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    with torch.no_grad():
        mass = model.log_prob(mesh).exp().sum() * (g[1] - g[0]) ** 2
    assert float(mass) == pytest.approx(1.0, abs=0.01)


class _Field(torch.nn.Module):
    """A fixed field standing in for a trained network."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x, t, y):
        return self.fn(x, t)


def test_flow_matching_solvers_converge_at_their_order():
    model = family_class("toy-flow-matching")(**TINY["toy-flow-matching"]).double()
    model.net = _Field(lambda x, t: -x)  # dx/dt = -x: x(1) = x(0) / e
    x0 = torch.randn(16, 2, dtype=torch.float64)
    y = torch.zeros(16, dtype=torch.long)
    exact = x0 * torch.exp(torch.tensor(-1.0, dtype=torch.float64))
    for solver, order in (("euler", 1), ("midpoint", 2), ("heun", 2)):
        errors = [float((model.ode_paths(x0, y, k, solver)[-1] - exact).abs().max()) for k in (10, 20)]
        assert errors[0] / errors[1] == pytest.approx(2 ** order, rel=0.15), solver


def test_ddim_with_the_ideal_denoiser_lands_on_a_point_mass():
    model = family_class("toy-diffusion")(**TINY["toy-diffusion"]).double()
    mu = torch.tensor([1.5, -0.5], dtype=torch.float64)
    ab = model.alpha_bar.double()
    # For data = {mu}, the exact noise prediction is (x_t - sqrt(ab) mu) / sqrt(1 - ab).
    model.forward = lambda x, t, y: (x - ab[t].sqrt()[:, None] * mu) / (1 - ab[t]).sqrt()[:, None]
    noise = torch.randn(32, 2, dtype=torch.float64)
    for steps in (1, 7, 50):
        end = model.ode_paths(noise, torch.zeros(32, dtype=torch.long), steps)[-1]
        torch.testing.assert_close(end, mu.expand(32, 2), atol=1e-6, rtol=0)


def test_forward_process_matches_diffusers_add_noise():
    model = family_class("toy-diffusion")(**TINY["toy-diffusion"])
    x0, eps = torch.randn(100, 2), torch.randn(100, 2)
    t = torch.randint(0, 1000, (100,))
    torch.testing.assert_close(model.add_noise(x0, eps, t), model.scheduler("ddpm").add_noise(x0, eps, t))


def test_classifier_free_guidance_combines_the_two_predictions():
    model = family_class("image-diffusion")(**TINY["image-diffusion"])
    xt, t, labels = torch.randn(3, 1, 28, 28), torch.tensor([10, 500, 900]), torch.tensor([1, 2, 3])
    with torch.no_grad():
        cond, uncond = model(xt, t, labels), model(xt, t, torch.full_like(labels, 10))
        torch.testing.assert_close(model.guided_noise(xt, t, labels, 3.0), uncond + 3.0 * (cond - uncond),
                                   atol=1e-5, rtol=1e-4)
        torch.testing.assert_close(model.guided_noise(xt, t, labels, 1.0), cond)


def test_digit_diffusion_round_trips_through_a_diffusers_folder(tmp_path):
    from diffusers import UNet2DModel

    model = family_class("image-diffusion")(**TINY["image-diffusion"])
    model.save_pretrained(tmp_path)
    assert (tmp_path / "diffusion_pytorch_model.safetensors").exists() and (tmp_path / "scheduler_config.json").exists()
    again = family_class("image-diffusion").from_pretrained(tmp_path)
    assert isinstance(again.unet, UNet2DModel)
    for a, b in zip(model.state_dict().values(), again.state_dict().values()):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize("kind", ["ddpm", "ddim", "dpm++", "euler", "euler-ancestral"])
def test_every_sampler_runs_seeded_and_respects_its_step_limit(kind):
    from playground.models.diffusion import MAX_STEPS, sampling_path

    model = family_class("toy-diffusion")(**TINY["toy-diffusion"])
    noise, y = torch.randn(5, 2), torch.zeros(5, dtype=torch.long)
    runs = [sampling_path(model, noise, y, 4, kind, 0.5, torch.Generator().manual_seed(1)) for _ in range(2)]
    assert runs[0].shape == (5, 5, 2) and torch.isfinite(runs[0]).all()
    torch.testing.assert_close(runs[0], runs[1])
    torch.testing.assert_close(runs[0][0], noise)  # the path starts at the noise, in the model's own scale
    with pytest.raises(ValueError, match="steps"):
        sampling_path(model, noise, y, MAX_STEPS[kind] + 1, kind)
