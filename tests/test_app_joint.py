"""The Joint distributions tab through gradio_client (the `client` fixture in conftest.py): sampling, parameter
counts, EM step by step with its GIF for slides, and the three pixel models, bad inputs included."""
import pytest
from gradio_client.exceptions import AppError
from PIL import Image


def test_joint_sampling_and_parameter_counts(client):
    fig, note = client.predict("1 2 1", 5000, 3, api_name="/joint_categorical")
    assert fig and "First draws: `" in note and "Largest gap" in note
    fig, note = client.predict("0.3", 10, 0, api_name="/joint_categorical")
    assert note.count(" ") > 10 and set(note.split("`")[1].split()) <= {"0", "1"}
    fig, note = client.predict(784, api_name="/joint_counts")
    assert "10^236" in note and "1,567" in note and "(a 28x28 binary image)" in note
    fig, note = client.predict(1024, api_name="/joint_counts")  # 2^1024 overflows a float: drawn as log10
    assert "10^308" in note and fig
    with pytest.raises(AppError, match="between 0 and 1"):
        client.predict("1.5", 10, 0, api_name="/joint_categorical")
    with pytest.raises(AppError, match="Not a number"):
        client.predict("a, b", 10, 0, api_name="/joint_categorical")
    with pytest.raises(AppError, match="greater than maximum|variables"):
        client.predict(5000, api_name="/joint_counts")


def test_joint_gmm_steps_and_animation(client):
    first = client.predict("8 gaussians", 500, 4, "diag", 30, 0, 0, 0, api_name="/joint_gmm")
    last = client.predict("8 gaussians", 500, 4, "diag", 30, 0, 30, 200, api_name="/joint_gmm")
    ll = [float(out[3].split("**")[1]) for out in (first, last)]
    assert ll[1] > ll[0] and "Step 30 of 30" in last[3] and "4 diag components have 19 free parameters" in last[3]
    assert len(last[2]["data"]) == 4
    assert client.predict("moons", 300, 3, "full", 10, 1, api_name="/joint_gmm_animation")
    with pytest.raises(AppError, match="Covariance type: choose one of full"):
        client.predict("moons", 300, 3, "weird", 10, 1, 0, 0, api_name="/joint_gmm")
    with pytest.raises(AppError, match=r"Show EM step must be a whole number from 0 to 10 when EM iterations is 10 \(got 11\)"):
        client.predict("moons", 300, 3, "full", 10, 1, 11, 0, api_name="/joint_gmm")


def test_joint_em_steps_as_a_gif_for_slides(client):
    path = client.predict("moons", 300, 3, "full", 10, 1, api_name="/joint_gmm_gif")
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.size == (640, 480) and gif.n_frames == 11  # EM steps 0 to 10


def test_joint_pixel_models_side_by_side(client):
    *pictures, table, note = client.predict(1.0, 0, api_name="/joint_pixel_models")
    assert all(pictures) and "500" in note
    rows = {row[0]: row for row in table["data"]}
    assert rows["independent pixels"][1] == "784" and rows["Markov chain"][1] == "1,567"
    nll = [rows[name][2] for name in ("independent pixels", "Markov chain", "PixelCNN")]
    assert nll[0] > nll[1] > nll[2]  # richer conditionals, higher likelihood
    assert "10^236" in rows["full joint table"][1]
