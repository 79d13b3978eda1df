"""Budget warnings: at 80 % and 100 % of a project's budget in hours or in money.

The time used is kept on the project (``budget_seconds_used``, ``budget_billable_seconds_used``)
and refreshed by the entry services after every write to an entry of a project with a
budget, so the dashboard, the timer and the API read a budget without summing entries.
Crossing a threshold upwards sends ``project_budget_reached`` once; falling back below it
(an entry deleted or shortened) re-arms it. Running timers count once they stop.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum

from apps.core.services import send_on_commit
from apps.projects import signals
from apps.projects.models import Project

THRESHOLDS = (80, 100)
KINDS = ("hours", "money")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class BudgetUse:
    """How much of one budget (``hours`` or ``money``) the finished entries have used."""

    kind: str
    used: Decimal
    budget: Decimal

    @property
    def percent(self) -> int:
        if self.budget <= 0:
            return 100 if self.used > 0 else 0
        return int(self.used * 100 // self.budget)

    @property
    def threshold(self) -> int | None:
        """The highest threshold reached, or None below the first."""
        reached = [t for t in THRESHOLDS if self.percent >= t]
        return reached[-1] if reached else None

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "threshold": self.threshold,
            "percent": self.percent,
            "used": str(self.used),
            "budget": str(self.budget),
        }


def _uses(project: Project, seconds: int, billable_seconds: int) -> list[BudgetUse]:
    uses = []
    if project.budget_hours is not None:
        hours = (Decimal(seconds) / 3600).quantize(CENT, rounding=ROUND_HALF_UP)
        uses.append(BudgetUse("hours", hours, project.budget_hours))
    if project.budget_amount is not None:
        rate = project.hourly_rate or Decimal(0)
        amount = (Decimal(billable_seconds) * rate / 3600).quantize(CENT, rounding=ROUND_HALF_UP)
        uses.append(BudgetUse("money", amount, project.budget_amount))
    return uses


def budget_uses(project: Project) -> list[BudgetUse]:
    """The project's budgets as last refreshed (no query)."""
    return _uses(project, project.budget_seconds_used, project.budget_billable_seconds_used)


def budget_warning(project: Project) -> BudgetUse | None:
    """The budget most used, when at 80 % or more; None otherwise (no query)."""
    reached = [use for use in budget_uses(project) if use.threshold is not None]
    return max(reached, key=lambda use: use.percent) if reached else None


def projects_near_budget() -> QuerySet[Project]:
    """Active projects at 80 % or more of a budget, decided in SQL on the kept totals."""
    share = Decimal(THRESHOLDS[0]) / 100
    hours = Q(
        budget_hours__isnull=False,
        budget_seconds_used__gte=ExpressionWrapper(
            F("budget_hours") * 3600 * share, output_field=DecimalField()
        ),
    )
    amount = ExpressionWrapper(
        F("budget_billable_seconds_used") * F("hourly_rate") / 3600, output_field=DecimalField()
    )
    money = Q(budget_amount__isnull=False, hourly_rate__isnull=False) & Q(
        budget_amount__lte=ExpressionWrapper(amount / share, output_field=DecimalField())
    )
    return (
        Project.objects.filter(hours | money, archived=False)
        .select_related("client")  # the currency of a money budget
        .order_by("name")
    )


def budget_levels(project: Project) -> dict[str, int]:
    """The threshold each budget had reached (0 below the first), from the kept totals."""
    return {use.kind: use.threshold or 0 for use in budget_uses(project)}


def budget_refresh(
    *, project_ids: Iterable[int | None], before: dict[int, dict[str, int]] | None = None
) -> None:
    """Recount the finished entries of these projects (those with a budget) and send
    ``project_budget_reached`` for each threshold a budget has just passed.

    Called by the entry services inside their transaction; a project without a budget
    costs one query in total. ``before`` gives the levels reached before a change of the
    budget itself (the project service passes them), else the kept ones are used.
    """
    ids = {pk for pk in project_ids if pk is not None}
    if not ids:
        return
    budgeted = Project.objects.filter(pk__in=ids).exclude(
        budget_hours__isnull=True, budget_amount__isnull=True
    )
    for project in budgeted:
        if before is not None and project.pk in before:
            reached = before[project.pk]
        else:
            reached = budget_levels(project)
        totals = project.time_entries.filter(ended_at__isnull=False).aggregate(
            seconds=Sum(F("ended_at") - F("started_at")),
            billable=Sum(F("ended_at") - F("started_at"), filter=Q(billable=True)),
        )
        seconds = int(totals["seconds"].total_seconds()) if totals["seconds"] else 0
        billable = int(totals["billable"].total_seconds()) if totals["billable"] else 0
        if (seconds, billable) != (
            project.budget_seconds_used,
            project.budget_billable_seconds_used,
        ):
            Project.objects.filter(pk=project.pk).update(
                budget_seconds_used=seconds, budget_billable_seconds_used=billable
            )
            project.budget_seconds_used, project.budget_billable_seconds_used = seconds, billable
        for use in budget_uses(project):
            if (use.threshold or 0) > reached.get(use.kind, 0):
                send_on_commit(
                    signals.project_budget_reached,
                    Project,
                    project=project,
                    kind=use.kind,
                    threshold=use.threshold,
                    percent=use.percent,
                )
