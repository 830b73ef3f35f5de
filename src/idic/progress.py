"""Progress bars of the long-running commands (demo, resolve, score), drawn with tqdm on the
command's standard error.

A service reports progress as ``callback(step, done, total)``; :class:`StepBars` turns that
into one bar per step, labelled by the command, and restarts the bar when a step begins
again (``done`` going back).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tqdm import tqdm


class Unwrapped:
    """A management command's stderr without the line ending it adds, as tqdm's ``\\r``
    needs."""

    def __init__(self, wrapper: Any) -> None:
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")

    def flush(self) -> None:
        self.wrapper.flush()


class StepBars:
    """One tqdm bar per step; ``label(step)`` gives the bar's (description, unit)."""

    def __init__(self, stderr: Any, label: Callable[[str], tuple[str, str]]) -> None:
        self.stream = Unwrapped(stderr)
        self.label = label
        self.bar: tqdm | None = None
        self.step = ""
        self.done = 0

    def update(self, step: str, done: int, total: int | None) -> None:
        if self.bar is None or step != self.step or done < self.done:
            self.close()
            desc, unit = self.label(step)
            self.bar = tqdm(total=total, desc=desc, file=self.stream, unit=unit)
            self.step, self.done = step, 0
        self.bar.update(max(0, done - self.done))
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
