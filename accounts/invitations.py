"""Links by e-mail with which a person chooses a password: an invitation to a new account, or a forgotten password.

Both use Django's password-reset token (default_token_generator): it is valid for PASSWORD_RESET_TIMEOUT seconds
and only once, because it hashes the password and the last sign-in, which change as soon as it is used. Every
absolute link comes from SITE_URL.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.models import User


def absolute(path: str) -> str:
    """An address for outside the browser (e-mails, printed output): SITE_URL plus the path."""
    return settings.SITE_URL.rstrip("/") + path


def valid_hours() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)


def password_link(user: User) -> str:
    """A link to choose a password, valid once and for PASSWORD_RESET_TIMEOUT."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return absolute(reverse("accounts:set_password", args=[uid, token]))


def send_invitation(user: User, school, role_label: str) -> None:
    """The first e-mail to someone with a new role: a link to choose a password, or, when they already have one,
    only the news and where to sign in."""
    context = {"user": user, "school": school, "role": role_label, "hours": valid_hours(),
               "link": password_link(user) if not user.has_usable_password() else None,
               "login": absolute(reverse("accounts:login"))}
    send_mail(_("Uitnodiging voor Meldcode: %(school)s") % {"school": school.name},
              render_to_string("accounts/email/invitation.txt", context), settings.DEFAULT_FROM_EMAIL, [user.email])


def account_for_reset(email: str) -> User | None:
    """The account a forgotten-password request is about: active, and either with a role somewhere or an
    installation administrator. Accounts created by an import have no usable password yet; they may ask too."""
    user = User.objects.filter(email=(email or "").strip().lower(), is_active=True).first()
    if user is None or not (user.is_superuser or user.memberships.exists()):
        return None
    return user


@task()
def send_password_reset(user_id: int) -> bool:
    """Runs on the task worker, so that the request takes as long for a known address as for an unknown one."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    context = {"user": user, "link": password_link(user), "hours": valid_hours(),
               "forgot": absolute(reverse("accounts:password_reset"))}
    send_mail(_("Meldcode: nieuw wachtwoord kiezen"), render_to_string("accounts/email/password_reset.txt", context),
              settings.DEFAULT_FROM_EMAIL, [user.email])
    return True
