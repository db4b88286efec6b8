"""One table of tiny configs drives the protocol test over every trainable registry family."""
import pytest
import torch

from playground.registry import SPECS, family_class

TINY = {"flow": dict(dim=2, layers=4, hidden=16)}
DATA = {"flow": lambda g: torch.randn(64, 2, generator=g)}
TRAINABLE = sorted({spec.family for spec in SPECS.values() if spec.train})


def test_every_trainable_family_has_a_tiny_config():
    assert set(TRAINABLE) <= set(TINY)


@pytest.mark.parametrize("family", TRAINABLE)
def test_protocol(family):
    torch.manual_seed(0)
    model = family_class(family)(**TINY[family])
    x = DATA[family](torch.Generator().manual_seed(1))
    loss = model.loss(x)
    assert loss.ndim == 0 and torch.isfinite(loss)
    loss.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())
    s1 = model.sample(16, generator=torch.Generator().manual_seed(3))
    s2 = model.sample(16, generator=torch.Generator().manual_seed(3))
    assert s1.shape == (16, *x.shape[1:]) and torch.isfinite(s1).all()
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
