// Congvu: small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Import progress: poll the job while it runs, then reload to show the report.
  var bar = document.querySelector(".progress[data-poll]");
  if (bar) {
    var url = bar.getAttribute("data-poll");
    var label = document.querySelector(".percent");
    var tick = function () {
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (s) {
        bar.value = s.percent;
        if (label) { label.textContent = s.percent; }
        if (s.finished) { window.location.reload(); } else { setTimeout(tick, 500); }
      }).catch(function () { setTimeout(tick, 2000); });
    };
    setTimeout(tick, 300);
  }
  // The unread count beside the bell in the header, refreshed each minute (the bell links to the inbox without it).
  var count = document.getElementById("inbox-count");
  if (count) {
    var refresh = function () {
      fetch("/notifications/unread", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (s) {
        count.textContent = s.unread > 99 ? "99+" : String(s.unread);
        count.hidden = s.unread === 0;
      }).catch(function () {});
    };
    refresh();
    setInterval(refresh, 60000);
  }
  // A field the server requires only for some choices (`data-required-if="kind:notice business_trip"`)
  // is marked required while one of them is chosen.
  Array.prototype.forEach.call(document.querySelectorAll("[data-required-if]"), function (input) {
    var spec = input.getAttribute("data-required-if").split(":");
    var field = input.form && input.form.elements[spec[0]];
    if (!field) { return; }
    var values = spec[1].split(" ");
    var update = function () { input.required = values.indexOf(field.value) >= 0; };
    field.addEventListener("change", update);
    update();
  });
  // Print links (the print stylesheet lays the page out on A4).
  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (a) {
    a.addEventListener("click", function (e) { e.preventDefault(); window.print(); });
  });
})();
