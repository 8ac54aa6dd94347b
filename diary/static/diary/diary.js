/* The diary's entry form: lists the files chosen and shows upload progress when files are attached.
   Without this script the form posts normally; with it, the same request is sent by XHR so
   the browser can report progress, and the page follows the server's answer. */
(function () {
  "use strict";

  function send(form, progressBox) {
    var bar = progressBox.querySelector("progress");
    var button = form.querySelector('button[type="submit"]');
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) {
        var percent = Math.round((event.loaded / event.total) * 100);
        bar.value = percent;
        bar.textContent = percent + "%";
      }
    });
    xhr.addEventListener("load", function () {
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var newMain = doc.querySelector("main");
      if (!newMain) { form.submit(); return; }
      // Signed out while the files were sent (the session ran out): the answer is the sign-in
      // page, whose header and scripts differ from this one's, so it is opened as a page.
      if (!doc.body.hasAttribute("data-keep-alive-url") && xhr.responseURL) {
        window.location.replace(xhr.responseURL);
        return;
      }
      // Show the server's answer: the saved entry (after its redirect), or the form again
      // with its messages. The address follows, as it would after a normal post.
      document.querySelector("main").replaceWith(newMain);
      document.title = doc.title;
      if (xhr.responseURL && xhr.responseURL !== window.location.href) {
        window.history.replaceState(null, "", xhr.responseURL);
      }
      init();
      var summary = newMain.querySelector("[data-error-summary]");
      (summary || newMain).focus();
    });
    xhr.addEventListener("error", function () {
      progressBox.hidden = true;
      button.disabled = false;
      form.submit();
    });
    progressBox.hidden = false;
    button.disabled = true;
    xhr.send(new FormData(form));
  }

  // "Use my location": only on a tap, and only fills the place field; the member can edit it.
  function initLocation() {
    var box = document.querySelector("[data-use-location]");
    var field = document.querySelector('[name="location"]');
    if (!box || !field || !navigator.geolocation) { return; }
    var status = box.querySelector("[data-use-location-status]");
    box.hidden = false;
    box.querySelector("[data-use-location-button]").addEventListener("click", function () {
      status.textContent = "Finding your location…";
      navigator.geolocation.getCurrentPosition(function (position) {
        var c = position.coords;
        var place = c.latitude.toFixed(5) + ", " + c.longitude.toFixed(5) + " (within " + Math.round(c.accuracy) + " m)";
        field.value = field.value ? field.value + "; " + place : place;
        status.textContent = "Location added to Where.";
      }, function () {
        status.textContent = "Your location could not be found. You can type the place instead.";
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 });
    });
  }

  // Sizes as the entry's page writes them (Django's filesizeformat: 1 KB is 1024 bytes).
  function sizeText(bytes) {
    if (bytes < 1024) { return bytes + (bytes === 1 ? " byte" : " bytes"); }
    var units = ["KB", "MB", "GB"];
    var size = bytes / 1024;
    var unit = 0;
    while (size >= 1024 && unit < units.length - 1) { size /= 1024; unit += 1; }
    return size.toFixed(1) + " " + units[unit];
  }

  // The files chosen, by name and size, under the chooser: a phone's own chooser often shows
  // only "2 files", and the member should see what is about to be kept.
  function initChosenFiles(files) {
    var list = document.createElement("ul");
    list.className = "chosen-files";
    list.setAttribute("data-chosen-files", "");
    list.setAttribute("aria-label", "Files chosen");
    list.hidden = true;
    files.insertAdjacentElement("afterend", list);
    files.addEventListener("change", function () {
      list.textContent = "";
      Array.prototype.forEach.call(files.files, function (file) {
        var item = document.createElement("li");
        item.textContent = file.name + " (" + sizeText(file.size) + ")";
        list.appendChild(item);
      });
      list.hidden = files.files.length === 0;
    });
  }

  function init() {
    initLocation();
    var form = document.querySelector("[data-diary-form]");
    var files = form ? form.querySelector('input[type="file"]') : null;
    if (files) { initChosenFiles(files); }
    if (!form || !window.FormData || !window.DOMParser) { return; }
    var progressBox = form.querySelector("[data-upload-progress]");
    form.addEventListener("submit", function (event) {
      if (!progressBox || !files || files.files.length === 0 || !form.checkValidity()) { return; }
      event.preventDefault();
      send(form, progressBox);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
