from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone

from integrations_site.audit.actions import ACTIONS
from integrations_site.validation import storable

from .models import Membership


def _storable_text(value: str) -> str:
    # Characters no database stores can match nothing: drop them rather than fail.
    return "".join(ch for ch in value if storable(ch)).strip()


class MemberAddForm(forms.Form):
    user = forms.CharField(label="Username or e-mail", max_length=254)
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)

    def clean_user(self) -> str:
        return _storable_text(self.cleaned_data["user"])


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class ActivityFilterForm(forms.Form):
    """The activity page's filters (GET); invalid ones are ignored, never an error page."""

    action = forms.ChoiceField(
        choices=[("", "Any action"), *ACTIONS.items()], required=False, label="Action"
    )
    actor = forms.CharField(required=False, max_length=200, label="Actor")
    target = forms.CharField(required=False, max_length=200, label="Target")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput({"type": "date"}))

    def clean_actor(self) -> str:
        return _storable_text(self.cleaned_data["actor"])

    def clean_target(self) -> str:
        return _storable_text(self.cleaned_data["target"])

    def filters(self) -> dict:
        """Keyword arguments of AuditEventQuerySet.filtered; dates are whole UTC days."""
        self.is_valid()
        data = self.cleaned_data  # the valid fields only
        since, until = data.get("since"), data.get("until")
        return {
            "action": data.get("action", ""),
            "actor": data.get("actor", ""),
            "target": data.get("target", ""),
            "since": _day_start(since) if since else None,
            "until": _day_start(until) + timedelta(days=1) if until else None,
        }


def _day_start(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
