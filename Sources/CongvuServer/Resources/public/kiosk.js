// Congvu kiosk: a USB card reader types digits then Enter into the focused field; the keypad
// enters a PIN. Each tap gets a key so that a resend is the same punch. When the server cannot
// be reached, punches wait in localStorage with their original time and are sent later, each
// signed when it is made with the key the server gave this kiosk once (kept in localStorage).
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
  var KEY = "congvu.kiosk.key." + body.getAttribute("data-kiosk");
  // The page carries the key only the first time it opens: keep it, then take it off the page.
  if (body.getAttribute("data-signing-key")) {
    localStorage.setItem(KEY, body.getAttribute("data-signing-key"));
    body.removeAttribute("data-signing-key");
  }
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

  // A typed card number the unit wants confirmed with its holder's PIN, kept for 30 s.
  var pendingCard = null, pendingTimer = null;
  function holdCard(value) {
    pendingCard = value;
    clearTimeout(pendingTimer);
    pendingTimer = setTimeout(function () { pendingCard = null; }, 30000);
  }

  function punch(fields) {
    var item = { card: fields.card || null, pin: fields.pin || null, entry: fields.entry || null, key: key(), at: new Date().toISOString(), queued: false };
    post(item).then(function (answer) {
      if (answer.code === "typed_card_needs_pin") { holdCard(fields.card); }
      show(answer);
    }).catch(function () {
      item.queued = true;
      var signingKey = localStorage.getItem(KEY);
      if (signingKey && window.congvuHmac) {
        item.sig = window.congvuHmac(signingKey, [body.getAttribute("data-kiosk"), item.card || "", item.pin || "", item.at, item.key].join("|"));
      }
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

  // A USB reader types the whole number within a few tens of milliseconds, then Enter; a person
  // types it key by key. The page tells the server which it saw (the unit may refuse typed numbers).
  var keyTimes = [], pasted = false;
  card.addEventListener("keydown", function (e) { if (e.key !== "Enter") { keyTimes.push(performance.now()); } });
  card.addEventListener("paste", function () { pasted = true; });
  function entry(value) {
    var times = keyTimes, wasPasted = pasted;
    keyTimes = []; pasted = false;
    if (wasPasted || value.length < 4 || times.length !== value.length) { return "typed"; }
    for (var i = 1; i < times.length; i++) { if (times[i] - times[i - 1] > 60) { return "typed"; } }
    return performance.now() - times[times.length - 1] > 200 ? "typed" : "reader";
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var value = card.value.trim();
    var how = entry(value);
    card.value = "";
    if (value) { punch({ card: value, entry: how }); }
  });
  document.getElementById("keypad").addEventListener("click", function (e) {
    var k = e.target.getAttribute("data-key");
    if (!k) { return; }
    if (k === "clear") { pin = pin.slice(0, -1); }
    else if (k === "ok") {
      if (pin && pendingCard) { punch({ card: pendingCard, pin: pin, entry: "typed" }); pendingCard = null; }
      else if (pin) { punch({ pin: pin }); }
      pin = "";
    }
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
