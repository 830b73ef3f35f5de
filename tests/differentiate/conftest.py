"""Markers of the differentiate tests (registered here: pyproject.toml belongs to the lead)."""

from __future__ import annotations


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "spark: runs on PySpark in local mode (needs Java 17; ~25 s to start)"
    )
