// The lab panel: collapsed or open, and its scroll position, kept while the
// learner moves between blades (localStorage, per browser).
(function () {
  "use strict";
  var KEY = "vnetlab-lab-panel";

  function state() {
    try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch (e) { return {}; }
  }
  function save(s) {
    try { localStorage.setItem(KEY, JSON.stringify(s)); } catch (e) { /* private mode */ }
  }
  function apply() {
    var panel = document.getElementById("lab-panel");
    if (!panel) return;
    var s = state();
    document.body.classList.toggle("lab-panel-collapsed", !!s.collapsed);
    var toggle = document.getElementById("lab-toggle");
    if (toggle) toggle.setAttribute("aria-expanded", s.collapsed ? "false" : "true");
    if (typeof s.scroll === "number") panel.scrollTop = s.scroll;
  }
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("#lab-toggle");
    if (!toggle) return;
    var s = state();
    s.collapsed = !s.collapsed;
    save(s);
    apply();
  });
  document.addEventListener("scroll", function (event) {
    if (event.target && event.target.id === "lab-panel") {
      var s = state();
      s.scroll = event.target.scrollTop;
      save(s);
    }
  }, true);
  document.addEventListener("DOMContentLoaded", apply);
  document.addEventListener("htmx:afterSettle", apply);
  document.addEventListener("htmx:oobAfterSwap", apply);
})();
