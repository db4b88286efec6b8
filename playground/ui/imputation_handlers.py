"""Handlers of the Imputation lab tab: settings already checked by the tab's settings table in. Make a table with
gaps, impute it with up to five methods, and show the completed table, the observed-vs-imputed scatter, and the
pooled statistics with their intervals against the truth. The table itself (typed or edited) is checked here."""
import time

import gradio as gr
import numpy as np
import pandas as pd

from playground.tasks import imputation, rubin
from playground.ui import checks
from playground.ui.imputation_tab import column_pickers, pick_columns


def make_table(table, mechanism, rate, seed, x, y):
    """The chosen table, with gaps made by the mechanism at the rate when its truth is known; the truth goes to
    the session's state so the statistics can be compared with it."""
    t = imputation.load_table(table)
    if t.truth is None:
        values, truth = t.values, None
        note = (f"The textbook-style table: 6 people, {int(np.isnan(t.values).sum())} gaps of its own, no truth known "
                f"(so the bias column will say *unknown*); the mechanism and rate apply to the scikit-learn table.")
    else:
        mask = imputation.make_missing(t.truth, mechanism, rate, seed)
        values, truth = np.where(mask, np.nan, t.truth), {"columns": list(t.columns), "values": t.truth}
        note = (f"{len(values)} rows; **{mask[:, 1:].mean():.1%}** of the cells of {', '.join(t.columns[1:])} removed "
                f"{mechanism} (asked {rate:.0%}); *{t.columns[0]}* is always observed. The complete table is kept as "
                f"the truth.")
    return (pd.DataFrame(values, columns=list(t.columns)), truth, *column_pickers(table, x, y), note)


def _truth_for(table: imputation.Table, truth):
    """The kept truth, if the table is still the one made from it (same columns, every observed cell unchanged)."""
    if truth is None or tuple(truth["columns"]) != table.columns:
        return None
    values = np.asarray(truth["values"], dtype=float)
    seen = ~np.isnan(table.values)
    if values.shape != table.values.shape or not np.allclose(table.values[seen], values[seen], rtol=1e-9, atol=0):
        return None
    return values


def _table(frame, methods, x, y):
    """The table as it stands, and the two columns; what the widgets cannot check (the table's own columns)."""
    try:
        table = imputation.parse_table(frame.values.tolist() if frame is not None else [],
                                       list(frame.columns) if frame is not None else [])
    except ValueError as error:
        raise checks.user_error(str(error)) from None
    if not methods:
        raise checks.user_error("Choose at least one imputation method.")
    x, y = checks.choice(x, "column", table.columns), checks.choice(y, "column", table.columns)
    if x == y:
        raise checks.user_error("Choose two different columns for the scatter, the correlation and the slope.")
    return table, x, y


def impute(frame, truth, methods, m, k, x, y, shown, seed):
    """Every chosen method on the table as it stands (edits included); the results go to the session's state."""
    table, x, y = _table(frame, methods, x, y)
    truth_values = _truth_for(table, truth)
    results, notes = {}, []
    for method in methods:
        start = time.perf_counter()
        try:
            results[method] = imputation.impute(method, table.values, m, k, seed)
            notes.append(f"{method} {time.perf_counter() - start:.2f} s")
        except ValueError as error:
            notes.append(f"**{method} skipped**: {error}")
    if not results:
        raise checks.user_error("No method could impute this table. " + " ".join(notes))
    state = {"values": table.values, "columns": table.columns, "truth": truth_values, "results": results,
             "notes": notes, "edited": truth is not None and truth_values is None, "m": m}
    return (*view(state, x, y, shown), state)


def view(state, x, y, shown):
    """The completed table of one method, the scatter, the statistics table, the forest plot and a note."""
    if not state:
        raise checks.user_error("Impute a table first.")
    columns, results, truth = state["columns"], state["results"], state["truth"]
    i, j = columns.index(checks.choice(x, "column", columns)), columns.index(checks.choice(y, "column", columns))
    if i == j:
        raise checks.user_error("Choose two different columns for the scatter, the correlation and the slope.")
    shown = shown if shown in results else next(iter(results))
    pooled = {method: rubin.pool(completed, i, j, columns) for method, completed in results.items()}
    true_values = rubin.true_values(truth, i, j, columns) if truth is not None else None
    table = pd.DataFrame(imputation.imputed_cells(state["values"], results[shown]), columns=list(columns))
    gaps = int(np.isnan(state["values"]).sum())
    note = (f"**{gaps}** missing cells imputed; m = {state['m']} draws for the multiple-imputation methods. Table "
            f"shown: *{shown}* (imputed cells: mean ± sd over the draws). Times: {'; '.join(state['notes'])}.")
    if truth is None:
        note += (" The table was edited after it was made, so its truth is unknown: bias and coverage say *unknown*."
                 if state["edited"] else " No truth is known for this table: bias and coverage say *unknown*.")
    return (table, imputation.scatter_figure(state["values"], results, i, j, columns, truth),
            {"headers": rubin.HEADERS, "data": rubin.summary_rows(pooled, true_values)},
            rubin.forest_figure(pooled, true_values, "Estimates and 95% intervals" +
                                (" (red dashed line: the truth)" if truth is not None else "")), note)


def make_and_impute(table, mech, rate, seed, x, y, methods, m, k, shown):
    """Generator, for a lesson, a link or a first visit: the table first, when Impute becomes available (pressed
    earlier it would find no table), then its imputation."""
    made = make_table(table, mech, rate, seed, x, y)
    yield (*made, *(gr.skip(),) * 6, gr.Button(interactive=True))
    x, y = pick_columns(table, x, y)
    yield (*(gr.skip(),) * 5, *impute(made[0], made[1], methods, m, k, x, y, shown, seed), gr.skip())


def reimpute(frame, truth, methods, m, k, x, y, shown, seed):
    """A method or m or K changed: impute again, once there is a table (before, the opening table is on its way)."""
    if frame is None or frame.empty:
        return (gr.skip(),) * 6
    return impute(frame, truth, methods, m, k, x, y, shown, seed)
