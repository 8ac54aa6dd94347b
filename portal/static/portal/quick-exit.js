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
  var AFTER_PAINT_LIMIT_MS = 100; // the latest the sign-out starts, painted or not
  var NEUTRAL_TITLE = "Loading…";
  var KEYBOARD_LIKELY = "(hover: hover) and (pointer: fine)"; // as in portal.css

  var exiting = false;
  var shiftCount = 0;
  var shiftAlone = false; // Shift is down and nothing else has been pressed with it
  var expiryTimer = null;

  // The links themselves point at the portal's exit address (so they sign out without this
  // script); the script goes straight to the neutral site, named on the exit bar.
  function neutralUrl() {
    var bar = document.querySelector("[data-quick-exit-destination]");
    var destination = bar ? bar.getAttribute("data-quick-exit-destination") : "";
    if (destination) {
      return destination;
    }
    var link = document.querySelector("a[data-quick-exit]");
    return link ? link.href : "about:blank";
  }

  function endSession() {
    var endpoint = document.body.getAttribute("data-quick-exit-endpoint");
    if (!endpoint) {
      return Promise.resolve();
    }
    function beacon() {
      if (navigator.sendBeacon) {
        navigator.sendBeacon(endpoint);
      }
    }
    try {
      return fetch(endpoint, { method: "POST", keepalive: true, credentials: "same-origin", cache: "no-store" })
        .catch(beacon);
    } catch (error) {
      // A browser that refuses the keepalive fetch outright still gets the beacon.
      beacon();
      return Promise.resolve();
    }
  }

  // Runs callback once the next frame has been painted: a frame callback comes just before the
  // frame's paint, and a message posted from it just after. A tab in the background paints no
  // frames, so a timer stands in.
  function afterNextPaint(callback) {
    var done = false;
    function once() {
      if (!done) {
        done = true;
        callback();
      }
    }
    if (window.requestAnimationFrame && window.MessageChannel) {
      window.requestAnimationFrame(function () {
        var channel = new MessageChannel();
        channel.port1.onmessage = once;
        channel.port2.postMessage(null);
      });
    }
    setTimeout(once, AFTER_PAINT_LIMIT_MS);
  }

  function quickExit() {
    if (exiting) {
      return;
    }
    exiting = true;
    // Hiding the page is all this press does before the next frame: setting the title and
    // starting the sign-out each hold the main thread for milliseconds (measured in Chromium,
    // benchmarks/browser.py), which would hold back the frame that shows the page hidden.
    document.documentElement.classList.add("quick-exit-active");
    afterNextPaint(leave);
  }

  function leave() {
    document.title = NEUTRAL_TITLE;
    announce("Exiting this page.");
    var destination = neutralUrl();
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

  function withOtherModifier(event) {
    return event.ctrlKey || event.altKey || event.metaKey;
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Shift") {
      // Ctrl+Shift and Alt+Shift switch keyboard layouts: they are not the exit.
      if (!event.repeat) {
        shiftAlone = !withOtherModifier(event);
      }
      return;
    }
    // Any other key, alone or with Shift (a capital letter, Shift+Tab), breaks the sequence.
    shiftAlone = false;
    if (shiftCount > 0) {
      resetCount();
    }
  });

  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift") {
      return;
    }
    var counts = shiftAlone && !withOtherModifier(event);
    shiftAlone = false;
    if (counts) {
      onShiftReleased();
    }
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

  // The sticky bar grows when its text wraps on a narrow screen or is enlarged; the page's
  // scroll padding follows its real height, so a field brought into view by focus (or a
  // #link) stops below the bar, never under it.
  function reserveSpaceForBar() {
    var bar = document.querySelector(".quick-exit-bar");
    if (!bar) {
      return;
    }
    function update() {
      document.documentElement.style.setProperty("--quick-exit-bar-height", bar.offsetHeight + "px");
    }
    update();
    if (window.ResizeObserver) {
      new ResizeObserver(update).observe(bar);
    } else {
      window.addEventListener("resize", update);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    // The Shift shortcut only exists when this script runs, and only helps where there is a
    // keyboard: a touch screen (no hover, a coarse pointer) is never offered it.
    var keyboardLikely = !window.matchMedia || window.matchMedia(KEYBOARD_LIKELY).matches;
    document.querySelectorAll("[data-quick-exit-hint]").forEach(function (hint) {
      hint.hidden = !keyboardLikely;
    });
    reserveSpaceForBar();
  });
})();
