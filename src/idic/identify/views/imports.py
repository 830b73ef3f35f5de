"""The import page: upload a customers, transactions or interactions file and read the report."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from idic.identify.forms import ImportForm
from idic.identify.services import imports
from idic.identify.services.import_runs import recent_import_runs
from idic.identify.services.reasons import localise
from idic.identify.services.uploads import UploadTooLarge, discard_upload, store_upload
from idic.identify.views.access import viewer_required
from idic.protect.services import Viewer

# The report table shows this many rows; the counts always cover the whole file.
SHOWN_ERRORS = 500


def _error_view(error: Any, viewer: Viewer) -> dict[str, Any]:
    """One row error; a rejected value is masked like the column it was in, also where
    the reason quotes it."""
    value = viewer.reveal(error.column, error.value) if error.column else error.value
    reason = localise(error.reason)
    if value != error.value and error.value:
        reason = reason.replace(error.value, value)
    return {"row": error.row, "column": error.column, "value": value, "reason": reason}


def _report_view(report: Any, viewer: Viewer) -> dict[str, Any]:
    """The import report for the page, its errors masked for the viewer."""
    errors = [_error_view(e, viewer) for e in report.errors[:SHOWN_ERRORS]]
    return {
        "run_id": report.run_id,
        "status": report.status,
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "linked": report.linked,
        "error_count": report.error_count,
        "errors": errors,
        "errors_hidden": max(0, len(report.errors) - len(errors)),
        "seconds": report.seconds,
    }


def _run_import(request: HttpRequest, form: ImportForm) -> dict[str, Any] | None:
    viewer: Viewer = request.viewer  # type: ignore[attr-defined]
    upload = form.cleaned_data["file"]
    limit = settings.IDIC_UPLOAD_MAX_BYTES
    try:
        path = store_upload(name=upload.name, chunks=upload.chunks(), max_bytes=limit)
    except UploadTooLarge:
        form.add_error(
            "file",
            _("The file is larger than %(limit)s, the largest upload accepted here.")
            % {"limit": filesizeformat(limit)},
        )
        return None
    try:
        report = imports.import_file(
            kind=form.cleaned_data["kind"],
            path=path,
            actor=viewer.username,
            dry_run=form.cleaned_data["dry_run"],
            max_bytes=limit,
        )
    finally:
        discard_upload(path)
    return _report_view(report, viewer)


@require_http_methods(["GET", "POST"])
@viewer_required
def import_page(request: HttpRequest) -> HttpResponse:
    """The upload form, the report of the file just sent, and the latest import runs."""
    report = None
    status = 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            report = _run_import(request, form)
        if report is None:  # the form or the upload was refused; the form says why
            status = 400
    else:
        form = ImportForm()
    return render(
        request,
        "identify/import.html",
        {
            "form": form,
            "report": report,
            "runs": recent_import_runs(limit=10),
            "max_bytes": settings.IDIC_UPLOAD_MAX_BYTES,
            "shown_errors": SHOWN_ERRORS,
        },
        status=status,
    )
