"""The local cluster starts whole: a signal that arrives while it starts is acted on afterwards."""

from __future__ import annotations

import os
import signal

import pytest

from fashionlab.analysis import local


def test_a_signal_while_the_cluster_starts_is_held_until_it_has_started() -> None:
    seen: list[str] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append("handled"))
    try:
        with local._signals_held():
            os.kill(os.getpid(), signal.SIGTERM)
            seen.append("still starting")
        seen.append("after")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert seen == ["still starting", "handled", "after"]


def test_a_held_ctrl_c_is_a_keyboard_interrupt_once_the_block_ends() -> None:
    reached, before = [], signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt), local._signals_held():
            os.kill(os.getpid(), signal.SIGINT)
            reached.append(True)  # not interrupted inside the block
        assert reached == [True] and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, before)
