"""Helpers shared by the web views: permission checks, pagination, redirects."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme

from apps.accounts.selectors import user_is_admin

PAGE_SIZE = 50


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in admins only; anyone else gets a 404, so admin pages are not revealed."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not user_is_admin(request.user):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def paginate(request: HttpRequest, qs: QuerySet[Any], *, per_page: int = PAGE_SIZE) -> Page:
    """The requested page; out-of-range or malformed numbers give the nearest valid page."""
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


def safe_next(request: HttpRequest, default: str) -> str:
    """The ``next`` parameter when it points back into this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
