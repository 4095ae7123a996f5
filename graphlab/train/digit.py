"""Turn a drawn or uploaded picture of a digit into a 28x28 image the MNIST models understand.

MNIST digits are white on black, their ink fitted into a 20x20 box and centred by mass in a
28x28 frame. A photo or a drawing is rarely like that, so we do what the data set's makers did:
invert a light background, crop to the ink, scale the longer side to 20 pixels and centre.

>>> picture = torch.ones(100, 60)            # white paper...
>>> picture[20:80, 25:35] = 0.0              # ...with a dark vertical stroke: a "1"
>>> digit = prepare_digit(picture)
>>> digit.shape, round(float(digit.max()), 2), round(float(digit[0, 0]), 2)
(torch.Size([28, 28]), 1.0, 0.0)
"""

from __future__ import annotations

import io

import numpy as np
import torch
import torch.nn.functional as F

from graphlab.core.messages import msg

from .errors import refusal

__all__ = ["MAX_IMAGE_PIXELS", "digit_from_bytes", "prepare_digit"]

MAX_IMAGE_PIXELS = 4096 * 4096  # refuse bigger uploads before decoding them (memory)
_INK = 0.2  # pixels above this (after inversion) count as ink


def prepare_digit(picture: torch.Tensor | np.ndarray, invert: bool | None = None) -> torch.Tensor:
    """``(28, 28)`` float32 in [0, 1], white digit on black, from a grey picture ``(H, W)``.

    Values may be in [0, 1] or [0, 255]. ``invert=None`` inverts when the border is mostly light
    (dark ink on paper). A picture with no ink gives an all-black image.

    >>> prepare_digit(torch.zeros(5, 5)).abs().sum().item()
    0.0
    """
    x = torch.as_tensor(np.asarray(picture), dtype=torch.float32)
    if x.dim() != 2 or min(x.shape) < 1:
        shape = str(tuple(x.shape))
        raise refusal(msg("expected a grey picture (H, W), got shape {shape}", shape=shape))
    if not torch.isfinite(x).all():
        raise refusal(msg("the picture has values that are not finite numbers"))
    if float(x.max()) > 1.0:
        x = x / 255.0
    x = x.clamp(0, 1)
    border = torch.cat([x[0], x[-1], x[:, 0], x[:, -1]])
    if invert if invert is not None else float(border.mean()) > 0.5:
        x = 1 - x
    ink = torch.nonzero(x > _INK)
    if len(ink) == 0:
        return torch.zeros(28, 28)
    (top, left), (bottom, right) = ink.min(0).values.tolist(), ink.max(0).values.tolist()
    x = x[top : bottom + 1, left : right + 1]  # (h, w), cropped to the ink
    h, w = x.shape
    scale = 20 / max(h, w)
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    x = F.interpolate(
        x[None, None], size=size, mode="bilinear", antialias=True, align_corners=False
    )
    x = x[0, 0].clamp(0, 1)  # (<=20, <=20)
    return _centre_by_mass(x)


def _centre_by_mass(x: torch.Tensor) -> torch.Tensor:
    h, w = x.shape
    out = torch.zeros(28, 28)
    total = float(x.sum())
    rows, cols = torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32)
    cy = float((x.sum(1) * rows).sum()) / total if total else (h - 1) / 2
    cx = float((x.sum(0) * cols).sum()) / total if total else (w - 1) / 2
    # Put the centre of mass at (13.5, 13.5), keeping the whole box inside the frame.
    top = min(max(round(13.5 - cy), 0), 28 - h)
    left = min(max(round(13.5 - cx), 0), 28 - w)
    out[top : top + h, left : left + w] = x
    return out


def digit_from_bytes(data: bytes, max_pixels: int = MAX_IMAGE_PIXELS) -> torch.Tensor:
    """Decode a PNG/JPEG/... file and ``prepare_digit`` it; ``ValueError`` with a reason if not.

    >>> digit_from_bytes(b"not an image")
    Traceback (most recent call last):
    ...
    ValueError: this file is not an image that can be read (PNG or JPEG)
    """
    from PIL import Image, UnidentifiedImageError  # installed with streamlit

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > max_pixels:  # checked before the pixels are decoded
                text = msg("the image is {width}x{height} pixels; at most {limit:,} are accepted",
                           width=width, height=height, limit=max_pixels)  # fmt: skip
                raise refusal(text)
            grey = np.asarray(image.convert("L"), dtype=np.float32) / 255.0  # (H, W)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        text = msg("this file is not an image that can be read (PNG or JPEG)")
        raise refusal(text) from exc
    return prepare_digit(grey)


def digit_from_pixels(pixels: object, side: int = 64) -> torch.Tensor | None:
    """The canvas's message as a ``(side, side)`` tensor, or ``None`` if it is not one.

    The browser sends it, so it is checked like any visitor input: a list of side² numbers.
    """
    if not isinstance(pixels, list) or len(pixels) != side * side:
        return None
    if not all(isinstance(p, int | float) and not isinstance(p, bool) for p in pixels):
        return None
    picture = torch.tensor(pixels, dtype=torch.float32).reshape(side, side)
    return picture.nan_to_num(0.0).clamp(0, 255) / 255.0
