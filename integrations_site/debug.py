from django.views.debug import SafeExceptionReporterFilter


class AlwaysSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    """Hide sensitive POST parameters and variables in error reports even with DEBUG on.

    Django's own filter switches itself off in DEBUG, so a developer's error page would show
    a secret just typed into a form. Secrets are write-only in every mode."""

    def is_active(self, request) -> bool:
        return True
