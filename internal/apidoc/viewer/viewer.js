// The OpenAPI viewer of Argus: reads the document of the version in the
// page's path as JSON and lists its operations, grouped by the first
// part of their path after the version. No third-party code.
"use strict";

(function () {
  const match = location.pathname.match(/^\/api\/(v\d+\/)?schema\/swagger-ui\/$/);
  const base = "/api/" + (match && match[1] ? match[1] : "") + "schema/";
  document.getElementById("raw").href = base;

  const el = (tag, attrs, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  };

  let doc;
  const resolve = (s) => {
    for (let i = 0; s && s.$ref && i < 20; i++) {
      s = s.$ref.replace(/^#\//, "").split("/").reduce((o, k) => (o ? o[k] : undefined), doc);
    }
    return s || {};
  };

  // schemaText renders a schema as indented text, following references
  // to a limited depth.
  const schemaText = (s, depth, seen) => {
    const name = s && s.$ref ? s.$ref.split("/").pop() : "";
    if (name && (depth > 3 || seen.has(name))) return name;
    const next = new Set(seen);
    if (name) next.add(name);
    s = resolve(s);
    const pad = "  ".repeat(depth + 1);
    const type = Array.isArray(s.type) ? s.type.join(" | ") : s.type;
    const notes = [];
    if (s.maxLength !== undefined) notes.push("≤ " + s.maxLength + " chars");
    if (s.enum) notes.push("one of " + s.enum.map((x) => JSON.stringify(x)).join(", "));
    if (s.format) notes.push(s.format);
    const note = notes.length ? "  (" + notes.join("; ") + ")" : "";
    for (const key of ["oneOf", "anyOf", "allOf"]) {
      if (s[key]) return (name ? name + ": " : "") + key + " [\n" +
        s[key].map((x) => pad + schemaText(x, depth + 1, next)).join(",\n") + "\n" + "  ".repeat(depth) + "]";
    }
    if (s.properties) {
      const req = new Set(s.required || []);
      const lines = Object.entries(s.properties).map(([k, v]) =>
        pad + k + (req.has(k) ? "" : "?") + ": " + schemaText(v, depth + 1, next));
      return (name ? name + " " : "") + "{\n" + lines.join("\n") + "\n" + "  ".repeat(depth) + "}";
    }
    if (s.items) return "[" + schemaText(s.items, depth, next) + "]" + note;
    return (name || type || "any") + note;
  };

  const content = (c) => {
    if (!c) return null;
    const media = c["application/json"] || Object.values(c)[0];
    return media && media.schema ? el("div", { class: "schema" }, schemaText(media.schema, 0, new Set())) : null;
  };

  const operation = (path, method, op) => {
    const body = el("div", { class: "body" });
    if (op.description) body.append(el("p", {}, op.description));
    const params = (op.parameters || []).map(resolve);
    if (params.length) {
      const t = el("table", {}, el("tr", {}, el("th", {}, "parameter"), el("th", {}, "in"), el("th", {}, "schema"), el("th", {}, "")));
      for (const p of params) {
        t.append(el("tr", {}, el("td", {}, el("code", {}, p.name + (p.required ? "" : "?"))), el("td", {}, p.in),
          el("td", {}, el("code", {}, schemaText(p.schema || {}, 0, new Set()))), el("td", {}, p.description || "")));
      }
      body.append(el("h3", {}, "Parameters"), t);
    }
    if (op.requestBody) {
      const rb = resolve(op.requestBody);
      body.append(el("h3", {}, "Request body" + (rb.required ? "" : " (optional)")));
      const c = content(rb.content);
      if (c) body.append(c);
    }
    body.append(el("h3", {}, "Responses"));
    for (const [status, r0] of Object.entries(op.responses || {})) {
      const r = resolve(r0);
      body.append(el("p", {}, el("span", { class: "status" }, status), " ", r.description || ""));
      const c = content(r.content);
      if (c) body.append(c);
    }
    const d = el("details", { class: "op", "data-text": (method + " " + path + " " + (op.summary || "")).toLowerCase() },
      el("summary", {}, el("span", { class: "method " + method }, method.toUpperCase()),
        el("span", { class: "path" }, path), el("span", { class: "summary" }, op.summary || "")),
      body);
    return d;
  };

  const render = () => {
    document.title = doc.info.title + " · OpenAPI";
    document.getElementById("title").textContent = doc.info.title;
    document.getElementById("description").textContent = doc.info.description || "";
    const main = document.getElementById("operations");
    main.replaceChildren();
    const groups = new Map();
    for (const [path, item] of Object.entries(doc.paths || {})) {
      const parts = path.replace(/^\/api\/(v\d+\/)?/, "").split("/").filter(Boolean);
      const group = parts[0] || "root";
      if (!groups.has(group)) groups.set(group, []);
      for (const method of ["get", "post", "put", "patch", "delete"]) {
        if (item[method]) groups.get(group).push(operation(path, method, item[method]));
      }
    }
    for (const [group, ops] of groups) {
      main.append(el("h2", {}, group), ...ops);
    }
  };

  document.getElementById("filter").addEventListener("input", (e) => {
    const words = e.target.value.toLowerCase().split(/\s+/).filter(Boolean);
    for (const d of document.querySelectorAll("details.op")) {
      d.hidden = !words.every((w) => d.dataset.text.includes(w));
    }
  });

  fetch(base + "?format=json", { headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.status + " " + r.statusText))))
    .then((d) => { doc = d; render(); })
    .catch((err) => {
      document.getElementById("operations").replaceChildren(el("p", {}, "The document could not be read: " + err.message));
    });
})();
