"""The Inverse problems tab through gradio_client (the `client` fixture in conftest.py): a painted mask and an
upload restored by DDNM, RePaint and the PixelCNN, colourization and super-resolution, the run as a GIF for slides,
and bad input."""
import numpy as np
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image

MNIST, CIFAR = "MNIST digits (28x28 grey)", "CIFAR-10 photos (32x32 colour)"
DEFAULT = dict(task="Inpainting", region="painted region", factor="4", method="DDNM (fast)", k=3, steps=20, eta=0.85,
               label="none", guidance=1.0, jump=5, resample=2, seed=0)


def _run(client, prior, index, upload, editor, **changes):
    s = dict(DEFAULT, **changes)
    job = client.submit(prior, index, upload, editor, *s.values(), api_name="/inv_restore")
    result = job.result(timeout=300)
    return result, job.outputs()


def _layer(tmp_path, side=320):
    layer = np.zeros((side, side, 4), dtype=np.uint8)
    layer[100:220, 60:260] = (224, 48, 48, 255)  # a band across the middle
    Image.fromarray(layer).save(tmp_path / "layer.png")
    return {"background": None, "layers": [handle_file(str(tmp_path / "layer.png"))], "composite": None}


def test_inpainting_a_painted_mask_streams_samples_mean_and_spread(client, tmp_path):
    editor, status = client.predict(MNIST, 7, None, api_name="/inv_load")
    assert editor["background"] and "test image 7: 28 x 28" in status
    (truth, observed, samples, mean, spread, scores, status), frames = _run(client, MNIST, 7, None, _layer(tmp_path))
    assert truth and observed and samples and mean and spread
    assert len(frames) >= 5  # the estimate streamed while it ran
    assert "3 posterior samples of test image 7 by DDNM" in status and "every known pixel is kept" in status
    rows = {row[0]: row[1] for row in scores["data"]}
    assert {"sample 1", "sample 3", "mean of the samples", "baseline: mean fill"} <= set(rows)
    *_, status = _run(client, MNIST, 7, None, _layer(tmp_path), method="RePaint (resampling)", steps=10)[0]
    assert "by RePaint" in status
    *_, status = _run(client, MNIST, 7, None, None, region="bottom half", method="PixelCNN (binary digits)")[0]
    assert "by PixelCNN" in status


def test_an_uploaded_photo_is_colourized_and_super_resolved(client, tmp_path):
    photo = np.zeros((90, 120, 3), dtype=np.uint8)
    photo[:, :60] = (200, 60, 40)
    photo[:, 60:] = (40, 90, 200)
    Image.fromarray(photo).save(tmp_path / "photo.png")
    upload = handle_file(str(tmp_path / "photo.png"))
    editor, status = client.predict(CIFAR, 0, upload, api_name="/inv_load")
    assert "your upload (centre 90 x 90 square shrunk to 32 x 32" in status
    (*_, scores, status), _ = _run(client, CIFAR, 0, upload, None, task="Colourization", k=2)
    assert "the luma of every pixel is kept exactly" in status
    assert scores["headers"] == ["what", "PSNR vs truth (dB)", "colourfulness"]
    assert [r for r in scores["data"] if r[0] == "baseline: grey"][0][2] == 0.0
    *_, status = _run(client, MNIST, 3, None, None, task="Super-resolution", k=2)[0]
    assert "4 x 4 block means" in status and "bicubic" in status


@pytest.mark.parametrize("changes,message", [
    (dict(region="painted region"), "Paint the region"),
    (dict(task="Colourization"), "Colourization needs the colour prior"),
    (dict(region="bottom half", method="RePaint (resampling)", task="Super-resolution"), "fills holes only"),
    (dict(region="bottom half", steps=0), "Steps must be|less than minimum"),
    (dict(region="bottom half", k=50), "Samples must be|greater than maximum"),
    (dict(region="bottom half", eta=3), "eta must be|greater than maximum"),
])
def test_inverse_bad_input(client, changes, message):
    with pytest.raises(AppError, match=message):
        _run(client, MNIST, 7, None, None, **changes)


def test_inverse_refuses_a_full_mask_and_a_non_image(client, tmp_path):
    layer = np.zeros((320, 320, 4), dtype=np.uint8)
    layer[..., 3] = 255
    Image.fromarray(layer).save(tmp_path / "all.png")
    full = {"background": None, "layers": [handle_file(str(tmp_path / "all.png"))], "composite": None}
    with pytest.raises(AppError, match="covers the whole image"):
        _run(client, MNIST, 7, None, full)
    (tmp_path / "notes.png").write_text("this is text, not a picture")
    with pytest.raises(AppError, match="not a picture"):
        client.predict(CIFAR, 0, handle_file(str(tmp_path / "notes.png")), api_name="/inv_load")


def test_inverse_refuses_a_missing_test_image_and_an_offline_hub_prior(client):
    from playground.tasks.inverse_lab import test_images

    n = len(test_images("cifar10"))  # 1,000 in the offline copy, 10,000 online
    with pytest.raises(AppError, match=f"index must be .*{n - 1:,}"):
        client.predict(CIFAR, n, None, api_name="/inv_load")
    with pytest.raises(AppError, match="needs the Hugging Face Hub"):
        _run(client, "CIFAR-10 DDPM from the Hub (google/ddpm-cifar10-32)", 0, None, None, task="Colourization")


def test_the_run_as_a_gif_for_slides(client):
    from playground import export, rasterize
    from playground.ui.inverse_handlers import GIF_WIDTH

    args = dict(DEFAULT, region="left half", k=2, steps=10)
    path = client.predict(MNIST, 23, None, None, *args.values(), api_name="/inv_restore_gif")
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == 11  # DDNM's estimate before each of the 10 steps, and the end
        grid = 2 * 28 + 1  # two samples side by side, a 1-pixel gap
        scale = -(-GIF_WIDTH // grid)
        assert gif.size == (grid * scale, 28 * scale + export.LABEL + rasterize.FOOTER)
