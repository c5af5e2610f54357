// The upload page: the file goes with a progress bar (a delivery of a few hundred megabytes takes
// minutes on a city's network), and a file larger than the server accepts is refused at once,
// before it is sent. Without this script, the form posts as it is.
(function () {
  "use strict";
  const form = document.querySelector("form.upload");
  if (!form || !window.FormData) return;
  const bar = document.getElementById("upload-bar");
  const status = document.getElementById("upload-status");
  const button = form.querySelector("button[type=submit]");
  const maxBytes = Number(form.dataset.maxBytes);

  function say(text, isError) {
    status.textContent = text;
    status.className = isError ? "error" : "";
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = form.querySelector("input[type=file]").files[0];
    if (file && maxBytes && file.size > maxBytes) {
      say(form.dataset.tooLarge, true);
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.upload.addEventListener("progress", (e) => {
      if (!e.lengthComputable) return;
      bar.max = e.total;
      bar.value = e.loaded;
      say(Math.floor((100 * e.loaded) / e.total) + " %", false);
    });
    xhr.addEventListener("load", () => {
      // Uploaded: the server names the job's page. Otherwise the form again, with what was
      // wrong, or the server's error page, shown as a plain post would show it.
      if (xhr.status === 201) {
        window.location.assign(JSON.parse(xhr.responseText).job);
        return;
      }
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    xhr.addEventListener("error", () => {
      bar.hidden = true;
      button.disabled = false;
      say(form.dataset.failed, true);
    });
    button.disabled = true;
    bar.hidden = false;
    say("0 %", false);
    xhr.send(new FormData(form));
  });
})();
