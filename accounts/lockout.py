"""Sign-in lockout on top of django-axes, built so that it cannot be used as a weapon.

django-axes counts wrong passwords per account (e-mail address, lowercased) and per address (IP), each on its
own (AXES_LOCKOUT_PARAMETERS). Reaching AXES_FAILURE_LIMIT locks that account or address for a cool-off that
lifts itself: AXES_COOLOFF_MINUTES the first time, twice as long for every further lock of the same account
or address within AXES_COOLOFF_MAX_HOURS, never longer than that. Attempts during a lock neither count nor
extend it. The person and the beheerders of their schools hear of every lock by e-mail, so a lock caused by
someone else is noticed, and a beheerder can lift it at once (schools.staff.unlock).

Only the pieces axes asks a project for live here: the cool-off callable, how to read the e-mail address and
the client's address, and what to do when axes signals a lock.
"""

from __future__ import annotations

from datetime import timedelta

from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog
from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _


def username(request, credentials) -> str | None:
    """AXES_USERNAME_CALLABLE: the e-mail address, lowercased, so that capitalisation variants are one account."""
    name = (credentials or {}).get("username")
    return name.strip().lower() if name else None


def client_ip(request) -> str:
    """AXES_CLIENT_IP_CALLABLE: the same address the audit trail records (and the same proxy trust)."""
    from audit.log import client_ip as audit_client_ip

    return audit_client_ip(request) or "0.0.0.0"  # noqa: S104 (a placeholder, not a bind address)


def _window() -> timedelta:
    return timedelta(hours=settings.AXES_COOLOFF_MAX_HOURS)


def duration(lock_number: int) -> timedelta:
    """How long the n-th lock (1, 2, ...) within the window lasts: doubling, capped at the maximum."""
    base = timedelta(minutes=settings.AXES_COOLOFF_MINUTES)
    return min(base * 2 ** min(max(0, lock_number - 1), 20), _window())


def locks_so_far(name: str | None, ip_address: str | None, *, now=None) -> int:
    """Locks of this account or this address within the window (the larger of the two counts)."""
    since = (now or timezone.now()) - _window()
    recent = AccessFailureLog.objects.filter(locked_out=True, attempt_time__gte=since)
    by_name = recent.filter(username=name).count() if name else 0
    by_address = recent.filter(ip_address=ip_address).count() if ip_address else 0
    return max(by_name, by_address)


def _name_in(request) -> str | None:
    credentials = getattr(request, "axes_credentials", None)
    if credentials:
        return username(request, credentials)
    email = request.POST.get("email") if request.method == "POST" else None
    if email:
        return email.strip().lower()
    user = getattr(request, "user", None)
    return user.email.lower() if user is not None and user.is_authenticated else None


def cool_off(request=None) -> timedelta:
    """AXES_COOLOFF_TIME: the length of the lock that holds now (or the first one, when there is none)."""
    if request is None:
        return duration(1)
    return duration(max(1, locks_so_far(_name_in(request), getattr(request, "axes_ip_address", None))))


def account_locked_until(email: str):
    """When the account's lock lifts, or None when it is not locked (a lock of its address aside)."""
    now = timezone.now()
    attempts = AccessAttempt.objects.filter(username=email.lower(), expiration__expires_at__gt=now)
    failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
    if failures < settings.AXES_FAILURE_LIMIT:
        return None
    return max(attempts.values_list("expiration__expires_at", flat=True))


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    """axes' user_locked_out signal. Sent on the failure that locks, and on every attempt during a lock: only
    the first sets axes_failures_since_start, and only that one lengthens the lock and tells people."""
    if request is None or getattr(request, "axes_failures_since_start", None) is None:
        return
    name = username.lower() if username else None
    lock_number = locks_so_far(name, ip_address) + 1  # axes logs this lock just after the signal
    until = request.axes_attempt_time + duration(lock_number)
    AccessAttemptExpiration.objects.filter(
        Q(access_attempt__username=name) | Q(access_attempt__ip_address=ip_address), expires_at__lt=until,
    ).update(expires_at=until)
    from accounts.models import User
    from audit.log import record

    user = User.objects.filter(email=name, is_active=True).first() if name else None
    account_locked = user is not None and account_locked_until(user.email) is not None
    record("auth.locked_out", request=request, object_repr=user.email if account_locked else "",
           details={"account": account_locked, "minutes": int(duration(lock_number).total_seconds() // 60)})
    if account_locked:
        notify_of_lock(user, until)


def notify_of_lock(user, until) -> None:
    """The person, and the functioneel beheerders of their schools, hear of the lock (no address, no password)."""
    from accounts.models import User
    from accounts.roles import Role

    when = timezone.localtime(until).strftime("%d-%m-%Y %H:%M")
    body = _("Het Meldcode-account van %(name)s (%(email)s) is na te veel verkeerde wachtwoorden geblokkeerd "
             "tot %(until)s. Daarna gaat het vanzelf weer open; een functioneel beheerder kan het eerder "
             "ontgrendelen.\n\nWas dit niet %(name)s zelf, dan probeert iemand anders in te loggen. Meld dit bij "
             "de functioneel beheerder of de functionaris gegevensbescherming.") % {
        "name": user.full_name or user.email, "email": user.email, "until": when}
    subject = _("Meldcode: account tijdelijk geblokkeerd")
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    beheerders = (User.objects.filter(memberships__role=Role.BEHEER, is_active=True,
                                      memberships__school__memberships__user=user)
                  .exclude(pk=user.pk).values_list("email", flat=True).distinct())
    for address in beheerders:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
