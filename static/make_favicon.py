"""Draw static/favicon.png, the browser tab's icon: a balance (the app weighs classes).

Shipped with the app so the tab icon comes from its own server: a ``:material/...:``
page_icon makes the browser fetch the icon from fonts.gstatic.com, which fails offline.
Run ``python static/make_favicon.py`` to draw it again (Pillow; the output is deterministic).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 64
INK = (0, 114, 178, 255)  # the palette's first colour (core.plots.style.PALETTE[0])
OUT = Path(__file__).resolve().parent / "favicon.png"


def draw(size: int = SIZE) -> Image.Image:
    """The icon at ``size`` pixels: a post on a foot, a beam, a pan hanging from each end."""
    scale = 4  # draw large, then shrink: smooth edges without anti-aliasing primitives
    s = size * scale
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    pen = ImageDraw.Draw(img)
    w = s // 16  # stroke width

    def box(x0: float, y0: float, x1: float, y1: float) -> list[int]:
        return [round(v * s) for v in (x0, y0, x1, y1)]

    pen.rectangle(box(0.47, 0.14, 0.53, 0.84), fill=INK)  # post
    pen.rounded_rectangle(box(0.28, 0.82, 0.72, 0.90), radius=w // 2, fill=INK)  # foot
    pen.rounded_rectangle(box(0.10, 0.20, 0.90, 0.26), radius=w // 2, fill=INK)  # beam
    pen.ellipse(box(0.44, 0.09, 0.56, 0.21), fill=INK)  # pivot
    for centre in (0.19, 0.81):
        left, right = centre - 0.15, centre + 0.15
        pen.line(box(centre, 0.25, left, 0.55), fill=INK, width=w // 2)  # strings
        pen.line(box(centre, 0.25, right, 0.55), fill=INK, width=w // 2)
        pen.pieslice(box(left, 0.40, right, 0.70), 0, 180, fill=INK)  # pan
    return img.resize((size, size), Image.Resampling.LANCZOS)


if __name__ == "__main__":
    draw().save(OUT, optimize=True)
    print(f"wrote {OUT}")
