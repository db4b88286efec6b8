"""The MNIST diffusion sampler: our streaming loop against diffusers' DDIM pipeline, predicted x_0,
stopping, guidance, and the FID used in the model card."""
import numpy as np
import pytest
import torch

from playground.models.diffusion import ImageDiffusion
from playground.tasks.evaluate import frechet_distance

TINY_UNET = dict(sample_size=28, in_channels=1, out_channels=1, block_out_channels=[8, 16, 16], layers_per_block=1,
                 down_block_types=["DownBlock2D"] * 3, up_block_types=["UpBlock2D"] * 3, norm_num_groups=4,
                 attention_head_dim=8)


def _tiny(classes: int | None = 11, seed: int = 0) -> ImageDiffusion:
    torch.manual_seed(seed)
    model = ImageDiffusion(**TINY_UNET, num_class_embeds=classes).eval()
    with torch.no_grad():  # diffusers zero-initialises nothing we rely on, but make outputs clearly non-trivial
        for p in model.parameters():
            p.add_(0.02 * torch.randn_like(p))
    return model


def _ours(model, n, labels, steps, seed, guidance=1.0, eta=0.0):
    g = torch.Generator().manual_seed(seed)
    *_, (_, _, x, _) = model.sample_steps(model.noise(n, g), labels, steps, "ddim", eta, guidance, g)
    return (x / 2 + 0.5).clamp(0, 1)


@pytest.mark.parametrize("classes,labels,guidance,eta", [(None, None, 1.0, 0.0), (11, [3, 7, 0], 1.0, 0.0),
                                                          (11, [3, 7, 0], 3.0, 0.0), (11, [1, 2, 9], 2.0, 1.0)])
def test_our_loop_gives_the_diffusers_ddim_pipeline_images(classes, labels, guidance, eta):
    model = _tiny(classes)
    pipe = model.as_ddim_pipeline(labels, guidance)
    ref = pipe(batch_size=3, generator=torch.Generator().manual_seed(5), num_inference_steps=12, eta=eta,
               use_clipped_model_output=True, output_type="pt").images
    ours = _ours(model, 3, labels, 12, 5, guidance, eta)
    assert ref.shape == ours.shape == (3, 1, 28, 28)
    assert ours.std() > 0.01  # a real image came out, not a constant
    torch.testing.assert_close(ours, ref, atol=1e-5, rtol=0)


def test_predicted_x0_is_the_schedulers_pred_original_sample():
    model = _tiny()
    sched = model.scheduler("ddim")
    sched.set_timesteps(10)
    g = torch.Generator().manual_seed(1)
    labels = torch.tensor([4, 5])
    for i, t, xt, x0 in model.sample_steps(model.noise(2, g), labels, 10, "ddim", 0.0, 2.0, g):
        if t is None:
            break
        eps = model.guided_noise(xt, torch.tensor(t), labels, 2.0)
        expected = sched.step(eps, t, xt).pred_original_sample  # clipped to [-1, 1] for images
        torch.testing.assert_close(x0.clamp(-1, 1), expected, atol=1e-4, rtol=1e-4)


def test_predicted_x0_for_euler_uses_the_sigma_scaled_state():
    model = _tiny()
    sched = model.scheduler("euler")
    sched.set_timesteps(6)
    g = torch.Generator().manual_seed(3)
    noise, labels = model.noise(2, g), torch.tensor([1, 8])
    x = noise * sched.init_noise_sigma
    for (i, t, xt, x0), tt, sigma in zip(model.sample_steps(noise, labels, 6, "euler", 0.0, 2.0, g), sched.timesteps,
                                         sched.sigmas):
        torch.testing.assert_close(xt, x / (sigma ** 2 + 1).sqrt())  # the variance-preserving x_t
        eps = model.guided_noise(xt, tt, labels, 2.0)
        torch.testing.assert_close(x0, x - sigma * eps, atol=1e-4, rtol=1e-4)  # Karras: x_sigma = x0 + sigma eps
        x = sched.step(eps, tt, x).prev_sample


@pytest.mark.parametrize("kind", ["ddpm", "ddim", "dpm++", "euler", "euler-ancestral"])
def test_every_sampler_streams_steps_plus_one_events(kind):
    model = _tiny()
    g = torch.Generator().manual_seed(0)
    events = list(model.sample_steps(model.noise(2, g), [1, 2], 4, kind, 0.0, 3.0, g))
    assert [e[0] for e in events] == [0, 1, 2, 3, 4]
    assert events[-1][1] is None and all(isinstance(e[1], int) for e in events[:-1])
    assert all(e[2].shape == (2, 1, 28, 28) and torch.isfinite(e[3]).all() for e in events)
    with pytest.raises(ValueError, match="steps"):
        next(model.sample_steps(model.noise(2, g), [1, 2], 0, kind))


def test_closing_the_stream_stops_the_unet():
    model = _tiny()
    calls = []
    model.unet.register_forward_hook(lambda *_: calls.append(1))
    g = torch.Generator().manual_seed(0)
    stream = model.sample_steps(model.noise(2, g), [1, 2], 50, "ddim", 0.0, 3.0, g)
    for i, *_ in stream:
        if i == 4:
            stream.close()  # what Gradio does when the user cancels the event
    assert len(calls) == 5


def test_guidance_zero_is_the_unconditional_model():
    model = _tiny()
    xt, t, labels = torch.randn(2, 1, 28, 28), torch.tensor(500), torch.tensor([3, 4])
    with torch.no_grad():
        torch.testing.assert_close(model.guided_noise(xt, t, labels, 0.0), model(xt, t, torch.tensor([10, 10])))
    fp32 = model.sample(2, generator=torch.Generator().manual_seed(2), labels=labels, steps=5)
    assert fp32.min() >= 0 and fp32.max() <= 1


def test_a_bf16_noise_prediction_is_within_the_rounding_of_an_8_bit_mantissa():
    """bf16 keeps 8 significant bits, so each rounding is off by at most u = 2^-8 (0.4%) of the value. One UNet call
    rounds the activations at each of the tiny UNet's dozen-odd convolutions and linear layers along its deepest path,
    and those errors add up: the prediction as a whole stays within a few u. The bound is 8u (3.1%), whatever
    the CPU: emulated bf16 (AVX2) and bf16 instructions both round to the same 8 bits, but sum in different orders,
    so one step is compared, never a 5-step sample whose differences grow through the sampler."""
    model = _tiny()
    g = torch.Generator().manual_seed(3)
    xt, t, labels = torch.randn(4, 1, 28, 28, generator=g), torch.tensor(500), torch.tensor([3, 4, 10, 7])
    with torch.no_grad():
        fp32 = model(xt, t, labels)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            bf16 = model(xt, t, labels).float()
    relative = float((bf16 - fp32).norm() / fp32.norm())
    assert 0 < relative < 8 * 2 ** -8, relative  # 0: autocast did not run in bf16


def test_frechet_distance_against_an_eigenvalue_formula():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(500, 6)) @ rng.normal(size=(6, 6))
    b = rng.normal(size=(400, 6)) * 2 + 1
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    w, v = np.linalg.eigh(s_a)
    root_a = (v * np.sqrt(w)) @ v.T  # tr sqrt(S_a S_b) = sum of sqrt eigenvalues of S_a^1/2 S_b S_a^1/2
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(root_a @ s_b @ root_a), 0, None)).sum()
    expected = ((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(s_a) + np.trace(s_b) - 2 * cross
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-6)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    assert frechet_distance(a, a + 3.0) == pytest.approx(6 * 9.0, rel=1e-6)


def test_the_digit_stream_samples_on_the_playground_device_and_returns_cpu_tensors(monkeypatch):
    """The tab asks the registry for its model on playground.device.get_device() (the GPU of a GPU Space);
    whatever that is, the frames, samples and labels come back as CPU pictures and tensors."""
    from playground import device, registry
    from playground.tasks import diffusion_lab as lab

    asked = []
    real_load = registry.load

    def load(name, source=None, device=None):
        asked.append(device)
        return real_load(name, source, device)

    monkeypatch.setattr(lab.registry, "load", load)
    events = list(lab.digit_stream("ddim", 3, 0.0, 3.0, 4, 2, 0))
    assert asked == [device.get_device()]
    *frames, (_, samples, labels, picture, _) = events
    assert [f[1] for f in frames] == [0, 1, 2] and all(isinstance(f[3], np.ndarray) for f in frames)
    assert samples.device.type == "cpu" and samples.shape == (2, 1, 28, 28) and labels.tolist() == [4, 4]
