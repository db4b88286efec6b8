"""The Flow matching tab's settings table in-process: each lesson's settings through the tab's handler show what the
lesson says (the GIF for slides is tested through the app, tests/test_app.py)."""
import pytest

from playground.ui import flow_matching_handlers as handlers
from playground.ui.flow_matching_tab import TABLE


def _row(table: str, label: str) -> list[float]:
    """One row of the comparison table (flow matching, rectified flow, diffusion) as numbers."""
    line = next(line for line in table.splitlines() if label in line)
    return [float(cell.strip().split()[0]) for cell in line.strip("|").split("|")[1:]]


@pytest.fixture(scope="module")
def lessons() -> dict:
    """Each lesson's table: {name: {row label: [flow matching, rectified flow, diffusion]}}."""
    tables = {name: handlers.run(*TABLE.values(name).values())[1] for name in TABLE.lessons}
    return {name: {key: _row(table, key) for key in ("evaluations", "straightness", "sliced Wasserstein")}
            for name, table in tables.items()}


def test_one_step_flow_matching_misses_and_rectified_flow_lands(lessons):
    one = lessons["One step"]
    assert one["evaluations"] == [1, 1, 1]
    fm, rf, _ = one["sliced Wasserstein"]
    assert fm > 0.8 and rf < 0.08 and rf < fm / 10, one  # measured: 1.296 against 0.048


def test_reflow_lands_in_two_steps_as_well_as_in_many(lessons):
    two, many = lessons["Reflow still lands"], lessons["Many steps: all three land"]
    assert two["straightness"][1] > 0.99  # measured 1.000
    sw_two, sw_many = two["sliced Wasserstein"][1], many["sliced Wasserstein"][1]
    assert abs(sw_two - sw_many) < 0.01 and sw_two < two["sliced Wasserstein"][0] / 4, (two, many)  # 0.046, 0.046


def test_many_steps_all_three_land_but_flow_matching_stays_curved(lessons):
    many = lessons["Many steps: all three land"]
    assert all(sw < 0.07 for sw in many["sliced Wasserstein"]), many  # 0.050, 0.046, 0.055
    fm, rf, _ = many["straightness"]
    assert fm < 0.7 and rf > 0.99, many  # 0.565 against 1.000

