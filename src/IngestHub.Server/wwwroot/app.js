// IngestHub dashboard: hash routes #/ (overview), #/group/<name>, #/connectors. Polls the JSON API.
"use strict";
(function () {
  const REFRESH_MS = 3000;
  const app = document.getElementById("app");
  let timer = null;
  let route = "";

  const esc = s => String(s == null ? "" : s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const num = n => n == null ? "–" : Number(n).toLocaleString("en-US");
  const rate = n => n == null ? "–" : n >= 100 ? Math.round(n).toLocaleString("en-US") : Number(n).toFixed(n >= 10 ? 1 : 2);
  function bytes(n) {
    if (n == null) return "–";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (Math.abs(n) >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? Math.round(n) : n.toFixed(n >= 100 ? 0 : 1)) + " " + units[i];
  }
  function duration(ms) {
    if (ms == null || ms < 0) return "∞";
    const s = ms / 1000;
    if (s < 120) return s + " s";
    if (s < 7200) return Math.round(s / 60) + " min";
    if (s < 172800) return Math.round(s / 3600) + " h";
    return Math.round(s / 86400) + " d";
  }
  const compact = v => v >= 1e6 ? (v / 1e6).toFixed(v >= 1e7 ? 0 : 1) + "M" : v >= 1e3 ? (v / 1e3).toFixed(v >= 1e4 ? 0 : 1) + "k" : String(Math.round(v * 100) / 100);
  const pill = s => `<span class="pill s-${esc(s)}">${esc(s)}</span>`;
  const time = ms => ms == null ? "–" : new Date(ms).toLocaleTimeString("en-GB");

  async function get(url) {
    const r = await fetch(url, { cache: "no-store" });
    if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
    return r.json();
  }

  function stamp() {
    document.getElementById("updated").textContent = "Updated " + new Date().toLocaleTimeString("en-GB") + " · refreshes every " + REFRESH_MS / 1000 + " s";
  }

  function card(title, body, extra) {
    return `<section class="card"${extra || ""}><h2>${title}</h2>${body}</section>`;
  }

  function table(headers, rows, attrs) {
    if (rows.length === 0) return `<div class="empty">None yet.</div>`;
    const head = headers.map(h => `<th${h.num ? ' class="num"' : ""}>${h.label || h}</th>`).join("");
    return `<div class="table-wrap"><table ${attrs || ""}><thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
  }

  // ---------- Overview ----------
  async function overview() {
    const [ov, topics, groups, connectors] = await Promise.all([get("api/overview"), get("api/topics"), get("api/groups"), get("api/connectors")]);
    const b = ov.broker;
    const t = ov.totals, st = t.groups_by_status;
    if (!document.getElementById("ov-stats")) {
      app.innerHTML = `<h1>Overview <span class="sub">broker ${b.ready ? "ready" : "starting"}</span></h1>
        <div id="ov-stats" class="grid stats"></div>
        <div class="grid two">
          ${card("Ingest rate · records/s", `<div id="rate-records" class="chart"></div>`)}
          ${card("Ingest rate · bytes/s", `<div id="rate-bytes" class="chart"></div>`)}
        </div>
        <div id="ov-groups"></div><div id="ov-topics"></div><div id="ov-connectors"></div>`;
    }
    document.getElementById("ov-stats").innerHTML = [
      ["Records/s", rate(ov.ingest.records_per_sec), "last minute"],
      ["Bytes/s", bytes(ov.ingest.bytes_per_sec), "last minute"],
      ["Topics", num(t.topics), num(t.partitions) + " partitions"],
      ["Stored", bytes(t.size_bytes), num(t.records) + " records"],
      ["Groups", num(t.groups), `<span class="pill s-OK">${st.OK}</span> <span class="pill s-WARN">${st.WARN}</span> <span class="pill s-ERR">${st.ERR}</span>`],
      ["Total lag", num(t.total_lag), "records behind"],
      ["Connectors", num(t.connectors), ""],
    ].map(([l, v, h]) => `<div class="card stat"><div class="label">${l}</div><div class="value">${v}</div><div class="hint">${h}</div></div>`).join("");
    // The time axis spans the data held (up to the window), so a fresh appliance does not show an empty quarter hour.
    IngestChart.render(document.getElementById("rate-records"), [{ name: "records/s", points: ov.ingest.series.map(p => [p[0], p[1]]) }], { format: compact, to: ov.now, label: "records per second" });
    IngestChart.render(document.getElementById("rate-bytes"), [{ name: "bytes/s", color: "#7a5af8", points: ov.ingest.series.map(p => [p[0], p[2]]) }], { format: v => bytes(v), to: ov.now, label: "bytes per second" });

    document.getElementById("ov-groups").innerHTML = card("Consumer groups", table(
      ["Group", "State", { label: "Members", num: 1 }, { label: "Partitions", num: 1 }, { label: "Total lag", num: 1 }, "Status"],
      groups.map(g => `<tr data-group="${esc(g.group)}"><td><a href="#/group/${encodeURIComponent(g.group)}">${esc(g.group)}</a></td><td>${pill(g.state)}</td>
        <td class="num">${g.members.length}</td><td class="num">${g.partitions.length}</td><td class="num lag">${num(g.total_lag)}</td><td class="status">${pill(g.status)}</td></tr>`),
      'id="groups-table"'));
    document.getElementById("ov-topics").innerHTML = card("Topics", table(
      ["Topic", { label: "Partitions", num: 1 }, { label: "Records", num: 1 }, { label: "Size", num: 1 }, { label: "Records/s", num: 1 }, { label: "Bytes/s", num: 1 }, "Retention"],
      topics.map(tp => `<tr data-topic="${esc(tp.name)}"><td>${esc(tp.name)}</td><td class="num">${tp.partition_count}</td><td class="num">${num(tp.records)}</td>
        <td class="num">${bytes(tp.size_bytes)}</td><td class="num">${rate(tp.records_per_sec)}</td><td class="num">${bytes(tp.bytes_per_sec)}</td>
        <td class="muted">${duration(tp.retention["retention.ms"])}${tp.retention["retention.bytes"] > 0 ? " / " + bytes(tp.retention["retention.bytes"]) : ""}</td></tr>`),
      'id="topics-table"'));
    document.getElementById("ov-connectors").innerHTML = card(`Connectors <span class="sub"><a href="#/connectors">manage</a></span>`, table(
      ["Connector", "State", { label: "Workers", num: 1 }, { label: "In/s", num: 1 }, { label: "Out/s", num: 1 }, { label: "Dead-lettered", num: 1 }],
      connectors.map(c => `<tr data-connector="${esc(c.name)}"><td>${esc(c.name)}</td><td>${pill(c.state)}</td><td class="num">${c.worker_count}</td>
        <td class="num">${rate(c.rates.events_in_per_sec)}</td><td class="num">${rate(c.rates.events_out_per_sec)}</td><td class="num">${num(c.dead_lettered)}</td></tr>`)));
  }

  // ---------- Group ----------
  let groupWindow = "15m";
  async function group(name) {
    const enc = encodeURIComponent(name);
    const [g, lag] = await Promise.all([get(`api/groups/${enc}`), get(`api/groups/${enc}/lag?window=${groupWindow}`).catch(() => null)]);
    if (!document.getElementById("lag-chart")) {
      app.innerHTML = `<h1><span id="g-title"></span><span id="g-status"></span>
          <span class="toolbar"><label class="sub" for="g-window">Window</label>
          <select id="g-window"><option>5m</option><option>15m</option><option>1h</option></select></span></h1>
        <div id="g-stats" class="grid stats"></div>
        ${card(`Lag over time <span class="sub">per partition and total, records</span>`, `<div id="lag-chart" class="chart"></div><div id="lag-legend" class="legend"></div>`)}
        <div id="g-partitions"></div><div id="g-members"></div>`;
      const select = document.getElementById("g-window");
      select.value = groupWindow;
      select.addEventListener("change", () => { groupWindow = select.value; refresh(); });
    }
    document.getElementById("g-title").textContent = g.group;
    document.getElementById("g-status").innerHTML = pill(g.status);
    document.getElementById("g-stats").innerHTML = [
      ["State", pill(g.state)], ["Members", g.members.length], ["Partitions", g.partitions.length], ["Total lag", num(g.total_lag)], ["Generation", g.generation],
    ].map(([l, v]) => `<div class="card stat"><div class="label">${l}</div><div class="value">${v}</div></div>`).join("");
    const series = [];
    if (lag) {
      for (const p of lag.partitions) series.push({ name: `${p.topic}-${p.partition}`, points: p.points.map(q => [q[0], q[1]]) });
      series.push({ name: "total", color: "#101828", width: 2.5, points: lag.total.map(q => [q[0], q[1]]) });
    }
    const chart = document.getElementById("lag-chart");
    IngestChart.render(chart, series, { format: compact, to: lag ? lag.now : null, label: "lag over time" });
    IngestChart.legend(document.getElementById("lag-legend"), series);
    document.getElementById("g-partitions").innerHTML = card("Partitions", table(
      ["Topic", { label: "Partition", num: 1 }, "Member", "Host", { label: "Committed", num: 1 }, { label: "End", num: 1 }, { label: "Lag", num: 1 }, "Status"],
      g.partitions.map(p => `<tr data-topic="${esc(p.topic)}" data-partition="${p.partition}"><td>${esc(p.topic)}</td><td class="num">${p.partition}</td>
        <td class="member" title="${esc(p.member_id)}">${esc(p.client_id || "–")}</td><td class="host">${esc(p.client_host || "–")}</td>
        <td class="num committed">${num(p.committed_offset)}</td><td class="num end">${num(p.log_end_offset)}</td><td class="num lag">${num(p.lag)}</td>
        <td class="status">${pill(p.status)}${p.window_complete ? "" : ' <span class="muted" title="fewer than 10 samples so far">·</span>'}</td></tr>`),
      'id="partitions-table"'));
    document.getElementById("g-members").innerHTML = card("Members", table(
      ["Client id", "Host", "Member id", "Assigned"],
      g.members.map(mb => `<tr><td>${esc(mb.client_id)}</td><td>${esc(mb.client_host)}</td><td class="muted">${esc(mb.member_id)}</td>
        <td>${mb.assignments.map(a => esc(a.topic + "-" + a.partition)).join(", ") || "–"}</td></tr>`)));
  }

  // ---------- Connectors ----------
  async function connectors() {
    const list = await get("api/connectors");
    if (list.length === 0) {
      app.innerHTML = `<h1>Connectors</h1>` + card("No connectors", `<div class="empty">Create one with <code>POST /connectors</code> or a file in <code>pipelines/</code>.</div>`);
      return;
    }
    app.innerHTML = `<h1>Connectors <span class="sub">${list.length} defined</span></h1>` + list.map(c => {
      const paused = c.state === "PAUSED";
      const letters = c.recent_dead_letters || [];
      return `<section class="card" data-connector="${esc(c.name)}">
        <div class="connector-head"><h2>${esc(c.name)}</h2><span class="state">${pill(c.state)}</span>
          <span class="sub">${esc((c.topics || []).join(", "))} → DLQ ${esc(c.dead_letter_topic)}</span>
          <span class="actions">
            <button data-action="pause" ${paused ? "disabled" : ""}>Pause</button>
            <button data-action="resume" ${paused ? "" : "disabled"}>Resume</button>
            <button data-action="restart">Restart</button>
          </span></div>
        <div class="kv">
          <div><span>In/s (1 min)</span><b class="rate-in">${rate(c.rates.events_in_per_sec)}</b></div>
          <div><span>Out/s (1 min)</span><b class="rate-out">${rate(c.rates.events_out_per_sec)}</b></div>
          <div><span>Workers</span><b>${c.worker_count}</b></div>
          <div><span>Events in</span><b>${num(c.counters.events_in)}</b></div>
          <div><span>Events out</span><b>${num(c.counters.events_out)}</b></div>
          <div><span>Filtered</span><b>${num(c.counters.filtered)}</b></div>
          <div><span>Dead-lettered</span><b>${num(c.dead_lettered)}</b></div>
          <div><span>Retries</span><b>${num(c.counters.retries)}</b></div>
        </div>
        ${c.last_error ? `<div class="error-box">${esc(c.last_error)}</div>` : ""}
        <h2>Workers</h2>
        ${table(["Id", "State", "Member", "Partitions"], (c.tasks || []).map(w => `<tr><td>${w.id}</td><td>${pill(w.state)}</td><td class="muted">${esc(w.worker_id)}</td><td>${esc((w.partitions || []).join(", ") || "–")}</td></tr>`))}
        <h2 style="margin-top:14px">Recent dead letters</h2>
        ${table(["Time", "Source", "Stage", "Error", "Reason"], letters.slice(-20).reverse().map(d => `<tr><td>${esc(new Date(d.at).toLocaleTimeString("en-GB"))}</td>
          <td>${esc(d.topic)}-${d.partition}@${d.offset}</td><td>${esc(d.stage)}</td><td>${esc(d.error_type)}</td><td class="reason">${esc(d.reason)}</td></tr>`))}
      </section>`;
    }).join("");
    for (const button of app.querySelectorAll("button[data-action]")) {
      button.addEventListener("click", async () => {
        const name = button.closest("[data-connector]").dataset.connector;
        const action = button.dataset.action;
        button.disabled = true;
        const r = await fetch(`connectors/${encodeURIComponent(name)}/${action}`, { method: action === "restart" ? "POST" : "PUT" });
        if (!r.ok) alert(`${action} ${name}: HTTP ${r.status}`);
        refresh();
      });
    }
  }

  // ---------- Routing ----------
  async function refresh() {
    const current = route;
    try {
      if (current.startsWith("#/group/")) await group(decodeURIComponent(current.slice(8)));
      else if (current === "#/connectors") await connectors();
      else await overview();
      stamp();
    } catch (e) {
      if (current === route) {
        document.getElementById("updated").textContent = "Refresh failed: " + e.message;
        if (!app.firstChild) app.innerHTML = `<div class="banner">${esc(e.message)}</div>`;
      }
    }
  }

  function navigate() {
    route = location.hash || "#/";
    app.replaceChildren();
    for (const a of document.querySelectorAll("nav a[data-nav]")) {
      a.classList.toggle("active", (a.dataset.nav === "connectors") === (route === "#/connectors") && !route.startsWith("#/group/") || (a.dataset.nav === "overview" && route.startsWith("#/group/")));
    }
    clearInterval(timer);
    refresh();
    timer = setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
  }

  get("api/overview").then(ov => {
    document.getElementById("broker").textContent = `kafka ${ov.broker.host}:${ov.broker.port} · cluster ${ov.broker.cluster_id}`;
  }).catch(() => { });
  window.addEventListener("hashchange", navigate);
  window.addEventListener("resize", () => refresh());
  navigate();
})();
