"""The first-run setup form: token, first admin account, and the telemetry question."""

from __future__ import annotations

import zoneinfo
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import UsernameField
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from telemetry.models import Installation, State
from telemetry.setup import token_matches


class SetupForm(forms.Form):
    token = forms.CharField(
        label=_("Setup token"),
        max_length=128,
        strip=True,
        help_text=_(
            "Printed on the server's console at start-up "
            "(the output of make run, or docker compose logs app)."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    username = UsernameField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        help_text=_("Optional. Only used by this installation."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        # Lazy (Django's): the validators' help in the language of the request.
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    # The server's zone until the page's script puts the browser's in (telemetry/setup.js).
    timezone = forms.ChoiceField(
        required=False,
        label=_("Your time zone"),
        help_text=_(
            "Times are shown and entered in this zone; filled in from your browser "
            "when it can. You can change it later in your profile."
        ),
    )
    # The installation's: what new accounts start with (the project's hook stores it).
    default_timezone = forms.ChoiceField(
        required=False,
        label=_("Default time zone for new accounts"),
        help_text=_(
            "The zone of the people who will use this installation; each can change "
            "theirs later. Filled in from your browser when it can."
        ),
    )
    # Nothing preselected: the person setting up has to choose.
    telemetry = forms.ChoiceField(
        label=_("Send an anonymous installation report?"),
        choices=[
            (State.ON, _("Yes, send the report below at most once a day")),
            (State.OFF, _("No, send nothing")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose yes or no.")},
    )

    def __init__(self, *args: Any, installation: Installation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.installation = installation
        zones = sorted(zoneinfo.available_timezones())
        default = str(settings.TIME_ZONE)
        for name in ("timezone", "default_timezone"):
            field = cast(forms.ChoiceField, self.fields[name])
            field.choices = [(zone, zone) for zone in zones]
            field.initial = default if default in zones else "UTC"
            field.widget.attrs["data-browser-timezone"] = "true"
        # create_superuser() does not validate: apply the user model's own rules here.
        model = get_user_model()
        username = model._meta.get_field(model.USERNAME_FIELD)
        self.fields["username"].validators = [*getattr(username, "validators", [])]

    def clean_token(self) -> str:
        token: str = self.cleaned_data["token"]
        if not token_matches(installation=self.installation, token=token):
            raise ValidationError(
                _(
                    "This is not the current setup token. Use the one printed at the latest "
                    "start, or run `python manage.py setup_token` for a new one."
                ),
                code="token",
            )
        return token

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        model = get_user_model()
        lookup = {f"{model.USERNAME_FIELD}__iexact": username}
        if model._default_manager.filter(**lookup).exists():
            raise ValidationError(_("A user with this username already exists."), code="unique")
        return username

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error(
                "password2",
                ValidationError(_("The two passwords differ."), code="password_mismatch"),
            )
        elif password1:
            model = get_user_model()
            candidate = model(
                **{
                    model.USERNAME_FIELD: cleaned.get("username", ""),
                    "email": cleaned.get("email", ""),
                }
            )
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned
