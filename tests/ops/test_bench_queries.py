"""The query counts `make bench` prints, held by a test (times are the bench's; counts are
not): the Integrations page (first page, a deep page, a ?q= filter) and key rotation make the
same number of queries whatever the number of integrations, and so do a cached pull and an API
get. The API lists' counts are held by tests/api/test_paging.py."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations_site.encryption.rotation import rotate_encryption_keys
from integrations_site.integrations.models import Integration
from integrations_site.integrations.providers import get_provider
from tests.encryption.rows import KEY_A, KEY_B

TABLE = '"integrations_integration"'


def seed(org, admin, count: int) -> None:
    """Like the bench: registry integrations sealed one by one, written with bulk_create."""
    generic = get_provider("generic")
    rows = []
    for number in range(count):
        fields = {
            "url": f"https://r{number}.bench.test",
            "username": f"puller{number}",
            "password": f"pw-{number}",
            "verify_tls": True,
            "ca_certificate": "",
        }
        display = generic.display(fields)
        rows.append(
            Integration(
                organization=org,
                name=f"registry-{number:06d}",
                type=generic.integration_type,
                provider=generic.key,
                metadata=generic.metadata(),
                created_by=admin,
                account=display.account,
                registry=display.registry,
                credentials=generic.credentials(fields),
            )
        )
    Integration.objects.bulk_create(rows)


def page_queries(http, count: int) -> dict[str, int]:
    urls = {
        "first page": "/integrations/",
        "deep page": f"/integrations/?page={max(1, -(-count // 50))}",
        "?q=": f"/integrations/?q=registry-{count // 2:06d}",
    }
    counts = {}
    for name, url in urls.items():
        http.get(url)  # warm: per-process caches filled, as under load
        with CaptureQueriesContext(connection) as queries:
            assert http.get(url).status_code == 200
        counts[name] = len(queries)
    return counts


def rotation_queries(batch_size: int) -> tuple[int, int]:
    """Statements on the integrations table of a rotation that moves every row, then of one
    with nothing to do (all statements)."""
    with CaptureQueriesContext(connection) as first:
        rotate_encryption_keys(batch_size=batch_size)
    with CaptureQueriesContext(connection) as second:
        assert rotate_encryption_keys(batch_size=batch_size).reencrypted == 0
    on_rows = [q for q in first if TABLE in q["sql"]]
    return len(on_rows), len(second)


def test_the_integrations_page_queries_do_not_grow_with_the_rows(admin_http, org, org_admin):
    seed(org, org_admin, 10)
    at_ten = page_queries(admin_http, 10)
    Integration.objects.filter(organization=org).delete()
    seed(org, org_admin, 120)  # three pages
    assert page_queries(admin_http, 120) == at_ten


def test_rotation_queries_grow_with_batches_only_and_a_second_run_makes_two(
    org, org_admin, settings
):
    settings.INTEGRATIONS_ENCRYPTION_KEYS = KEY_A
    seed(org, org_admin, 10)
    settings.INTEGRATIONS_ENCRYPTION_KEYS = f"{KEY_B},{KEY_A}"
    # 10 rows, batches of 4: read pages 4, 4, 2, end (4) + count (1) + the first write under
    # keyB proving it against a stored value (1) + per batch a locked read and an UPDATE
    # (3 x 2) + the locked read that ends it (1).
    assert rotation_queries(4) == (13, 2)

    settings.INTEGRATIONS_ENCRYPTION_KEYS = f"{KEY_A},{KEY_B}"  # back to keyA (proven)
    assert rotation_queries(10) == (6, 2)  # one batch: reads 2, count 1, batch 2, end 1


def pull_queries(client, org, raw: str) -> dict[str, list[str]]:
    oldest = Integration.objects.filter(organization=org).order_by("created_at", "id").first()
    urls = {
        "by id": f"/api/v1/orgs/{org.pk}/integrations/{oldest.pk}/pull-credentials",
        "by image": f"/api/v1/orgs/{org.pk}/pull-credentials?image=r0.bench.test/team/app:1",
    }
    statements = {}
    for name, url in urls.items():
        headers = {"Authorization": f"Bearer {raw}"}
        client.get(url, headers=headers)  # warm: the token and the credentials cached
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, headers=headers).status_code == 200
        statements[name] = [
            query["sql"].split()[0] + " " + _table(query["sql"]) for query in queries
        ]
    return statements


def _table(sql: str) -> str:
    """The first table a statement names (FROM, INTO)."""
    words = sql.split()
    return next(words[i + 1] for i, word in enumerate(words) if word in ("FROM", "INTO"))


def test_a_cached_pull_is_its_audit_insert_by_id_and_one_lookup_more_by_image(
    client, org, org_admin
):
    """Token and memberships from the cache, credentials from the cache: by id, what is left
    is the read's audit INSERT, which checks the integration itself (INSERT ... SELECT FROM the
    integration); by image, the integration serving the host (indexed) and that INSERT."""
    from integrations_site.api.services import api_token_create

    raw = api_token_create(user=org_admin, name="bench")[1]
    seed(org, org_admin, 10)
    at_ten = pull_queries(client, org, raw)
    assert at_ten == {
        "by id": ['INSERT "audit_auditevent"'],
        "by image": ['SELECT "integrations_integration"', 'INSERT "audit_auditevent"'],
    }
    Integration.objects.filter(organization=org).delete()
    seed(org, org_admin, 1000)
    assert pull_queries(client, org, raw) == at_ten


def test_an_api_get_is_one_select_at_any_size(client, org, org_admin):
    """The compiled get (integrations_site/compiled.py): the token and memberships from the
    cache, then one SELECT of the row, at 10 and at 1000 integrations."""
    from integrations_site.api.services import api_token_create

    headers = {"Authorization": f"Bearer {api_token_create(user=org_admin, name='get')[1]}"}
    for count in (10, 1000):
        Integration.objects.filter(organization=org).delete()
        seed(org, org_admin, count)
        oldest = Integration.objects.filter(organization=org).order_by("created_at", "id")[0]
        url = f"/api/v1/orgs/{org.pk}/integrations/{oldest.pk}"
        client.get(url, headers=headers)  # warm: the token cached, the read compiled
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, headers=headers)
        assert response.status_code == 200 and response.json()["name"] == oldest.name
        assert [q["sql"].split()[0] + " " + _table(q["sql"]) for q in queries] == [
            f"SELECT {TABLE}"
        ]
