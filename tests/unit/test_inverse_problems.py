"""Inverse problems as posterior sampling: the observation operators and their projections, DDNM keeping what is
observed (and reducing to diffusers' DDIM when nothing is), our RePaint loop against diffusers' RePaintPipeline,
the scores, and how uploads are prepared."""
import numpy as np
import pytest
import torch
from PIL import Image

from playground.models.diffusion import ImageDiffusion
from playground.tasks import inverse
from playground.tasks import inverse_lab as lab

TINY = dict(out_channels=None, block_out_channels=[8, 16, 16], layers_per_block=1, down_block_types=["DownBlock2D"] * 3,
            up_block_types=["UpBlock2D"] * 3, norm_num_groups=4, attention_head_dim=8)


def _tiny(channels: int = 1, side: int = 28, classes: int | None = None) -> ImageDiffusion:
    torch.manual_seed(0)
    config = dict(TINY, sample_size=side, in_channels=channels, out_channels=channels, num_class_embeds=classes)
    model = ImageDiffusion(**config).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.02 * torch.randn_like(p))
    return model


def _images(n=3, channels=1, side=28, seed=0):
    return torch.rand(n, channels, side, side, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def test_each_projection_agrees_exactly_with_the_observation():
    holes = lab.preset_holes("centre square", 28)
    ops = [(inverse.Inpaint(~torch.as_tensor(holes)), 1), (inverse.Luminance(), 3), (inverse.Downsample(4), 1)]
    for op, channels in ops:
        x, x0 = _images(channels=channels), _images(channels=channels, seed=1)
        y = op.observe(x)
        z = op.project(x0, y)
        torch.testing.assert_close(op.observe(z), y, atol=1e-6, rtol=0)
        torch.testing.assert_close(op.project(z, y), z, atol=1e-6, rtol=0)  # a projection: twice is once


def test_inpainting_keeps_known_pixels_and_luma_keeps_the_hue():
    known = torch.zeros(28, 28, dtype=torch.bool)
    known[:, :10] = True
    x, x0 = _images(), _images(seed=1)
    z = inverse.Inpaint(known).project(x0, inverse.Inpaint(known).observe(x))
    assert torch.equal(z[..., known], x[..., known]) and torch.equal(z[..., ~known], x0[..., ~known])
    op = inverse.Luminance()
    x, x0 = _images(channels=3), _images(channels=3, seed=1)
    z = op.project(x0, op.observe(x))
    assert z.min() >= -1 - 1e-6 and z.max() <= 1 + 1e-6  # the colours stay in range
    chroma_in, chroma_out = x0 - op.observe(x0), z - op.observe(z)
    s = (chroma_out * chroma_in).sum(1) / (chroma_in ** 2).sum(1)  # the chroma is only scaled, by s in [0, 1]
    torch.testing.assert_close(chroma_out, s[:, None] * chroma_in, atol=1e-5, rtol=0)
    assert s.min() >= -1e-5 and s.max() <= 1 + 1e-5


def test_an_unconditional_prior_refuses_a_class():
    with pytest.raises(ValueError, match="unconditional"):
        next(inverse.ddnm_steps(_tiny(), inverse.Downsample(4), torch.zeros(1, 1, 7, 7), 2, 5, labels=3))


def test_restore_stream_shows_progress_for_every_method(monkeypatch):
    model = _tiny(classes=11)
    asked = []
    monkeypatch.setattr(lab.registry, "load", lambda name, device=None: asked.append(device) or model)
    x, holes = (_images(1) + 1) / 2, lab.preset_holes("centre square", 28)
    for method, total in ((lab.METHODS[0], 50), (lab.METHODS[1], lab.unet_calls(lab.METHODS[1], 50, 5, 5))):
        frames = list(lab.restore_stream(list(lab.PRIORS)[0], "Inpainting", x, holes, method=method, k=2, label=3,
                                         guidance=2.0))
        assert len(frames) >= 8 and frames[-1][:2] == (total, total) and frames[-1][2].shape == (2, 1, 28, 28)
        assert torch.equal(frames[-1][2][..., ~torch.as_tensor(holes)] > 0.5, x.expand(2, -1, -1, -1)[..., ~torch.as_tensor(holes)] > 0.5)
    from playground.device import get_device

    assert asked == [get_device()] * 2  # the prior samples on the playground's device (a GPU Space's GPU)


def test_baselines_are_per_image_mean_fill_bicubic_and_grey():
    x, holes = torch.rand(2, 3, 32, 32), torch.as_tensor(lab.preset_holes("left half", 32))
    name, fill = lab.baseline("Inpainting", x, holes.numpy())
    assert name == "mean fill" and torch.equal(fill[..., ~holes], x[..., ~holes])
    torch.testing.assert_close(fill[1, 2, 0, 0], x[1, 2][:, 16:].mean())
    name, up = lab.baseline("Super-resolution", x, factor=4)
    low = torch.nn.functional.avg_pool2d(x, 4)
    ref = torch.nn.functional.interpolate(low, size=(32, 32), mode="bicubic", align_corners=False).clamp(0, 1)
    assert name == "bicubic" and torch.equal(up, ref)
    name, grey = lab.baseline("Colourization", x[:1])
    assert name == "grey" and inverse.colourfulness(grey) < 1e-3


def test_operators_refuse_an_empty_or_full_region():
    with pytest.raises(ValueError, match="empty"):
        inverse.Inpaint(torch.ones(28, 28, dtype=torch.bool))
    with pytest.raises(ValueError, match="whole image"):
        inverse.Inpaint(torch.zeros(28, 28, dtype=torch.bool))


class Nothing:
    """No observation at all: DDNM must be plain DDIM."""

    def observe(self, x):
        return torch.zeros_like(x)

    def project(self, x0, y):
        return x0


@pytest.mark.parametrize("eta", [0.0, 1.0])
def test_ddnm_with_nothing_observed_is_diffusers_ddim(eta):
    model = _tiny(classes=11)
    labels = torch.tensor([3, 1])
    *_, (_, _, _, ours) = inverse.ddnm_steps(model, Nothing(), torch.zeros(1, 1, 28, 28), 2, 8, eta, labels, 2.0,
                                             torch.Generator().manual_seed(4))
    g = torch.Generator().manual_seed(4)
    *_, (_, _, ref, _) = model.sample_steps(model.noise(2, g), labels, 8, "ddim", eta, 2.0, g)
    torch.testing.assert_close(ours, ref.clamp(-1, 1), atol=1e-5, rtol=0)


@pytest.mark.parametrize("task,channels", [("inpaint", 1), ("colourize", 3), ("super-resolve", 1)])
def test_ddnm_samples_agree_with_the_observation_and_differ(task, channels):
    model, x = _tiny(channels), _images(1, channels)
    known = ~torch.as_tensor(lab.preset_holes("bottom half", 28))
    op = inverse.operator(task, known, 4)
    y = op.observe(x)
    runs = [list(inverse.ddnm_steps(model, op, y, 3, 10, 0.85, generator=torch.Generator().manual_seed(s)))
            for s in (1, 1, 2)]
    out = runs[0][-1][3]
    assert out.shape == (3, channels, 28, 28) and len(runs[0]) == 11
    assert out.min() >= -1 and out.max() <= 1
    if task == "inpaint":
        assert torch.equal(out[..., known], y.expand(3, -1, -1, -1)[..., known])
    elif task == "colourize":
        torch.testing.assert_close(op.observe(out), y.expand(3, -1, -1, -1), atol=1e-5, rtol=0)
    else:  # block means agree up to the final clipping to [-1, 1]
        assert (op.observe(out) - y).abs().mean() < 0.05 < (op.observe(runs[0][0][3]) - y).abs().mean() + 0.05
    assert torch.equal(out, runs[1][-1][3])  # same seed, same samples
    assert (out[0] - out[1]).abs().max() > 1e-3 and (out - runs[2][-1][3]).abs().max() > 1e-3


def test_our_repaint_loop_gives_the_diffusers_repaint_pipeline_images():
    from diffusers.pipelines.deprecated import RePaintPipeline

    model, x = _tiny(), _images(1)
    known = ~torch.as_tensor(lab.preset_holes("centre square", 28))
    pipe = RePaintPipeline(model.unet, inverse.repaint_scheduler(model, 10, 3, 2))
    pipe.set_progress_bar_config(disable=True)
    ref = pipe(x, known.float()[None, None], num_inference_steps=10, eta=1.0, jump_length=3, jump_n_sample=2,
               generator=torch.Generator().manual_seed(3), output_type="np").images
    frames = list(inverse.repaint_steps(model, known, x, 1, 10, 3, 2, generator=torch.Generator().manual_seed(3),
                                        every=4))
    done, calls, _, ours = frames[-1]
    assert done == calls == 10 + 3 * 3  # 10 steps down, and 3 again at each jump (after steps 0, 3 and 6)
    assert [f[0] for f in frames[:-1]] == [4, 8, 12, 16]
    torch.testing.assert_close((ours / 2 + 0.5).clamp(0, 1).permute(0, 2, 3, 1), torch.as_tensor(ref), atol=1e-5,
                               rtol=0)
    assert torch.equal(ours[..., known], x[..., known])


def test_summary_and_scores():
    samples = torch.stack([torch.zeros(1, 4, 4), torch.ones(1, 4, 4)])
    mean, spread = inverse.posterior_summary(samples)
    assert torch.equal(mean, torch.full((1, 1, 4, 4), 0.5)) and torch.equal(spread, torch.full((1, 1, 4, 4), 0.5))
    assert inverse.psnr(torch.full((1, 1, 4, 4), 0.1), torch.zeros(1, 1, 4, 4)) == pytest.approx(20.0)
    grey = torch.rand(2, 1, 8, 8).expand(2, 3, 8, 8)
    assert inverse.colourfulness(grey) == pytest.approx(0.0, abs=1e-4)
    red = torch.zeros(1, 3, 2, 2)
    red[:, 0] = 1  # rg = 255, yb = 127.5 everywhere: no spread, 0.3 times the mean's length
    assert inverse.colourfulness(red) == pytest.approx(0.3 * np.hypot(255, 127.5), rel=1e-5)
    x = torch.rand(1, 1, 28, 28)
    holes = lab.preset_holes("bottom half", 28)
    rows = lab.scores("Inpainting", torch.cat([x, x]), x, holes)
    assert [r[0] for r in rows] == ["sample 1", "sample 2", "mean of the samples", "baseline: mean fill"]
    assert rows[0][1] > 100 and rows[-1][1] < 40  # the truth itself scores far above the mean fill


def test_uploads_are_prepared_at_the_priors_resolution(tmp_path):
    photo = np.zeros((60, 100, 3), dtype=np.uint8)
    photo[:, :, 2] = 200
    Image.fromarray(photo).save(tmp_path / "photo.png")
    x, note = lab.read_upload(tmp_path / "photo.png", list(lab.PRIORS)[1])
    assert x.shape == (1, 3, 32, 32) and "60 x 60" in note
    assert float(x[0, 2].mean()) == pytest.approx(200 / 255)
    paper = np.full((80, 80), 255, dtype=np.uint8)
    paper[20:60, 35:45] = 0  # a dark '1' on white paper
    Image.fromarray(paper).save(tmp_path / "digit.png")
    digit, note = lab.read_upload(tmp_path / "digit.png", list(lab.PRIORS)[0])
    assert digit.shape == (1, 1, 28, 28) and "inverted" in note and digit[0, 0, 14, 14] > 0.5 and digit[0, 0, 0, 0] == 0
    Image.fromarray(np.zeros((10, 5000), dtype=np.uint8)).save(tmp_path / "wide.png")
    with pytest.raises(ValueError, match="limit is 4096 on a side"):
        lab.read_upload(tmp_path / "wide.png", list(lab.PRIORS)[1])
    (tmp_path / "notes.txt").write_text("not a picture")
    with pytest.raises(ValueError, match="not a picture"):
        lab.read_upload(tmp_path / "notes.txt", list(lab.PRIORS)[1])


def test_a_diffusers_ddpm_pipeline_is_a_prior_through_the_registry(tmp_path):
    """The hub prior's path (google/ddpm-cifar10-32 when online), on a tiny DDPMPipeline saved here."""
    from diffusers import DDPMPipeline, DDPMScheduler

    from playground import registry

    unet = _tiny(3, 32).unet
    DDPMPipeline(unet=unet, scheduler=DDPMScheduler(num_train_timesteps=1000)).save_pretrained(tmp_path / "ddpm")
    prior = lab.as_prior(registry.load("ddpm-cifar10-32", source=str(tmp_path / "ddpm")))
    assert prior.classes == 0 and prior.schedule["beta_schedule"] == "linear"
    torch.testing.assert_close(prior.alpha_bar, DDPMScheduler(num_train_timesteps=1000).alphas_cumprod)
    op, x = inverse.Luminance(), _images(1, 3, 32)
    *_, (_, _, _, out) = inverse.ddnm_steps(prior, op, op.observe(x), 2, 5, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(op.observe(out), op.observe(x).expand(2, -1, -1, -1), atol=1e-5, rtol=0)
