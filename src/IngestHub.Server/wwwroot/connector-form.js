// Connector editor: #/connectors/new and #/connectors/edit/<name>. The form is generated from the sink type's
// schema (GET connector-plugins); validation, connection test and filter preview are the server's.
"use strict";
window.IngestConnectorForm = (function () {
  const esc = s => String(s == null ? "" : s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const FILTERS = ["grok", "dissect", "json", "date", "mutate", "drop"];
  const EXAMPLES = {
    grok: { match: { message: "%{COMBINEDAPACHELOG}" } },
    dissect: { mapping: { message: "%{ts} %{level} %{msg}" } },
    json: { source: "message" },
    date: { match: ["timestamp", "dd/MMM/yyyy:HH:mm:ss Z"] },
    mutate: { rename: { old: "new" } },
    drop: {},
  };
  const SECTIONS = [
    { group: "connector", title: "Connector", skip: ["name", "filters", "codec"] },
    { group: "input", title: "Input" },
    { group: "codec", title: "Codec" },
    { group: "filters", title: "Filters" },
    { group: "output", title: "Output" },
    { group: "errors", title: "Errors and dead-letter topic" },
  ];

  let state = null;

  async function api(method, url, body) {
    const r = await fetch(url, { method, cache: "no-store", headers: body === undefined ? {} : { "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = null; }
    return { ok: r.ok, status: r.status, json, text };
  }

  // ---------- YAML (for the read-only YAML view) ----------
  function yamlScalar(v) {
    if (v === null || v === undefined) return "null";
    if (typeof v !== "string") return String(v);
    return /^[A-Za-z_./@%{}][\w ./@%{}:+-]*$/.test(v) && !/^(true|false|null|yes|no|~)$/i.test(v) && !/: |:$| #/.test(v) && v.trim() === v ? v : JSON.stringify(v);
  }
  function toYaml(value, indent) {
    const pad = " ".repeat(indent);
    if (Array.isArray(value)) {
      if (value.length === 0) return " []";
      return value.map(item => (item !== null && typeof item === "object")
        ? "\n" + pad + "-" + toYaml(item, indent + 2).replace(/^\n\s*/, " ")
        : "\n" + pad + "- " + yamlScalar(item)).join("");
    }
    if (value !== null && typeof value === "object") {
      const keys = Object.keys(value);
      if (keys.length === 0) return " {}";
      return keys.map(k => "\n" + pad + yamlScalar(k) + ":" + ((value[k] !== null && typeof value[k] === "object") ? toYaml(value[k], indent + 2) : " " + yamlScalar(value[k]))).join("");
    }
    return " " + yamlScalar(value);
  }
  const yaml = obj => toYaml(obj, 0).replace(/^\n/, "") + "\n";

  // ---------- Fields ----------
  const lookup = (config, path) => {
    const dot = path.indexOf(".");
    if (dot > 0 && ["input", "output", "errors"].includes(path.slice(0, dot))) return (config[path.slice(0, dot)] || {})[path.slice(dot + 1)];
    return config[path];
  };
  const assign = (config, path, value) => {
    const dot = path.indexOf(".");
    if (dot > 0 && ["input", "output", "errors"].includes(path.slice(0, dot))) {
      const section = path.slice(0, dot);
      config[section] = config[section] || {};
      config[section][path.slice(dot + 1)] = value;
    } else config[path] = value;
  };

  function fieldHtml(d) {
    const id = "cf-" + d.name;
    const hint = `${esc(d.documentation)}${d.default_value != null && d.default_value !== "" ? ` <span class="cf-default">default ${esc(d.default_value)}</span>` : ""}`;
    let control;
    if (d.name === "input.topics") {
      const topics = state.topics.map(t => `<option value="${esc(t)}">${esc(t)}</option>`).join("");
      control = `<select id="${id}" data-key="${esc(d.name)}" data-kind="topics" multiple size="${Math.min(6, Math.max(3, state.topics.length))}">${topics}</select>`;
    } else if (d.allowed_values && d.allowed_values.length) {
      control = `<select id="${id}" data-key="${esc(d.name)}" data-kind="choice"><option value="">(default${d.default_value ? ": " + esc(d.default_value) : ""})</option>${d.allowed_values.map(a => `<option>${esc(a)}</option>`).join("")}</select>`;
    } else if (d.type === "BOOLEAN") {
      control = `<select id="${id}" data-key="${esc(d.name)}" data-kind="bool"><option value="">(default: ${esc(d.default_value)})</option><option>true</option><option>false</option></select>`;
    } else if (d.type === "INT" || d.type === "LONG") {
      control = `<input id="${id}" data-key="${esc(d.name)}" data-kind="number" inputmode="numeric" placeholder="${esc(d.default_value ?? "")}">`;
    } else if (d.type === "PASSWORD") {
      control = `<input id="${id}" data-key="${esc(d.name)}" data-kind="secret" type="password" autocomplete="new-password" placeholder="not set">`;
    } else {
      control = `<input id="${id}" data-key="${esc(d.name)}" data-kind="text" placeholder="${esc(d.default_value ?? "")}">`;
    }
    return `<div class="cf-field" data-field="${esc(d.name)}"><label for="${id}">${esc(d.name)}${d.required ? ' <span class="cf-req">*</span>' : ""}</label>
      ${control}<small class="cf-doc">${hint}</small><div class="cf-error" role="alert"></div></div>`;
  }

  function filterRow(type, settings, condition) {
    const own = Object.assign({}, settings || {});
    delete own["if"];
    return `<li class="cf-filter">
      <div class="cf-filter-head"><select class="cf-filter-type">${FILTERS.map(f => `<option${f === type ? " selected" : ""}>${f}</option>`).join("")}</select>
        <input class="cf-filter-if" placeholder='if (optional), e.g. [type] == "access"' value="${esc(condition || "")}">
        <span class="cf-filter-buttons"><button type="button" data-move="-1" title="Move up">↑</button><button type="button" data-move="1" title="Move down">↓</button><button type="button" data-remove title="Remove">✕</button></span></div>
      <textarea class="cf-filter-settings" rows="3" spellcheck="false">${esc(JSON.stringify(own, null, 1).replace(/\n\s*/g, " "))}</textarea>
      <div class="cf-error" role="alert"></div></li>`;
  }

  function render(container) {
    const plugin = state.plugins.find(p => p.class === state.type);
    const defs = plugin.config.filter(d => d.name !== "output.type");
    const byGroup = g => defs.filter(d => (g === "codec" ? d.name === "codec" : g === "filters" ? false : d.group === g && !(SECTIONS.find(s => s.group === g).skip || []).includes(d.name)));
    const typeOptions = state.plugins.map(p => `<option value="${esc(p.class)}"${p.class === state.type ? " selected" : ""}>${esc(p.class)} (v${esc(p.version)})</option>`).join("");
    const nameDef = defs.find(d => d.name === "name");
    container.innerHTML = `<h1>${state.editing ? "Edit connector " + esc(state.editing) : "New connector"}
        <span class="toolbar"><span class="cf-views" role="tablist">
          <button type="button" data-view="form" class="active">Form</button><button type="button" data-view="json">JSON</button><button type="button" data-view="yaml">YAML</button></span>
          <a href="#/connectors">Back to connectors</a></span></h1>
      <form id="connector-form" class="cf" novalidate>
        <section class="card cf-section" data-section="type"><h2>Sink type</h2>
          <div class="cf-row"><div class="cf-field"><label for="cf-type">type</label><select id="cf-type" ${state.editing ? "disabled" : ""}>${typeOptions}</select>
            <small class="cf-doc">Where the events go; the form below follows this sink's settings.</small></div>
          ${fieldHtml(Object.assign({}, nameDef, { documentation: nameDef.documentation }))}</div>
          <div id="cf-general-error" class="error-box" hidden></div></section>
        <div id="cf-form-view">
        ${SECTIONS.map(s => s.group === "filters"
          ? `<section class="card cf-section" data-section="filters"><h2>Filters <span class="sub">run in order; settings as JSON</span></h2>
              <ol id="cf-filters" class="cf-filters"></ol>
              <div class="cf-field" data-field="filters"><div class="cf-error" role="alert"></div></div>
              <div class="cf-filter-add"><select id="cf-add-type">${FILTERS.map(f => `<option>${f}</option>`).join("")}</select><button type="button" id="cf-add-filter">Add filter</button></div>
              <details id="cf-preview-panel" class="cf-preview"><summary>Try the filters on sample records</summary>
                <label for="cf-sample">Sample lines (one record per line)</label>
                <textarea id="cf-sample" rows="4" spellcheck="false" placeholder="Paste log lines here"></textarea>
                <div class="cf-row"><label for="cf-sample-topic">or the last</label><input id="cf-sample-count" value="10" size="3" inputmode="numeric">
                  <span>records of</span><select id="cf-sample-topic">${state.topics.map(t => `<option>${esc(t)}</option>`).join("")}</select>
                  <button type="button" id="cf-load-sample">Load</button>
                  <button type="button" id="cf-run-preview" class="primary">Run preview</button></div>
                <div id="cf-preview-results"></div></details></section>`
          : `<section class="card cf-section" data-section="${s.group}"><h2>${s.title}</h2><div class="cf-grid">${byGroup(s.group).map(fieldHtml).join("")}</div></section>`).join("")}
        </div>
        <section class="card cf-text" id="cf-json-view" hidden><h2>JSON <span class="sub">edit here; the form follows when you switch back</span></h2>
          <textarea id="cf-json" rows="24" spellcheck="false"></textarea><div id="cf-json-error" class="cf-error" role="alert"></div></section>
        <section class="card cf-text" id="cf-yaml-view" hidden><h2>YAML <span class="sub">as a pipelines/ file</span></h2><pre id="cf-yaml"></pre></section>
        <section class="card cf-actions">
          <button type="button" id="cf-validate">Validate</button>
          <button type="button" id="cf-test">Test connection</button>
          <button type="submit" id="cf-save" class="primary">${state.editing ? "Save changes" : "Create connector"}</button>
          <span id="cf-status" class="sub" aria-live="polite"></span>
          <ul id="cf-test-results" class="cf-checks"></ul>
        </section>
      </form>`;
    fill(state.config);
    wire(container);
  }

  function fill(config) {
    const form = document.getElementById("connector-form");
    for (const el of form.querySelectorAll("[data-key]")) {
      const v = lookup(config, el.dataset.key);
      if (el.dataset.kind === "topics") {
        const wanted = Array.isArray(v) ? v : typeof v === "string" ? v.split(",").map(s => s.trim()) : [];
        for (const t of wanted) if (![...el.options].some(o => o.value === t)) el.add(new Option(t, t));
        for (const o of el.options) o.selected = wanted.includes(o.value);
      } else el.value = v == null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
    }
    const list = document.getElementById("cf-filters");
    list.innerHTML = (config.filters || []).map(f => {
      const type = Object.keys(f)[0];
      const settings = f[type] || {};
      return filterRow(type, settings, settings["if"]);
    }).join("");
  }

  // The configuration the form describes; throws {key, message} for a filter whose settings are not JSON.
  function collect() {
    const form = document.getElementById("connector-form");
    const config = {};
    for (const el of form.querySelectorAll("[data-key]")) {
      const key = el.dataset.key;
      let value;
      if (el.dataset.kind === "topics") {
        const picked = [...el.selectedOptions].map(o => o.value);
        if (picked.length === 0) continue;
        value = picked;
      } else {
        const raw = el.value.trim();
        if (raw === "") continue;
        value = el.dataset.kind === "number" && /^-?\d+$/.test(raw) ? Number(raw) : el.dataset.kind === "bool" ? raw === "true" : raw;
      }
      assign(config, key, value);
    }
    config.output = Object.assign({ type: state.type }, config.output || {});
    const filters = [];
    document.querySelectorAll("#cf-filters .cf-filter").forEach((row, i) => {
      const type = row.querySelector(".cf-filter-type").value;
      const text = row.querySelector(".cf-filter-settings").value.trim();
      let settings;
      try { settings = text ? JSON.parse(text) : {}; } catch (e) { throw { key: `filters[${i}]`, message: "settings are not valid JSON: " + e.message }; }
      const cond = row.querySelector(".cf-filter-if").value.trim();
      if (cond) settings["if"] = cond;
      filters.push({ [type]: settings });
    });
    if (filters.length) config.filters = filters;
    return config;
  }

  function current() {
    if (state.view === "json") {
      try { return JSON.parse(document.getElementById("cf-json").value); } catch (e) { throw { key: "json", message: "not valid JSON: " + e.message }; }
    }
    return collect();
  }

  function clearErrors() {
    for (const e of document.querySelectorAll("#connector-form .cf-error")) e.textContent = "";
    for (const f of document.querySelectorAll("#connector-form .cf-invalid")) f.classList.remove("cf-invalid");
    const general = document.getElementById("cf-general-error");
    general.hidden = true;
    general.textContent = "";
  }

  function showError(key, message) {
    let target = document.querySelector(`#connector-form [data-field="${CSS.escape(key)}"]`);
    const filter = /^filters\[(\d+)\]/.exec(key);
    if (!target && filter) target = document.querySelectorAll("#cf-filters .cf-filter")[Number(filter[1])];
    if (!target && key === "json") target = document.getElementById("cf-json-view");
    if (target) {
      const box = target.querySelector(".cf-error") || document.getElementById("cf-json-error");
      box.textContent = (box.textContent ? box.textContent + "; " : "") + message;
      target.classList.add("cf-invalid");
    } else {
      const general = document.getElementById("cf-general-error");
      general.hidden = false;
      general.textContent = (general.textContent ? general.textContent + "\n" : "") + `${key}: ${message}`;
    }
  }

  const status = text => { document.getElementById("cf-status").textContent = text; };

  async function validate(config) {
    clearErrors();
    const r = await api("PUT", `connector-plugins/${encodeURIComponent(state.type)}/config/validate`, config);
    if (!r.ok) { showError("config", r.json?.message || `HTTP ${r.status}`); return false; }
    for (const c of r.json.configs) {
      for (const e of c.value.errors) {
        // A detail inside a setting ("filters[1].grok.match: ...") is shown beside that filter.
        const inner = /^(filters\[\d+\][^:]*): (.*)$/.exec(e);
        showError(inner ? inner[1] : c.value.name, inner ? inner[2] : e);
      }
    }
    status(r.json.error_count === 0 ? "Valid." : `${r.json.error_count} error(s): see the marked fields.`);
    return r.json.error_count === 0;
  }

  function nameOf(config) { return state.editing || config.name || ""; }

  async function guarded(action) {
    try { await action(); } catch (e) {
      if (e && e.key) { clearErrors(); showError(e.key, e.message); status("Fix the marked field."); } else status("Failed: " + (e && e.message || e));
    }
  }

  function wire(container) {
    const form = document.getElementById("connector-form");
    document.getElementById("cf-type").addEventListener("change", e => guarded(async () => {
      const config = collect();
      state.type = e.target.value;
      if (config.output) { config.output = { type: state.type }; }
      state.config = config;
      render(container);
    }));
    document.getElementById("cf-add-filter").addEventListener("click", () => {
      const type = document.getElementById("cf-add-type").value;
      document.getElementById("cf-filters").insertAdjacentHTML("beforeend", filterRow(type, EXAMPLES[type], ""));
    });
    document.getElementById("cf-filters").addEventListener("click", e => {
      const row = e.target.closest(".cf-filter");
      if (!row) return;
      if (e.target.dataset.move) {
        const sibling = Number(e.target.dataset.move) < 0 ? row.previousElementSibling : row.nextElementSibling;
        if (sibling) Number(e.target.dataset.move) < 0 ? sibling.before(row) : sibling.after(row);
      } else if (e.target.hasAttribute("data-remove")) row.remove();
    });
    for (const b of container.querySelectorAll("[data-view]")) {
      b.addEventListener("click", () => guarded(async () => {
        const config = current();
        if (state.view === "json") fill(config);
        state.view = b.dataset.view;
        for (const x of container.querySelectorAll("[data-view]")) x.classList.toggle("active", x === b);
        document.getElementById("cf-form-view").hidden = state.view !== "form";
        document.getElementById("cf-json-view").hidden = state.view !== "json";
        document.getElementById("cf-yaml-view").hidden = state.view !== "yaml";
        document.getElementById("cf-json").value = JSON.stringify(config, null, 2);
        document.getElementById("cf-yaml").textContent = yaml(config);
      }));
    }
    document.getElementById("cf-validate").addEventListener("click", () => guarded(async () => { await validate(current()); }));
    document.getElementById("cf-test").addEventListener("click", () => guarded(async () => {
      const config = current();
      const list = document.getElementById("cf-test-results");
      list.innerHTML = "";
      clearErrors();
      status("Testing…");
      const name = nameOf(config) || "unnamed";
      const r = await api("POST", `connectors/${encodeURIComponent(name)}/test`, config);
      if (!r.ok) { status(r.json?.message || `HTTP ${r.status}`); return; }
      if (r.json.validation && r.json.validation.error_count > 0) await validate(config);
      list.innerHTML = r.json.checks.map(c => `<li class="${c.ok ? "cf-pass" : "cf-fail"}" data-check="${esc(c.check)}"><b>${c.ok ? "✓" : "✗"} ${esc(c.check)}</b> ${esc(c.message)}</li>`).join("");
      status(r.json.ok ? "Connection test passed." : "Connection test failed.");
    }));
    form.addEventListener("submit", e => {
      e.preventDefault();
      guarded(async () => {
        const config = current();
        if (!state.editing && !config.name) { clearErrors(); showError("name", "is required"); status("Fix the marked field."); return; }
        status("Validating…");
        if (!await validate(config)) return;
        const name = nameOf(config);
        const r = state.editing
          ? await api("PUT", `connectors/${encodeURIComponent(name)}/config`, config)
          : await api("POST", "connectors", { name, config });
        if (!r.ok) { showError("config", r.json?.message || `HTTP ${r.status}`); status("Not saved."); return; }
        status("Saved.");
        location.hash = "#/connectors";
      });
    });
    document.getElementById("cf-load-sample").addEventListener("click", () => guarded(async () => {
      const topic = document.getElementById("cf-sample-topic").value;
      const count = Number(document.getElementById("cf-sample-count").value) || 10;
      const r = await api("POST", "api/pipelines/preview", { codec: "plain", topic, count });
      if (!r.ok) { status(r.json?.message || `HTTP ${r.status}`); return; }
      document.getElementById("cf-sample").value = r.json.records.map(x => x.input).join("\n");
    }));
    document.getElementById("cf-run-preview").addEventListener("click", () => guarded(async () => {
      const config = current();
      const lines = document.getElementById("cf-sample").value.split("\n").filter(l => l.trim() !== "");
      const r = await api("POST", "api/pipelines/preview", { codec: config.codec || "plain", filters: config.filters || [], lines });
      const out = document.getElementById("cf-preview-results");
      if (!r.ok) { out.innerHTML = `<div class="error-box">${esc(r.json?.message || "HTTP " + r.status)}</div>`; return; }
      out.innerHTML = r.json.records.map((rec, i) => `<div class="cf-record" data-record="${i}"><div class="cf-input"><b>Input</b> <code>${esc(rec.input)}</code></div>
        ${rec.decode_errors.map(d => `<div class="error-box">${esc(d)}</div>`).join("")}
        ${rec.events.map(ev => `<table class="cf-stages"><tbody>${ev.stages.map(s => `<tr class="cf-stage cf-${esc(s.outcome)}"><td>${esc(s.filter)}</td><td>${esc(s.outcome)}</td>
          <td><pre>${esc(s.event ? JSON.stringify(s.event, null, 1) : "dropped")}</pre></td></tr>`).join("")}
          <tr class="cf-final"><td>result</td><td>${ev.dropped ? "dropped" : "kept"}</td><td><pre class="cf-event">${esc(ev.event ? JSON.stringify(ev.event, null, 1) : "")}</pre></td></tr></tbody></table>`).join("")}
        </div>`).join("");
    }));
  }

  async function open(container, route) {
    const editing = route.startsWith("#/connectors/edit/") ? decodeURIComponent(route.slice("#/connectors/edit/".length)) : null;
    container.innerHTML = `<div class="empty">Loading…</div>`;
    const [plugins, topics] = await Promise.all([api("GET", "connector-plugins"), api("GET", "api/topics")]);
    let config = {};
    if (editing) {
      const r = await api("GET", `connectors/${encodeURIComponent(editing)}/config`);
      if (!r.ok) { container.innerHTML = `<div class="banner">${esc(r.json?.message || "HTTP " + r.status)}</div>`; return; }
      config = r.json;
      config.name = editing;
    }
    state = {
      editing,
      plugins: plugins.json,
      topics: (topics.json || []).map(t => t.name).filter(n => !n.startsWith("__")).sort(),
      type: (config.output && config.output.type) || plugins.json[0].class,
      config,
      view: "form",
    };
    render(container);
  }

  return { open, yaml };
})();
