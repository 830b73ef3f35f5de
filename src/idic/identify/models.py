"""Customer master data: who the customer is, how to reach them, where each datum came from.

Modelled on the texts' "identify" step (SOURCES.md): customers are persons or
organisations of four kinds; every attribute value keeps its source, collection
time and confidence, and a change adds a row instead of overwriting one.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PartyType(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class CustomerKind(models.TextChoices):
    CONSUMER = "consumer", _("Consumer")  # 消费客户
    INDUSTRIAL = "industrial", _("Industrial")  # 产业客户
    INTERMEDIARY = "intermediary", _("Intermediary")  # 中间客户
    PUBLIC_INTEREST = "public_interest", _("Public-interest")  # 公利客户


class CustomerStatus(models.TextChoices):
    ACTUAL = "actual", _("Actual")  # 现实客户
    POTENTIAL = "potential", _("Potential")  # 潜在客户


class CustomerScope(models.TextChoices):
    EXTERNAL = "external", _("External")
    INTERNAL = "internal", _("Internal")


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")
    UNKNOWN = "", _("Unknown")


class Customer(models.Model):
    """A customer: the golden record shown to users. Current values are denormalised here;
    their history lives in :class:`AttributeValue`, :class:`ContactPoint` and :class:`Identifier`."""

    party_type = models.CharField(
        max_length=12, choices=PartyType.choices, default=PartyType.PERSON
    )
    kind = models.CharField(
        max_length=16, choices=CustomerKind.choices, default=CustomerKind.CONSUMER
    )
    status = models.CharField(
        max_length=10, choices=CustomerStatus.choices, default=CustomerStatus.ACTUAL
    )
    scope = models.CharField(
        max_length=10, choices=CustomerScope.choices, default=CustomerScope.EXTERNAL
    )
    name = models.CharField(max_length=200)
    name_key = models.CharField(
        max_length=200, db_index=True, help_text="folded, lower-cased name for search"
    )
    gender = models.CharField(max_length=1, choices=Gender.choices, blank=True, default="")
    birth_date = models.DateField(null=True, blank=True)
    province = models.CharField(max_length=50, blank=True, default="")
    city = models.CharField(max_length=50, blank=True, default="")
    district = models.CharField(max_length=50, blank=True, default="")
    address = models.CharField(max_length=300, blank=True, default="")
    company = models.CharField(max_length=200, blank=True, default="")
    title = models.CharField(max_length=100, blank=True, default="")
    risk_flag = models.CharField(
        max_length=30, blank=True, default="", help_text="high-risk organisation flag"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["province", "city"]),
            models.Index(fields=["kind", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} (#{self.pk})"


class SourceRecord(models.Model):
    """One record of one source system (source, source_id) and the customer it is linked to."""

    source = models.CharField(max_length=50)
    source_id = models.CharField(max_length=100)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="source_records")
    payload = models.JSONField(default=dict, help_text="the record as last imported")
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="uniq_source_record")
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.source_id}"


class ContactKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    ADDRESS = "address", _("Postal address")
    SOCIAL = "social", _("Social handle")
    FAX = "fax", _("Fax")


class ContactPoint(models.Model):
    """A way to reach the customer, normalised; old values stay with ``is_current`` false."""

    # looked up through the (customer, kind) index: no index of its own to keep up
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contact_points", db_index=False
    )
    source_record = models.ForeignKey(
        SourceRecord, null=True, blank=True, on_delete=models.SET_NULL
    )
    kind = models.CharField(max_length=10, choices=ContactKind.choices)
    value = models.CharField(
        max_length=300, help_text="normalised value (E.164 phone, lower-case email)"
    )
    raw_value = models.CharField(max_length=300, blank=True, default="")
    verified = models.BooleanField(default=False)
    opt_out = models.BooleanField(default=False)
    is_current = models.BooleanField(default=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["kind", "value"]),
            models.Index(fields=["customer", "kind"]),
        ]


class IdentifierKind(models.TextChoices):
    MEMBER_CARD = "member_card", _("Member card")
    ACCOUNT_NUMBER = "account_number", _("Account number")
    WEB_USER = "web_user", _("Web user")
    NATIONAL_ID = "national_id", _("National ID number")
    OTHER = "other", _("Other")


class Identifier(models.Model):
    """An external identifier of the customer in some system.

    Protected kinds (national ID, account number) keep no plain value: ``digest`` (keyed
    HMAC) finds them, ``ciphertext`` (AES-GCM) lets an authorised role read them, and
    ``masked`` is what everyone else sees.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identifiers")
    source_record = models.ForeignKey(
        SourceRecord, null=True, blank=True, on_delete=models.SET_NULL
    )
    kind = models.CharField(max_length=16, choices=IdentifierKind.choices)
    issuer = models.CharField(max_length=50, blank=True, default="", help_text="source system")
    value = models.CharField(max_length=100, blank=True, default="")
    digest = models.CharField(max_length=64)
    ciphertext = models.TextField(blank=True, default="")
    masked = models.CharField(max_length=100, blank=True, default="")
    first_seen_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["kind", "digest"])]


class AttributeGroup(models.TextChoices):
    BASIC = "basic", _("Basic")
    FAMILY = "family", _("Family")
    CAREER = "career", _("Career")
    PSYCHOLOGICAL = "psychological", _("Psychological / attitude")
    BEHAVIOUR = "behaviour", _("Behaviour")
    ORG_BASIC = "org_basic", _("Organisation basic")
    ORG_BUSINESS = "org_business", _("Business status")
    ORG_TRANSACTION = "org_transaction", _("Transaction status")
    PREFERENCE = "preference", _("Preferences")


class AttributeValue(models.Model):
    """One value of one attribute, from one source, at one time. Never updated in place:
    a new value supersedes the old one, so the history answers "what changed since …"."""

    # looked up through the (customer, name, superseded_at) index
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="attributes", db_index=False
    )
    source_record = models.ForeignKey(
        SourceRecord, null=True, blank=True, on_delete=models.SET_NULL
    )
    group = models.CharField(max_length=16, choices=AttributeGroup.choices)
    name = models.CharField(max_length=60)
    value = models.TextField()
    source = models.CharField(max_length=50)
    collected_at = models.DateTimeField()
    confidence = models.FloatField(default=1.0)
    recorded_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # "what changed since …" is asked per customer, so this one index serves it
            models.Index(fields=["customer", "name", "superseded_at"]),
        ]


class KeyPersonRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    PURCHASER = "purchaser", _("Purchaser")
    USER = "user", _("User")
    INFLUENCER = "influencer", _("Influencer")
    EXECUTIVE = "executive", _("Executive")
    OTHER = "other", _("Other")


class KeyPerson(models.Model):
    """A person who matters in an organisation customer (000 §3.3.3)."""

    organisation = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="key_persons")
    person = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="roles_in_organisations"
    )
    role = models.CharField(
        max_length=16, choices=KeyPersonRole.choices, default=KeyPersonRole.OTHER
    )
    title = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "person", "role"], name="uniq_key_person"
            )
        ]


class Product(models.Model):
    sku = models.CharField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=100, blank=True, default="")

    def __str__(self) -> str:
        return self.name


class Transaction(models.Model):
    """One order (or order line) of a customer."""

    source = models.CharField(max_length=50)
    order_id = models.CharField(max_length=100)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="transactions")
    source_record = models.ForeignKey(
        SourceRecord, null=True, blank=True, on_delete=models.SET_NULL
    )
    ts = models.DateTimeField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    cost = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL)
    channel = models.CharField(max_length=30, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "order_id"], name="uniq_order")]
        indexes = [models.Index(fields=["customer", "ts"])]

    @property
    def margin(self):
        return None if self.cost is None else self.amount - self.cost


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class Interaction(models.Model):
    """A contact with the customer in any channel, for the timeline."""

    source = models.CharField(max_length=50)
    external_id = models.CharField(max_length=100)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="interactions")
    source_record = models.ForeignKey(
        SourceRecord, null=True, blank=True, on_delete=models.SET_NULL
    )
    ts = models.DateTimeField()
    channel = models.CharField(max_length=30)
    direction = models.CharField(
        max_length=10, choices=Direction.choices, default=Direction.INBOUND
    )
    subject = models.CharField(max_length=200, blank=True, default="")
    summary = models.TextField(blank=True, default="")
    staff = models.CharField(max_length=100, blank=True, default="")
    duration_seconds = models.IntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="uniq_interaction")
        ]
        indexes = [models.Index(fields=["customer", "ts"])]


class CustomerEvent(models.Model):
    """Append-only timeline event (created, attribute changed, merged …); see ``events.py``."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="events")
    ts = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=40)
    actor = models.CharField(max_length=150, blank=True, default="")
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "ts"])]


class ImportRun(models.Model):
    """One import of one file: what it was, how it went, and its row-level error report."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        REJECTED = "rejected", _("Rejected")
        DRY_RUN = "dry_run", _("Dry run")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=20)
    file_name = models.CharField(max_length=300)
    actor = models.CharField(max_length=150, blank=True, default="")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    rows = models.IntegerField(default=0)
    created = models.IntegerField(default=0)
    updated = models.IntegerField(default=0)
    unchanged = models.IntegerField(default=0)
    # of the created customer records, those that joined a customer already known
    linked = models.IntegerField(default=0)
    error_count = models.IntegerField(default=0)
    errors = models.JSONField(
        default=list, blank=True, help_text="first errors: row, column, reason"
    )


class MergeRecord(models.Model):
    """One merge of customers into a golden customer, and everything needed to undo it.

    ``snapshot`` holds the exact prior state: each involved customer's field values, and
    for every table that points at a customer, which rows pointed at which customer
    (see ``services/merging.py``). Never deleted; an undo sets ``undone_at``.
    """

    golden = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges")
    merged_ids = models.JSONField(default=list, help_text="ids of the customers merged away")
    actor = models.CharField(max_length=150)
    reason = models.TextField(blank=True, default="")
    evidence = models.JSONField(default=dict, blank=True)
    snapshot = models.JSONField(default=dict)
    created_at = models.DateTimeField(db_index=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.CharField(max_length=150, blank=True, default="")

    def __str__(self) -> str:
        return f"merge {self.pk} into #{self.golden_id}"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    MATCH = "match", _("Match")
    NON_MATCH = "non_match", _("Not a match")


class ReviewPair(models.Model):
    """A pair of source records a person must judge: the same customer or not.

    ``left`` has the lower id, so one pair has one row. A decision is kept and never
    replaced by an automatic run.
    """

    left = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField()
    evidence = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    decided_by = models.CharField(max_length=150, blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)
    merge = models.ForeignKey(
        MergeRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["left", "right"], name="uniq_review_pair"),
            models.CheckConstraint(
                condition=models.Q(left__lt=models.F("right")), name="review_pair_ordered"
            ),
        ]
        indexes = [models.Index(fields=["status", "-probability"])]


class SurvivorshipRuleKind(models.TextChoices):
    MOST_TRUSTED_SOURCE = "most_trusted_source", _("Most trusted source")
    MOST_RECENT = "most_recent", _("Most recent")
    MOST_COMPLETE = "most_complete", _("Most complete")


class SurvivorshipRule(models.Model):
    """An override of the built-in survivorship rule of one customer field
    (``identify/survivorship.py`` holds the defaults)."""

    field = models.CharField(max_length=60, unique=True)
    rule = models.CharField(max_length=20, choices=SurvivorshipRuleKind.choices)
    source_ranking = models.JSONField(
        default=list, blank=True, help_text="sources, most trusted first"
    )

    def __str__(self) -> str:
        return f"{self.field}: {self.rule}"
