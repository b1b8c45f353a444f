"""``{% once %}``: a part of a template rendered once per process and reused.

The portal's shell (the head's static links, the top bar, the portal menu)
is the same on every page, yet its ``{% url %}``, ``{% static %}`` and
``{% include %}`` tags cost a good part of a page's rendering. Inside
``{% once name=value ... %} ... {% endonce %}`` the context holds only the
values given as arguments: nothing of the request, the sandbox or the CSRF
token can reach the copy kept. The part's HTML is kept per value of its
arguments (which must be hashable and few: an era's flag, not a
sandbox's), the URL prefix and the URLconf, on the node itself, so it goes
when the template is loaded again.

A tag inside that reads the context for itself gets nothing from it:
``{% htmx_script %}``, for one, writes no ``nonce`` (the CSP allows the
portal's own script files, not nonces: docs/hosting.md).
"""

from django import template
from django.template.base import token_kwargs
from django.template.loader_tags import BlockNode
from django.urls import get_script_prefix, get_urlconf

register = template.Library()

# Copies kept per node: more values than this means an argument that is not
# shared between pages, and the part is then rendered each time.
MAX_COPIES = 16


class OnceNode(template.Node):
    # No {% block %} inside (the tag refuses one): a child template's
    # {% extends %} need not look for blocks in here on every render.
    child_nodelists = ()

    def __init__(self, nodelist: template.NodeList, arguments: dict):
        self.nodelist = nodelist
        self.arguments = arguments
        self.copies: dict[tuple, str] = {}

    def render(self, context: template.Context) -> str:
        values = {name: value.resolve(context) for name, value in self.arguments.items()}
        key = (get_script_prefix(), get_urlconf(), context.autoescape, *sorted(values.items()))
        html = self.copies.get(key)
        if html is None:
            alone = template.Context(
                values, autoescape=context.autoescape, use_l10n=context.use_l10n, use_tz=context.use_tz
            )
            with alone.bind_template(context.template):
                html = self.nodelist.render(alone)
            if len(self.copies) < MAX_COPIES:
                self.copies[key] = html
        return html


@register.tag
def once(parser, token) -> OnceNode:
    """``{% once [name=value ...] %}...{% endonce %}``: rendered with only
    its arguments in the context, once per process for each of their values."""
    bits = token.split_contents()[1:]
    arguments = token_kwargs(bits, parser)
    if bits:
        raise template.TemplateSyntaxError("'once' takes only name=value arguments")
    nodelist = parser.parse(("endonce",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(BlockNode):
        # A child template's block would be drawn once for every template.
        raise template.TemplateSyntaxError("'once' may not hold a {% block %}")
    return OnceNode(nodelist, arguments)
