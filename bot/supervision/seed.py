"""A realistic regency, generated deterministically: cooperatives across the 23 kecamatan (most
where the industrial estates are), their managers, RAT records, tickets, health checks scored by
the real scoring, pendamping with their kecamatan, visits and follow-ups, FAQ questions.

Used by `python -m bot demo` (a few hundred cooperatives, so /laporan, /risiko and /binaan show
something real) and by scripts/bench_report.py (thousands). `generate` is pure; `seed` writes
the rows through storage.seed.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal

from bot.core.domain import KECAMATAN
from bot.health import flow as hf
from bot.health.governance import GOVERNANCE_QUESTIONS
from bot.tickets.rules import CATEGORIES
from bot.core.outbox import Outbox
from storage.db import Database, to_utc_text
from storage.seed import SeedRepo

# Where the estates are: more cooperatives there.
WEIGHT = {"Cikarang Barat": 9, "Cikarang Utara": 8, "Cikarang Selatan": 7, "Cikarang Pusat": 6, "Cibitung": 7,
          "Setu": 5, "Serang Baru": 5, "Tambun Selatan": 5, "Cikarang Timur": 4, "Tarumajaya": 3, "Babelan": 2}
ESTATE = {"Cikarang Barat": ("Jababeka", "MM2100", "Gobel"), "Cikarang Utara": ("Jababeka", "Hyundai"),
          "Cikarang Selatan": ("Lippo Cikarang", "EJIP", "Delta Silicon"), "Cikarang Pusat": ("GIIC (Deltamas)",),
          "Cibitung": ("MM2100", "Bekasi Fajar (BFIE)"), "Setu": ("BIIE",), "Serang Baru": ("GIIC (Deltamas)",),
          "Cikarang Timur": ("Jababeka",), "Tambun Selatan": ("Bekasi Fajar (BFIE)",)}
COMPANIES = ("Astra Otoparts", "Maju Jaya Plastik", "Sinar Logam", "Indo Tekstil", "Mitra Elektrik", "Cahaya Kimia",
             "Sentosa Pangan", "Nusantara Kabel", "Garuda Baja", "Prima Komponen", "Surya Kemas", "Bintang Motor",
             "Delta Presisi", "Mega Farma", "Karya Cetak", "Tirta Minuman", "Mulia Keramik", "Global Suku Cadang")
WORDS = ("Sejahtera", "Mandiri", "Makmur", "Bersama", "Harapan", "Berkah", "Amanah", "Sentosa", "Maju", "Karya",
         "Bina", "Usaha", "Mulia", "Sinergi", "Gotong Royong", "Abadi", "Jaya", "Lestari", "Mekar", "Tunas")
FIRST = ("Sari", "Andi", "Budi", "Dewi", "Eko", "Fitri", "Gilang", "Hendra", "Indah", "Joko", "Kartika", "Lina",
         "Maman", "Nur", "Oki", "Putri", "Rahmat", "Siti", "Taufik", "Udin", "Wati", "Yanto", "Zainal", "Ayu")
LAST = ("Hidayat", "Saputra", "Wijaya", "Lestari", "Kusuma", "Pratama", "Nugroho", "Rahayu", "Setiawan", "Purnama",
        "Hasanah", "Susanto", "Gunawan", "Permata", "Siregar", "Nasution")
FINDINGS = ("Pembukuan belum dipisah antara simpan pinjam dan toko.", "Pengawas belum rutin memeriksa kas.",
            "RAT direncanakan setelah tutup buku; undangan belum disebar.", "Perusahaan belum memberi waktu rapat.",
            "Pinjaman macet beberapa anggota yang sudah resign.", "SOP pinjaman sudah ada, belum disosialisasikan.",
            "Laporan RAT belum diunggah ke ODS.", "Kas cukup, tetapi cadangan risiko belum dibentuk.",
            "Pengurus baru, perlu pelatihan pembukuan.", "Potongan gaji disetor terlambat oleh perusahaan.")
ACTIONS = ("Unggah laporan RAT ke ODS", "Rapat pengurus dan pengawas", "Susun SOP pinjaman",
           "Pisahkan rekening koperasi", "Kirim neraca terakhir ke pendamping", "Surat ke HRD soal waktu rapat")
QUESTIONS = ("cara rat online", "shu dibagi bagaimana", "pinjaman anggota resign", "simpanan pokok berapa",
             "lapor rat ke dinas", "pajak koperasi", "pengawas tidak aktif", "nik koperasi")


@dataclass(frozen=True)
class Scale:
    cooperatives: int = 300
    tickets: int = 1800
    checks: int = 700
    visits: int = 260
    pendamping: int = 8
    months: int = 7
    questions: int = 900
    with_demo_consultant: bool = True


DEMO = Scale()
BENCH = Scale(cooperatives=5000, tickets=50000, checks=10000, visits=4000, pendamping=20, months=12,
              questions=8000, with_demo_consultant=False)
DEMO_CONSULTANT_ID, DEMO_ADMIN_ID = 2001, 2002
DEMO_AREAS = ("Cikarang Barat", "Cikarang Utara", "Cibitung")


def _utc(moment: datetime) -> str:
    return to_utc_text(moment)


def _financial(r: random.Random, trouble: float) -> dict:
    ta = r.randint(300, 25000) * 1_000_000
    ms = int(ta * r.uniform(0.12 - 0.05 * trouble, 0.5 - 0.3 * trouble))
    pd = int(ta * r.uniform(0.4, 0.85))
    bad = 0.01 + 0.1 * trouble
    fig = dict(total_aset=ta, modal_sendiri=ms, simpanan_pokok_wajib=int(ms * 0.6),
               kas_bank=int(ta * r.uniform(0.02, 0.2)), kewajiban_lancar=int(ta * r.uniform(0.2, 0.6)),
               pinjaman_diberikan=pd, pinjaman_anggota=int(pd * r.uniform(0.7 - 0.3 * trouble, 1)),
               pinjaman_kurang_lancar=int(pd * r.uniform(0, bad)), pinjaman_diragukan=int(pd * r.uniform(0, bad)),
               pinjaman_macet=int(pd * r.uniform(0, bad)), cadangan_risiko=int(pd * r.uniform(0, 0.05)),
               pendapatan_usaha=int(ta * r.uniform(0.08, 0.2)), beban_usaha=int(ta * r.uniform(0.05, 0.15)),
               biaya_karyawan=int(ta * 0.02), shu_sebelum_pajak=int(ta * r.uniform(-0.02 * trouble, 0.06)),
               shu_bagian_anggota=int(ta * 0.01))
    answers: dict = {k: str(v) for k, v in fig.items()}
    for k in ("mgmt_umum", "mgmt_kelembagaan", "mgmt_permodalan", "mgmt_aktiva", "mgmt_likuiditas"):
        answers[k] = r.random() < 0.75 - 0.4 * trouble
    return answers


def _governance(r: random.Random, trouble: float) -> dict:
    answers = {}
    for q in GOVERNANCE_QUESTIONS:
        ids = [c.id for c in q.choices if c.points is not None] or [c.id for c in q.choices]
        # choices are listed best first: trouble pushes towards the worse ones
        index = min(len(ids) - 1, int(abs(r.gauss(0, 0.35 + 1.5 * trouble))))
        answers[q.id] = ids[index]
    return answers


def generate(scale: Scale, today: date, tz: tzinfo, seed: int = 14) -> dict[str, list[dict]]:
    """Longer than 60 lines on purpose: one deterministic recipe for the demo regency; split, the order of random draws (and so every seeded number) would be harder to keep stable."""
    r = random.Random(seed)
    now = datetime.combine(today, time(9), tzinfo=tz)
    start = today - timedelta(days=30 * scale.months)
    stamp = _utc(now)
    t: dict[str, list[dict]] = {k: [] for k in ("users", "consents", "cooperatives", "managers", "consultants",
                                                 "consultant_areas", "obligation_done", "meetings", "tickets",
                                                 "ticket_ratings", "health_checks", "triages", "visits",
                                                 "visit_followups", "supervision_sent")}
    weights = [WEIGHT.get(k, 1) for k in KECAMATAN]

    def moment(day: date) -> datetime:
        return datetime.combine(day, time(r.randint(8, 15), r.randint(0, 59)), tzinfo=tz)

    def day_between(a: date, b: date) -> date:
        return a + timedelta(days=r.randint(0, max(0, (b - a).days)))

    # cooperatives and managers ---------------------------------------------------------------
    coops, trouble, user_id = [], {}, 500_000
    codes = set()
    for i in range(1, scale.cooperatives + 1):
        kec = r.choices(KECAMATAN, weights)[0]
        kind = r.choices(("karyawan", "simpan_pinjam", "serba_usaha", "konsumen", "jasa", "produsen"),
                         (55, 15, 12, 8, 5, 5))[0]
        company = r.choice(COMPANIES) if kind == "karyawan" else None
        word = f"{r.choice(WORDS)} {r.choice(WORDS)}"
        name = {"karyawan": f"Kopkar {company} {r.choice(WORDS)}", "simpan_pinjam": f"KSP {word}",
                "serba_usaha": f"KSU {word}", "konsumen": f"Koperasi Konsumen {word}",
                "jasa": f"Koperasi Jasa {word}", "produsen": f"Koperasi Produsen {word}"}[kind] + f" {i}"
        estate = r.choice(ESTATE[kec]) if kec in ESTATE and kind == "karyawan" else ("lainnya" if kind == "karyawan" else None)
        code = "".join(r.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(8))
        while code in codes:
            code = "".join(r.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(8))
        codes.add(code)
        created = moment(day_between(today - timedelta(days=730), today - timedelta(days=20)))
        fy = 12 if r.random() < 0.9 else 6
        t["cooperatives"].append(dict(id=i, name=name, nik="".join(r.choice("0123456789") for _ in range(16))
                                      if r.random() < 0.7 else None, kind=kind, company=company, estate=estate,
                                      kecamatan=kec, members=r.randint(25, 2500), fy_end_month=fy, join_code=code,
                                      created_at=_utc(created), updated_at=_utc(created)))
        trouble[i] = r.betavariate(1.2, 4.5)
        coops.append((i, kec, kind, created, fy))
        for role in ("ketua", "bendahara", "pengawas")[: r.randint(1, 3)]:
            user_id += 1
            full = f"{r.choice(FIRST)} {r.choice(LAST)}"
            t["users"].append(dict(telegram_id=user_id, language="id", full_name=full, username=None, is_active=1,
                                   created_at=_utc(created), updated_at=_utc(created)))
            t["consents"].append(dict(user_id=user_id, version="seed", granted_at=_utc(created)))
            t["managers"].append(dict(user_id=user_id, cooperative_id=i, role=role, joined_at=_utc(created)))

    # RAT records: the year before last (all held, mostly reported), the last closed year ------
    for cid, kec, kind, created, fy in coops:
        last_fy = today.year if today > date(today.year, fy, 28) and fy < today.month else today.year - 1
        for year, p_held in ((last_fy - 1, 0.95), (last_fy, 0.93 - 0.45 * trouble[cid])):
            if r.random() > p_held:
                continue
            year_end = date(year, fy, 28) + timedelta(days=4)
            held = min(today - timedelta(days=1), day_between(year_end + timedelta(days=20), year_end + timedelta(days=150)))
            if held <= year_end:
                continue
            t["obligation_done"].append(dict(cooperative_id=cid, obligation_id="rat", period=str(year),
                                             done_on=held.isoformat(), recorded_by=None, recorded_at=_utc(moment(held))))
            if r.random() < (0.98 if year < last_fy else 0.95 - 0.45 * trouble[cid]):
                rep = min(today - timedelta(days=1), held + timedelta(days=r.randint(3, 40)))
                if rep >= held:
                    t["obligation_done"].append(dict(cooperative_id=cid, obligation_id="rat_report", period=str(year),
                                                     done_on=rep.isoformat(), recorded_by=None,
                                                     recorded_at=_utc(moment(rep))))
        if r.random() < 0.85 - 0.4 * trouble[cid]:  # the corporate tax return (due 4 months after the year end)
            filed = min(today - timedelta(days=1), date(last_fy, fy, 28) + timedelta(days=r.randint(40, 115)))
            t["obligation_done"].append(dict(cooperative_id=cid, obligation_id="tax_return", period=str(last_fy),
                                             done_on=filed.isoformat(), recorded_by=None,
                                             recorded_at=_utc(moment(filed))))
        for back in (3, 6):  # the supervisory board's quarterly reviews of the last two quarters
            index = today.year * 12 + today.month - 1 - back
            quarter_end = date(index // 12, index % 12 + 1, 1)
            while (quarter_end.month - fy) % 3:
                quarter_end = date(quarter_end.year - (quarter_end.month == 1), (quarter_end.month - 2) % 12 + 1, 1)
            quarter_end = date(quarter_end.year, quarter_end.month, 28)
            if r.random() < 0.8 - 0.4 * trouble[cid] and quarter_end < today:
                t["obligation_done"].append(dict(cooperative_id=cid, obligation_id="pengawas_review",
                                                 period=f"{quarter_end:%Y-%m}", done_on=quarter_end.isoformat(),
                                                 recorded_by=None, recorded_at=_utc(moment(quarter_end))))
        for _ in range(r.randint(0, 4)):
            when = moment(day_between(start, today - timedelta(days=1)))
            t["meetings"].append(dict(cooperative_id=cid, kind=r.choice(("pengurus", "pengurus", "pengawas")),
                                      starts_at=_utc(when), place="Ruang rapat", agenda=None, organiser_id=0,
                                      status="scheduled", version=1, scheduled_at=_utc(when), created_at=_utc(when),
                                      updated_at=_utc(when)))

    # tickets: troubled cooperatives ask more, and more curative ---------------------------------
    ids = [c[0] for c in coops]
    tw = [0.5 + 4 * trouble[c] for c in ids]
    for tid in range(1, scale.tickets + 1):
        cid = r.choices(ids, tw)[0]
        created = moment(day_between(start, today))
        curative = r.random() < 0.1 + 0.5 * trouble[cid]
        service = "kuratif" if curative else "preventif"
        age = (now - created).days
        claimed = created + timedelta(hours=r.choice((0.3, 0.8, 1.5, 3, 5, 9, 26)) * r.uniform(0.5, 1.5))
        claimed = claimed if claimed < now else None
        first = claimed + timedelta(hours=r.uniform(0.1, 6)) if claimed and r.random() < 0.95 else None
        first = first if first and first < now else None
        resolved = first + timedelta(days=r.uniform(0.2, 12)) if first and age > 3 and r.random() < 0.93 else None
        resolved = resolved if resolved and resolved < now else None
        closed = resolved + timedelta(days=r.uniform(0.5, 3)) if resolved and r.random() < 0.6 else None
        closed = closed if closed and closed < now else None
        status = ("closed" if closed else "resolved" if resolved else "answered" if first else
                  "claimed" if claimed else "new")
        t["tickets"].append(dict(id=tid, cooperative_id=cid, manager_user_id=None, service=service,
                                 category=r.choice(CATEGORIES[service]), question="(contoh) pertanyaan koperasi",
                                 source=r.choice(("konsultasi", "konsultasi", "triage", "health")), status=status,
                                 assignee_id=None, sla_level=0, created_at=_utc(created),
                                 updated_at=_utc(closed or resolved or first or claimed or created),
                                 claimed_at=_utc(claimed) if claimed else None,
                                 first_answer_at=_utc(first) if first else None,
                                 resolved_at=_utc(resolved) if resolved else None,
                                 closed_at=_utc(closed) if closed else None))
        if resolved and r.random() < 0.6:
            t["ticket_ratings"].append(dict(ticket_id=tid, score=r.choices((2, 3, 4, 5), (1, 3, 8, 10))[0],
                                            rated_by=None, created_at=_utc(resolved)))

    # health checks: financial for savings-and-loans kinds, governance for all -----------------
    from bot.core.domain import SAVINGS_AND_LOANS_KINDS
    for _ in range(scale.checks):
        cid, kec, kind, created, fy = r.choice(coops)
        financial = kind in SAVINGS_AND_LOANS_KINDS and r.random() < 0.6
        answers = _financial(r, trouble[cid]) if financial else _governance(r, trouble[cid])
        result = hf.score_financial(answers) if financial else hf.score_gov(answers)
        done = moment(day_between(max(start, created.date()), today))
        coverage = result.coverage if financial else Decimal(100)
        t["health_checks"].append(dict(cooperative_id=cid, user_id=None, kind="financial" if financial else "governance",
                                       answers=json.dumps(answers, sort_keys=True), started_at=_utc(done),
                                       updated_at=_utc(done), finished_at=_utc(done), total=str(result.total),
                                       band=result.band.value, coverage=str(coverage)))

    # pendamping, their kecamatan, visits and follow-ups ----------------------------------------
    people = []
    for n in range(scale.pendamping):
        uid = 700_001 + n
        people.append(uid)
        t["consultants"].append(dict(user_id=uid, display_name=f"{FIRST[(n * 7) % len(FIRST)]} {LAST[n % len(LAST)]}",
                                     username=None, created_at=stamp, updated_at=stamp))
    areas: dict[int, list[str]] = {p: [] for p in people}
    for n, kec in enumerate(KECAMATAN):
        areas[people[n % len(people)]].append(kec)
    if scale.with_demo_consultant:
        areas[DEMO_CONSULTANT_ID] = list(DEMO_AREAS)
        t["consultants"].append(dict(user_id=DEMO_CONSULTANT_ID, display_name="Budi", username=None, created_at=stamp,
                                     updated_at=stamp))
    for uid, kecs in areas.items():
        for kec in kecs:
            t["consultant_areas"].append(dict(user_id=uid, kecamatan=kec))
    by_kec: dict[str, list[int]] = {}
    for cid, kec, *_ in coops:
        by_kec.setdefault(kec, []).append(cid)
    owner = {kec: uid for uid, kecs in areas.items() for kec in kecs if uid != DEMO_CONSULTANT_ID}
    for vid in range(1, scale.visits + 1):
        cid = r.choices(ids, tw)[0]
        kec = coops[cid - 1][1]
        uid = DEMO_CONSULTANT_ID if scale.with_demo_consultant and kec in DEMO_AREAS and r.random() < 0.5 else owner[kec]
        day = day_between(start, today)
        t["visits"].append(dict(id=vid, cooperative_id=cid, pendamping_id=uid, visited_on=day.isoformat(),
                                kind=r.choices(("kunjungan", "telepon", "rapat"), (5, 3, 2))[0],
                                findings=r.choice(FINDINGS), source_key=f"seed:{vid}", created_at=_utc(moment(day))))
        for _ in range(r.choice((0, 1, 1, 2))):
            due = day + timedelta(days=r.randint(7, 45))
            done = _utc(moment(min(today, due))) if due < today and r.random() < 0.6 else None
            t["visit_followups"].append(dict(visit_id=vid, action=r.choice(ACTIONS), due_on=due.isoformat(),
                                             done_at=done))

    # questions to the FAQ --------------------------------------------------------------------------
    managers_of = {}
    for m in t["managers"]:
        managers_of.setdefault(m["cooperative_id"], m["user_id"])
    for _ in range(scale.questions):
        cid = r.choice(ids)
        q = r.choice(QUESTIONS)
        asked = moment(day_between(start, today))
        confident = r.random() < 0.75
        feedback = r.choices(("answered", "unhelpful", "consultant", None), (50, 8, 7, 35))[0] if confident else \
            r.choice(("consultant", "unhelpful", None))
        t["triages"].append(dict(user_id=managers_of.get(cid), cooperative_id=cid, question=q, normalized=q,
                                 ranked="[]", confident=int(confident), shown_entry=None, feedback=feedback,
                                 answered_entry=None, feedback_at=_utc(asked) if feedback else None,
                                 created_at=_utc(asked), updated_at=_utc(asked)))
    _history_already_sent(t, today)
    return t


def _history_already_sent(t: dict[str, list[dict]], today: date) -> None:
    """Follow-ups of past visits were reminded back then (see also `claim_past_reminders`)."""
    stamp = _utc(datetime.combine(today, time(8), tzinfo=timezone.utc))
    t["supervision_sent"] = [dict(key=f"followup:{i}", kind="followup", file_path=None, queued_at=stamp)
                             for i, f in enumerate(t["visit_followups"], 1) if f["due_on"] <= today.isoformat()]


class _Sent(Outbox):
    """An outbox that records nothing: the reminders below were sent in the regency's past."""

    def bind(self, db) -> "_Sent":
        return _Sent(db)

    async def _add(self, *args, **kwargs) -> None:
        return None


async def claim_past_reminders(db: Database, settings) -> int:
    """The regency has used the clinic for months: the reminders, RAT questions and staff alerts
    due before now were sent back then. Run the reminders' own tick once with an outbox that
    keeps nothing, so their keys are claimed exactly as the bot would claim them, and the bot's
    first start does not send months of them at once."""
    from bot.calendar.reminders import Clock, ReminderService
    from bot.core.texts import Texts

    reminders = ReminderService(db, _Sent(db), Texts(settings.default_language), settings.tz,
                                Clock(settings.clock_start), settings.staff_chat_id or -1,
                                first_question_next_morning=settings.first_question_next_morning,
                                staff_alert_grace=timedelta(days=settings.staff_alert_grace_days))
    report = await reminders.tick()
    return report.reminders + report.asks + report.alerts


async def seed(db: Database, today: date, tz: tzinfo, scale: Scale = DEMO, seed_value: int = 14) -> dict[str, int]:
    """Write a generated regency into an empty database; nothing when it already has cooperatives."""
    repo = SeedRepo(db)
    if not await repo.is_empty():
        return {}
    return await repo.insert(generate(scale, today, tz, seed_value))


def pendamping_ids(scale: Scale = DEMO) -> list[int]:
    """The generated pendamping's Telegram ids (the demo gives them fake accounts)."""
    return [700_001 + n for n in range(scale.pendamping)]



async def seed_demo_database(path, settings) -> dict[str, int]:
    """`python -m bot demo`: a fresh demo database gets the regency (once; kept across runs)."""
    db = await Database.open(path)
    try:
        now = datetime.now(timezone.utc) if settings.clock_start is None else settings.clock_start
        counts = await seed(db, now.astimezone(settings.tz).date(), settings.tz, DEMO)
        if counts:
            counts["past_reminders"] = await claim_past_reminders(db, settings)
        return counts
    finally:
        await db.close()
