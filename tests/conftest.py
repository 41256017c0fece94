import pytest

from tests.factories import make_integration, make_org, make_user

# The test doubles (tests/fixtures/): moto's AWS server and Distribution registries, one each
# per session.
pytest_plugins = ["tests.fixtures.aws", "tests.fixtures.registry"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _key_checks_proven_per_test():
    """The encryption app remembers, per process, that the primary key opened its stored key
    check; a test's database starts without that row, so each test proves it again."""
    from integrations_site.encryption.services import forget_verified_keys

    forget_verified_keys()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: a count of failed tokens or a cached row left by
    an earlier test (the failure throttle counts per address, and every test client is
    127.0.0.1) would change what a later one sees."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def org_admin(db):
    return make_user("alice")


@pytest.fixture
def org_member(db):
    return make_user("bob")


@pytest.fixture
def outsider(db):
    return make_user("mallory")


@pytest.fixture
def org(org_admin, org_member):
    organization = make_org("Acme", admin=org_admin)
    from integrations_site.organizations.models import Membership
    from integrations_site.organizations.services import membership_set

    membership_set(organization=organization, user=org_member, role=Membership.Role.MEMBER)
    return organization


@pytest.fixture
def other_org(outsider):
    return make_org("Globex", admin=outsider)


@pytest.fixture
def admin_http(client, org, org_admin):
    """A test client signed in as the organization's admin."""
    client.force_login(org_admin)
    return client


@pytest.fixture
def superuser_http(client, org, org_admin):
    """A test client signed in as the organization's admin, made a Django superuser."""
    org_admin.is_staff = org_admin.is_superuser = True
    org_admin.save()
    client.force_login(org_admin)
    return client


@pytest.fixture
def member_http(client, org, org_member):
    client.force_login(org_member)
    return client


@pytest.fixture
def integration(org, org_admin):
    return make_integration(org, name="aws-ecr-integration", created_by=org_admin)


@pytest.fixture
def other_integration(other_org, outsider):
    return make_integration(other_org, name="globex-registry", created_by=outsider)
