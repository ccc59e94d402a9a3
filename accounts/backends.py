"""Django's model backend, with the session's second-factor device loaded in the same query as the user.

Every signed-in request needs the user and the authenticator device that verified the session (django_otp
checks it still exists, is confirmed and belongs to the user). `accounts.middleware.OTPMiddleware` tells this
backend which device the session names; the backend then loads the device together with its user in one
query. The checks stay Django's and django_otp's own: `django.contrib.auth.get_user` still verifies the
session hash and `user_can_authenticate`, and django_otp still binds the device to the user and requires it
to be confirmed. Without a device in the session (signing in, setting up 2FA), this is Django's ModelBackend.
"""

from contextvars import ContextVar

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

# The primary key of the TOTP device the current request's session names (None: none, or not a TOTP device).
session_device_pk: ContextVar[int | None] = ContextVar("meldcode_session_device_pk", default=None)

TOTP_PREFIX = "otp_totp.totpdevice/"


def totp_pk(persistent_id) -> int | None:
    """The device's primary key from django_otp's persistent id ("otp_totp.totpdevice/12"), if it is one."""
    if not isinstance(persistent_id, str) or not persistent_id.startswith(TOTP_PREFIX):
        return None
    try:
        return int(persistent_id[len(TOTP_PREFIX):])
    except ValueError:
        return None


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id):
        device_pk = session_device_pk.get()
        if device_pk is not None:
            from django_otp.plugins.otp_totp.models import TOTPDevice

            device = TOTPDevice.objects.select_related("user").filter(pk=device_pk, user_id=user_id).first()
            if device is not None:
                user = device.user
                user._session_device = device
                return user if self.user_can_authenticate(user) else None
        return super().get_user(user_id)
