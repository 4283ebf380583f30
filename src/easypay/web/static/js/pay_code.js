// The payment code page: count down to the code's expiry, then hide the code.
(function () {
  "use strict";
  function start(box) {
    var left = parseInt(box.getAttribute("data-seconds-left"), 10) || 0;
    var shown = box.querySelector("[data-countdown]");
    var note = box.querySelector("[data-expired-note]");
    var ends = Date.now() + left * 1000;
    function tick() {
      var seconds = Math.max(0, Math.round((ends - Date.now()) / 1000));
      shown.textContent = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
      if (seconds === 0) {
        box.classList.add("is-expired");
        if (note) { note.hidden = false; }
        return;
      }
      window.setTimeout(tick, 250);
    }
    tick();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-pay-code]").forEach(start);
  });
})();
