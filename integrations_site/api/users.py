"""GET /users/me: who is calling. The platform's SDK (dtlpy) calls it in `login_token` and needs
a 2xx; the fields are the ones its `User` entity reads. A runtime token answers as itself: it
acts as no user."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import SessionAuth

from .auth import RuntimeBearerToken
from .common import ERRORS
from .jwt_tokens import KIND_RUNTIME, KIND_USER
from .models import ApiToken

router = Router(tags=["users"])


class UserOut(Schema):
    id: str
    username: str
    email: str | None
    firstName: str
    lastName: str
    createdAt: datetime
    updatedAt: datetime
    avatar: str | None = None
    role: str | None = None
    type: str
    # A runtime token's organization; a person may belong to several, so theirs is null.
    org: str | None = None


def _runtime_identity(token: ApiToken) -> dict:
    return {
        "id": str(token.pk),
        "username": f"runtime:{token.name}",
        "email": None,
        "firstName": "",
        "lastName": "",
        "createdAt": token.created_at,
        "updatedAt": token.created_at,
        "type": KIND_RUNTIME,
        "org": str(token.organization_id),
    }


@router.get(
    "/users/me",
    response={200: UserOut, **ERRORS},
    # Runtime tokens may ask who they are; a signed-in browser session may too.
    auth=[RuntimeBearerToken(), SessionAuth()],
    summary="The caller: a user (personal token or session) or a runtime token",
)
def users_me(request: HttpRequest):
    token = request.auth if isinstance(request.auth, ApiToken) else None
    if token is not None and token.is_runtime:
        return _runtime_identity(token)
    user = request.user
    return {
        "id": str(user.pk),
        "username": user.get_username(),
        "email": user.email or None,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "createdAt": user.date_joined,
        "updatedAt": user.last_login or user.date_joined,
        "type": KIND_USER,
    }
