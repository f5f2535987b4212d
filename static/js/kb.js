/* Search and knowledge base: similar questions while asking (deflection).
 *
 * On the ask page, typing a title shows up to 5 similar threads (resolved
 * first) from GET /api/v1/search/similar, debounced. Opening one is recorded
 * as a deflection ("opened"); posting anyway is recorded by the ask view,
 * which reads the hidden field `suggestions_shown` this script adds once
 * suggestions were shown. Display strings come translated from the server.
 * Everything is built with textContent: no server text is parsed as HTML.
 */
(function () {
  "use strict";

  var SIMILAR_URL = "/api/v1/search/similar";
  var DEFLECTION_URL = "/api/v1/search/deflection";
  var DEBOUNCE_MS = 250;
  var MIN_CHARS = 6;

  function randomKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function ensureStylesheet() {
    var script = document.querySelector('script[src*="js/kb.js"]');
    if (!script || document.querySelector('link[href*="css/kb.css"]')) { return; }
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = script.getAttribute("src").replace(/js\/kb\.js.*$/, "css/kb.css");
    document.head.appendChild(link);
  }

  function recordDeflection(app, payload) {
    try {
      fetch(DEFLECTION_URL, {
        method: "POST",
        credentials: "same-origin",
        keepalive: true, // the page is being left: let the request finish anyway
        headers: { "Content-Type": "application/json", "X-CSRFToken": app.csrfToken(), "Accept": "application/json" },
        body: JSON.stringify(payload)
      }).catch(function () { /* best effort: a lost fact must not block the customer */ });
    } catch (error) { /* very old browsers */ }
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function initSimilar(app, root) {
    var box = root.getElementById ? root.getElementById("similar-threads") : null;
    var title = root.getElementById ? root.getElementById("title") : null;
    // The ask page only: the edit page shares its template but has nothing to deflect.
    if (!box || !title || !title.form || !/\/ask\/?$/.test(window.location.pathname)) { return; }
    ensureStylesheet();
    var form = title.form;
    var sessionKey = randomKey();
    var timer = null;
    var lastQuery = "";
    var sequence = 0;

    function markShown() {
      if (form.querySelector('input[name="suggestions_shown"]')) { return; }
      var field = document.createElement("input");
      field.type = "hidden";
      field.name = "suggestions_shown";
      field.value = sessionKey;
      form.appendChild(field);
    }

    function render(data) {
      var items = (data && data.items) || [];
      if (!items.length) {
        box.hidden = true;
        box.replaceChildren();
        return;
      }
      var heading = element("h2", "similar-heading", data.heading);
      heading.id = "similar-heading";
      var list = element("ol", "similar-list");
      items.forEach(function (item) {
        var entry = element("li", "similar-item" + (item.status === "resolved" ? " is-resolved" : ""));
        var link = element("a", "similar-link", item.title);
        link.href = item.url;
        link.addEventListener("click", function () {
          recordDeflection(app, { outcome: "opened", session_key: sessionKey, suggested_thread_id: item.thread_id });
        });
        var badge = element("span", "badge status status-" + item.status, item.status_label);
        entry.appendChild(link);
        entry.appendChild(document.createTextNode(" "));
        entry.appendChild(badge);
        if (item.accepted_answer_excerpt) {
          var excerpt = element("p", "similar-excerpt");
          excerpt.appendChild(element("strong", "", data.accepted_label + " "));
          excerpt.appendChild(document.createTextNode(item.accepted_answer_excerpt));
          entry.appendChild(excerpt);
        }
        list.appendChild(entry);
      });
      box.setAttribute("aria-labelledby", "similar-heading");
      box.replaceChildren(heading, list);
      box.hidden = false;
      markShown();
    }

    function lookUp() {
      var text = title.value.trim();
      if (text === lastQuery) { return; }
      lastQuery = text;
      var mine = ++sequence;
      if (text.length < MIN_CHARS) {
        render(null);
        return;
      }
      fetch(SIMILAR_URL + "?title=" + encodeURIComponent(text), {
        credentials: "same-origin", headers: { "Accept": "application/json" }
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { if (mine === sequence) { render(data); } })
        .catch(function () { /* suggestions are a bonus; asking still works */ });
    }

    title.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(lookUp, DEBOUNCE_MS);
    });
    if (title.value.trim()) { lookUp(); }
  }

  function start() {
    if (!window.Peerdesk || !window.Peerdesk.register) { return; }
    window.Peerdesk.register(function (app, root) { initSimilar(app, root); });
  }

  start();
})();
