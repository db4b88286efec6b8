"""The app's public API through gradio_client (the `client` fixture in conftest.py): exactly the intended endpoints,
with parameter names a user understands; and a sample of wrong values sent over HTTP, each answered with a clear
message while the server keeps serving and logs no traceback (the full table runs in-process in
test_app_inputs.py)."""
import re
import struct
import zlib

import httpx
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError

PUBLIC = ["ar_complete", "ar_digits", "ar_digits_gif", "ar_generate", "ar_load_digit", "ar_next_token", "density",
          "density_add_point", "density_bandwidth", "density_curse", "density_upload", "diffusion_digits",
          "diffusion_digits_gif", "diffusion_forward", "diffusion_reverse", "diffusion_reverse_gif", "flow_matching",
          "flow_matching_gif", "home_models", "imp_impute", "imp_make_table", "imp_view", "inv_load", "inv_restore",
          "inv_restore_gif", "joint_categorical", "joint_counts", "joint_gmm", "joint_gmm_animation", "joint_gmm_gif",
          "joint_pixel_models", "latent_arithmetic", "latent_decode", "latent_interpolate", "latent_interpolation_gif",
          "latent_overview"]
DENSITY = ["1-D", "bimodal mixture", 1000, 0, "", "gaussian", -0.5, "silverman", "heatmap", True]


def test_only_the_intended_endpoints_are_public_with_readable_parameters(client):
    api = client.view_api(return_format="dict", print_info=False)
    assert sorted(name.lstrip("/") for name in api["named_endpoints"]) == PUBLIC
    assert not api["unnamed_endpoints"]
    for name, endpoint in api["named_endpoints"].items():
        for parameter in endpoint["parameters"]:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", parameter["parameter_name"]), (name, parameter)
            assert not re.fullmatch(r"param_\d+", parameter["parameter_name"]), (name, parameter)
    bandwidth = [p["parameter_name"] for p in api["named_endpoints"]["/density_bandwidth"]["parameters"]]
    assert bandwidth == ["dim", "dataset", "n", "seed", "typed", "kernel", "log10_h", "rule", "view", "show_true"]


def _bomb(path) -> str:
    """A PNG whose header claims 30,000 x 30,000 pixels (a decompression bomb), in 69 bytes."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 30_000, 30_000, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))
    return str(path)


def _wrong_requests(tmp_path):
    """(endpoint, arguments, message) sent over HTTP."""
    (tmp_path / "header.csv").write_text("value\n")
    bomb = {"background": None, "layers": [handle_file(_bomb(tmp_path / "bomb.png"))], "composite": None}
    return [
        ("/density", DENSITY[:2] + ["abc"] + DENSITY[3:], r"Sample size N must be a whole number from 1 to 1,000,000"),
        ("/density_bandwidth", DENSITY[:6] + [None] + DENSITY[7:], r"Bandwidth: log10 h must be a number from -3 to 3"),
        ("/flow_matching", ["moons", None, "euler", 100, 0], r"ODE steps must be a whole number from 1 to"),
        ("/joint_gmm", ["moons", 300, 3, "weird", 10, 1, 0, 0], r"Covariance type: choose one of full, "),
        ("/diffusion_reverse", ["moons", "ddim", 10, -1, 200, 0, 100], r"eta must be a number from 0 to 1"),
        ("/imp_impute", [{"headers": ["a", "b"], "data": []}, ["mean"], 2, 2, "a", "b", "mean", 0], "table is empty"),
        ("/density_upload", [handle_file(str(tmp_path / "header.csv")), "1-D"], "no data rows"),
        ("/inv_restore", ["MNIST digits (28x28 grey)", 7, None, bomb, "Inpainting", "painted region", "4",
                          "DDNM (fast)", 1, 2, 0.85, "none", 1.0, 5, 2, 0], r'"Paint the region to fill": the picture '
                                                                             r"is far too large"),
    ]


def _raw_call(client, endpoint: str, body: str) -> str:
    """An API call with a JSON body as written (NaN and Infinity, which gradio_client will not send): its event
    stream."""
    posted = httpx.post(f"{client.src}gradio_api/call{endpoint}", content=body, timeout=30,
                        headers={"Content-Type": "application/json"})
    return httpx.get(f"{client.src}gradio_api/call{endpoint}/{posted.json()['event_id']}", timeout=60).text


def test_wrong_values_over_http_are_clear_errors_and_the_server_keeps_serving(client, tmp_path, capfd):
    for endpoint, args, message in _wrong_requests(tmp_path):
        with pytest.raises(AppError, match=message):
            client.predict(*args, api_name=endpoint)
    for value in ("NaN", "Infinity", "-Infinity"):
        stream = _raw_call(client, "/flow_matching", f'{{"data": ["moons", {value}, "euler", 100, 0]}}')
        assert "event: error" in stream and "ODE steps must be a whole number from 1 to" in stream, stream
    assert "1,000 points" in client.predict(*DENSITY, api_name="/density")[2]  # still serving
    logged = capfd.readouterr().err
    assert "Traceback" not in logged, logged[-3000:]
