"""Moves the browser tests share: typing a number into a slider's box, painting a stroke on an image editor,
and the error toast to look for."""
import re

TOAST = "[data-testid='toast-body']"


def set_number(page, name: str, value: str) -> None:
    """Type a value into the number box (spinbutton) named `name` and commit it with Enter."""
    box = page.get_by_role("spinbutton", name=name)
    box.fill(value)
    box.press("Enter")


def paint_stroke(page, editor: str, start: tuple, end: tuple, moves: int = 20) -> None:
    """Pick the editor's brush and paint a straight stroke between two points given as fractions of the canvas."""
    page.locator(editor).get_by_role("button", name=re.compile("Brush", re.I)).first.click()
    box = page.locator(f"{editor} canvas").first.bounding_box()

    def at(fx, fy):
        return box["x"] + box["width"] * fx, box["y"] + box["height"] * fy

    page.mouse.move(*at(*start))
    page.mouse.down()
    for k in range(1, moves + 1):
        page.mouse.move(*at(start[0] + (end[0] - start[0]) * k / moves, start[1] + (end[1] - start[1]) * k / moves))
    page.mouse.up()
