def test_list_page_renders(admin_http, integration):
    response = admin_http.get("/integrations/")
    assert response.status_code == 200
    assert "aws-ecr-integration" in response.content.decode()
