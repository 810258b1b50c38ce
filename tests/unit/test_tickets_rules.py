"""The ticket rules: numbers, who may do what, the lifecycle, service levels, statistics."""
from datetime import datetime, timezone

import pytest

from bot.tickets import rules as r
from bot.core.office_hours import OfficeHours
from bot.tickets.rules import Actor, NotAllowed, TicketView
from bot.tickets.stats import compute

pytestmark = pytest.mark.unit
NOW = "2026-03-02T03:00:00.000000Z"
CONSULTANT = Actor(10, is_consultant=True)
OTHER_CONSULTANT = Actor(11, is_consultant=True)
MANAGER = Actor(20, cooperative_id=1)
STRANGER_MANAGER = Actor(21, cooperative_id=2)
NOBODY = Actor(30)


def t(status="new", assignee=None, first=None):
    return TicketView(status=status, cooperative_id=1, assignee_id=assignee, first_answer_at=first)


def test_numbers_are_readable_and_parse_back():
    assert r.number(7) == "#0007" and r.number(123) == "#0123" and r.number(12345) == "#12345"
    assert [r.parse_number(x) for x in ("#0123", "0123", "123", " 5 ")] == [123, 123, 123, 5]
    assert [r.parse_number(x) for x in ("", None, "abc", "#", "0", "-3", "1e3")] == [None] * 7


def test_only_consultants_claim_answer_resolve_reassign():
    for action in ("claim", "answer", "resolve", "note"):
        for actor in (MANAGER, NOBODY):
            with pytest.raises(NotAllowed) as e:
                r.transition(t(), action, actor, NOW)
            assert e.value.code == "not_consultant"
    with pytest.raises(NotAllowed):
        r.transition(t(), "reassign", MANAGER, NOW, assignee_id=20)


def test_managers_act_only_on_their_own_cooperative():
    with pytest.raises(NotAllowed) as e:
        r.transition(t("answered"), "close", STRANGER_MANAGER, NOW)
    assert e.value.code == "not_yours"
    with pytest.raises(NotAllowed):
        r.transition(t("answered"), "message", NOBODY, NOW)  # no cooperative at all
    with pytest.raises(NotAllowed):
        r.transition(t("answered"), "close", CONSULTANT, NOW)  # consultants are not the manager
    assert r.transition(t("answered"), "close", MANAGER, NOW) == {"status": "closed", "closed_at": NOW}


def test_lifecycle_new_claimed_answered_waiting_resolved_closed_reopen():
    ch = r.transition(t("new"), "claim", CONSULTANT, NOW)
    assert ch == {"status": "claimed", "assignee_id": 10, "claimed_at": NOW}
    assert r.transition(t("claimed", 10), "claim", CONSULTANT, NOW) == {}  # a replayed press
    with pytest.raises(NotAllowed) as e:
        r.transition(t("claimed", 10), "claim", OTHER_CONSULTANT, NOW)
    assert e.value.code == "taken"
    assert r.transition(t("claimed", 10), "answer", CONSULTANT, NOW) == {"status": "answered", "first_answer_at": NOW}
    assert r.transition(t("answered", 10, NOW), "message", MANAGER, NOW) == {"status": "waiting"}
    assert r.transition(t("waiting", 10, NOW), "message", MANAGER, NOW) == {}
    assert r.transition(t("waiting", 10, NOW), "answer", CONSULTANT, NOW) == {"status": "answered"}
    assert r.transition(t("answered", 10, NOW), "resolve", CONSULTANT, NOW)["status"] == "resolved"
    with pytest.raises(NotAllowed):
        r.transition(t("resolved", 10, NOW), "message", MANAGER, NOW)
    with pytest.raises(NotAllowed):
        r.transition(t("resolved", 10, NOW), "resolve", CONSULTANT, NOW)
    assert r.transition(t("resolved", 10, NOW), "rate", MANAGER, NOW) == {"status": "closed", "closed_at": NOW}
    reopened = r.transition(t("closed", 10, NOW), "reopen", MANAGER, NOW)
    assert reopened["status"] == "claimed" and reopened["resolved_at"] is None
    assert r.transition(t("closed"), "reopen", MANAGER, NOW)["status"] == "new"
    with pytest.raises(NotAllowed):
        r.transition(t("claimed", 10), "reopen", MANAGER, NOW)
    with pytest.raises(NotAllowed):
        r.transition(t("closed", 10), "answer", CONSULTANT, NOW)


def test_answering_an_unclaimed_ticket_claims_it_and_reassign_moves_it():
    ch = r.transition(t("new"), "answer", CONSULTANT, NOW)
    assert ch["assignee_id"] == 10 and ch["status"] == "answered" and ch["first_answer_at"] == NOW
    assert r.transition(t("claimed", 10), "reassign", OTHER_CONSULTANT, NOW, assignee_id=11)["assignee_id"] == 11
    assert r.transition(t("claimed", 11), "reassign", CONSULTANT, NOW, assignee_id=11) == {}


def test_sla_levels_count_office_hours_only():
    office = OfficeHours("mon-fri 08:00-16:00")
    # Friday 15:00 WIB = 08:00 UTC; Monday 11:00 WIB is 4 office hours later.
    created = datetime(2026, 3, 6, 8, 0, tzinfo=timezone.utc)
    assert r.sla_level(created, datetime(2026, 3, 9, 3, 59, tzinfo=timezone.utc), 4, office) == 0
    assert r.sla_level(created, datetime(2026, 3, 9, 4, 0, tzinfo=timezone.utc), 4, office) == 1
    assert r.sla_level(created, datetime(2026, 3, 9, 7, 59, tzinfo=timezone.utc), 4, office) == 1
    assert r.sla_level(created, datetime(2026, 3, 10, 8, 0, tzinfo=timezone.utc), 4, office) == 2


def test_expectation_outside_office_hours_names_the_opening():
    office = OfficeHours("mon-fri 08:00-16:00")
    saturday = datetime(2026, 3, 7, 5, 0, tzinfo=timezone.utc)
    exp = r.expectation(saturday, 4, office)
    assert not exp.open_now
    assert (exp.opens_at.weekday(), exp.opens_at.hour) == (0, 8)
    assert (exp.answer_by.weekday(), exp.answer_by.hour) == (0, 12)
    monday = datetime(2026, 3, 9, 2, 0, tzinfo=timezone.utc)  # 09:00 WIB
    assert r.expectation(monday, 4, office).open_now


def test_topic_names_hold_no_phone_numbers_or_ids():
    name = r.topic_name(12, "Kuratif", "Kopkar Maju 0812-3456-7890 id 123456789")
    assert name.startswith("#0012 · Kuratif · Kopkar Maju")
    assert "3456" not in name and "123456789" not in name
    assert len(r.topic_name(1, "Preventif", "x" * 300)) == 128


def test_statistics_counts_medians_and_ratings():
    rows = [
        dict(service="preventif", category="keuangan", status="new", created_at=NOW, first_answer_at=None,
             kecamatan="Setu", score=None),
        dict(service="kuratif", category="sengketa", status="closed", created_at="2026-03-02T03:00:00.000000Z",
             first_answer_at="2026-03-02T05:00:00.000000Z", kecamatan="Setu", score=4),
        dict(service="kuratif", category="sengketa", status="resolved", created_at="2026-03-02T03:00:00.000000Z",
             first_answer_at="2026-03-02T09:00:00.000000Z", kecamatan="Babelan", score=5),
    ]
    s = compute(rows)
    assert (s.total.open, s.total.done) == (1, 2)
    assert s.total.median_hours == 4.0
    assert s.by_service["kuratif"].median_hours == 4.0 and s.by_service["preventif"].median_hours is None
    assert s.by_kecamatan["Setu"].open == 1 and s.by_kecamatan["Babelan"].done == 1
    assert (s.average_rating, s.ratings) == (4.5, 2)
    assert compute([]).average_rating is None
