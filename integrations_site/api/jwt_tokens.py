"""API tokens in JWT form (RFC 7519), HS256 with API_TOKEN_SIGNING_KEY.

The platform's own SDK (dtlpy) decodes the bearer token, unverified, for `exp` before every
request and for `email` in `dl.info()`, so an opaque token never leaves it. The server verifies
the signature and the expiry here, and still finds the token by the hash of the whole string,
so revocation takes effect at once. PyJWT does the encoding and checking: the same library
dtlpy decodes with, and it refuses every algorithm but the one named (no "none", no RS/HS
confusion)."""

import threading
import time
from datetime import datetime
from typing import Any

from django.conf import settings

from .models import hash_token

# PyJWT is imported by the two functions that use it: it loads cryptography's x509 and most of
# its algorithms (~0.03 s), which start-up does not need.

ALGORITHM = "HS256"
KIND_USER = "user"
KIND_RUNTIME = "runtime"
REQUIRED_CLAIMS = ["sub", "exp", "iat", "jti", "kind"]


def looks_like_jwt(raw: str) -> bool:
    return raw.count(".") == 2


def token_encode(
    *,
    token_id: str,
    subject: str,
    email: str | None,
    kind: str,
    issued_at: datetime,
    expires_at: datetime,
    organization_id: str | None = None,
) -> str:
    claims: dict[str, Any] = {
        "sub": subject,
        "email": email,
        "kind": kind,
        "iat": int(issued_at.timestamp()),
        "exp": int(expires_at.timestamp()),
        "jti": token_id,
    }
    if organization_id is not None:
        claims["org"] = organization_id
    import jwt

    return jwt.encode(claims, settings.API_TOKEN_SIGNING_KEY, algorithm=ALGORITHM)


# Tokens this process has verified, by signing key and the token's SHA-256 (the token itself
# is not kept): their claims. Every request of a runtime token carries the same string, and
# PyJWT's checks cost a tenth of a cached pull; the signature of a given string under a given
# key does not change, so only the expiry is checked again. Failures are not kept (a token
# refused for a clock skew may pass later).
_VERIFIED: dict[tuple[str, str], dict[str, Any]] = {}
VERIFIED_MAX = 4096
_VERIFIED_WRITE = threading.Lock()


def verified_key(raw: str) -> tuple[str, str]:
    return settings.API_TOKEN_SIGNING_KEY, hash_token(raw)


def token_claims(raw: str) -> dict[str, Any] | None:
    """The claims of a token this site signed and that has not expired; None otherwise."""
    if not raw.isascii():  # what this site signs is base64url; PyJWT can't encode the rest
        return None
    key = verified_key(raw)
    claims = _VERIFIED.get(key)
    if claims is not None:
        return claims if claims["exp"] > time.time() else None
    import jwt

    try:
        claims = jwt.decode(
            raw,
            settings.API_TOKEN_SIGNING_KEY,
            algorithms=[ALGORITHM],
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.InvalidTokenError:
        return None
    with _VERIFIED_WRITE:
        while len(_VERIFIED) >= VERIFIED_MAX:  # the oldest out first
            del _VERIFIED[next(iter(_VERIFIED))]
        _VERIFIED[key] = claims
    return claims
