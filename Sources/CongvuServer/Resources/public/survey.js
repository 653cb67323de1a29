// The open survey's proof of work: find a number whose SHA-256 with the page's challenge begins
// with `data-zeros` zero hex digits, a few thousand tries in small slices so the page stays
// responsive, then let the form be sent. Written without WebCrypto, which plain-HTTP pages lack.
(function () {
  "use strict";
  var form = document.getElementById("survey-form");
  if (!form || !form.dataset.challenge || !window.congvuSha256) { return; }
  var challenge = form.dataset.challenge, prefix = new Array(Number(form.dataset.zeros || 3) + 1).join("0");
  var button = document.getElementById("survey-send"), note = document.getElementById("survey-proof"), n = 0;
  button.disabled = true;
  function slice() {
    for (var i = 0; i < 400; i++, n++) {
      if (window.congvuSha256(challenge + ":" + n).indexOf(prefix) === 0) {
        form.elements.nonce.value = String(n);
        button.disabled = false;
        if (note) { note.hidden = true; }
        return;
      }
    }
    setTimeout(slice, 0);
  }
  slice();
})();
