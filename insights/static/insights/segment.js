/* The segment rule builder: rows of conditions written to the hidden #id_rules as JSON, and
   the live count from the admin's count endpoint. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("segment-builder-data").textContent);
  var L = data.labels;
  var hidden = document.getElementById("id_rules");
  var list = document.getElementById("segment-rules");
  var countBox = document.getElementById("segment-count");
  var errorsBox = document.getElementById("segment-errors");
  var sendable = document.getElementById("id_sendable_channel");
  var csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
  var timer = null;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }
  function select(name, options, value) {
    var s = el("select", {"data-part": name, "aria-label": name});
    options.forEach(function (o) {
      var opt = el("option", {value: o[0]}); opt.textContent = o[1];
      if (String(o[0]) === String(value)) { opt.selected = true; }
      s.appendChild(opt);
    });
    return s;
  }
  function input(name, type, value) {
    var i = el("input", {"data-part": name, type: type, "aria-label": L[name] || name,
                         placeholder: L[name] || name});
    if (value !== undefined && value !== null) { i.value = value; }
    return i;
  }
  function attribute(name) {
    return data.attributes.filter(function (a) { return a.name === name; })[0];
  }
  var fields = [["permission", L.permission], ["sendable", L.sendable],
                ["iys_status", L.iys_status], ["source", L.source], ["created_at", L.created_at],
                ["updated_at", L.updated_at]].concat(data.attributes.map(function (a) {
                  return ["attribute:" + a.name, L.attribute + ": " + a.label]; }));

  function renderRule(row, rule) {
    row.innerHTML = "";
    var key = rule.field === "attribute" ? "attribute:" + rule.name : rule.field;
    var fieldSelect = select("field", fields, key);
    fieldSelect.addEventListener("change", function () {
      var v = fieldSelect.value;
      renderRule(row, v.indexOf("attribute:") === 0 ? {field: "attribute", name: v.slice(10)} : {field: v});
      changed();
    });
    row.appendChild(fieldSelect);
    if (rule.field === "permission") {
      row.appendChild(select("channel", data.channels, rule.channel));
      row.appendChild(select("value", data.permissions, rule.value));
    } else if (rule.field === "sendable") {
      row.appendChild(select("channel", data.channels, rule.channel));
      row.appendChild(select("value", [["true", L.yes], ["false", L.no]],
                             String(rule.value === undefined ? true : rule.value)));
    } else if (rule.field === "iys_status") {
      row.appendChild(select("channel", data.channels, rule.channel));
      row.appendChild(select("value", data.iys_statuses, rule.value));
    } else if (rule.field === "source") {
      row.appendChild(select("value", data.sources, rule.value));
    } else if (rule.field === "created_at" || rule.field === "updated_at") {
      row.appendChild(input("from", "date", rule.from));
      row.appendChild(input("to", "date", rule.to));
    } else if (rule.field === "attribute") {
      var a = attribute(rule.name);
      var op = select("op", a.ops.map(function (o) { return [o, L[o] || o]; }), rule.op || a.ops[0]);
      row.appendChild(op);
      var type = a.type === "number" ? "number" : a.type === "date" ? "date" : "text";
      var current = op.value;
      if (current === "equals" || current === "contains") {
        row.appendChild(input("value", type, rule.value));
      } else if (current === "between") {
        row.appendChild(input("from", type, rule.from));
        row.appendChild(input("to", type, rule.to));
      } else if (current === "is") {
        row.appendChild(select("value", [["true", L.yes], ["false", L.no]], String(rule.value)));
      }
      op.addEventListener("change", function () {
        renderRule(row, {field: "attribute", name: rule.name, op: op.value}); changed();
      });
    }
    var remove = el("button", {type: "button", "class": "button remove"});
    remove.textContent = L.remove;
    remove.addEventListener("click", function () { row.remove(); changed(); });
    row.appendChild(remove);
    row.querySelectorAll("input,select").forEach(function (n) {
      if (n.dataset.part !== "field" && n.dataset.part !== "op") {
        n.addEventListener("input", changed); n.addEventListener("change", changed);
      }
    });
  }
  function addRule(rule) {
    var row = el("div", {"class": "rule"});
    list.appendChild(row);
    renderRule(row, rule);
  }
  function collect() {
    return Array.prototype.map.call(list.querySelectorAll(".rule"), function (row) {
      var key = row.querySelector("[data-part=field]").value;
      var rule = key.indexOf("attribute:") === 0 ? {field: "attribute", name: key.slice(10)} : {field: key};
      row.querySelectorAll("[data-part]").forEach(function (n) {
        if (n.dataset.part !== "field") { rule[n.dataset.part] = n.value; }
      });
      if (rule.op === "is") { rule.value = rule.value === "true"; }
      return rule;
    });
  }
  function changed() {
    hidden.value = JSON.stringify(collect());
    clearTimeout(timer);
    timer = setTimeout(count, 300);
  }
  function count() {
    countBox.textContent = L.counting;
    errorsBox.innerHTML = "";
    fetch(data.count_url, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({rules: collect(), sendable_channel: sendable ? sendable.value : ""})})
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (body.errors) {
          countBox.textContent = "";
          body.errors.forEach(function (m) { var li = el("li"); li.textContent = m; errorsBox.appendChild(li); });
        } else {
          countBox.textContent = L.count + ": " + body.count.toLocaleString(document.documentElement.lang);
          countBox.dataset.count = body.count;
        }
      });
  }
  document.getElementById("segment-add").addEventListener("click", function () {
    addRule({field: "permission"}); changed();
  });
  if (sendable) { sendable.addEventListener("change", changed); }
  JSON.parse(hidden.value || "[]").forEach(addRule);
  changed();
}());
