"""Sign-in events for the trail. Passwords and other credentials are never recorded."""

from audit.log import record

# Only these keys of the credentials passed to authenticate() may be logged.
_IDENTIFYING_KEYS = ("email", "username")


def logged_in(sender, request, user, **kwargs):
    record("auth.login", actor=user, request=request, object_repr=user.email if user else "")


def logged_out(sender, request, user, **kwargs):
    # `user` is None when the session had already expired.
    record("auth.logout", actor=user, request=request)


def login_failed(sender, credentials, request=None, **kwargs):
    attempted = next((str(credentials[key]) for key in _IDENTIFYING_KEYS if credentials.get(key)), "")
    record("auth.login_failed", request=request, details={"attempted_email": attempted[:254]})
