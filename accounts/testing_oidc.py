"""A small but real OpenID Connect provider for the tests, served on 127.0.0.1 in a thread.

Discovery, JWKS, authorize and token endpoints; ID tokens signed with RS256 by joserfc. The authorize endpoint
signs in whoever the test says (`provider.next_person`) and answers at once with a redirect carrying the code,
as a provider does after its own login page. A test can spoil the next token (`provider.spoil`): expired,
signed with a key not in the JWKS, a wrong nonce, another audience. PKCE (S256) and the client secret are
checked at the token endpoint. Used by accounts/tests/test_sso.py and the browser journey in e2e/.
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "meldcode-test-client"
CLIENT_SECRET = "test-client-secret-0123456789"  # noqa: S105 (a test provider's secret)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class _ThreadedServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class TestProvider:
    __test__ = False  # not a test class for pytest

    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig", "alg": "RS256"},
                                       private=True)
        # Same kid, another key: a token signed with it must fail the signature check, not the key lookup.
        self.rogue_key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig", "alg": "RS256"},
                                             private=True)
        self.next_person: dict = {}
        self.spoil: str = ""
        self.codes: dict[str, dict] = {}
        self.requests: list[str] = []
        self.last_authorize: dict = {}
        self.server = make_server("127.0.0.1", 0, self.app, server_class=_ThreadedServer,
                                  handler_class=_QuietHandler)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def sign_in_as(self, email, *, verified=True, amr=("pwd",), acr=None, **extra):
        self.next_person = {"email": email, "email_verified": verified, "amr": list(amr), **extra}
        if acr:
            self.next_person["acr"] = acr
        self.spoil = ""

    # --- WSGI -----------------------------------------------------------------------------------------------

    def app(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        self.requests.append(path)
        if path == "/.well-known/openid-configuration":
            return self._json(start_response, {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "end_session_endpoint": f"{self.issuer}/logout",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            })
        if path == "/jwks":
            return self._json(start_response, {"keys": [self.key.as_dict(private=False)]})
        if path == "/authorize":
            return self._authorize(environ, start_response)
        if path == "/token" and environ["REQUEST_METHOD"] == "POST":
            return self._token(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    def _json(self, start_response, data, status="200 OK"):
        body = json.dumps(data).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def _authorize(self, environ, start_response):
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code" or not query.get("state"):
            return self._json(start_response, {"error": "invalid_request"}, "400 Bad Request")
        if "openid" not in query.get("scope", "").split():
            return self._json(start_response, {"error": "invalid_scope"}, "400 Bad Request")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"person": dict(self.next_person), "nonce": query.get("nonce"),
                            "redirect_uri": query["redirect_uri"], "challenge": query.get("code_challenge"),
                            "login_hint": query.get("login_hint")}
        self.last_authorize = query
        location = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        start_response("302 Found", [("Location", location)])
        return [b""]

    def _token(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(length).decode()).items()}
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
            return self._json(start_response, {"error": "invalid_grant"}, "400 Bad Request")
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return self._json(start_response, {"error": "invalid_client"}, "401 Unauthorized")
        verifier = form.get("code_verifier", "")
        expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if grant["challenge"] and expected != grant["challenge"]:
            return self._json(start_response, {"error": "invalid_grant"}, "400 Bad Request")
        return self._json(start_response, {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                                           "expires_in": 3600, "id_token": self.id_token(grant)})

    def id_token(self, grant) -> str:
        now = int(time.time())
        person = grant["person"]
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "sub": "sub-" + person.get("email", "nobody"),
                  "iat": now, "exp": now + 300, "nonce": grant["nonce"], "auth_time": now, **person}
        key = self.key
        if self.spoil == "expired":
            claims["iat"], claims["exp"] = now - 3600, now - 1800
        elif self.spoil == "wrong_key":
            key = self.rogue_key
        elif self.spoil == "wrong_nonce":
            claims["nonce"] = "not-the-nonce-we-were-sent"
        elif self.spoil == "wrong_audience":
            claims["aud"] = "another-app"
        elif self.spoil == "wrong_issuer":
            claims["iss"] = "https://evil.example.org"
        return jwt.encode({"alg": "RS256", "kid": "test-key-1"}, claims, key)
