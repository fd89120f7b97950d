/* Quiz pages: save each answer on the server as soon as it changes, and count down the time left.
   Progressive: without JavaScript the page is a normal form saved page by page. No framework.
   Messages come from data- attributes (translated on the server); CSP forbids inline script. */
(function () {
  "use strict";

  var closed = false;

  function go(url) { if (url) { window.location.href = url; } }

  function formData(box, prefix) {
    var body = new FormData();
    var fields = box.querySelectorAll("input, select, textarea");
    Array.prototype.forEach.call(fields, function (el) {
      if (!el.name || el.name.indexOf(prefix) !== 0 || el.disabled) { return; }
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) { return; }
      if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) { if (o.selected) { body.append(el.name, o.value); } });
        return;
      }
      body.append(el.name, el.value);
    });
    return body;
  }

  function Saver(form, box) {
    var url = box.getAttribute("data-save-url");
    var prefix = box.getAttribute("data-prefix");
    var status = box.querySelector("[data-status]");
    var csrf = form.getAttribute("data-csrf");
    var busy = false, again = false, wait = 1000, retry = null, typing = null;

    function show(name, text) {
      if (!status) { return; }
      status.textContent = text || form.getAttribute("data-msg-" + name) || "";
      status.className = "hint save-status " + name;
    }

    function done() {
      busy = false;
      if (again) { again = false; send(); }
    }

    function failed() {
      busy = false;
      show("failed");
      clearTimeout(retry);
      retry = setTimeout(send, wait);
      wait = Math.min(wait * 2, 30000);
    }

    function send() {
      if (closed) { return; }
      if (busy) { again = true; return; }
      busy = true;
      clearTimeout(retry);
      show("saving");
      fetch(url, {
        method: "POST", body: formData(box, prefix), credentials: "same-origin",
        headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
      }).then(function (response) {
        if (response.status === 409) {
          return response.json().then(function (data) {
            closed = true;
            show("closed", data.error);
            setTimeout(function () { go(data.redirect); }, 3000);
          });
        }
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json().then(function () { wait = 1000; show("saved"); done(); });
      }).catch(failed);
    }

    box.addEventListener("change", function () { clearTimeout(typing); send(); });
    box.addEventListener("input", function (event) {
      var t = event.target;
      if (t.tagName === "TEXTAREA" || (t.tagName === "INPUT" && t.type !== "checkbox" && t.type !== "radio")) {
        clearTimeout(typing);
        typing = setTimeout(send, 800);
      }
    });
    window.addEventListener("online", function () { if (status && status.classList.contains("failed")) { send(); } });
  }

  function clock(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
    var mm = (m < 10 ? "0" : "") + m, ss = (s < 10 ? "0" : "") + s;
    return h ? h + ":" + mm + ":" + ss : mm + ":" + ss;
  }

  function countdown(timer) {
    // Counted from the seconds the server computed, so a wrong clock on the phone does not matter.
    var end = Date.now() + 1000 * parseInt(timer.getAttribute("data-remaining"), 10);
    var out = timer.querySelector("[data-clock]");
    var tick = setInterval(function () {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      if (out) { out.textContent = clock(left); }
      if (left === 0) {
        clearInterval(tick);
        closed = true;
        timer.textContent = timer.getAttribute("data-expired");
        timer.setAttribute("role", "alert");
        setTimeout(function () { go(timer.getAttribute("data-result-url")); }, 1500);
      }
    }, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-quiz]");
    if (form && window.fetch && window.FormData) {
      Array.prototype.forEach.call(form.querySelectorAll("[data-save-url]"), function (box) { Saver(form, box); });
    }
    var timer = document.querySelector("[data-remaining]");
    if (timer) { countdown(timer); }
  });
}());
