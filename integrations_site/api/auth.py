"""Bearer-token authentication for every API router."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from .models import ApiToken


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = ApiToken.objects.active().matching(token).select_related("user").first()
        if api_token is None:
            return None
        api_token.touch()
        request.user = api_token.user
        return api_token
