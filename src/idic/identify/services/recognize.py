"""Recognition at the point of contact: who is this, from whatever the person gives?

:func:`recognize` takes any mix of name, phone, email, ID number, member card, address and
birth date; finds candidates through indexed look-ups only (the phone or email as a
contact point, the ID number's and member card's keyed digests, the name key with the
birth date); scores each with the Fellegi–Sunter scorer of ``recognition.py`` on the
feature rows of ``matching.features``; and answers "match", "possible" or "new" with the
probability and why. It reads only: nothing is written.

The m/u values and thresholds are the scorer's defaults unless batch resolution has left
``settings.DATA_DIR / "identity-model.json"`` (re-read when the file changes).

:func:`link_targets_for_import` is the importer's fast variant: exact identifiers only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from idic.identify import normalise, recognition
from idic.identify.field_rules import FieldError
from idic.identify.matching import features
from idic.identify.models import IdentifierKind
from idic.identify.services import recognize_candidates as candidates
from idic.identify.services.import_linking import ImportLinker, link_keys
from idic.identify.services.import_sql import Bulk
from idic.protect import services as protect

SHOWN_CANDIDATES = 5
MODEL_FILE = "identity-model.json"
NATIONAL_ID = IdentifierKind.NATIONAL_ID.value
MEMBER_CARD = IdentifierKind.MEMBER_CARD.value


@dataclass(frozen=True)
class Recognition:
    status: recognition.Status
    customer_id: int | None
    probability: float
    why: dict[str, Any]
    candidates: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "customer_id": self.customer_id,
            "probability": round(self.probability, 6),
            "why": self.why,
            "candidates": self.candidates,
        }


# ---- the model -----------------------------------------------------------------------

_loaded: dict[str, Any] = {"key": None, "model": recognition.DEFAULT_MODEL}


def current_model() -> recognition.Model:
    """The scorer's model: the identity-model file's values if there is one, else defaults."""
    path = Path(settings.DATA_DIR) / MODEL_FILE
    try:
        stat = path.stat()
    except FileNotFoundError:
        return recognition.DEFAULT_MODEL
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if _loaded["key"] != key:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise recognition.BadModel(
                f"{path} is not readable JSON ({exc}): run `idic resolve` again or remove it"
            ) from None
        _loaded["model"] = recognition.model_from_json(data)
        _loaded["key"] = key
    return _loaded["model"]


# ---- the input -----------------------------------------------------------------------


@dataclass(frozen=True)
class Given:
    """The checked input: normalised values, and the keys to look candidates up by."""

    name: str = ""
    phone: str = ""
    email: str = ""
    id_number: str = ""
    id_digest: str = ""
    member_card: str = ""
    card_digest: str = ""
    address: str = ""
    birth_date: date | None = None
    gender: str = ""

    def features(self, party_type: str = "person") -> dict[str, Any]:
        """The comparison features of the input, its name read as a person's or, for
        comparing with organisations, as an organisation's (without legal form)."""
        return features.record_features(
            features.RecordFacts(
                record_id=0,
                name=self.name,
                party_type=party_type,
                gender=self.gender,
                birth_date=self.birth_date.isoformat() if self.birth_date else "",
                phones=(self.phone,) if self.phone else (),
                emails=(self.email,) if self.email else (),
                id_digest=self.id_digest,
                member_card=self.member_card,
                address=self.address,
            )
        )


def _text(field_name: str, value: Any, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FieldError(field_name, f"{field_name} must be text")
    text = normalise.fold(value)
    if len(text) > limit:
        raise FieldError(field_name, f"{field_name} is {len(text)} characters; at most {limit}")
    return text


def check_input(
    *,
    name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    id_number: str | None = None,
    member_card: str | None = None,
    address: str | None = None,
    birth_date: date | str | None = None,
) -> Given:
    """The input, checked and normalised; a malformed value raises :class:`FieldError`
    naming it, and giving nothing at all is an error too."""
    name_text = _text("name", name, 200)
    phone_text, email_text = _text("phone", phone, 40), _text("email", email, 300)
    id_text, card_text = _text("id_number", id_number, 20), _text("member_card", member_card, 100)
    address_text = _text("address", address, 300)
    born: date | None = None
    if isinstance(birth_date, date):
        born = birth_date
    elif birth_date not in (None, ""):
        try:
            born = date.fromisoformat(_text("birth_date", birth_date, 10))
        except ValueError:
            raise FieldError(
                "birth_date", f"birth_date {birth_date!r} is not a date: write YYYY-MM-DD"
            ) from None
    if born is not None and not date(1900, 1, 1) <= born <= timezone.localdate():
        raise FieldError("birth_date", f"birth_date {born} is not between 1900-01-01 and today")
    if not any((name_text, phone_text, email_text, id_text, card_text, address_text, born)):
        raise FieldError(
            "name",
            "give at least one of name, phone, email, id_number, member_card, address, birth_date",
        )
    given: dict[str, Any] = {"name": name_text, "address": address_text, "birth_date": born}
    if phone_text:
        try:
            given["phone"] = normalise.normalise_phone(
                phone_text, settings.IDIC_DEFAULT_COUNTRY_CODE
            )
        except normalise.InvalidValue as exc:
            raise FieldError("phone", str(exc)) from None
    if email_text:
        try:
            given["email"] = normalise.normalise_email(email_text)
        except normalise.InvalidValue as exc:
            raise FieldError("email", str(exc)) from None
    if id_text:
        try:
            parsed = normalise.parse_id_number(id_text)
        except normalise.InvalidValue as exc:
            raise FieldError("id_number", str(exc)) from None
        if born is not None and born != parsed.birth_date:
            raise FieldError(
                "birth_date",
                f"birth_date {born} disagrees with the ID number ({parsed.birth_date}); "
                "correct one of them",
            )
        given["id_number"] = parsed.value
        given["id_digest"] = protect.identifier_digest(NATIONAL_ID, parsed.value)
        given["birth_date"] = parsed.birth_date
        given["gender"] = parsed.gender
    if card_text:
        card = card_text.replace(" ", "")
        given["member_card"] = card
        given["card_digest"] = protect.identifier_digest(MEMBER_CARD, card)
    return Given(**given)


# ---- candidates ----------------------------------------------------------------------


def _name_keys(name: str) -> list[str]:
    """The stored name key of the name as given and of its simplified form (張偉 → 张伟)."""
    keys = {normalise.name_key(name)}
    simplified = features.names.simplified(name)
    keys.add(normalise.name_key(simplified))
    return sorted(k for k in keys if k)


def _candidates(given: Given) -> dict[int, dict[str, Any]]:
    contacts = [(k, v) for k, v in (("phone", given.phone), ("email", given.email)) if v]
    digests = [(NATIONAL_ID, given.id_digest), (MEMBER_CARD, given.card_digest)]
    rows = candidates.candidate_rows(
        contacts=contacts,
        digests=[(kind, digest) for kind, digest in digests if digest],
        name_keys=_name_keys(given.name) if given.name else [],
        birth_date=given.birth_date,
    )
    return candidates.candidate_features(rows)


# ---- recognition ---------------------------------------------------------------------


def recognize(
    *,
    name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    id_number: str | None = None,
    member_card: str | None = None,
    address: str | None = None,
    birth_date: date | str | None = None,
) -> Recognition:
    """Who the input describes: "match" (``customer_id`` set), "possible" (candidates for
    a person to check) or "new", with the best probability and why.

    Raises:
        FieldError: nothing given, or a malformed phone, email, ID number or birth date.
    """
    given = check_input(
        name=name,
        phone=phone,
        email=email,
        id_number=id_number,
        member_card=member_card,
        address=address,
        birth_date=birth_date,
    )
    return recognize_given(given)


def recognize_given(given: Given, *, model: recognition.Model | None = None) -> Recognition:
    model = model or current_model()
    mine: dict[str, dict[str, Any]] = {}
    scored = []
    for cid, theirs in _candidates(given).items():
        party = theirs["party_type"]
        if party not in mine:
            mine[party] = given.features(party)
        result = recognition.score(mine[party], theirs, model)
        scored.append((result.probability, result.weight, -cid, cid, result))
    scored.sort(reverse=True)
    candidates = [
        {"customer_id": cid, "probability": round(r.probability, 6), "why": r.why()}
        for _p, _w, _neg, cid, r in scored[:SHOWN_CANDIDATES]
    ]
    if not scored:
        return Recognition("new", None, 0.0, {"agreed": [], "disagreed": [], "fields": []})
    probability, _w, _neg, best_id, best = scored[0]
    status = recognition.status_for(best, model)
    return Recognition(
        status=status,
        customer_id=best_id if status == "match" else None,
        probability=probability,
        why=best.why(),
        candidates=candidates,
    )


# ---- the importer's variant ----------------------------------------------------------


def link_targets_for_import(records: Sequence[Any]) -> list[int | None]:
    """Which stored customer each new import record belongs to, by exact identifiers
    only (None: no customer is certain, create one).

    A record (``importing.customer_rows.CustomerRecord``, or anything with its ``name``,
    ``phone``, ``email``, ``id_number`` and ``member_card``) joins a stored customer when
    they share its resident ID number or member card, or its phone or email *and* the
    same name key (a phone alone may be a family's). The rule and its batched look-ups
    are ``import_linking.ImportLinker``'s, which the importer runs on every batch; a
    merged customer stands for its golden one.
    """
    keys = [
        link_keys(
            (
                protect.identifier_digest(NATIONAL_ID, r.id_number) if r.id_number else "",
                protect.identifier_digest(MEMBER_CARD, r.member_card) if r.member_card else "",
                r.phone,
                r.email,
                normalise.name_key(r.name) if r.name else "",
            )
        )
        for r in records
    ]
    bulk = Bulk()
    try:
        owners = ImportLinker(bulk).owners(keys)
    finally:
        bulk.close()
    # a record like an earlier one of the list, but no stored customer: none is certain
    return [owner if owner is not None and owner > 0 else None for owner in owners]


def link_target_for_import(record: Any) -> int | None:
    """:func:`link_targets_for_import` for one record."""
    return link_targets_for_import([record])[0]
