/*
 * cleanguide: what the reader's pages do in the browser. Each part is a plain function run
 * on every page Material shows (also with instant navigation), and each part only adds to
 * a page that works without it.
 *
 * - filter: the guides index is paged; the filter finds guides on every page. Typing into
 *   it shows each guide whose title, description or topics hold all the words typed (case
 *   and accents ignored). It reads guides/catalog.json once, on first use. Data from the
 *   catalogue is only ever set as text, never as HTML.
 * - steps: each step of a list of steps (`ol.cg-steps > li[id]`) gets a "Done" checkbox and
 *   a link to itself (#step-3); the page says how many are done ("3 of 7 done") and can
 *   reset them. What is ticked is kept in this browser's local storage, per page, and
 *   nowhere else. The step an address names (#step-3) is highlighted.
 * - zoom: screenshots link to their original; GLightbox opens it over the page. Its files
 *   are loaded once the page is shown, and only on pages with a screenshot.
 * - names: Material's search dialog, breadcrumbs and sections of the navigation get the
 *   accessible names its templates leave out.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var here = script ? script.src : location.href; // assets/cleanguide/cleanguide.js
  var root = new URL("../../", here);
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

  function setupFilter() {
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

  // --- steps ------------------------------------------------------------------------------

  var STORE = "cleanguide:done:";

  function stepName(id) {
    var m = /step-(\d+)(?:-(\d+))?$/.exec(id);
    return m ? "step " + m[1] + (m[2] ? "." + m[2] : "") : "this step";
  }

  function readDone(key) {
    try {
      var ids = JSON.parse(localStorage.getItem(key) || "[]");
      return Array.isArray(ids) ? ids : [];
    } catch (error) {
      return [];
    }
  }

  function writeDone(key, ids) {
    try {
      if (ids.length) localStorage.setItem(key, JSON.stringify(ids));
      else localStorage.removeItem(key);
    } catch (error) {
      // storage may be off (private browsing): the ticks last as long as the page
    }
  }

  function setupSteps() {
    var article = document.querySelector("article");
    if (!article || article.dataset.cgSteps) return;
    var steps = Array.prototype.slice.call(article.querySelectorAll("ol.cg-steps > li[id]"));
    if (!steps.length) return;
    article.dataset.cgSteps = "on";
    var key = STORE + location.pathname;
    var done = readDone(key);

    var box = document.createElement("div");
    box.className = "cg-progress";
    var status = document.createElement("p");
    status.className = "cg-progress__status";
    status.setAttribute("role", "status");
    var reset = document.createElement("button");
    reset.type = "button";
    reset.textContent = "Reset";
    reset.setAttribute("aria-label", "Reset: mark every step not done");
    box.append(status, reset);
    var first = article.querySelector("ol.cg-steps");
    first.parentNode.insertBefore(box, first);
    asSiteWords(box);

    var boxes = steps.map(function (li) {
      var name = stepName(li.id);
      var tools = document.createElement("span");
      tools.className = "cg-step-tools";
      var label = document.createElement("label");
      label.className = "cg-done";
      var input = document.createElement("input");
      input.type = "checkbox";
      input.checked = done.indexOf(li.id) !== -1;
      input.setAttribute("aria-label", "Done: " + name);
      var text = document.createElement("span");
      text.textContent = "Done";
      label.append(input, text);
      var link = document.createElement("a");
      link.className = "cg-step-link";
      link.href = "#" + li.id;
      link.textContent = "#";
      link.title = "Link to " + name;
      link.setAttribute("aria-label", "Link to " + name);
      tools.append(label, link);
      li.insertBefore(tools, li.firstChild);
      asSiteWords(tools);
      li.classList.toggle("cg-step--done", input.checked);
      input.addEventListener("change", function () {
        li.classList.toggle("cg-step--done", input.checked);
        save();
      });
      return input;
    });

    function count() {
      var n = boxes.filter(function (b) { return b.checked; }).length;
      status.textContent = n + " of " + boxes.length + " done";
    }
    function save() {
      writeDone(key, steps.filter(function (li, i) { return boxes[i].checked; })
        .map(function (li) { return li.id; }));
      count();
    }
    reset.addEventListener("click", function () {
      boxes.forEach(function (b, i) {
        b.checked = false;
        steps[i].classList.remove("cg-step--done");
      });
      save();
    });
    count();
  }

  function highlightTarget() {
    document.querySelectorAll(".cg-step--target").forEach(function (li) {
      li.classList.remove("cg-step--target");
    });
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (target && target.matches("ol.cg-steps > li")) {
      target.classList.add("cg-step--target");
    }
  }

  // cleanguide's own words (in the site's language) inside a guide written in another one
  // say so, and run in their own direction: "0 of 3 done" inside Arabic text would read
  // "of 3 done 0".
  function asSiteWords(el) {
    var root = document.documentElement;
    var content = el.parentNode.closest("[lang]");
    if (content && content !== root && content.lang !== root.lang) {
      el.lang = root.lang;
      el.dir = "auto";
    }
  }

  // --- zoom ---------------------------------------------------------------------------------

  // The zoom view opens cleanguide's own screenshot links only: an `a.glightbox` that holds
  // one image and no text, and leads to a file of the site itself (a screenshot's local
  // copy). GLightbox is handed each one as plain data (its URL, shown as an image, and the
  // image's alt text), never the link itself: from a link it would insert the `title` as
  // HTML (an article may write its own `a.glightbox`, title included) and open a URL that is
  // not an image's in a frame; and it loads the slides next to the one shown, so a link to
  // another host would be fetched as soon as a screenshot is zoomed.
  var lightbox = null;
  var lightboxLoading = false;

  function zoomLinks() {
    return Array.prototype.filter.call(document.querySelectorAll("a.glightbox"), function (a) {
      var only = a.children.length === 1 ? a.firstElementChild : null;
      var local = a.origin === location.origin;
      return local && only !== null && only.tagName === "IMG" && !a.textContent.trim();
    });
  }

  function zoom(event) {
    if (!lightbox || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var link = event.target instanceof Element ? event.target.closest("a.glightbox") : null;
    var links = zoomLinks();
    var index = links.indexOf(link);
    if (index < 0) return;
    event.preventDefault();
    lightbox.setElements(
      links.map(function (a) {
        return { href: a.href, type: "image", alt: a.firstElementChild.alt || "" };
      })
    );
    lightbox.openAt(index);
  }

  function setupZoom() {
    if (lightbox || lightboxLoading || !zoomLinks().length) return;
    lightboxLoading = true;
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = new URL("glightbox.min.css", here).href;
    var js = document.createElement("script");
    js.src = new URL("glightbox.min.js", here).href;
    js.async = true;
    js.onload = function () {
      // no selector of its own: given elements, GLightbox binds to no link on the page
      lightbox = window.GLightbox({
        elements: [],
        touchNavigation: true,
        zoomable: true,
        loop: false,
      });
      document.addEventListener("click", zoom);
    };
    document.head.append(css, js);
  }

  function whenShown(run) {
    function later() {
      if (window.requestIdleCallback) window.requestIdleCallback(run, { timeout: 2000 });
      else setTimeout(run, 200);
    }
    if (document.readyState === "complete") later();
    else window.addEventListener("load", later, { once: true });
  }

  // Print every screenshot, not only those scrolled to.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll('article img[loading="lazy"]').forEach(function (img) {
      img.loading = "eager";
    });
  });

  // --- names --------------------------------------------------------------------------------

  function nameLandmarks() {
    var search = document.querySelector('.md-search[role="dialog"]');
    if (search && !search.hasAttribute("aria-label")) search.setAttribute("aria-label", "Search");
    var path = document.querySelector("nav.md-path");
    if (path) path.setAttribute("aria-label", "Breadcrumbs");
    // A section of the navigation is labelled by its toggle, which holds only an icon when
    // the section has an index page (or by nothing, when that is its only page): name it by
    // the section's title instead, so that no two are nameless.
    document.querySelectorAll("nav[aria-labelledby]").forEach(function (nav) {
      var id = nav.getAttribute("aria-labelledby");
      var label = document.getElementById(id);
      if (label && label.textContent.trim()) return;
      var title = nav.querySelector(":scope > .md-nav__title");
      if (title && title.textContent.trim()) {
        title.id = title.id || id + "_title";
        nav.setAttribute("aria-labelledby", title.id);
      } else {
        nav.removeAttribute("aria-labelledby");
      }
    });
  }

  function setup() {
    nameLandmarks();
    setupFilter();
    setupSteps();
    highlightTarget();
    whenShown(setupZoom);
  }

  window.addEventListener("hashchange", highlightTarget);
  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(setup);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
