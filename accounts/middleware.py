from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware as DjangoOTPMiddleware

from accounts import backends
from accounts.twofactor import confirmed_totp

# Paths a signed-in person may reach before completing the second factor.
OPEN_PREFIXES = ("/account/", "/healthz", "/static/", "/i18n/")


class RequireTwoFactorMiddleware:
    """Every signed-in account must pass two-factor authentication before it sees anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and not request.path.startswith(OPEN_PREFIXES):
            target = "accounts:verify" if confirmed_totp(user) else "accounts:setup_2fa"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class OTPMiddleware(DjangoOTPMiddleware):
    """django_otp's middleware, sharing one query for the user and the session's device (accounts.backends).

    The device found with the user is used only if it is the one the session names; django_otp's own
    `_finalize_device` then checks, as always, that it belongs to this user and is confirmed."""

    def _verify_user_sync(self, request, user):
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
        token = backends.session_device_pk.set(backends.totp_pk(persistent_id))
        try:
            authenticated = user.is_authenticated  # loads the user now (AuthenticationMiddleware's lazy object)
        finally:
            backends.session_device_pk.reset(token)
        self._init_user_fields(user)
        if authenticated:
            device = getattr(user, "_session_device", None)
            if device is None or device.pk != backends.totp_pk(persistent_id):
                device = self._device_from_persistent_id(persistent_id) if persistent_id else None
            user.otp_device = self._finalize_device(request, user, device)
        return user
