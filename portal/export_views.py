"""Export template (portal-ui §1.7: Automation > Export template) for one
resource and for a resource group, and Deploy a custom template into a
resource group: ARM JSON out and in, in the portal's style.

The template is built by portal.arm.export from the registry's types, and
deployed by portal.arm.deploy through each type's services; a refusal is
shown on the form with the resource, the property and the rule IDs, and
the sandbox stays as it was."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET, require_http_methods

from portal import blades
from portal.access import get_listed_resource, get_resource_group
from portal.arm import deploy as arm_deploy
from portal.arm import export as arm_export
from portal.arm.errors import ArmError

EXPORT_KEY = "export_template"
DEPLOY_KEY = "deploy_template"
MAX_TEMPLATE_BYTES = 1_000_000


class ExportForm(forms.Form):
    """``?download=1`` answers the template as a file instead of the page."""

    download = forms.BooleanField(required=False)


class DeployForm(forms.Form):
    """Deploy a custom template: the template's JSON, pasted."""

    template = forms.CharField(widget=forms.Textarea, max_length=MAX_TEMPLATE_BYTES, strip=False)


def _answer(request: HttpRequest, template: dict[str, Any], filename: str, context: dict) -> HttpResponse:
    text = json.dumps(template, indent=2)
    form = ExportForm(request.GET)
    if form.is_valid() and form.cleaned_data["download"]:
        response = HttpResponse(text + "\n", content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    context = {**context, "template_json": text, "resource_count": len(template["resources"])}
    return blades.respond(request, "portal/export_template.html", "template", context)


@require_GET
def export_template(
    request: HttpRequest, subscription_id, rg: str, provider: str, type_name: str, name: str
) -> HttpResponse:
    """A resource's Export template page (every listed type's menu has it)."""
    resource, resource_type = get_listed_resource(request, subscription_id, rg, provider, type_name, name)
    context = blades.blade(
        resource,
        menu=blades.resource_menu(resource, EXPORT_KEY, arm_type=resource_type.arm_type),
        title="Export template",
        icon=resource_type.icon,
    )
    return _answer(request, arm_export.export_resource(resource), "template.json", context)


@require_GET
def resource_group_export_template(request: HttpRequest, subscription_id, rg: str) -> HttpResponse:
    group = get_resource_group(request, subscription_id, rg)
    context = blades.resource_group_blade(group, EXPORT_KEY, "Export template")
    return _answer(request, arm_export.export_group(group), "template.json", context)


@require_http_methods(["GET", "POST"])
def resource_group_deploy_template(request: HttpRequest, subscription_id, rg: str) -> HttpResponse:
    """Deploy a custom template into the group: every resource or none."""
    group = get_resource_group(request, subscription_id, rg)
    context = blades.resource_group_blade(group, DEPLOY_KEY, "Deploy a custom template")
    form = DeployForm(request.POST if request.method == "POST" else None)
    status, error, deployed = 200, None, None
    if request.method == "POST":
        if form.is_valid():
            try:
                deployment = arm_deploy.deploy(
                    request.sandbox, form.cleaned_data["template"], resource_group=group.name, quiet=False
                )
            except ArmError as exc:
                error, status = exc, 422
            else:
                deployed = sorted(deployment.resources)
        else:
            status = 422
    context.update({"form": form, "error": error, "deployed": deployed})
    return blades.respond(request, "portal/deploy_template.html", "deploy", context, status=status)
