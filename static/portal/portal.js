// VNet Lab portal shell: panes, toasts, menu filter, WebSocket state.
// No inline handlers: everything is wired here by data attributes.
(function () {
  "use strict";

  // A pane takes the focus once, as it opens, and never after the learner
  // has typed since asking for it, nor from a field they are already in.
  // htmx would focus an [autofocus] field again when it settles (20 ms
  // later, more on a busy machine): by then the learner may be typing in
  // another field, so the pane's own focus below is the only one.
  let lastTyped = 0;
  document.addEventListener("keydown", function () { lastTyped = performance.now(); }, true);
  document.addEventListener("htmx:beforeRequest", function (event) {
    const target = event.detail.target;
    if (target && target.classList && target.classList.contains("az-pane")) {
      target.dataset.requestedAt = String(performance.now());
      // What opened the pane gets the focus back when it closes (A11Y-06).
      const opener = event.detail.elt;
      if (opener && !target.contains(opener)) openers.set(target, opener);
    }
  });
  const openers = new WeakMap();

  function openPane(pane) {
    // An empty answer closes the pane (the room's actions: their job's bar
    // comes out of band), the focus back where it was.
    if (!pane.innerHTML.trim()) {
      closePane(pane);
      return;
    }
    const opening = !pane.classList.contains("open");
    pane.classList.add("open");
    const preferred = pane.querySelector("[autofocus]");
    pane.querySelectorAll("[autofocus]").forEach(function (field) { field.removeAttribute("autofocus"); });
    const typed = lastTyped > Number(pane.dataset.requestedAt || 0);
    if (!opening || typed || pane.contains(document.activeElement)) return;
    const first = preferred || pane.querySelector("input:not([type=hidden]), select, textarea") || pane.querySelector("button");
    if (first) first.focus({ preventScroll: true });
  }

  function closePane(pane) {
    const hadFocus = pane.contains(document.activeElement);
    pane.classList.remove("open");
    pane.innerHTML = "";
    // Back to the command that opened it, as the portal does, unless the
    // learner has moved on elsewhere (A11Y-06).
    const opener = openers.get(pane);
    openers.delete(pane);
    const lost = hadFocus || document.activeElement === document.body || !document.activeElement;
    if (opener && opener.isConnected && lost) opener.focus({ preventScroll: true });
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
      // An open menu (the account menu is a <details>) closes too, its
      // button keeping the focus.
      document.querySelectorAll("details[open].az-account").forEach(function (menu) {
        const inside = menu.contains(document.activeElement);
        menu.open = false;
        if (inside) menu.querySelector("summary").focus();
      });
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

  // Live pushes go to every tab of the sandbox; a page swaps in the
  // fragments whose element it shows and drops the others (a push names
  // the elements of every page: another blade's status badge, the
  // notification list of a closed pane), instead of htmx logging
  // htmx:oobErrorNoTarget for each. Only WebSocket messages (no xhr).
  function oobTarget(fragment) {
    const how = fragment.getAttribute("hx-swap-oob") || fragment.getAttribute("data-hx-swap-oob") || "true";
    const colon = how.indexOf(":");
    if (colon > 0) return how.substring(colon + 1);
    return fragment.id ? "#" + CSS.escape(fragment.id) : null;
  }

  function shown(selector) {
    try {
      return document.querySelector(selector) !== null;
    } catch (error) {
      return true; // a selector of htmx's own syntax: htmx resolves it
    }
  }

  htmx.defineExtension("live-targets", {
    transformResponse: function (text, xhr) {
      if (xhr) return text;
      const template = document.createElement("template");
      template.innerHTML = text;
      Array.from(template.content.children).forEach(function (fragment) {
        const selector = oobTarget(fragment);
        if (selector && !shown(selector)) fragment.remove();
      });
      return template.innerHTML;
    }
  });

  // Reconnect soon after the server comes back (htmx's default waits up to
  // 64 s between tries); the jitter spreads a class's tabs apart.
  htmx.config.wsReconnectDelay = function (retryCount) {
    const ceiling = Math.min(5000, 500 * Math.pow(2, retryCount));
    return ceiling / 2 + Math.random() * ceiling / 2;
  };

  // The WebSocket's state, for people (a tooltip) and for tests:
  // connecting, open, live (the state the server sent on connecting is in),
  // closed.
  function wsState(state) {
    const el = document.getElementById("ws-status");
    if (el) el.dataset.state = state;
    document.body.dataset.ws = state;
  }

  // On every (re)connect, name the live elements the page shows and the
  // toasts still spinning: the server answers with their state as it is
  // now, ending with #ws-status reading "live".
  document.addEventListener("htmx:wsOpen", function (event) {
    wsState("open");
    const live = Array.from(document.querySelectorAll("[data-live][id]"), function (el) { return el.id; });
    const toasts = Array.from(document.querySelectorAll('.az-toast[data-level="progress"]'), function (el) {
      return el.dataset.note;
    });
    event.detail.socketWrapper.send(JSON.stringify({ live: live, toasts: toasts }));
  });
  document.addEventListener("htmx:wsAfterMessage", function () {
    const el = document.getElementById("ws-status");
    if (el && el.dataset.state === "live") document.body.dataset.ws = "live";
    giveTokens();
  });

  // What the WebSocket brings is drawn without a request, so a live
  // element's plain POST form (the lab panel's "Finish exam") has no CSRF
  // token: it takes the page's own (htmx sends it as a header already).
  function giveTokens() {
    let token = "";
    try {
      token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return;
    }
    document.querySelectorAll('[data-live] form[method="post"]').forEach(function (form) {
      if (!token || form.querySelector('input[name="csrfmiddlewaretoken"]')) return;
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = "csrfmiddlewaretoken";
      input.value = token;
      form.prepend(input);
    });
  }
  document.addEventListener("htmx:wsClose", function () { wsState("closed"); });
})();
