/* "Add my current location" on the page that sends the member's message: the box shows only
   where the browser can find a location, and the location is looked up only once the member
   ticks it (the browser asks their permission then). Without this script the message is sent
   without a location. */
(function () {
  "use strict";

  function init() {
    var form = document.querySelector("[data-alert-form]");
    var box = document.querySelector("[data-alert-location]");
    if (!form || !box || !navigator.geolocation) { return; }
    var tick = box.querySelector('input[type="checkbox"]');
    var status = box.querySelector("[data-alert-location-status]");
    var latitude = form.querySelector('input[name="latitude"]');
    var longitude = form.querySelector('input[name="longitude"]');
    box.hidden = false;

    function clear() {
      latitude.value = "";
      longitude.value = "";
    }

    tick.addEventListener("change", function () {
      clear();
      if (!tick.checked) { status.textContent = ""; return; }
      status.textContent = "Finding your location…";
      navigator.geolocation.getCurrentPosition(function (position) {
        if (!tick.checked) { return; }
        latitude.value = position.coords.latitude.toFixed(6);
        longitude.value = position.coords.longitude.toFixed(6);
        status.textContent = "Your location will be added to the message.";
      }, function () {
        tick.checked = false;
        status.textContent = "Your location could not be found. The message can still be sent without it.";
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
