"""The daily agenda: why each due customer is due, with whom, and how (pure rules).

The store picks and ranks the due rows (SQL over the indexed `next_due`,
see store/agenda.py and the rank formula there); this module explains each
picked row in words a rep reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from crmcli.core import vocabulary as vocab
from crmcli.core.cadence import (
    BIRTHDAY_NOTICE_DAYS,
    CustomerDue,
    StakeholderDue,
    birthday_due,
    effective_cadence,
)
from crmcli.core.dates import format_duration

ROLE_PRIORITY = {"decision-maker": 0, "influencer": 1, "executor": 2, "supervisor": 3}

# Rank weights (README, "How the agenda ranks"): higher is more urgent.
TIER_WEIGHT = {"gold": 3.0, "silver": 2.0, "iron": 1.0, "lead": 0.0}
STAGE_WEIGHT = {"advocate": 1.0, "client": 1.0, "repeat": 0.5, "first-time": 0.5, "lost": -1.0}
FOLLOW_UP_WEIGHT = 2.0
URGENCY_RANGE = (-1.0, 3.0)


def agenda_weight(tier: str, stage: str) -> float:
    """The part of the rank that does not move with the day (stored as customer.agenda_weight)."""
    return TIER_WEIGHT.get(tier, 0.0) + STAGE_WEIGHT.get(stage, 0.0)


@dataclass
class AgendaRow:
    customer_id: int
    customer: str
    tier: str
    stage: str
    due_on: date
    days_overdue: int
    reasons: list[str]
    rank: float
    contact_id: int | None = None
    contact: str | None = None
    channel: str | None = None
    best_time: str | None = None
    last_contact: str | None = None
    last_channel: str | None = None
    last_note: str | None = None
    owner: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        out = {
            "customer_id": self.customer_id, "customer": self.customer, "tier": self.tier,
            "stage": self.stage, "due_on": self.due_on.isoformat(), "days_overdue": self.days_overdue,
            "reasons": self.reasons, "contact_id": self.contact_id, "contact": self.contact,
            "channel": self.channel, "best_time": self.best_time, "last_contact": self.last_contact,
            "last_channel": self.last_channel, "last_note": self.last_note, "rank": self.rank,
        }
        if self.owner is not None:
            out["owner"] = self.owner
        return out


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _when(due: date, day: date) -> str:
    if due < day:
        return f"overdue {_days((day - due).days)}"
    if due == day:
        return "due today"
    return f"due in {_days((due - day).days)}"


def explain(
    customer: dict[str, Any],
    stakeholders: list[dict[str, Any]],
    follow_ups: list[dict[str, Any]],
    last: dict[str, Any] | None,
    day: date,
    ahead: int,
    cadences: dict[str, int],
    rank: float,
    extra_reasons: list[tuple[date, str]] | None = None,
) -> AgendaRow | None:
    """One agenda row for a customer the store found due, or None if nothing is due by the horizon."""
    horizon = day + timedelta(days=ahead)
    reasons: list[tuple[date, str]] = []
    focus: dict[str, Any] | None = None  # the stakeholder a reason names
    by_id = {s["id"]: s for s in stakeholders}
    last_day = date.fromisoformat(customer["last_contact"]) if customer.get("last_contact") else None
    since = date.fromisoformat(customer["since"])

    for f in sorted(follow_ups, key=lambda f: (f["due_on"], f["id"])):
        due = date.fromisoformat(f["due_on"])
        if due <= horizon:
            text = f"follow-up: {f['note']}" if f.get("note") else "follow-up"
            if due != day:
                text += f" ({_when(due, day)})"
            reasons.append((due, text))
            if focus is None and f.get("stakeholder_id") in by_id:
                focus = by_id[f["stakeholder_id"]]

    lost = customer["stage"] == "lost"
    if not lost:
        cadence = effective_cadence(customer.get("every_days"), customer["tier"], cadences)
        every = f"{customer['tier']}, every {format_duration(cadence)}"
        if last_day is None:
            reasons.append((since, "never contacted: a first contact is owed"))
        else:
            due = last_day + timedelta(days=cadence)
            if due <= horizon:
                reasons.append((due, f"{_when(due, day)} ({every})"))
        for s in stakeholders:
            if s.get("every_days"):
                s_last = date.fromisoformat(s["last_contact"]) if s.get("last_contact") else None
                due = (s_last or since) + timedelta(days=s["every_days"])
                if due <= horizon:
                    gap = f"not contacted for {_days((day - s_last).days)}" if s_last else "never contacted"
                    reasons.append((due, f"{s['name']} {gap} (every {format_duration(s['every_days'])})"))
                    focus = focus or s
            if s.get("birthday"):
                # The same rule that dates the customer's next_due (core/cadence.py), so a
                # customer the store finds due always has its reason here.
                notice = birthday_due(
                    CustomerDue(stage=customer["stage"], since=since, cadence_days=0, last_contact=last_day),
                    StakeholderDue(id=s["id"], name=s["name"], birthday=s["birthday"]),
                )
                if notice is not None and notice <= horizon:
                    bday = notice + timedelta(days=BIRTHDAY_NOTICE_DAYS)
                    until = (bday - day).days
                    if until < 0:
                        text = f"birthday of {s['name']} was {_days(-until)} ago, no contact since (care)"
                    else:
                        when = "today" if until == 0 else f"in {_days(until)}"
                        text = f"birthday of {s['name']} {when} (care)"
                    reasons.append((notice, text))
                    focus = focus or s
    reasons += extra_reasons or []
    if not reasons:
        return None
    reasons.sort(key=lambda r: r[0])
    due_on = reasons[0][0]
    person = focus or _most_needed(stakeholders)
    return AgendaRow(
        customer_id=customer["id"], customer=customer["name"], tier=customer["tier"],
        stage=customer["stage"], due_on=due_on, days_overdue=(day - due_on).days,
        reasons=[text for _, text in reasons], rank=round(rank, 3),
        contact_id=person["id"] if person else None,
        contact=person["name"] if person else None,
        channel=vocab.CHANNELS.label(person.get("prefers")) or None if person else None,
        best_time=person.get("best_time") if person else None,
        last_contact=customer.get("last_contact"),
        last_channel=last.get("channel") if last else None,
        last_note=(last.get("note") or last.get("feedback")) if last else None,
        owner=customer.get("owner"),
    )


def _most_needed(stakeholders: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Whom the relationship most needs: the decision-maker (then influencer…) not reached for longest."""
    if not stakeholders:
        return None
    return min(
        stakeholders,
        key=lambda s: (ROLE_PRIORITY.get(s.get("role") or "", 4), s.get("last_contact") or "", s["id"]),
    )
