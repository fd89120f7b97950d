/* Quiz pages: save each answer on the server as soon as it changes, and count down the time left.
   Progressive: without JavaScript the page is a normal form saved page by page. No framework.
   Messages come from data- attributes (translated on the server); CSP forbids inline script. */
(function () {
  "use strict";

  var closed = false, leaving = false, savers = [], answeredCount = null;
  // What was typed but not yet acknowledged when the page went away, kept in this tab for a short
  // while: a reload asks for the page before the last save is written, so it shows it again.
  var STASH = "lms-quiz-unsaved", STASH_MS = 120000;

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  function go(url) {
    // The attempt is closed (submitted by the server): nothing is left to save on the way out.
    closed = true;
    leaving = true;
    window.location.assign(url);
  }

  function countAnswered(change) {  // the number in the header's "Đã trả lời a / n câu"
    if (!answeredCount || !change) { return; }
    answeredCount.textContent = String(Math.max(0, parseInt(answeredCount.textContent, 10) + change));
  }

  function markAnswered(id, answered) {  // the question's button in the page's "Đi đến câu" list
    var button = document.querySelector('[data-question="' + id + '"]');
    if (!button) { return; }
    button.classList.toggle("answered", answered);
    button.querySelector("[data-mark]").textContent = answered ? " \u2713" : "";
  }

  function fields(box, prefix) {
    return Array.prototype.filter.call(box.querySelectorAll("input, select, textarea"), function (el) {
      return el.name && el.name.indexOf(prefix) === 0 && !el.disabled;
    });
  }

  function values(box, prefix) {  // [[name, value], ...] as the form would send them
    var out = [];
    fields(box, prefix).forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) { out.push([el.name, el.value]); }
      } else if (el.tagName === "SELECT" && el.multiple) {
        each(el.options, function (o) { if (o.selected) { out.push([el.name, o.value]); } });
      } else {
        out.push([el.name, el.value]);
      }
    });
    return out;
  }

  function restore(box, prefix, pairs) {
    var byName = {};
    pairs.forEach(function (p) { (byName[p[0]] = byName[p[0]] || []).push(p[1]); });
    fields(box, prefix).forEach(function (el) {
      var mine = byName[el.name] || [];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = mine.indexOf(el.value) >= 0;
      } else if (el.tagName === "SELECT" && el.multiple) {
        each(el.options, function (o) { o.selected = mine.indexOf(o.value) >= 0; });
      } else {
        el.value = mine.length ? mine.shift() : "";
      }
    });
  }

  function stash(change) {
    try {
      var kept = JSON.parse(window.sessionStorage.getItem(STASH) || "{}");
      change(kept);
      window.sessionStorage.setItem(STASH, JSON.stringify(kept));
      return kept;
    } catch (e) {
      return {};  // storage refused (private mode, quota): the keepalive request still goes out
    }
  }

  function Saver(form, box, kept) {
    var url = box.getAttribute("data-save-url");
    var prefix = box.getAttribute("data-prefix");
    var status = box.querySelector("[data-status]");
    var warning = box.querySelector("[data-warning]");
    var csrf = form.getAttribute("data-csrf");
    var busy = false, again = false, wait = 1000, retry = null, typing = null, unsaved = false;
    var answered = box.hasAttribute("data-answered");  // as the server last said

    function show(name, text) {
      if (!status) { return; }
      status.textContent = text || form.getAttribute("data-msg-" + name) || "";
      status.className = "hint save-status " + name;
    }

    function warn(text) {  // the server's word on the saved answer (a numeric answer that is not a number)
      if (!warning && text && status) {
        warning = document.createElement("p");
        warning.className = "alert warning";
        warning.setAttribute("role", "alert");
        box.insertBefore(warning, status);
      }
      if (warning) { warning.textContent = text || ""; warning.hidden = !text; }
    }

    function forget() { stash(function (k) { delete k[url]; }); }

    function done() {
      busy = false;
      if (again) { again = false; send(); }
    }

    function failed() {
      busy = false;
      unsaved = true;
      show("failed");
      clearTimeout(retry);
      retry = setTimeout(send, wait);
      wait = Math.min(wait * 2, 30000);
    }

    function post(keepalive) {
      // keepalive: the browser finishes the request even if the page goes away meanwhile
      var body = new FormData();
      values(box, prefix).forEach(function (p) { body.append(p[0], p[1]); });
      return fetch(url, {
        method: "POST", body: body, credentials: "same-origin", keepalive: keepalive,
        headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
      }).then(function (response) {
        // A save sent as the page goes away keeps the tab's copy: the next page may have been read
        // before this save was written, even though its answer came back first.
        if (response.status === 409) {
          if (!keepalive) { forget(); }
          return response.json().then(function (data) {
            closed = true;
            show("closed", data.error);
            setTimeout(function () { go(data.redirect); }, 3000);
            return false;
          });
        }
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json().then(function (data) {
          if (!keepalive) { forget(); }
          if (!keepalive) { warn(data.warning); }
          if (typeof data.answered === "boolean" && data.answered !== answered) {
            answered = data.answered;
            countAnswered(answered ? 1 : -1);
            markAnswered(box.id, answered);
          }
          return true;
        });
      });
    }

    function send(keepalive) {
      if (closed) { return; }
      clearTimeout(typing);
      if (busy) { again = true; return; }
      busy = true;
      unsaved = false;
      clearTimeout(retry);
      show("saving");
      post(keepalive === true).then(function (ok) {
        if (ok) { wait = 1000; show("saved"); done(); }
      }).catch(failed);
    }

    // The page is going away or out of sight (reload, back, another app on a phone, which may then
    // close the tab): what is not saved yet is kept in the tab and sent now, with keepalive. That
    // includes an answer whose save is still on its way: the page going away cancels it, and the next
    // page may be read before it is written. A request already on its way may carry older text, so
    // the newest is sent beside it rather than after it.
    function flush() {
      if (closed || (!unsaved && !busy)) { return; }
      var pairs = values(box, prefix);
      stash(function (k) { k[url] = { at: Date.now(), values: pairs }; });
      if (busy) {
        unsaved = false;
        post(true).catch(function () { unsaved = true; });
        return;
      }
      send(true);
    }

    box.addEventListener("change", function () { unsaved = true; send(); });
    box.addEventListener("input", function (event) {
      var t = event.target;
      if (t.tagName === "TEXTAREA" || (t.tagName === "INPUT" && t.type !== "checkbox" && t.type !== "radio")) {
        unsaved = true;
        clearTimeout(typing);
        typing = setTimeout(send, 800);
      }
    });
    window.addEventListener("online", function () { if (status && status.classList.contains("failed")) { send(); } });
    savers.push(flush);

    if (kept[url]) {  // left unsaved when this tab last showed the page (expired copies are gone)
      restore(box, prefix, kept[url].values);
      unsaved = true;
      send();
    }
  }

  function leave() {
    // A button of the form sends every answer of the page itself.
    if (!leaving) { savers.forEach(function (flush) { flush(); }); }
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
    answeredCount = document.querySelector("[data-answered-count]");
    if (form && window.fetch && window.FormData) {
      var kept = stash(function (k) {
        Object.keys(k).forEach(function (url) { if (!(Date.now() - k[url].at < STASH_MS)) { delete k[url]; } });
      });
      each(form.querySelectorAll("[data-save-url]"), function (box) { Saver(form, box, kept); });
      form.addEventListener("submit", function () { leaving = true; });
      window.addEventListener("pageshow", function () { leaving = false; });  // back from the cache
      window.addEventListener("beforeunload", leave);  // before the next page is asked for
      window.addEventListener("pagehide", leave);
      document.addEventListener("visibilitychange", function () {
        if (document.visibilityState === "hidden") { leave(); }
      });
    }
    var timer = document.querySelector("[data-remaining]");
    if (timer) { countdown(timer); }
  });
}());
