// Congvu live board: the server sends the whole board after every change (server-sent events);
// the list is redrawn from it. Without JavaScript the page still shows the board when loaded.
(function () {
  "use strict";
  var root = document.getElementById("board");
  if (!root || !window.EventSource) { return; }
  var counts = document.getElementById("board-counts");
  var list = document.getElementById("board-list");
  var live = document.getElementById("board-live");
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) { e.className = cls; } if (text) { e.textContent = text; } return e; }
  function draw(b) {
    document.getElementById("board-at").textContent = b.at;
    counts.textContent = "";
    b.counts.forEach(function (c) {
      var chip = el("span", "chip presence-" + c.state, c.label + ": ");
      chip.appendChild(el("strong", "", String(c.count)));
      counts.appendChild(chip); counts.appendChild(document.createTextNode(" "));
    });
    list.textContent = "";
    b.people.forEach(function (p) {
      var li = el("li", "presence-row"); li.setAttribute("data-state", p.state);
      var a = el("a", "", p.name); a.href = "/attendance/person/" + p.id + "/day/" + b.day;
      li.appendChild(a); li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", "chip presence-" + p.state, p.label));
      li.appendChild(el("br")); li.appendChild(el("span", "small muted", p.title));
      if (p.detail) { li.appendChild(el("br")); li.appendChild(el("span", "small", p.detail)); }
      if (p.photo) { var img = el("img", "punch-photo"); img.src = p.photo; img.width = 64; img.alt = ""; img.loading = "lazy"; li.appendChild(el("br")); li.appendChild(img); }
      list.appendChild(li);
    });
  }
  var source = new EventSource(root.getAttribute("data-events"));
  source.addEventListener("board", function (e) { draw(JSON.parse(e.data)); live.hidden = false; });
  source.onerror = function () { live.hidden = true; };
})();
