/* govkit HTML report: filters and pages the findings of the JSON data island. Builds every
   node with textContent (never innerHTML), so no value of the run is read as markup. */
(function () {
  "use strict";
  var PAGE_SIZE = 100;
  var PRINT_LIMIT = 2000;

  var data = JSON.parse(document.getElementById("findings").textContent);
  var findings = data.findings;
  var rules = data.rules;
  var records = data.records;
  var form = document.getElementById("filters");
  var list = document.getElementById("finding-list");
  var countNode = document.getElementById("shown-count");
  var rangeNode = document.getElementById("shown-range");
  var pagers = document.querySelectorAll("[data-pager]");
  var haystacks = [];
  var shown = findings;
  var page = 0;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function add(parent) {
    for (var i = 1; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) { continue; }
      parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return parent;
  }

  function number(n) { return n.toLocaleString("en-US"); }

  function haystack(i) {
    if (haystacks[i] === undefined) {
      var f = findings[i];
      var rule = rules[f.rule] || {};
      haystacks[i] = [f.id, f.rule, rule.title, f.name, f.resource, f.type, f.account,
                      f.region, f.message, (f.vendors || []).join(" "),
                      f.controls.join(" ")].join("\n").toLowerCase();
    }
    return haystacks[i];
  }

  function field(name) {
    var control = form.elements.namedItem(name);
    return control ? control.value : "";
  }

  var applied = null;

  function applyFilters() {
    var status = field("status"), severity = field("severity"), area = field("area");
    var account = field("account"), vendor = field("vendor"), control = field("control");
    var query = field("q").trim().toLowerCase();
    var key = JSON.stringify([status, severity, area, account, vendor, control, query]);
    if (key === applied) { return; }  // e.g. the search box losing focus: keep the page
    applied = key;
    var words = query ? query.split(/\s+/) : [];
    var out = [];
    for (var i = 0; i < findings.length; i++) {
      var f = findings[i];
      if (status && f.status !== status) { continue; }
      if (severity && f.severity !== severity) { continue; }
      if (area && (rules[f.rule] || {}).area !== area) { continue; }
      if (account && f.account !== account) { continue; }
      if (vendor && (f.vendors || []).indexOf(vendor) < 0) { continue; }
      if (control && f.controls.indexOf(control) < 0) { continue; }
      if (words.length) {
        var text = haystack(i);
        var all = true;
        for (var w = 0; w < words.length; w++) {
          if (text.indexOf(words[w]) < 0) { all = false; break; }
        }
        if (!all) { continue; }
      }
      out.push(f);
    }
    shown = out;
    page = 0;
    draw();
  }

  function row(dl, label, value) {
    if (value === null || value === undefined || value === "") { return; }
    var dd = el("dd");
    add(dd, value);
    add(dl, el("dt", null, label), dd);
  }

  function code(text) { return el("code", null, text); }

  function evidenceNode(f, open) {
    var box = el("section", "evidence");
    var heading = el("h4", null, "Evidence");
    add(box, heading);
    if (!f.records.length) {
      add(box, el("p", "empty", "No record is named for this result."));
    }
    for (var i = 0; i < f.records.length; i++) {
      var names = f.records[i][0];
      var record = records[f.records[i][1]];
      var details = el("details");
      if (open) { details.open = true; }
      var summary = el("summary");
      var label = names.split(", ").map(function (n) { return n === "*" ? "listing" : n; });
      add(summary, el("strong", null, label.join(", ")),
          " ", code(record.location));
      add(details, summary);
      if (record.problem) {
        add(details, el("p", "problem", record.problem));
      } else {
        if (record.call) { add(details, add(el("p", "small"), "Call: ", record.call)); }
        add(details, el("pre", null, record.value));
      }
      add(box, details);
    }
    if (f.more) {
      add(box, add(el("p", "small"), number(f.more) + " more record" + (f.more === 1 ? "" : "s") +
          " not shown here: ", code("govkit show RUN_DIR " + f.id), " lists every one."));
    }
    return box;
  }

  function findingNode(f, open) {
    var rule = rules[f.rule] || {};
    var item = el("li", "finding st-border-" + f.status);
    var article = el("article");
    article.setAttribute("aria-labelledby", "finding-" + f.id);
    var head = el("div", "finding-head");
    var title = el("h3", null, rule.title || f.rule);
    title.id = "finding-" + f.id;
    add(head, title, el("span", "badge st st-" + f.status, f.status),
        el("span", "badge sev-" + f.severity, "severity " + f.severity));
    var dl = el("dl");
    var resource = el("span");
    if (f.name) { add(resource, el("strong", null, f.name), " "); }
    add(resource, code(f.resource), " ", el("span", "small", "(" + f.type + ")"));
    row(dl, "Resource", resource);
    row(dl, "Account / region", f.account + " / " + f.region);
    if (f.vendors) { row(dl, "Vendor", f.vendors.join(", ")); }
    row(dl, "Message", f.message);
    if (f.exception) {
      var e = f.exception;
      row(dl, "Exception", (e.ticket || "") + " (" + (e.state || "active") + "), owner " +
          (e.owner || "?") + ", expires " + (e.expires || "?") + ": " + (e.reason || ""));
    }
    if (f.failure) {
      row(dl, "Failed call", (f.failure.call || "") + ": " + (f.failure.code || "") +
          (f.failure.message ? " (" + f.failure.message + ")" : ""));
    }
    row(dl, "Remediation", rule.remediation);
    row(dl, "Controls", f.controls.join(", "));
    var ruleText = el("span");
    add(ruleText, code(f.rule), rule.area ? ", area " + rule.area : "");
    row(dl, "Rule", ruleText);
    row(dl, "Result id", code(f.id));
    add(article, head, dl, evidenceNode(f, open));
    return add(item, article);
  }

  function draw(limit, open) {
    var size = limit || PAGE_SIZE;
    var pages = Math.max(1, Math.ceil(shown.length / size));
    if (page >= pages) { page = pages - 1; }
    var start = page * size;
    var end = Math.min(start + size, shown.length);
    var fragment = document.createDocumentFragment();
    for (var i = start; i < end; i++) { fragment.appendChild(findingNode(shown[i], open)); }
    list.textContent = "";
    list.setAttribute("start", String(start + 1));
    list.appendChild(fragment);
    if (!shown.length) {
      add(list, el("li", "empty", "No finding matches these filters."));
    }
    countNode.textContent = String(shown.length);
    rangeNode.textContent = shown.length ? number(start + 1) + " to " + number(end) : "0";
    for (var p = 0; p < pagers.length; p++) {
      var pager = pagers[p];
      pager.querySelector("[data-page='prev']").disabled = page === 0;
      pager.querySelector("[data-page='next']").disabled = page >= pages - 1;
      pager.querySelector("[data-page-label]").textContent =
        "Page " + number(page + 1) + " of " + number(pages);
    }
  }

  function turn(delta, fromBottom) {
    page += delta;
    draw();
    if (fromBottom) { document.getElementById("findings-status").scrollIntoView(); }
  }

  form.addEventListener("change", applyFilters);
  var typing = null;
  form.elements.namedItem("q").addEventListener("input", function () {
    if (typing) { clearTimeout(typing); }
    typing = setTimeout(applyFilters, 150);
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); applyFilters(); });
  form.addEventListener("reset", function () { setTimeout(applyFilters, 0); });
  for (var p = 0; p < pagers.length; p++) {
    (function (pager, bottom) {
      pager.querySelector("[data-page='prev']").addEventListener("click",
        function () { turn(-1, bottom); });
      pager.querySelector("[data-page='next']").addEventListener("click",
        function () { turn(1, bottom); });
    })(pagers[p], p === pagers.length - 1);
  }

  // printing: every matching finding (up to PRINT_LIMIT) and every folded section open;
  // afterwards the page and the folds as they were
  var before = 0;
  var opened = [];
  window.addEventListener("beforeprint", function () {
    before = page;
    page = 0;
    draw(Math.min(Math.max(shown.length, 1), PRINT_LIMIT), true);
    var details = document.querySelectorAll("main details");
    opened = [];
    for (var i = 0; i < details.length; i++) {
      if (!details[i].open) { opened.push(details[i]); details[i].open = true; }
    }
  });
  window.addEventListener("afterprint", function () {
    for (var i = 0; i < opened.length; i++) { opened[i].open = false; }
    opened = [];
    page = before;
    draw();
  });

  draw();
}());
