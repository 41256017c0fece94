"""Runtime tokens belong to an organization and are an admin's to create (security fix).

Before, any user could mark a personal token "for runtime" and read pull credentials with
it. Such tokens now move to the first organization their user administers; tokens of users
who administer none are revoked."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Q
from django.utils import timezone


def move_runtime_tokens(apps, schema_editor):
    ApiToken = apps.get_model("api", "ApiToken")
    Membership = apps.get_model("organizations", "Membership")
    for token in ApiToken.objects.filter(for_runtime=True):
        administered = (
            Membership.objects.filter(user_id=token.user_id, role="admin")
            .order_by("organization__name")
            .values_list("organization_id", flat=True)
            .first()
        )
        if administered is None:
            token.revoked_at = token.revoked_at or timezone.now()
            token.for_runtime = False
            token.save(update_fields=["revoked_at", "for_runtime"])
            continue
        token.created_by_id = token.user_id
        token.organization_id = administered
        token.user_id = None
        token.save(update_fields=["created_by", "organization", "user"])


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0002_token_for_runtime"),
        ("organizations", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="apitoken",
            name="user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="api_tokens",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="organization",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="runtime_tokens",
                to="organizations.organization",
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(move_runtime_tokens, migrations.RunPython.noop),
        migrations.RemoveField(model_name="apitoken", name="for_runtime"),
        migrations.AddConstraint(
            model_name="apitoken",
            constraint=models.CheckConstraint(
                condition=Q(user__isnull=False, organization__isnull=True)
                | Q(user__isnull=True, organization__isnull=False),
                name="token_owned_by_a_user_or_an_organization",
            ),
        ),
    ]
