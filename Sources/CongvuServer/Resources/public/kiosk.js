// Congvu kiosk: a USB card reader types digits then Enter into the focused field; the keypad
// enters a PIN. Each tap gets a key so that a resend is the same punch. When the server cannot
// be reached, punches wait in localStorage with their original time and are sent later.
(function () {
  "use strict";
  var body = document.getElementById("kiosk");
  var card = document.getElementById("kiosk-card");
  var form = document.getElementById("kiosk-card-form");
  var pinDisplay = document.getElementById("pin-display");
  var result = document.getElementById("kiosk-result");
  var idle = document.getElementById("kiosk-idle");
  var net = document.getElementById("kiosk-net");
  var QUEUE = "congvu.kiosk.queue";
  var pin = "";
  var hideTimer = null;

  function queue() { try { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); } catch (e) { return []; } }
  function saveQueue(q) { localStorage.setItem(QUEUE, JSON.stringify(q)); showNet(); }
  function key() { return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10); }

  function showNet() {
    var n = queue().length;
    net.textContent = n ? body.getAttribute("data-pending-text").replace("{0}", n) : "";
    net.hidden = n === 0;
  }

  function show(answer) {
    document.getElementById("kiosk-name").textContent = answer.name || "";
    document.getElementById("kiosk-title").textContent = answer.title || "";
    document.getElementById("kiosk-message").textContent = answer.message || "";
    var img = document.getElementById("kiosk-photo");
    if (answer.photo) { img.src = answer.photo; img.hidden = false; } else { img.hidden = true; img.removeAttribute("src"); }
    result.className = "kiosk-result " + (answer.ok ? (answer.minutes ? "warn" : "ok") : "bad");
    result.hidden = false; idle.hidden = true;
    clearTimeout(hideTimer);
    hideTimer = setTimeout(function () { result.hidden = true; idle.hidden = false; card.focus(); }, 5000);
  }

  function post(item) {
    return fetch("/kiosk/punch", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Congvu-Kiosk": "1" },
      body: JSON.stringify(item)
    }).then(function (r) {
      if (r.status >= 500) { throw new Error("server"); }
      return r.json();
    });
  }

  function punch(fields) {
    var item = { card: fields.card || null, pin: fields.pin || null, key: key(), at: new Date().toISOString(), queued: false };
    post(item).then(show).catch(function () {
      item.queued = true;
      var q = queue(); q.push(item); saveQueue(q);
      show({ ok: true, name: "", message: body.getAttribute("data-queued-text") });
    });
  }

  // Queued punches go out one by one, oldest first, keeping their original time and key.
  function flush() {
    var q = queue();
    if (!q.length) { return; }
    post(q[0]).then(function () { var rest = queue().slice(1); saveQueue(rest); flush(); }).catch(function () {});
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var value = card.value.trim();
    card.value = "";
    if (value) { punch({ card: value }); }
  });
  document.getElementById("keypad").addEventListener("click", function (e) {
    var k = e.target.getAttribute("data-key");
    if (!k) { return; }
    if (k === "clear") { pin = pin.slice(0, -1); }
    else if (k === "ok") { if (pin) { punch({ pin: pin }); } pin = ""; }
    else if (pin.length < 8) { pin += k; }
    pinDisplay.textContent = pin ? pin.replace(/./g, "•") : "\u00a0";
    card.focus();
  });
  // Keep the reader's field focused: the reader types wherever the focus is.
  document.addEventListener("click", function (e) { if (!e.target.closest(".keypad")) { card.focus(); } });
  function tick() {
    var d = new Date();
    document.getElementById("kiosk-clock").textContent = d.toLocaleTimeString("vi-VN", { timeZone: "Asia/Ho_Chi_Minh", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }
  setInterval(tick, 1000); tick();
  setInterval(flush, 10000); window.addEventListener("online", flush);
  showNet(); flush();
})();
