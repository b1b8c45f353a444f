"""axe-core in the browser tests (issue #13 item 6, docs/accessibility.md).

Any browser test can check the page its tab shows::

    from tests.e2e.axe import assert_accessible

    assert_accessible(tab.page, context="the board")

It injects axe-core (the npm package, node_modules/axe-core/axe.min.js) into
the page and fails listing every serious or critical violation: the rule id,
the elements (CSS selectors) and what is wrong with the first of them.

The portal's CSP takes scripts from its own origin only ('self', no inline
script). Rather than bypass it (``bypass_csp=True``, which the issue allows
for a checking tool, but which would hide the CSP violations every other
browser test fails on), the page loads axe from a same-origin address
(``AXE_URL``) that Playwright answers with the npm file (``page.route``): the
server never serves it, and the page's CSP stays in force while axe runs.

Rules: WCAG 2.0/2.1 A and AA (axe's wcag2a, wcag2aa, wcag21a, wcag21aa tags)
plus axe's best practices (one level-1 heading, landmarks). A11Y-01..A11Y-06
in docs/fidelity.md.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

AXE_SCRIPT = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
# Same origin as the page, so its CSP (script-src 'self') lets it load; never served by Django.
AXE_URL = "/__e2e__/axe-core/axe.min.js"
# What fails a test: axe's two highest impacts (moderate and minor are reported by axe_report only).
FAILING_IMPACTS = ("serious", "critical")
# WCAG 2.1 A and AA, and axe's best practices (page-has-heading-one is one).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
# Rules that fail whatever axe rates them: a page's one level-1 heading (A11Y-05, "moderate" in axe)
# and a control's visible label inside its accessible name (A11Y-02, WCAG 2.5.3; axe still calls
# the rule experimental, so it is switched on by name).
ALWAYS_FAILING = ("page-has-heading-one", "label-content-name-mismatch")

_RUN = """async (tags) => {
  const result = await window.axe.run(document, {
    runOnly: {type: 'tag', values: tags},
    rules: {'label-content-name-mismatch': {enabled: true}},
    resultTypes: ['violations'],
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.map(String).join(' '), impact: n.impact, summary: n.failureSummary || ''})),
  }));
}"""


def _answer(route) -> None:
    route.fulfill(path=str(AXE_SCRIPT), content_type="text/javascript")


def _inject(page) -> None:
    if not AXE_SCRIPT.is_file():
        raise AssertionError(f"{AXE_SCRIPT} is missing: axe-core is a dev dependency in package.json (npm install).")
    if page.evaluate("() => typeof window.axe === 'object'"):
        return
    if not getattr(page, "_vnetlab_axe_routed", False):
        page.route("**" + AXE_URL, _answer)
        page._vnetlab_axe_routed = True
    page.add_script_tag(url=AXE_URL)


_HEADINGS_ONE = "() => Array.from(document.querySelectorAll('h1')).map((h) => h.textContent.trim())"


def axe_violations(page) -> list[dict]:
    """Every violation axe finds on the page as it is now (panes and menus
    that are open included): [{id, impact, help, nodes: [{target, impact, summary}]}],
    and ``one-heading-one`` when the page has more than one level-1 heading
    (axe checks there is at least one; A11Y-05 wants exactly one)."""
    _inject(page)
    found = page.evaluate(_RUN, TAGS)
    headings = page.evaluate(_HEADINGS_ONE)
    if len(headings) > 1:
        nodes = [{"target": "h1", "impact": "serious", "summary": f"level-1 headings: {headings}"}]
        found.append(
            {"id": "one-heading-one", "impact": "serious", "help": "A page has one level-1 heading", "nodes": nodes}
        )
    return found


def serious(violations: list[dict]) -> list[dict]:
    """The violations (and their elements) that fail a test: serious or
    critical ones, and every one of the rules in ALWAYS_FAILING."""
    found = []
    for violation in violations:
        always = violation["id"] in ALWAYS_FAILING
        nodes = [n for n in violation["nodes"] if always or (n["impact"] or violation["impact"]) in FAILING_IMPACTS]
        if nodes:
            found.append({**violation, "nodes": nodes})
    return found


def describe(violations: list[dict], context: str = "") -> str:
    count = sum(len(v["nodes"]) for v in violations)
    lines = [f"{context or 'the page'}: {count} element(s) in serious or critical violation of WCAG 2.1 AA (axe-core)"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    {node['target']}: {summary[:300]}")
    return "\n".join(lines)


def assert_accessible(page, context: str = "") -> None:
    """Fail when axe-core finds any serious or critical violation on
    ``page`` (a Playwright page, or a Tab's ``.page``). ``context`` names the
    page in the failure message ("the Add VNet pane")."""
    found = serious(axe_violations(page))
    if found:
        raise AssertionError(describe(found, context or page.url))
