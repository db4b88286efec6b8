"""Latent variables tab: AE vs VAE vs beta-VAE on MNIST. Prior samples with a temperature,
reconstructions, the latent map with its decoded manifold, interpolation between test digits or your own
drawings, latent arithmetic, per-dimension traversals, KL per dimension, and AE against VAE."""
import gradio as gr

from playground.ui import checks
from playground.ui import latent_handlers as h
from playground.ui.urlstate import query_value, sync_url, tab_query

TAB_ID = "latent"
INTRO = """### Latent variable models: compress a digit into z, then decode z back into a digit
An **autoencoder** learns z = f(x) and x = g(z). A **VAE** learns q(z|x) and p(x|z) under a N(0, I) prior,
so any z near the prior decodes to a digit; **beta-VAE** weights the KL term by beta = 4 for a smoother,
blurrier space. Compare the three, and a 2-D latent (which you can see whole) with a 16-D one."""
DEFAULTS = {"family": "VAE (beta = 1)", "size": "2-D latent", "temp": 1.0, "seed": 0, "index": 0, "z1": 0.0, "z2": 0.0,
            "a_src": "test digit", "a": 3, "b_src": "test digit", "b": 2, "method": "slerp", "frames": 10,
            "x": 0, "y": 1, "z": 2}


def _endpoint_inputs(name: str, index: int):
    with gr.Column(min_width=240):
        source = checks.Radio(h.SOURCES, value="test digit", label=f"{name} comes from", elem_id=f"latent-src-{name.lower()}")
        number = checks.Number(index, precision=0, minimum=0, maximum=9999,
                               label=f"{name}: test digit index (0 to 9,999)")
        editor = checks.ImageEditor(label=f"{name}: draw a digit", type="filepath", canvas_size=(280, 280), sources=(),
                                brush=gr.Brush(colors=["#000000"], default_size=18), layers=False, height=320,
                                elem_id=f"latent-editor-{name.lower()}")
        upload = gr.File(label=f"{name}: or upload a picture of a digit", file_types=["image"], type="filepath",
                         height=90, elem_id=f"latent-upload-{name.lower()}")
    return source, number, editor, upload


def build_tab(demo: gr.Blocks) -> None:
    with gr.Tab("Latent variables", id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(INTRO)
        with gr.Row():
            family = checks.Radio(list(h.FAMILIES), value=DEFAULTS["family"], label="Model")
            size = checks.Radio(list(h.SIZES), value=DEFAULTS["size"], label="Latent size")
            temp = checks.Slider(0, 3, value=DEFAULTS["temp"], step=0.05, label="Temperature (scale of z)")
            seed = checks.Number(DEFAULTS["seed"], precision=0, label="Seed (any whole number, used mod 2^32)")
            index = checks.Number(DEFAULTS["index"], precision=0, minimum=0, maximum=9990,
                                  label="First test digit to reconstruct (0 to 9,990)")
        note = gr.Markdown(elem_id="latent-note")
        with gr.Row():
            samples = gr.Image(label="Samples: random z decoded (VAE: z ~ N(0, temperature^2 I); AE: from a Gaussian "
                               "fitted to its encodings, spread scaled by the temperature)", format="png", elem_id="latent-samples",
                               height=380)
            recon = gr.Image(label="Test digits (top) and their reconstructions (bottom)", format="png",
                             elem_id="latent-recon", height=380)
        with gr.Row():
            latent_map = gr.Plot(label="Latent map", elem_id="latent-map")
            with gr.Column():
                manifold = gr.Image(label="Decoded manifold over the map (12 x 12 points)", format="png",
                                    elem_id="latent-manifold", height=420)
                z1 = checks.Slider(-4, 4, value=0, step=0.05,
                               label="Decode a point: first map coordinate (in standard deviations of the test digits)")
                z2 = checks.Slider(-4, 4, value=0, step=0.05, label="... and the second map coordinate")
                point = gr.Image(label="Decoded point", format="png", height=160, elem_id="latent-point")
        gr.Markdown("#### Interpolation from A to B")
        with gr.Row():
            a_src, a_idx, a_edit, a_file = _endpoint_inputs("A", DEFAULTS["a"])
            b_src, b_idx, b_edit, b_file = _endpoint_inputs("B", DEFAULTS["b"])
            with gr.Column(min_width=200):
                method = checks.Radio(["linear", "slerp"], value=DEFAULTS["method"], label="Interpolation")
                frames = checks.Slider(2, 30, value=DEFAULTS["frames"], step=1, label="Frames")
                go = gr.Button("Interpolate", variant="primary", elem_id="latent-interpolate")
        inter_note = gr.Markdown(elem_id="latent-inter-note")
        strip = gr.Image(label="A, the frames, B", format="png", elem_id="latent-strip", height=150)
        animation = gr.Plot(label="Interpolation as an animation", elem_id="latent-animation")
        gr.Markdown("#### Latent arithmetic: decode(z_a - z_b + z_c)")
        with gr.Row():
            ax, bx, cx = (checks.Number(DEFAULTS[key], precision=0, minimum=0, maximum=9999,
                                        label=f"{name}: test digit index") for key, name in zip("xyz", "abc"))
            calc = gr.Button("Compute a - b + c", elem_id="latent-arith-go")
        arith = gr.Image(label="a, b, c (top); their reconstructions and a - b + c (bottom)", format="png",
                         elem_id="latent-arith", height=300)
        with gr.Row():
            walk = gr.Image(label="Traversals: each row moves one latent dimension from -3 to 3", format="png",
                            elem_id="latent-walk", height=520)
            kl = gr.Plot(label="KL per latent dimension", elem_id="latent-kl")
        compare = gr.Image(label="Random latents: autoencoder (left 4 columns) against VAE (right 4 columns)",
                           format="png", elem_id="latent-compare", height=420)
    over_in = [family, size, temp, seed, index]
    over_out = [samples, recon, latent_map, manifold, walk, kl, compare, note]
    gr.on([tab.select] + [c.input for c in over_in], h.overview, over_in, over_out, api_name="latent_overview",
          trigger_mode="always_last", concurrency_id="compute")
    gr.on([z1.input, z2.input], h.decode_point, [family, size, z1, z2], [point, latent_map], api_name="latent_decode",
          trigger_mode="always_last", concurrency_id="compute")
    inter_in = [family, size, a_src, a_idx, a_edit, a_file, b_src, b_idx, b_edit, b_file, method, frames]
    gr.on([go.click, method.input, frames.input], h.interpolate, inter_in, [strip, animation, latent_map, inter_note],
          api_name="latent_interpolate", trigger_mode="always_last", concurrency_id="compute")
    calc.click(h.arithmetic, [family, size, ax, bx, cx], arith, api_name="latent_arithmetic", concurrency_id="compute")
    settings = [family, size, temp, seed, index, a_src, a_idx, b_src, b_idx, method, frames, ax, bx, cx]
    sync_url(tab, TAB_ID, dict(zip(["family", "size", "temp", "seed", "index", "a_src", "a", "b_src", "b", "method",
                                    "frames", "x", "y", "z"], settings)))
    demo.load(_restore, None, settings, api_visibility="private").then(
        _run_if_linked, over_in + inter_in, over_out + [strip, animation, latent_map, inter_note],
        api_visibility="private", concurrency_id="compute")


def _restore(request: gr.Request):
    q = tab_query(request, TAB_ID)
    digit = {"kind": int, "bounds": (0, 9999)}
    return (query_value(q, "family", DEFAULTS["family"], choices=list(h.FAMILIES)),
            query_value(q, "size", DEFAULTS["size"], choices=list(h.SIZES)),
            query_value(q, "temp", DEFAULTS["temp"], float, bounds=(0, 3)), query_value(q, "seed", 0, int),
            query_value(q, "index", 0, int, bounds=(0, 9990)),
            query_value(q, "a_src", "test digit", choices=h.SOURCES), query_value(q, "a", DEFAULTS["a"], **digit),
            query_value(q, "b_src", "test digit", choices=h.SOURCES), query_value(q, "b", DEFAULTS["b"], **digit),
            query_value(q, "method", DEFAULTS["method"], choices=("linear", "slerp")),
            query_value(q, "frames", DEFAULTS["frames"], int, bounds=(2, 30)),
            *(query_value(q, k, DEFAULTS[k], **digit) for k in "xyz"))


def _run_if_linked(family, size, temp, seed, index, family2, size2, a_src, a_idx, a_edit, a_file, b_src, b_idx,
                   b_edit, b_file, method, frames, request: gr.Request):
    """A link to this tab draws at once (an interpolation too, when both ends are test digits)."""
    if query_value(request.query_params if request else None, "tab", "") != TAB_ID:
        return (gr.skip(),) * 12
    over = h.overview(family, size, temp, seed, index)
    if a_src != "test digit" or b_src != "test digit":
        return (*over, gr.skip(), gr.skip(), gr.skip(), gr.skip())
    return (*over, *h.interpolate(family, size, a_src, a_idx, a_edit, a_file, b_src, b_idx, b_edit, b_file, method,
                                  frames))
