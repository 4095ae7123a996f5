"""Classify a digit: draw it on a canvas, upload a picture, or pick a test image.

The canvas is a small ``st.components.v2`` component (static HTML/JS of our own; no extra
package): each finished stroke sends the canvas, shrunk to 64x64 grey values, to Python, where
``graphlab.train.digit.prepare_digit`` turns it into an MNIST-like 28x28 image.
"""

from __future__ import annotations

import streamlit as st
import torch

from graphlab import train
from graphlab.data import MnistNotFoundError, load_mnist
from graphlab.train.digit import digit_from_bytes, digit_from_pixels, prepare_digit
from graphlab.train.plots import probability_figure
from widgets.expression import message_markdown
from widgets.i18n import N_, _, translator
from widgets.training import explain

CANVAS_SIDE = 64  # the canvas is sent to Python at this resolution
MAX_IMAGE_MB = 1
SOURCES = (N_("Draw"), N_("Upload an image"), N_("Pick a test image"))  # shown through _()

_HTML = """
<div class="pad">
  <canvas width="224" height="224" aria-label="Draw a digit here"></canvas>
  <button type="button">Clear</button>
</div>
"""
_CSS = """
.pad { display: flex; flex-direction: column; gap: 0.4rem; align-items: flex-start; }
canvas { width: 224px; height: 224px; border-radius: 0.5rem; touch-action: none; cursor: crosshair;
         border: 1px solid var(--st-border-color, #ccc); }
button { font: inherit; padding: 0.2rem 0.8rem; border-radius: 0.5rem; cursor: pointer;
         border: 1px solid var(--st-border-color, #ccc); background: transparent; color: inherit; }
"""
_JS = """
export default function (component) {
  const { parentElement, data, setStateValue } = component;
  const canvas = parentElement.querySelector("canvas");
  const words = data || {};
  if (words.label) canvas.setAttribute("aria-label", words.label);
  if (words.clear) parentElement.querySelector("button").textContent = words.clear;
  if (canvas.dataset.ready) return;  // called again on a rerun: keep the drawing
  canvas.dataset.ready = "1";
  const ctx = canvas.getContext("2d");
  const blank = () => { ctx.fillStyle = "#000"; ctx.fillRect(0, 0, canvas.width, canvas.height); };
  blank();
  ctx.strokeStyle = "#fff"; ctx.lineWidth = 18; ctx.lineCap = "round"; ctx.lineJoin = "round";
  let drawing = false;
  const at = (e) => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
  };
  const send = () => {
    const side = __SIDE__;
    const small = document.createElement("canvas");
    small.width = side; small.height = side;
    const s = small.getContext("2d");
    s.drawImage(canvas, 0, 0, side, side);
    const rgba = s.getImageData(0, 0, side, side).data;
    const grey = [];
    for (let i = 0; i < rgba.length; i += 4) grey.push(rgba[i]);
    setStateValue("pixels", grey);
  };
  canvas.addEventListener("pointerdown", (e) => {
    drawing = true;
    canvas.setPointerCapture(e.pointerId);
    const [x, y] = at(e);
    ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + 0.01, y); ctx.stroke();
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    const [x, y] = at(e);
    ctx.lineTo(x, y); ctx.stroke();
  });
  const finish = () => { if (drawing) { drawing = false; send(); } };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", finish);
  parentElement.querySelector("button").addEventListener("click", () => {
    blank();
    setStateValue("pixels", null);
  });
}
""".replace("__SIDE__", str(CANVAS_SIDE))

_canvas = st.components.v2.component("graphlab.digit_canvas", html=_HTML, css=_CSS, js=_JS)


def _redraw() -> None:
    """Nothing to do: a new stroke reruns the fragment, which reads the pixels."""


def _drawn() -> tuple[torch.Tensor | None, str]:
    words = {"label": _("Draw a digit here"), "clear": _("Clear")}
    result = _canvas(key="train_canvas", data=words, on_pixels_change=_redraw, height=280)
    picture = digit_from_pixels(getattr(result, "pixels", None), CANVAS_SIDE)
    if picture is None or float(picture.max()) == 0.0:
        return None, _("Draw a digit with the mouse (or a finger), white on black.")
    return prepare_digit(picture, invert=False), ""


def _uploaded() -> tuple[torch.Tensor | None, str]:
    upload = st.file_uploader(
        _("A picture of one digit (PNG or JPEG)"),
        type=["png", "jpg", "jpeg"],
        max_upload_size=MAX_IMAGE_MB,
        key="train_digit_upload",
    )
    if upload is None:
        return None, _("Upload a picture: dark ink on light paper or light on dark both work.")
    try:
        return digit_from_bytes(upload.getvalue()), ""
    except ValueError as exc:
        text = _("Could not use {name}: {reason}").format(name=upload.name, reason=explain(exc))
        st.error(message_markdown(text))
        return None, ""


def _picked() -> tuple[torch.Tensor | None, str]:
    try:
        images, labels = load_mnist("test", copy=False)
    except MnistNotFoundError:
        return None, _("The MNIST test images are not available on this server.")
    index = st.number_input(_("Test image"), 0, len(labels) - 1, 0, key="train_digit_index")
    st.caption(_("Its true label is **{label}**.").format(label=int(labels[index])))
    return images[index, 0], ""


def digit_panel(job: train.Trainer | None) -> None:
    """Pick a source, show the 28x28 image the model sees and its class probabilities."""
    source = st.segmented_control(
        _("Digit"),
        SOURCES,
        default=SOURCES[0],
        required=True,
        format_func=translator(),
        key="train_digit_source",
    )
    left, right = st.columns([1, 2])
    with left:
        maker = {SOURCES[1]: _uploaded, SOURCES[2]: _picked}.get(source, _drawn)
        digit, hint = maker()
        if digit is not None:
            st.image(digit.numpy(), caption=_("What the model sees (28x28)"), width=112, clamp=True)
    with right:
        if hint:
            st.info(hint)
        elif digit is not None and job is None:
            st.info(
                _("Train a model (or load a checkpoint) first; then it will classify this digit.")
            )
        elif digit is not None:
            probabilities = job.predict(digit)[0]  # (10,)
            figure = probability_figure(probabilities, gettext=translator())
            st.plotly_chart(figure, width="stretch", key="train_probs")
