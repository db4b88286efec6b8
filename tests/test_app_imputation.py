"""The Imputation lab tab through gradio_client (the `client` fixture in conftest.py): make a masked table, impute
it with every method, check the completed table and the statistics against the kept truth, and bad input."""
import pytest
from gradio_client.exceptions import AppError

ALL = ["mean", "regression", "stochastic regression", "GMM multiple imputation", "MIWAE multiple imputation"]


def _impute(client, table, methods=ALL, m=10, k=2, x="bmi", y="progression"):
    return client.predict(table, methods, m, k, x, y, "GMM multiple imputation", 0, api_name="/imp_impute")


def test_make_a_table_and_impute_it_with_every_method(client):
    table, x, y, note = client.predict("scikit-learn diabetes", "MCAR", 0.3, 0, "bmi", "progression",
                                       api_name="/imp_make_table")
    assert table["headers"] == ["bp", "bmi", "s5", "progression"] and len(table["data"]) == 442
    gaps = sum(v is None for row in table["data"] for v in row)
    assert 0.25 < gaps / (442 * 3) < 0.35 and all(row[0] is not None for row in table["data"])
    assert (x["value"], y["value"]) == ("bmi", "progression") and "MCAR" in note and "truth" in note
    completed, scatter, stats, forest, status = _impute(client, table)
    for given, shown in zip(table["data"], completed["data"]):
        for g, s in zip(given, shown):
            assert ("±" in s) if g is None else float(s) == g  # observed cells exactly as given
    assert f"**{gaps}** missing cells imputed" in status and "MIWAE multiple imputation" in status
    rows = {(r[0], r[1]): r for r in stats["data"]}
    assert len(stats["data"]) == 5 * 6 and stats["headers"][:5] == ["method", "statistic", "estimate", "truth", "bias"]
    shrunk, kept = rows[("mean", "variance of bmi")], rows[("GMM multiple imputation", "variance of bmi")]
    assert shrunk[4] < -0.15 * shrunk[3] and abs(kept[4]) < 0.1 * kept[3]  # bias of the variance
    assert shrunk[6] == "no" and "naive" in shrunk[8] and "Rubin, m = 10" in kept[8]
    assert scatter and forest
    completed, _, stats, _, status = client.predict("s5", "bmi", "mean", api_name="/imp_view")  # no recomputation
    assert stats["data"][0][1] == "mean of s5" and "Table shown: *mean*" in status


def test_textbook_table_and_an_edited_table_have_no_known_truth(client):
    table, *_ = client.predict("textbook example", "MCAR", 0.3, 0, "age", "income (k$)", api_name="/imp_make_table")
    assert len(table["data"]) == 6 and table["headers"] == ["age", "income (k$)", "savings (k$)"]
    completed, _, stats, _, status = _impute(client, table, x="age", y="income (k$)")
    assert "GMM multiple imputation skipped" in status and "at least 8 rows" in status  # K = 2 is too many for 6 rows
    assert {r[4] for r in stats["data"]} == {"unknown"} and "No truth is known" in status
    table, *_ = client.predict("scikit-learn diabetes", "MAR", 0.2, 1, "bmi", "progression", api_name="/imp_make_table")
    table["data"][0][0] += 1  # an observed value changed: the kept truth no longer describes this table
    _, _, stats, _, status = _impute(client, table, methods=["mean"], m=1)
    assert "edited" in status and stats["data"][0][4] == "unknown"


def test_bad_tables_and_settings_are_clear_errors(client):
    good = {"headers": ["a", "b"], "data": [[1, 2], [2, 3.5], [3, None], [4, 6], [5, 4], [6, ""]]}
    assert _impute(client, good, methods=["regression"], x="a", y="b")[0]["data"][2][1].count("±") == 1
    with pytest.raises(AppError, match="Column 'b' is entirely missing"):
        _impute(client, {"headers": ["a", "b"], "data": [[i, None] for i in range(6)]}, x="a", y="b")
    with pytest.raises(AppError, match="Column 'b' has a non-numeric value 'abc' in row 2"):
        _impute(client, {"headers": ["a", "b"], "data": [[1, 2], [2, "abc"]] + good["data"][2:]}, x="a", y="b")
    with pytest.raises(AppError, match="at least 5"):
        _impute(client, {"headers": ["a", "b"], "data": [[1, 2]]}, x="a", y="b")
    with pytest.raises(AppError, match="Imputations m|minimum"):
        _impute(client, good, m=0, x="a", y="b")
    with pytest.raises(AppError, match="at least one imputation method"):
        _impute(client, good, methods=[], x="a", y="b")
    with pytest.raises(AppError, match="Missing rate|maximum"):
        client.predict("scikit-learn diabetes", "MCAR", 2, 0, "bmi", "progression", api_name="/imp_make_table")
