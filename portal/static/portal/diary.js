/* The diary's entry form: shows upload progress when files are attached.
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

  function init() {
    var form = document.querySelector("[data-diary-form]");
    if (!form || !window.FormData || !window.DOMParser) { return; }
    var progressBox = form.querySelector("[data-upload-progress]");
    var files = form.querySelector('input[type="file"]');
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
