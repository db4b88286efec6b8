"""Latent variables tab: AE vs VAE vs beta-VAE on MNIST. Prior samples with a temperature, reconstructions, the latent
map with its decoded manifold, interpolation between test digits or your own drawings (and as a GIF), latent arithmetic,
traversals, KL per dimension, and AE against VAE. Thin wiring: the handlers live in latent_handlers.py."""
import gradio as gr

from playground import registry
from playground.ui import checks
from playground.ui.deferred import deferred
from playground.ui.settings import Lesson, Setting, Table

TAB_ID = "latent"
INTRO = """### Latent variable models: compress a digit into z, then decode z back into a digit
An **autoencoder** learns z = f(x) and x = g(z). A **VAE** learns q(z|x) and p(x|z) under a N(0, I) prior,
so any z near the prior decodes to a digit; **beta-VAE** weights the KL term by beta = 4 for a smoother,
blurrier space. Compare the three, and a 2-D latent (which you can see whole) with a 16-D one."""
FAMILIES = tuple(described for _, described, _ in registry.LATENT_MODELS)  # 'autoencoder', 'VAE (beta = 1)', ...
SIZES = {f"{dim}-D latent": dim for dim in registry.LATENT_DIMS}
SOURCES = ("test digit", "drawing", "upload")

TABLE = Table(TAB_ID, [
    Setting("family", "radio", "Model", "VAE (beta = 1)", choices=FAMILIES),
    Setting("size", "radio", "Latent size", "2-D latent", choices=tuple(SIZES)),
    Setting("temp", "slider", "Temperature (scale of z)", 1.0, lo=0, hi=3, step=0.05),
    Setting("seed", "seed", "Seed", 0, help="Any whole number, used mod 2^32", secondary=True),
    Setting("index", "number", "First test digit to reconstruct (0 to 9,990)", 0, lo=0, hi=9990, whole=True,
            secondary=True),
    Setting("z1", "slider", "Decode a point: first map coordinate (in standard deviations of the test digits)", 0.0,
            lo=-4, hi=4, step=0.05, linked=False),
    Setting("z2", "slider", "... and the second map coordinate", 0.0, lo=-4, hi=4, step=0.05, linked=False),
    Setting("a_src", "radio", "A comes from", "test digit", choices=SOURCES, options=dict(elem_id="latent-src-a")),
    Setting("a", "number", "A: test digit index (0 to 9,999)", 3, lo=0, hi=9999, whole=True),
    Setting("b_src", "radio", "B comes from", "test digit", choices=SOURCES, options=dict(elem_id="latent-src-b")),
    Setting("b", "number", "B: test digit index (0 to 9,999)", 2, lo=0, hi=9999, whole=True),
    Setting("method", "radio", "Interpolation", "slerp", choices=("linear", "slerp")),
    Setting("frames", "slider", "Frames", 10, lo=2, hi=30, step=1),
    *(Setting(key, "number", f"{name}: test digit index", i, lo=0, hi=9999, whole=True)
      for i, (key, name) in enumerate(zip("xyz", "abc"))),  # latent arithmetic's a, b, c
], lessons=(
    Lesson("The AE's holes against the VAE", "At the bottom, random latents decoded by the autoencoder (left) fall "
           "in the holes between its codes and come out as broken strokes more often than the VAE's (right), whose "
           "KL term packs the codes into the prior.", dict(family="autoencoder", size="16-D latent")),
    Lesson("Posterior collapse in the beta-VAE", "With beta = 4, 9 of the 16 latent dimensions carry about 0 nats "
           "(the KL bars): the decoder ignores them, so samples and reconstructions come out blurrier than the "
           "VAE's.", dict(family="beta-VAE (beta = 4)", size="16-D latent")),
    Lesson("Linear against slerp interpolation", "A straight line between two 16-D codes cuts through the middle, "
           "where z is about half as long as at the ends (see the note under the interpolation), so the middle "
           "frames blur; pick slerp, which keeps the length, to compare.", dict(size="16-D latent", method="linear")),
))
OVERVIEW = ("family", "size", "temp", "seed", "index")
overview = deferred("latent_handlers.overview")
decode_point = deferred("latent_handlers.decode_point")
interpolate = deferred("latent_handlers.interpolate")
interpolation_gif = deferred("latent_handlers.interpolation_gif")
arithmetic = deferred("latent_handlers.arithmetic")
draw = deferred("latent_handlers.draw")


def _endpoint_inputs(t: Table, name: str):
    with gr.Column(min_width=240):
        source, number = t.build(f"{name.lower()}_src"), t.build(name.lower())
        editor = checks.ImageEditor(label=f"{name}: draw a digit", type="filepath", canvas_size=(280, 280), sources=(),
                                    brush=gr.Brush(colors=["#000000"], default_size=18), layers=False, height=320,
                                    elem_id=f"latent-editor-{name.lower()}")
        upload = gr.File(label=f"{name}: or upload a picture of a digit", file_types=["image"], type="filepath",
                         height=90, elem_id=f"latent-upload-{name.lower()}")
    return source, number, editor, upload


def build_tab(demo: gr.Blocks) -> None:
    t = TABLE
    with gr.Tab("Latent variables", id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(INTRO)
        t.toolbar()
        with gr.Row():
            over_in = [t.build(k) for k in OVERVIEW]
        note = gr.Markdown(elem_id="latent-note")
        with gr.Row():
            samples = gr.Image(label="Samples: random z decoded (VAE: z ~ N(0, temperature^2 I); AE: from a Gaussian "
                               "fitted to its encodings, spread scaled by the temperature)", format="png",
                               elem_id="latent-samples", height=380)
            recon = gr.Image(label="Test digits (top) and their reconstructions (bottom)", format="png",
                             elem_id="latent-recon", height=380)
        with gr.Row():
            latent_map = gr.Plot(label="Latent map", elem_id="latent-map")
            with gr.Column():
                manifold = gr.Image(label="Decoded manifold over the map (12 x 12 points)", format="png",
                                    elem_id="latent-manifold", height=420)
                z1, z2 = t.build("z1"), t.build("z2")
                point = gr.Image(label="Decoded point", format="png", height=160, elem_id="latent-point")
        gr.Markdown("#### Interpolation from A to B")
        with gr.Row():
            ends = [*_endpoint_inputs(t, "A"), *_endpoint_inputs(t, "B")]
            with gr.Column(min_width=200):
                method, frames = t.build("method"), t.build("frames")
                go = gr.Button("Interpolate", variant="primary", elem_id="latent-interpolate")
                gif_go = gr.Button("GIF for slides", elem_id="latent-gif-go")
                gif = gr.File(label="Interpolation as a GIF", elem_id="latent-gif")
        inter_note = gr.Markdown(elem_id="latent-inter-note")
        strip = gr.Image(label="A, the frames, B", format="png", elem_id="latent-strip", height=150)
        animation = gr.Plot(label="Interpolation as an animation", elem_id="latent-animation")
        gr.Markdown("#### Latent arithmetic: decode(z_a - z_b + z_c)")
        with gr.Row():
            abc = [t.build(k) for k in "xyz"]
            calc = gr.Button("Compute a - b + c", elem_id="latent-arith-go")
        arith = gr.Image(label="a, b, c (top); their reconstructions and a - b + c (bottom)", format="png",
                         elem_id="latent-arith", height=300)
        with gr.Row():
            walk = gr.Image(label="Traversals: each row moves one latent dimension from -3 to 3", format="png",
                            elem_id="latent-walk", height=520)
            kl = gr.Plot(label="KL per latent dimension", elem_id="latent-kl")
        compare = gr.Image(label="Random latents: autoencoder (left 4 columns) against VAE (right 4 columns)",
                           format="png", elem_id="latent-compare", height=420)

    model = t.widgets("family", "size")
    over_out = [samples, recon, latent_map, manifold, walk, kl, compare, note]
    inter_in, inter_out = [*model, *ends, method, frames], [strip, animation, latent_map, inter_note]
    gr.on([tab.select] + [c.input for c in over_in], overview, over_in, over_out, api_name="latent_overview",
          trigger_mode="always_last", concurrency_id="compute")
    gr.on([z1.input, z2.input], decode_point, [*model, z1, z2], [point, latent_map], api_name="latent_decode",
          trigger_mode="always_last", concurrency_id="compute")
    gr.on([go.click, method.input, frames.input], interpolate, inter_in, inter_out, api_name="latent_interpolate",
          trigger_mode="always_last", concurrency_id="compute")
    gif_go.click(interpolation_gif, inter_in, gif, api_name="latent_interpolation_gif", concurrency_id="compute")
    calc.click(arithmetic, [*model, *abc], arith, api_name="latent_arithmetic", concurrency_id="compute")
    draw_in, compute = [*over_in, *ends, method, frames], dict(api_visibility="private", concurrency_id="compute")
    t.link(demo, tab).then(_run_if_linked, draw_in, over_out + inter_out, **compute)
    t.lessons_run(draw, draw_in, over_out + inter_out, **compute)


def _run_if_linked(request: gr.Request, *values):
    """A link to this tab draws at once (the request comes first: Gradio passes it by position)."""
    return draw(*values) if TABLE.linked(request) else (gr.skip(),) * 12
