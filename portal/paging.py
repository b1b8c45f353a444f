"""Long grids, paged as the portal pages its grids (issue #12: "long grids
are paged the way the portal does"; docs/fidelity.md "Long grids").

The portal's browse grid gives a record count under its search box
("Showing 1 to 100 of 412 records.") and, under the grid, "Previous", a
page picker ("Page [n] of M") and "Next" (Azure/portaldocs, "Browse
resources" design pattern, 2021). Every grid that grows with the estate
(All resources, a resource group's resources, a VNet's subnets, ...) draws
that pager from ``templates/portal/_pager.html`` over a :class:`Pager`:

    pager = paging.pager(request, total, target="subnet-grid", label="Subnets", keep={"q": q})
    rows = queryset[pager.offset : pager.end]

The page comes from the query string (``?page=2``), read by
:func:`page_number` through ``portal.inputs.parse_int``: anything that isn't
a page number (text, NUL, a number past any database's integer) is the first
page, and a number past the last page is the last page, so a bad link shows
a page of the grid, never an error. The pager's links are real links (no
JavaScript needed) that htmx follows by swapping only the grid (its
``target`` element) and pushing the page's URL into the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.http import HttpRequest, QueryDict

from portal.inputs import db_text, parse_int

# Records per page, as the portal's browse grid shows them.
PAGE_SIZE = 100
# No grid of a sandbox comes near a million pages: beyond it, a "page" is noise.
MAX_PAGE = 10**6
# A filter box's text, cut as the portal's search boxes cut it.
FILTER_MAX = 90


def page_number(value) -> int:
    """``?page=`` as a page number: 1 for anything that isn't one."""
    return parse_int(value, lo=1, hi=MAX_PAGE) or 1


def filter_text(value) -> str:
    """A grid's filter box, as a query can take it (no NUL, not overlong)."""
    return db_text(value).strip()[:FILTER_MAX]


@dataclass(frozen=True)
class Pager:
    """One page of a grid of ``total`` records, and how to reach the others."""

    number: int
    pages: int
    total: int
    per_page: int
    path: str
    target: str
    label: str
    keep: tuple[tuple[str, str], ...] = ()

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page

    @property
    def end(self) -> int:
        return self.offset + self.per_page

    @property
    def first_index(self) -> int:
        return self.offset + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.end, self.total)

    @property
    def paged(self) -> bool:
        return self.pages > 1

    @property
    def showing(self) -> str:
        """The record count the portal writes above a grid."""
        if self.paged:
            return f"Showing {self.first_index} to {self.last_index} of {self.total} records."
        return f"Showing {self.total} record{'' if self.total == 1 else 's'}."

    def url(self, number: int) -> str:
        """The page's address: the grid's path, its filters, the page (none for the first)."""
        query = list(self.keep) + ([("page", str(number))] if number > 1 else [])
        return f"{self.path}?{urlencode(query)}" if query else self.path

    @property
    def previous_url(self) -> str:
        return self.url(self.number - 1) if self.number > 1 else ""

    @property
    def next_url(self) -> str:
        return self.url(self.number + 1) if self.number < self.pages else ""

    @property
    def numbers(self) -> range:
        return range(1, self.pages + 1)

    @property
    def control_id(self) -> str:
        """The page picker's element id, unique per grid on a page."""
        return f"{self.target}-page"


def pager(
    request: HttpRequest,
    total: int,
    *,
    target: str,
    label: str,
    keep: dict[str, str] | None = None,
    query: QueryDict | None = None,
    per_page: int = PAGE_SIZE,
    path: str = "",
) -> Pager:
    """The page of ``request``'s grid (``?page=``, or that of ``query``),
    clamped to the pages ``total`` records fill. ``keep`` holds the grid's
    filters, carried by every page link; ``target`` is the id of the element
    the grid's partial draws, which the links swap."""
    pages = max(1, -(-total // per_page))
    number = min(page_number((query if query is not None else request.GET).get("page")), pages)
    kept = tuple((name, value) for name, value in (keep or {}).items() if value)
    return Pager(number, pages, total, per_page, path or request.path, target, label, kept)


def current_query(request: HttpRequest, path: str) -> QueryDict:
    """The query string of the page an htmx request was made from, when that
    page is ``path`` (a pane's Save redraws the grid on the page and filter
    the learner was looking at); else an empty one."""
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    return QueryDict(current.query) if current.path == path else QueryDict()
