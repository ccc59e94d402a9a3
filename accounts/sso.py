"""Single sign-on with OpenID Connect, on mozilla-django-oidc (docs/sso.md).

- Which provider: the part of the e-mail address after the @. A board's own provider (accounts.IdentityProvider,
  set in the interface) claims its domains; the OIDC_* environment variables configure one provider for the
  whole installation, for domains no board claims.
- The library does the OpenID Connect work: the authorization request with state, nonce and PKCE, the token
  request, fetching the provider's keys (JWKS) and checking the ID token's RS256 signature, expiry and nonce
  (PyJWT underneath). This module only adds what the library leaves to the app: the issuer and audience checks
  (passed to PyJWT), which provider's endpoints to use (from its discovery document), and who may sign in.
- Who may sign in: an existing, active account with the token's e-mail address, verified by the provider
  (`email_verified`, or Entra ID's `xms_edov`), on one of the provider's domains and, for a board's provider,
  with a role at one of that board's schools. No account is ever created; roles stay the directie's.
- The second factor: only when the token says the provider did multi-factor authentication (`amr` names one
  of MFA_AMR, RFC 8176, or `acr` is one the provider is configured to count). Otherwise the app's own
  authenticator code is asked, as after a password.
"""

import time
from dataclasses import dataclass

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.db.models import Q
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

# RFC 8176 authentication method references that mean more than one factor was used.
MFA_AMR = frozenset({"mfa", "otp", "hwk", "sc"})
SCOPES = "openid email profile"
DISCOVERY_SECONDS = 3600
CALLBACK_URL = "accounts:sso_callback"
SESSION_PROVIDER = "sso_provider"
SESSION_NEXT = "sso_next"
# Set while the signed-in person confirms who they are at their provider (before an export, break-glass).
SESSION_REAUTH = "sso_reauth_user"
# Which provider this session came through, so that signing out can offer to sign out there too.
SESSION_SIGNED_IN_WITH = "sso_signed_in_with"
# When the provider confirmed the first factor of a re-authentication without MFA: the app's code follows.
SESSION_REAUTH_FIRST_FACTOR = "sso_reauth_first_factor_at"
# How old the provider's sign-in (the ID token's auth_time) may be to count as a fresh confirmation.
REAUTH_MAX_AGE_SECONDS = 300


@dataclass(frozen=True)
class Provider:
    key: str
    name: str
    issuer: str
    client_id: str
    client_secret: str
    domains: tuple[str, ...]
    required: bool
    acr_values: tuple[str, ...]
    board_id: int | None = None


class Refused(Exception):
    """The provider vouched for someone this installation does not let in; `reason` picks the Dutch page."""

    def __init__(self, reason: str, email: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.email = email


class DiscoveryError(Exception):
    pass


def _from_model(row) -> Provider:
    return Provider(key=row.key, name=row.name, issuer=row.issuer.rstrip("/"), client_id=row.client_id,
                    client_secret=row.client_secret, domains=tuple(row.domains), required=row.required,
                    acr_values=tuple(row.acr_values), board_id=row.board_id)


def env_provider() -> Provider | None:
    if not (settings.OIDC_ISSUER and settings.OIDC_CLIENT_ID):
        return None
    return Provider(key="env", name=settings.OIDC_PROVIDER_NAME, issuer=settings.OIDC_ISSUER.rstrip("/"),
                    client_id=settings.OIDC_CLIENT_ID, client_secret=settings.OIDC_CLIENT_SECRET,
                    domains=tuple(d.strip().lower() for d in settings.OIDC_EMAIL_DOMAINS),
                    required=settings.OIDC_REQUIRED,
                    acr_values=tuple(v.strip().lower() for v in settings.OIDC_MFA_ACR_VALUES))


def providers() -> list[Provider]:
    from accounts.models import IdentityProvider

    found = [_from_model(row) for row in IdentityProvider.objects.filter(enabled=True).order_by("pk")]
    env = env_provider()
    return found + ([env] if env else [])


def any_configured() -> bool:
    from accounts.models import IdentityProvider

    return env_provider() is not None or IdentityProvider.objects.filter(enabled=True).exists()


def provider_by_key(key: str) -> Provider | None:
    return next((p for p in providers() if p.key == key), None)


def domain_of(email: str) -> str:
    return (email or "").strip().lower().rpartition("@")[2]


def provider_for_email(email: str) -> Provider | None:
    """A board's provider first (it claims its own domains), then the installation's."""
    domain = domain_of(email)
    if not domain:
        return None
    return next((p for p in providers() if domain in p.domains), None)


def reauth_provider_for(user) -> Provider | None:
    """Where this person confirms who they are before a sensitive act: at their provider when a password does
    not sign them in (their board requires the school account, or they never had a password)."""
    required = required_provider_for(user)
    if required is not None:
        return required
    return None if user.has_usable_password() else provider_for_email(user.email)


def fresh_sign_in(claims: dict, now: float | None = None) -> bool:
    """The provider asked the person again just now (OpenID Connect `max_age=0` makes `auth_time` required)."""
    auth_time = claims.get("auth_time")
    if isinstance(auth_time, bool) or not isinstance(auth_time, (int, float)):
        return False
    now = time.time() if now is None else now
    return -30 <= now - auth_time <= REAUTH_MAX_AGE_SECONDS


def required_provider_for(user) -> Provider | None:
    """The provider through which this person must sign in, if any: their board requires it, or their address
    is on a domain whose provider requires it. Then a password alone never signs them in."""
    board_ids = set(user.memberships.values_list("school__board_id", flat=True)) if user.pk else set()
    domain = domain_of(user.email)
    for provider in providers():
        if provider.required and (provider.board_id in board_ids or domain in provider.domains):
            return provider
    return None


def provider_logout_url(provider: Provider) -> str:
    """The provider's own sign-out (OpenID Connect RP-Initiated Logout 1.0), or "" when it has none. Without it,
    a shared school computer stays signed in at the provider after signing out of Meldcode."""
    from urllib.parse import urlencode

    from django.urls import reverse

    try:
        endpoint = discover(provider.issuer).get("end_session_endpoint") or ""
    except DiscoveryError:
        return ""
    if not str(endpoint).startswith(("https://", "http://")):
        return ""
    back = settings.SITE_URL.rstrip("/") + reverse("accounts:login")
    separator = "&" if "?" in endpoint else "?"
    return f"{endpoint}{separator}{urlencode({'client_id': provider.client_id, 'post_logout_redirect_uri': back})}"


# --- discovery ---------------------------------------------------------------------------------------------------

_discovered: dict[str, tuple[float, dict]] = {}


def discover(issuer: str) -> dict:
    """The provider's OpenID configuration (cached for an hour). Its issuer must be the configured one."""
    issuer = issuer.rstrip("/")
    cached = _discovered.get(issuer)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    try:
        response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise DiscoveryError(str(exc)) from exc
    if not isinstance(document, dict) or str(document.get("issuer", "")).rstrip("/") != issuer:
        raise DiscoveryError("issuer in the discovery document differs from the configured one")
    for needed in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not document.get(needed):
            raise DiscoveryError(f"discovery document lacks {needed}")
    _discovered[issuer] = (time.monotonic() + DISCOVERY_SECONDS, document)
    return document


def form_action_origins() -> list[str]:
    """Where the sign-in page's school-account form may end up: a browser holds the redirect after the form post
    to the page's CSP form-action, so each provider's authorization endpoint (its issuer's origin, and the
    discovered endpoint's origin when known) must be allowed there."""
    from urllib.parse import urlsplit

    origins = []
    for provider in providers():
        urls = [provider.issuer]
        cached = _discovered.get(provider.issuer)
        if cached:
            urls.append(cached[1]["authorization_endpoint"])
        for url in urls:
            parts = urlsplit(url)
            origin = f"{parts.scheme}://{parts.netloc}"
            if parts.scheme in ("https", "http") and parts.netloc and origin not in origins:
                origins.append(origin)
    return origins


def forget_discovery() -> None:
    _discovered.clear()


# --- the library's views and backend, bound to one provider ------------------------------------------------------

def _settings_for(provider: Provider, metadata: dict) -> dict:
    return {
        "OIDC_OP_AUTHORIZATION_ENDPOINT": metadata["authorization_endpoint"],
        "OIDC_OP_TOKEN_ENDPOINT": metadata["token_endpoint"],
        "OIDC_OP_USER_ENDPOINT": metadata.get("userinfo_endpoint", ""),
        "OIDC_OP_JWKS_ENDPOINT": metadata["jwks_uri"],
        "OIDC_RP_CLIENT_ID": provider.client_id,
        "OIDC_RP_CLIENT_SECRET": provider.client_secret,
        "OIDC_RP_SIGN_ALGO": "RS256",
        "OIDC_RP_SCOPES": SCOPES,
        "OIDC_USE_NONCE": True,
        "OIDC_USE_PKCE": True,
        "OIDC_CREATE_USER": False,
        "OIDC_AUTHENTICATION_CALLBACK_URL": CALLBACK_URL,
        "OIDC_TIMEOUT": settings.OIDC_TIMEOUT,
        "OIDC_VERIFY_SSL": True,
        "OIDC_VERIFY_KID": True,
        "OIDC_ALLOW_UNSECURED_JWT": False,
        "OIDC_STORE_ACCESS_TOKEN": False,
        "OIDC_STORE_ID_TOKEN": False,
    }


class ProviderRequestView(OIDCAuthenticationRequestView):
    """mozilla-django-oidc's authorization request (state, nonce, PKCE in the session) for one provider."""

    def __init__(self, provider: Provider, metadata: dict, login_hint: str = "", reauth: bool = False):
        self._settings = _settings_for(provider, metadata)
        self.login_hint = login_hint
        self.reauth = reauth
        super().__init__()

    def get_settings(self, attr, *args):
        if attr in self._settings:
            return self._settings[attr]
        return import_from_settings(attr, *args)

    def get_extra_params(self, request):
        params = {"login_hint": self.login_hint} if self.login_hint else {}
        if self.reauth:
            # A re-authentication: the provider must ask again, not wave the person through on its own session.
            params.update({"prompt": "login", "max_age": "0"})
        return params


class ProviderBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's code flow and token checks for one provider, with this app's rules for who may in.

    Not in AUTHENTICATION_BACKENDS: only the callback view calls it, so a password never reaches it."""

    def __init__(self, provider: Provider, metadata: dict):
        self.provider = provider
        self.metadata = metadata
        self._settings = _settings_for(provider, metadata)
        self.claims: dict = {}
        super().__init__()

    def get_settings(self, attr, *args):
        if attr in self._settings:
            return self._settings[attr]
        return import_from_settings(attr, *args)

    def _verify_jws(self, payload, key):
        """The library checks the signature, expiry and algorithm; PyJWT is also asked for issuer and audience."""
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("unexpected signing algorithm")
        try:
            return jwt.decode(payload, key, algorithms=[self.OIDC_RP_SIGN_ALGO], audience=self.OIDC_RP_CLIENT_ID,
                              issuer=self.metadata["issuer"], leeway=30,
                              options={"require": ["exp", "iat", "iss", "aud", "sub"]})
        except jwt.InvalidTokenError as exc:
            raise SuspiciousOperation(f"ID token refused: {exc.__class__.__name__}") from exc

    def get_userinfo(self, access_token, id_token, payload):
        # The signed ID token is the source: it carries email, email_verified, amr and acr.
        return dict(payload)

    def verify_claims(self, claims):
        email = str(claims.get("email") or "").strip().lower()
        if not email:
            raise Refused("no_email")
        if claims.get("email_verified") is not True and claims.get("xms_edov") is not True:
            raise Refused("unverified", email)
        if domain_of(email) not in self.provider.domains:
            raise Refused("domain", email)
        return True

    def filter_users_by_claims(self, claims):
        email = str(claims.get("email")).strip().lower()
        users = get_user_model().objects.filter(email=email, is_active=True)
        if self.provider.board_id is not None:
            users = users.filter(memberships__school__board_id=self.provider.board_id)
        else:
            users = users.filter(Q(memberships__isnull=False) | Q(is_superuser=True))
        return users.distinct()

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        self.verify_claims(claims)
        users = list(self.filter_users_by_claims(claims)[:2])
        if len(users) != 1:
            raise Refused("unknown", str(claims.get("email")).strip().lower())
        self.claims = claims
        return users[0]


def token_counts_as_mfa(claims: dict, provider: Provider) -> bool:
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    if MFA_AMR & {str(method).lower() for method in amr}:
        return True
    acr = str(claims.get("acr") or "").lower()
    return bool(acr) and acr in provider.acr_values


def provider_device(user, provider: Provider):
    from accounts.models import ProviderMFADevice

    device, _ = ProviderMFADevice.objects.get_or_create(user=user, name=provider.name[:64],
                                                        defaults={"confirmed": True})
    return device
