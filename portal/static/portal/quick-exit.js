/*
 * The quick exit: the "Exit this page" links, and pressing Shift three times.
 *
 * On trigger the page is hidden and retitled at once, the server session is ended
 * (a keepalive POST whose answer also carries Clear-Site-Data), then the tab is
 * replaced by the neutral site so Back does not return here.
 */
(function () {
  "use strict";

  var SHIFT_WINDOW_MS = 5000;
  var EXIT_WAIT_MS = 600; // how long to wait for the sign-out before leaving anyway
  var NEUTRAL_TITLE = "Loading…";

  var exiting = false;
  var shiftCount = 0;
  var otherKeyHeld = false;
  var expiryTimer = null;

  function exitUrl() {
    var link = document.querySelector("a[data-quick-exit]");
    return link ? link.href : "about:blank";
  }

  function endSession() {
    var endpoint = document.body.getAttribute("data-quick-exit-endpoint");
    if (!endpoint) {
      return Promise.resolve();
    }
    try {
      return fetch(endpoint, { method: "POST", keepalive: true, credentials: "same-origin", cache: "no-store" })
        .catch(function () {
          if (navigator.sendBeacon) {
            navigator.sendBeacon(endpoint);
          }
        });
    } catch (error) {
      return Promise.resolve();
    }
  }

  function quickExit() {
    if (exiting) {
      return;
    }
    exiting = true;
    document.documentElement.classList.add("quick-exit-active");
    document.title = NEUTRAL_TITLE;
    var destination = exitUrl();
    var waited = new Promise(function (resolve) { setTimeout(resolve, EXIT_WAIT_MS); });
    Promise.race([endSession(), waited]).then(function () {
      window.location.replace(destination);
    });
  }

  function announce(text) {
    var status = document.querySelector("[data-quick-exit-status]");
    if (status) {
      status.textContent = text;
    }
  }

  function resetCount() {
    shiftCount = 0;
    if (expiryTimer) {
      clearTimeout(expiryTimer);
      expiryTimer = null;
    }
  }

  function onShiftReleased() {
    shiftCount += 1;
    if (expiryTimer) {
      clearTimeout(expiryTimer);
    }
    if (shiftCount >= 3) {
      resetCount();
      announce("Exiting this page.");
      quickExit();
      return;
    }
    var left = 3 - shiftCount;
    announce("Shift pressed. Press " + left + " more " + (left === 1 ? "time" : "times") + " to exit this page.");
    expiryTimer = setTimeout(function () {
      resetCount();
      announce("Exit this page expired.");
    }, SHIFT_WINDOW_MS);
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Shift") {
      return;
    }
    // Any other key, alone or with Shift, breaks the sequence.
    otherKeyHeld = event.shiftKey;
    if (shiftCount > 0) {
      resetCount();
    }
  });

  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift") {
      return;
    }
    if (otherKeyHeld) {
      otherKeyHeld = false; // Shift was used for a capital letter or shortcut
      return;
    }
    onShiftReleased();
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("[data-quick-exit]") : null;
    if (link && !event.defaultPrevented && event.button === 0) {
      event.preventDefault();
      quickExit();
    }
  });

  // A page restored from the back-forward cache must ask the server again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.documentElement.classList.add("quick-exit-active");
      window.location.reload();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-quick-exit-hint]").forEach(function (hint) {
      hint.hidden = false; // the Shift shortcut only exists when this script runs
    });
  });
})();
