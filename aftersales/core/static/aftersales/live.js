// Live pages (docs/operations.md, "Live updates"): a page marked with [data-live] asks its own
// address every few seconds whether what it shows changed (a conditional request: 304 when not),
// swaps the parts marked [data-live-region] when it did, and ticks the countdowns ([data-due]).
// A part holding a form someone is filling in is left alone; a hidden tab does not ask.
(function () {
  "use strict";

  var marker = document.querySelector("[data-live]");
  if (!marker) return;
  var words = marker.dataset;
  var polls = "version" in marker.dataset; // else the page only ticks its countdowns
  var every = Math.max(1, parseInt(words.every || "5", 10)) * 1000;

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (all, key) { return values[key]; });
  }

  // The words of aftersales.deadlines.display.span_in_words, in the page's language.
  function span(minutes) {
    var total = Math.max(0, Math.floor(minutes));
    var d = Math.floor(total / 1440), h = Math.floor((total % 1440) / 60), m = total % 60;
    if (d) return h ? fill(words.dh, { d: d, h: h }) : fill(words.d, { d: d });
    if (h) return m ? fill(words.hmin, { h: h, m: m }) : fill(words.h, { h: h });
    return fill(words.min, { m: m });
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (pill) {
      var due = Date.parse(pill.dataset.due);
      if (isNaN(due)) return;
      var minutes = (due - now) / 60000;
      var warn = parseFloat(pill.dataset.warn || "30");
      var colour = minutes <= 0 ? "red" : minutes <= warn ? "amber" : "green";
      var text = minutes <= 0 ? fill(words.overdue, { span: span(-minutes) }) : fill(words.left, { span: span(minutes) });
      if (pill.textContent !== text) pill.textContent = text;
      pill.classList.remove("pill-green", "pill-amber", "pill-red");
      pill.classList.add("pill-" + colour);
    });
  }

  // Is someone filling in a form in this part? (focused, or changed from what the page gave)
  function changedControl(el) {
    if (el.type === "hidden" || el.type === "submit" || el.type === "button") return false;
    if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
    if (el.type === "file") return el.files && el.files.length > 0;
    if (el.tagName === "SELECT") {
      var options = Array.prototype.slice.call(el.options);
      var defaults = options.filter(function (o) { return o.defaultSelected; });
      if (!defaults.length) return el.selectedIndex > 0;
      return options.some(function (o) { return o.selected !== o.defaultSelected; });
    }
    return el.value !== el.defaultValue;
  }

  function busy(region) {
    var active = document.activeElement;
    if (active && region.contains(active) && active.matches("input, textarea, select")) return true;
    return Array.prototype.some.call(region.querySelectorAll("input, textarea, select"), changedControl);
  }

  function anyBusy() {
    return Array.prototype.some.call(document.querySelectorAll("[data-live-region]"), busy);
  }

  // What the reader opened stays open.
  function keepOpen(old, fresh) {
    var before = old.querySelectorAll("details"), after = fresh.querySelectorAll("details");
    if (before.length !== after.length) return;
    for (var i = 0; i < before.length; i++) after[i].open = before[i].open;
  }

  // Swap every part the answer has; false when a part was kept for a form being filled in.
  function swap(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var complete = true;
    document.querySelectorAll("[data-live-region]").forEach(function (old) {
      var fresh = old.id && doc.getElementById(old.id);
      if (!fresh) return;
      if (busy(old)) { complete = false; return; }
      keepOpen(old, fresh);
      old.replaceWith(document.adoptNode(fresh));
    });
    tick();
    return complete;
  }

  function address() {
    var params = new URLSearchParams(location.search);
    params.set("partial", "live");
    return location.pathname + "?" + params.toString();
  }

  var asking = false;
  var behind = false; // a part was kept back: fetch it again once nobody is filling it in
  function poll() {
    if (!polls || asking || document.hidden) return;
    var headers = {};
    if (!(behind && !anyBusy())) headers["If-None-Match"] = '"' + marker.dataset.version + '"';
    asking = true;
    fetch(address(), { credentials: "same-origin", cache: "no-store", redirect: "error", headers: headers })
      .then(function (response) {
        // 304: nothing changed. Anything but 200 (logged out, gone): leave the page as it is.
        if (response.status !== 200) return null;
        var tag = (response.headers.get("ETag") || "").replace(/"/g, "");
        return response.text().then(function (html) {
          behind = !swap(html);
          if (tag) marker.dataset.version = tag;
          document.dispatchEvent(new CustomEvent("live:updated"));
        });
      })
      .catch(function () { /* offline for a moment: ask again next time */ })
      .then(function () { asking = false; });
  }

  var timer = null;
  function start() {
    clearInterval(timer);
    timer = setInterval(function () { tick(); poll(); }, every);
  }
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      clearInterval(timer);
      timer = null;
    } else {
      tick();
      poll();
      start();
    }
  });
  tick();
  if (!document.hidden) start();
})();
