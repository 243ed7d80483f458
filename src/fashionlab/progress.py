"""What long computations report while they run. The library only calls it; the CLI draws it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)


class Progress(Protocol):
    def stage(self, number: int, total: int, name: str) -> None: ...
    def stage_done(self, name: str, seconds: float) -> None: ...
    def tick(self, what: str, done: int, total: int, note: str = "") -> None:
        """``done`` of ``total`` units of ``what`` (t-SNE iterations, epochs, steps, tasks)."""

    def checkpoint(self) -> None:
        """Raise KeyboardInterrupt if the user asked to stop (called between units of work)."""


class LogProgress:
    """The default: log stage boundaries, ignore fine-grained ticks."""

    def stage(self, number: int, total: int, name: str) -> None:
        log.info("stage %d/%d: %s", number, total, name)

    def stage_done(self, name: str, seconds: float) -> None:
        log.info("%s done in %.1f s", name, seconds)

    def tick(self, what: str, done: int, total: int, note: str = "") -> None:
        pass

    def checkpoint(self) -> None:
        pass


def epoch_ticker(
    progress: Progress, unit: str, epochs: int
) -> Callable[[int, dict[str, float]], None]:
    """A network's ``on_epoch``: one tick of ``unit`` an epoch, with its validation accuracy."""

    def tick(epoch: int, logs: dict[str, float]) -> None:
        progress.tick(unit, epoch, epochs, f"val_accuracy {logs['val_accuracy']:.4f}")

    return tick
