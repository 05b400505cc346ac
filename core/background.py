"""A loop in a thread of its own that does batches of queued work until there is none, then waits to be woken."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)


class Background:
    """Subclasses say what one batch is (``run_once``, returning how many items it did); this runs them: all due
    batches, then a wait of ``poll_seconds`` or until ``wake``. ``drain`` does the same in the caller's thread.

    A subclass may override ``run_due`` to work on several batches at once (the index worker encodes one while it
    writes the one before); ``_lock`` is then held for the whole run, so a process still has one run at a time."""

    name = "background"

    def __init__(self) -> None:
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # one run of batches at a time inside a process

    def run_once(self) -> int:
        raise NotImplementedError

    def run_due(self, progress: Callable[[int], object] | None = None, stop: threading.Event | None = None) -> int:
        """Batch after batch until one finds nothing to do (or fails) or ``stop`` is set; returns how many items
        were done. ``progress`` hears each batch's count."""
        total = 0
        while not (stop and stop.is_set()) and (done := self.run_once()):
            total += done
            if progress:
                progress(done)
        return total

    def drain(self, progress: Callable[[int], object] | None = None) -> int:
        """Every due batch, until one finds nothing to do; returns how many items were done."""
        return self.run_due(progress)

    def start(self, poll_seconds: float = 2.0) -> None:
        self._thread = threading.Thread(target=self._loop, args=(poll_seconds,), name=self.name, daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)

    def _loop(self, poll_seconds: float) -> None:
        while not self._stop.is_set():
            try:
                self.run_due(stop=self._stop)
            except Exception:  # the loop must survive a lost database connection
                logger.exception("%s loop error", self.name)
            self._wake.wait(poll_seconds)
            self._wake.clear()
