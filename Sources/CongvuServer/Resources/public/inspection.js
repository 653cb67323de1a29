// The visit page on a weak connection: marks, answers and texts are sent in the background; when
// the network is down they wait in this browser (localStorage) and go when it returns. A refusal
// from the server (a 4xx) is not retried: the page reloads to show why.
(function () {
  'use strict';
  var facts = document.getElementById('visit-facts');
  if (!facts) return;
  var key = 'congvu-visit-' + facts.getAttribute('data-visit');
  var banner = document.getElementById('visit-queue');

  function load() { try { return JSON.parse(localStorage.getItem(key) || '[]'); } catch (e) { return []; } }
  function save(q) { if (q.length) localStorage.setItem(key, JSON.stringify(q)); else localStorage.removeItem(key); show(q); }
  function show(q) {
    if (!banner) return;
    banner.hidden = q.length === 0;
    var n = banner.querySelector('[data-queue-count]');
    if (n) n.textContent = String(q.length);
  }

  // A refusal (the visit was finalised meanwhile, a note too long…) is said, not retried.
  function refused(message) {
    var p = document.getElementById('visit-refused');
    if (!p) {
      p = document.createElement('p');
      p.id = 'visit-refused';
      p.className = 'alert';
      p.setAttribute('role', 'alert');
      facts.parentNode.insertBefore(p, facts.nextSibling);
    }
    p.textContent = message;
  }

  var sending = false;
  function flush() {
    var q = load();
    if (sending || q.length === 0 || !navigator.onLine) { show(q); return; }
    sending = true;
    var entry = q[0];
    fetch(entry.action, {
      method: 'POST', credentials: 'same-origin', body: new URLSearchParams(entry.fields),
      headers: { 'Accept': 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' }
    }).then(function (r) {
      sending = false;
      if (r.ok || (r.status >= 400 && r.status < 500)) {
        save(load().slice(1));
        if (!r.ok) {
          r.json().then(function (j) { refused(j && j.error ? j.error.message : String(r.status)); }, function () { refused(String(r.status)); });
        }
        flush();
      } else { show(load()); }
    }).catch(function () { sending = false; show(load()); });
  }

  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (!form.hasAttribute || !form.hasAttribute('data-offline')) return;
    ev.preventDefault();
    var fields = [];
    new FormData(form).forEach(function (v, k) { fields.push([k, String(v)]); });
    if (ev.submitter && ev.submitter.name) fields.push([ev.submitter.name, ev.submitter.value]);
    // The pressed button shows at once, before the server answers.
    if (ev.submitter) {
      form.querySelectorAll('button').forEach(function (b) { b.classList.remove('primary'); b.setAttribute('aria-pressed', 'false'); });
      ev.submitter.classList.add('primary');
      ev.submitter.setAttribute('aria-pressed', 'true');
    }
    var q = load();
    q.push({ action: form.getAttribute('action'), fields: fields });
    save(q);
    flush();
  });

  window.addEventListener('online', flush);
  setInterval(flush, 15000);
  flush();
})();
