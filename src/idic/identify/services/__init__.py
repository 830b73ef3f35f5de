"""Use cases of the identify area. Other areas import from here only."""

from idic.identify.services.customers import (
    CustomerNotFound,
    customer_360,
    customer_summary,
    get_customer,
    search_customers,
)

__all__ = [
    "CustomerNotFound",
    "customer_360",
    "customer_summary",
    "get_customer",
    "search_customers",
]
