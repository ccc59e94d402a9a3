from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from accounts import twofactor
from accounts.forms import LoginForm, ReauthForm, TokenForm
from accounts.reauth import mark_reauthenticated


def _safe_next(request, default="/"):
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _audit(action, request, **kwargs):
    from audit.log import record  # imported late: the audit app registers signals of its own

    record(action, request=request, **kwargs)


@sensitive_post_parameters("password")
@never_cache
def login(request):
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(_safe_next(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, username=form.cleaned_data["email"].lower(), password=form.cleaned_data["password"])
        if user is None:
            if getattr(request, "axes_locked_out", False):
                return locked_out(request)
            form.add_error(None, _("Deze combinatie van e-mailadres en wachtwoord kennen we niet."))
        else:
            auth_login(request, user)
            step = "accounts:verify" if twofactor.confirmed_totp(user) else "accounts:setup_2fa"
            return redirect(f"{reverse(step)}?{urlencode({'next': _safe_next(request)})}")
    return render(request, "accounts/login.html", {"form": form, "next": _safe_next(request)}, status=400 if form.errors else 200)


def locked_out(request, credentials=None, *args, **kwargs):
    """Shown while django-axes holds the account or the address locked; the lock lifts itself (accounts.lockout)."""
    from accounts.lockout import cool_off

    minutes = max(1, int(cool_off(request).total_seconds() // 60))
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


@login_required
@never_cache
def verify(request):
    user = request.user
    if user.is_verified():
        return redirect(_safe_next(request))
    if not twofactor.confirmed_totp(user):
        return redirect("accounts:setup_2fa")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = twofactor.find_device_for_token(user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            # A new session key once both factors are in: a key planted before sign-in is worth nothing.
            request.session.cycle_key()
            _audit("auth.2fa", request, details={"device": device.__class__.__name__})
            return redirect(_safe_next(request))
        _audit("auth.2fa_failed", request)
        form.add_error("token", _("Deze code klopt niet of is verlopen. Probeer de nieuwste code."))
    return render(request, "accounts/verify.html", {"form": form, "next": _safe_next(request)},
                  status=400 if form.errors else 200)


@login_required
@never_cache
def setup_2fa(request):
    user = request.user
    if twofactor.confirmed_totp(user):
        return redirect("accounts:verify")
    device = twofactor.pending_totp(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            request.session.cycle_key()
            codes = twofactor.new_recovery_codes(user)
            _audit("auth.2fa_enrolled", request)
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": _safe_next(request)})
        form.add_error("token", _("Deze code klopt niet. Controleer de tijd op uw telefoon en probeer de nieuwste code."))
    context = {"form": form, "qr": twofactor.qr_svg(device), "secret": twofactor.base32_secret(device),
               "next": _safe_next(request)}
    return render(request, "accounts/setup_2fa.html", context, status=400 if form.errors else 200)


@sensitive_post_parameters("password")
@login_required
@never_cache
def reauth(request):
    form = ReauthForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Through authenticate(), so django-axes counts wrong passwords here as at sign-in.
        password_ok = authenticate(request, username=request.user.email,
                                   password=form.cleaned_data["password"]) is not None
        if not password_ok and getattr(request, "axes_locked_out", False):
            auth_logout(request)
            return locked_out(request)
        device = (twofactor.find_device_for_token(request.user, form.cleaned_data["token"], app_only=True)
                  if password_ok else None)
        if device is not None:
            mark_reauthenticated(request)
            _audit("auth.reauth", request)
            return redirect(_safe_next(request))
        _audit("auth.reauth_failed", request)
        form.add_error(None, _("Het wachtwoord klopt niet, of de code is al gebruikt of verlopen. "
                               "Wacht op de volgende code in uw app en probeer het opnieuw."))
    return render(request, "accounts/reauth.html", {"form": form, "next": _safe_next(request)},
                  status=400 if form.errors else 200)


@require_POST
def logout(request):
    auth_logout(request)
    messages.success(request, _("U bent uitgelogd."))
    return redirect("accounts:login")
