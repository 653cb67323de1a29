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
  // Print links (the print stylesheet lays the page out on A4).
  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (a) {
    a.addEventListener("click", function (e) { e.preventDefault(); window.print(); });
  });
})();
