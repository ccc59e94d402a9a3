from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

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
