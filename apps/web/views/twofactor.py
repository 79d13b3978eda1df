"""Two-factor login pages: status, enrolment (QR code), the code after login, turning off.

The gate that sends people here is ``apps.accounts.middleware.TwoFactorMiddleware``; the
logic is in ``apps.accounts.twofactor``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from apps.accounts import twofactor
from apps.accounts.twofactor import Verification
from apps.core.types import AuthenticatedHttpRequest


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def refuse(self, result: Verification) -> None:
        if result.throttled:
            self.add_error("code", _("Too many wrong codes: wait a few seconds, then try again."))
        else:
            self.add_error("code", _("That code is not right. Check the time on your phone."))


def _next_url(request: HttpRequest) -> str:
    """Where to go afterwards: ``next`` if it stays on this site, else the dashboard."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("web:dashboard")


def _verified(request: HttpRequest, result: Verification) -> None:
    # A new session key once the second factor is in: a key learnt before it is worthless.
    request.session.cycle_key()
    otp_login(request, result.device)
    twofactor.session_remember(request, enabled=True)


def _overview(
    request: HttpRequest,
    *,
    disable_form: CodeForm | None = None,
    codes_form: CodeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    context = {
        "enabled": twofactor.two_factor_enabled(user),
        "required": twofactor.two_factor_required(user),
        "recovery_left": twofactor.recovery_codes_left(user=user),
        "disable_form": disable_form or CodeForm(prefix="disable"),
        "codes_form": codes_form or CodeForm(prefix="codes"),
    }
    return render(request, "web/account/twofactor.html", context, status=status)


def _with_next(route: str, next_url: str) -> str:
    return f"{reverse(route)}?{urlencode({'next': next_url})}"


@never_cache
@login_required
def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _overview(request)


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
@login_required
def setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    next_url = _next_url(request)
    if twofactor.two_factor_enabled(user):
        if twofactor.user_is_verified(user):
            return redirect("web:twofactor")
        return HttpResponseRedirect(_with_next("web:twofactor-verify", next_url))
    device = twofactor.enrolment_device(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result, codes = twofactor.enrolment_confirm(
            user=user, device=device, code=form.cleaned_data["code"]
        )
        if result.ok:
            _verified(request, result)
            context: dict[str, Any] = {"codes": codes, "next_url": next_url}
            return render(request, "web/account/twofactor_codes.html", context)
        form.refuse(result)
    required = twofactor.two_factor_required(user)
    context = {
        "form": form,
        # segno's own markup, built from the device's key only: nothing user-typed in it.
        "qr_svg": mark_safe(twofactor.qr_svg(device)),  # noqa: S308
        "secret": twofactor.secret_text(device),
        "required": required,
        "offered": "next" in request.GET or "next" in request.POST,
        "next_url": next_url,
    }
    return render(request, "web/account/twofactor_setup.html", context)


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
@login_required
def verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    next_url = _next_url(request)
    if twofactor.user_is_verified(user):
        return HttpResponseRedirect(next_url)
    # Asked afresh: an admin may have deleted the device since this session signed in.
    if not twofactor.session_remember(request):
        if twofactor.two_factor_required(user):
            return HttpResponseRedirect(_with_next("web:twofactor-setup", next_url))
        return HttpResponseRedirect(next_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = twofactor.code_verify(user=user, code=form.cleaned_data["code"])
        if result.ok:
            _verified(request, result)
            if result.method == twofactor.RECOVERY:
                left = twofactor.recovery_codes_left(user=user)
                messages.warning(
                    request,
                    ngettext(
                        "Recovery code used; %(count)s left. Each one works once: make new ones "
                        "from the two-factor page if you are running low.",
                        "Recovery code used; %(count)s left. Each one works once: make new ones "
                        "from the two-factor page if you are running low.",
                        left,
                    )
                    % {"count": left},
                )
            return HttpResponseRedirect(next_url)
        form.refuse(result)
    return render(
        request, "web/account/twofactor_verify.html", {"form": form, "next_url": next_url}
    )


@never_cache
@sensitive_post_parameters("disable-code")
@require_POST
@login_required
def disable(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if twofactor.two_factor_required(user):
        messages.error(request, _("Two-factor login is required for admins on this installation."))
        return redirect("web:twofactor")
    form = CodeForm(request.POST, prefix="disable")
    if form.is_valid():
        result = twofactor.two_factor_disable(user=user, code=form.cleaned_data["code"])
        if result.ok:
            twofactor.session_remember(request, enabled=False)
            messages.success(request, _("Two-factor login is off."))
            return redirect("web:twofactor")
        form.refuse(result)
    return _overview(request, disable_form=form, status=400)


@never_cache
@sensitive_post_parameters("codes-code")
@require_POST
@login_required
def recovery_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working), given a current app code: not a
    recovery code, which would be spent on making its own replacements."""
    user = request.user
    form = CodeForm(request.POST, prefix="codes")
    if form.is_valid():
        code = form.cleaned_data["code"].replace(" ", "")
        if not code.isdigit():
            form.add_error("code", _("Enter a current code from your authenticator app."))
        else:
            result = twofactor.code_verify(user=user, code=code)
            if result.ok:
                codes = twofactor.recovery_codes_issue(user=user)
                context = {"codes": codes, "next_url": reverse("web:twofactor")}
                return render(request, "web/account/twofactor_codes.html", context)
            form.refuse(result)
    return _overview(request, codes_form=form, status=400)
