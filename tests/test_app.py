"""The app launched in-process (the `client` fixture in conftest.py) and called through gradio_client: the Home,
Density, Flow matching, Diffusion and Latent variables tabs, bad inputs included."""
import math

import httpx
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError

from playground.models import bandwidth
from playground.toydata import toy_sample

# Endpoint inputs: dim, dataset, n, seed, typed, kernel, log10_h, rule, view, show_true
DEFAULT = ["1-D", "bimodal mixture", 1000, 0, "", "gaussian", -0.5, "silverman", "heatmap", True]


def call(client, **changes):
    keys = ["dim", "dataset", "n", "seed", "typed", "kernel", "log10_h", "rule", "view", "show_true"]
    args = dict(zip(keys, DEFAULT)) | changes
    return client.predict(*[args[k] for k in keys], api_name="/density")


def test_density_endpoint_returns_plots_and_the_rule_bandwidth(client):
    fig, heldout, info, log_h, rule = call(client, rule="scott")
    h = bandwidth.select("scott", toy_sample("bimodal mixture", 1000, 0, 1))
    assert log_h == pytest.approx(math.log10(h), abs=1e-3) and rule == "scott"
    assert "1,000 points" in info and "exact sum" in info
    assert fig and heldout


def test_manual_bandwidth_kernels_and_2d(client):
    _, _, info, log_h, rule = call(client, rule="manual", log10_h=-1.0, kernel="epanechnikov")
    assert log_h == -1.0 and rule == "manual" and "h = 0.1" in info
    _, _, info2, _, _ = call(client, dim="2-D", dataset="checkerboard", n=50_000, rule="cv")
    assert "50,000 points" in info2 and "linear binning" in info2


def test_typed_points_and_one_point(client):
    _, _, info, _, _ = call(client, dataset="typed numbers", typed="-2.1, -1.3, -0.4, 1.9, 5.1, 6.2")
    assert "6 points" in info
    _, _, info1, _, _ = call(client, dataset="typed numbers", typed="5", rule="manual", log10_h=0.0)
    assert "1 points" in info1 or "1 point" in info1


@pytest.mark.parametrize("changes, message", [
    (dict(n=0), r"Sample size N must be a whole number from 1 to 1,000,000 \(got 0\)"),
    (dict(n=2_000_000), r"Sample size N must be a whole number from 1 to 1,000,000"),
    (dict(kernel="cosine"), "Kernel: choose one of gaussian"),
    (dict(rule="magic"), "Bandwidth rule: choose one of manual, scott"),
    (dict(dataset="typed numbers", typed="1, 2, x"), "not numeric"),
    (dict(dataset="typed numbers", typed="1, nan, 3"), "NaN or infinite"),
    (dict(dataset="typed numbers", typed=""), "No numbers"),
    (dict(dataset="typed numbers", typed="3 3 3 3"), "bandwidth 0"),
    (dict(dataset="typed numbers", typed="5"), "at least 2 points"),
    (dict(dataset="uploaded CSV"), "No CSV uploaded"),
    (dict(dim="2-D", dataset="moons", rule="isj"), "1-D rule"),
    (dict(dataset="no such data"), "Unknown data set"),
])
def test_bad_input_gets_a_clear_error_and_the_server_keeps_serving(client, changes, message):
    with pytest.raises(AppError, match=message):
        call(client, **changes)
    assert "1,000 points" in call(client)[2]


def test_absurd_bandwidth_is_refused_and_a_rule_outside_the_slider_is_stated(client):
    with pytest.raises(AppError, match="log10 h must be a number from -3 to 3"):
        call(client, rule="manual", log10_h=50)
    # Points 1e6 apart: Scott's h is far beyond the slider's 10^3, so the slider's end is used, and said.
    *_, info, log_h, _ = call(client, dataset="typed numbers", typed="0, 1000000, 2000000", rule="scott")
    assert log_h == 3.0 and "outside the slider" in info


def test_a_click_on_the_plot_adds_a_point(client):
    typed, data = client.predict("1-D", "bimodal mixture", "", 1.5, 0.0, api_name="/density_add_point")
    assert typed == "1.5" and data["value"] == "typed numbers"
    typed, _ = client.predict("1-D", "typed numbers", typed, -2.25, 0.0, api_name="/density_add_point")
    assert typed == "1.5, -2.25"
    typed, _ = client.predict("2-D", "typed numbers", "1, 2\n3, 4", 0.5, -1.0, api_name="/density_add_point")
    assert typed.splitlines() == ["1, 2", "3, 4", "0.5, -1"]
    with pytest.raises(AppError, match="Clicked point x must be a number from -1e"):
        client.predict("1-D", "typed numbers", "", 1e9, 0.0, api_name="/density_add_point")


def test_csv_upload_good_and_bad(client, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("value\n" + "\n".join(str(v) for v in toy_sample("standard normal", 300, 1, 1)))
    result = client.predict(handle_file(str(good)), "1-D", api_name="/density_upload")
    assert result["value"] == "uploaded CSV"
    _, _, info, _, _ = call(client, dataset="uploaded CSV")
    assert "300 points" in info
    bad = tmp_path / "bad.csv"
    bad.write_text("1\n2\nthree\n")
    with pytest.raises(AppError, match="not numeric"):
        client.predict(handle_file(str(bad)), "1-D", api_name="/density_upload")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(AppError, match="empty"):
        client.predict(handle_file(str(empty)), "1-D", api_name="/density_upload")


def test_upload_over_the_size_cap_is_refused(client, tmp_path):
    huge = tmp_path / "huge.csv"
    huge.write_bytes(b"1\n" * (11 * 2 ** 20))  # 22 MB > the 20 MB cap
    with pytest.raises(Exception, match="(?i)size|large|413"):
        client.predict(handle_file(str(huge)), "1-D", api_name="/density_upload")
    assert "1,000 points" in call(client)[2]


def test_curse_and_home_endpoints(client):
    fig, verdict = client.predict(300, 0, api_name="/density_curse")
    assert fig and "d =" in verdict
    with pytest.raises(AppError, match="Training points N must be a whole number from 50 to 5,000"):
        client.predict(10, 0, api_name="/density_curse")
    table = client.predict(api_name="/home_models")
    assert "flow-moons" in table and "✅" in table and "gpt2" in table


def _row(table: str, label: str) -> list:
    line = next(line for line in table.splitlines() if label in line)
    return [cell.strip() for cell in line.strip("|").split("|")][1:]


def test_reflow_straightens_the_paths_and_survives_few_steps(client):
    _, table = client.predict("moons", 2, "euler", 400, 0, api_name="/flow_matching")
    assert _row(table, "network evaluations") == ["2", "2", "2"]
    fm, rf, dm = (float(v) for v in _row(table, "straightness"))
    assert rf > 0.95 and rf > fm and rf > dm  # the reflowed paths are nearly straight
    sw_fm, sw_rf, sw_dm = (float(v) for v in _row(table, "sliced Wasserstein"))
    assert sw_rf < sw_fm and sw_rf < sw_dm  # so two steps already land on the shape
    _, table_heun = client.predict("checkerboard", 10, "heun", 200, 3, api_name="/flow_matching")
    assert _row(table_heun, "network evaluations") == ["20", "20", "10"]


@pytest.mark.parametrize("args, message", [
    (("torus", 8, "euler", 100, 0), "Shape: choose one of"),
    (("moons", 0, "euler", 100, 0), "ODE steps must be a whole number from 1 to"),
    (("moons", 500, "euler", 100, 0), "ODE steps must be a whole number from 1 to"),
    (("moons", 8, "rk4", 100, 0), "ODE solver: choose one of"),
    (("moons", 8, "euler", 100_000, 0), "Particles must be a whole number from 10 to"),
])
def test_flow_matching_bad_input(client, args, message):
    with pytest.raises(AppError, match=message):
        client.predict(*args, api_name="/flow_matching")


def test_diffusion_forward_on_a_shape_and_a_digit(client):
    fig, gallery, schedule, note = client.predict("2-D shape", "spirals", 0, 500, 0, api_name="/diffusion_forward")
    assert fig and schedule and "t = 500" in note and "alpha_bar" in note
    fig2, gallery2, _, note2 = client.predict("MNIST digit", "moons", 3, 999, 1, api_name="/diffusion_forward")
    assert len(gallery2["value"]) == 2 and "t = 999" in note2
    with pytest.raises(AppError, match="MNIST test digit index must be a whole number from 0 to 9,999"):
        client.predict("MNIST digit", "moons", 10_000, 10, 0, api_name="/diffusion_forward")


def test_gifs_for_slides_of_the_paths_and_the_reverse_process(client):
    from PIL import Image

    for api_name, args, size in (("/flow_matching_gif", ("moons", 3, "euler", 50, 0), (960, 480)),
                                 ("/diffusion_reverse_gif", ("moons", "ddim", 3, 0.0, 50, 0, 100), (640, 640))):
        with Image.open(client.predict(*args, api_name=api_name)) as gif:
            assert (gif.format, gif.size, gif.n_frames) == ("GIF", size, 4), api_name  # steps + 1 frames
    with pytest.raises(AppError, match="Steps must be a whole number from 1 to 500 when Sampler is 'euler'"):
        client.predict("moons", "euler", 600, 0.0, 50, 0, 100, api_name="/diffusion_reverse_gif")


@pytest.mark.parametrize("sampler", ["ddpm", "ddim", "dpm++", "euler", "euler-ancestral"])
def test_diffusion_reverse_with_every_sampler(client, sampler):
    fig = client.predict("moons", sampler, 8, 0.5, 200, 0, 100, api_name="/diffusion_reverse")
    assert fig


def test_diffusion_reverse_bad_input(client):
    with pytest.raises(AppError, match="from 1 to 500"):
        client.predict("moons", "euler", 900, 0.0, 200, 0, 100, api_name="/diffusion_reverse")
    with pytest.raises(AppError, match="Steps must be a whole number from 1 to 1,000"):
        client.predict("moons", "ddim", 0, 0.0, 200, 0, 100, api_name="/diffusion_reverse")
    with pytest.raises(AppError, match="Particles must be a whole number from 10 to 3,000"):
        client.predict("moons", "ddim", 10, 0.0, 50_000, 0, 100, api_name="/diffusion_reverse")


def _digits(client, sampler="ddim", steps=20, eta=0.0, guidance=3.0, label="7", batch=4, seed=0,
            model="mnist-diffusion-fast"):
    return client.submit(sampler, steps, eta, guidance, label, batch, seed, model, api_name="/diffusion_digits")


def test_diffusion_digits_stream_frames_then_samples(client):
    job = _digits(client)
    final = job.result(timeout=300)
    outputs = job.outputs()
    assert len(outputs) >= 10  # frames arrived one by one before the result
    xt, x0, status, samples, strip = final
    assert "Done" in status and "20 ddim steps" in status and "of 4**" in status
    assert samples and strip and xt and x0
    assert "Step 1 of 20" in outputs[0][2]


def test_diffusion_digits_every_sampler_and_random_labels(client):
    for sampler in ["ddpm", "dpm++", "euler", "euler-ancestral"]:
        *_, status, samples, _ = _digits(client, sampler=sampler, steps=5, label="random", batch=2).result(timeout=300)
        assert "5 " + sampler in status and "of 2**" in status and samples
        assert "this few steps" in status  # too few steps are called out


def test_diffusion_digits_from_the_larger_model(client):
    *_, status, samples, _ = _digits(client, model="mnist-diffusion", batch=3).result(timeout=300)
    assert "(mnist-diffusion)" in status and "of 3**" in status and samples


def test_diffusion_digits_concurrent_requests_share_unet_calls(client):
    from playground import batching, registry

    jobs = [_digits(client, sampler=sampler, steps=30, batch=2, seed=k)
            for k, sampler in enumerate(["ddim", "ddim", "dpm++", "euler"])]
    statuses = [job.result(timeout=300)[2] for job in jobs]
    assert all("Done" in s and "of 2**" in s for s in statuses), statuses
    streamed = [out[2] for job in jobs for out in job.outputs()[:-1]]
    assert any("runs share the server, so each streams fewer frames" in s for s in streamed)  # the frame budget
    model = registry.load("mnist-diffusion-fast")
    batcher = next(b for (key, _), b in batching._batchers.items() if key == id(model))
    assert batcher.served >= 4 * 30 and batcher.calls < batcher.served  # some calls served several requests


def test_every_digits_event_admits_the_shared_batch_limit():
    """Gradio gives a concurrency group the lowest limit of its events: one event left at the default (2 here)
    would hold every digit request to 2 at a time once a browser had opened a link."""
    from playground.tasks.diffusion_lab import streams_at_once
    from playground.ui import build_app

    fns = [fn for fn in build_app().fns.values() if fn.concurrency_id == "digits"]
    assert len(fns) >= 2 and {fn.concurrency_limit for fn in fns} == {streams_at_once()}


def test_diffusion_digits_unconditional_are_not_judged_against_labels(client):
    *_, status, samples, _ = _digits(client, guidance=0.0, steps=5, batch=3).result(timeout=300)
    assert "unconditional model" in status and "asked for" not in status and samples


@pytest.mark.parametrize("args,message", [
    (dict(steps=0), "Digit steps must be a whole number from 1 to 1,000"),
    (dict(sampler="dpm++", steps=600), "from 1 to 500"),
    (dict(guidance=25), "Guidance scale w must be a number from 0 to 10"),
    (dict(guidance=-1), "Guidance scale w must be a number from 0 to 10"),
    (dict(batch=500), "How many digits must be a whole number from 1 to 64"),
    (dict(label="11"), "Digit to draw: choose one of random, 0, 1"),
    (dict(sampler="heun"), "Digit sampler: choose one of"),
    (dict(seed=1.5), "Sampling seed must be a whole number"),
    (dict(model="mnist-diffusion-huge"), "Digit model: choose one of"),
])
def test_diffusion_digits_bad_input(client, args, message):
    with pytest.raises(AppError, match=message):
        _digits(client, **args).result(timeout=60)


def test_diffusion_digits_cancel_stops_the_stream(client):
    import time

    from playground import registry

    calls = []  # the server runs in this process: count its UNet calls
    hook = registry.load("mnist-diffusion-fast").unet.register_forward_hook(lambda *_: calls.append(1))
    try:
        job = _digits(client, sampler="ddpm", steps=1000, batch=8)
        deadline = time.time() + 120
        while not job.outputs() and time.time() < deadline:
            time.sleep(0.1)
        assert job.outputs(), "no frame arrived"
        for attempt in range(3):  # on a loaded machine (two test workers) the cancel request can time out once
            try:
                job.cancel()
                break
            except httpx.ReadTimeout:
                if attempt == 2:
                    raise
        time.sleep(3)
        frames, made = len(job.outputs()), len(calls)
        time.sleep(3)
        assert len(job.outputs()) == frames and len(calls) == made < 500  # the sampler stopped
    finally:
        hook.remove()
    *_, status, _, _ = _digits(client, steps=2, batch=1).result(timeout=60)  # and the server serves on
    assert "Done" in status


VAE2 = ["VAE (beta = 1)", "2-D latent"]


def _picture(path, rgb=False):
    """A digit-like stroke saved as a PNG: dark ink on white paper (or red ink, when rgb)."""
    import numpy as np
    from PIL import Image

    a = np.full((200, 160, 3), 255, dtype=np.uint8)
    a[30:170, 70:95] = (200, 30, 30) if rgb else (0, 0, 0)
    Image.fromarray(a).save(path)
    return str(path)


def _editor(path=None):
    f = handle_file(path) if path else None
    return {"background": f, "layers": [], "composite": f, "id": None}


def _interp(client, a=("test digit", 3, None, None), b=("test digit", 7, None, None), method="slerp", frames=10):
    """a, b: (source, index, drawing path, upload path)."""
    def ends(e):
        return [e[0], e[1], _editor(e[2]), handle_file(e[3]) if e[3] else None]

    return client.predict(*VAE2, *ends(a), *ends(b), method, frames, api_name="/latent_interpolate")


@pytest.mark.parametrize("family", ["autoencoder", "VAE (beta = 1)", "beta-VAE (beta = 4)"])
@pytest.mark.parametrize("size", ["2-D latent", "16-D latent"])
def test_latent_overview_for_every_model(client, family, size):
    samples, recon, fig, manifold, walk, kl, compare, note = client.predict(family, size, 1.0, 0, 0,
                                                                           api_name="/latent_overview")
    assert samples and recon and fig and manifold and walk and kl and compare
    assert family in note and "reconstruction error" in note


def test_latent_interpolation_from_an_upload_and_a_drawing(client, tmp_path):
    upload = _picture(tmp_path / "one.png", rgb=True)
    strip, animation, fig, note = _interp(client, a=("upload", 0, None, upload), method="linear", frames=6)
    assert strip and animation and fig
    assert "linear interpolation in 6 frames" in note and "colour picture converted to grey" in note
    from PIL import Image
    import numpy as np

    sketch = np.zeros((280, 280, 4), dtype=np.uint8)
    sketch[40:240, 130:150] = (0, 0, 0, 255)  # what the sketchpad sends: black paint on a transparent canvas
    Image.fromarray(sketch).save(tmp_path / "sketch.png")
    *_, note = _interp(client, b=("drawing", 0, str(tmp_path / "sketch.png"), None))
    assert "B: dark ink on light paper inverted" in note
    point, fig2 = client.predict(*VAE2, 0.3, -0.7, api_name="/latent_decode")
    assert point and fig2
    assert client.predict(*VAE2, 1, 2, 3, api_name="/latent_arithmetic")


def test_latent_interpolation_bad_input(client, tmp_path):
    from PIL import Image

    with pytest.raises(AppError, match="Nothing drawn for A"):
        _interp(client, a=("drawing", 0, None, None))
    empty = tmp_path / "empty.png"
    Image.new("RGBA", (280, 280), (0, 0, 0, 0)).save(empty)  # an untouched sketchpad
    with pytest.raises(AppError, match="sketch is empty"):
        _interp(client, a=("drawing", 0, str(empty), None))
    with pytest.raises(AppError, match="No picture uploaded for B"):
        _interp(client, b=("upload", 0, None, None))
    blank = tmp_path / "blank.png"
    Image.new("RGB", (120, 120), "white").save(blank)
    with pytest.raises(AppError, match="no ink"):
        _interp(client, a=("upload", 0, None, str(blank)))
    text = tmp_path / "digit.png"
    text.write_text("not a picture, whatever the name says")
    with pytest.raises(AppError, match="not a picture"):
        _interp(client, a=("upload", 0, None, str(text)))
    with pytest.raises(AppError, match="A: test digit index must be a whole number from 0 to 9,999"):
        _interp(client, a=("test digit", 10_000, None, None))
    with pytest.raises(AppError, match="A comes from: choose one of test digit, drawing, upload"):
        _interp(client, a=("sideways", 0, None, None))
    with pytest.raises(AppError, match="Temperature must be a number from 0 to 3"):
        client.predict(*VAE2, 50.0, 0, 0, api_name="/latent_overview")
    assert client.predict(*VAE2, 0.5, 1, 0, api_name="/latent_overview")[0]  # the server still answers
