// Progressive enhancement only: the form and the summary work fully without this file.
(function () {
  "use strict";

  // Show conditional questions only when the answer they depend on calls for them.
  function updateConditionals(form) {
    form.querySelectorAll(".conditional[data-show-when]").forEach(function (block) {
      var name = block.getAttribute("data-show-when");
      var wanted = block.getAttribute("data-values").split(" ");
      // Radios have one checked input; checkboxes may have several: any wanted one shows it.
      var checked = form.querySelectorAll('input[name="' + name + '"]:checked');
      var show = Array.prototype.some.call(checked, function (input) {
        return wanted.indexOf(input.value) !== -1;
      });
      // Never hide a question that is showing an error message.
      if (block.querySelector(".error-message")) { show = true; }
      block.hidden = !show;
    });
  }

  // A checklist's "None of these apply" excludes every condition (GOV.UK's exclusive
  // checkbox). While it is ticked the conditions are disabled, which also takes them out of
  // the tab order, so the next Tab leaves the list. The server refuses both together anyway.
  function updateConditionList(list, changed) {
    var none = list.querySelector("input[data-exclusive]");
    var items = list.querySelectorAll('input[type="checkbox"]:not([data-exclusive])');
    var anyTicked = Array.prototype.some.call(items, function (item) { return item.checked; });
    if (changed === none && none.checked) {
      items.forEach(function (item) { item.checked = false; });
      anyTicked = false;
    } else if (changed && changed !== none && changed.checked) {
      none.checked = false;
    }
    // A list sent back with both ticked (an error) stays open to correction.
    items.forEach(function (item) { item.disabled = none.checked && !anyTicked; });
    // An unticked condition has no follow-up answer: clear it, so a hidden "Yes" is never
    // sent for a condition the clinician unticked.
    items.forEach(function (item) {
      if (item.checked) { return; }
      list.querySelectorAll(
        '.conditional[data-values="' + item.value + '"] input[name="' + item.value + '"]'
      ).forEach(function (answer) { answer.checked = false; });
    });
  }

  function copyNote(button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    // Each copy button reports beside itself (the summary has one at the top, one at the note).
    var status = document.getElementById(button.getAttribute("data-copy-status")) ||
      document.querySelector(".copy-status");
    var say = function (text) { if (status) { status.textContent = text; } };
    var byHand = function () {
      // Selecting focuses the note, which scrolls to it: only when the text must be copied by hand.
      target.select();
      try {
        if (document.execCommand("copy")) { say("Note copied."); return; }
      } catch (e) { /* fall through: the text stays selected */ }
      say("Copy failed: select the text and copy it by hand.");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(target.value).then(function () { say("Note copied."); }, byHand);
    } else {
      byHand();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-autofocus]");
    if (summary) { summary.focus(); }

    document.querySelectorAll("[data-condition-list]").forEach(function (list) {
      list.querySelectorAll("input[data-exclusive]").forEach(function (none) {
        var items = list.querySelectorAll('input[type="checkbox"]:not([data-exclusive])');
        var anyTicked = Array.prototype.some.call(items, function (item) { return item.checked; });
        items.forEach(function (item) { item.disabled = none.checked && !anyTicked; });
      });
      list.addEventListener("change", function (event) {
        if (event.target.type === "checkbox") { updateConditionList(list, event.target); }
      });
    });

    document.querySelectorAll("form.screening-form, form.followup-form").forEach(function (form) {
      updateConditionals(form);
      form.addEventListener("change", function () { updateConditionals(form); });
    });

    document.querySelectorAll("[data-copy-target]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { copyNote(button); });
    });

    // A printed summary shows its folded reference sections too; they fold again afterwards.
    var opened = [];
    window.addEventListener("beforeprint", function () {
      opened = Array.prototype.filter.call(
        document.querySelectorAll("details.details-fold"), function (d) { return !d.open; });
      opened.forEach(function (d) { d.open = true; });
    });
    window.addEventListener("afterprint", function () {
      opened.forEach(function (d) { d.open = false; });
      opened = [];
    });

    document.querySelectorAll("[data-print]").forEach(function (button) {
      // Print once the packaged font has loaded: the sheet's two-page layout is measured in it.
      button.addEventListener("click", function () {
        if (document.fonts && document.fonts.ready) {
          document.fonts.ready.then(function () { window.print(); });
        } else {
          window.print();
        }
      });
    });
  });
})();
