"""The Joint distributions tab's settings table (playground/ui/joint_tab.py), in-process: its copied choices agree
with the backend, and each lesson shows what its note claims when run through the tab's own handler (the GIF
export goes through the app: tests/test_app_joint.py)."""
import re

import pytest

from playground.models.gmm import COVARIANCE_TYPES
from playground.ui import joint_tab
from playground.ui.joint_tab import GMM, TABLE


def test_copied_choices_match_the_backend():
    assert joint_tab.COVARIANCE_TYPES == COVARIANCE_TYPES


def _run(lesson=None, **changes):
    """The EM panel for a lesson (or the defaults), through the tab's checked handler: (log-likelihood, BIC,
    component weights) at the step shown."""
    values = TABLE.values(lesson, **changes)
    fig, loglik, params, note = joint_tab.gmm(*(values[k] for k in GMM))
    ll, bic = re.search(r"log-likelihood \*\*(-?[\d.]+)\*\*.*BIC (-?\d+\.\d)", note).groups()
    assert f"Step {values['step']} of {values['iters']}" in note and fig and loglik
    return float(ll), float(bic), [row[1] for row in params["data"]]


def test_em_from_a_bad_start_ends_in_a_worse_local_optimum():
    ll, _, weights = _run("EM from a bad start")
    good, _, _ = _run("EM from a bad start", gseed=0)
    stuck, _, _ = _run("EM from a bad start", step=60)  # the same 40 steps earlier: it had already settled
    assert ll == pytest.approx(-1.961, abs=0.005) and good == pytest.approx(-1.655, abs=0.005)
    assert abs(ll - stuck) < 0.001
    assert sum(w > 0.2 for w in weights) == 2  # two components, each on two of the eight clusters (1/8 each)
    assert sum(w < 0.1 for w in weights) == 4  # and two clusters, each split between two components


def test_too_many_components_barely_raise_the_likelihood():
    ll, bic, weights = _run("K too large")
    right, right_bic, right_weights = _run("K too large", k=3)
    assert len(weights) == 10 and len(right_weights) == 3
    assert 0 < ll - right < 0.02 and bic > right_bic + 100  # a little likelihood for 42 more parameters
    assert min(weights) < 0.04  # some components hold only a few points
    assert ll == pytest.approx(-2.560, abs=0.005) and right == pytest.approx(-2.571, abs=0.005)

