"""Buy-till-you-die customer value models (BG/NBD, Pareto/NBD, Gamma-Gamma) as pure functions.

Typical use: ``summarise`` a transaction log, fit ``fit_bgnbd`` and ``fit_gamma_gamma`` on the
summary, then score customers with ``probability_alive``, ``expected_purchases``,
``expected_average_spend`` and ``customer_lifetime_value``; ``fit_pareto_nbd`` with
``probability_alive`` and ``pareto_nbd_expected_purchases`` are the Pareto/NBD
alternative.
"""

from .alive import probability_alive
from .bgnbd import BGNBDParams, expected_purchases, fit_bgnbd
from .clv import customer_lifetime_value
from .gamma_gamma import GammaGammaParams, expected_average_spend, fit_gamma_gamma
from .pareto_nbd import ParetoNBDParams, fit_pareto_nbd
from .pareto_nbd import expected_purchases as pareto_nbd_expected_purchases
from .summary import CustomerSummary, summarise

__all__ = [
    "BGNBDParams",
    "CustomerSummary",
    "GammaGammaParams",
    "ParetoNBDParams",
    "customer_lifetime_value",
    "expected_average_spend",
    "expected_purchases",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "fit_pareto_nbd",
    "pareto_nbd_expected_purchases",
    "probability_alive",
    "summarise",
]
