// The live board (classroom/templates/classroom/board_grid.html): say
// whether the board's socket is live, and keep the counts right as rows are
// pushed (CLS-17, CLS-20).
//
// The counts are the whole class's, whatever the filter: the page carries
// every learner's state (#board-tally, seat -> [state, stuck]), and every
// pushed row updates its learner's entry before the row is swapped in, or
// dropped when the board doesn't show it (a filtered board). A shown row
// that no longer matches the filter stays where it is, marked, and the
// learners who now match but aren't shown are counted next to a Refresh
// link (docs/fidelity.md, "The live board").
(function () {
  "use strict";

  const ROW_PREFIX = "board-row-";
  let tally = null;

  function isBoard(event) {
    return event.detail && event.detail.elt && event.detail.elt.id === "board-socket";
  }

  function setLive(state) {
    const el = document.getElementById("board-live");
    if (!el) return;
    el.dataset.state = state;
    el.textContent = state === "live" ? "Live updates on" : state === "closed" ? "Live updates off: reconnecting" : "Connecting";
  }

  function loadTally() {
    if (tally !== null) return tally;
    tally = {};
    const script = document.getElementById("board-tally");
    if (script) {
      try {
        tally = JSON.parse(script.textContent) || {};
      } catch (error) {
        tally = {};
      }
    }
    return tally;
  }

  // Every row a message brings, shown or not, updates its learner's entry.
  function remember(message) {
    if (typeof message !== "string" || message.indexOf(ROW_PREFIX) < 0) return;
    const entries = loadTally();
    const template = document.createElement("template");
    template.innerHTML = message;
    template.content.querySelectorAll("tr.board-row[id^='" + ROW_PREFIX + "']").forEach(function (row) {
      entries[row.id.substring(ROW_PREFIX.length)] = [row.dataset.state, row.dataset.stuck === "yes"];
    });
  }

  const NO_LONGER = { stuck: "No longer stuck", done: "No longer done", "not-started": "Started" };

  function matches(show, state, stuck) {
    if (show === "stuck") return stuck;
    if (show === "done") return state === "done";
    if (show === "not-started") return state === "not-started";
    return true;
  }

  function recount() {
    const grid = document.getElementById("board-grid");
    if (!grid) return;
    const entries = loadTally();
    const show = grid.dataset.show || "all";
    let total = 0, done = 0, stuck = 0, unshown = 0;
    Object.keys(entries).forEach(function (seat) {
      const state = entries[seat][0], isStuck = entries[seat][1];
      total += 1;
      if (state === "done") done += 1;
      if (isStuck) stuck += 1;
      if (matches(show, state, isStuck) && !document.getElementById(ROW_PREFIX + seat)) unshown += 1;
    });
    const count = document.getElementById("board-done-count");
    if (count) count.firstElementChild.textContent = done + " of " + total;
    const stuckCount = document.getElementById("board-stuck-count");
    if (stuckCount) {
      stuckCount.hidden = stuck === 0;
      stuckCount.lastElementChild.textContent = stuck + " stuck";
    }
    const more = document.getElementById("board-unshown");
    if (more) {
      more.hidden = unshown === 0;
      more.lastElementChild.textContent = unshown === 1
        ? "1 more learner to show: Refresh"
        : unshown + " more learners to show: Refresh";
    }
    markUnmatched(grid, show);
  }

  // A shown row whose learner no longer matches the filter is marked, not
  // removed: the grid doesn't change under the instructor's pointer.
  function markUnmatched(grid, show) {
    grid.querySelectorAll("tr.board-row").forEach(function (row) {
      const fits = matches(show, row.dataset.state, row.dataset.stuck === "yes");
      const note = row.querySelector(".board-unmatched");
      row.dataset.matches = fits ? "yes" : "no";
      if (fits && note) note.remove();
      if (!fits && !note) {
        const mark = document.createElement("span");
        mark.className = "board-unmatched";
        mark.textContent = (NO_LONGER[show] || "No longer in this filter") + ": Refresh to update";
        row.querySelector("th").appendChild(mark);
      }
    });
  }

  document.addEventListener("htmx:wsOpen", function (event) { if (isBoard(event)) setLive("live"); });
  document.addEventListener("htmx:wsClose", function (event) { if (isBoard(event)) setLive("closed"); });
  document.addEventListener("htmx:wsBeforeMessage", function (event) { if (isBoard(event)) remember(event.detail.message); });
  document.addEventListener("htmx:wsAfterMessage", function (event) { if (isBoard(event)) recount(); });
})();
