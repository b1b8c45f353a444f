// The live board (classroom/templates/classroom/board_grid.html): say
// whether the board's socket is live, and keep "N of M done" and the stuck
// count right as rows are swapped in (counted from the rows when the board
// shows every learner; a filtered board keeps the counts it was drawn with).
(function () {
  "use strict";

  function isBoard(event) {
    return event.detail && event.detail.elt && event.detail.elt.id === "board-socket";
  }

  function setLive(state) {
    const el = document.getElementById("board-live");
    if (!el) return;
    el.dataset.state = state;
    el.textContent = state === "live" ? "Live updates on" : state === "closed" ? "Live updates off: reconnecting" : "Connecting";
  }

  function recount() {
    const grid = document.getElementById("board-grid");
    if (!grid || grid.dataset.show !== "all") return;
    const rows = grid.querySelectorAll("tr.board-row");
    const done = grid.querySelectorAll('tr.board-row[data-state="done"]').length;
    const stuck = grid.querySelectorAll('tr.board-row[data-stuck="yes"]').length;
    const count = document.getElementById("board-done-count");
    if (count) count.firstElementChild.textContent = done + " of " + rows.length;
    const stuckCount = document.getElementById("board-stuck-count");
    if (stuckCount) {
      stuckCount.hidden = stuck === 0;
      stuckCount.lastElementChild.textContent = stuck + " stuck";
    }
  }

  document.addEventListener("htmx:wsOpen", function (event) { if (isBoard(event)) setLive("live"); });
  document.addEventListener("htmx:wsClose", function (event) { if (isBoard(event)) setLive("closed"); });
  document.addEventListener("htmx:wsAfterMessage", function (event) { if (isBoard(event)) recount(); });
})();
