"""The demo: board "Stichting Demo" with De Sprong and De Regenboog, an account for every role at each
school, pupils with parents, and two dossiers. Idempotent: running it twice changes nothing."""

import hashlib
from datetime import date, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Membership, User
from accounts.roles import Role
from schools.models import Board, Guardian, Pupil, School

DEMO_PASSWORD = "Meldcode-demo-2026"  # noqa: S105 (printed by the demo on purpose)

SCHOOLS = [
    {"slug": "de-sprong", "name": "C.B.S. De Sprong", "brin": "12AB", "address": "Schoolstraat 1, 7901 AA Hoogeveen",
     "phone": "0528-123456", "meldcode": "de-sprong", "mail": "desprong"},
    {"slug": "de-regenboog", "name": "De Regenboog", "brin": "34CD", "address": "Regenbooglaan 5, 9401 BB Assen",
     "phone": "0592-654321", "meldcode": "landelijk-2019", "mail": "regenboog"},
]

PEOPLE = {
    Role.LEERKRACHT: "Lotte Jansen|Pieter Smit",
    Role.IB: "Ingrid Bakker|Hanneke Visser",
    Role.DIRECTIE: "Daan Meijer|Fatima El Amrani",
    Role.BESTUUR: "Bert de Boer|Bert de Boer",
    Role.PRIVACY: "Paula Mulder|Paula Mulder",
    Role.BEHEER: "Freek Hendriks|Freek Hendriks",
}

PUPILS = {
    "de-sprong": [
        ("1001", "Sanne", "de Vries", date(2017, 9, 12), "5", [("Marieke de Vries", "moeder", True),
                                                            ("Johan de Vries", "vader", True)]),
        ("1002", "Milan", "de Vries", date(2020, 2, 3), "2", [("Marieke de Vries", "moeder", True)]),
        ("1003", "Noah", "Bos", date(2016, 5, 20), "6", [("Eva Bos", "moeder", True)]),
        ("1004", "Yara", "Kaya", date(2015, 11, 2), "7", [("Selin Kaya", "moeder", True), ("Emre Kaya", "vader", False)]),
        ("1005", "Finn", "Dekker", date(2018, 1, 30), "4", [("Tom Dekker", "vader", True)]),
        ("1006", "Lina", "Postma", date(2014, 7, 8), "8", [("Anouk Postma", "pleegouder", False)]),
    ],
    "de-regenboog": [
        ("2001", "Emma", "Willems", date(2016, 3, 3), "6", [("Sarah Willems", "moeder", True)]),
        ("2002", "Adam", "Benali", date(2017, 6, 15), "5", [("Nadia Benali", "moeder", True)]),
        ("2003", "Julia", "Koster", date(2019, 10, 1), "3", [("Mark Koster", "vader", True)]),
        ("2004", "Sem", "van Dijk", date(2015, 12, 24), "7", [("Ilse van Dijk", "moeder", True)]),
    ],
}

SANNE_SIGNAL = ("Sanne had maandag een blauwe plek op haar bovenarm en zei dat ze van de trap was gevallen.")


BOARD_ROLES = (Role.BESTUUR, Role.PRIVACY, Role.BEHEER)


def email_for(role, school):
    """Board-wide roles are one person with a role at each school; the others are per school."""
    if role in BOARD_ROLES:
        return f"{role}.stichtingdemo@example.org"
    return f"{role}.{school['mail']}@example.org"


def demo_totp_key(email: str) -> str:
    """A fixed secret per demo account, so that re-running the demo keeps authenticator apps working."""
    return hashlib.sha256(f"meldcode-demo:{email}".encode()).hexdigest()[:40]


class Command(BaseCommand):
    help = "Laadt de demo: Stichting Demo met De Sprong en De Regenboog, accounts, leerlingen en dossiers."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("De demo hoort niet in een productieomgeving.")
        from protocol.models import adopt, current_version, ensure_shipped_versions

        with transaction.atomic():
            ensure_shipped_versions()
            board, _ = Board.objects.get_or_create(slug="stichting-demo", defaults={"name": "Stichting Demo"})
            accounts = []
            for index, spec in enumerate(SCHOOLS):
                school, _ = School.objects.get_or_create(slug=spec["slug"], defaults={
                    "board": board, "name": spec["name"], "brin": spec["brin"], "address": spec["address"],
                    "phone": spec["phone"]})
                version = self._shipped(spec["meldcode"])
                current = current_version(school)
                people = {role: self._person(role, spec, names.split("|")[index]) for role, names in PEOPLE.items()}
                if current is None:
                    adopt(school, version, people[Role.DIRECTIE])
                accounts += [(school, role, user) for role, user in people.items()]
                self._pupils(school)
                self._social_map(school)
            self._sanne_case()
            self._closed_case()
        self._print_accounts(accounts)

    def _shipped(self, key):
        from protocol.models import MeldcodeVersion

        return MeldcodeVersion.objects.filter(key=key).order_by("-created_at").first()

    def _person(self, role, spec, name):
        email = email_for(role, spec)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, DEMO_PASSWORD, full_name=name)
        Membership.objects.get_or_create(user=user, school=School.objects.get(slug=spec["slug"]), role=role)
        TOTPDevice.objects.get_or_create(user=user, name="Demo-authenticator",
                                         defaults={"key": demo_totp_key(email), "confirmed": True})
        return user

    def _pupils(self, school):
        for number, first, last, born, group, guardians in PUPILS[school.slug]:
            pupil, created = Pupil.objects.get_or_create(school=school, student_number=number, defaults={
                "first_name": first, "last_name": last, "date_of_birth": born, "group": group})
            if created:
                Guardian.objects.bulk_create([
                    Guardian(pupil=pupil, name=name, relation=relation, has_authority=authority,
                             phone="06-12345678", email=f"{name.split()[0].lower()}@example.org")
                    for name, relation, authority in guardians])

    def _social_map(self, school):
        from socialmap.models import Organisation, PhoneNumber

        if Organisation.objects.filter(school=school).exists():
            return
        entries = [
            ("Politie alarmnummer", "police", "", "112", "bij noodsituaties", True),
            ("Veilig Thuis Drenthe", "veilig_thuis", "Klompmakerstraat 2, 9403 VL Assen", "088-2460244",
             "ma-vr 8.30-17.00; buiten kantoortijd 0800-2000", True),
            ("Crisisdienst jeugd", "crisis", "", "0522-279946", "24 uur per dag", True),
            ("Centrum voor Jeugd en Gezin", "cjg", "", "0528-233049", "", False),
            ("Schoolmaatschappelijk werk", "social_work", "Beukemaplein 64, 7906 AK Hoogeveen", "0528-230388", "",
             False),
        ]
        for name, kind, address, phone, note, emergency in entries:
            org = Organisation.objects.create(school=school, name=name, kind=kind, address=address,
                                              on_emergency_sheet=emergency)
            PhoneNumber.objects.create(organisation=org, number=phone, note=note, position=0)

    def _entry(self, case, kind, author, when, content, facts=None):
        from cases.journal import plan_tasks
        from cases.models import Entry, record_entry

        entry = Entry.objects.create(case=case, kind=kind, author=author, occurred_at=when, content=content,
                                     facts=facts or {})
        record_entry(entry, when=when)
        plan_tasks(entry)
        return entry

    def _open_case(self, school_slug, pupil_number, opener_role, opened_at):
        from cases.models import Case, CaseMember

        school = School.objects.get(slug=school_slug)
        pupil = Pupil.objects.get(school=school, student_number=pupil_number)
        if Case.objects.filter(pupil=pupil).exists():
            return None, None
        from protocol.models import current_version

        spec = next(s for s in SCHOOLS if s["slug"] == school_slug)
        opener = User.objects.get(email=email_for(opener_role, spec))
        ib = User.objects.get(email=email_for(Role.IB, spec))
        case = Case.objects.create(school=school, pupil=pupil, meldcode_version=current_version(school),
                                   opened_by=opener, opened_at=opened_at, coordinator=ib)
        CaseMember.objects.bulk_create([CaseMember(case=case, user=opener, added_by=opener),
                                        CaseMember(case=case, user=ib, added_by=opener)])
        return case, {"opener": opener, "ib": ib}

    def _sanne_case(self):
        from cases.models import CaseSibling, Signature

        now = timezone.now()
        start = now - timedelta(days=20)
        monday = (start - timedelta(days=start.weekday())).replace(hour=8, minute=40, second=0, microsecond=0)
        case, people = self._open_case("de-sprong", "1001", Role.LEERKRACHT, monday + timedelta(hours=2))
        if case is None:
            return
        teacher, ib = people["opener"], people["ib"]
        CaseSibling.objects.create(case=case, pupil=Pupil.objects.get(school=case.school, student_number="1002"),
                                   role="broertje, zit in groep 2")
        self._entry(case, "signal", teacher, monday, {
            "place": "Klaslokaal groep 5", "situation": "Bij binnenkomst, tijdens het ophangen van de jassen.",
            "others_present": "Klasgenoten", "observation": SANNE_SIGNAL, "source": "", "categories": ["lichamelijk_letsel"],
            "direction": "unclear"}, {"is_hypothesis": False, "has_source": False})
        self._entry(case, "signal", teacher, monday + timedelta(days=3, hours=4), {
            "place": "Schoolplein", "situation": "Buitenspelen na de lunch.", "others_present": "Pleinwacht",
            "observation": "Sanne speelde niet mee en schrok toen een andere leerling haar arm aanraakte. "
                           "Hypothese: de blauwe plek is niet door een val ontstaan.",
            "source": "", "categories": ["lichamelijk_letsel", "gedrag"], "direction": "confirms"},
            {"is_hypothesis": True, "has_source": False})
        self._entry(case, "consultation", teacher, monday + timedelta(days=4), {
            "colleague_role": "ib", "contact_person": "Ingrid Bakker",
            "question": "Ik zag een blauwe plek en een schrikreactie bij Sanne. Herken jij dit?",
            "advice": "Blijf observeren en leg alles feitelijk vast; ik vraag Veilig Thuis om advies."},
            {"with": "colleague", "anonymous": False})
        self._entry(case, "consultation", ib, monday + timedelta(days=5), {
            "colleague_role": "", "contact_person": "Consulent Veilig Thuis Drenthe",
            "question": "Zorgen over een blauwe plek en schrikreactie; wat is wijsheid?",
            "advice": "Signalen goed blijven vastleggen en binnenkort een gesprek met de ouders voeren, samen met de IB."},
            {"with": "veilig_thuis", "anonymous": True})
        # Consent as the form records it: the guardians chosen from the pupil's list, with their gezag then.
        guardians = list(case.pupil.guardians.order_by("pk"))
        mother = next(g for g in guardians if g.name == "Marieke de Vries")
        self._entry(case, "consent", ib, monday + timedelta(days=6), {
            "guardians": [f"{mother.name} ({mother.relation}, heeft gezag)"],
            "scope": "Sanne met naam bespreken in het zorgteam", "signed_in_app": True, "notes": ""},
            {"status": "given", "guardians": [mother.pk], "guardians_with_authority": [mother.pk],
             "authority_holders": [g.pk for g in guardians if g.has_authority]})
        conversation = self._entry(case, "conversation", ib, monday + timedelta(days=8, hours=6), {
            "participants": "Marieke de Vries, moeder\nLotte Jansen, leerkracht\nIngrid Bakker, intern begeleider",
            "purpose_explained": "We delen onze zorg over Sanne en willen samen kijken hoe het met haar gaat.",
            "facts_presented": SANNE_SIGNAL + " Ook schrok zij op het plein toen haar arm werd aangeraakt.",
            "reaction": "Moeder vertelt dat Sanne thuis van de trap viel en dat het thuis onrustig is sinds vader "
                        "zijn baan verloor.",
            "interpretation": "We maken ons zorgen over de spanning thuis.",
            "objections": "", "agreements": "Over twee weken opnieuw in gesprek; moeder neemt contact op met het CJG."},
            {"purpose": "parent", "roles_present": ["leerkracht", "ib"], "child_present": False})
        for participant, user in (("Marieke de Vries", None), ("Lotte Jansen", teacher), ("Ingrid Bakker", ib)):
            Signature.objects.create(entry=conversation, participant=participant, user=user, recorded_by=ib,
                                     signed_at=conversation.occurred_at + timedelta(minutes=50))
        case.refresh_step()

    def _closed_case(self):
        from cases.models import Signature

        opened = timezone.now() - timedelta(days=120)
        case, people = self._open_case("de-regenboog", "2001", Role.LEERKRACHT, opened)
        if case is None:
            return
        teacher, ib = people["opener"], people["ib"]
        self._entry(case, "signal", teacher, opened, {
            "place": "Gymzaal", "situation": "Omkleden voor de gymles.", "others_present": "Vakleerkracht gym",
            "observation": "Emma had striemen op haar rug.", "source": "", "categories": ["lichamelijk_letsel"],
            "direction": "unclear"}, {"is_hypothesis": False, "has_source": False})
        self._entry(case, "consultation", ib, opened + timedelta(days=2), {
            "colleague_role": "directie", "contact_person": "", "question": "Striemen op de rug.",
            "advice": "Gesprek met moeder voeren."}, {"with": "colleague", "anonymous": False})
        self._entry(case, "conversation", ib, opened + timedelta(days=5), {
            "participants": "Sarah Willems, moeder\nHanneke Visser, intern begeleider",
            "purpose_explained": "Zorg delen over wat we zagen bij de gymles.",
            "facts_presented": "Striemen op de rug tijdens het omkleden.",
            "reaction": "Moeder toont een verslag van de huisarts: eczeem met krabsporen; Emma is in behandeling.",
            "interpretation": "De verklaring past bij wat we zagen.", "objections": "",
            "agreements": "Moeder houdt school op de hoogte van de behandeling."},
            {"purpose": "parent", "roles_present": ["ib"], "child_present": False})
        conversation = case.entries.get(kind="conversation")
        for participant, user in (("Sarah Willems", None), ("Hanneke Visser", ib)):
            Signature.objects.create(entry=conversation, participant=participant, user=user, recorded_by=ib,
                                     signed_at=conversation.occurred_at + timedelta(minutes=40))
        self._entry(case, "weighing", ib, opened + timedelta(days=8), {
            "consulted": "Directie", "instrument": "",
            "r_vermoeden": "Na het gesprek en de verklaring van de huisarts is er geen vermoeden meer."},
            {"answers": {"vermoeden": False}})
        self._entry(case, "closure", ib, opened + timedelta(days=9), {
            "explanation": "Het vermoeden van kindermishandeling is ongegrond: de striemen zijn krabsporen van "
                           "eczeem, bevestigd door de huisarts."}, {"reason": "unfounded"})

    def _print_accounts(self, accounts):
        out = self.stdout
        out.write("")
        # SITE_URL is the address the demo serves on: `make demo PORT=8123` sets it to http://127.0.0.1:8123.
        site = settings.SITE_URL.rstrip("/")
        out.write(self.style.SUCCESS(f"Demo klaar. Open {site} en log in met een van deze accounts."))
        out.write(f"Wachtwoord voor alle demo-accounts: {DEMO_PASSWORD}")
        out.write("Tweestapscode: voeg de geheime sleutel toe aan een authenticator-app, of vraag de huidige code op met")
        out.write("  .venv/bin/python manage.py demo_code E-MAILADRES")
        out.write("in een tweede terminal in deze map (in deze terminal draait de app).")
        out.write("")
        import base64

        for school, role, user in accounts:
            key = TOTPDevice.objects.get(user=user, name="Demo-authenticator").bin_key
            secret = base64.b32encode(key).decode().rstrip("=")
            out.write(f"  {school.name:<18} {Role(role).label:<42} {user.email:<38} {secret}")
        out.write("")
