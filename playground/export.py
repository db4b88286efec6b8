"""GIFs for slides, made without a browser (numpy and PIL): a plotly figure's animation, drawn frame by frame
by playground.figure_frames, or a list of pictures, as a looping GIF with a footer that says what made it,
never over a byte cap (MAX_GIF_BYTES)."""
import re
from io import BytesIO
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from playground import figure_frames, rasterize

MAX_GIF_BYTES = 8_000_000  # a larger GIF is made again with fewer frames, then smaller, until it fits
MIN_WIDTH = 480  # pictures are centred on a canvas at least this wide, so the footer stays readable
LABEL = 24  # height of the band above a picture for its label


def footer_line(tab: str, **settings) -> str:
    """'Generative Playground · diffusion · sampler=ddim steps=50 seed=0': what made a GIF, for its footer."""
    parts = ["Generative Playground", tab, " ".join(f"{k}={v}" for k, v in settings.items())]
    return " · ".join(p for p in parts if p)


def frame_indices(n: int, max_frames: int) -> list[int]:
    """At most `max_frames` of n frame numbers, evenly spread; the first and the last are always kept
    (with max_frames = 1, the last alone: the end state)."""
    if n <= max_frames:
        return list(range(n))
    if max_frames <= 1:
        return [n - 1]
    return np.floor(np.linspace(0, n - 1, max_frames) + 0.5).astype(int).tolist()


def _encode(pictures: list, duration_ms: int) -> bytes:
    """RGB pictures as a looping GIF: one adaptive palette from up to 8 of them, and each pixel that keeps its
    colour from the frame before is transparent (so it costs next to nothing; PIL's own delta search is slow)."""
    w, h = pictures[0].size
    sampled = sorted(set(frame_indices(len(pictures), 8)))
    strip = Image.new("RGB", (w, h * len(sampled)))
    for row, k in enumerate(sampled):
        strip.paste(pictures[k], (0, h * row))
    palette = strip.quantize(255, method=Image.Quantize.FASTOCTREE)  # index 255 stays free
    index = np.stack([np.asarray(p.quantize(palette=palette, dither=Image.Dither.NONE)) for p in pictures])
    used = np.unique(index)  # the palette shrinks to the colours used, so each pixel takes fewer bits
    renumber = np.zeros(256, dtype=np.uint8)
    renumber[used] = np.arange(len(used))
    index, clear = renumber[index], len(used)  # (T, H, W); `clear` is the transparent index
    index[1:][index[1:] == index[:-1]] = clear
    colours = np.asarray(palette.getpalette()[:768], dtype=np.uint8).reshape(-1, 3)[used]
    colours = np.concatenate([colours, [[255, 255, 255]]]).ravel().tolist()
    frames = []
    for frame in index:
        frames.append(Image.fromarray(frame, "P"))
        frames[-1].putpalette(colours)
    out = BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], loop=0, duration=duration_ms,
                   optimize=False, transparency=clear, disposal=1)
    return out.getvalue()


def _within_cap(make, n: int, max_frames: int, duration_ms: int, max_bytes: int) -> bytes:
    """make(frame numbers, scale) encoded; when over max_bytes, made again with fewer frames (down to 8), then
    smaller, then with fewer still; a GIF over the cap is never returned."""
    count, scale = min(n, max_frames), 1.0
    while True:
        data = _encode(make(frame_indices(n, count), scale), duration_ms)
        if len(data) <= max_bytes:
            return data
        ratio = max_bytes / len(data)
        if count > 8:
            count = max(8, min(count - 1, int(count * ratio * 0.9)))
        elif scale > 0.2:
            scale *= min(0.9, max(0.5, ratio ** 0.5))
        elif count > 1:
            count -= 1
        else:
            raise ValueError(f"Even one small frame is over {max_bytes:,} bytes: no GIF within the cap.")


def _play_duration(lay: dict, default: int = 150) -> int:
    """The frame duration of the figure's own play button, in ms (at least 20: browsers slow faster GIFs)."""
    for menu in lay.get("updatemenus") or []:
        for button in menu.get("buttons") or []:
            args = button.get("args") or []
            if button.get("method") == "animate" and len(args) > 1 and isinstance(args[1], dict):
                return max(20, int((args[1].get("frame") or {}).get("duration", default)))
    return default


def figure_gif(fig, footer: str, *, size: tuple[int, int] = (640, 480), max_frames: int = 60,
               duration_ms: int | None = None, max_bytes: int = MAX_GIF_BYTES) -> bytes:
    """A plotly figure (go.Figure or its dict) as GIF bytes of `size`: one frame per animation frame (each laid
    over the state before it, as plotly plays them), at most `max_frames` evenly picked (first and last kept),
    or one frame without an animation. Axes keep the layout's ranges, else the data's extent over all frames;
    the footer is stamped at the bottom. duration_ms defaults to the figure's play button speed.
    Identical consecutive frames may merge into one longer frame (PIL)."""
    spec = fig.to_dict() if hasattr(fig, "to_dict") else dict(fig)
    states = figure_frames.frame_states(spec)
    ranges = figure_frames.axis_ranges(states, states[0][1])
    duration = duration_ms or _play_duration(spec.get("layout") or {})

    def make(picked, scale):
        shown = (max(160, round(size[0] * scale)), max(120, round(size[1] * scale)))
        return [figure_frames.draw_figure(*states[k][:2], ranges, shown, states[k][2], footer) for k in picked]

    return _within_cap(make, len(states), max_frames, duration, max_bytes)


def _as_picture(frame) -> Image.Image:
    """A PIL image, or an array (H, W), (H, W, 3|4) or (C, H, W) of uint8, bool or float in [0, 1], as RGB."""
    if isinstance(frame, Image.Image):
        return frame.convert("RGB")
    a = np.asarray(frame)
    if a.ndim == 3 and a.shape[0] in (1, 3) and a.shape[-1] not in (1, 3, 4):
        a = a.transpose(1, 2, 0)  # (C, H, W) -> (H, W, C)
    if a.ndim == 3 and a.shape[-1] == 1:
        a = a[..., 0]
    if a.ndim not in (2, 3) or a.ndim == 3 and a.shape[-1] not in (3, 4):
        raise ValueError(f"A picture is (H, W), (H, W, 3) or (C, H, W); got shape {a.shape}.")
    if a.dtype.kind in "fb":
        a = np.round(np.clip(a.astype(np.float32), 0, 1) * 255)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).convert("RGB")


def images_gif(frames: list, footer: str, *, scale: int | None = None, labels: list[str] | None = None,
               max_frames: int = 60, duration_ms: int = 200, max_bytes: int = MAX_GIF_BYTES) -> bytes:
    """Pictures (see _as_picture; e.g. a grid of digits per sampling step) as GIF bytes: each scaled up with
    nearest neighbour by `scale` (default: the longer side at least MIN_WIDTH), centred on a white canvas at
    least MIN_WIDTH wide, its label (if any) above and the footer below; at most `max_frames` frames."""
    pictures = [_as_picture(f) for f in frames]
    if not pictures:
        raise ValueError("A GIF needs at least one picture.")
    if labels is not None and len(labels) != len(pictures):
        raise ValueError(f"{len(labels)} labels for {len(pictures)} pictures.")
    w, h = max(p.width for p in pictures), max(p.height for p in pictures)
    scale = scale or max(1, -(-MIN_WIDTH // max(w, h)))
    band = LABEL if labels else 0

    def make(picked, shrink):
        f = scale * shrink
        width = max(round(w * f), MIN_WIDTH)
        out = []
        for k in picked:
            p = pictures[k]
            shown = p.resize((max(1, round(p.width * f)), max(1, round(p.height * f))), Image.Resampling.NEAREST)
            canvas = Image.new("RGB", (width, band + round(h * f) + rasterize.FOOTER), "white")
            canvas.paste(shown, ((width - shown.width) // 2, band + (round(h * f) - shown.height) // 2))
            if labels:
                rasterize.write_line(ImageDraw.Draw(canvas), (width / 2, band / 2), labels[k], width - 16, 14,
                                     anchor="mm")
            rasterize.stamp_footer(canvas, footer)
            out.append(canvas)
        return out

    return _within_cap(make, len(pictures), max_frames, duration_ms, max_bytes)


def write_gif(data: bytes, name: str, folder) -> Path:
    """GIF bytes saved as folder/<name>.gif (the name made file-safe), e.g. for a gr.File download."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.").removesuffix(".gif") or "animation"
    path = Path(folder) / f"{stem}.gif"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
