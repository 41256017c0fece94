"""Keyset (cursor) pages for every API list.

A list answers one page: a plain JSON array (the platform's SDK, dtlpy, reads lists as arrays),
newest first by `(created_at, id)`, the id breaking ties between rows created in the same
microsecond. The next page travels in a `Link: <…>; rel="next"` header (RFC 8288): the same URL
with an opaque, signed `cursor`. `?pageSize=` asks for 1 to API_MAX_PAGE_SIZE rows (default
API_PAGE_SIZE); `?count=true` adds `X-Total-Count`, which a first page holding the whole list
sends anyway, since it costs nothing there.

Each page is one indexed query whatever the list's length: the cursor says where the last page
ended, so the database seeks there instead of counting rows to skip (OFFSET grows with depth).
Rows come from `.values()` and are written straight to JSON: no model instances, and no second
validation by the framework (the endpoint still names its schema for the OpenAPI document).

    @router.get("/orgs/{org_id}/things", response={200: list[ThingOut], **ERRORS},
                openapi_extra=PAGED)
    def things_list(request, org_id: UUID, paging: Query[PageQuery]):
        rows = Thing.objects.for_organization(org).values("id", "created_at", "name")
        page = keyset_page(request, rows, paging)
        return page_response(request, page, [thing_row(row) for row in page.rows])
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Schema
from ninja.responses import NinjaJSONEncoder

from integrations_site.compiled import CompiledValues

from .errors import ApiError

CURSOR_SALT = "integrations_site.api.paging.cursor"
BAD_CURSOR = "This cursor is not valid here: start again without it, or follow the Link header."


class PageQuery(Schema):
    """The paging parameters every list takes (documented in the OpenAPI document)."""

    pageSize: int | None = Field(
        default=None,
        description="Rows per page, 1 to API_MAX_PAGE_SIZE (default API_PAGE_SIZE: 100 / 1000).",
    )
    cursor: str | None = Field(
        default=None,
        description="Opaque: where the previous page ended. Take it from the Link header.",
    )
    count: bool = Field(default=False, description="Send the list's length in X-Total-Count.")


# The response headers, for the OpenAPI document (merged into each list operation).
PAGED = {
    "responses": {
        200: {
            "headers": {
                "Link": {
                    "description": 'The next page: `<URL>; rel="next"` (RFC 8288). Absent on '
                    "the last page.",
                    "schema": {"type": "string"},
                },
                "X-Total-Count": {
                    "description": "Rows in the whole list: sent with ?count=true, or when the "
                    "first page holds them all.",
                    "schema": {"type": "integer"},
                },
            }
        }
    }
}


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    next_cursor: str | None
    total_count: int | None


def _signer() -> signing.Signer:
    return signing.Signer(salt=CURSOR_SALT)


def cursor_encode(created_at: datetime, pk: Any) -> str:
    """Signed, so a client can't hand-craft positions (a changed cursor is a 400)."""
    return _signer().sign_object([created_at.isoformat(), str(pk)])


def cursor_decode(cursor: str) -> tuple[datetime, str]:
    try:
        created_at, pk = _signer().unsign_object(cursor)
        return datetime.fromisoformat(created_at), str(pk)
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        raise _bad_cursor() from None


def _bad_cursor() -> ApiError:
    return ApiError(400, BAD_CURSOR, code="invalid_cursor", fields={"cursor": [BAD_CURSOR]})


def page_size(paging: PageQuery) -> int:
    size = settings.API_PAGE_SIZE if paging.pageSize is None else paging.pageSize
    if not 1 <= size <= settings.API_MAX_PAGE_SIZE:
        message = f"Ask for 1 to {settings.API_MAX_PAGE_SIZE} rows per page."
        raise ApiError(400, message, fields={"pageSize": [message]})
    return size


def _newest_first(rows: QuerySet, after: tuple[datetime, Any] | None) -> QuerySet:
    ordered = rows.order_by("-created_at", "-id")
    if after is None:
        return ordered
    created_at, pk = after
    # The first condition alone is an index range; the second settles the ties.
    return ordered.filter(
        Q(created_at__lte=created_at) & (Q(created_at__lt=created_at) | Q(id__lt=pk))
    )


class CompiledPages:
    """The default-size pages of one organization-scoped list, compiled once per connection
    (integrations_site.compiled): `rows(scope)` is the list's `.values()` QuerySet for one
    organization, `scope` the field it is filtered by. Other page sizes run the QuerySet."""

    def __init__(self, rows: Callable[[Any], QuerySet], *, scope: models.Field) -> None:
        self._rows = rows
        self._scope = scope
        self._compiled: dict[tuple[int, bool], CompiledValues] = {}

    def page(self, scope: Any, size: int, after: tuple[datetime, Any] | None) -> list | None:
        """The page's rows (one more than `size`, if there are); None: not compiled."""
        if size != settings.API_PAGE_SIZE:
            return None
        compiled = self._compiled.get((size, after is not None))
        if compiled is None:
            model = self._scope.model
            times, ids = model._meta.get_field("created_at"), model._meta.pk
            if after is None:
                compiled = CompiledValues(
                    lambda scope: _newest_first(self._rows(scope), None)[: size + 1],
                    scope=self._scope,
                )
            else:
                compiled = CompiledValues(
                    lambda scope, created_at, pk: _newest_first(
                        self._rows(scope), (created_at, pk)
                    )[: size + 1],
                    scope=self._scope,
                    created_at=times,
                    pk=ids,
                )
            self._compiled[(size, after is not None)] = compiled
        if after is None:
            return compiled(scope=scope)
        return compiled(scope=scope, created_at=after[0], pk=after[1])


def keyset_page(
    request: HttpRequest,
    rows: QuerySet,
    paging: PageQuery,
    *,
    compiled: tuple[CompiledPages, Any] | None = None,
) -> Page:
    """One page of `rows` (a `.values()` QuerySet that includes `id` and `created_at`), newest
    first. One query; a second (COUNT) only when `?count=true` asks for it. `compiled`: the
    list's CompiledPages and the organization, for the same page without building its query."""
    size = page_size(paging)
    after = cursor_decode(paging.cursor) if paging.cursor else None
    try:
        found = compiled[0].page(compiled[1], size, after) if compiled else None
        if found is None:
            # One more than asked tells whether a next page exists.
            found = list(_newest_first(rows, after)[: size + 1])
    except (ValidationError, ValueError, TypeError):
        raise _bad_cursor() from None
    more = len(found) > size
    found = found[:size]
    next_cursor = cursor_encode(found[-1]["created_at"], found[-1]["id"]) if more else None
    total = None
    if paging.count:
        total = rows.order_by().count()
    elif not paging.cursor and not more:
        total = len(found)
    return Page(rows=found, next_cursor=next_cursor, total_count=total)


def json_time(value: datetime | None) -> str | None:
    """A time as the API's JSON encoder writes it (DjangoJSONEncoder: ISO 8601, milliseconds,
    "Z" for UTC). Rows make theirs here: the encoder's fallback, called for every value that
    is not plain JSON, was a fifth of a list's cost."""
    if value is None:
        return None
    # Milliseconds are cut, not rounded, as the encoder does.
    text = value.isoformat(timespec="milliseconds") if value.microsecond else value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def next_link(request: HttpRequest, cursor: str) -> str:
    """The request's own absolute URL with `cursor` replaced; every other parameter kept."""
    params = request.GET.copy()
    params["cursor"] = cursor
    return f"{request.build_absolute_uri(request.path)}?{params.urlencode()}"


def shaped_response(body: Any) -> HttpResponse:
    """JSON of a body already in its response schema's shape (e.g. a `_row` dict): answered
    as is, not validated again."""
    return HttpResponse(
        json.dumps(body, cls=NinjaJSONEncoder, separators=(",", ":")),
        content_type="application/json",
    )


def page_response(request: HttpRequest, page: Page, body: list[dict[str, Any]]) -> HttpResponse:
    """The page as a JSON array, with its Link and X-Total-Count headers. The body is built
    from already-shaped dicts; nothing validates it row by row again."""
    response = shaped_response(body)
    if page.next_cursor is not None:
        response["Link"] = f'<{next_link(request, page.next_cursor)}>; rel="next"'
    if page.total_count is not None:
        response["X-Total-Count"] = str(page.total_count)
    return response
