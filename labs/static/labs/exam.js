// Exam mode: the countdown in the lab panel. At zero it goes to the exam's
// page, where the server (which keeps the time) finishes and grades it.
(function () {
  "use strict";
  if (window.vnetlabExamClock) return;
  window.vnetlabExamClock = true;
  var leaving = false;

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var clock = document.getElementById("exam-clock");
    if (!clock) return;
    var ends = Date.parse(clock.getAttribute("data-ends-at"));
    if (isNaN(ends)) return;
    var left = Math.max(0, Math.ceil((ends - Date.now()) / 1000));
    var text = document.getElementById("exam-time-left");
    if (text) text.textContent = Math.floor(left / 60) + ":" + pad(left % 60);
    clock.classList.toggle("az-exam-clock-low", left <= 60);
    if (left === 0 && !leaving) {
      leaving = true;
      // A little after zero, so the server's clock has passed it too.
      setTimeout(function () { window.location.assign(clock.getAttribute("data-url")); }, 400);
    }
  }
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);
  setInterval(tick, 500);
})();
