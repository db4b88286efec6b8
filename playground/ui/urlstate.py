"""Share a tab's state as a link: its settings live in the page URL's query string.

Every tab follows one pattern: `sync_url(tab, tab_id, params)` keeps `?tab=ID&key=value...` in step
with the open tab's widgets (browser-side, no server round trip), and the tab's load handler reads
`request.query_params` with `query_value` to put the widgets back when the link is opened.
"""
import json
import math

import gradio as gr

_JS = """
(...values) => {
  const keys = %s, tabId = %s, onlyIfShown = %s, version = %s;
  if (!window.__gpLinkRead) return values;  // the load events have not read the opened link yet
  const panel = document.getElementById("tab-" + tabId);
  if (onlyIfShown && (!panel || panel.offsetParent === null)) return values;  // another tab is open
  const url = new URL(window.location.href);
  for (const k of [...url.searchParams.keys()]) { if (k !== "__theme" && k !== "view") url.searchParams.delete(k); }
  url.searchParams.set("tab", tabId);
  if (version) url.searchParams.set("v", String(version));
  keys.forEach((k, i) => {
    const v = values[i];
    if (typeof v === "string" && v.length > 400) return;  // long typed data stays out of links
    if (v !== null && v !== undefined && v !== "") url.searchParams.set(k, typeof v === "object" ? JSON.stringify(v) : String(v));
  });
  window.history.replaceState(null, "", url.toString());
  return values;
}
"""


def sync_url(tab: gr.Tab, tab_id: str, params: dict, version: int = 0) -> None:
    """Keep `?tab=ID&v=VERSION&key=value...` in the URL: when the tab is opened and when one of its widgets
    changes (`v`, the settings table's version, is left out when 0)."""
    components = list(params.values())
    keys, tab_json = json.dumps(list(params)), json.dumps(tab_id)
    tab.select(fn=None, inputs=components, outputs=None, js=_JS % (keys, tab_json, "false", version))
    if components:
        gr.on([c.change for c in components], fn=None, inputs=components, outputs=None,
              js=_JS % (keys, tab_json, "true", version))


# Run after the load events: from then on the URL may be rewritten (see `_JS`).
MARK_LINK_READ = "() => { setTimeout(() => { window.__gpLinkRead = true; }, 300); }"


def tab_query(request, tab_id: str) -> dict:
    """The link's settings when the link opens this tab; none otherwise (another tab's `seed` is not ours)."""
    query = request.query_params if request is not None else {}
    return query if query_value(query, "tab", "") == tab_id else {}


def query_value(query, key: str, default, kind=str, choices=None, bounds=None):
    """One setting from the query string, checked: wrong type, unknown choice or out of range -> default."""
    raw = query.get(key) if query is not None else None
    if raw is None:
        return default
    try:
        if kind is bool:
            value = str(raw).lower() in ("1", "true", "yes", "on")
        else:
            value = kind(raw)
            if isinstance(value, float) and not math.isfinite(value):
                return default
    except (TypeError, ValueError):
        return default
    if choices is not None and value not in choices:
        return default
    if bounds is not None and not bounds[0] <= value <= bounds[1]:
        return default
    return value
