"""Managing the staff of a school: roles, locked accounts and two-factor resets. Every change is audited."""

from __future__ import annotations

from dataclasses import dataclass, field

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Membership, PendingRole, User
from accounts.roles import Role
from schools.events import record


class StaffChangeRefused(Exception):
    """A change staff management may not make; the message says why, in Dutch."""


# What staff management may do to an account. Every one of them goes through `check_account_change`.
ADD_ROLE, REMOVE_ROLE, CONFIRM_ROLE, RESET_2FA, UNLOCK, PASSWORD_LINK, IMPORT = (
    "add_role", "remove_role", "confirm_role", "reset_2fa", "unlock", "password_link", "import")
ACCOUNT_ACTIONS = (ADD_ROLE, REMOVE_ROLE, CONFIRM_ROLE, RESET_2FA, UNLOCK, PASSWORD_LINK, IMPORT)


def boards_of(user: User) -> set[int]:
    """The boards whose schools give (or are asked to give) this person a role."""
    held = set(Membership.objects.filter(user=user).values_list("school__board_id", flat=True))
    return held | set(PendingRole.objects.filter(user=user).values_list("school__board_id", flat=True))


def check_account_change(school, user: User | None, action: str, *, actor, request=None) -> None:
    """The one gate for every change to a person's roles, password or second factor through staff management.

    Refuses (raises StaffChangeRefused, and audits the refusal) when
    - the actor does not hold the role that may make this change at the school (beheer; directie to confirm);
    - the actor is the person: nobody changes their own roles or second factor here, so managing accounts
      can never become a way into dossiers or around the second factor;
    - the person also belongs to another board, or is an installation account: a beheerder of one board
      must not take over (or pull in) an account of another; only an installation administrator (the admin
      site or a management command, `actor` None) manages those.
    `user` None: a new account (an e-mail address nobody has yet), which only the first rule concerns.
    """
    if actor is None:
        return
    reason = _refusal(school, user, action, actor)
    if reason is None:
        return
    record("staff.change_refused", actor=actor, request=request, school=school,
           object_repr=str(user) if user is not None else "",
           details={"user": getattr(user, "pk", None), "change": action})
    raise StaffChangeRefused(reason)


def _refusal(school, user, action, actor) -> str | None:
    needed = Role.DIRECTIE if action == CONFIRM_ROLE else Role.BEHEER
    if not Membership.objects.filter(user=actor, school=school, role=needed).exists():
        return _("U mag deze wijziging op deze school niet doen.")
    if user is None:
        return None
    if user.pk == actor.pk:
        return _("Uw eigen rollen, wachtwoord en tweestapsverificatie wijzigt u niet via medewerkerbeheer. "
                 "Vraag een andere functioneel beheerder.")
    if user.is_superuser or user.is_staff or boards_of(user) - {school.board_id}:
        return _("Dit account hoort (ook) bij een ander schoolbestuur of bij het beheer van de installatie. "
                 "Alleen een beheerder van de installatie kan het wijzigen.")
    return None


# Roles that read dossiers or their metadata. Given by someone without the directie role at the school (the
# functioneel beheerder), they wait for a member of the directie to confirm them: four eyes on every new way in.
CONFIRMED_ROLES = frozenset({Role.IB, Role.AANDACHTSFUNCTIONARIS, Role.DIRECTIE, Role.BESTUUR, Role.PRIVACY})

ADDED, PENDING, EXISTS = "added", "pending", "exists"


@dataclass
class StaffMember:
    user: User
    memberships: list[Membership] = field(default_factory=list)
    pending: list[PendingRole] = field(default_factory=list)
    locked: bool = False
    has_two_factor: bool = False

    @property
    def roles(self) -> set[str]:
        return {membership.role for membership in self.memberships} | {request.role for request in self.pending}

    @property
    def missing_roles(self) -> list[tuple[str, str]]:
        return [(value, label) for value, label in Role.choices if value not in self.roles]


def locked_emails(emails) -> set[str]:
    """Which of these accounts django-axes holds locked now (failures per e-mail address, not yet expired)."""
    from django.utils import timezone

    totals = (AccessAttempt.objects.filter(username__in=[email.lower() for email in emails],
                                           expiration__expires_at__gt=timezone.now())
              .values("username").annotate(failures=Sum("failures_since_start")))
    return {row["username"] for row in totals if row["failures"] >= settings.AXES_FAILURE_LIMIT}


def is_locked(user: User) -> bool:
    return user.email.lower() in locked_emails([user.email])


def staff_of(school) -> list[StaffMember]:
    """Everyone with a role at the school, with their roles, lock and 2FA state, in a fixed number of queries."""
    members: dict[int, StaffMember] = {}
    for membership in (Membership.objects.filter(school=school).select_related("user")
                       .order_by("user__full_name", "user__email", "role")):
        members.setdefault(membership.user_id, StaffMember(membership.user)).memberships.append(membership)
    for request in PendingRole.objects.filter(school=school).select_related("user"):
        members.setdefault(request.user_id, StaffMember(request.user)).pending.append(request)
    locked = locked_emails(member.user.email for member in members.values())
    enrolled = set(TOTPDevice.objects.filter(user_id__in=members, confirmed=True).values_list("user_id", flat=True))
    for user_id, member in members.items():
        member.locked = member.user.email.lower() in locked
        member.has_two_factor = user_id in enrolled
    return sorted(members.values(), key=lambda member: (member.user.full_name, member.user.email))


def member_of(school, user_id) -> User | None:
    """The staff member with this id, only when they hold a role at this school."""
    return User.objects.filter(pk=user_id, memberships__school=school).distinct().first()


def needs_confirmation(school, role: str, actor) -> bool:
    """Whether this grant waits for the directie. Commands and the demo (no actor) grant directly."""
    if role not in CONFIRMED_ROLES or actor is None:
        return False
    return not Membership.objects.filter(user=actor, school=school, role=Role.DIRECTIE).exists()


def grant_role(school, user: User, role: str, *, actor, request=None) -> str:
    """Give `user` a role at the school, or ask the directie to confirm it; ADDED, PENDING or EXISTS."""
    if Membership.objects.filter(user=user, school=school, role=role).exists():
        return EXISTS
    if needs_confirmation(school, role, actor):
        _pending, created = PendingRole.objects.get_or_create(user=user, school=school, role=role,
                                                              defaults={"requested_by": actor})
        if created:
            record("staff.role_requested", actor=actor, request=request, school=school, object_repr=str(user),
                   details={"user": user.pk, "role": role})
        return PENDING
    _membership, created = Membership.objects.get_or_create(user=user, school=school, role=role)
    PendingRole.objects.filter(user=user, school=school, role=role).delete()
    if created:
        record("staff.role_added", actor=actor, request=request, school=school, object_repr=str(user),
               details={"user": user.pk, "role": role})
    return ADDED if created else EXISTS


def add_role(school, user: User, role: str, *, actor, request=None) -> str:
    """A role added on the staff page; refuses roles one would give oneself."""
    if role not in Role.values:
        raise StaffChangeRefused(_("Deze rol bestaat niet."))
    check_account_change(school, user, ADD_ROLE, actor=actor, request=request)
    return grant_role(school, user, role, actor=actor, request=request)


def notify_directie_of_pending_roles(school) -> int:
    """One e-mail to each member of the directie: there are roles waiting for them (who and which, no more)."""
    waiting = list(PendingRole.objects.filter(school=school).select_related("user"))
    if not waiting:
        return 0
    link = settings.SITE_URL.rstrip("/") + reverse("schools:role_requests", args=[school.slug])
    lines = "\n".join(f"- {request.user.full_name} ({request.user.email}): {request.get_role_display()}"
                      for request in waiting)
    body = _("In Meldcode wachten rollen op uw bevestiging voor %(school)s:\n\n%(lines)s\n\n"
             "Een rol gaat pas in als iemand van de directie haar bevestigt:\n%(link)s") % {
        "school": school.name, "lines": lines, "link": link}
    recipients = list(User.objects.filter(memberships__school=school, memberships__role=Role.DIRECTIE,
                                          is_active=True).values_list("email", flat=True).distinct())
    for address in recipients:
        send_mail(_("Meldcode: rollen wachten op uw bevestiging"), body, settings.DEFAULT_FROM_EMAIL, [address])
    return len(recipients)


def decide_role(school, pending: PendingRole, *, confirm: bool, actor, request=None) -> None:
    """The directie confirms (the role takes effect) or refuses (it is dropped) a waiting role."""
    if pending.school_id != school.pk:
        raise StaffChangeRefused(_("Deze rol hoort niet bij deze school."))
    if pending.user_id == actor.pk:
        record("staff.change_refused", actor=actor, request=request, school=school, object_repr=str(pending.user),
               details={"user": pending.user_id, "change": CONFIRM_ROLE})
        raise StaffChangeRefused(_("Een rol voor uzelf bevestigt een andere collega van de directie."))
    check_account_change(school, pending.user, CONFIRM_ROLE, actor=actor, request=request)
    with transaction.atomic():
        if confirm:
            Membership.objects.get_or_create(user=pending.user, school=school, role=pending.role)
        pending.delete()
    record("staff.role_confirmed" if confirm else "staff.role_refused", actor=actor, request=request, school=school,
           object_repr=str(pending.user),
           details={"user": pending.user_id, "role": pending.role, "requested_by": pending.requested_by_id})


def remove_role(school, membership: Membership, *, actor, request=None) -> None:
    """Take one role away. The last functioneel beheerder keeps theirs, or nobody could manage the school."""
    if membership.school_id != school.pk:
        raise StaffChangeRefused(_("Deze rol hoort niet bij deze school."))
    check_account_change(school, membership.user, REMOVE_ROLE, actor=actor, request=request)
    with transaction.atomic():
        if membership.role == Role.BEHEER and not Membership.objects.filter(
                school=school, role=Role.BEHEER).exclude(pk=membership.pk).select_for_update().exists():
            raise StaffChangeRefused(_("Dit is de laatste functioneel beheerder van de school. "
                                       "Geef eerst iemand anders deze rol."))
        user, role = membership.user, membership.role
        membership.delete()
    record("staff.role_removed", actor=actor, request=request, school=school, object_repr=str(user),
           details={"user": user.pk, "role": role})


def unlock(school, user: User, *, actor, request=None) -> int:
    """Lift a django-axes lock after repeated wrong passwords; returns how many attempt records were cleared."""
    check_account_change(school, user, UNLOCK, actor=actor, request=request)
    cleared = axes_reset(username=user.email.lower())
    record("staff.unlocked", actor=actor, request=request, school=school, object_repr=str(user),
           details={"user": user.pk, "cleared": cleared})
    return cleared


def reset_two_factor(school, user: User, *, actor, request=None) -> int:
    """Delete all of the person's second-factor devices (app and recovery codes); they enrol again at sign-in.

    Sessions verified with a deleted device lose their verification, so an open session must re-enrol too.
    """
    check_account_change(school, user, RESET_2FA, actor=actor, request=request)
    devices = list(devices_for_user(user, confirmed=None))
    for device in devices:
        device.delete()
    record("staff.two_factor_reset", actor=actor, request=request, school=school, object_repr=str(user),
           details={"user": user.pk, "devices": len(devices)})
    return len(devices)


def add_staff_member(school, *, full_name, email, role, job_title="", actor, request=None) -> tuple[User, str]:
    """Add one person by hand: the same rules as a one-row staff import (new accounts get no password)."""
    from schools.imports import ParsedImport, save_staff

    row = {"row": 2, "full_name": full_name, "email": email.strip().lower(), "role": role, "job_title": job_title}
    summary = save_staff(school, ParsedImport(kind="staff", rows=[row]), actor=actor, request=request)
    outcome = PENDING if summary.pending else (ADDED if summary.roles_added else EXISTS)
    return User.objects.get(email=row["email"]), outcome


def password_link(user: User) -> str:
    """A single-use link with which the person chooses a password, then sets up the second factor."""
    from accounts.invitations import password_link as link

    return link(user)


def send_password_link(school, user: User, *, actor, request=None) -> None:
    """E-mail the person a link to choose a password: for new accounts, and for a forgotten password."""
    check_account_change(school, user, PASSWORD_LINK, actor=actor, request=request)
    context = {"user": user, "school": school, "actor": actor, "link": password_link(user),
               "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)}
    subject = _("Kies uw wachtwoord voor Meldcode")
    send_mail(subject, render_to_string("schools/email/password_link.txt", context),
              settings.DEFAULT_FROM_EMAIL, [user.email])
    record("staff.password_link_sent", actor=actor, request=request, school=school, object_repr=str(user),
           details={"user": user.pk})
