// dutydesk board: reload the board's rows every few seconds without reloading the page. No inline
// script (the CSP forbids it); the page works without this file (a reload shows the same).
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board || !window.fetch) { return; }
  var seconds = parseInt(board.getAttribute("data-poll"), 10) || 10;
  var src = board.getAttribute("data-src");
  function refresh() {
    fetch(src, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var rows = doc.body;
        if (rows) { board.replaceChildren.apply(board, Array.prototype.slice.call(rows.childNodes)); }
      })
      .catch(function () { /* offline for a moment: the next tick tries again */ })
      .then(function () { window.setTimeout(refresh, seconds * 1000); });
  }
  window.setTimeout(refresh, seconds * 1000);
})();
