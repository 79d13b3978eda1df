"""The signed-in user's profile (name, time zone) and password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.messages.views import SuccessMessageMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods

from apps.accounts.selectors import profile_get, user_is_admin
from apps.web.forms import ProfileForm, apply_service_errors, changes
from apps.web.services import account_update


@require_http_methods(["GET", "POST"])
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "timezone": profile_get(user=user).timezone,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            account_update(user=user, **changes(form, ("first_name", "last_name", "timezone")))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Profile saved.")
            return redirect("web:profile")
    context = {"form": form, "role": "Admin" if user_is_admin(user) else "Member"}
    return render(request, "web/account/profile.html", context)


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    """Django's password change (the session stays signed in), back on the profile page."""

    template_name = "web/account/password.html"
    success_url = reverse_lazy("web:profile")
    success_message = "Password changed."
