"""The agenda as iCalendar (RFC 5545), for the rep's phone calendar.

One all-day event per agenda row on the day it falls due (overdue rows on
the agenda day, so nothing hides in the past), and each stakeholder's
birthday as a yearly all-day event. UIDs are stable — a due contact by
customer and due day, a birthday by stakeholder — so importing a newer file
updates the events instead of doubling them; SEQUENCE grows as an overdue
row moves forward. Built with the `icalendar` library, imported only here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

from crmcli.core import vocabulary as vocab
from crmcli.core.agenda import AgendaRow
from crmcli.core.names import name_key
from crmcli.errors import CrmError

PRODID = "-//crm//crmcli agenda//EN"
UID_DOMAIN = "crmcli"

# How the summary starts, by the channel the agenda chose ("Call Li Wei — Acme Trading").
VERBS = {
    "call": "Call", "visit": "Visit", "email": "Email", "sms": "Text", "im": "Message",
    "meeting": "Meet", "meal": "Meal with", "gift": "Send a gift to", "event": "Invite",
    "mail": "Write to",
}


def _icalendar():
    try:
        import icalendar
    except ImportError:  # an install without the calendar extra
        raise CrmError("Writing iCalendar needs the icalendar library; install it with "
                       "pip install 'crmcli[calendar]'.") from None
    return icalendar


def channel_key(label: str | None) -> str | None:
    """The channel key of what the agenda shows ("phone call" -> call), None if unknown."""
    if not label:
        return None
    try:
        return vocab.CHANNELS.parse(label)
    except CrmError:
        return None


def summary(row: AgendaRow) -> str:
    verb = VERBS.get(channel_key(row.channel) or "", "Contact")
    if row.contact:
        return f"{verb} {row.contact} — {row.customer}"
    return f"{verb} {row.customer}"


def description(row: AgendaRow) -> str:
    lines = ["Why:"] + [f"- {reason}" for reason in row.reasons]
    if row.last_contact:
        last = row.last_contact + (f" by {row.last_channel}" if row.last_channel else "")
        if row.last_note:
            last += f": {row.last_note}"
    else:
        last = "never"
    lines.append(f"Last contact: {last}")
    how = ", ".join(x for x in (row.channel, row.best_time) if x)
    if how:
        lines.append(f"Best reached: {how}")
    lines.append(f"Tier: {row.tier}; stage: {row.stage}")
    return "\n".join(lines)


def due_uid(customer_id: int, due_on: date) -> str:
    return f"crm-due-{customer_id}-{due_on:%Y%m%d}@{UID_DOMAIN}"


def birthday_uid(stakeholder_id: int) -> str:
    return f"crm-birthday-{stakeholder_id}@{UID_DOMAIN}"


def _all_day(event, day: date) -> None:
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("transp", "TRANSPARENT")  # a reminder, not a meeting: leaves the day free


def agenda_calendar(day: date, rows: Iterable[AgendaRow],
                    birthdays: Iterable[Mapping[str, Any]] = (), *,
                    stamp: datetime | None = None, name: str = "crm agenda") -> bytes:
    """The calendar file: events for the agenda rows, then the birthdays.

    `birthdays` are rows with id, name, customer, customer_kind and birthday
    (`YYYY-MM-DD` or `--MM-DD`).
    """
    ical = _icalendar()
    stamp = (stamp or datetime.now(timezone.utc)).replace(microsecond=0)
    cal = ical.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for row in rows:
        event = ical.Event()
        on = max(row.due_on, day)
        event.add("uid", due_uid(row.customer_id, row.due_on))
        event.add("dtstamp", stamp)
        event.add("sequence", (on - row.due_on).days)
        _all_day(event, on)
        event.add("summary", summary(row))
        event.add("description", description(row))
        event.add("categories", ["crm", row.tier])
        cal.add_component(event)
    for person in birthdays:
        cal.add_component(_birthday_event(ical, person, stamp))
    return cal.to_ical()


def _birthday_event(ical, person: Mapping[str, Any], stamp: datetime):
    birthday = str(person["birthday"])
    month, day_ = int(birthday[-5:-3]), int(birthday[-2:])
    year = int(birthday[:4]) if not birthday.startswith("--") else 2000
    event = ical.Event()
    event.add("uid", birthday_uid(int(person["id"])))
    event.add("dtstamp", stamp)
    if (month, day_) == (2, 29):
        # Celebrated on the last day of February in common years, not skipped.
        _all_day(event, date(year, 2, 29))  # a leap year: born then, or 2000
        event.add("rrule", {"freq": "yearly", "bymonth": 2, "bymonthday": -1})
    else:
        _all_day(event, date(year, month, day_))
        event.add("rrule", {"freq": "yearly"})
    who = str(person["name"])
    customer = str(person.get("customer") or "")
    individual = person.get("customer_kind") == "person" and name_key(customer) == name_key(who)
    event.add("summary", f"Birthday: {who}" + ("" if individual or not customer else f" — {customer}"))
    event.add("description", f"Born {birthday}." if not birthday.startswith("--") else
              "Year of birth not known.")
    event.add("categories", ["crm", "birthday"])
    return event
