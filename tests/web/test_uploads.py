"""Keeping an uploaded import file on disk: byte limit, safe name, clean-up."""

from __future__ import annotations

import pytest

from idic.identify.services.uploads import (
    UploadTooLarge,
    discard_upload,
    safe_name,
    store_upload,
)


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def test_upload_is_stored_under_its_own_name_and_discarded(data_dir):
    # given an upload in two chunks
    path = store_upload(name="客户 2024.csv", chunks=[b"source,", b"source_id\n"], max_bytes=100)
    # then it is kept under DATA_DIR/uploads with its name made safe
    assert path.read_bytes() == b"source,source_id\n"
    assert path.parent.parent == data_dir / "uploads"
    assert path.name == "客户_2024.csv"
    # when discarded / then neither the file nor its folder remains
    discard_upload(path)
    assert not path.parent.exists()


def test_upload_over_the_limit_is_refused_and_leaves_nothing(data_dir):
    # given chunks that add up to more than the limit (whatever size was declared)
    chunks = [b"x" * 40, b"x" * 40]
    # when stored with a limit of 60 bytes / then it is refused with both numbers
    with pytest.raises(UploadTooLarge) as refused:
        store_upload(name="big.csv", chunks=chunks, max_bytes=60)
    assert (refused.value.size, refused.value.limit) == (80, 60)
    assert not any((data_dir / "uploads").iterdir())


@pytest.mark.parametrize(
    ("given_name", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\orders.xlsx", "orders.xlsx"),
        ("a b;c.csv", "a_b_c.csv"),
        ("", "upload"),
    ],
)
def test_safe_name_keeps_only_the_base_name(given_name, safe):
    # given a name sent by a browser / then only a harmless base name is kept
    assert safe_name(given_name) == safe
