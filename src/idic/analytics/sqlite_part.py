"""Worker process of :func:`idic.analytics.loaders.read_sqlite_file`.

Run as ``python -m idic.analytics.sqlite_part JOB.json``: reads the chunks the job
names from the SQLite file, each read into the Arrow IPC file the job names, and
exits with status 0 (any error: a traceback on standard error and status 1).
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path

import pyarrow as pa

from idic.analytics.loaders import read_chunks, spec_column


def run(job: dict) -> None:
    """Read every part of ``job`` (see :func:`idic.analytics.loaders._start_worker`)."""
    con = sqlite3.connect(job["path"])
    try:
        for read in job["reads"]:
            columns = [spec_column(c) for c in read["columns"]]
            table = read_chunks(
                con,
                query=read["query"],
                columns=columns,
                starts=read["starts"],
                chunk_rows=job["chunk_rows"],
            )
            # written under another name and renamed: the reader waits for the final name
            partial = read["out"] + ".partial"
            with pa.OSFile(partial, "wb") as sink, pa.ipc.new_file(sink, table.schema) as w:
                w.write_table(table)
            os.replace(partial, read["out"])
    finally:
        con.close()


if __name__ == "__main__":
    run(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))
