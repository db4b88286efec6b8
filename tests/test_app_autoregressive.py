"""The Autoregressive models tab through gradio_client (the `client` fixture in conftest.py): PixelCNN digits and
completions, streamed text with its next-token chart, bad inputs included."""
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError


def test_autoregressive_digits_stream_rows(client):
    job = client.submit("3", 1.0, 2, 0, api_name="/ar_digits")
    picture, status = job.result(timeout=300)
    assert picture and "Done" in status and "784 pixels each" in status
    assert len(job.outputs()) >= 20  # a frame per row of pixels


def _layer(tmp_path, rows):
    from PIL import Image
    import numpy as np

    layer = np.zeros((280, 280, 4), dtype=np.uint8)
    layer[rows[0] * 10:rows[1] * 10, 50:230] = (224, 48, 48, 255)
    Image.fromarray(layer).save(tmp_path / "layer.png")
    return {"background": None, "layers": [handle_file(str(tmp_path / "layer.png"))], "composite": None}


def test_autoregressive_completion_of_a_painted_region_and_a_half(client, tmp_path):
    editor = client.predict(7, api_name="/ar_load_digit")
    assert editor["background"]
    given, completions, status = client.predict(7, _layer(tmp_path, (10, 20)), "painted region", "PixelCNN", 3, "any",
                                                1.0, 0, api_name="/ar_complete")
    assert given and completions and "3 completions of" in status and "every known pixel is kept" in status
    *_, status = client.predict(7, None, "bottom half", "Markov chain", 2, "any", 1.0, 0, api_name="/ar_complete")
    assert "2 completions of 392 pixels by the Markov chain" in status
    with pytest.raises(AppError, match="Paint the region"):
        client.predict(7, None, "painted region", "PixelCNN", 2, "any", 1.0, 0, api_name="/ar_complete")
    with pytest.raises(AppError, match="greater than maximum|Completions"):
        client.predict(7, None, "bottom half", "PixelCNN", 50, "any", 1.0, 0, api_name="/ar_complete")


TEXT = ["shakespeare-char-gpt", "ROMEO:\n", 0.8, 0, 0.9, 60, 0]


def test_autoregressive_text_streams_with_the_distribution(client):
    job = client.submit(*TEXT, api_name="/ar_generate")
    text, chart, status = job.result(timeout=300)
    assert text.startswith("ROMEO:\n") and len(text) == len("ROMEO:\n") + 60 and chart and "Done" in status
    assert len(job.outputs()) >= 10
    greedy = [client.predict(*TEXT[:2], 0.0, 0, 1.0, 40, seed, api_name="/ar_generate")[0] for seed in (0, 1)]
    assert greedy[0] == greedy[1]  # temperature 0 is the argmax: the seed plays no part
    text2, chart2, status2 = client.predict(TEXT[0], "ROMEO:\n", "ROMEO:\nI", 1.0, 5, 1.0, 0, api_name="/ar_next_token")
    assert text2.startswith("ROMEO:\nI") and len(text2) == len("ROMEO:\nI") + 1 and "from 5 token(s)" in status2


@pytest.mark.parametrize("changes,message", [
    (dict(prompt=""), "at least one character"),
    (dict(prompt="Café"), "é"),
    (dict(prompt="x" * 3000), "greater than maximum|2,000|too long"),
    (dict(temp=9.0), "greater than maximum|Temperature"),
    (dict(top_p=0.0), "less than minimum|Top-p"),
    (dict(top_k=80), r"Top-k must be a whole number from 0 to 65 when Text model is 'shakespeare-char-gpt' \(got 80\)"),
    (dict(model="gpt2"), "Hugging Face Hub"),
])
def test_autoregressive_text_bad_input(client, changes, message):
    from playground import hub

    if changes.get("model") == "gpt2" and hub.hub_status()[0]:
        pytest.skip("the Hub is reachable here, so gpt2 loads instead of failing")
    args = dict(zip(["model", "prompt", "temp", "top_k", "top_p", "length", "seed"], TEXT)) | changes
    with pytest.raises(AppError, match=message):
        client.predict(*args.values(), api_name="/ar_generate")
