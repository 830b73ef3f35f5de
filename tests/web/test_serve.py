"""``idic serve``'s first start: demo data loaded, duplicates recognised, customers scored,
one login per role printed; a second start changes none of it."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from idic.differentiate.models import ScoreRun
from idic.identify.models import Customer, MergeRecord, SourceRecord, Transaction

pytestmark = pytest.mark.django_db(transaction=True)


def _serve(**options) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("serve", no_run=True, stdout=out, **options)
    return out.getvalue()


def test_first_start_loads_resolves_and_scores_the_demo(settings, tmp_path):
    # given an empty database and data folder
    settings.DATA_DIR = tmp_path
    # when IDIC starts for the first time with a small demo
    text = _serve(demo_customers=300)
    # then the demo's records are there, some merged into one customer
    records = SourceRecord.objects.count()
    assert records > 300
    merges = MergeRecord.objects.filter(undone_at__isnull=True).count()
    assert merges > 0
    assert Customer.objects.filter(merged_into__isnull=True).count() < records
    # and one score run covers the customers that remain
    run = ScoreRun.objects.get()
    assert run.counts["customers_with_purchases"] > 0
    # scored as of the demo's last purchase day, so that recency and churn make sense
    last = Transaction.objects.order_by("-ts").first()
    assert run.as_of == timezone.localtime(last.ts).date()
    assert "auc" in run.model_parameters["churn"]
    assert f"{merges} merges" in text and f"score run {run.pk}" in text
    # and each role's login is printed and kept for the next start
    logins = json.loads((tmp_path / "demo-logins.json").read_text())
    assert set(logins) == {"admin", "agent", "analyst"}
    for user, password in logins.items():
        assert f"login: {user:8s} password: {password}" in text

    # when it starts again / then nothing is loaded, merged or scored twice
    again = _serve(demo_customers=300)
    assert "First start" not in again
    assert SourceRecord.objects.count() == records
    assert ScoreRun.objects.count() == 1
    assert json.loads((tmp_path / "demo-logins.json").read_text()) == logins
