import gc

from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "integrations_site.ops"
    label = "ops"

    def ready(self) -> None:
        from .checks import replace_url_namespace_check

        replace_url_namespace_check()
        # Last in INSTALLED_APPS, so every app and model is loaded by now. What start-up
        # created lives as long as the process: the collector stops re-scanning it, which cost
        # runserver about a quarter of its start-up (loading the URLs and the API schemas
        # triggers full collections). Next to nothing is garbage at this point (~30 objects).
        gc.freeze()
