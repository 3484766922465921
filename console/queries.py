"""Reads for the console: queue filters and their counts, and the supervisor's aggregates.

Every function here answers with a fixed number of SQL queries whatever the number of tickets;
the aggregates run in the database, never over Python lists of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from accounts.models import ROLE_LEVEL, Role, User
from console.sqlfunctions import SecondsBetween, WeekStart
from levels.models import Category, SupportLevel, Team
from services.models import Product
from sla.models import PRIORITY_RANK, Outcome, SupportPlan
from tickets import queries as ticket_queries
from tickets.models import ACTIVE_STATUSES, Channel, EventKind, SlaClock, SlaMeasurement, Status, Ticket, TicketEvent

DUE_FIELD = "first_response_due_at"


def queue_ordering() -> list[Any]:
    """When an answer is due (first or next response), as the SLA clock stores it; paused and
    stopped clocks last. Matches the ``tickets_level_active_due_idx`` partial expression index
    (level, due, created_at, id over active tickets), so the first page is an index range read."""
    return [Coalesce("first_response_due_at", "next_response_due_at").asc(nulls_last=True), "created_at", "id"]


@dataclass
class QueueFilters:
    level: SupportLevel
    team: Team | None = None
    status: str = ""
    category: int | None = None
    product: str = ""
    assignee: str = ""  # "", "none", "me" or a user id
    channel: str = ""
    page: int = 1
    params: dict[str, str] = field(default_factory=dict)


def parse_filters(params: Any, user: User, levels: list[SupportLevel], teams: list[Team]) -> QueueFilters:
    """Read the queue's GET parameters; anything unknown is ignored rather than failing."""
    by_code = {level.code: level for level in levels}
    default_code = getattr(user, "level_code", None) or "L1"
    level = by_code.get(params.get("level", "")) or by_code.get(default_code) or levels[0]
    team_code = params.get("team", "")
    team = next((t for t in teams if t.code == team_code and t.level_id == level.pk), None)
    status = params.get("status", "")
    status = status if status in {s.value for s in ACTIVE_STATUSES} else ""
    try:
        category = int(params.get("category", "")) or None
    except ValueError:
        category = None
    product = params.get("product", "")
    product = product if product in Product.values else ""
    channel = params.get("channel", "")
    channel = channel if channel in Channel.values else ""
    assignee = params.get("assignee", "")
    if assignee not in {"", "none", "me"} and not assignee.isdigit():
        assignee = ""
    try:
        page = max(1, int(params.get("page", "1")))
    except ValueError:
        page = 1
    kept = {
        "level": level.code,
        "team": team.code if team else "",
        "status": status,
        "category": str(category or ""),
        "product": product,
        "assignee": assignee,
        "channel": channel,
    }
    return QueueFilters(
        level=level,
        team=team,
        status=status,
        category=category,
        product=product,
        assignee=assignee,
        channel=channel,
        page=page,
        params={k: v for k, v in kept.items() if v},
    )


def _base(user: User, filters: QueueFilters) -> QuerySet[Ticket]:
    tickets = ticket_queries.visible_tickets(user).filter(level=filters.level, status__in=ACTIVE_STATUSES)
    if filters.team is not None:
        tickets = tickets.filter(team=filters.team)
    return tickets


def queue_tickets(user: User, filters: QueueFilters) -> QuerySet[Ticket]:
    tickets = _base(user, filters)
    if filters.status:
        tickets = tickets.filter(status=filters.status)
    if filters.category:
        tickets = tickets.filter(category_id=filters.category)
    if filters.product:
        tickets = tickets.filter(service__product=filters.product)
    if filters.channel:
        tickets = tickets.filter(channel=filters.channel)
    if filters.assignee == "none":
        tickets = tickets.filter(assignee__isnull=True)
    elif filters.assignee == "me":
        tickets = tickets.filter(assignee=user)
    elif filters.assignee:
        tickets = tickets.filter(assignee_id=int(filters.assignee))
    return tickets.select_related("organisation", "service", "category", "assignee", "team").order_by(*queue_ordering())


def filter_counts(user: User, filters: QueueFilters, categories: list[Category]) -> dict[str, int]:
    """How many active tickets of the level (and team) each filter value would show, in one query:
    the level's active tickets counted per combination of the filtered columns (at most one row
    per active ticket, in practice a few dozen), summed per value here."""
    counts: dict[str, int] = {"all": 0, "assignee:none": 0, "assignee:me": 0}
    counts.update({f"status:{status.value}": 0 for status in ACTIVE_STATUSES})
    counts.update({f"channel:{channel.value}": 0 for channel in Channel})
    counts.update({f"product:{product.value}": 0 for product in Product})
    counts.update({f"category:{category.pk}": 0 for category in categories})
    rows = (
        _base(user, filters)
        .values_list("status", "channel", "category_id", "service__product", "assignee_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for status, channel, category_id, product, assignee_id, n in rows:
        counts["all"] += n
        counts[f"status:{status}"] = counts.get(f"status:{status}", 0) + n
        counts[f"channel:{channel}"] = counts.get(f"channel:{channel}", 0) + n
        if product:
            counts[f"product:{product}"] = counts.get(f"product:{product}", 0) + n
        if category_id is not None:
            counts[f"category:{category_id}"] = counts.get(f"category:{category_id}", 0) + n
        if assignee_id is None:
            counts["assignee:none"] += n
        elif assignee_id == user.pk:
            counts["assignee:me"] += n
    return counts


def level_staff(level: SupportLevel) -> QuerySet[User]:
    """Staff who may be given a ticket of this level."""
    roles = [role for role, code in ROLE_LEVEL.items() if code == level.code]
    if level.code == "L3":
        roles.append(Role.L2_COMMERCIAL)
    roles.append(Role.SUPERVISOR)
    return User.objects.filter(is_active=True, role__in=roles).order_by("username")


def sla_marks(tickets: list[Ticket], now: datetime) -> None:
    """Set ``sla_mark`` ("breach", "warning" or "") and ``sla_due`` on each ticket of a page,
    from the clock the SLA hook keeps on the row."""
    for ticket in tickets:
        due = ticket.first_response_due_at or ticket.next_response_due_at
        mark = ""
        if ticket.sla_paused_at is None and due is not None:
            warn = ticket.first_response_warn_at or ticket.next_response_warn_at
            if ticket.sla_state == "breached" or now >= due:
                mark = "breach"
            elif ticket.sla_state == "warning" or (warn is not None and now >= warn):
                mark = "warning"
        ticket.sla_mark = mark  # type: ignore[attr-defined]
        ticket.sla_due = due  # type: ignore[attr-defined]


# --- the supervisor's dashboard ------------------------------------------------------------

WEEKS = 8


@dataclass
class Dashboard:
    since: datetime
    levels: list[SupportLevel]
    backlog: list[dict[str, Any]]
    first_response: list[dict[str, Any]]
    sla_weeks: list[dict[str, Any]]
    transfer_weeks: list[dict[str, Any]]
    scores: list[dict[str, Any]]


def _week_start(now: datetime, weeks: int) -> datetime:
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=weeks - 1)


def dashboard(now: datetime, *, weeks: int = WEEKS) -> Dashboard:
    """Everything the supervisor's page shows, in a fixed number of aggregate queries."""
    since = _week_start(now, weeks)
    levels = list(SupportLevel.objects.select_related("sla_policy").order_by("order", "code"))
    level_ids = [level.pk for level in levels]
    all_statuses = [s.value for s in Status]
    teams = {team.pk: team for team in Team.objects.all()}

    # Backlog: active tickets per level and team (index on level, status).
    backlog_rows = (
        Ticket.objects.filter(level_id__in=level_ids, status__in=ACTIVE_STATUSES)
        .values("level_id", "team_id")
        .annotate(
            total=Count("id"),
            unassigned=Count("id", filter=Q(assignee__isnull=True)),
            waiting=Count("id", filter=Q(status=Status.WAITING_CUSTOMER)),
        )
        .order_by("level_id", "team_id")
    )
    level_by_id = {level.pk: level for level in levels}
    backlog = [
        {
            "level": level_by_id[row["level_id"]],
            "team": teams.get(row["team_id"]),
            "total": row["total"],
            "unassigned": row["unassigned"],
            "waiting": row["waiting"],
        }
        for row in backlog_rows
    ]

    # Tickets created since the window opened; naming every level and status lets the
    # (level, status, created_at) index serve the range. One row per week and current level.
    recent = Ticket.objects.filter(level_id__in=level_ids, status__in=all_statuses, created_at__gte=since)
    answered = Q(first_responded_at__isnull=False)
    ticket_rows = (
        recent.annotate(week=WeekStart("created_at"))
        .values("week", "level_id")
        .annotate(
            total=Count("id"),
            answered=Count("id", filter=answered),
            response_s=Sum(SecondsBetween(F("first_responded_at"), F("created_at")), filter=answered),
            # A first-response promise still running past its due time (the clock stores the due
            # time only while it runs): late on the level the ticket is on now.
            pending_breached=Count("id", filter=Q(**{f"{DUE_FIELD}__lt": now})),
        )
        .order_by("week", "level_id")
    )
    # Promises that ended, from the SLA clock's measurements, counted under the level whose
    # promise was measured (a ticket late on L1 and then answered in time on L2 counts once
    # as breached on L1 and once as met on L2), in the week the promise started (the ticket
    # was opened on, or moved to, that level). A measurement ends after it started, so
    # ``ended_at >= since`` (implied) lets the (clock, level, ended_at) index serve the range.
    measured_rows = (
        SlaMeasurement.objects.filter(
            clock=SlaClock.FIRST_RESPONSE,
            level__in=[level.code for level in levels],
            ended_at__gte=since,
            started_at__gte=since,
            outcome__in=[Outcome.MET, Outcome.BREACHED],
        )
        .annotate(week=WeekStart("started_at"))
        .values("week", "level")
        .annotate(
            met=Count("id", filter=Q(outcome=Outcome.MET)),
            breached=Count("id", filter=Q(outcome=Outcome.BREACHED)),
        )
        .order_by("week", "level")
    )
    level_by_code = {level.code: level for level in levels}
    per_level: dict[int, dict[str, Any]] = {}
    per_week: dict[date, dict[str, Any]] = {}

    def cell(level: SupportLevel, week: date) -> tuple[dict[str, Any], dict[str, Any]]:
        mine = per_level.setdefault(
            level.pk, {"level": level, "total": 0, "answered": 0, "response_s": 0.0, "met": 0, "breached": 0}
        )
        weekly = per_week.setdefault(week, {"total": 0, "met": 0, "breached": 0, "by_level": {}})
        return mine, weekly["by_level"].setdefault(level.code, {"met": 0, "breached": 0})

    for row in ticket_rows:
        week = _as_date(row["week"])
        mine, weekly_level = cell(level_by_id[row["level_id"]], week)
        mine["total"] += row["total"]
        mine["answered"] += row["answered"]
        mine["response_s"] += row["response_s"] or 0.0
        mine["breached"] += row["pending_breached"]
        weekly_level["breached"] += row["pending_breached"]
        per_week[week]["total"] += row["total"]
    for measured in measured_rows:
        level = level_by_code.get(measured["level"])
        if level is None:
            continue
        mine, weekly_level = cell(level, _as_date(measured["week"]))
        for key, value in (("met", measured["met"]), ("breached", measured["breached"])):
            mine[key] += value
            weekly_level[key] += value
    first_response = []
    for level in levels:
        if level.pk not in per_level:
            continue
        first = per_level[level.pk]
        average = timedelta(seconds=round(first["response_s"] / first["answered"])) if first["answered"] else None
        policy = getattr(level, "sla_policy", None)
        first_response.append({**first, "average": average, "policy": policy})
    for weekly in per_week.values():
        weekly["met"] = sum(counts["met"] for counts in weekly["by_level"].values())
        weekly["breached"] = sum(counts["breached"] for counts in weekly["by_level"].values())
    week_rows = [{"week": week, **row} for week, row in per_week.items()]
    sla_weeks = _fill_weeks(since, weeks, week_rows, ("met", "breached", "total"))
    for entry in sla_weeks:
        found = per_week.get(entry["week"], {}).get("by_level", {})
        entry["levels"] = [
            {"level": level, **found.get(level.code, {"met": 0, "breached": 0})}
            for level in levels
            if getattr(level, "sla_policy", None) is not None
        ]

    # Transfers between levels, from the audit trail (index on kind, created_at).
    transfer_rows = (
        TicketEvent.objects.filter(
            kind__in=[EventKind.TRANSFERRED, EventKind.HANDED_OFF, EventKind.LINKED], created_at__gte=since
        )
        .annotate(week=WeekStart("created_at"))
        .values("week")
        .annotate(
            l1_l2=Count("id", filter=Q(kind=EventKind.TRANSFERRED)),
            # Both tickets record the link; count it once, on the ticket that was not the incident.
            l2_l1=Count(
                "id",
                filter=Q(kind=EventKind.LINKED, data__link="incident_opened") & ~Q(ticket__kind="incident"),
            ),
            to_l3=Count("id", filter=Q(kind=EventKind.HANDED_OFF)),
        )
        .order_by("week")
    )
    transfer_weeks = _fill_weeks(since, weeks, transfer_rows, ("l1_l2", "l2_l1", "to_l3"))

    # Customer scores of tickets closed in the window, through the (status, resolved_at) index.
    # One row with a column per level and score: a GROUP BY would lead the planner to the
    # level index and a scan of every closed ticket.
    score_aggregates: dict[str, Any] = {}
    for level in levels:
        on_level = Q(level_id=level.pk)
        score_aggregates[f"{level.pk}:count"] = Count("id", filter=on_level)
        score_aggregates[f"{level.pk}:average"] = Avg("score", filter=on_level)
        for n in range(1, 6):
            score_aggregates[f"{level.pk}:s{n}"] = Count("id", filter=on_level & Q(score=n))
    totals = Ticket.objects.filter(status=Status.CLOSED, resolved_at__gte=since, score__isnull=False).aggregate(
        **score_aggregates
    )
    scores = []
    for level in levels:
        if totals[f"{level.pk}:count"]:
            mine = {key.split(":", 1)[1]: value for key, value in totals.items() if key.startswith(f"{level.pk}:")}
            scores.append({**mine, "level": level})
    return Dashboard(
        since=since,
        levels=levels,
        backlog=backlog,
        first_response=first_response,
        sla_weeks=sla_weeks,
        transfer_weeks=transfer_weeks,
        scores=scores,
    )


def _as_date(week: Any) -> date:
    if isinstance(week, datetime):
        return week.date()
    if isinstance(week, str):  # SQLite's date() answers text
        return date.fromisoformat(week)
    return week  # type: ignore[no-any-return]


def _fill_weeks(since: datetime, weeks: int, rows: Any, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """One entry per week of the window, zeros where nothing happened."""
    found = {_as_date(row["week"]): row for row in rows}
    result = []
    for index in range(weeks):
        start = (since + timedelta(weeks=index)).date()
        row = found.get(start, {})
        result.append({"week": start, **{key: row.get(key, 0) or 0 for key in keys}})
    return result


@dataclass
class PlanRow:
    plan: str  # the plan's name in the reader's language ("—" for tickets opened before plans)
    counts: list[int]  # per priority, most urgent first
    late: int  # of which past their target


def active_by_plan_and_priority() -> list[PlanRow]:
    """Active tickets per support plan and priority, and how many are past their target (two queries)."""
    priorities = sorted(PRIORITY_RANK, key=PRIORITY_RANK.__getitem__)
    names = {plan.code: plan.name for plan in SupportPlan.objects.all()}
    rows: dict[str, PlanRow] = {}
    grouped = (
        Ticket.objects.filter(status__in=ACTIVE_STATUSES)
        .values("support_plan", "priority")
        .annotate(total=Count("id"), late=Count("id", filter=Q(sla_state="breached")))
        .order_by()
    )
    for item in grouped:
        code = item["support_plan"]
        row = rows.setdefault(code, PlanRow(names.get(code, code) or "—", [0] * len(priorities), 0))
        if item["priority"] in priorities:
            row.counts[priorities.index(item["priority"])] += item["total"]
        row.late += item["late"]
    order = {code: index for index, code in enumerate(names)}
    return [rows[code] for code in sorted(rows, key=lambda code: order.get(code, len(order)))]
