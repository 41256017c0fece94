from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "integrations_site.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"
    # django-ninja and pydantic load with the API's URLs (integrations_site/urls.py), not here:
    # a page, the worker and every management command start without them.
