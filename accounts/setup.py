"""Setting up a new board and school and inviting its first directie or functioneel beheerder.

Used by the `create_board` and `create_school` commands and by the set-up page of an installation administrator,
so both behave the same. Each step is idempotent: doing it again changes nothing and says so. Account changes go
through schools.staff (check_account_change, grant_role) as an installation administrator.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.invitations import send_invitation
from accounts.models import User
from accounts.roles import Role
from schools import staff
from schools.events import record
from schools.models import Board, School

# The roles with which a new school starts: the directie (adopts the meldcode, names the IB) or the functioneel
# beheerder (invites the staff). Both can invite the rest.
FIRST_ROLES = (Role.DIRECTIE, Role.BEHEER)


class SetupRefused(Exception):
    """A set-up step that cannot be done as asked; the message says why, in Dutch."""


@dataclass
class Invitation:
    user: User
    account_created: bool
    role_added: bool
    sent: bool


def _installation_actor(actor):
    """The actor for the account gate: None, as for the admin site and commands. Only an installation
    administrator (superuser) may act here at all; anyone else is refused before anything happens."""
    if actor is not None and not (actor.is_active and actor.is_superuser):
        raise PermissionDenied
    return None


def create_board(name: str, *, slug: str = "", actor=None, request=None) -> tuple[Board, bool]:
    """The board with this slug (made from the name when not given); created when it does not exist yet."""
    _installation_actor(actor)
    name = (name or "").strip()
    slug = slugify(slug or name)
    if not name or not slug:
        raise SetupRefused(_("Geef het schoolbestuur een naam."))
    board = Board.objects.filter(slug=slug).first()
    if board is not None:
        return board, False
    board = Board.objects.create(name=name, slug=slug)
    record("setup.board_created", actor=actor, request=request, object_repr=board.name,
            details={"board": board.pk, "slug": board.slug})
    return board, True


def create_school(board: Board, name: str, *, brin: str, slug: str = "", address: str = "", phone: str = "",
                  actor=None, request=None) -> tuple[School, bool]:
    """The school with this slug; created under `board` when it does not exist yet. A school that exists under
    another board, or a BRIN number already in use by another school, is refused."""
    _installation_actor(actor)
    name, brin = (name or "").strip(), (brin or "").strip().upper()
    slug = slugify(slug or name)
    if not name or not slug:
        raise SetupRefused(_("Geef de school een naam."))
    school = School.objects.filter(slug=slug).select_related("board").first()
    if school is not None:
        if school.board_id != board.pk:
            raise SetupRefused(_("Er is al een school '%(slug)s' bij een ander schoolbestuur (%(board)s).")
                               % {"slug": slug, "board": school.board.name})
        if brin and school.brin != brin:
            raise SetupRefused(_("School '%(slug)s' bestaat al met BRIN-nummer %(brin)s; er is niets gewijzigd.")
                               % {"slug": slug, "brin": school.brin})
        return school, False
    if not brin or len(brin) > 6:
        raise SetupRefused(_("Geef het BRIN-nummer van de school (vier tekens, bijv. 12AB)."))
    other = School.objects.filter(brin=brin).first()
    if other is not None:
        raise SetupRefused(_("BRIN-nummer %(brin)s hoort al bij %(school)s.") % {"brin": brin, "school": other.name})
    school = School.objects.create(board=board, name=name, slug=slug, brin=brin, address=address.strip(),
                                   phone=phone.strip())
    record("setup.school_created", actor=actor, request=request, school=school, object_repr=school.name,
            details={"school": school.pk, "board": board.pk, "brin": brin})
    return school, True


def invite(school: School, *, email: str, full_name: str, role: str, resend: bool = False, actor=None,
           request=None) -> Invitation:
    """Give the person `role` at the school (a new account when the address is new) and e-mail them.

    The e-mail goes when the role is new, or when `resend` is asked (e.g. the first link expired); otherwise
    nothing changes. A new account has no password: the invitation's link lets them choose one, after which they
    set up their authenticator app at first sign-in.
    """
    gate_actor = _installation_actor(actor)
    if role not in FIRST_ROLES:
        raise SetupRefused(_("Nodig als eerste iemand uit met de rol directie of functioneel beheerder."))
    email = User.objects.normalize_email((email or "").strip()).lower()
    if not email or "@" not in email:
        raise SetupRefused(_("Geef een geldig e-mailadres."))
    with transaction.atomic():
        user = User.objects.filter(email=email).first()
        staff.check_account_change(school, user, staff.ADD_ROLE, actor=gate_actor, request=request)
        created = user is None
        if created:
            if not (full_name or "").strip():
                raise SetupRefused(_("Geef de naam van de nieuwe medewerker (--name)."))
            user = User(email=email, full_name=full_name.strip())
            user.set_unusable_password()
            user.save()
        outcome = staff.grant_role(school, user, role, actor=gate_actor, request=request)
        added = outcome == staff.ADDED
        sent = added or resend
        if sent:
            send_invitation(user, school, Role(role).label)
            record("auth.invitation_sent", actor=actor, request=request, school=school, object_repr=str(user),
                    details={"user": user.pk, "role": role, "new_account": created})
    return Invitation(user=user, account_created=created, role_added=added, sent=sent)


def first_people() -> dict[int, list[dict]]:
    """Per school: its directie and functioneel beheerders, and whether each has chosen a password yet."""
    from accounts.models import Membership

    people: dict[int, list[dict]] = {}
    for membership in (Membership.objects.filter(role__in=FIRST_ROLES).select_related("user")
                       .order_by("user__full_name")):
        people.setdefault(membership.school_id, []).append({
            "user": membership.user, "role": membership.get_role_display(),
            "active": membership.user.has_usable_password()})
    return people


# Who can fix each item of the checklist (the page it links to admits them).
FIXERS = {
    "meldcode": (Role.IB, Role.DIRECTIE, Role.BESTUUR),
    "ib": (Role.BEHEER,),
    "socialmap": (Role.IB, Role.DIRECTIE),
    "pupils": (Role.IB, Role.BEHEER),
    "staff": (Role.BEHEER,),
    "training": (Role.IB, Role.DIRECTIE, Role.BEHEER),
}


def checklist(school: School, viewer_roles=()) -> list[dict]:
    """What a new school still lacks, in the order a school would do it, each with where to fix it (when the
    viewer may go there) or who can."""
    from django.urls import reverse

    from accounts.models import Membership
    from documents.evaluation import due_for_refresher
    from protocol.models import current_version
    from socialmap.models import Organisation

    roles = set(Membership.objects.filter(school=school).values_list("role", flat=True))
    teachers = Role.LEERKRACHT in roles
    slug = school.slug
    items = [
        ("meldcode", current_version(school) is not None, _("Meldcode vastgesteld"),
         reverse("protocol:versions", args=[slug])),
        ("ib", Role.IB in roles, _("Aandachtsfunctionaris / intern begeleider aangewezen"),
         reverse("schools:staff", args=[slug])),
        ("socialmap", Organisation.objects.for_school(school).exists(), _("Sociale kaart ingevuld"),
         reverse("socialmap:list", args=[slug])),
        ("pupils", school.pupils.exists(), _("Leerlingen geïmporteerd"), reverse("schools:import_pupils", args=[slug])),
        ("staff", teachers, _("Medewerkers uitgenodigd"), reverse("schools:import_staff", args=[slug])),
        ("training", teachers and not due_for_refresher(school).exists(), _("Medewerkers geschoold in de meldcode"),
         reverse("documents:training", args=[slug])),
    ]
    fixer_labels = {role: Role(role).label for role in Role.values}
    return [{"key": key, "done": done, "label": label,
             "url": url if set(viewer_roles) & set(FIXERS[key]) else None,
             "who": ", ".join(str(fixer_labels[role]).lower() for role in FIXERS[key])}
            for key, done, label, url in items]
