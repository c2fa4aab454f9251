"""When is a customer next due for a contact? (issue: the daily agenda)

The answer is stored on each customer (`next_due`, indexed) and recomputed by
every write that can change it, so the agenda reads only the rows that are
due. This module is the rule; store/due.py feeds it and writes the result.

A customer's next due date is the earliest of:
- cadence: last contact + cadence (per-customer `every`, else the tier's),
  never more than 365 days; a customer never contacted is due from `since`;
- stakeholder cadence: a stakeholder's last contact + their own `every`;
- birthdays: 7 days before a stakeholder's next birthday not yet covered by
  a contact made within those 7 days;
- open follow-ups: their date (they stay due until done or a contact is
  logged on or after that date);
- open deals with an expected close date: 7 days before it, or later if a
  contact was logged within those 7 days (the first day with no contact in
  the last 7 days); a deal whose close date passed is due from the day after
  it (slipped) until the deal is updated.
Lost customers keep only their follow-ups and open deals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from crmcli.core.dates import next_birthday
from crmcli.core.vocabulary import MAX_CADENCE_DAYS

BIRTHDAY_NOTICE_DAYS = 7
DEAL_NOTICE_DAYS = 7


@dataclass(frozen=True)
class StakeholderDue:
    id: int
    name: str
    every_days: int | None = None
    last_contact: date | None = None
    birthday: str | None = None


@dataclass(frozen=True)
class CustomerDue:
    stage: str
    since: date
    cadence_days: int
    last_contact: date | None = None
    stakeholders: tuple[StakeholderDue, ...] = ()
    follow_ups: tuple[date, ...] = field(default_factory=tuple)
    deals: tuple[date, ...] = ()  # expected close dates of the open deals


def effective_cadence(every_days: int | None, tier: str, tier_cadences: dict[str, int]) -> int:
    days = every_days or tier_cadences.get(tier) or MAX_CADENCE_DAYS
    return min(days, MAX_CADENCE_DAYS)


def cadence_due(c: CustomerDue) -> date | None:
    if c.stage == "lost":
        return None
    if c.last_contact is None:
        return c.since
    return c.last_contact + timedelta(days=min(c.cadence_days, MAX_CADENCE_DAYS))


def stakeholder_due(c: CustomerDue, s: StakeholderDue) -> date | None:
    if c.stage == "lost" or not s.every_days:
        return None
    return (s.last_contact or c.since) + timedelta(days=s.every_days)


def birthday_due(c: CustomerDue, s: StakeholderDue) -> date | None:
    """The day the notice for `s`'s next uncovered birthday starts."""
    if c.stage == "lost" or not s.birthday:
        return None
    covered_until = (c.last_contact or c.since - timedelta(days=1)) + timedelta(
        days=BIRTHDAY_NOTICE_DAYS
    )
    return next_birthday(s.birthday, covered_until) - timedelta(days=BIRTHDAY_NOTICE_DAYS)


def deal_notice(close_on: date, last_contact: date | None) -> date | None:
    """The first day before an open deal's close with no contact in the last 7 days, if any."""
    notice = close_on - timedelta(days=DEAL_NOTICE_DAYS)
    if last_contact is not None:
        notice = max(notice, last_contact + timedelta(days=DEAL_NOTICE_DAYS))
    return notice if notice <= close_on else None


def deal_due(close_on: date, last_contact: date | None) -> date:
    """When an open deal puts its customer on the agenda: its notice, else the day it slips."""
    return deal_notice(close_on, last_contact) or close_on + timedelta(days=1)


def next_due(c: CustomerDue) -> date | None:
    candidates = [cadence_due(c), *c.follow_ups]
    candidates += [deal_due(close_on, c.last_contact) for close_on in c.deals]
    for s in c.stakeholders:
        candidates += [stakeholder_due(c, s), birthday_due(c, s)]
    dates = [d for d in candidates if d is not None]
    return min(dates) if dates else None
