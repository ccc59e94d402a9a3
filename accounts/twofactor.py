"""Two-factor authentication on top of django-otp: TOTP apps plus single-use recovery codes."""

import base64
import secrets

import segno
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10


def confirmed_totp(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_totp(user) -> TOTPDevice:
    """The unconfirmed authenticator being set up; created on first use so a reload keeps the same secret."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator-app", confirmed=False)
    return device


def base32_secret(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth URL as an inline SVG (no external image request, no script)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, title="QR-code voor de authenticator-app")


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with fresh ones; the plain codes are shown once."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Herstelcodes", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def find_device_for_token(user, token: str, *, app_only: bool = False):
    """The device (authenticator or recovery code) that accepts this token, or None. `app_only`: the authenticator
    only (re-authentication: a recovery code is for a lost phone at sign-in, not to be spent on an export).

    django-otp's devices throttle repeated failures themselves, so guessing is slowed down.
    """
    token = token.strip().replace(" ", "")
    if not token:
        return None
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_is_allowed()[0] and device.verify_token(token):
            return device
    if app_only:
        return None
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        if device.verify_is_allowed()[0] and device.verify_token(token):
            return device
    return None
