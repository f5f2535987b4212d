/* Peerdesk front end: small progressive enhancements, no framework.
 *
 * Every page works without this file. Each feature is one function that looks
 * for its markup (data-* attributes) and does nothing when it is absent.
 * Other scripts add features with Peerdesk.register(fn); fn(Peerdesk) runs once
 * the DOM is ready (scripts loaded with `defer` after this one register in time).
 * Only external scripts: the Content-Security-Policy forbids inline code.
 */
(function () {
  "use strict";

  var Peerdesk = window.Peerdesk || {};
  window.Peerdesk = Peerdesk;

  var features = [];
  var ready = false;
  var socket = null;

  /* ---------- Helpers other features may use ---------- */

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  /** POST a FormData (or plain object) with the CSRF header; resolves to the parsed JSON body. */
  function postForm(url, data) {
    var body = data instanceof FormData ? data : toFormData(data || {});
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (!response.ok) {
          var message = json && json.error && json.error.message;
          var error = new Error(message || ("HTTP " + response.status));
          error.status = response.status;
          throw error;
        }
        return json;
      });
    });
  }

  function toFormData(values) {
    var form = new FormData();
    Object.keys(values).forEach(function (key) { form.append(key, values[key]); });
    return form;
  }

  /* The id of the newest event this page has heard of: first the server's at render time, then
     every message's. Each (re)connect and room join sends it as `since`, and the server replays
     what was missed (a restart, a dropped network, a closed lid). */
  var lastEventId = null;
  var heard = {};

  function initialEventId() {
    var meta = document.querySelector('meta[name="peerdesk-event-id"]');
    var value = meta ? Number(meta.getAttribute("content")) : NaN;
    return isFinite(value) && value > 0 ? value : null;
  }

  function since(payload) {
    var copy = {};
    Object.keys(payload || {}).forEach(function (key) { copy[key] = payload[key]; });
    if (lastEventId !== null) { copy.since = lastEventId; }
    return copy;
  }

  /** The shared Socket.IO connection, or null when the client library is missing. */
  function getSocket() {
    if (socket === null && typeof window.io === "function") {
      lastEventId = initialEventId();
      socket = window.io({ auth: function (send) { send(since({})); } });
      socket.on("resync", function () { showLiveNotice(document, "resync"); });
    }
    return socket;
  }

  /** Call `handler` once per event id and name: a replay may repeat what arrived live. */
  function onEvent(io, eventName, handler) {
    io.on(eventName, function (event) {
      var id = event && Number(event.id);
      if (id) {
        var key = eventName + ":" + id;
        if (heard[key]) { return; }
        heard[key] = true;
        if (lastEventId === null || id > lastEventId) { lastEventId = id; }
      }
      handler(event);
    });
  }

  /**
   * Subscribe to a room-like stream: `joinEvent` is (re-)emitted on every
   * connect with the last event id seen, so a reconnect re-joins the room and
   * receives what it missed.
   */
  function subscribe(joinEvent, payload, eventName, handler) {
    var io = getSocket();
    if (!io) { return null; }
    var join = function () { io.emit(joinEvent, since(payload)); };
    io.on("connect", join);
    if (io.connected) { join(); }
    onEvent(io, eventName, handler);
    return io;
  }

  /**
   * Show a live notice ("New answer posted — reload") in the page's status
   * region. The text comes from a <template data-live-notice[="kind"]> inside
   * `scope`, so it is translated on the server like every other string.
   */
  function showLiveNotice(scope, kind) {
    var region = document.querySelector("[data-live-region]");
    var template = (kind && scope.querySelector('template[data-live-notice="' + cssEscape(kind) + '"]')) ||
      scope.querySelector('template[data-live-notice=""]');
    if (!region || !template) { return; }
    var key = template.getAttribute("data-live-notice") || "default";
    if (region.getAttribute("data-showing") === key) { return; }
    region.setAttribute("data-showing", key);
    region.replaceChildren(template.content.cloneNode(true));
  }

  function cssEscape(value) {
    return window.CSS && CSS.escape ? CSS.escape(value) : String(value).replace(/[^\w-]/g, "");
  }

  /* ---------- Feature: Markdown preview ---------- */

  /**
   * Buttons with data-preview-target (id of the preview <section>) and
   * data-preview-source (id of the textarea) POST the text to forum.preview.
   */
  function initPreviews(root) {
    root.querySelectorAll("button[data-preview-target]").forEach(function (button) {
      var source = document.getElementById(button.getAttribute("data-preview-source"));
      var box = document.getElementById(button.getAttribute("data-preview-target"));
      if (!source || !box) { return; }
      var body = box.querySelector("[data-preview-body]") || box;
      button.hidden = false;
      button.addEventListener("click", function () {
        box.hidden = false;
        if (!source.value.trim()) {
          setPreviewMessage(body, button.getAttribute("data-preview-empty"), false);
          return;
        }
        button.setAttribute("aria-busy", "true");
        button.disabled = true;
        postForm(button.getAttribute("data-preview-url"), { body: source.value })
          .then(function (json) {
            // The server's Markdown renderer sanitises with nh3: the same HTML the post will store.
            body.innerHTML = json.html || "";
          })
          .catch(function (error) {
            setPreviewMessage(body, error.status === 413 && error.message ? error.message
              : button.getAttribute("data-preview-error"), true);
          })
          .then(function () {
            button.removeAttribute("aria-busy");
            button.disabled = false;
          });
      });
    });
  }

  function setPreviewMessage(container, text, isError) {
    var message = document.createElement("p");
    message.className = "preview-message" + (isError ? " is-error" : "");
    message.textContent = text || "";
    container.replaceChildren(message);
  }

  /* ---------- Feature: live updates ---------- */

  /** Votes only move scores; they are not worth asking the reader to reload. */
  var QUIET_KINDS = { voted: true };

  function initThreadLive(root) {
    var page = root.querySelector("[data-thread-id]");
    if (!page) { return; }
    var threadId = Number(page.getAttribute("data-thread-id"));
    subscribe("join_thread", { thread_id: threadId }, "thread_update", function (event) {
      if (!event || Number(event.thread_id) !== threadId || QUIET_KINDS[event.kind]) { return; }
      showLiveNotice(page, event.kind);
    });
  }

  function initListLive(root) {
    var list = root.querySelector("[data-live-list]");
    if (!list) { return; }
    subscribe("join_list", {}, "thread_list_update", function (event) {
      if (event && QUIET_KINDS[event.kind]) { return; }
      showLiveNotice(list, event && event.kind);
    });
  }

  /* The bell: a new notification (live or replayed after a reconnect) raises the unread count. */
  function initBell(root) {
    var count = root.querySelector("[data-bell-count]");
    if (!count) { return; }
    var io = getSocket();
    if (!io) { return; }
    onEvent(io, "notification", function () {
      count.textContent = String((Number(count.textContent) || 0) + 1);
      count.hidden = false;
      var list = root.querySelector("[data-notification-list]");
      if (list) { showLiveNotice(document, ""); }
    });
  }

  /* ---------- Registration and start-up ---------- */

  /* The exact time of a <time> element as a tooltip, in the reader's own time zone. */
  function initTimeTitles(root) {
    var language = document.documentElement.lang || undefined;
    root.querySelectorAll("time[datetime]").forEach(function (element) {
      var moment = new Date(element.getAttribute("datetime"));
      if (!element.title && !isNaN(moment.getTime())) {
        element.title = moment.toLocaleString(language, { dateStyle: "medium", timeStyle: "short" });
      }
    });
  }

  function register(feature) {
    if (ready) {
      runFeature(feature);
    } else {
      features.push(feature);
    }
  }

  function runFeature(feature) {
    try {
      feature(Peerdesk, document);
    } catch (error) {
      // One broken enhancement must not take the others down.
      if (window.console) { console.error("Peerdesk feature failed", error); }
    }
  }

  function start() {
    ready = true;
    features.splice(0).forEach(runFeature);
  }

  Peerdesk.csrfToken = csrfToken;
  Peerdesk.postForm = postForm;
  Peerdesk.socket = getSocket;
  Peerdesk.subscribe = subscribe;
  Peerdesk.onEvent = function (eventName, handler) {
    var io = getSocket();
    if (io) { onEvent(io, eventName, handler); }
    return io;
  };
  Peerdesk.lastEventId = function () { return lastEventId; };
  Peerdesk.showLiveNotice = showLiveNotice;
  Peerdesk.register = register;

  register(function (app, root) { initPreviews(root); });
  register(function (app, root) { initThreadLive(root); });
  register(function (app, root) { initListLive(root); });
  register(function (app, root) { initTimeTitles(root); });
  register(function (app, root) { initBell(root); });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
