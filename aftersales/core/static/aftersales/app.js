// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  function replaceFrom(url, id) {
    return fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) {
        var target = document.getElementById(id);
        if (!target || !html) return;
        var box = document.createElement("div");
        box.innerHTML = html;
        var fresh = box.querySelector("#" + id);
        if (fresh) target.replaceWith(fresh);
      });
  }

  // On a phone the queue's filters fold away behind one button.
  var toggle = document.querySelector("[data-filter-toggle]");
  if (toggle) {
    toggle.addEventListener("click", function () { toggle.closest("form").classList.toggle("open"); });
  }

  // Find the caller while typing.
  var lookup = document.querySelector("form[data-lookup] input[name=q]");
  if (lookup) {
    lookup.addEventListener("input", debounce(function () {
      var q = lookup.value.trim();
      if (q.length < 2) return;
      replaceFrom("?partial=lookup&q=" + encodeURIComponent(q), "lookup-results");
    }, 250));
  }

  // Show the entitlement of the chosen equipment at once.
  var form = document.querySelector("form[data-entitlement-url]");
  if (form) {
    var refresh = function () {
      var params = new URLSearchParams({
        partial: "entitlement",
        customer: form.elements.customer.value,
        equipment: form.elements.equipment.value,
        cause: form.elements.excluded_cause.value
      });
      replaceFrom(form.dataset.entitlementUrl + "?" + params.toString(), "entitlement");
    };
    form.elements.equipment.addEventListener("change", refresh);

    // The dispatch proposal for the chosen equipment, site and severity (the agent may override it).
    var proposal = form.querySelector("[data-proposal-url]");
    if (proposal) {
      var propose = function () {
        var checked = form.querySelector("input[name=severity]:checked");
        var params = new URLSearchParams({
          customer: form.elements.customer.value,
          equipment: form.elements.equipment.value,
          site: form.elements.site.value,
          severity: checked ? checked.value : ""
        });
        replaceFrom(proposal.dataset.proposalUrl + "?" + params.toString(), "dispatch-proposal");
      };
      ["equipment", "site"].forEach(function (name) { form.elements[name].addEventListener("change", propose); });
      form.querySelectorAll("input[name=severity]").forEach(function (el) { el.addEventListener("change", propose); });
    }
    form.elements.excluded_cause.addEventListener("change", refresh);

    var answer = form.querySelector("[data-consultation-only]");
    var toggle = function () {
      var mode = form.querySelector("input[name=mode]:checked");
      var consult = mode && mode.value === "consultation";
      answer.hidden = !consult;
      form.querySelectorAll("[data-case-only]").forEach(function (el) { el.hidden = consult; });
      form.querySelectorAll("fieldset.severity, select[name=kind]").forEach(function (el) {
        (el.closest("label") || el).hidden = consult;
      });
    };
    form.querySelectorAll("input[name=mode]").forEach(function (el) { el.addEventListener("change", toggle); });
    toggle();
  }
})();
