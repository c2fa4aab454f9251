"""`crm due --ics`: the agenda and birthdays as iCalendar for the rep's phone calendar."""

from __future__ import annotations

from datetime import date, timedelta

import icalendar
import pytest

from crmcli.core.agenda import AgendaRow
from crmcli.io.ical import agenda_calendar, description, due_uid, summary


def parse(data: bytes) -> icalendar.Calendar:
    """The calendar as the library reads it back, checked to be valid RFC 5545."""
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    cal = icalendar.Calendar.from_ical(data)
    assert cal["VERSION"] == "2.0" and cal["PRODID"]
    assert not cal.errors
    for event in cal.walk("VEVENT"):
        assert not event.errors, event.errors
        for required in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
            assert required in event
    return cal


def events(data: bytes) -> list:
    return list(parse(data).walk("VEVENT"))


def by_summary(data: bytes) -> dict:
    return {str(e["SUMMARY"]): e for e in events(data)}


def row(**kw) -> AgendaRow:
    base = dict(customer_id=7, customer="Acme Trading", tier="gold", stage="client",
                due_on=date(2026, 11, 25), days_overdue=0, reasons=["due today (gold, every 14d)"],
                rank=4.0, contact_id=1, contact="Li Wei", channel="phone call", best_time="evenings",
                last_contact="2026-11-11", last_channel="call", last_note="quote, discussed; ok")
    return AgendaRow(**{**base, **kw})


# -- the pure writer ---------------------------------------------------------------
def test_summary_names_the_channel_and_person_the_agenda_chose():
    assert summary(row()) == "Call Li Wei — Acme Trading"
    assert summary(row(channel="WeChat/IM", contact="王芳", customer="华东物流")) == "Message 王芳 — 华东物流"
    assert summary(row(channel="visit")) == "Visit Li Wei — Acme Trading"
    assert summary(row(channel=None)) == "Contact Li Wei — Acme Trading"
    assert summary(row(contact=None, channel=None)) == "Contact Acme Trading"


def test_description_has_reasons_last_contact_and_best_time():
    text = description(row(reasons=["overdue 3 days (gold, every 14d)", "follow-up: send the quote"]))
    assert "- overdue 3 days (gold, every 14d)\n- follow-up: send the quote" in text
    assert "Last contact: 2026-11-11 by call: quote, discussed; ok" in text
    assert "Best reached: phone call, evenings" in text
    assert "Last contact: never" in description(row(last_contact=None, last_channel=None, last_note=None))


def test_overdue_rows_sit_on_the_agenda_day_with_a_stable_uid():
    day = date(2026, 11, 25)
    overdue = row(due_on=day - timedelta(days=3), days_overdue=3)
    ahead = row(customer_id=8, customer="Beta", due_on=day + timedelta(days=2), days_overdue=-2)
    first, second = events(agenda_calendar(day, [overdue, ahead]))
    assert first.decoded("DTSTART") == day and first.decoded("DTEND") == day + timedelta(days=1)
    assert str(first["UID"]) == due_uid(7, day - timedelta(days=3))
    assert second.decoded("DTSTART") == day + timedelta(days=2)
    # A day later the same overdue row moves forward under the same UID, with a higher SEQUENCE.
    (moved,) = events(agenda_calendar(day + timedelta(days=1), [overdue]))
    assert moved["UID"] == first["UID"] and moved["SEQUENCE"] > first["SEQUENCE"]
    assert moved.decoded("DTSTART") == day + timedelta(days=1)


def test_description_text_survives_escaping():
    note = "line one, with; commas\nline two \\ backslash 王芳"
    (event,) = events(agenda_calendar(date(2026, 11, 25), [row(last_note=note)]))
    assert note in str(event["DESCRIPTION"])


def test_birthdays_recur_yearly():
    cal = agenda_calendar(date(2026, 11, 25), [], [
        {"id": 3, "name": "王芳", "customer": "华东物流", "customer_kind": "company", "birthday": "1978-08-08"},
        {"id": 4, "name": "Zhao Gang", "customer": "Zhao Gang", "customer_kind": "person", "birthday": "--12-01"},
        {"id": 5, "name": "Leap", "customer": "Acme", "customer_kind": "company", "birthday": "1980-02-29"},
    ])
    found = by_summary(cal)
    wang = found["Birthday: 王芳 — 华东物流"]
    assert wang.decoded("DTSTART") == date(1978, 8, 8)
    assert wang["RRULE"]["FREQ"] == ["YEARLY"]
    assert str(wang["UID"]) == "crm-birthday-3@crmcli"
    zhao = found["Birthday: Zhao Gang"]  # an individual customer is not named twice
    assert (zhao.decoded("DTSTART").month, zhao.decoded("DTSTART").day) == (12, 1)
    leap = found["Birthday: Leap — Acme"]
    assert leap["RRULE"]["BYMONTHDAY"] == [-1]  # Feb 28 in common years, not skipped


# -- the command ------------------------------------------------------------------------
def test_due_ics_writes_every_due_row_and_the_birthdays(crm, book, tmp_path):
    book()
    crm("contact", "edit", "Li Wei", "--birthday", "1985-06-01")
    crm("contact", "edit", "王芳", "--birthday", "--03-01")
    crm("follow-up", "add", "华东物流有限公司", "2026-11-27", "send the contract", "--with", "王芳")
    agenda = crm.json("due", "--ahead", "3")
    found = by_summary(crm("due", "--ics", "--ahead", "3").stdout_bytes)
    due_events = {k: v for k, v in found.items() if not k.startswith("Birthday")}
    assert len(due_events) == len(agenda) == 2
    acme = found["Message Li Wei — Acme Trading"]  # Li Wei prefers WeChat/IM
    assert acme.decoded("DTSTART") == date(2026, 11, 25)  # overdue: on the agenda day
    assert "overdue" in str(acme["DESCRIPTION"])
    assert "Last contact: 2026-11-01 by call: quote discussed" in str(acme["DESCRIPTION"])
    assert "Best reached: WeChat/IM, evenings" in str(acme["DESCRIPTION"])
    huadong = next(v for k, v in due_events.items() if "华东物流有限公司" in k)
    assert huadong.decoded("DTSTART") == date(2026, 11, 27)
    assert "follow-up: send the contract" in str(huadong["DESCRIPTION"])
    assert {"Birthday: Li Wei — Acme Trading", "Birthday: 王芳 — 华东物流有限公司"} <= set(found)


def test_due_ics_ignores_the_capacity_unless_limit_is_given(crm):
    crm("config", "set", "agenda.capacity", "2")
    for name in ("A", "B", "C", "D"):
        crm("customer", "add", name, "--since", "2026-01-01")
    assert len(crm.json("due")) == 2
    assert len(events(crm("due", "--ics").stdout_bytes)) == 4
    assert len(events(crm("due", "--ics", "--limit", "3").stdout_bytes)) == 3


def test_due_ics_to_a_file_and_again_with_the_same_uids(crm, book, tmp_path):
    book()
    out = tmp_path / "agenda.ics"
    result = crm("due", "--ics", "-o", out)
    assert result.stdout == "" and "Wrote 1 agenda event and 0 birthdays" in result.stderr
    first = {str(e["UID"]) for e in events(out.read_bytes())}
    crm("due", "--ics", "-o", out, "--on", "2026-11-26")
    assert {str(e["UID"]) for e in events(out.read_bytes())} == first


def test_due_ics_respects_tier_and_on(crm, book):
    book()
    only_gold = by_summary(crm("due", "--ics", "--tier", "gold").stdout_bytes)
    assert list(only_gold) == ["Message Li Wei — Acme Trading"]
    later = events(crm("due", "--ics", "--on", "2026-12-20").stdout_bytes)
    assert all(e.decoded("DTSTART") >= date(2026, 12, 20) for e in later)


def test_empty_agenda_is_still_a_valid_calendar(crm):
    assert events(crm("due", "--ics").stdout_bytes) == []


@pytest.mark.parametrize("args, words", [
    (["--ics", "--json"], "not both"),
    (["-o", "x.ics"], "goes with --ics"),
])
def test_option_mistakes(crm, args, words):
    assert words in crm.error("due", *args, code=2)


def test_unwritable_output_is_a_clear_error(crm, tmp_path):
    assert "does not exist" in crm.error("due", "--ics", "-o", tmp_path / "no" / "such" / "a.ics")
