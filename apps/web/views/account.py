"""The signed-in user's profile (name, time zone), password and API tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.messages.views import SuccessMessageMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.accounts.models import API_TOKEN_NAME_MAX_LENGTH, ApiToken
from apps.accounts.selectors import profile_get, user_is_admin
from apps.accounts.services import API_TOKEN_MAX_LIFETIME, api_token_create, api_token_revoke
from apps.core.types import AuthenticatedHttpRequest
from apps.web.forms import ProfileForm, apply_service_errors, changes
from apps.web.services import account_update


@require_http_methods(["GET", "POST"])
@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    stored = profile_get(user=user)
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "timezone": stored.timezone,
        "theme": stored.theme,
        "language": stored.language,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            names = ("first_name", "last_name", "timezone", "theme", "language")
            account_update(user=user, **changes(form, names))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Profile saved."))
            return redirect("web:profile")
    context = {"form": form, "role": _("Admin") if user_is_admin(user) else _("Member")}
    # A refused post answers 400 with the form and each field's message, as every form does.
    status = 400 if request.method == "POST" else 200
    return render(request, "web/account/profile.html", context, status=status)


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    """Django's password change (the session stays signed in), back on the profile page."""

    template_name = "web/account/password.html"
    success_url = reverse_lazy("web:profile")
    success_message = gettext_lazy("Password changed.")


# --- API tokens ------------------------------------------------------------------------------


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=API_TOKEN_NAME_MAX_LENGTH,
        required=False,
        label=gettext_lazy("Name"),
        help_text=gettext_lazy(
            'Where you will use it, for example "laptop script". Default: "API token &lt;date&gt;".'
        ),
    )
    expires_in_days = forms.IntegerField(
        label=gettext_lazy("Expires after (days)"),
        required=False,
        min_value=1,
        max_value=API_TOKEN_MAX_LIFETIME.days,
        help_text=gettext_lazy("Leave empty for a token that works until you revoke it."),
    )


def _token_for(request: HttpRequest, pk: int) -> ApiToken:
    """A token the signed-in user may revoke: their own, or anyone's for an admin; 404
    otherwise, so a member cannot tell another user's token from a missing one."""
    tokens = ApiToken.objects.all()
    if not user_is_admin(request.user):
        tokens = tokens.filter(user=request.user)
    return get_object_or_404(tokens, pk=pk)


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's API tokens, a form to create one, and for admins everyone's tokens.

    A new key is rendered in the response to the POST that made it (no redirect, no
    message in the session): it is on screen once and stored nowhere in clear.
    """
    user = request.user
    form = ApiTokenForm(request.POST or None)
    new_key, new_token = None, None
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires_in_days"]
        try:
            new_token, new_key = api_token_create(
                user=user,
                name=form.cleaned_data["name"],
                expires_in=timedelta(days=days) if days else None,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            form = ApiTokenForm()
    is_admin = user_is_admin(user)
    context: dict[str, Any] = {
        "form": form,
        "new_key": new_key,
        "new_token": new_token,
        "own_tokens": ApiToken.objects.filter(user=user),
        "is_admin": is_admin,
    }
    if is_admin:
        others = ApiToken.objects.exclude(user=user).select_related("user")
        owners = get_user_model().objects.filter(auth_token_set__isnull=False).exclude(pk=user.pk)
        context["owners"] = owners.distinct().order_by("username")
        chosen = request.GET.get("user", "")
        if chosen.isdigit():
            others = others.filter(user_id=int(chosen))
            context["chosen_owner"] = int(chosen)
        context["other_tokens"] = others.order_by("user__username", "-created")
    return render(request, "web/account/tokens.html", context)


@require_http_methods(["POST"])
@login_required
def token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    token = _token_for(request, pk)
    api_token_revoke(token=token, actor_id=request.user.pk)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    if token.user_id != request.user.pk:
        return redirect(f"{reverse('web:api-tokens')}?user={token.user_id}")
    return redirect("web:api-tokens")
