"""``idic recognize`` and ``idic unmerge``."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from idic.identify.models import Customer, MergeRecord
from idic.identify.services import merging
from tests.identify.merge_support import make_customer

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_recognize_prints_the_answer_and_json():
    # given a customer with a phone
    customer = make_customer(1, name="张伟", phone="+8613812345678")
    # when recognised from the shell by phone and a homophone name
    out = _run("recognize", "--phone", "138 1234 5678", "--name", "章伟")
    # then a line for people, then the answer as JSON
    lines = out.strip().splitlines()
    assert f"#{customer.pk}" in lines[0]
    answer = json.loads(lines[-1])
    assert answer["status"] == "match" and answer["customer_id"] == customer.pk


def test_recognize_bad_phone_names_the_option():
    with pytest.raises(CommandError, match=r"--phone: .*neither an 11-digit mobile") as bad:
        _run("recognize", "--phone", "12345")
    with pytest.raises(CommandError, match="give at least one") as empty:
        _run("recognize")
    # and both exit with status 2, the status of wrong input
    assert bad.value.returncode == empty.value.returncode == 2


def test_unmerge_undoes_and_refuses_twice():
    # given a merge
    a, b = make_customer(1), make_customer(2)
    result = merging.merge_customers(customer_ids=[a.pk, b.pk], actor="x", reason="")
    # when undone from the shell / then the customers are separate again
    out = _run("unmerge", str(result.merge_id), "--actor", "ops")
    assert f"#{b.pk}" in out
    assert Customer.objects.get(pk=b.pk).merged_into_id is None
    assert MergeRecord.objects.get().undone_by == "ops"
    with pytest.raises(CommandError, match="already undone"):
        _run("unmerge", str(result.merge_id))
    with pytest.raises(CommandError, match="merge 999 does not exist") as unknown:
        _run("unmerge", "999")
    assert unknown.value.returncode == 2
