"""The report workbook read back with openpyxl: sheets, headers, formats, charts, sums against the
database, empty states, privacy; and the scheduled work (monthly report across a restart,
weekly digest, follow-up reminders) sent once."""
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from bot.calendar.reminders import Clock
from bot.core.outbox import Outbox
from bot.core.texts import Texts
from bot.supervision import period as periods
from bot.supervision import seed as sd
from bot.supervision.service import SupervisionService
from storage.cooperatives import CooperativeRepo
from storage.db import Database
from storage.outbox import OutboxRepo
from storage.supervision import SupervisionRepo
from storage.users import UserRepo

pytestmark = pytest.mark.unit
SMALL = sd.Scale(cooperatives=60, tickets=400, checks=120, visits=40, pendamping=3, months=4, questions=80)
TODAY = date(2026, 11, 20)
NOON = datetime(2026, 11, 20, 5, tzinfo=timezone.utc)  # 12:00 WIB
ZONE = ZoneInfo("Asia/Jakarta")
SHEETS = ["Ringkasan", "Koperasi", "Tiket", "Kesehatan", "Kecamatan", "Kunjungan"]


def service(db, settings, at: datetime, tmp_path: Path) -> SupervisionService:
    return SupervisionService(db, Outbox(db), Texts(), settings, Clock(at), reports_dir=tmp_path / "reports")


@pytest.fixture
async def seeded(db, make_settings):
    settings = make_settings()
    await sd.seed(db, TODAY, settings.tz, SMALL)
    return settings


def rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(min_row=2, values_only=True))


async def test_the_workbook_matches_the_database(db, seeded, tmp_path):
    svc = service(db, seeded, NOON, tmp_path)
    report = await svc.report(periods.parse("2026-10"))
    book = openpyxl.load_workbook(report.path)
    assert book.sheetnames == SHEETS
    tickets, coops, kec = book["Tiket"], book["Koperasi"], book["Kecamatan"]
    assert [c.value for c in tickets[1]] == [
        "No. tiket", "Dibuka", "Koperasi", "Kecamatan", "Layanan", "Kategori", "Status", "Sumber",
        "Respons pertama (jam kerja)", "Penyelesaian (jam kerja)", "Melewati SLA", "Nilai"]
    # sums against the database
    bounds = periods.parse("2026-10").bounds(seeded.tz)
    expected = await db.fetchone("SELECT count(*), sum(service = 'kuratif') FROM tickets WHERE created_at >= ? "
                                 "AND created_at < ?", (bounds.start_utc, bounds.end_utc))
    assert len(rows(tickets)) == expected[0] > 0
    assert sum(1 for r in rows(tickets) if r[4] == "Kuratif") == expected[1]
    assert len(rows(coops)) == (await db.fetchone("SELECT count(*) FROM cooperatives"))[0] == 60
    kec_rows = rows(kec)
    assert len(kec_rows) == 23
    assert sum(r[1] for r in kec_rows) == 60
    assert sum(r[4] for r in kec_rows) == expected[0]
    members = (await db.fetchone("SELECT sum(members) FROM cooperatives"))[0]
    assert sum(r[2] for r in kec_rows) == members
    checks = (await db.fetchone("SELECT count(*) FROM health_checks WHERE finished_at >= ? AND finished_at < ?",
                                (bounds.start_utc, bounds.end_utc)))[0]
    assert len(rows(book["Kesehatan"])) == checks
    summary = {r[0]: r[1] for r in book["Ringkasan"].iter_rows(values_only=True) if r[0]}
    assert summary["Tiket dibuka"] == expected[0]
    assert summary["Koperasi terdaftar"] == 60
    assert summary["Cek kesehatan keuangan selesai"] + summary["Cek tata kelola selesai"] == checks
    # native charts, frozen headers, filters, formats, widths
    assert len(book["Ringkasan"]._charts) >= 3
    for name in SHEETS[1:]:
        assert book[name].freeze_panes == "A2"
        assert book[name].auto_filter.ref and book[name].auto_filter.ref.startswith("A1:")
    assert tickets["B2"].number_format.startswith("[$-421]") and tickets["I2"].number_format == "#,##0.00"
    assert coops.column_dimensions["B"].width > 20
    # the aspects of every financial check
    health = book["Kesehatan"]
    header = [c.value for c in health[1]]
    assert "Permodalan" in header and "Jatidiri Koperasi" in header
    fin = [r for r in rows(health) if r[4] == "Keuangan"]
    aspects = header.index("Permodalan"), header.index("Jatidiri Koperasi")
    assert fin and all(r[aspects[0]] is not None for r in fin)
    assert all(abs(sum(r[aspects[0]:aspects[1] + 1]) - 0) >= 0 for r in fin)


async def test_empty_sheets_say_why(db, make_settings, tmp_path):
    svc = service(db, make_settings(), NOON, tmp_path)
    report = await svc.report(periods.parse("2026-11"))
    book = openpyxl.load_workbook(report.path)
    assert rows(book["Kunjungan"])[0][0] == "Belum ada kunjungan bulan ini."
    assert rows(book["Tiket"])[0][0] == "Belum ada tiket konsultasi yang dibuka pada periode ini."
    assert rows(book["Kesehatan"])[0][0] == "Belum ada cek kesehatan yang selesai pada periode ini."
    assert rows(book["Koperasi"])[0][0] == "Belum ada koperasi terdaftar pada periode ini."
    year = openpyxl.load_workbook((await svc.report(periods.parse("2025"))).path)
    assert rows(year["Kunjungan"])[0][0] == "Belum ada kunjungan tahun ini."
    assert report.chart_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


async def test_an_erased_manager_and_telegram_handles_appear_nowhere(db, make_settings, tmp_path):
    settings = make_settings()
    users, coops = UserRepo(db), CooperativeRepo(db)
    coop = await coops.create(dict(name="Kopkar Rahasia", nik=None, kind="karyawan", company="PT A", estate="EJIP",
                                   kecamatan="Cikarang Selatan", members=120, fy_end_month=12), "ABCDEFGH")
    for uid, name, handle in ((987654321, "Dewi Terhapus", "dewi_handle"), (987654322, "Agus Tetap", "agus_handle")):
        await users.grant_consent(uid, "v1", name, handle)
        await coops.add_manager(coop.id, uid, "ketua")

    def cells(path) -> set[str]:
        book = openpyxl.load_workbook(path)
        return {str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row if v is not None}

    now = datetime.now(timezone.utc)  # the rows were written just now
    svc = SupervisionService(db, Outbox(db), Texts(), settings, Clock(), reports_dir=tmp_path / "reports")
    this_year = periods.year(now.year)
    before = cells((await svc.report(this_year)).path)
    assert any("Dewi Terhapus" in c for c in before) and any("Agus Tetap" in c for c in before)
    # /hapusdata: what handlers/privacy.py does
    await users.erase_personal_data(987654321)
    await coops.leave(987654321)
    after = cells((await svc.report(this_year)).path)
    assert not any("Dewi" in c for c in after) and any("Agus Tetap" in c for c in after)
    assert not any("handle" in c or "987654321" in c or "987654322" in c for c in before | after)


async def test_monthly_report_on_the_first_working_day_sent_once_across_a_restart(make_settings, tmp_path):
    settings = make_settings(admin_ids=[2002, 2003])
    path = tmp_path / "restart.sqlite3"
    db = await Database.open(path)
    await sd.seed(db, date(2026, 11, 28), settings.tz, SMALL)
    # 1 Dec 2026 is a Tuesday: the first working day; 07:59 WIB is too early
    early = service(db, settings, datetime(2026, 12, 1, 0, 59, tzinfo=timezone.utc), tmp_path)
    assert (await early.tick()).reports == 0
    on_time = service(db, settings, datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc), tmp_path)
    assert (await on_time.tick()).reports == 1
    assert (await on_time.tick()).reports == 0
    await db.close()
    db = await Database.open(path)  # the bot restarts the same morning
    try:
        again = service(db, settings, datetime(2026, 12, 1, 1, 30, tzinfo=timezone.utc), tmp_path)
        assert (await again.tick()).reports == 0
        queued = await OutboxRepo(db).rows("report")
        assert sorted((r.chat_id, r.method) for r in queued) == [
            (2002, "send_document"), (2002, "send_photo"), (2003, "send_document"), (2003, "send_photo")]
        doc = next(r for r in queued if r.method == "send_document")
        assert doc.payload["filename"] == "laporan-klinik-koperasi-2026-11.xlsx"
        book = openpyxl.load_workbook(doc.payload["document_path"])
        assert book["Ringkasan"]["A1"].value == "Laporan Klinik Koperasi November 2026"
        assert await SupervisionRepo(db).is_claimed("report:monthly:2026-11")
    finally:
        await db.close()


async def test_no_monthly_report_for_a_month_before_the_first_cooperative(db, make_settings, tmp_path):
    svc = service(db, make_settings(), datetime(2026, 12, 1, 2, tzinfo=timezone.utc), tmp_path)
    assert (await svc.tick()).reports == 0
    assert not await SupervisionRepo(db).is_claimed("report:monthly:2026-11")  # a later tick may still send it


async def test_a_bot_down_on_the_first_working_day_sends_the_report_when_it_comes_back(db, seeded, tmp_path):
    # 1 Jan 2027 is a Friday; the office is closed on holidays only if configured: with a
    # holiday-free calendar the first working day is 1 Jan. Down until 5 Jan: still sent then.
    late = service(db, seeded, datetime(2027, 1, 5, 3, tzinfo=timezone.utc), tmp_path)
    assert (await late.tick()).reports == 1
    assert await SupervisionRepo(db).is_claimed("report:monthly:2026-12")
    assert late.first_working_day(date(2026, 11, 15)) == date(2026, 11, 2)  # 1 Nov 2026 is a Sunday


async def test_weekly_digest_once_per_pendamping_then_only_what_got_worse(db, seeded, tmp_path):
    monday = datetime(2026, 11, 23, 1, 5, tzinfo=timezone.utc)  # Monday 08:05 WIB, after the seeded data
    before = 0
    svc = service(db, seeded, monday, tmp_path)
    first = await svc.tick()
    pendamping = await SupervisionRepo(db).pendampings()
    digests = (await OutboxRepo(db).rows("digest"))[before:]
    assert first.digests == len({r.dedupe_key.rsplit(":", 1)[0] for r in digests}) >= 1
    assert {r.chat_id for r in digests} <= {p["user_id"] for p in pendamping}
    assert all(len(r.payload["text"]) <= 4096 for r in digests)  # long digests come in parts
    assert all("Ringkasan mingguan" in r.payload["text"] for r in digests if r.dedupe_key.endswith(":0"))
    assert any("memburuk" in r.payload["text"] for r in digests)  # the first digest: every risk is new
    assert (await svc.tick()).digests == 0
    snapshot = await SupervisionRepo(db).snapshots()
    assert len(snapshot) == 60
    # a week later with nothing new: no cooperative got worse, so at most follow-ups are sent
    week2 = service(db, seeded, datetime(2026, 11, 30, 1, 5, tzinfo=timezone.utc), tmp_path)
    ranked = {a.id: a.score for a in await week2.ranking(None, include_zero=True)}
    worse = {cid for cid, score in ranked.items() if score > snapshot.get(cid, 0)}
    await week2.tick()
    later = (await OutboxRepo(db).rows("digest"))[before + len(digests):]
    names = {a.id: a.facts.name for a in await week2.ranking(None, include_zero=True)}
    for row in later:
        for cid, name in names.items():
            if f"<b>{name}</b>" in row.payload["text"]:
                assert cid in worse


async def test_follow_up_reminder_to_its_pendamping_once(db, make_settings, tmp_path):
    settings = make_settings()
    coop = await CooperativeRepo(db).create(dict(name="KSP Tindak", nik=None, kind="simpan_pinjam", company=None,
                                                 estate=None, kecamatan="Setu", members=50, fy_end_month=12), "TINDAK12")
    async with db.transaction() as tx:
        await SupervisionRepo(tx).add_visit(cooperative_id=coop.id, pendamping_id=2001, visited_on=date(2026, 11, 2),
                                            kind="kunjungan", findings="Kas belum dipisah",
                                            followups=[("Pisahkan rekening", date(2026, 11, 20)),
                                                       ("Rapat pengawas", date(2026, 12, 5))], source_key="t1")
    svc = service(db, settings, datetime(2026, 11, 20, 0, 30, tzinfo=timezone.utc), tmp_path)  # 07:30 WIB
    assert (await svc.tick()).followups == 0
    svc = service(db, settings, NOON, tmp_path)
    assert (await svc.tick()).followups == 1
    assert (await svc.tick()).followups == 0
    [row] = await OutboxRepo(db).rows("followup")
    assert row.chat_id == 2001 and "Pisahkan rekening" in row.payload["text"]
    assert row.payload["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "sv:fd:1"
    assert not await svc.finish_followup(1, 3001, is_admin=False)  # not theirs
    assert await svc.finish_followup(1, 2001, is_admin=False)
    assert await SupervisionRepo(db).followups_due(date(2026, 12, 31)) != []  # the December one is still open


async def test_a_pendamping_who_erased_their_data_leaves_the_visit_nameless(db, make_settings, tmp_path):
    from storage.consultants import ConsultantRepo
    settings = make_settings()
    coop = await CooperativeRepo(db).create(dict(name="KSP Kunjung", nik=None, kind="simpan_pinjam", company=None,
                                                 estate=None, kecamatan="Setu", members=50, fy_end_month=12), "KUNJUNG1")
    await ConsultantRepo(db).upsert(4242, "Pendamping Hilang", "hilang_handle")
    async with db.transaction() as tx:
        await SupervisionRepo(tx).add_visit(cooperative_id=coop.id, pendamping_id=4242, visited_on=date(2026, 11, 3),
                                            kind="telepon", findings="Ditelepon", source_key="x")
    svc = service(db, settings, NOON, tmp_path)
    book = openpyxl.load_workbook((await svc.report(periods.parse("2026-11"))).path)
    assert rows(book["Kunjungan"])[0][4] == "Pendamping Hilang"
    assert await SupervisionRepo(db).export_for(4242) != []
    async with db.transaction() as tx:  # what /hapusdata runs for this journey
        from handlers.supervision import PRIVACY_ERASE
        await PRIVACY_ERASE(tx, 4242)
    book = openpyxl.load_workbook((await svc.report(periods.parse("2026-11"))).path)
    assert rows(book["Kunjungan"])[0][4] == "(pendamping tidak tercatat)"
    assert rows(book["Kunjungan"])[0][5] == "Ditelepon"


def test_the_command_line_writes_the_workbook_without_a_token(tmp_path, monkeypatch):
    import asyncio

    from bot.__main__ import main

    path = tmp_path / "cli.sqlite3"

    async def prepare():
        database = await Database.open(path)
        await sd.seed(database, TODAY, ZONE, sd.Scale(cooperatives=10, tickets=30, checks=8, visits=4, pendamping=2,
                                                      months=2, questions=5))
        await database.close()
    asyncio.run(prepare())
    for name in ("BOT_TOKEN", "STAFF_CHAT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_PATH", str(path))
    monkeypatch.chdir(tmp_path)  # no developer .env
    out = tmp_path / "out" / "laporan.xlsx"
    assert main(["report", "--period", "2026-11", "-o", str(out), "--chart", str(tmp_path / "c.png")]) == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == SHEETS and len(rows(book["Koperasi"])) == 10
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["report", "--period", "2026-13", "-o", str(out)]) == 2
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "missing.sqlite3"))
    assert main(["report", "-o", str(out)]) == 2
    assert not (tmp_path / "missing.sqlite3").exists()


async def test_aspect_scores_are_computed_once_per_data_table(db, seeded, tmp_path):
    from bot.supervision.report import TABLE_VERSION
    svc = service(db, seeded, NOON, tmp_path)
    october = periods.parse("2026-10")
    first = await svc.report(october)
    fin = [h for h in first.data.health if h["kind"] == "financial"]
    repo = SupervisionRepo(db)
    cached = [r for r in await repo.health_sheet(october.bounds(seeded.tz), TABLE_VERSION) if r["kind"] == "financial"]
    assert fin and all(r["aspects"] and r["answers"] is None for r in cached)
    second = await svc.report(october)
    assert [h["aspects"] for h in second.data.health] == [h["aspects"] for h in first.data.health]
    # a corrected data table (another version) is scored again
    stale = await repo.health_sheet(october.bounds(seeded.tz), "another-version")
    assert all(r["aspects"] is None and r["answers"] for r in stale if r["kind"] == "financial")


async def test_a_long_digest_comes_in_parts_telegram_accepts(db, make_settings, tmp_path):
    settings = make_settings()
    await sd.seed(db, TODAY, settings.tz, sd.DEMO)  # the demo's regency: pendamping with dozens of cooperatives
    svc = service(db, settings, datetime(2026, 11, 23, 1, 5, tzinfo=timezone.utc), tmp_path)
    assert (await svc.tick()).digests >= 1
    parts = await OutboxRepo(db).rows("digest")
    assert all(len(r.payload["text"]) <= 4096 for r in parts)
    assert any(r.dedupe_key.endswith(":1") for r in parts)  # at least one needed a second message


async def test_the_remembered_ranking_is_recomputed_when_its_data_changes(db, seeded, tmp_path):
    from storage.tickets import TicketRepo
    svc = SupervisionService(db, Outbox(db), Texts(), seeded, Clock(), reports_dir=tmp_path)  # tickets get today's stamp
    before = {a.id: a for a in await svc.ranking(None, include_zero=True)}
    calm = next(a for a in before.values() if "curative_tickets" not in [r.code for r in a.reasons])
    assert [a.score for a in await svc.ranking(None, include_zero=True)] == [a.score for a in before.values()]
    for _ in range(2):
        await TicketRepo(db).create(cooperative_id=calm.id, manager_user_id=None, service="kuratif",
                                    category="sengketa", question="?", source="konsultasi")
    after = {a.id: a for a in await svc.ranking(None, include_zero=True)}
    assert after[calm.id].score == calm.score + 15
    assert "curative_tickets" in [r.code for r in after[calm.id].reasons]
    assert [a.id for a in await svc.ranking([calm.facts.kecamatan])] == [
        a.id for a in after.values() if a.facts.kecamatan == calm.facts.kecamatan and a.score > 0]
