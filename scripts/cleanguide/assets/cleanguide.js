/*
 * cleanguide: the filter of the guides index.
 *
 * The index is paged; the filter finds guides on every page. Typing into it shows each
 * guide whose title, description or topics hold all the words typed (case and accents
 * ignored). It reads guides/catalog.json once, on first use. Without JavaScript the index
 * is its plain pages. Data from the catalogue is only ever set as text, never as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var root = new URL("../../", script ? script.src : location.href);
  var SHOWN = 50;
  var catalogue = null;

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function load() {
    if (!catalogue) {
      catalogue = fetch(new URL("guides/catalog.json", root))
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (data) {
          return data.guides.map(function (g) {
            var topics = g.topics.map(function (t) { return t[0]; }).join(" ");
            return { guide: g, text: fold([g.title, g.description, topics].join(" ")) };
          });
        });
    }
    return catalogue;
  }

  function link(text, url) {
    var a = document.createElement("a");
    a.href = new URL(url, root).href;
    a.textContent = text;
    return a;
  }

  function entry(g) {
    var li = document.createElement("li");
    var strong = document.createElement("strong");
    strong.appendChild(link(g.title, g.url));
    li.appendChild(strong);
    if (g.description) {
      li.appendChild(document.createElement("br"));
      li.appendChild(document.createTextNode(g.description));
    }
    var meta = [];
    if (g.facts) meta.push(document.createTextNode(g.facts));
    g.topics.forEach(function (t) { meta.push(link(t[0], t[1])); });
    if (meta.length) {
      li.appendChild(document.createElement("br"));
      meta.forEach(function (node, i) {
        if (i) li.appendChild(document.createTextNode(" · "));
        li.appendChild(node);
      });
    }
    return li;
  }

  function setup() {
    var list = document.querySelector(".cg-catalogue.cg-index");
    if (!list || list.dataset.cgFilter) return;
    list.dataset.cgFilter = "on";
    var pager = document.querySelector(".cg-pager");

    var form = document.createElement("form");
    form.className = "cg-filter";
    form.setAttribute("role", "search");
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    var label = document.createElement("label");
    label.htmlFor = "cg-filter-input";
    label.textContent = "Filter all guides";
    var input = document.createElement("input");
    input.id = "cg-filter-input";
    input.type = "search";
    input.autocomplete = "off";
    input.placeholder = "Words from a title, description or topic";
    var status = document.createElement("p");
    status.className = "cg-filter__status";
    status.setAttribute("role", "status");
    form.append(label, input, status);
    list.parentNode.insertBefore(form, list);

    var results = document.createElement("div");
    results.className = "cg-catalogue";
    results.hidden = true;
    list.parentNode.insertBefore(results, list);

    var timer = 0;
    function update() {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      if (!words.length) {
        results.hidden = true;
        list.hidden = false;
        if (pager) pager.hidden = false;
        status.textContent = "";
        return;
      }
      load().then(function (guides) {
        var found = guides.filter(function (g) {
          return words.every(function (w) { return g.text.indexOf(w) !== -1; });
        });
        var ul = document.createElement("ul");
        found.slice(0, SHOWN).forEach(function (g) { ul.appendChild(entry(g.guide)); });
        results.replaceChildren(ul);
        results.hidden = false;
        list.hidden = true;
        if (pager) pager.hidden = true;
        status.textContent = found.length === 0 ? "No guide matches."
          : found.length === 1 ? "1 guide matches."
          : found.length > SHOWN ? found.length + " guides match; the first " + SHOWN + " are shown."
          : found.length + " guides match.";
      }, function () {
        status.textContent = "The list of guides could not be loaded; use the pages below.";
      });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(update, 120);
    });
  }

  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(setup);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
