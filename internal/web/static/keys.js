// Keyboard shortcuts of the incident list: j and k move between rows, x
// selects the row, a acknowledges the selected rows (or the current one),
// Enter or o opens it, / goes to the search. Nothing happens while
// typing in a field. Everything here can also be done without it.
(function () {
  "use strict";
  var table = document.getElementById("incidents");
  var bulk = document.getElementById("bulk");
  if (!table || !bulk) {
    return;
  }
  var current = -1;

  function rows() {
    return Array.prototype.slice.call(table.tBodies[0].querySelectorAll("tr[data-id]"));
  }

  function focus(i) {
    var list = rows();
    if (list.length === 0) {
      return;
    }
    i = Math.max(0, Math.min(list.length - 1, i));
    list.forEach(function (r) { r.classList.remove("focus"); });
    list[i].classList.add("focus");
    list[i].scrollIntoView({ block: "nearest" });
    current = i;
  }

  function row() {
    return rows()[current] || null;
  }

  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    if (ev.altKey || ev.ctrlKey || ev.metaKey || (t && (t.isContentEditable || /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(t.tagName)))) {
      return;
    }
    var r;
    switch (ev.key) {
    case "j":
      focus(current + 1);
      break;
    case "k":
      focus(current < 0 ? 0 : current - 1);
      break;
    case "x":
      r = row();
      if (r) {
        var box = r.querySelector("input[type=checkbox]");
        box.checked = !box.checked;
      }
      break;
    case "a":
      if (!bulk.querySelector("input[name=id]:checked") && !table.querySelector("input[name=id]:checked")) {
        r = row();
        if (!r) {
          return;
        }
        r.querySelector("input[type=checkbox]").checked = true;
      }
      bulk.querySelector("select[name=action]").value = "ack";
      bulk.submit();
      break;
    case "Enter":
    case "o":
      r = row();
      if (r) {
        window.location.href = "/incidents/" + r.getAttribute("data-id") + "/";
      }
      break;
    case "/":
      var q = document.querySelector("input[name=q]");
      if (q) {
        q.focus();
      }
      break;
    default:
      return;
    }
    ev.preventDefault();
  });
}());
