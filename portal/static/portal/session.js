/*
 * The idle timeout, as the person sees it: a warning shortly before the server signs
 * them out, a button to stay, and typing in a form counting as activity.
 */
(function () {
  "use strict";

  var KEEP_ALIVE_EVERY_MS = 60 * 1000;

  function start() {
    var body = document.body;
    var timeout = parseInt(body.getAttribute("data-idle-timeout"), 10) * 1000;
    var warning = parseInt(body.getAttribute("data-idle-warning"), 10) * 1000;
    var keepAliveUrl = body.getAttribute("data-keep-alive-url");
    var tokenMeta = document.querySelector('meta[name="csrf-token"]');
    var box = document.querySelector("[data-idle-warning-box]");
    if (!timeout || !keepAliveUrl || !tokenMeta || !box) {
      return;
    }
    // The server writes activity down at most once a minute, so this page may have less than
    // the whole limit left: it says how much.
    var left = parseInt(body.getAttribute("data-idle-left"), 10) * 1000;
    var warnTimer = null;
    var expireTimer = null;
    var lastPing = Date.now();

    function schedule(remaining) {
      clearTimeout(warnTimer);
      clearTimeout(expireTimer);
      warnTimer = setTimeout(function () { box.hidden = false; }, Math.max(remaining - warning, 0));
      // Reloading lets the server end the session and show the sign-in page.
      expireTimer = setTimeout(function () { window.location.reload(); }, remaining + 1000);
    }

    function keepAlive() {
      lastPing = Date.now();
      box.hidden = true;
      schedule(timeout);  // the keep-alive always counts: the whole limit again
      return fetch(keepAliveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": tokenMeta.getAttribute("content") },
      }).then(function (response) {
        // Anything but "still signed in" (the server already ended the session and sent
        // the sign-in page) must not leave this page on screen looking signed in.
        if (response.status !== 204) {
          window.location.reload();
        }
      }).catch(function () {
        // Offline for a moment: the timers above still end the page.
      });
    }

    box.querySelector("[data-stay-signed-in]").addEventListener("click", keepAlive);
    document.addEventListener("input", function (event) {
      if (event.target.form && Date.now() - lastPing > KEEP_ALIVE_EVERY_MS) {
        keepAlive();
      }
    });
    schedule(isNaN(left) ? timeout : Math.min(left, timeout));
  }

  document.addEventListener("DOMContentLoaded", start);
})();
