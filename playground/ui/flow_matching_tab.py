"""Flow matching tab: the same noise through flow matching, rectified flow and a diffusion model's
probability-flow ODE, side by side; straight against curved paths; ODE solver and steps. Thin wiring: the
handlers live in flow_matching_handlers.py."""
import gradio as gr

from playground.choices import FLOW_MAX_PARTICLES, FLOW_MAX_STEPS, FLOW_SOLVERS
from playground.registry import SHAPES_2D
from playground.ui.deferred import deferred
from playground.ui.settings import Lesson, Setting, Table

TAB_ID = "flow-matching"
INTRO = """### Flow matching: how straight are the paths from noise to data?
Three models carry the **same Gaussian noise** to the same shape by solving an ODE.
**Flow matching** regresses the velocity of straight lines between noise and data drawn independently;
the lines cross, the learned field averages them, and its paths bend (particles first drift to the
middle). **Rectified flow** retrains it on the pairs it produces itself ("reflow"), which untangles the
crossings: its paths are nearly straight, so even 1 or 2 steps land on the shape. The **diffusion**
model's probability-flow ODE (DDIM, eta = 0) is shown for comparison. Straightness is displacement /
path length (1 = a straight line)."""

TABLE = Table(TAB_ID, [
    Setting("shape", "dropdown", "Shape", "moons", choices=tuple(SHAPES_2D)),
    Setting("steps", "slider", "ODE steps", 8, lo=1, hi=FLOW_MAX_STEPS, step=1),
    Setting("solver", "radio", "ODE solver (for the two flows)", "euler", choices=FLOW_SOLVERS),
    Setting("n", "slider", "Particles", 1000, lo=10, hi=FLOW_MAX_PARTICLES, step=10, secondary=True),
    Setting("seed", "seed", "Seed", 0, help="Any whole number, used mod 2^32", secondary=True),
], lessons=(
    Lesson("One step", "With one Euler step flow matching throws the particles far off the spirals (sliced "
           "Wasserstein about 1.3), while rectified flow's straight paths land in one jump (about 0.05).",
           dict(shape="spirals", steps=1)),
    Lesson("Reflow still lands", "With two steps rectified flow's straightness stays at 1.000 and its sliced "
           "Wasserstein (about 0.05) is already its 50-step value; flow matching's bent paths miss (about 0.4).",
           dict(steps=2)),
    Lesson("Many steps: all three land", "With 50 steps all three reach the moons (sliced Wasserstein about 0.05), "
           "but flow matching's paths stay curved (straightness about 0.57).", dict(steps=50)),
))


run, gif = deferred("flow_matching_handlers.run"), deferred("flow_matching_handlers.gif")


def build_tab(demo: gr.Blocks) -> None:
    t = TABLE
    with gr.Tab("Flow matching", id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(INTRO)
        t.toolbar()
        with gr.Row():
            with gr.Column(scale=1, min_width=260):
                settings = [t.build(k) for k in ("shape", "steps", "solver", "n", "seed")]
                button = gr.Button("Run the three ODEs", variant="primary")
                gif_button = gr.Button("GIF for slides", elem_id="flow-gif-button")
                gif_file = gr.File(label="Paths GIF (particles moving from noise to data)", elem_id="flow-gif")
            with gr.Column(scale=3):
                plot = gr.Plot(label="Paths from noise to data", elem_id="flow-plot")
                table = gr.Markdown(elem_id="flow-table")
    outputs, compute = [plot, table], dict(trigger_mode="always_last", concurrency_id="compute")
    gr.on([button.click] + [c.input for c in settings], run, settings, outputs, api_name="flow_matching", **compute)
    gif_button.click(gif, settings, gif_file, api_name="flow_matching_gif", concurrency_id="compute")
    tab.select(_draw(linked=False), settings, outputs, api_visibility="private", **compute)
    t.link(demo, tab).then(_draw(linked=True), settings, outputs, api_visibility="private", **compute)
    t.lessons_run(run, settings, outputs, concurrency_id="compute")


def _draw(linked: bool):
    """Draw only when the page was (or was not) opened from a link to this tab. A link selects the tab too, maybe
    before its settings are in the widgets: the load event draws those (else the defaults' picture could come last)."""
    def draw(shape, steps, solver, particles, seed, request: gr.Request):
        return run(shape, steps, solver, particles, seed) if TABLE.linked(request) == linked else (gr.skip(),) * 2
    return draw
