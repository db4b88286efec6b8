"""The Imputation lab tab's settings table and lessons, in-process: its torch-free copies of the backend's names agree
with playground.tasks.imputation, and each lesson, run as picking it runs it, shows what its note claims."""
import pytest

from playground.ui import imputation_tab as tab
from playground.ui.imputation_tab import TABLE


def test_the_tabs_names_are_the_backends():
    from playground.tasks import imputation

    assert tab.TABLES == imputation.TABLES and tab.COLUMNS == imputation.COLUMNS
    assert tab.MECHANISMS == imputation.MECHANISMS and tab.METHODS == imputation.METHODS
    for table, (x, y) in tab.DEFAULT_COLUMNS.items():
        assert {x, y} <= set(imputation.COLUMNS[table]) and x != y


def statistics(name: str) -> dict:
    """{(method, statistic): (estimate, truth, bias, covers truth)} of the lesson's table, made and imputed as
    picking the lesson does it."""
    v = TABLE.values(name)
    steps = list(tab.make_and_impute(*(v[k] for k in ("table", "mech", "rate", "seed", "x", "y", "methods", "m", "k",
                                                         "shown"))))
    made, imputed = steps[0][4], steps[-1][7]
    assert f"removed {v['mech']}" in made
    return {(row[0], row[1]): (row[2], row[3], row[4], row[6]) for row in imputed["data"]}


def test_mcar_keeps_the_mean_but_not_the_spread():
    rows = statistics("MCAR: the mean survives, the spread does not")
    mean, mi = "mean", "GMM multiple imputation"
    estimate, truth, bias, covers = rows[(mean, "mean of bmi")]
    assert abs(bias) < 0.01 * truth and covers == "yes"
    for statistic in ("variance of bmi", "correlation of bmi and progression"):
        estimate, truth, bias, covers = rows[(mean, statistic)]
        assert bias < -0.15 * truth and covers == "no", statistic  # shrunk towards the centre, interval too sure
        assert rows[(mi, statistic)][3] == "yes", statistic


def test_mar_breaks_the_mean_and_regression_repairs_it():
    rows = statistics("MAR: regression repairs what the mean breaks")
    for statistic in ("mean of progression", "slope of progression on bmi"):
        _, truth, mean_bias, covers = rows[("mean", statistic)]
        assert mean_bias < -0.1 * truth and covers == "no", statistic
        for method in ("regression", "GMM multiple imputation"):
            _, _, bias, covers = rows[(method, statistic)]
            assert abs(bias) < abs(mean_bias) / 3 and covers == "yes", (method, statistic)


def test_mnar_fools_every_method():
    rows = statistics("MNAR fools every method")
    assert {method for method, _ in rows} == set(tab.METHODS)
    for method in tab.METHODS:
        for statistic in ("mean of bmi", "mean of progression", "slope of progression on bmi"):
            estimate, truth, bias, covers = rows[(method, statistic)]
            assert bias < 0 and covers == "no", (method, statistic, estimate, truth)
        assert rows[(method, "mean of progression")][2] < -0.15 * rows[(method, "mean of progression")][1]


@pytest.mark.parametrize("table, x, y, picked", [
    ("textbook example", "bmi", "progression", ("age", "income (k$)")),  # the other table's columns: its defaults
    ("scikit-learn diabetes", "bp", "s5", ("bp", "s5")),
    ("scikit-learn diabetes", "bp", "bp", ("bmi", "progression")),  # one column twice: the defaults
])
def test_the_column_pickers_follow_the_table(table, x, y, picked):
    assert tab.pick_columns(table, x, y) == picked
    x_picker, y_picker = tab.column_pickers(table, x, y)
    assert (x_picker.value, y_picker.value) == picked
    assert [value for _, value in x_picker.choices] == list(tab.COLUMNS[table])
