import time

from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_ratelimit.core import is_ratelimited

from accounts import invitations, setup, sso, twofactor
from accounts.forms import (
    BoardForm,
    IdentityProviderForm,
    InviteForm,
    LoginForm,
    PasswordResetRequestForm,
    ReauthCodeForm,
    ReauthForm,
    SchoolForm,
    SSOStartForm,
    TokenForm,
)
from accounts.reauth import mark_reauthenticated


def _safe_next(request, default="/"):
    target = request.POST.get("next") or request.GET.get("next") or default
    # Only a path on this site: redirect() would try anything else as a view name (and answer 500).
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
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
    status = 200
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, username=form.cleaned_data["email"].lower(), password=form.cleaned_data["password"])
        if user is None:
            if getattr(request, "axes_locked_out", False):
                return locked_out(request)
            form.add_error(None, _("Deze combinatie van e-mailadres en wachtwoord kennen we niet."))
        elif (required := sso.required_provider_for(user)) is not None:
            # Said only after the right password, so it reveals nothing to someone guessing addresses.
            _audit("auth.password_refused_sso", request, actor=user, object_repr=user.email,
                   details={"provider": required.key})
            form.add_error(None, _("Uw schoolbestuur laat medewerkers alleen inloggen met hun schoolaccount "
                                   "(%(name)s), niet met een wachtwoord. Gebruik hieronder ‘Inloggen met uw "
                                   "schoolaccount’.") % {"name": required.name})
            status = 403
        else:
            auth_login(request, user)
            step = "accounts:verify" if twofactor.confirmed_totp(user) else "accounts:setup_2fa"
            return redirect(f"{reverse(step)}?{urlencode({'next': _safe_next(request)})}")
    return _login_page(request, form=form, status=status)


def _login_page(request, *, form=None, sso_form=None, status=200):
    form = form or LoginForm()
    sso_form = sso_form or SSOStartForm(initial={"sso_email": request.POST.get("email", "")})
    if status == 200 and (form.errors or sso_form.errors):
        status = 400
    sso_enabled = sso.any_configured()
    response = render(request, "accounts/login.html", {
        "form": form, "sso_form": sso_form, "next": _safe_next(request), "sso_enabled": sso_enabled,
    }, status=status)
    if sso_enabled:
        # The school-account form posts here and is redirected to the provider; browsers check that redirect
        # against this page's form-action rule (sso.form_action_origins).
        response._csp_update = {"form-action": sso.form_action_origins()}
    return response


# --- single sign-on (accounts/sso.py, docs/sso.md) ---------------------------------------------------------------

@require_POST
@never_cache
def sso_start(request):
    """Step one: the e-mail address says which board's provider; then off to that provider."""
    sso_form = SSOStartForm(request.POST)
    if not sso_form.is_valid():
        return _login_page(request, sso_form=sso_form)
    email = sso_form.cleaned_data["sso_email"].strip().lower()
    provider = sso.provider_for_email(email)
    if provider is None:
        sso_form.add_error("sso_email", _("Voor dit e-mailadres is inloggen met een schoolaccount niet ingesteld. "
                                          "Log in met uw wachtwoord, of vraag uw functioneel beheerder."))
        return _login_page(request, sso_form=sso_form)
    try:
        metadata = sso.discover(provider.issuer)
    except sso.DiscoveryError:
        _audit("auth.sso_unreachable", request, object_repr=email, details={"provider": provider.key})
        return render(request, "accounts/sso_refused.html", {"reason": "unreachable", "provider": provider},
                      status=502)
    request.session[sso.SESSION_PROVIDER] = provider.key
    request.session[sso.SESSION_NEXT] = _safe_next(request)
    view = sso.ProviderRequestView(provider, metadata, login_hint=email)
    view.setup(request)
    return view.get(request)


def _sso_refused(request, reason, provider=None, email="", status=403):
    _audit("auth.sso_refused", request, object_repr=email[:254],
           details={"refusal": reason, "provider": provider.key if provider else ""})
    return render(request, "accounts/sso_refused.html", {"reason": reason, "provider": provider, "email": email},
                  status=status)


@never_cache
def sso_callback(request):
    """Step two: the provider sends the person back with a code. mozilla-django-oidc exchanges it and checks
    the ID token (signature against the provider's keys, expiry, nonce; issuer and audience in sso.py)."""
    provider = sso.provider_by_key(request.session.get(sso.SESSION_PROVIDER, ""))
    if provider is None:
        return _sso_refused(request, "no_session", status=400)
    states = request.session.get("oidc_states") or {}
    state = request.GET.get("state", "")
    entry = states.pop(state, None) if state else None
    # Only a callback with a state we sent ends a re-authentication: a stray link cannot cancel it.
    reauth_for = request.session.pop(sso.SESSION_REAUTH, None) if entry is not None else None
    # Each state works once, also when the provider reports an error.
    request.session["oidc_states"] = states
    if request.GET.get("error"):
        return _sso_refused(request, "provider_error", provider)
    if entry is None or not request.GET.get("code"):
        return _sso_refused(request, "no_session", provider, status=400)
    try:
        backend = sso.ProviderBackend(provider, sso.discover(provider.issuer))
        user = backend.authenticate(request, nonce=entry.get("nonce"), code_verifier=entry.get("code_verifier"))
    except sso.Refused as refusal:
        return _sso_refused(request, refusal.reason, provider, refusal.email)
    except sso.DiscoveryError:
        return _sso_refused(request, "unreachable", provider, status=502)
    except Exception as exc:  # noqa: BLE001 - a bad token or an unreachable provider: refused, never a 500
        import logging

        logging.getLogger(__name__).warning("SSO token refused: %s", exc.__class__.__name__)
        return _sso_refused(request, "token", provider)
    if user is None or not user.is_active:
        return _sso_refused(request, "token", provider)
    target = request.session.pop(sso.SESSION_NEXT, None) or "/"
    request.session.pop(sso.SESSION_PROVIDER, None)
    if reauth_for is not None:
        return _sso_reauth_done(request, user, backend, provider, target, reauth_for)
    # The session records Django's model backend: it only loads the account again on later requests.
    user.backend = "accounts.backends.ModelBackend"
    auth_login(request, user)
    request.session[sso.SESSION_SIGNED_IN_WITH] = provider.key
    mfa = sso.token_counts_as_mfa(backend.claims, provider)
    _audit("auth.sso_login", request, actor=user, object_repr=user.email,
           details={"provider": provider.key, "provider_mfa": mfa})
    if mfa:
        otp_login(request, sso.provider_device(user, provider))
        _audit("auth.2fa", request, actor=user, details={"device": "ProviderMFADevice"})
        return redirect(target)
    step = "accounts:verify" if twofactor.confirmed_totp(user) else "accounts:setup_2fa"
    return redirect(f"{reverse(step)}?{urlencode({'next': target})}")


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
    provider = sso.reauth_provider_for(request.user)
    if provider is not None:
        return _reauth_with_provider(request, provider)
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


def _sso_first_factor_recent(request) -> bool:
    at = request.session.get(sso.SESSION_REAUTH_FIRST_FACTOR)
    return isinstance(at, (int, float)) and 0 <= time.time() - at <= sso.REAUTH_MAX_AGE_SECONDS


def _reauth_with_provider(request, provider):
    """Staff whose password does not sign them in confirm at their school account's provider; when the provider
    did not do MFA, the app's code follows here, as at sign-in."""
    if not _sso_first_factor_recent(request):
        response = render(request, "accounts/reauth_sso.html", {"provider": provider, "next": _safe_next(request)})
        # The form's answer is a redirect to the provider, which the browser holds to form-action.
        response._csp_update = {"form-action": sso.form_action_origins()}
        return response
    form = ReauthCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = twofactor.find_device_for_token(request.user, form.cleaned_data["token"], app_only=True)
        if device is not None:
            request.session.pop(sso.SESSION_REAUTH_FIRST_FACTOR, None)
            mark_reauthenticated(request)
            _audit("auth.reauth", request, details={"provider": provider.key})
            return redirect(_safe_next(request))
        _audit("auth.reauth_failed", request, details={"provider": provider.key})
        form.add_error("token", _("Deze code klopt niet, of is al gebruikt of verlopen. "
                                  "Wacht op de volgende code in uw app en probeer het opnieuw."))
    return render(request, "accounts/reauth.html", {"form": form, "next": _safe_next(request), "code_only": True},
                  status=400 if form.errors else 200)


@require_POST
@login_required
@never_cache
def sso_reauth(request):
    """Off to the provider to sign in again (prompt=login, max_age=0); the callback checks it was this person."""
    provider = sso.reauth_provider_for(request.user)
    if provider is None:
        return redirect(f"{reverse('accounts:reauth')}?{urlencode({'next': _safe_next(request)})}")
    try:
        metadata = sso.discover(provider.issuer)
    except sso.DiscoveryError:
        _audit("auth.sso_unreachable", request, object_repr=request.user.email, details={"provider": provider.key})
        return render(request, "accounts/sso_refused.html", {"reason": "unreachable", "provider": provider},
                      status=502)
    request.session[sso.SESSION_PROVIDER] = provider.key
    request.session[sso.SESSION_NEXT] = _safe_next(request)
    request.session[sso.SESSION_REAUTH] = request.user.pk
    view = sso.ProviderRequestView(provider, metadata, login_hint=request.user.email, reauth=True)
    view.setup(request)
    return view.get(request)


def _sso_reauth_done(request, user, backend, provider, target, started_by):
    """The provider answered a re-authentication: it must be the signed-in person who asked, asked just now."""
    if not request.user.is_authenticated or not (user.pk == request.user.pk == started_by):
        _audit("auth.reauth_failed", request, details={"provider": provider.key, "refusal": "other_person"})
        return _sso_refused(request, "reauth_other_person", provider)
    if not sso.fresh_sign_in(backend.claims):
        _audit("auth.reauth_failed", request, details={"provider": provider.key, "refusal": "not_fresh"})
        return _sso_refused(request, "reauth_not_fresh", provider)
    if sso.token_counts_as_mfa(backend.claims, provider):
        mark_reauthenticated(request)
        _audit("auth.reauth", request, details={"provider": provider.key, "provider_mfa": True})
        return redirect(target)
    request.session[sso.SESSION_REAUTH_FIRST_FACTOR] = time.time()
    return redirect(f"{reverse('accounts:reauth')}?{urlencode({'next': target})}")


@require_POST
def logout(request):
    provider = sso.provider_by_key(request.session.get(sso.SESSION_SIGNED_IN_WITH, ""))
    auth_logout(request)
    provider_logout = sso.provider_logout_url(provider) if provider is not None else ""
    if provider_logout:
        # A link, not a redirect: the provider's page is the person's choice, and the CSP keeps form-action to us.
        return render(request, "accounts/logged_out_sso.html", {"provider": provider, "logout_url": provider_logout})
    messages.success(request, _("U bent uitgelogd."))
    return redirect("accounts:login")


# --- a forgotten password and the link to choose one -----------------------------------------------------------

# Per address: nobody can flood a colleague's mailbox. Per client address: nobody can try many addresses. The
# per-client limit is generous because a whole school may share one address behind its router.
RESET_RATE_PER_ADDRESS = "3/h"
RESET_RATE_PER_CLIENT = "30/h"


@never_cache
def password_reset(request):
    """Ask for a link to choose a new password. The answer is the same page, after the same work, whether the
    address is known or not: only the owner of a known address learns anything, from their mailbox."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if is_ratelimited(request, group="accounts.password_reset", key="ip", rate=RESET_RATE_PER_CLIENT,
                          increment=True):
            _audit("auth.password_reset_rate_limited", request)
            return render(request, "429.html", status=429)
        email = form.cleaned_data["email"].strip().lower()
        too_often = is_ratelimited(request, group="accounts.password_reset_address", key=lambda group, r: email,
                                   rate=RESET_RATE_PER_ADDRESS, increment=True)
        user = invitations.account_for_reset(email)
        send = user is not None and not too_often
        _audit("auth.password_reset_requested", request, actor=user, object_repr=user.email if user else "",
               details={"known": user is not None, "sent": send})
        # Always one task, a no-op for an unknown address, so that both answers take the same time.
        invitations.send_password_reset.enqueue(user.pk if send else 0)
        return render(request, "accounts/password_reset_sent.html", {"hours": invitations.valid_hours()})
    return render(request, "accounts/password_reset.html", {"form": form}, status=400 if form.errors else 200)


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """Reached from an invitation or a forgotten-password e-mail; Django checks the token (valid once, for
    PASSWORD_RESET_TIMEOUT). Then the person is signed in with the first factor and goes on to the second:
    setting up the authenticator app, or, when they have one, its code."""

    template_name = "accounts/set_password.html"
    post_reset_login = True
    post_reset_login_backend = "accounts.backends.ModelBackend"

    def get_success_url(self):
        step = "accounts:verify" if twofactor.confirmed_totp(self.user) else "accounts:setup_2fa"
        return reverse(step)

    def form_valid(self, form):
        # A board that requires its school account: the link still works (e.g. for a later change of policy),
        # but it never signs the person in with the password.
        required = sso.required_provider_for(form.user)
        if required is not None:
            self.post_reset_login = False
        response = super().form_valid(form)
        _audit("auth.password_set", self.request, actor=form.user)
        if required is not None:
            messages.info(self.request, _("Uw wachtwoord is opgeslagen, maar uw schoolbestuur laat alleen inloggen "
                                          "met uw schoolaccount (%(name)s) toe.") % {"name": required.name})
            return redirect("accounts:login")
        messages.success(self.request, _("Uw wachtwoord is opgeslagen."))
        return response


set_password = SetPasswordView.as_view()


@login_required
@never_cache
def provider_settings(request, slug):
    """A board's OpenID Connect provider, set by an installation administrator (docs/sso.md)."""
    from django.shortcuts import get_object_or_404

    from accounts.models import IdentityProvider
    from schools.models import Board

    stop = _installation_admin(request)
    if stop is not None:
        return stop
    board = get_object_or_404(Board, slug=slug)
    instance = IdentityProvider.objects.filter(board=board).first() or IdentityProvider(board=board)
    form = IdentityProviderForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        created = instance.pk is None
        provider = form.save()
        sso.forget_discovery()
        _audit("auth.sso_configured", request, object_repr=board.name,
               details={"board": board.pk, "issuer": provider.issuer, "required": provider.required,
                        "enabled": provider.enabled, "created": created})
        messages.success(request, _("Inloggen met een schoolaccount is opgeslagen voor %(board)s.")
                         % {"board": board.name})
        return redirect("accounts:setup")
    callback = request.build_absolute_uri(reverse("accounts:sso_callback"))
    return render(request, "accounts/provider_settings.html",
                  {"board": board, "form": form, "callback": callback, "existing": instance.pk is not None},
                  status=400 if form.errors else 200)


# --- setting up a board and a school (installation administrators) ---------------------------------------------

def _installation_admin(request):
    """Only a superuser who passed both factors; anyone else gets a 404, as for pages of other schools."""
    if not request.user.is_superuser:
        raise Http404
    if not request.user.is_verified():
        target = "accounts:verify" if twofactor.confirmed_totp(request.user) else "accounts:setup_2fa"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
    return None


def _invite(request, school, data, done, *, resend=False):
    result = setup.invite(school, email=data["invite_email"], full_name=data["invite_name"],
                          role=data["invite_role"], resend=resend, actor=request.user, request=request)
    values = {"name": result.user.full_name or result.user.email, "email": result.user.email, "school": school.name}
    if result.sent:
        done.append(_("Uitnodiging gemaild naar %(name)s <%(email)s> voor %(school)s.") % values)
    else:
        done.append(_("%(name)s had deze rol bij %(school)s al; er is geen nieuwe uitnodiging gestuurd.") % values)


@login_required
@never_cache
def setup_page(request):
    from schools.models import Board

    stop = _installation_admin(request)
    if stop is not None:
        return stop
    action = request.POST.get("action") if request.method == "POST" else None
    board_form = BoardForm(request.POST if action == "board" else None, prefix="board")
    school_form = SchoolForm(request.POST if action == "school" else None, prefix="school")
    invite_form = InviteForm(request.POST if action == "invite" else None, prefix="invite")
    form = {"board": board_form, "school": school_form, "invite": invite_form}.get(action)
    if form is not None and form.is_valid():
        data, done = form.cleaned_data, []
        try:
            with transaction.atomic():
                if action == "board":
                    board, created = setup.create_board(data["name"], slug=data["slug"], actor=request.user,
                                                        request=request)
                    message = (_("Schoolbestuur %(name)s aangemaakt.") if created
                               else _("Schoolbestuur %(name)s bestaat al; niets gewijzigd."))
                    done.append(message % {"name": board.name})
                elif action == "school":
                    school, created = setup.create_school(
                        data["board"], data["name"], brin=data["brin"], slug=data["slug"], address=data["address"],
                        phone=data["phone"], actor=request.user, request=request)
                    message = (_("School %(name)s aangemaakt.") if created
                               else _("School %(name)s bestaat al; niets gewijzigd."))
                    done.append(message % {"name": school.name})
                    if data["invite_email"]:
                        _invite(request, school, data, done)
                else:
                    _invite(request, data["school"], data, done, resend=data["resend"])
        except setup.SetupRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            for line in done:
                messages.success(request, line)
            return redirect("accounts:setup")
    boards = list(Board.objects.prefetch_related("schools").order_by("name"))
    people = setup.first_people()
    for board in boards:
        for school in board.schools.all():
            school.first_people = people.get(school.pk, [])
    return render(request, "accounts/setup.html", {
        "boards": boards, "board_form": board_form, "school_form": school_form, "invite_form": invite_form,
    }, status=400 if form is not None and form.errors else 200)
