"""Reading an import file in a second process while this one writes to the database.

Parsing and checking a row costs about as much Python time as storing it; on one
process the two take turns, on two they overlap. The worker is a fork of the importing
process, so it starts at once with the settings, keys and parsers already loaded, and
it runs :func:`import_reading.read_file`: it never touches the database (the connection
it inherits is left alone), and it ends with ``os._exit``, never closing what it
inherited. The importing process keeps the only database connection, the transaction,
and every write, so the import stays one transaction, whole or nothing.

Chunks travel through a pipe as bytes: ``marshal`` for plain values (what customer rows
are prepared to), ``pickle`` otherwise. The worker keeps at most :data:`QUEUED_CHUNKS`
chunks ahead of the writer, so memory stays bounded however large the file.
"""

from __future__ import annotations

import gc
import logging
import marshal
import multiprocessing
import pickle
import queue
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection

from idic.identify.importing import RowError
from idic.identify.services.import_reading import Chunk

logger = logging.getLogger(__name__)

QUEUED_CHUNKS = 2
# a worker silent for this long is taken for stuck (a batch takes well under a second)
SILENCE_LIMIT_S = 600.0
_MARSHAL, _PICKLE, _FAILURE = b"m", b"p", b"x"


class ReadingFailed(RuntimeError):
    """The worker process stopped without reading the file to its end."""


def can_fork() -> bool:
    """Whether a worker may be forked here: only where ``fork`` exists, and only from a
    process running one thread (a fork copies locks other threads may be holding)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


@contextmanager
def chunks_from_worker(read: Callable[[], Iterator[Chunk]]) -> Iterator[Iterator[Chunk]]:
    """Run ``read`` in a forked process; yield an iterator over the chunks it produces.

    Leaving the block, early or on an error, stops the worker.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_work, args=(read, sender, receiver), name="idic-import-reader", daemon=True
    )
    process.start()
    sender.close()  # the worker holds the only writing end: its exit ends the pipe
    try:
        yield _received(receiver, process)
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join()


def _received(receiver: Connection, process) -> Iterator[Chunk]:
    while True:
        if not receiver.poll(SILENCE_LIMIT_S):
            raise ReadingFailed(
                f"the process reading the file sent nothing for {SILENCE_LIMIT_S:g} seconds"
            )
        try:
            data = receiver.recv_bytes()
        except EOFError:
            process.join()
            raise ReadingFailed(
                f"the process reading the file stopped unexpectedly (exit code {process.exitcode})"
            ) from None
        chunk = _unpack(data)
        yield chunk
        if chunk.end:
            return


# -- in the worker ----------------------------------------------------------------------


def _work(read: Callable[[], Iterator[Chunk]], sender: Connection, receiver: Connection) -> None:
    receiver.close()
    # what the fork inherited is never garbage here, and the rows read make no reference
    # cycles (they are freed as soon as they are sent): the collector would only scan
    # them, for nothing, and the process ends with the file
    gc.freeze()
    gc.disable()
    outbox: queue.Queue[bytes | None] = queue.Queue(maxsize=QUEUED_CHUNKS)
    feeder = threading.Thread(target=_feed, args=(outbox, sender), daemon=True)
    feeder.start()
    try:
        for chunk in read():
            if not _put(outbox, _pack(chunk), feeder):
                return
    except BaseException as exc:  # handed to the importing process, which fails the import
        _put(outbox, _FAILURE + _failure(exc), feeder)
    _put(outbox, None, feeder)
    feeder.join()


def _feed(outbox: queue.Queue[bytes | None], sender: Connection) -> None:
    """Send the queued chunks, so reading goes on while the pipe is full."""
    try:
        while (data := outbox.get()) is not None:
            sender.send_bytes(data)
    except OSError:  # the importing process has gone: nobody to tell
        return
    finally:
        sender.close()


def _put(outbox: queue.Queue[bytes | None], data: bytes | None, feeder: threading.Thread) -> bool:
    while feeder.is_alive():
        try:
            outbox.put(data, timeout=1.0)
            return True
        except queue.Full:
            continue
    return False


def _pack(chunk: Chunk) -> bytes:
    plain = (
        chunk.rows,
        chunk.total,
        [(e.row, e.column, e.value, e.reason) for e in chunk.errors],
        chunk.items,
        chunk.end,
        chunk.outside,
    )
    try:
        return _MARSHAL + marshal.dumps(plain)
    except ValueError:  # values marshal does not know (dates, decimals, records)
        return _PICKLE + pickle.dumps(plain, protocol=pickle.HIGHEST_PROTOCOL)


def _failure(exc: BaseException) -> bytes:
    return marshal.dumps((f"{type(exc).__name__}: {exc}", traceback.format_exc()))


# -- back in the importing process ------------------------------------------------------


def _unpack(data: bytes) -> Chunk:
    tag, body = data[:1], memoryview(data)[1:]
    if tag == _FAILURE:
        message, trace = marshal.loads(body)
        logger.error("reading the import file failed in the worker process:\n%s", trace)
        raise ReadingFailed(f"reading the file failed: {message}")
    rows, total, errors, items, end, outside = (
        marshal.loads(body) if tag == _MARSHAL else pickle.loads(body)
    )
    return Chunk(rows, total, [RowError(*e) for e in errors], items, end, outside)
