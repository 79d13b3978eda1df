"""Clients: list, create, edit; archive, restore and delete for admins."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.selectors import user_is_admin
from apps.clients import services
from apps.clients.models import Client
from apps.web.forms import ClientForm, apply_service_errors, changes
from apps.web.selectors import clients_with_counts
from apps.web.views.common import admin_required, paginate


@require_GET
@login_required
def client_list(request: HttpRequest) -> HttpResponse:
    archived = request.GET.get("archived") == "1"
    context = {
        "page": paginate(request, clients_with_counts(archived=archived)),
        "archived": archived,
        "is_admin": user_is_admin(request.user),
    }
    return render(request, "web/clients/list.html", context)


def _save(request: HttpRequest, client: Client | None) -> HttpResponse:
    form = ClientForm(request.POST or None, instance=client)
    if request.method == "POST" and form.is_valid():
        try:
            if client is None:
                client = services.client_create(actor_id=request.user.pk, **form.cleaned_data)
            else:
                services.client_update(
                    client=client, data=changes(form, ClientForm.FIELDS), actor_id=request.user.pk
                )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Client %(name)s saved.") % {"name": client.name})
            return redirect("web:client-list")
    # A refused form is a 400, with the user's input and the field errors on the page.
    status = 400 if request.method == "POST" else 200
    return render(request, "web/clients/form.html", {"form": form, "client": client}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def client_create(request: HttpRequest) -> HttpResponse:
    return _save(request, None)


@require_http_methods(["GET", "POST"])
@login_required
def client_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _save(request, get_object_or_404(Client, pk=pk))


@require_POST
@admin_required
def client_archive(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(Client, pk=pk)
    archived = request.POST.get("archived") != "0"
    services.client_archive(client=client, archived=archived, actor_id=request.user.pk)
    text = _("Client %(name)s archived.") if archived else _("Client %(name)s restored.")
    messages.success(request, text % {"name": client.name})
    return redirect("web:client-list")


@require_http_methods(["GET", "POST"])
@admin_required
def client_delete(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(clients_with_counts(archived=None), pk=pk)
    if request.method == "POST":
        services.client_delete(client=client, actor_id=request.user.pk)
        messages.success(request, _("Client %(name)s deleted.") % {"name": client.name})
        return redirect("web:client-list")
    return render(request, "web/clients/delete.html", {"client": client})
