import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The fixtures create many accounts; real hashing would make these tests slow, not safer.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
