"""The line for training slots: first come first served, places kept while asked about, and a
newcomer never takes a slot that a waiting visitor is next for (issue 16)."""

from __future__ import annotations

import time

import pytest

from graphlab.train.jobs import BusyError, JobSlots, Turn


def test_the_third_visitor_of_two_slots_waits_first_in_line_then_gets_the_freed_slot():
    slots = JobSlots(2)
    slots.acquire("a")
    slots.acquire("b")
    assert slots.wait_turn("c") == Turn(ahead=0, ready=False)
    assert slots.wait_turn("d") == Turn(ahead=1, ready=False)
    with pytest.raises(BusyError):
        slots.acquire("c")
    slots.release()
    assert slots.wait_turn("c") == Turn(0, True) and slots.wait_turn("d") == Turn(1, False)
    with pytest.raises(BusyError):  # d may not jump ahead of c, nor may a newcomer
        slots.acquire("d")
    with pytest.raises(BusyError):
        slots.acquire()
    slots.acquire("c")
    assert slots.wait_turn("d") == Turn(0, False) and slots.in_use == 2


def test_a_place_nobody_asks_about_is_given_up_and_leaving_frees_it_at_once():
    slots = JobSlots(1, patience=0.05)
    slots.acquire()
    slots.wait_turn("gone")
    assert slots.wait_turn("e") == Turn(1, False)
    time.sleep(0.03)
    assert slots.wait_turn("e") == Turn(1, False)  # "gone" has not been asked for 0.03 s only
    time.sleep(0.04)
    assert slots.wait_turn("e") == Turn(0, False)  # "gone" left without a word
    slots.wait_turn("f")
    slots.leave("e")
    assert slots.wait_turn("f") == Turn(0, False)
    slots.release()
    slots.acquire("f")
    assert slots.in_use == 1
