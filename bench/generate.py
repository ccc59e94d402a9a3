"""Realistic data at scale: boards, schools, staff, pupils, cases and an encrypted journal.

Entries go in with bulk_create through the real EncryptedJSONField (so they are encrypted exactly as in
production) and are inserted as saved rows directly: the journal triggers allow INSERT, only UPDATE and
DELETE of saved rows are refused.
"""

import datetime
import json
import random
from dataclasses import dataclass

from tqdm import tqdm

BENCH_PASSWORD = "bench-password-not-secret"  # noqa: S105 - a scratch database only


@dataclass(frozen=True)
class Scale:
    name: str
    boards: int
    schools: int
    pupils_per_school: int
    cases_per_school: int
    entries_per_case: int
    teachers_per_school: int = 15
    big_case_entries: int = 300

    @property
    def entries(self) -> int:
        return self.schools * self.cases_per_school * self.entries_per_case + self.big_case_entries


SCALES = {
    "tiny": Scale("tiny", boards=1, schools=2, pupils_per_school=50, cases_per_school=5, entries_per_case=10),
    "realistic": Scale("realistic", boards=1, schools=10, pupils_per_school=300, cases_per_school=30,
                       entries_per_case=50),
    "large": Scale("large", boards=20, schools=200, pupils_per_school=300, cases_per_school=100,
                   entries_per_case=50),
}

FIRST_NAMES = ["Sanne", "Daan", "Emma", "Noah", "Julia", "Liam", "Mila", "Sem", "Tess", "Lucas", "Zoë", "Finn",
               "Yara", "Levi", "Nora", "Mohammed", "Sara", "Adam", "Lotte", "Milan", "Fenna", "Bram", "Saar", "Ayoub"]
LAST_NAMES = ["de Vries", "Jansen", "de Jong", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "de Boer", "Bos",
              "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "El Amrani", "Yilmaz", "Kok", "Willems"]
PLACES = ["Klaslokaal groep 5", "Schoolplein", "Gymzaal", "Gang bij de kapstokken", "Bij het hek na schooltijd"]
OBSERVATIONS = [
    "Blauwe plekken op beide bovenarmen, in de vorm van vingers. Gevraagd wat er gebeurd was; geen antwoord.",
    "Kwam zonder ontbijt en zonder jas naar school; at in de pauze twee boterhammen van een klasgenoot.",
    "Schrok zichtbaar toen een volwassene de stem verhief en kroop weg onder de tafel.",
    "Vertelde in de kring dat papa en mama 's nachts hard schreeuwen en dat er dan dingen kapotgaan.",
    "Viel in slaap tijdens de rekenles; zei dat ze niet kon slapen omdat het thuis onrustig was.",
    "Draagt al drie dagen dezelfde kleren en ruikt naar urine; klasgenoten beginnen te pesten.",
]
SITUATIONS = ["Tijdens het kringgesprek op maandagochtend.", "Bij het omkleden voor de gymles.",
              "In de pauze, op het plein.", "Bij het ophalen door een ouder.", "Tijdens een toets in de klas."]
NOTES = ["Moeder belde om de afspraak te verzetten naar volgende week.",
         "Overleg met de leerkracht: het gaat deze week rustiger in de klas.",
         "De jeugdverpleegkundige heeft het kind gezien; terugkoppeling volgt.",
         "Vader kwam onaangekondigd op school en vroeg naar het dossier; verwezen naar de directie."]


def _text(rng, pool, minimum=1, maximum=3):
    return " ".join(rng.sample(pool, rng.randint(minimum, min(maximum, len(pool)))))


def entry_payload(rng, kind):
    """(content, facts) for one journal entry of `kind`, the shape the forms would produce."""
    if kind == "signal":
        hypothesis = rng.random() < 0.15
        return ({"place": rng.choice(PLACES), "situation": rng.choice(SITUATIONS), "others_present": "",
                 "observation": _text(rng, OBSERVATIONS), "source": "", "categories": [], "direction": "unclear"},
                {"is_hypothesis": hypothesis, "has_source": False})
    if kind == "consultation":
        with_ = rng.choice(["colleague", "veilig_thuis", "care_team"])
        return ({"colleague_role": "ib", "organisation": "", "contact_person": "",
                 "question": _text(rng, OBSERVATIONS, 1, 2), "advice": _text(rng, NOTES, 1, 2)},
                {"with": with_, "anonymous": with_ != "colleague"})
    if kind == "conversation":
        return ({"participants": "Moeder\nIntern begeleider", "purpose_explained": "Wij maken ons zorgen.",
                 "facts_presented": _text(rng, OBSERVATIONS, 1, 2), "reaction": _text(rng, NOTES, 1, 1),
                 "interpretation": "", "objections": "", "agreements": "Over zes weken opnieuw."},
                {"purpose": "parent", "roles_present": ["ib"], "child_present": False, "signed": False})
    if kind == "followup":
        return ({"hypothesis": "", "outcome": "none", "text": _text(rng, NOTES, 1, 2)}, {"resolves_hypothesis": False})
    return ({"text": _text(rng, NOTES, 1, 3)}, {})


KIND_WEIGHTS = [("signal", 40), ("note", 25), ("consultation", 15), ("followup", 10), ("conversation", 10)]


def _kinds(rng, count):
    kinds, weights = zip(*KIND_WEIGHTS, strict=True)
    return ["signal", *rng.choices(kinds, weights=weights, k=count - 1)]


def generate(scale: Scale, *, seed: int = 8, out=print) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import Membership, User
    from accounts.roles import Role
    from cases.models import Case, CaseMember, Entry, Task
    from protocol.models import MeldcodeVersion, adopt, ensure_shipped_versions
    from schools.models import Board, Pupil, School

    if School.objects.exists():
        raise SystemExit("The benchmark database already holds data; drop it first (python -m bench reset).")
    rng = random.Random(seed)
    now = timezone.now()
    password = make_password(BENCH_PASSWORD)
    ensure_shipped_versions()
    version = MeldcodeVersion.objects.get(key="landelijk-2019")

    boards = Board.objects.bulk_create([Board(name=f"Stichting Bench {b + 1}", slug=f"bench-{b + 1}")
                                        for b in range(scale.boards)])
    schools = School.objects.bulk_create([
        School(board=boards[s % len(boards)], name=f"Basisschool De Bench {s + 1}", slug=f"de-bench-{s + 1}",
               brin=f"{s:03d}BE") for s in range(scale.schools)])
    staff = {}
    users, memberships = [], []
    for school in schools:
        roles = [Role.IB, Role.DIRECTIE, Role.PRIVACY] + [Role.LEERKRACHT] * scale.teachers_per_school
        for index, role in enumerate(roles):
            user = User(email=f"{role}-{index}@{school.slug}.example.org", full_name=f"{role.label} {index} {school.name}",
                        password=password)
            users.append(user)
            memberships.append((user, school, role))
    User.objects.bulk_create(users, batch_size=2000)
    Membership.objects.bulk_create([Membership(user=u, school=s, role=r) for u, s, r in memberships], batch_size=2000)
    for user, school, role in memberships:
        staff.setdefault((school.pk, role), []).append(user)
    for school in schools:
        adopt(school, version, staff[(school.pk, Role.DIRECTIE)][0])

    pupils = []
    for school in schools:
        for p in range(scale.pupils_per_school):
            pupils.append(Pupil(school=school, first_name=rng.choice(FIRST_NAMES), last_name=rng.choice(LAST_NAMES),
                                date_of_birth=datetime.date(2013 + p % 8, 1 + p % 12, 1 + p % 28),
                                group=str(1 + p % 8)))
    Pupil.objects.bulk_create(pupils, batch_size=5000)
    pupils_by_school = {}
    for pupil in pupils:
        pupils_by_school.setdefault(pupil.school_id, []).append(pupil)

    cases = []
    for school in schools:
        ib = staff[(school.pk, Role.IB)][0]
        for pupil in rng.sample(pupils_by_school[school.pk], scale.cases_per_school):
            opened = now - datetime.timedelta(days=rng.randint(20, 700))
            closed = rng.random() < 0.3
            cases.append(Case(school=school, pupil=pupil, meldcode_version=version, opened_by=ib, coordinator=ib,
                              opened_at=opened, current_step=rng.choice(["1", "2", "3", "4", "5b"]),
                              last_activity_at=opened + datetime.timedelta(days=rng.randint(1, 19)),
                              status=Case.Status.CLOSED if closed else Case.Status.OPEN,
                              closed_at=now if closed else None, closure_reason="handed_over" if closed else ""))
    # The case page benchmark: one case with a long journal, at the first school.
    first = schools[0]
    ib = staff[(first.pk, Role.IB)][0]
    big = Case(school=first, pupil=pupils_by_school[first.pk][-1], meldcode_version=version, opened_by=ib,
               coordinator=ib, opened_at=now - datetime.timedelta(days=400), last_activity_at=now)
    cases.append(big)
    Case.objects.bulk_create(cases, batch_size=5000)

    members, tasks = [], []
    for case in cases:
        members.append(CaseMember(case=case, user=case.coordinator))
        teacher = rng.choice(staff[(case.school_id, Role.LEERKRACHT)])
        members.append(CaseMember(case=case, user=teacher))
        if case.status == Case.Status.OPEN:
            tasks.append(Task(case=case, kind=rng.choice(["hypothesis", "consent", "recontact_vt"]),
                              due_on=(now + datetime.timedelta(days=rng.randint(-10, 30))).date(),
                              assignee=case.coordinator))
    CaseMember.objects.bulk_create(members, batch_size=5000)
    Task.objects.bulk_create(tasks, batch_size=5000)

    teachers = {school.pk: staff[(school.pk, Role.LEERKRACHT)] for school in schools}
    with tqdm(total=scale.entries, unit="entry", desc=f"journal ({scale.name})", mininterval=2) as progress:
        batch = []

        def flush():
            with transaction.atomic():
                Entry.objects.bulk_create(batch)
            progress.update(len(batch))
            batch.clear()

        for case in cases:
            count = scale.big_case_entries if case is big else scale.entries_per_case
            start = case.opened_at
            span = max((case.last_activity_at - start).total_seconds(), 3600)
            authors = [case.coordinator, rng.choice(teachers[case.school_id])]
            for i, kind in enumerate(_kinds(rng, count)):
                content, facts = entry_payload(rng, kind)
                at = start + datetime.timedelta(seconds=span * i / count)
                batch.append(Entry(case=case, kind=kind, status=Entry.Status.SAVED, author=rng.choice(authors),
                                   occurred_at=at, saved_at=at + datetime.timedelta(minutes=5), content=content,
                                   facts=facts))
                if len(batch) >= 5000:
                    flush()
        if batch:
            flush()

    # A small open case at the first school to save signals into, so that the big one stays at 300.
    write_case = Case.objects.filter(school=first, status=Case.Status.OPEN).exclude(pk=big.pk).order_by("pk").first()
    for case in (big, write_case):
        case.refresh_step()
    bench_user = ib
    TOTPDevice.objects.create(user=bench_user, name="bench", confirmed=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    small_case = (Case.objects.filter(school=first).exclude(pk__in=[big.pk, write_case.pk])
                  .order_by("pk").first())
    info = {"scale": scale.name, "school": first.slug, "big_case": big.reference, "small_case": small_case.reference,
            "write_case": write_case.reference, "user": bench_user.email,
            "counts": {"schools": len(schools), "pupils": len(pupils), "cases": len(cases),
                       "entries": Entry.objects.count()}}
    save_info(info)
    return info


def info_path():
    from django.conf import settings

    # One file per database, so that several data sets (realistic, large) can live side by side.
    return settings.VAR_DIR / f"bench-data-{settings.DATABASES['default']['NAME']}.json"


def save_info(info: dict):
    info_path().write_text(json.dumps(info, indent=2))


def load_info() -> dict:
    path = info_path()
    if not path.exists():
        raise SystemExit("No benchmark data yet: run `python -m bench generate --scale realistic` first.")
    return json.loads(path.read_text())


def reset():
    """Empty the benchmark database (drop and recreate its schema)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("reset only works on PostgreSQL.")
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    path = info_path()
    if path.exists():
        path.unlink()
