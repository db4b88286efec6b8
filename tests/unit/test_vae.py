"""Latent variable models: the ELBO and its gradient, the importance-weighted NLL against numerical
integration, interpolation, arithmetic, and MNIST-style preprocessing of drawn digits."""
import math

import numpy as np
import pytest
import torch

from playground.models.vae import VAE, binarize, lerp, slerp
from playground.tasks import latent


def _model(kind="vae", dim=3, seed=0, beta=1.0):
    torch.manual_seed(seed)
    return VAE(latent_dim=dim, hidden=32, beta=beta, kind=kind).eval()


def _images(n=6, seed=1):
    return torch.randint(0, 256, (n, 28, 28), generator=torch.Generator().manual_seed(seed), dtype=torch.uint8)


@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_elbo_is_finite_and_every_part_gets_a_gradient(kind):
    model = _model(kind)
    loss = model.loss(_images())
    assert loss.ndim == 0 and torch.isfinite(loss)
    loss.backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())


def test_reparameterisation_carries_the_gradient_through_the_sample():
    model = _model()
    x = binarize(_images())
    recon, _ = model.elbo_terms(x, generator=torch.Generator().manual_seed(0))
    recon.sum().backward()  # the reconstruction reaches log sigma only through z = mu + sigma eps
    head = model.encoder[-1].weight.grad  # rows: d for mu, then d for log sigma^2
    assert head[:3].abs().sum() > 0 and head[3:].abs().sum() > 0


def test_iwae_nll_approaches_the_integrated_likelihood_from_above():
    model = _model(dim=1, seed=3)
    x = binarize(_images(3, seed=4), generator=torch.Generator().manual_seed(0))
    z = torch.linspace(-8, 8, 20001)[:, None]
    with torch.no_grad():
        logits = model.decode_logits(z)  # (Z, 784)
        log_lik = -torch.nn.functional.binary_cross_entropy_with_logits(
            logits[:, None].expand(-1, 3, -1), x.expand(len(z), -1, -1), reduction="none").sum(-1)  # (Z, 3)
        log_joint = log_lik - 0.5 * (z ** 2 + math.log(2 * math.pi))
        exact = -(torch.logsumexp(log_joint.double(), 0) + math.log(float(z[1] - z[0])))
    # k = 1 is the ELBO: average it over many draws so its expectation shows
    nll_1 = model.iwae_nll(x.repeat(4000, 1), k=1, generator=torch.Generator().manual_seed(1)).double()
    nll_1 = nll_1.reshape(4000, 3).mean(0)
    nll_5000 = model.iwae_nll(x, k=5000, generator=torch.Generator().manual_seed(1)).double()
    assert (nll_5000 >= exact - 0.05).all()  # a bound, up to Monte Carlo error
    assert (nll_5000 - exact).abs().max() < 0.5
    assert (nll_1 > nll_5000 + 0.05).all()  # more samples, tighter bound


def test_slerp_and_lerp_end_at_the_endpoints_and_slerp_keeps_the_norm():
    z0, z1 = torch.tensor([3.0, 0.0, 0.0]), torch.tensor([0.0, 3.0, 0.0])
    ts = torch.linspace(0, 1, 7)
    for path in (slerp(z0, z1, ts), lerp(z0, z1, ts)):
        torch.testing.assert_close(path[0], z0)
        torch.testing.assert_close(path[-1], z1)
    torch.testing.assert_close(slerp(z0, z1, ts).norm(dim=1), torch.full((7,), 3.0))
    torch.testing.assert_close(slerp(z0, z0 * 2, ts), lerp(z0, z0 * 2, ts))  # parallel: falls back to linear
    assert torch.isfinite(slerp(z0, -z0, ts)).all()  # opposite: no unique great circle, linear too


@pytest.mark.parametrize("method", ["linear", "slerp"])
def test_interpolation_ends_decode_to_the_two_reconstructions(method):
    model = _model()
    a, b = _images(1, 5), _images(1, 6)
    frames, path = latent.interpolate(model, a, b, frames=5, method=method)
    recon, _ = latent.reconstruct(model, torch.cat([a, b]))
    assert frames.shape == (5, 1, 28, 28) and path.shape == (5, 3)
    torch.testing.assert_close(frames[0], recon[0])
    torch.testing.assert_close(frames[-1], recon[1])


def test_arithmetic_decodes_a_minus_b_plus_c():
    model = _model()
    a, b, c = _images(1, 7), _images(1, 8), _images(1, 9)
    out = latent.arithmetic(model, a, b, c)
    z = latent.encode(model, torch.cat([a, b, c]))
    torch.testing.assert_close(out[3:], model.decode((z[0] - z[1] + z[2])[None]))
    assert out.shape == (4, 1, 28, 28)


def test_traversal_kl_and_manifold_shapes():
    model = _model(dim=2)
    grid = latent.traversal(model, _images(1), dims=[0, 1], values=[-2, 0, 2])
    assert grid.shape == (6, 1, 28, 28)
    kl = latent.kl_per_dim(model, _images(20))
    assert kl.shape == (2,) and (kl >= 0).all()
    mean, basis, coords, _ = latent.latent_plane(latent.encode(model, _images(20)), np.zeros(20))
    assert coords.shape == (20, 2) and torch.equal(basis, torch.eye(2))
    grid = latent.decode_plane(model, mean, basis, [-1, 0, 1, 2], [-1, 1])
    assert grid.shape == (8, 1, 28, 28)
    torch.testing.assert_close(grid[0], model.decode(torch.tensor([[-1.0, 1.0]]))[0])  # top-left: low z1, high z2
    big = _model(dim=5)
    mean, basis, coords, _ = latent.latent_plane(latent.encode(big, _images(30)), np.zeros(30))
    torch.testing.assert_close(basis @ basis.T, torch.eye(2), atol=1e-5, rtol=0)  # orthonormal plane
    with pytest.raises(ValueError, match="no KL"):
        latent.kl_per_dim(_model("ae"), _images(4))


def test_drawn_digits_are_centred_like_mnist():
    drawn = np.zeros((200, 300), dtype=np.uint8)
    drawn[20:120, 200:240] = 255  # a bar near a corner of a big canvas
    out = latent.mnist_like(drawn)
    assert out.shape == (28, 28) and out.dtype == np.uint8
    rows, cols = np.nonzero(out > 25)
    assert rows.max() - rows.min() + 1 <= 21 and cols.max() - cols.min() + 1 <= 21
    ys, xs = np.mgrid[:28, :28]
    assert abs((ys * out).sum() / out.sum() - 13.5) <= 1 and abs((xs * out).sum() / out.sum() - 13.5) <= 1
    with pytest.raises(ValueError, match="no ink"):
        latent.mnist_like(np.zeros((50, 50), dtype=np.uint8))
    seven = np.zeros((100, 100), dtype=np.uint8)
    seven[10:25, 10:90] = 255  # a heavy top bar
    seven[25:95, 80:88] = 255  # and a long stem
    out = latent.mnist_like(seven)
    assert out[:2].max() == 0 and out[:, :2].max() == 0  # centring moves ink, it never wraps it round


def test_pictures_become_digits_with_notes():
    sketch = np.zeros((280, 280, 4), dtype=np.uint8)
    sketch[60:220, 130:150] = (0, 0, 0, 255)  # black strokes on a transparent canvas
    digit, notes = latent.ink_from_picture(sketch)
    assert digit.shape == (28, 28) and digit.max() == 255 and digit[0].max() == 0
    assert "inverted" in " ".join(notes)
    photo = np.full((100, 100, 3), 230, dtype=np.uint8)
    photo[20:80, 45:55] = (200, 20, 20)  # a red stroke on light paper
    _, notes = latent.ink_from_picture(photo)
    assert any("colour" in n for n in notes)
    with pytest.raises(ValueError, match="empty"):
        latent.ink_from_picture(np.zeros((280, 280, 4), dtype=np.uint8))
    with pytest.raises(ValueError, match="limit"):
        latent.ink_from_picture(np.zeros((5000, 10, 3), dtype=np.uint8))
    grey_alpha = np.zeros((60, 60, 2), dtype=np.uint8)
    grey_alpha[10:50, 28:34] = (0, 255)
    assert latent.ink_from_picture(grey_alpha)[0].max() == 255


def test_picture_files_are_read_and_checked(tmp_path):
    from PIL import Image

    Image.new("RGB", (40, 30), "white").save(tmp_path / "a.png")
    assert latent.read_picture(tmp_path / "a.png").shape == (30, 40, 4)
    (tmp_path / "b.png").write_text("not a picture")
    with pytest.raises(ValueError, match="not a picture"):
        latent.read_picture(tmp_path / "b.png")
    Image.new("L", (5000, 8)).save(tmp_path / "c.png")
    with pytest.raises(ValueError, match="limit"):
        latent.read_picture(tmp_path / "c.png")
