// The visit page on a weak connection: marks, answers and texts are sent in the background; when
// the network is down they wait in this browser (localStorage) and go when it returns; photos wait
// in IndexedDB the same way. A refusal from the server (a 4xx) is not retried: it is said.
(function () {
  'use strict';
  var facts = document.getElementById('visit-facts');
  if (!facts) return;
  var key = 'congvu-visit-' + facts.getAttribute('data-visit');
  var banner = document.getElementById('visit-queue');

  function load() { try { return JSON.parse(localStorage.getItem(key) || '[]'); } catch (e) { return []; } }
  function save(q) { if (q.length) localStorage.setItem(key, JSON.stringify(q)); else localStorage.removeItem(key); show(q); }
  var photosWaiting = 0;
  function show(q) {
    if (!banner) return;
    var waiting = q.length + photosWaiting;
    banner.hidden = waiting === 0;
    var n = banner.querySelector('[data-queue-count]');
    if (n) n.textContent = String(waiting);
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

  // Photos: sent as the form would; kept in IndexedDB when the network is down, sent when it returns.
  function photos(mode, work) {
    if (!window.indexedDB) return;
    var open = indexedDB.open('congvu-visit-photos', 1);
    open.onupgradeneeded = function () { open.result.createObjectStore('photos', { autoIncrement: true }); };
    open.onsuccess = function () {
      var db = open.result, tx = db.transaction('photos', mode);
      work(tx.objectStore('photos'));
      tx.oncomplete = function () { db.close(); };
    };
  }
  function sendPhoto(entry) {
    var body = new FormData();
    entry.fields.forEach(function (f) { body.append(f[0], f[1]); });
    body.append('photo', entry.file, entry.name);
    return fetch(entry.action, { method: 'POST', credentials: 'same-origin', body: body, headers: { 'Accept': 'application/json' } });
  }
  function flushPhotos() {
    photos('readonly', function (store) {
      var waiting = [], cursor = store.openCursor();
      cursor.onsuccess = function () {
        var c = cursor.result;
        if (c) {
          if (c.value.visit === key) waiting.push({ id: c.primaryKey, entry: c.value });
          c.continue();
          return;
        }
        photosWaiting = waiting.length;
        show(load());
        if (!navigator.onLine) return;
        waiting.forEach(function (w) {
          sendPhoto(w.entry).then(function (r) {
            if (!r.ok && r.status >= 500) return;
            if (!r.ok) { r.json().then(function (j) { refused(j && j.error ? j.error.message : String(r.status)); }, function () {}); }
            photos('readwrite', function (s) { s.delete(w.id); });
            photosWaiting = Math.max(0, photosWaiting - 1);
            show(load());
            if (photosWaiting === 0 && r.ok) location.reload();
          }).catch(function () {});
        });
      };
    });
  }
  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (!form.hasAttribute || !form.hasAttribute('data-photo')) return;
    var input = form.querySelector('input[type=file]');
    if (!input || !input.files || !input.files[0]) return;
    ev.preventDefault();
    var fields = [];
    new FormData(form).forEach(function (v, k) { if (typeof v === 'string') fields.push([k, v]); });
    var entry = { visit: key, action: form.getAttribute('action'), fields: fields, file: input.files[0], name: input.files[0].name };
    sendPhoto(entry).then(function (r) {
      if (r.ok) { location.reload(); return; }
      r.json().then(function (j) { refused(j && j.error ? j.error.message : String(r.status)); }, function () { refused(String(r.status)); });
    }).catch(function () {
      photosWaiting += 1;
      photos('readwrite', function (store) { store.add(entry); });
      show(load());
      input.value = '';
    });
  });

  window.addEventListener('online', function () { flush(); flushPhotos(); });
  setInterval(function () { flush(); flushPhotos(); }, 15000);
  flush();
  flushPhotos();
})();
