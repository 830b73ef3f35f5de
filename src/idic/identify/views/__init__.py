"""Pages of the identify area: customer search, the customer 360 view and file import."""
