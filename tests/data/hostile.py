"""The hostile names of the untrusted-text tests (AppTest and browser): Markdown, HTML and
links in a target, a feature and class names, and the CSV that carries them."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

TARGET = "tgt **bold**"
FEATURE = "f`1` ![c](http://h/c.png)"
CLASSES = ("![t](http://h/x.png)", "[click](http://h/p)", '<b>B</b><a href="http://h/q">q</a>')


def hostile_csv(n: int = 240, seed: int = 7) -> bytes:
    """A 3-class CSV (60/30/10 %) with the hostile names, two informative features."""
    rng = np.random.default_rng(seed)
    y = rng.choice(len(CLASSES), size=n, p=[0.6, 0.3, 0.1])
    frame = pd.DataFrame(
        {
            "x": (rng.normal(size=n) + 1.5 * y).round(3),
            FEATURE: (rng.normal(size=n) - y).round(3),
            TARGET: [CLASSES[i] for i in y],
        }
    )
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")
