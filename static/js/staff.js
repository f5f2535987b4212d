/* Staff panel: insert a canned reply into the answer editor (editable before posting).
   Loaded as an external file (CSP: script-src 'self'); does nothing without a panel. */
(function () {
  "use strict";

  function insertAtCursor(textarea, text) {
    var start = textarea.selectionStart || 0;
    var end = textarea.selectionEnd || 0;
    var before = textarea.value.slice(0, start);
    var after = textarea.value.slice(end);
    var glue = before && !/\n\s*$/.test(before) ? "\n\n" : "";
    textarea.value = before + glue + text + after;
    var caret = (before + glue + text).length;
    textarea.focus();
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function wire(box) {
    var target = document.getElementById(box.getAttribute("data-target") || "body");
    var select = box.querySelector("[data-canned-select]");
    var button = box.querySelector("[data-canned-insert]");
    if (!target || !select || !button) { return; }
    box.hidden = false;
    button.addEventListener("click", function () {
      var template = document.querySelector('template[data-canned-text="' + select.value + '"]');
      if (!template) { return; }
      insertAtCursor(target, template.content.textContent.trim());
      target.scrollIntoView({ block: "center" });
    });
  }

  /* The queue page hears every escalation, claim and hand-over (the server puts staff in the
     staff room on connect) and offers a reload instead of moving rows under the reader's cursor. */
  function watchQueue() {
    var scope = document.querySelector("[data-staff-queue]");
    var peerdesk = window.Peerdesk;
    var socket = scope && peerdesk && peerdesk.socket ? peerdesk.socket() : null;
    if (!socket) { return; }
    peerdesk.onEvent("queue_update", function () { peerdesk.showLiveNotice(scope); });
  }

  function start() {
    document.querySelectorAll("[data-canned-replies]").forEach(wire);
    watchQueue();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
