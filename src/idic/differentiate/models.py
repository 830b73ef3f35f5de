"""Score snapshots: one :class:`ScoreRun` per scoring run, one :class:`CustomerScore` per
customer and run, and the :class:`StageTransition` events between consecutive runs.

Runs are never overwritten, so tier migration (状态迁移) between any two snapshots
can be reported. Scores are floats: they are estimates, not money on an account.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScoreRun(models.Model):
    """One scoring run: when, on what, with which parameters, and what it found."""

    as_of = models.DateField(help_text="purchases up to the end of this day were scored")
    engine = models.CharField(max_length=20, help_text="duckdb, postgres or spark")
    created_at = models.DateTimeField()
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="the run with the latest earlier as_of: transitions are against it",
    )
    parameters = models.JSONField(default=dict, help_text="scoring parameters as run")
    model_parameters = models.JSONField(
        default=dict,
        help_text="fitted BG/NBD, Pareto/NBD, Gamma-Gamma and churn parameters, time unit",
    )
    timings = models.JSONField(default=dict, help_text="seconds per step")
    counts = models.JSONField(default=dict, help_text="customers, transactions, transitions …")
    reports = models.JSONField(
        default=dict, help_text="decile table, Pareto, Lorenz, Gini, pyramid and ABC tables"
    )
    warnings = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-as_of", "-id"]
        indexes = [models.Index(fields=["as_of", "id"])]

    def __str__(self) -> str:
        return f"score run {self.pk} as of {self.as_of}"


class CustomerScore(models.Model):
    """A customer's scores in one run. Null means "not computed" or "not applicable"
    (e.g. no purchase before the as-of date)."""

    run = models.ForeignKey(
        ScoreRun, on_delete=models.CASCADE, related_name="scores", db_index=False
    )
    customer = models.ForeignKey(
        "identify.Customer", on_delete=models.CASCADE, related_name="scores"
    )
    recency_days = models.IntegerField(null=True)
    frequency = models.IntegerField(null=True, help_text="distinct purchase days")
    monetary = models.FloatField(null=True, help_text="spend up to as_of")
    r = models.SmallIntegerField(null=True)
    f = models.SmallIntegerField(null=True)
    m = models.SmallIntegerField(null=True)
    rfm_segment = models.CharField(max_length=30, null=True)
    decile = models.SmallIntegerField(null=True, help_text="1 = the most valuable tenth")
    pyramid_tier = models.CharField(max_length=20, null=True)
    abc_class = models.CharField(max_length=10, null=True)
    historical_value = models.FloatField(null=True)
    npv_value = models.FloatField(null=True)
    expected_purchases = models.FloatField(null=True)
    p_alive = models.FloatField(null=True)
    expected_avg_spend = models.FloatField(null=True)
    clv = models.FloatField(null=True)
    value_class = models.CharField(max_length=20, null=True)
    loyalty_class = models.CharField(max_length=20, null=True)
    activity_class = models.CharField(max_length=20, null=True)
    lifecycle_stage = models.CharField(max_length=20, null=True)
    churn_risk = models.FloatField(null=True)
    proxy_score = models.FloatField(null=True)
    proxy_rank = models.IntegerField(null=True)
    proxy_rank_change = models.IntegerField(
        null=True, help_text="previous run's proxy rank minus this one (positive = moved up)"
    )
    r_rate = models.SmallIntegerField(
        null=True, help_text="recency score judged against the customer's own purchase rate"
    )
    pnbd_expected_purchases = models.FloatField(
        null=True, help_text="Pareto/NBD expected purchases in the horizon"
    )
    pnbd_p_alive = models.FloatField(null=True, help_text="Pareto/NBD probability alive")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "customer"], name="uniq_score_per_run")
        ]


class TransitionKind(models.TextChoices):
    LIFECYCLE = "lifecycle", _("Lifecycle stage")
    TIER = "tier", _("Pyramid tier")


class StageTransition(models.Model):
    """A customer's lifecycle stage or pyramid tier changed between the previous run and
    this one (an event: appended by the run, never edited)."""

    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="transitions")
    customer = models.ForeignKey(
        "identify.Customer", on_delete=models.CASCADE, related_name="stage_transitions"
    )
    kind = models.CharField(max_length=10, choices=TransitionKind.choices)
    from_stage = models.CharField(max_length=20, null=True)
    to_stage = models.CharField(max_length=20, null=True)

    class Meta:
        indexes = [models.Index(fields=["run", "kind"])]
