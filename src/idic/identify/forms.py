"""Forms of the customer pages: the search filters and the import upload."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from idic.identify.models import CustomerKind, CustomerStatus
from idic.identify.services.uploads import ACCEPTED_SUFFIXES

IMPORT_KINDS = [
    ("customers", _("Customers")),
    ("transactions", _("Transactions")),
    ("interactions", _("Interactions")),
]


class CustomerSearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=200,
        label=_("Search"),
        widget=forms.TextInput(
            attrs={
                "placeholder": _("Name, phone, email, ID number or member card"),
                "autofocus": True,
                "type": "search",
            }
        ),
    )
    kind = forms.ChoiceField(
        required=False, label=_("Kind"), choices=[("", _("All kinds")), *CustomerKind.choices]
    )
    status = forms.ChoiceField(
        required=False,
        label=_("Status"),
        choices=[("", _("All statuses")), *CustomerStatus.choices],
    )
    province = forms.CharField(
        required=False,
        max_length=50,
        label=_("Province"),
        widget=forms.TextInput(attrs={"placeholder": _("Any province")}),
    )
    cursor = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=IMPORT_KINDS,
        initial="customers",
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8) or Excel .xlsx; the first row holds the column names."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_SUFFIXES)}),
    )
    dry_run = forms.BooleanField(
        required=False,
        initial=True,
        label=_("Dry run: check the file and report errors, write nothing"),
    )

    def clean_file(self):
        """Refuse a file above the upload limit before it is stored; its content is checked
        by the importer, which tells CSV from XLSX by the bytes, not the name."""
        upload = self.cleaned_data["file"]
        limit = settings.IDIC_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                gettext(
                    "“%(name)s” is %(size)s; the largest upload accepted here is %(limit)s. "
                    "Split the file, or import it on the server with “idic import”."
                )
                % {
                    "name": upload.name,
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(limit),
                },
                code="too_large",
            )
        return upload
