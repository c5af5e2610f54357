"""The map editor's JSON endpoints (``/api/edit/...``), for signed-in users with a layer's change
permission. Reads and presence only: the editor saves through the OGC API (``ogc.views``)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from geoportal.portal import editing
from layers.common.errors import Forbidden, UnknownLayer
from layers.common.registry import Layer, get_layer


def _editable(request: HttpRequest, slug: str) -> Layer:
    """The layer, if the user may edit it; an unknown layer and one the user may not see are told
    apart only for those who may see it."""
    layer = get_layer(slug)
    if not layer.user_can_view(request.user):
        raise UnknownLayer(_("unknown layer %(slug)s") % {"slug": repr(slug)})
    if not layer.user_can_edit(request.user):
        raise Forbidden(_("sign in with an account that may edit this layer"))
    return layer


def _json(data: object) -> JsonResponse:
    return JsonResponse(data, safe=False, json_dumps_params={"ensure_ascii": False})


@require_safe
@never_cache
def editor_layers(request: HttpRequest) -> JsonResponse:
    lang = translation.get_language()
    return _json(
        {
            "layers": editing.editor_layers(request.user, lang),
            "settings": editing.editor_settings(),
        }
    )


@require_safe
@never_cache
def feature_history(request: HttpRequest, slug: str, pk: int) -> JsonResponse:
    layer = _editable(request, slug)
    return _json({"versions": editing.feature_versions(layer, pk)})


@require_http_methods(["POST", "DELETE"])
@never_cache
def presence(request: HttpRequest, slug: str, pk: int) -> JsonResponse:
    """``POST``: the user has the feature open (sent again every heartbeat); answers who else has
    it open or saved it lately. ``DELETE``: the user closed it."""
    layer = _editable(request, slug)
    if request.method == "DELETE":
        editing.mark_closed(layer, pk, request.user)
        return _json({"others": []})
    editing.mark_open(layer, pk, request.user)
    return _json({"others": editing.others_editing(layer, pk, request.user)})
