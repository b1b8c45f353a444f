// Presenter mode (CLS-29..CLS-33; docs/classroom.md "Presenter mode").
// No inline handlers (CSP): everything is wired here.
(function () {
  "use strict";

  const HIGHLIGHT = "az-presenter-click";
  const HIGHLIGHT_MS = 1200;
  // What counts as "the control" of a click: the element the room should see.
  const CONTROL = "a, button, summary, label, select, input, textarea, [role=button], [role=tab], [role=menuitem], [role=switch], tr";

  function presenting() {
    return document.documentElement.classList.contains("az-presenter");
  }

  // CLS-30: outline the clicked control for a moment.
  let lastTimer = null;
  let lastControl = null;
  document.addEventListener("click", function (event) {
    if (!presenting() || !(event.target instanceof Element)) return;
    const control = event.target.closest(CONTROL) || event.target;
    if (lastControl) lastControl.classList.remove(HIGHLIGHT);
    if (lastTimer) window.clearTimeout(lastTimer);
    // Restart the fade when the same control is clicked again.
    void control.offsetWidth;
    control.classList.add(HIGHLIGHT);
    lastControl = control;
    lastTimer = window.setTimeout(function () {
      control.classList.remove(HIGHLIGHT);
      lastControl = null;
      lastTimer = null;
    }, HIGHLIGHT_MS);
  }, true);

  // The page being shown, which an htmx swap (HX-Location) may have changed
  // since the top bar was drawn: where the presenter menu comes back to.
  function here() {
    return window.location.pathname + window.location.search;
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    form.querySelectorAll("input[data-presenter-next]").forEach(function (input) { input.value = here(); });
  }, true);

  // CLS-33: "Reset to the demo start" opens its pane with the page to come back to.
  document.addEventListener("htmx:configRequest", function (event) {
    const source = event.detail.elt;
    if (source && source.hasAttribute && source.hasAttribute("data-presenter-next")) {
      event.detail.parameters.next = here();
    }
  });

  // The menu closes on a click elsewhere or Escape, as the portal's menus do.
  document.addEventListener("click", function (event) {
    const menu = document.getElementById("presenter-menu");
    if (!menu || !menu.open) return;
    // Outside it, or its link that opens a pane: the menu is done.
    if (!menu.contains(event.target) || event.target.closest("#presenter-panel a[hx-get]")) menu.open = false;
  });
  document.addEventListener("keydown", function (event) {
    const menu = document.getElementById("presenter-menu");
    if (event.key === "Escape" && menu && menu.open) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
})();
