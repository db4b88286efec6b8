"""Slides export: every plotting figure's toolbar saves a 2x PNG; the colour-blind-safe palette and shapes;
GIFs from real animated figures and from pictures (frame count, size, loop, frame cap, byte cap, footer),
and the rasterizer's placement of heatmap cells and points."""
import copy
import inspect
import io
import json
import pickle
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image, ImageDraw

from playground import export, plotting, rasterize
from playground.models.gmm import fit_em
from playground.tasks import gmm_lab

RNG = np.random.default_rng(0)
OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"}


def _view():
    raw = np.array([0.5, 0.3, 0.2])
    return {"raw": raw, "kept": np.array([0.6, 0.4, 0.0]), "kept_mask": np.array([True, True, False]),
            "entropy_raw_bits": 1.5, "entropy_kept_bits": 1.0, "nucleus_size": 2}


AXIS, GRID = np.linspace(-2, 2, 6), (np.linspace(-2, 2, 5), np.linspace(-2, 2, 4))
RESULT = SimpleNamespace(name="flow", straightness=1.0, paths=RNG.normal(size=(4, 5, 2)))
FIGURES = {  # every public figure function of playground.plotting, called with tiny arrays
    "message_figure": lambda: plotting.message_figure("nothing", "Empty"),
    "density_1d_figure": lambda: plotting.density_1d_figure(AXIS, np.ones(6), RNG.normal(size=5), "1-D",
                                                             true=np.ones(6), components=np.ones((2, 6))),
    "density_2d_figure": lambda: plotting.density_2d_figure(GRID, np.ones((5, 4)), RNG.normal(size=(5, 2)), "2-D",
                                                             view="contours", true=np.ones((5, 4))),
    "heldout_figure": lambda: plotting.heldout_figure(np.array([0.1, 0.2, 0.4]), np.array([-1.0, -1.1, -1.3]),
                                                       np.array([-1.5, -1.2, -1.4]), 0.2, "Held out"),
    "curse_figure": lambda: plotting.curse_figure([{"dim": 1, "kde": 0.1, "kde_se": 0.01, "gauss": 0.2,
                                                    "gauss_se": 0.02}], "Curse"),
    "paths_figure": lambda: plotting.paths_figure([RESULT, RESULT], RNG.normal(size=(5, 2)), "Paths"),
    "schedule_figure": lambda: plotting.schedule_figure(np.linspace(1, 0, 5), np.linspace(3, -3, 5), 2, "Schedule"),
    "points_figure": lambda: plotting.points_figure(RNG.normal(size=(5, 2)), RNG.normal(size=(5, 2)), "Points"),
    "particles_animation": lambda: plotting.particles_animation(RNG.normal(size=(4, 5, 2)), "Particles"),
    "latent_map_figure": lambda: plotting.latent_map_figure(RNG.normal(size=(20, 2)), np.arange(20) % 10, "Map",
                                                             path=RNG.normal(size=(3, 2)), marker=np.zeros(2)),
    "frequency_figure": lambda: plotting.frequency_figure([0.5, 0.5], [3, 5], "Frequency"),
    "counts_figure": lambda: plotting.counts_figure([1, 2], {"full": [1, 3], "independent": [1, 2]}, 2, "Counts"),
    "bar_figure": lambda: plotting.bar_figure([1.0, 2.0], "Bars", "x", "y"),
    "frames_animation": lambda: plotting.frames_animation(RNG.random((3, 1, 4, 4)), "Frames"),
    "token_distribution_figure": lambda: plotting.token_distribution_figure(
        _view(), SimpleNamespace(decode=lambda ids: "abc"[ids[0]])),
    "spread_figure": lambda: plotting.spread_figure(RNG.random((4, 4)), "Spread"),
}


def test_every_figure_function_is_checked():
    public = {name for name, f in inspect.getmembers(plotting, inspect.isfunction)
              if f.__module__ == plotting.__name__ and name.endswith(("_figure", "_animation"))}
    assert public == set(FIGURES)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_toolbar_saves_a_2x_png(name):
    fig = FIGURES[name]()
    config = json.loads(fig.to_json())["config"]
    assert config["toImageButtonOptions"]["scale"] == 2 and config["toImageButtonOptions"]["format"] == "png"
    assert config["toImageButtonOptions"]["filename"] and config["displaylogo"] is False
    for twin in (pickle.loads(pickle.dumps(fig)), copy.deepcopy(fig)):
        assert twin.to_dict() == fig.to_dict()
        assert json.loads(twin.to_json())["config"] == config


def test_file_name_comes_from_the_title():
    fig = plotting.paths_figure([RESULT], RNG.normal(size=(5, 2)), "Two moons: <b>8 steps</b>")
    assert json.loads(fig.to_json())["config"]["toImageButtonOptions"]["filename"] == "two-moons-8-steps"


def test_palette_and_shapes_tell_classes_apart():
    assert set(plotting.PALETTE) == OKABE_ITO and len(plotting.PALETTE) == 8
    assert len(set(plotting.SYMBOLS)) == len(plotting.SYMBOLS) >= 8
    assert set(plotting.PROJECTOR) == {"line_scale", "marker_scale", "font_size"}
    digits = FIGURES["latent_map_figure"]().data[:10]
    assert len({t.marker.symbol for t in digits}) == 10 and len({t.marker.color for t in digits}) == 10
    fig = plotting.paths_figure([RESULT, RESULT], RNG.normal(size=(5, 2)), "Paths")
    samples = [t.marker for t in fig.data if t.name.endswith("samples")]
    data = next(t.marker for t in fig.data if t.name == "held-out data")
    assert len({m.symbol for m in samples} | {data.symbol or "circle"}) == 3 and len({m.color for m in samples}) == 2


def test_each_symbol_is_drawn_with_its_own_shape():
    masks = []
    for symbol in plotting.SYMBOLS:
        picture = Image.new("RGBA", (40, 40))
        rasterize.draw_marker(ImageDraw.Draw(picture), symbol, 20, 20, 15, (0, 0, 0, 255))
        masks.append(np.asarray(picture)[..., 3] > 0)
    assert all(not np.array_equal(a, b) for i, a in enumerate(masks) for b in masks[i + 1:])


def _frames(data: bytes) -> list[np.ndarray]:
    gif = Image.open(io.BytesIO(data))
    out = []
    for k in range(gif.n_frames):
        gif.seek(k)
        out.append(np.asarray(gif.convert("RGB"), dtype=int))
    return out


def _where(picture: np.ndarray, colour: str, tolerance: int = 40) -> np.ndarray:
    """(row, column) centroid of the pixels near `colour`."""
    near = np.abs(picture - np.array(rasterize.parse_colour(colour)[:3])).sum(-1) < tolerance
    assert near.any(), f"no {colour} pixels"
    return np.argwhere(near).mean(0)


def test_animated_figure_gif_has_one_frame_per_step():
    fig = plotting.particles_animation(RNG.normal(size=(6, 30, 2)), "Particles", RNG.normal(size=(4, 2)),
                                       RNG.normal(size=(4, 2)))
    data = export.figure_gif(fig, "Generative Playground · test", size=(320, 240))
    gif = Image.open(io.BytesIO(data))
    assert gif.format == "GIF" and gif.n_frames == 6 and gif.size == (320, 240)
    assert gif.info["loop"] == 0 and gif.info["duration"] == 120  # the figure's own play speed
    frames = _frames(data)
    assert not np.array_equal(frames[0], frames[-1])


def test_em_animation_recolours_points_between_frames():
    x = np.concatenate([RNG.normal(size=(40, 2)), RNG.normal(size=(40, 2)) + 5])
    fig = gmm_lab.em_animation(x, fit_em(x, 2, iterations=4))
    frames = _frames(export.figure_gif(fig, "EM", size=(320, 240)))
    assert len(frames) == len(fig.frames)
    assert not np.array_equal(frames[0], frames[-1])


def test_image_frames_animation_and_pictures_gif():
    fig = plotting.frames_animation(RNG.random((5, 1, 8, 8)), "Frames")
    assert Image.open(io.BytesIO(export.figure_gif(fig, "footer", size=(320, 240)))).n_frames == 5
    pictures = [RNG.random((16, 12)), (RNG.random((16, 12, 3)) * 255).astype(np.uint8),
                Image.fromarray((RNG.random((16, 12)) * 255).astype(np.uint8)), RNG.random((1, 16, 12))]
    gif = Image.open(io.BytesIO(export.images_gif(pictures, "footer", scale=10, labels=list("abcd"))))
    assert gif.n_frames == 4 and gif.size == (export.MIN_WIDTH, export.LABEL + 160 + rasterize.FOOTER)
    assert gif.info["loop"] == 0


def _moving_dot(n: int) -> dict:
    """A dict figure whose frame k puts a red dot at x = k (green dots mark x = 0 and n - 1, above it): a
    frame's red dot tells which step it shows."""
    ends = {"type": "scatter", "x": [0, n - 1], "y": [0.5, 0.5], "mode": "markers",
            "marker": {"size": 10, "color": "#00c000"}}
    dot = {"type": "scatter", "x": [0], "y": [0], "mode": "markers", "marker": {"size": 10, "color": "#ff0000"}}
    return {"data": [ends, dot], "layout": {"xaxis": {"range": [-1, n]}, "yaxis": {"range": [-1, 1]}},
            "frames": [{"data": [{"x": [k]}], "traces": [1], "name": str(k)} for k in range(n)]}


def test_frames_over_the_cap_are_subsampled_keeping_first_and_last():
    assert export.frame_indices(25, 7)[0] == 0 and export.frame_indices(25, 7)[-1] == 24
    assert len(set(export.frame_indices(25, 7))) == 7 and export.frame_indices(5, 7) == [0, 1, 2, 3, 4]
    frames = _frames(export.figure_gif(_moving_dot(25), "footer", size=(320, 240), max_frames=7))
    assert len(frames) == 7
    columns = np.array([_where(f, "#ff0000")[1] for f in frames])
    ends = np.argwhere(np.abs(frames[0] - [0, 192, 0]).sum(-1) < 40)[:, 1]
    first, last = ends[ends < ends.mean()].mean(), ends[ends > ends.mean()].mean()
    assert abs(columns[0] - first) < 1.5 and abs(columns[-1] - last) < 1.5  # steps 0 and 24 are shown
    steps = (columns - first) / (last - first) * 24
    assert np.abs(steps - export.frame_indices(25, 7)).max() < 0.3


def test_the_byte_cap_holds():
    noise = [(RNG.random((24, 24, 3)) * 255).astype(np.uint8) for _ in range(10)]
    assert len(export.images_gif(noise, "footer", scale=5)) > 40_000
    data = export.images_gif(noise, "footer", scale=5, max_bytes=40_000)
    assert len(data) <= 40_000 and Image.open(io.BytesIO(data)).n_frames >= 1
    fig = plotting.frames_animation(RNG.random((10, 1, 16, 16)), "Frames")
    assert len(export.figure_gif(fig, "footer", size=(320, 240))) > 30_000
    data = export.figure_gif(fig, "footer", size=(320, 240), max_bytes=30_000)
    assert len(data) <= 30_000 and Image.open(io.BytesIO(data)).n_frames > 1


def test_footer_is_stamped_along_the_bottom():
    for data in (export.figure_gif(_moving_dot(2), "Generative Playground · test", size=(320, 240)),
                 export.images_gif([RNG.random((8, 8))], "Generative Playground · test")):
        band = _frames(data)[0][-rasterize.FOOTER:]
        assert band.min() < 160 and np.median(band) > 200  # dark text on a light band


def _heatmap(z, **yaxis) -> dict:
    return {"data": [{"type": "heatmap", "z": z, "colorscale": "Viridis"}], "layout": {"yaxis": yaxis}}


def test_heatmap_cells_land_in_their_corner():
    z = np.zeros((4, 4))
    z[0, 3] = 1.0  # row 0 is the bottom of a plotly heatmap, column 3 the right
    for fig, bright_low in ((_heatmap(z), True), (_heatmap(z, autorange="reversed"), False),
                            (plotting.spread_figure(z, "Spread"), False)):
        picture = _frames(export.figure_gif(fig, "footer", size=(320, 240)))[0]
        dark = np.argwhere(np.abs(picture - [68, 1, 84]).sum(-1) < 40)  # Viridis low end: the plot area
        top, left, bottom, right = *dark.min(0), *dark.max(0)
        row, column = _where(picture, "#fde725")  # Viridis high end
        assert column > (left + right) / 2 + 0.25 * (right - left)
        assert (row > (top + bottom) / 2) == bright_low and abs(row - (top + bottom) / 2) > 0.25 * (bottom - top)


def test_points_land_at_their_data_coordinates():
    corners = {"type": "scatter", "x": [0, 10], "y": [0, 10], "mode": "markers",
               "marker": {"size": 10, "color": "#00c000"}}
    point = {"type": "scatter", "x": [7.5], "y": [2.5], "mode": "markers", "marker": {"size": 10, "color": "#ff0000"}}
    fig = {"data": [corners, point], "layout": {"xaxis": {"range": [-1, 11]}, "yaxis": {"range": [-1, 11]}}}
    picture = _frames(export.figure_gif(fig, "footer", size=(400, 300)))[0]
    green = np.argwhere(np.abs(picture - [0, 192, 0]).sum(-1) < 40)  # (row, column) of the two corner dots
    middle = green[:, 1].mean()
    left_dot, right_dot = green[green[:, 1] < middle].mean(0), green[green[:, 1] > middle].mean(0)
    expected = left_dot + np.array([0.25, 0.75]) * (right_dot - left_dot)  # (row, column): y 2.5, x 7.5 of 10
    assert np.abs(_where(picture, "#ff0000") - expected).max() < 2.5


def test_write_gif(tmp_path):
    data = export.images_gif([RNG.random((8, 8))], "footer")
    path = export.write_gif(data, "diffusion: ddim/50 steps", tmp_path / "out")
    assert path.name == "diffusion-ddim-50-steps.gif" and path.read_bytes() == data
    assert export.footer_line("diffusion", sampler="ddim", steps=50) == \
        "Generative Playground · diffusion · sampler=ddim steps=50"
