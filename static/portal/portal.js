// VNet Lab portal shell: panes, toasts, menu filter, WebSocket state.
// No inline handlers: everything is wired here by data attributes.
(function () {
  "use strict";

  function openPane(pane) {
    if (pane.innerHTML.trim()) {
      pane.classList.add("open");
      const first = pane.querySelector("[autofocus], input:not([type=hidden]), select, button");
      if (first) first.focus({ preventScroll: true });
    } else {
      pane.classList.remove("open");
    }
  }

  function closePane(pane) {
    pane.classList.remove("open");
    pane.innerHTML = "";
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    const target = event.detail.target;
    if (target && target.classList && target.classList.contains("az-pane")) openPane(target);
  });

  // Going to another page after a change (HX-Location swaps #main): the
  // pane that made the change is done, as a blade closes in the portal.
  document.addEventListener("htmx:beforeSwap", function (event) {
    const target = event.detail.target;
    if (target && target.id === "main" && event.detail.shouldSwap) {
      document.querySelectorAll(".az-pane.open").forEach(closePane);
    }
  });

  // htmx answers an error with a 4xx for an invalid form only when asked to
  // swap it: let 422 responses swap (they carry field errors), and 413s (a
  // body over the lab's limit, SBX-06: a toast, the pane left as it was).
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422 || event.detail.xhr.status === 413) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("click", function (event) {
    const close = event.target.closest("[data-close-pane]");
    if (close) {
      event.preventDefault();
      closePane(close.closest(".az-pane"));
      return;
    }
    const dismiss = event.target.closest("[data-dismiss-toast]");
    if (dismiss) {
      dismiss.closest(".az-toast").remove();
      return;
    }
    const toggle = event.target.closest("[data-toggle-menu]");
    if (toggle) {
      document.body.classList.toggle("az-menu-collapsed");
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      document.querySelectorAll(".az-pane.open").forEach(closePane);
    }
    if (event.key === "/" && event.ctrlKey) {
      const filter = document.querySelector("[data-menu-filter]");
      if (filter) {
        event.preventDefault();
        filter.focus();
      }
    }
  });

  // A filter box inside a form (the Add VNet pane's "Filter virtual
  // networks") filters as the learner types: Enter doesn't submit the form.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("[data-filter-box]")) event.preventDefault();
  });

  // "Search (Ctrl+/)" filters the resource menu.
  document.addEventListener("input", function (event) {
    if (!event.target.matches("[data-menu-filter]")) return;
    const needle = event.target.value.trim().toLowerCase();
    document.querySelectorAll(".az-resource-menu-item").forEach(function (item) {
      item.hidden = needle && !item.textContent.toLowerCase().includes(needle);
    });
  });

  // A form with data-enables turns that button on at its first change
  // (Configuration's Save is disabled until something changes).
  ["input", "change"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      const form = event.target.form;
      if (!form || !form.dataset.enables) return;
      const button = document.getElementById(form.dataset.enables);
      if (button) {
        button.disabled = false;
        button.removeAttribute("title");
      }
    });
  });

  // Toasts fade after a while, as the portal's do; in-progress ones stay
  // until replaced.
  const observer = new MutationObserver(function (mutations) {
    mutations.forEach(function (m) {
      m.addedNodes.forEach(function (node) {
        if (node.nodeType !== 1 || !node.classList.contains("az-toast")) return;
        // A finished operation's toast replaces its in-progress one.
        node.parentNode.querySelectorAll('.az-toast[data-note="' + node.dataset.note + '"]').forEach(function (old) {
          if (old !== node) old.remove();
        });
        if (node.dataset.level !== "progress") {
          setTimeout(function () { node.remove(); }, 8000);
        }
      });
    });
  });
  document.addEventListener("DOMContentLoaded", function () {
    const toasts = document.getElementById("toasts");
    if (toasts) observer.observe(toasts, { childList: true });
  });

  // The WebSocket's state, for people (a tooltip) and for tests.
  function wsState(state) {
    const el = document.getElementById("ws-status");
    if (el) el.dataset.state = state;
    document.body.dataset.ws = state;
  }
  document.addEventListener("htmx:wsOpen", function () { wsState("open"); });
  document.addEventListener("htmx:wsClose", function () { wsState("closed"); });
})();
