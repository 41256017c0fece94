"""The Django admin for organizations and memberships."""


def test_admin_registers_organizations_and_memberships(superuser_http, org):
    assert "Acme" in superuser_http.get("/admin/organizations/organization/").content.decode()
    assert "bob" in superuser_http.get("/admin/organizations/membership/").content.decode()
