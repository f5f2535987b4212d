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
     staff room on connect, and replays what it missed after a reconnect). It fetches this same
     page again and swaps the list in place: a newly escalated thread appears as a new row
     (highlighted), a claim shows who claimed. Should the fetch fail, it offers a reload. */
  function watchQueue() {
    var scope = document.querySelector("[data-staff-queue]");
    var peerdesk = window.Peerdesk;
    var socket = scope && peerdesk && peerdesk.socket ? peerdesk.socket() : null;
    if (!socket) { return; }
    var pending = null;
    peerdesk.onEvent("queue_update", function () {
      if (pending) { return; }
      pending = window.setTimeout(function () { pending = null; refreshQueue(scope, peerdesk); }, 250);
    });
  }

  function rowIds(root) {
    var ids = {};
    root.querySelectorAll("[data-queue-row]").forEach(function (row) { ids[row.getAttribute("data-queue-row")] = true; });
    return ids;
  }

  /* Rows that arrived live stay highlighted until the page is reloaded, whatever refreshes follow. */
  var arrivedRows = {};

  function refreshQueue(scope, peerdesk) {
    var body = document.querySelector("[data-queue-body]");
    if (!body) { peerdesk.showLiveNotice(scope); return; }
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) {
        // Our own server's page, parsed inert (no scripts run); only the list and the count move over.
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var freshBody = fresh.querySelector("[data-queue-body]");
        if (!freshBody) { throw new Error("no queue in the page"); }
        var before = rowIds(body);
        body.replaceChildren.apply(body, Array.prototype.slice.call(freshBody.childNodes).map(function (node) {
          return document.importNode(node, true);
        }));
        var total = document.querySelector("[data-queue-live]");
        var freshTotal = fresh.querySelector("[data-queue-live]");
        if (total && freshTotal) { total.textContent = freshTotal.textContent; }
        var arrived = false;
        body.querySelectorAll("[data-queue-row]").forEach(function (row) {
          var id = row.getAttribute("data-queue-row");
          if (!before[id]) { arrivedRows[id] = true; arrived = true; }
          if (arrivedRows[id]) { row.classList.add("is-new"); }
        });
        if (arrived) { peerdesk.showLiveNotice(scope, "new-row"); }
      })
      .catch(function () { peerdesk.showLiveNotice(scope); });
  }

  /* "Also viewing": staff on the same thread page see each other, so two people do not answer
     the same customer. The server sends the names of the staff in the thread's staff room. */
  function watchViewers() {
    var box = document.querySelector("[data-also-viewing]");
    var peerdesk = window.Peerdesk;
    var socket = box && peerdesk && peerdesk.socket ? peerdesk.socket() : null;
    if (!socket) { return; }
    var me = box.getAttribute("data-me");
    var names = box.querySelector("[data-also-viewing-names]");
    socket.on("viewers", function (event) {
      var others = ((event && event.names) || []).filter(function (name) { return name !== me; });
      names.textContent = others.join(", ");
      box.hidden = others.length === 0;
    });
  }

  function start() {
    document.querySelectorAll("[data-canned-replies]").forEach(wire);
    watchQueue();
    watchViewers();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
