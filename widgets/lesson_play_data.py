"""Lesson 13's Play: a DataLoader over MNIST images with the learner's batch size, shuffle, seed
and drop_last; three epochs of it, one batch drawn with its labels, and the normalization
numbers. Torch computes them all (`graphlab.lessons.lesson_data`)."""

from __future__ import annotations

import streamlit as st

from graphlab.data import MnistNotFoundError
from graphlab.lessons import lesson_data as ld
from widgets.i18n import _
from widgets.training import refusal

DEFAULTS = {"data_bs": 64, "data_shuffle": True, "data_seed": 0, "data_drop": False,
            "data_epoch": 1, "data_batch": 1}  # fmt: skip
CODE = """train_set = TensorDataset(images[:{n}], labels[:{n}], torch.arange({n}))
loader = DataLoader(train_set, batch_size={bs}, shuffle={shuffle}, drop_last={drop},
                    generator=torch.Generator().manual_seed({seed}), num_workers=0)
len(loader)  # {length}
for epoch in range({epochs}):
    for images, labels, index in loader:  # {length} batches, a new order each epoch
        ..."""


@st.cache_data(max_entries=16, show_spinner=False)  # a View holds its batch: up to 0.8 MB
def _look(bs: int, shuffle: bool, seed: int, drop: bool, epoch: int, index: int) -> ld.View:
    return ld.look(bs, shuffle, seed, drop, epoch, index)  # a function of its arguments


@st.cache_data(max_entries=1, show_spinner=False)
def _stats() -> ld.Stats:
    return ld.stats()  # seconds over 50,000 images: once per server


def data(state_only: bool = False) -> dict[str, str]:
    """The loader's controls, its three epochs, one batch's images, the normalization numbers."""
    ss = st.session_state
    for key, value in DEFAULTS.items():
        ss.setdefault(key, value)
    try:
        if not state_only:
            _controls()
        view = _look(int(ss["data_bs"]), bool(ss["data_shuffle"]), int(ss["data_seed"]),
                     bool(ss["data_drop"]), int(ss["data_epoch"]), int(ss["data_batch"]))  # fmt: skip
        numbers = _stats()
    except (MnistNotFoundError, ValueError) as exc:
        if not state_only:
            st.error(refusal(exc))
        return {}
    if not state_only:
        _epochs(view)
        _batch(view)
        _normalization(view, numbers)
    return ld.saw(view, numbers)


def _controls() -> None:
    ss = st.session_state
    top = st.columns([3, 2, 2, 2], vertical_alignment="bottom")
    top[0].select_slider("batch_size", ld.BATCH_SIZES, key="data_bs")
    top[1].number_input(_("Seed"), min_value=0, max_value=ld.MAX_SEED, step=1, key="data_seed")
    top[2].toggle("shuffle", key="data_shuffle")
    top[3].toggle("drop_last", key="data_drop")
    # The batch picker's range depends on the settings above: keep its value inside it.
    size = int(ss["data_bs"]) if ss["data_bs"] in ld.BATCH_SIZES else ld.BATCH_SIZES[0]
    length = len(ld.loader(ld.train_set(ld.SUBSET), size, False, 0, bool(ss["data_drop"])))
    ss["data_batch"] = min(max(int(ss["data_batch"]), 1), length)
    low = st.columns([3, 2], vertical_alignment="bottom")
    low[0].segmented_control(_("Epoch"), range(1, ld.EPOCHS + 1), key="data_epoch",
                             required=True)  # fmt: skip
    low[1].number_input(_("Batch (1 to {n})").format(n=length), min_value=1, max_value=length,
                        step=1, key="data_batch")  # fmt: skip


def _epochs(view: ld.View) -> None:
    st.code(CODE.format(n=ld.SUBSET, bs=view.batch_size, shuffle=view.shuffle,
                        drop=view.drop_last, seed=view.seed, length=view.length,
                        epochs=ld.EPOCHS), "python")  # fmt: skip
    cols = st.columns(3)
    cols[0].metric(_("len(loader), {n} images").format(n=ld.SUBSET), view.length)
    cols[1].metric(_("len(loader), all {n:,} training images").format(n=50_000),
                   view.full_length)  # fmt: skip
    cols[2].metric(_("images in the last batch"), view.last_sizes[0])
    st.dataframe({
        _("epoch"): list(range(1, ld.EPOCHS + 1)),
        _("its first batch opens with images"): [str(f) for f in view.firsts],
        _("batches"): view.counts,
        _("images in the last batch"): view.last_sizes,
    }, hide_index=True, key="data_table")  # fmt: skip
    if not view.shuffle:
        st.caption(_("shuffle=False: every epoch reads the images in the same order."))
    elif view.firsts[0] != view.firsts[1]:
        st.caption(_("shuffle=True: each epoch draws a new order from the generator; the same "
                     "seed gives the same three orders again."))  # fmt: skip


def _batch(view: ld.View) -> None:
    shown = min(ld.SHOWN, len(view.labels))
    st.markdown(_("**Batch {index} of epoch {epoch}**: images {shape}, labels ({n},)").format(
        index=view.index, epoch=view.epoch, shape=tuple(view.images.shape), n=len(view.labels)))  # fmt: skip
    st.image([img[0].numpy() for img in view.images[:shown]], width=56,
             caption=[str(label) for label in view.labels[:shown]])  # fmt: skip
    if shown < len(view.labels):
        st.caption(_("The first {shown} of its {n} images, each with its label.").format(
            shown=shown, n=len(view.labels)))  # fmt: skip


def _normalization(view: ld.View, numbers: ld.Stats) -> None:
    st.subheader(_("Normalization"))
    ours = (numbers.mean, numbers.std)
    rows = {"ours": ours, "usual": ld.USUAL, "half": ld.HALF}
    st.dataframe({
        "Normalize(mean, std)": [f"({m:.4f}, {s:.4f})" for m, s in rows.values()],
        _("where it comes from"): [_("computed here, training split"),
                                   _("tutorials: the 60,000 IDX training images"),
                                   _("tutorials for colour images")],
        _("pixel mean after"): [ld.number(numbers.after[k][0]) for k in rows],
        _("pixel std after"): [ld.number(numbers.after[k][1]) for k in rows],
    }, hide_index=True, key="data_norm")  # fmt: skip
    st.caption(_("Torch over every training pixel: mean {mean}, std {std}. Over train + valid (the "
                 "60,000 IDX training images): {idx_mean}, {idx_std}. The mean of each image's "
                 "own std is another number, {per_image}: not the std of the pixels.").format(
        mean=ld.number(numbers.mean), std=ld.number(numbers.std),
        idx_mean=ld.number(numbers.idx_mean), idx_std=ld.number(numbers.idx_std),
        per_image=ld.number(numbers.per_image_std)))  # fmt: skip
