"""Binary-image models: the PixelCNN's masks are causal and its row-by-row sampler equals the full network;
the count models' closed-form fits are maximum likelihood; parameter counts are exact; completions keep
every known pixel; the joint-distribution helpers are right."""
import itertools

import numpy as np
import pytest
import torch

from playground.models.autoregressive import IndependentPixels, MarkovPixels
from playground.models.pixelcnn import PixelCNN
from playground.tasks import joint, pixels


def _pixelcnn(**kw):
    torch.manual_seed(0)
    model = PixelCNN(channels=8, layers=4, **kw)
    with torch.no_grad():  # make every weight matter, so a leak through a mask would show
        for p in model.parameters():
            p.add_(0.2 * torch.randn_like(p))
    return model.eval()


@pytest.mark.parametrize("pixel", [(0, 0), (0, 5), (6, 0), (13, 13), (20, 27), (27, 27)])
def test_pixelcnn_is_causal(pixel):
    """The logit of pixel i has zero gradient with respect to pixel i and every later pixel (raster order),
    and a non-zero one with respect to its neighbours above and to the left (no blind spot there)."""
    model = _pixelcnn()
    x = torch.bernoulli(torch.full((1, 1, 28, 28), 0.4), generator=torch.Generator().manual_seed(1)).requires_grad_()
    r, c = pixel
    (grad,) = torch.autograd.grad(model(x, torch.tensor([3]))[0, 0, r, c], x)
    flat, i = grad[0, 0].flatten(), r * 28 + c
    assert flat[i:].abs().max() == 0
    if r > 0:
        assert grad[0, 0, r - 1, c] != 0 and grad[0, 0, r - 1, min(c + 1, 27)] != 0  # above, and above-right
    if c > 0:
        assert grad[0, 0, r, c - 1] != 0


def test_row_by_row_sampler_equals_the_full_network():
    """The sampler's vertical-stack-per-row, horizontal-per-pixel logits equal one full forward pass."""
    model = _pixelcnn()
    labels = torch.tensor([1, 7, 10])
    x = model.sample(3, generator=torch.Generator().manual_seed(2), labels=labels)
    full = model(x, labels)
    label = model._labels(labels, 3)
    for r in (0, 9, 27):
        links = [link[:, :, r:r + 1] for link in model.vertical(x[:, :, :r + 1], label)]
        for c in (0, 14, 27):
            logits = model.horizontal(x[:, :, r:r + 1, :c + 1], [link[..., :c + 1] for link in links], label)
            torch.testing.assert_close(logits[:, 0, 0, c], full[:, 0, r, c], atol=1e-5, rtol=1e-5)


def test_sampling_streams_frames_and_is_seeded():
    model = _pixelcnn()
    frames = list(model.sample_steps(2, labels=4, generator=torch.Generator().manual_seed(0), every=100))
    assert [f[0] for f in frames] == list(range(100, 784, 100)) + [784]
    again = model.sample(2, generator=torch.Generator().manual_seed(0), labels=4)
    torch.testing.assert_close(frames[-1][2], again)
    assert set(again.unique().tolist()) <= {0.0, 1.0}


def test_temperature_zero_takes_the_likelier_value():
    model = _pixelcnn()
    x = model.sample(2, generator=torch.Generator().manual_seed(0), temperature=0.0)
    logits = model(x)
    torch.testing.assert_close(x, (logits > 0).float())


@pytest.mark.parametrize("name", ["PixelCNN", "Markov chain"])
def test_completion_keeps_known_pixels(monkeypatch, name):
    models = {"mnist-pixelcnn": _pixelcnn(), "mnist-markov": MarkovPixels()}
    monkeypatch.setattr(pixels.registry, "load", lambda n: models[n])
    digit = torch.bernoulli(torch.full((1, 1, 28, 28), 0.3), generator=torch.Generator().manual_seed(3))
    missing = pixels.bottom_half()
    missing[3, 4] = True
    *_, (done, total, x) = pixels.complete_stream(pixels.COMPLETERS[name], digit, missing, 3, 2, 1.0, seed=5)
    assert done == total == missing.sum() and x.shape == (3, 1, 28, 28)
    known = torch.as_tensor(~missing)
    assert torch.equal(x[:, 0][:, known], digit[0, 0][known].expand(3, -1))
    assert not torch.equal(x[0], x[1])  # several different completions
    with pytest.raises(ValueError, match="empty"):
        next(pixels.complete_stream(pixels.COMPLETERS[name], digit, np.zeros((28, 28), bool), 2, None, 1.0, 0))


def test_parameter_counts_are_exact():
    """Counts are the entries the likelihood actually depends on: the Markov chain's table has one unused slot."""
    assert joint.parameter_counts(784) == {"full joint": 2 ** 784 - 1, "Markov chain": 1567, "independent": 784}
    x = torch.bernoulli(torch.full((64, 784), 0.3), generator=torch.Generator().manual_seed(0))
    for model, expected in ((IndependentPixels(pixels=784), 784), (MarkovPixels(pixels=784), 1567)):
        with torch.no_grad():  # away from p = 0.5, where a gradient could vanish by chance
            model.logits.copy_(torch.randn(model.logits.shape, generator=torch.Generator().manual_seed(1)))
        (grad,) = torch.autograd.grad(model.nll(x).sum(), model.logits)
        assert model.parameter_count() == expected == int((grad != 0).sum())
    assert MarkovPixels(pixels=4).parameter_count() == 7  # 2n - 1, against 2^n - 1 = 15 for the full table


def _expected_nll(model, grey):
    """E[-log p(x)] under independent Bernoulli(grey) pixels, by enumerating every binary image."""
    n = grey.shape[1]
    xs = torch.tensor(list(itertools.product([0.0, 1.0], repeat=n)))  # (2^n, n)
    weights = torch.stack([(xs * g + (1 - xs) * (1 - g)).prod(1) for g in grey])  # (N, 2^n)
    return (weights * model.nll(xs)).sum(1).mean()


@pytest.mark.parametrize("cls", [IndependentPixels, MarkovPixels])
def test_closed_form_fit_is_maximum_likelihood(cls):
    """Without smoothing, the fitted parameters are a stationary point of the expected log-likelihood of the
    dynamically binarized data (its gradient is zero), computed by brute force over all 2^5 images."""
    g = torch.Generator().manual_seed(0)
    images = (torch.rand(40, 5, generator=g) * 255).to(torch.uint8)
    model = cls(pixels=5, smoothing=0.0)
    model.fit(images)
    grey = images.float() / 255
    loss = _expected_nll(model, grey)
    (grad,) = torch.autograd.grad(loss, model.logits)
    used = torch.ones_like(grad, dtype=torch.bool)
    if cls is MarkovPixels:
        used[0, 1] = False  # the first pixel has no predecessor: that entry is not a parameter
    assert grad[used].abs().max() < 1e-5


def test_markov_nll_by_hand():
    model = MarkovPixels(pixels=3)
    with torch.no_grad():
        model.logits.copy_(torch.tensor([[0.5, 0.0], [-1.0, 2.0], [0.3, -0.7]]))
    x = torch.tensor([[1.0, 1.0, 0.0]])
    sig = torch.sigmoid
    expected = -(torch.log(sig(torch.tensor(0.5))) + torch.log(sig(torch.tensor(2.0))) + torch.log(1 - sig(torch.tensor(-0.7))))
    torch.testing.assert_close(model.nll(x)[0], expected)


def test_inverse_cdf_sampling_matches_numpy():
    probs, bernoulli = joint.parse_probabilities("1 2 3 4")
    np.testing.assert_allclose(probs, [0.1, 0.2, 0.3, 0.4])
    assert not bernoulli and not joint.parse_probabilities("0.3;0.7")[1]
    draws = joint.sample_categorical(probs, 200_000, seed=1)
    u = np.random.default_rng(1).random(200_000)
    assert np.array_equal(draws, np.digitize(u, np.cumsum(probs)))
    np.testing.assert_allclose(np.bincount(draws) / len(draws), probs, atol=0.005)
    probs, bernoulli = joint.parse_probabilities("0.25")
    np.testing.assert_allclose(probs, [0.75, 0.25])
    assert bernoulli


@pytest.mark.parametrize("text", ["", "a b", "-0.1 1", "1.5", "0 0", " ".join(["1"] * 30)])
def test_bad_probabilities_say_why(text):
    with pytest.raises(ValueError):
        joint.parse_probabilities(text)


def test_painted_mask_downsamples_by_cell():
    layer = np.zeros((280, 280, 4), dtype=np.uint8)
    layer[140:, :, 3] = 255  # the bottom half painted
    layer[0:3, 0:10, 3] = 255  # a 30% speck in cell (0, 0)
    mask = pixels.mask_from_layer(layer)
    assert mask[14:].all() and not mask[1:14].any() and mask[0, 0] and not mask[0, 1]
    assert joint.readable_count(2 ** 784 - 1) == "≈ 1.0 × 10^236" and joint.readable_count(1567) == "1,567"
