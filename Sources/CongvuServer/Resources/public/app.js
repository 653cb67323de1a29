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
  // Live parts of a page (the duty week's checks): the same page fetched again every N seconds and
  // each marked element replaced by its new self, forms elsewhere on the page left as they are.
  var live = document.querySelectorAll("[data-live][id]");
  if (live.length) {
    var seconds = Math.max(5, parseInt(live[0].getAttribute("data-live"), 10) || 30);
    setInterval(function () {
      fetch(window.location.href, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : null; }).then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        live.forEach(function (el) {
          var next = fresh.getElementById(el.id);
          if (next) { el.innerHTML = next.innerHTML; }
        });
      }).catch(function () {});
    }, seconds * 1000);
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
  // Notifications on this phone (Web Push): register the service worker, ask the person, and
  // hand the subscription to the server. Without support (or without HTTPS) the page says so.
  var push = document.getElementById("push-form");
  if (push && "serviceWorker" in navigator && "PushManager" in window && window.isSecureContext) {
    push.hidden = false;
    document.getElementById("push-unsupported").hidden = true;
    push.addEventListener("submit", function (event) {
      event.preventDefault();
      var key = push.getAttribute("data-key").replace(/-/g, "+").replace(/_/g, "/");
      var raw = atob(key + "===".slice((key.length + 3) % 4));
      var bytes = new Uint8Array(raw.length);
      for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
      navigator.serviceWorker.register("/sw.js").then(function (reg) {
        return Notification.requestPermission().then(function (answer) {
          if (answer !== "granted") { throw new Error("denied"); }
          return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes });
        });
      }).then(function (sub) {
        var json = sub.toJSON();
        push.elements.endpoint.value = json.endpoint;
        push.elements.p256dh.value = json.keys.p256dh;
        push.elements.auth.value = json.keys.auth;
        push.submit();
      }).catch(function () { document.getElementById("push-unsupported").hidden = false; });
    });
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
