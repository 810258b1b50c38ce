"""Office broadcasts without Telegram: the admin's HTML, audiences, queueing once, progress."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from bot.broadcasts.service import PROGRESS_KIND, Audience, BroadcastService, Draft, rat_periods
from bot.broadcasts.text import InvalidText, clean_html
from bot.onboarding.service import new_join_code
from bot.core.outbox import Outbox
from bot.core.texts import Texts
from storage.broadcasts import BroadcastRepo
from storage.cooperatives import CooperativeRepo
from storage.db import Database
from storage.outbox import OutboxRepo
from storage.reminders import ReminderRepo
from storage.users import UserRepo

pytestmark = pytest.mark.unit
ADMIN = 9000
TODAY = date(2026, 4, 15)


# --------------------------------------------------------------------------- the text

@pytest.mark.parametrize(("raw", "expected"), [
    ("Rapat <b>penting</b> besok", "Rapat <b>penting</b> besok"),
    ("<strong>a</strong> <em>b</em> <ins>c</ins> <del>d</del>", "<b>a</b> <i>b</i> <u>c</u> <s>d</s>"),
    ('Lihat <a href="https://dinas.bekasikab.go.id/rat?x=1&amp;y=2">di sini</a>',
     'Lihat <a href="https://dinas.bekasikab.go.id/rat?x=1&amp;y=2">di sini</a>'),
    ("SHU 5% & simpanan < 10 juta > 2 juta", "SHU 5% &amp; simpanan &lt; 10 juta &gt; 2 juta"),
    ("&amp; &lt;b&gt; stays text", "&amp; &lt;b&gt; stays text"),
    ('<span class="tg-spoiler">rahasia</span><br>baris', '<span class="tg-spoiler">rahasia</span>\nbaris'),
    ("<B>Besar</B>", "<b>Besar</b>"),
    ('<b onclick="x">a</b>', "<b>a</b>"),
])
def test_clean_html_keeps_telegram_formatting_and_escapes_the_rest(raw, expected):
    assert clean_html(raw) == expected


@pytest.mark.parametrize(("raw", "code"), [
    ("<b>tebal", "unclosed"),
    ("<b>tebal</i>", "unbalanced"),
    ("<i><b>x</i></b>", "unbalanced"),
    ("teks</b>", "unbalanced"),
    ("<script>alert(1)</script>", "bad_tag"),
    ("<div>blok</div>", "bad_tag"),
    ('<a href="javascript:alert(1)">klik</a>', "bad_link"),
    ("<a>tanpa alamat</a>", "bad_link"),
    ('<a href="https://a.id">x <a href="https://b.id">y</a></a>', "nested_link"),
    ("<b>  </b>", "empty"),
    ("x" * 3801, "too_long"),
])
def test_clean_html_refuses_what_would_fail_or_mislead(raw, code):
    with pytest.raises(InvalidText) as exc:
        clean_html(raw)
    assert exc.value.code == code


def test_visible_length_counts_text_not_tags():
    assert clean_html("<b>" + "x" * 3800 + "</b>")  # tags do not count against the limit


def test_audience_validation():
    Audience("kecamatan", "Cikarang Barat")
    with pytest.raises(ValueError):
        Audience("kecamatan", "Jakarta Selatan")
    with pytest.raises(ValueError):
        Audience("kind", "bank")
    with pytest.raises(ValueError):
        Audience("everyone")


def test_rat_period_follows_the_financial_year_end():
    periods = rat_periods(date(2026, 4, 15))
    assert periods[12] == "2025"  # December year end: RAT for 2025 is due in 2026
    assert periods[3] == "2026"  # March year end closed 31/3/2026
    assert periods[6] == "2025"


def test_progress_and_report_texts_use_indonesian_thousands():
    texts = Texts()
    from storage.broadcasts import Counts
    svc = BroadcastService(None, None, texts)  # type: ignore[arg-type]
    html = svc.progress_html("id", 7, Counts(total=3000, sent=1240, failed=2, blocked=1))
    assert "1.240/3.000 terkirim, 3 gagal" in html
    assert "1,240/3,000 sent, 3 failed" in svc.progress_html("en", 7, Counts(3000, 1240, 1, 2))


# --------------------------------------------------------------------------- with a database

@pytest.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "t.sqlite3")
    yield database
    await database.close()


@pytest.fixture
def service(db):
    return BroadcastService(db, Outbox(db), Texts(), today=lambda: TODAY)


async def add_coop(db, managers: list[int], *, kind="karyawan", kecamatan="Cikarang Barat", fy_end_month=12,
                   language="id"):
    users, coops = UserRepo(db), CooperativeRepo(db)
    coop = await coops.create(dict(name=f"Kop {managers[0]}", nik=None, kind=kind, company=None, estate=None,
                                   kecamatan=kecamatan, members=50, fy_end_month=fy_end_month), new_join_code())
    for user_id in managers:
        await users.set_language(user_id, language)
        await users.grant_consent(user_id, "v1", f"User {user_id}", None)
        await coops.add_manager(coop.id, user_id, "ketua")
    return coop


@pytest.fixture
async def world(db):
    a = await add_coop(db, [1, 2], kecamatan="Cikarang Barat", kind="karyawan")
    b = await add_coop(db, [3], kecamatan="Setu", kind="simpan_pinjam", language="en")
    c = await add_coop(db, [4, 5], kecamatan="Setu", kind="karyawan", fy_end_month=3)
    await UserRepo(db).mark_inactive(2, "blocked")  # blocked the bot: not a recipient
    await CooperativeRepo(db).leave(5)  # left the cooperative
    await UserRepo(db).set_language(6, "id")  # registered nothing: not a manager
    await ReminderRepo(db).mark_done(a.id, "rat", "2025", date(2026, 3, 1), 1)  # RAT for FY 2025 recorded
    await ReminderRepo(db).mark_done(c.id, "rat", "2025", date(2025, 5, 1), 4)  # c's current year is 2026
    return a, b, c


async def test_audiences_count_active_consenting_managers(service, world, db):
    assert await service.count(Audience("all")) == 3  # 1, 3, 4
    assert await service.count(Audience("kecamatan", "Setu")) == 2
    assert await service.count(Audience("kind", "karyawan")) == 2
    assert await service.count(Audience("kind", "konsumen")) == 0
    rat = await BroadcastRepo(db).recipients("rat_missing", None, rat_periods(TODAY))
    assert [r.user_id for r in rat] == [3, 4]  # a recorded FY2025; c's FY ended 3/2026, not recorded
    await UserRepo(db).erase_personal_data(4)  # withdrew consent
    assert await service.count(Audience("all")) == 2


async def test_send_now_queues_one_row_per_recipient_once(service, world, db):
    draft = Draft(ADMIN, "<b>Halo</b> pengurus", Audience("all"), origin_chat_id=-100, compose_key="k1")
    broadcast_id = await service.create(draft)
    assert await service.create(draft) is None  # a second press of "send"
    rows = await OutboxRepo(db).rows()
    assert rows[0].kind == PROGRESS_KIND and rows[0].chat_id == -100
    recipients = [(r.chat_id, r.dedupe_key) for r in rows if r.kind == "broadcast"]
    assert recipients == [(u, f"broadcast:{broadcast_id}:{u}") for u in (1, 3, 4)]
    by_chat = {r.chat_id: r.payload["text"] for r in rows}
    assert "Siaran Dinas" in by_chat[1] and "<b>Halo</b> pengurus" in by_chat[1]
    assert "Broadcast from the Cooperative Office" in by_chat[3]  # in the recipient's language
    b = await BroadcastRepo(db).get(broadcast_id)
    assert (b.status, b.total) == ("sending", 3)


async def test_scheduled_broadcast_is_released_once_when_due(service, world, db):
    at = datetime(2026, 4, 16, 2, 0, tzinfo=timezone.utc)
    broadcast_id = await service.create(Draft(ADMIN, "Besok", Audience("kecamatan", "Setu"), -100), at)
    assert await OutboxRepo(db).pending_count() == 0
    assert await service.release_due(at - timedelta(seconds=1)) == []
    assert await service.release_due(at) == [broadcast_id]
    assert await service.release_due(at + timedelta(hours=1)) == []
    assert await OutboxRepo(db).counts("broadcast", broadcast_id) == {"pending": 3}  # progress + 2


async def test_cancelled_schedule_never_goes_out(service, world, db):
    at = datetime(2026, 4, 16, 2, 0, tzinfo=timezone.utc)
    broadcast_id = await service.create(Draft(ADMIN, "Batal", Audience("all"), -100), at)
    assert await service.cancel(broadcast_id)
    assert not await service.cancel(broadcast_id)
    assert await service.release_due(at + timedelta(days=1)) == []
    assert await OutboxRepo(db).pending_count() == 0


async def _deliver(db, service, broadcast_id, status_of):
    """Stand in for the delivery worker: set each recipient row's outcome and call the hook."""
    repo = OutboxRepo(db)
    for row in await repo.rows("broadcast", ("broadcast", broadcast_id)):
        status = status_of(row.chat_id)
        if status == "sent":
            await repo.mark_sent(row.id, 1)
        else:
            await repo.mark_final(row.id, status, "x")
        await service.on_recipient_done(await repo.get(row.id))


async def test_progress_finishes_once_with_a_report(service, world, db):
    broadcast_id = await service.create(Draft(ADMIN, "Info", Audience("all"), -100))
    progress = (await OutboxRepo(db).rows(PROGRESS_KIND))[0]
    await OutboxRepo(db).mark_sent(progress.id, 55)
    await service.on_progress_sent(await OutboxRepo(db).get(progress.id), 55)
    await _deliver(db, service, broadcast_id, lambda chat: "blocked" if chat == 3 else "sent")
    b = await BroadcastRepo(db).get(broadcast_id)
    assert (b.status, b.progress_message_id) == ("done", 55)
    assert not await service.finish(broadcast_id)  # once
    rows = await OutboxRepo(db).rows(PROGRESS_KIND)
    assert [r.dedupe_key for r in rows][-2:] == [f"broadcast:{broadcast_id}:progress-final",
                                                f"broadcast:{broadcast_id}:report"]
    assert "2/3 terkirim, 1 gagal" in rows[-2].payload["text"]
    assert "diblokir: 1" in rows[-1].payload["text"]


async def test_resume_finishes_a_broadcast_whose_last_hook_was_lost(service, world, db):
    broadcast_id = await service.create(Draft(ADMIN, "Info", Audience("kecamatan", "Setu"), -100))
    for r in await OutboxRepo(db).rows("broadcast"):
        await OutboxRepo(db).mark_sent(r.id, 1)  # sent, then the process died before the hook
    fresh = BroadcastService(db, Outbox(db), Texts(), today=lambda: TODAY)
    await fresh.resume()
    assert (await BroadcastRepo(db).get(broadcast_id)).status == "done"
    assert (await fresh.progress(broadcast_id)).sent == 2


async def test_empty_audience_finishes_at_once(service, world, db):
    broadcast_id = await service.create(Draft(ADMIN, "Info", Audience("kind", "konsumen"), 42))
    assert (await BroadcastRepo(db).get(broadcast_id)).status == "done"
    keys = [r.dedupe_key for r in await OutboxRepo(db).rows()]
    assert keys == [f"broadcast:{broadcast_id}:progress", f"broadcast:{broadcast_id}:report"]
