// Live updates (D36): hand-written, no library. The server streams every
// incident change as a server-sent event; this script puts the change in
// place without a reload, so filters, scroll position and selection
// stay. The list fetches the one changed row as its filters show it, the
// incident page its state and history, the wall itself. EventSource
// reconnects by itself and hands the server the last event it saw; when
// the server cannot catch it up it says "reset" and the page reloads.
(function () {
  "use strict";
  var mode = document.body.getAttribute("data-live");
  if (!mode || !window.EventSource || !window.fetch || !window.DOMParser) {
    return;
  }

  function get(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } });
  }

  function parse(html) {
    return new DOMParser().parseFromString(html, "text/html");
  }

  // The list: fetch the row of a changed incident with the page's own
  // filters, then replace it, insert it at the top (on the first page)
  // or remove it when it no longer passes them.
  function updateRow(id) {
    var table = document.getElementById("incidents");
    if (!table) {
      return;
    }
    var body = table.tBodies[0];
    var query = window.location.search;
    get("/incidents/" + id + "/row/" + query).then(function (resp) {
      var old = document.getElementById("incident-" + id);
      if (resp.status === 204) {
        if (old) {
          old.parentNode.removeChild(old);
        }
        return null;
      }
      if (!resp.ok) {
        return null;
      }
      return resp.text().then(function (html) {
        var doc = parse("<table><tbody>" + html + "</tbody></table>");
        var row = doc.querySelector("tr");
        if (!row) {
          return;
        }
        row = document.importNode(row, true);
        if (old) {
          keepState(old, row);
          old.parentNode.replaceChild(row, old);
          if (old.contains(document.activeElement)) {
            var box = row.querySelector("input[name=id]");
            if (box) {
              box.focus();
            }
          }
        } else if (query.indexOf("cursor=") < 0) {
          row.classList.add("new");
          body.insertBefore(row, body.firstChild);
          var none = body.querySelector("tr.none");
          if (none) {
            none.parentNode.removeChild(none);
          }
        }
      });
    });
  }

  // keepState carries what the reader did to a row over to its fresh
  // copy: whether it is selected, and whether the keys' cursor is on it.
  function keepState(old, row) {
    var was = old.querySelector("input[name=id]");
    var box = row.querySelector("input[name=id]");
    if (was && box) {
      box.checked = was.checked;
    }
    if (old.classList.contains("focus")) {
      row.classList.add("focus");
    }
  }

  // Replace the elements with these ids by the same ones of a fresh copy
  // of the page.
  function refresh(ids, markNew) {
    return get(window.location.pathname + window.location.search).then(function (resp) {
      if (!resp.ok) {
        return;
      }
      return resp.text().then(function (html) {
        var doc = parse(html);
        ids.forEach(function (id) {
          var mine = document.getElementById(id);
          var fresh = doc.getElementById(id);
          if (!mine || !fresh) {
            return;
          }
          if (markNew) {
            var seen = {};
            mine.querySelectorAll("[data-id]").forEach(function (el) {
              seen[el.getAttribute("data-id")] = true;
            });
            fresh.querySelectorAll("[data-id]").forEach(function (el) {
              if (!seen[el.getAttribute("data-id")]) {
                el.classList.add("new");
              }
            });
          }
          mine.parentNode.replaceChild(document.importNode(fresh, true), mine);
        });
      });
    });
  }

  var state = document.getElementById("incident-state");
  var incident = state ? state.getAttribute("data-id") : null;
  var pending = false;

  function onChange(m) {
    if (mode === "list") {
      updateRow(m.incident);
    } else if (mode === "incident" && String(m.incident) === incident) {
      refresh(["incident-state", "incident-history"], false);
    } else if (mode === "wall" && !pending) {
      // Many changes at once (a storm) refresh the wall once.
      pending = true;
      window.setTimeout(function () {
        pending = false;
        refresh(["wall"], true);
      }, 300);
    }
  }

  function connect() {
    var es = new EventSource("/live/");
    es.addEventListener("change", function (ev) {
      onChange(JSON.parse(ev.data));
    });
    es.addEventListener("reset", function () {
      window.location.reload();
    });
    es.onerror = function () {
      // EventSource retries by itself unless the server refused the
      // stream (a logged-out session): then try again later, forever,
      // reloading so that a wall screen shows the login page rather than
      // stale incidents.
      if (es.readyState === EventSource.CLOSED) {
        window.setTimeout(function () { window.location.reload(); }, 15000);
      }
    };
  }
  connect();
}());
