// Congvu live player: fragmented MP4 over one WebSocket into MediaSource (ManagedMediaSource on
// iOS 17.1+). Several cameras share the socket; each tile has its own SourceBuffer. Reconnects with
// backoff, keeps to the live edge by seeking (Safari rebuffers on playbackRate changes), and
// records the time to the first frame in data-first-frame-ms for the browser test.
(function () {
  'use strict';
  var MS = window.ManagedMediaSource || window.MediaSource;

  function Tile(figure, opened) {
    this.figure = figure;
    this.video = figure.querySelector('video');
    this.stateEl = figure.querySelector('.tile-state');
    this.opened = opened;
    this.queue = [];
    this.sb = null;
    this.ms = null;
  }
  Tile.prototype.state = function (text) {
    this.figure.setAttribute('data-state', text);
    if (this.stateEl) this.stateEl.textContent = text === 'playing' ? '' : (this.figure.parentNode.getAttribute('data-t-' + text) || '');
  };
  Tile.prototype.reset = function () {
    this.queue = []; this.sb = null;
    if (this.ms && this.video.src) { try { URL.revokeObjectURL(this.video.src); } catch (e) {} }
    this.ms = null;
  };
  Tile.prototype.init = function (codec, bytes) {
    var self = this;
    this.reset();
    var type = 'video/mp4; codecs="' + codec + '"';
    if (!MS || !MS.isTypeSupported(type)) { this.state('unsupported'); return; }
    var ms = new MS();
    this.ms = ms;
    this.initAt = performance.now();
    this.queue.push(bytes);
    if (window.ManagedMediaSource && ms instanceof window.ManagedMediaSource) this.video.disableRemotePlayback = true;
    ms.addEventListener('sourceopen', function () {
      if (self.ms !== ms) return;
      self.sb = ms.addSourceBuffer(type);
      self.sb.mode = 'segments';
      self.sb.addEventListener('updateend', function () { self.seekLive(); self.pump(); });
      self.pump();
    });
    this.video.src = URL.createObjectURL(ms);
    var first = function () {
      if (!self.figure.hasAttribute('data-first-frame-ms')) {
        // From the page's navigation start (opening the live view), and from the socket's start.
        self.figure.setAttribute('data-first-frame-ms', String(Math.round(performance.now())));
        self.figure.setAttribute('data-first-frame-socket-ms', String(Math.round(performance.now() - self.opened)));
      }
      self.state('playing');
    };
    if (this.video.requestVideoFrameCallback) this.video.requestVideoFrameCallback(first);
    else this.video.addEventListener('playing', first, { once: true });
    this.video.play().catch(function () {});
  };
  Tile.prototype.push = function (bytes) {
    if (!this.ms) return;
    this.queue.push(bytes);
    if (this.queue.length > 300) this.queue.splice(0, this.queue.length - 300);
    this.pump();
  };
  Tile.prototype.seekLive = function () {
    var b = this.sb && this.sb.buffered, v = this.video;
    if (!b || !b.length) return;
    var end = b.end(b.length - 1);
    // The first two seconds hold the keyframe group handed over at once and what the server had
    // not read yet: start close to the edge. Later, seek only when far behind (a seek is a hiccup).
    var slack = performance.now() - this.initAt < 2000 ? 0.3 : 0.8;
    if (v.currentTime < b.start(0) || end - v.currentTime > slack) v.currentTime = Math.max(b.start(0), end - 0.1);
  };
  Tile.prototype.pump = function () {
    var sb = this.sb;
    if (!sb || sb.updating || !this.queue.length) return;
    var b = sb.buffered, v = this.video;
    if (b.length) {
      // Keep about 20 s behind the playhead.
      if (v.currentTime - b.start(0) > 30) { try { sb.remove(b.start(0), v.currentTime - 20); return; } catch (e) {} }
    }
    try { sb.appendBuffer(this.queue.shift()); } catch (e) { this.state('error'); }
  };

  // Without MediaSource (iPhones before iOS 17.1) each tile plays the camera's live HLS playlist:
  // a few seconds behind, but native.
  function NativeLive(box) {
    var stream = box.getAttribute('data-stream') || 'sub';
    var figures = box.querySelectorAll('figure.tile');
    for (var i = 0; i < figures.length; i++) {
      var v = figures[i].querySelector('video');
      v.src = '/cameras/' + figures[i].getAttribute('data-camera') + '/live.m3u8?s=' + stream;
      v.play().catch(function () {});
    }
  }

  function Live(box) {
    this.box = box;
    this.ids = box.getAttribute('data-live').split(',').filter(Boolean);
    this.stream = box.getAttribute('data-stream') || 'sub';
    this.tiles = [];
    this.delay = 500;
    this.connect();
    this.watch();
  }
  // A picture that stops moving while the page shows it (a stream frozen on the server, a socket
  // that stays open but carries nothing) reconnects by itself: the server hands over the current
  // stream's init segment and keyframe group on the new socket.
  Live.prototype.watch = function () {
    var self = this;
    setInterval(function () {
      if (document.visibilityState !== 'visible' || !self.ws || self.ws.readyState !== 1) return;
      var now = performance.now(), stalled = false;
      self.tiles.forEach(function (t) {
        if (!t || t.figure.getAttribute('data-state') !== 'playing') return;
        if (t.video.currentTime !== t.lastTime) { t.lastTime = t.video.currentTime; t.lastMove = now; return; }
        if (now - (t.lastMove || now) > 6000) stalled = true;
      });
      if (stalled) {
        self.box.setAttribute('data-reconnects', String(Number(self.box.getAttribute('data-reconnects') || 0) + 1));
        self.ws.close();
      }
    }, 2000);
  };
  Live.prototype.connect = function () {
    var self = this;
    var opened = performance.now();
    var figures = this.box.querySelectorAll('figure.tile');
    this.tiles = this.ids.map(function (id) {
      for (var i = 0; i < figures.length; i++) if (figures[i].getAttribute('data-camera') === id) return new Tile(figures[i], opened);
      return null;
    });
    this.tiles.forEach(function (t) { if (t) t.state('connecting'); });
    var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/cameras/live/socket?c=' + this.ids.join(',') + '&s=' + this.stream;
    var ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = function () { self.delay = 500; };
    ws.onmessage = function (e) {
      if (typeof e.data === 'string') {
        var m = JSON.parse(e.data);
        var t = self.tiles[m.slot];
        if (t && m.state) t.state(m.state);
        return;
      }
      var b = new Uint8Array(e.data);
      var tile = self.tiles[b[0]];
      if (!tile) return;
      if (b[1] === 0) {
        var n = b[2];
        tile.init(String.fromCharCode.apply(null, b.subarray(3, 3 + n)), b.subarray(3 + n));
      } else {
        tile.push(b.subarray(2));
      }
    };
    ws.onclose = function () {
      self.tiles.forEach(function (t) { if (t) { t.reset(); t.state('reconnecting'); } });
      if (self.stopped) return;
      setTimeout(function () { self.connect(); }, self.delay);
      self.delay = Math.min(self.delay * 2, 15000);
    };
  };
  Live.prototype.restart = function (stream) {
    this.stream = stream;
    this.ws.close();
  };

  document.addEventListener('DOMContentLoaded', function () {
    var boxes = document.querySelectorAll('[data-live]');
    for (var i = 0; i < boxes.length; i++) {
      if (!MS && document.createElement('video').canPlayType('application/vnd.apple.mpegurl')) { NativeLive(boxes[i]); continue; }
      var live = new Live(boxes[i]);
      var toggle = document.getElementById('use-main');
      if (toggle) toggle.addEventListener('change', function () { live.restart(toggle.checked ? 'main' : 'sub'); });
    }
  });
  // Pages that stop showing video (tab hidden) keep the socket: the bounded queue on the server
  // drops frames for them, and the player jumps to the live edge when it comes back.
}());

// Playback of recorded footage: the files' init segments and fragments fetched by byte range and
// appended in order (each file placed at its start within the window); Safari without MediaSource
// plays the same files through the HLS playlist.
(function () {
  'use strict';
  var MS = window.ManagedMediaSource || window.MediaSource;
  function range(url, offset, length) {
    return fetch(url, { headers: { Range: 'bytes=' + offset + '-' + (offset + length - 1) }, credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.arrayBuffer(); });
  }
  function play(figure) {
    var video = figure.querySelector('video');
    var state = figure.querySelector('.tile-state');
    function say(text) {
      figure.setAttribute('data-state', text);
      if (state) state.textContent = text === 'playing' ? '' : (figure.parentNode.getAttribute('data-t-' + text) || '');
    }
    if (!MS && video.canPlayType('application/vnd.apple.mpegurl')) { video.src = figure.getAttribute('data-hls'); video.play().catch(function () {}); return; }
    if (!MS) { say('unsupported'); return; }
    fetch(figure.getAttribute('data-playback'), { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (plan) {
      if (!plan.files.length) { say('empty'); return; }
      var type = 'video/mp4; codecs="' + plan.codec + '"';
      if (!MS.isTypeSupported(type)) { say('unsupported'); return; }
      var ms = new MS();
      if (window.ManagedMediaSource && ms instanceof window.ManagedMediaSource) video.disableRemotePlayback = true;
      video.src = URL.createObjectURL(ms);
      ms.addEventListener('sourceopen', function () {
        var sb = ms.addSourceBuffer(type);
        sb.mode = 'segments';
        var next = 0, busy = false;
        function append(buf) {
          return new Promise(function (ok, fail) {
            sb.addEventListener('updateend', function done() { sb.removeEventListener('updateend', done); ok(); });
            try { sb.appendBuffer(buf); } catch (e) { fail(e); }
          });
        }
        function ahead() { var b = sb.buffered; return b.length ? b.end(b.length - 1) - video.currentTime : 0; }
        function more() {
          if (busy || next >= plan.files.length || ahead() > 60) return;
          busy = true;
          var f = plan.files[next++];
          var frags = f.fragments;
          var first = frags[0][0], last = frags[frags.length - 1];
          Promise.all([range(f.url, f.init[0], f.init[1]), range(f.url, first, last[0] + last[1] - first)]).then(function (parts) {
            sb.timestampOffset = (f.start - plan.from) / 1000;
            return append(parts[0]).then(function () { return append(parts[1]); });
          }).then(function () {
            busy = false;
            if (next === 1) {
              var b = sb.buffered;
              if (b.length) video.currentTime = b.start(0);
              video.play().catch(function () {});
              say('playing');
              figure.setAttribute('data-loaded', '1');
            }
            if (next >= plan.files.length && !sb.updating) { try { ms.endOfStream(); } catch (e) {} }
            more();
          }).catch(function () { busy = false; say('error'); });
        }
        video.addEventListener('timeupdate', more);
        more();
      });
    });
  }
  document.addEventListener('DOMContentLoaded', function () {
    var figure = document.getElementById('playback');
    if (figure) play(figure);
  });
}());
