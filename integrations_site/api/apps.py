from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "integrations_site.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Before any router loads: each API schema, and each response and parameter model
        # django-ninja derives per operation (~300 in all), builds its validator when first
        # used instead of while the URLs load (start-up time of every process).
        from ninja import Schema
        from ninja.params.models import ParamModel

        Schema.model_config["defer_build"] = True
        for model in _subclasses(ParamModel):
            model.model_config["defer_build"] = True


def _subclasses(cls: type) -> list[type]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_subclasses(direct))]
