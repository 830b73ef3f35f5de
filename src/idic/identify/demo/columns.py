"""The columns of the demo files, as ``docs/import-format.md`` defines them."""

from __future__ import annotations

CUSTOMER_COLUMNS = (
    "source", "source_id", "name", "party_type", "kind", "status", "scope", "gender",
    "birth_date", "phone", "email", "id_number", "member_card", "province", "city",
    "district", "address", "company", "title", "income", "marital_status", "industry",
    "employees", "founded", "credit_grade", "risk_flag", "org_source_id", "key_role",
    "created_at",
)  # fmt: skip
TRANSACTION_COLUMNS = (
    "source", "source_id", "order_id", "ts", "amount", "cost", "product", "channel",
)  # fmt: skip
INTERACTION_COLUMNS = (
    "source", "source_id", "interaction_id", "ts", "channel", "direction", "subject",
    "summary", "staff", "duration_seconds",
)  # fmt: skip
TRUTH_COLUMNS = ("source", "source_id", "person")
