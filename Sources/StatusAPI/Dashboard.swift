/// The dashboard at `GET /`: one self-contained HTML page (no external assets, no framework) that lists the jobs and
/// shows the selected job's public record (state, counts, progress, timings, error, party coverage), refreshing every
/// 3 seconds from the API's own JSON routes.
///
/// The distribution detail (score histogram in merged bins, parties per customer, drift) and the customer lookup are
/// behind the API token: the page asks for it once in a form and keeps it only in a script variable (never in a URL,
/// storage or a cookie), sends it as `Authorization: Bearer` to `GET /jobs/{id}/summary` and `POST
/// /jobs/{id}/lookup`, and asks again after a 401. Keys to look up travel only in the POST body. Every value from the
/// API enters the page as text (`textContent`), never as markup.
enum Dashboard {
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>vfl · jobs</title>
        <style>
          :root { --ink:#1d2433; --muted:#6b7385; --line:#e3e6ec; --bg:#f6f7f9; --accent:#2f6fdb; --ok:#1f9d55;
                  --warn:#d97706; --bad:#dc2626; }
          * { box-sizing: border-box; }
          body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--ink);
                 background:var(--bg); }
          header { display:flex; align-items:baseline; gap:16px; padding:14px 24px; background:#fff;
                   border-bottom:1px solid var(--line); }
          header h1 { font-size:18px; margin:0; }
          header .meta { color:var(--muted); font-size:12px; }
          header form { margin-left:auto; display:flex; align-items:center; gap:8px; font-size:12px; color:var(--muted); }
          header form[hidden], .access[hidden] { display:none; }
          .access { margin-left:auto; display:flex; align-items:center; gap:8px; font-size:12px; color:var(--ok); }
          input, textarea, button { font:inherit; font-size:13px; color:var(--ink); }
          input, textarea { border:1px solid var(--line); border-radius:6px; padding:4px 8px; background:#fff; }
          button { border:1px solid var(--accent); background:var(--accent); color:#fff; border-radius:6px; padding:4px 12px;
                   cursor:pointer; }
          button.plain { background:#fff; color:var(--accent); }
          main { display:grid; grid-template-columns: minmax(520px, 1.2fr) minmax(420px, 1fr); gap:20px; padding:20px 24px;
                 align-items:start; }
          .side { display:flex; flex-direction:column; gap:20px; min-width:0; }
          section { background:#fff; border:1px solid var(--line); border-radius:8px; padding:14px 16px; }
          h2 { font-size:14px; margin:0 0 10px; color:var(--muted); font-weight:600; text-transform:uppercase;
               letter-spacing:.04em; }
          h3 { font-size:12px; margin:14px 0 6px; color:var(--muted); font-weight:600; text-transform:uppercase;
               letter-spacing:.04em; }
          table { width:100%; border-collapse:collapse; }
          th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); white-space:nowrap; }
          th { color:var(--muted); font-weight:600; font-size:12px; }
          td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; }
          td.wrap { white-space:normal; }
          tr.job { cursor:pointer; }
          tr.job:hover { background:#f0f4fc; }
          tr.selected { background:#e6eefc; }
          .state { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; font-weight:600; }
          .done { background:#e3f5ea; color:var(--ok); } .running { background:#e6eefc; color:var(--accent); }
          .queued { background:#f1f2f5; color:var(--muted); } .failed, .rejected { background:#fde8e8; color:var(--bad); }
          .bar { height:6px; background:var(--line); border-radius:3px; width:90px; display:inline-block; vertical-align:middle; }
          .bar > span { display:block; height:6px; background:var(--accent); border-radius:3px; }
          .kv { display:grid; grid-template-columns: 140px 1fr; gap:4px 12px; margin-bottom:12px; }
          .kv div:nth-child(odd) { color:var(--muted); }
          .empty { color:var(--muted); padding:20px 0; }
          .note { color:var(--muted); font-size:12px; margin:4px 0 8px; }
          .withheld { color:var(--warn); font-size:12px; margin:4px 0 8px; }
          .locked { color:var(--muted); background:#f6f7f9; border:1px dashed var(--line); border-radius:6px; padding:10px 12px;
                    margin-top:12px; }
          svg text { font: 11px system-ui, sans-serif; fill: var(--muted); }
          .error { color:var(--bad); }
          .band-stable { color:var(--ok); } .band-watch { color:var(--warn); } .band-shifted { color:var(--bad); }
          #keys { width:100%; min-height:90px; font-family:ui-monospace, monospace; resize:vertical; }
          .row { display:flex; gap:10px; align-items:center; margin-top:8px; }
        </style>
        </head>
        <body>
        <header><h1>vfl · credit scoring jobs</h1><span class="meta" id="meta">loading…</span>
          <form id="auth" autocomplete="off"><label for="token">API token</label>
            <input id="token" type="password" size="24" autocomplete="off" spellcheck="false" placeholder="for the detail and lookups">
            <button type="submit">Use token</button><span class="error" id="auth-note"></span></form>
          <span class="access" id="access" hidden><span>✓ token in use (this page only)</span>
            <button type="button" class="plain" id="forget">Forget</button></span>
        </header>
        <main>
          <div class="side">
            <section>
              <h2>Jobs</h2>
              <table>
                <thead><tr><th>batch</th><th>state</th><th class="num">parties</th><th class="num">customers</th>
                  <th class="num">rejects</th><th>progress</th><th class="num">duration</th></tr></thead>
                <tbody id="jobs"><tr><td colspan="7" class="empty">no jobs yet: drop a batch into the spool inbox</td></tr></tbody>
              </table>
            </section>
            <section id="registry">
              <h2>Models</h2>
              <table>
                <thead><tr><th>model</th><th>id</th><th>aliases</th><th>owner</th><th class="num">jobs scored</th>
                  <th class="num">in flight</th></tr></thead>
                <tbody id="models"><tr><td colspan="6" class="empty">the registry is empty</td></tr></tbody>
              </table>
              <div class="note" id="aliases"></div>
            </section>
            <section id="lookup">
              <h2>Customer lookup</h2>
              <form id="lookup-form" autocomplete="off">
                <textarea id="keys" rows="5" spellcheck="false" placeholder="customer keys of the selected job, one per line (up to 1,000); needs the API token"></textarea>
                <div class="row"><button type="submit">Look up</button><span class="note" id="lookup-status"></span></div>
              </form>
              <div id="lookup-results"></div>
            </section>
          </div>
          <section id="detail"><h2>Job</h2><div class="empty">select a job</div></section>
        </main>
        <script>
        "use strict";
        // The API token lives only in this variable: never in a URL, storage or a cookie.
        let token = null;
        let selected = decodeURIComponent(location.hash.slice(1)) || null;
        // The detail of done jobs, one promise per job for the current token: {status, data?, message?}.
        let details = new Map();
        const el = (tag, attrs = {}, text) => {
          const e = document.createElementNS(tag === "svg" || attrs.svg ? "http://www.w3.org/2000/svg" : "http://www.w3.org/1999/xhtml", tag);
          for (const [k, v] of Object.entries(attrs)) if (k !== "svg") e.setAttribute(k, v);
          if (text !== undefined) e.textContent = text;
          return e;
        };
        const $ = id => document.getElementById(id);
        // Model id to its registry label (NAME@VERSION), from GET /models.
        const registryLabels = new Map();
        const fmt = n => n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US");
        const secs = s => s === undefined || s === null ? "–" : s < 1 ? (s * 1000).toFixed(0) + " ms" : s.toFixed(2) + " s";
        const time = t => t ? new Date(t).toLocaleTimeString() : "–";
        const authorized = extra => Object.assign({ Authorization: "Bearer " + token }, extra || {});

        function setToken(value) {
          token = value || null;
          details = new Map();
          $("auth").hidden = token !== null;
          $("access").hidden = token === null;
          $("token").value = "";
          $("auth-note").textContent = "";
        }

        function askAgain(message) {
          setToken(null);
          $("auth-note").textContent = message;
          $("token").focus();
        }

        // Merged bins {from, to, count}: each bar spans its bins, its height the customers per 10 points.
        function histogram(h) {
          const bins = h.bins || [];
          const w = 460, ht = 170, left = 36, bottom = 22;
          const svg = el("svg", { viewBox: `0 0 ${w} ${ht}`, width: "100%", role: "img", "aria-label": "score distribution" });
          if (!bins.length) return svg;
          const width = h.bin_width || 10;
          const density = b => b.count / Math.max((b.to - b.from) / width, 1);
          const max = Math.max(...bins.map(density));
          const lo = Math.min(300, bins[0].from), hi = Math.max(850, bins[bins.length - 1].to);
          const scale = (w - left - 16) / (hi - lo);
          for (let t = 0; t <= 4; t++) {
            const y = 8 + (ht - bottom - 8) * (1 - t / 4);
            svg.append(el("line", { svg: 1, x1: left, x2: w - 4, y1: y, y2: y, stroke: "#eef0f4" }));
            svg.append(el("text", { svg: 1, x: left - 4, y: y + 4, "text-anchor": "end" }, fmt(Math.round(max * t / 4))));
          }
          for (const b of bins) {
            const x = left + (b.from - lo) * scale, bh = (ht - bottom - 8) * density(b) / max;
            const r = el("rect", { svg: 1, x: x + 0.5, y: ht - bottom - bh, width: Math.max((b.to - b.from) * scale - 1, 1), height: bh, fill: "#2f6fdb", rx: 1 });
            r.append(el("title", { svg: 1 }, `${b.from}–${b.to}: ${fmt(b.count)} customers`));
            svg.append(r);
          }
          for (let s = 300; s <= 850; s += 50) {
            svg.append(el("text", { svg: 1, x: left + (s - lo) * scale, y: ht - 6, "text-anchor": "middle" }, s));
          }
          return svg;
        }

        // Horizontal bars: [label, share (0..1) or null, caption].
        function bars(rows, label) {
          const w = 460, row = 26, h = rows.length * row + 6, left = 120;
          const svg = el("svg", { viewBox: `0 0 ${w} ${h}`, width: "100%", role: "img", "aria-label": label });
          rows.forEach(([name, share, caption, color], i) => {
            const y = 4 + i * row;
            svg.append(el("text", { svg: 1, x: left - 8, y: y + 15, "text-anchor": "end" }, name));
            svg.append(el("rect", { svg: 1, x: left, y: y + 4, width: w - left - 90, height: 14, fill: "#eef0f4", rx: 3 }));
            if (share !== null) svg.append(el("rect", { svg: 1, x: left, y: y + 4, width: (w - left - 90) * share, height: 14, fill: color || "#1f9d55", rx: 3 }));
            svg.append(el("text", { svg: 1, x: left + (w - left - 90) + 6, y: y + 15 }, caption));
          });
          return svg;
        }

        function coverage(summary) {
          return bars(Object.entries(summary.parties || {}).map(([name, p]) =>
            p.input === "absent" ? [name, 0, "absent", "#cbd2dc"]
              : p.coverage_withheld ? [name, null, "withheld"]
              : [name, p.coverage || 0, (100 * (p.coverage || 0)).toFixed(1) + "%"]), "party coverage");
        }

        function withheldNote(box, text) { box.append(el("div", { class: "withheld" }, "⚠ " + text)); }

        // The token holder's view: the distributions, in groups of at least minimum_group customers.
        function distribution(box, d) {
          const m = d.minimum_group;
          box.append(el("h3", {}, "Score distribution"));
          const h = d.score_histogram || {};
          if (h.withheld || !(h.bins || []).length) {
            withheldNote(box, `histogram withheld: fewer than ${fmt(m)} customers were scored`);
          } else {
            box.append(el("div", { class: "note" }, `${h.bins.length} bins of at least ${fmt(m)} customers (adjacent 10-point bins merged); height: customers per 10 points`));
            box.append(histogram(h));
          }
          const per = d.parties_per_customer;
          if (per) {
            box.append(el("h3", {}, "Banks per customer"));
            if (per.withheld) {
              withheldNote(box, `withheld: a count of banks holds fewer than ${fmt(m)} customers`);
            } else {
              // Sorted by their first count of banks ("0-1", "2", ...): an object's integer keys would come first.
              const entries = Object.entries(per).sort((a, b) => parseInt(a[0], 10) - parseInt(b[0], 10));
              const total = entries.reduce((t, [, n]) => t + n, 0) || 1;
              box.append(bars(entries.map(([k, n]) => [k.replace("-", "–") + (k === "1" ? " bank" : " banks"), n / total, fmt(n), "#2f6fdb"]), "banks per customer"));
            }
          }
          const drift = d.drift;
          if (drift) {
            box.append(el("h3", {}, "Drift against the training population"));
            const kv = el("div", { class: "kv" });
            const add = (k, v, cls) => { kv.append(el("div", {}, k)); kv.append(el("div", cls ? { class: cls } : {}, v)); };
            if (drift.psi_withheld) add("score PSI", `withheld (fewer than ${fmt(m)} scored)`, "withheld");
            else if (drift.psi !== undefined) add("score PSI", Number(drift.psi).toFixed(4) + " · " + (drift.psi_band || ""), "band-" + (drift.psi_band || "stable"));
            const shifted = drift.shifted || [];
            add("shifted", shifted.length ? shifted.slice(0, 4).join(", ") + (shifted.length > 4 ? ` and ${shifted.length - 4} more` : "") : "none",
              shifted.length ? "band-shifted" : "band-stable");
            const features = [];
            let hidden = 0;
            const hiddenParties = [];
            for (const [party, list] of Object.entries(drift.features || {})) {
              if (list && list.withheld === true) { hiddenParties.push(party); continue; }
              for (const [name, f] of Object.entries(list || {})) {
                if (f.withheld) hidden++; else features.push([party + "." + name, f]);
              }
            }
            add("features", `${fmt(features.length)} shown` + (hidden ? `, ${fmt(hidden)} withheld (bins under ${fmt(m)} customers)` : ""), hidden ? "withheld" : undefined);
            if (hiddenParties.length) add("banks withheld", hiddenParties.join(", ") + ` (their coverage is withheld)`, "withheld");
            box.append(kv);
            features.sort((a, b) => (b[1].csi || 0) - (a[1].csi || 0));
            if (features.length) {
              const table = el("table");
              const head = el("tr");
              for (const [t, c] of [["feature (highest CSI)", ""], ["CSI", "num"], ["band", ""], ["groups", "num"]]) head.append(el("th", c ? { class: c } : {}, t));
              table.append(head);
              for (const [name, f] of features.slice(0, 6)) {
                const tr = el("tr");
                tr.append(el("td", {}, name), el("td", { class: "num" }, f.csi === undefined ? "–" : Number(f.csi).toFixed(4)),
                  el("td", { class: "band-" + (f.band || "stable") }, f.band || "–"), el("td", { class: "num" }, fmt((f.groups || []).length)));
                table.append(tr);
              }
              box.append(table);
            }
          }
        }

        // A job's champion against each challenger (GET /jobs/{id}/comparison): scalars, a histogram of the score
        // shift from its quantiles, the swaps at each cutoff; what the API withholds is shown as withheld.
        function comparisonView(box, c) {
          const m = c.minimum_group;
          box.append(el("h3", {}, "Champion and challengers"));
          for (const entry of c.challengers || []) {
            const model = entry.model || {};
            box.append(el("h4", {}, (registryLabels.get(model.id) || model.name || "challenger") + " · " + String(model.id || "").slice(0, 12)));
            if (entry.status !== "done") { box.append(el("div", { class: "error" }, "failed: " + (entry.error || "unknown")), el("div", {})); continue; }
            const kv = el("div", { class: "kv" });
            const add = (k, v, cls) => { kv.append(el("div", {}, k)); kv.append(el("div", cls ? { class: cls } : {}, v)); };
            const n = entry.customers || {};
            add("customers", `${fmt(n.both)} scored by both · ${fmt(n.only_champion)} by the champion only · ${fmt(n.only_challenger)} by the challenger only`);
            if (entry.withheld) { add("comparison", "withheld: " + entry.withheld, "withheld"); box.append(kv); continue; }
            const num = (v, d) => v === null || v === undefined ? "withheld" : Number(v).toFixed(d);
            add("Spearman", num(entry.spearman, 4));
            add("PSI", num((entry.psi || {}).value, 4));
            add("first reason agrees", entry.first_reason_agreement === null ? "withheld" : (100 * entry.first_reason_agreement).toFixed(1) + "%");
            box.append(kv);
            const q = entry.score_shift || {};
            // A histogram of the shift from its quantiles: a bar between each two consecutive quantiles shown, its
            // area their share of the customers (the API withholds a quantile with too few customers beyond it).
            const levels = [["p1", 1], ["p5", 5], ["p10", 10], ["p20", 20], ["p25", 25], ["p30", 30], ["p40", 40], ["median", 50], ["p60", 60], ["p70", 70], ["p75", 75], ["p80", 80], ["p90", 90], ["p95", 95], ["p99", 99]]
              .filter(([k]) => q[k] !== null && q[k] !== undefined).map(([k, p]) => ({ k, p, v: q[k] }));
            if (levels.length) {
              const w = 460, ht = 120, left = 24, base = 86, values = levels.map(l => l.v);
              const lo = Math.min(-1, ...values), hi = Math.max(1, ...values), scale = (w - 2 * left) / (hi - lo);
              const x = v => left + (v - lo) * scale;
              const svg = el("svg", { viewBox: `0 0 ${w} ${ht}`, width: "100%", role: "img", "aria-label": "score shift histogram" });
              const bars = [];
              for (let i = 0; i + 1 < levels.length; i++) {
                const a = levels[i], b = levels[i + 1], px = Math.max(x(b.v) - x(a.v), 2);
                bars.push({ a, b, x0: x(a.v), px, density: (b.p - a.p) / px });
              }
              const top = Math.max(...bars.map(r => r.density), 1e-9);
              for (const r of bars) {
                const h = Math.max(1, (r.density / top) * (base - 8));
                const bar = el("rect", { svg: 1, x: r.x0, y: base - h, width: r.px, height: h, fill: "#cfe0fb", stroke: "#2f6fdb" });
                bar.append(el("title", { svg: 1 }, `${r.b.p - r.a.p}% of the customers shift by ${num(r.a.v, 2)} to ${num(r.b.v, 2)}`));
                svg.append(bar);
              }
              svg.append(el("line", { svg: 1, x1: left, x2: w - left, y1: base, y2: base, stroke: "#9aa3b2" }));
              svg.append(el("line", { svg: 1, x1: x(0), x2: x(0), y1: 4, y2: base, stroke: "#9aa3b2", "stroke-dasharray": "3 3" }));
              if (q.median !== null && q.median !== undefined) svg.append(el("line", { svg: 1, x1: x(q.median), x2: x(q.median), y1: 4, y2: base, stroke: "#1b3f8b", "stroke-width": 2 }));
              const ticks = [[lo, "start"], [0, "middle"], [hi, "end"]];
              for (const [v, anchor] of ticks) svg.append(el("text", { svg: 1, x: x(v), y: base + 14, "text-anchor": anchor }, num(v, 1)));
              svg.append(el("text", { svg: 1, x: w / 2, y: base + 30, "text-anchor": "middle" }, "score shift (points)"));
              box.append(el("div", { class: "note" }, `score shift (challenger − champion): mean ${num(q.mean, 2)}, median ${num(q.median, 2)}; each bar spans two quantiles and its area is their share of the customers; tails shown when at least ${fmt(m)} customers lie beyond them`));
              box.append(svg);
            }
            const table = el("table");
            const head = el("tr");
            for (const [t, cls] of [["cutoff", "num"], ["up (cross above)", "num"], ["down (cross below)", "num"]]) head.append(el("th", { class: cls }, t));
            table.append(head);
            for (const sw of entry.swaps || []) {
              const tr = el("tr");
              const cell = v => el("td", v === null ? { class: "num withheld", title: `fewer than ${fmt(m)} customers` } : { class: "num" }, v === null ? "withheld" : fmt(v));
              tr.append(el("td", { class: "num" }, fmt(sw.cutoff)), cell(sw.up), cell(sw.down));
              table.append(tr);
            }
            box.append(table);
          }
        }

        function detail(job, full) {
          const box = el("section", { id: "detail" });
          box.append(el("h2", {}, "Job " + job.id));
          const kv = el("div", { class: "kv" });
          const add = (k, v, cls) => { kv.append(el("div", {}, k)); kv.append(el("div", cls ? { class: cls } : {}, v)); };
          const s = job.summary;
          add("state", job.state);
          add("customers", fmt(job.customers) + (job.scored !== null ? " (" + fmt(job.scored) + " scored)" : ""));
          add("rejected rows", fmt(job.rejected_rows));
          const p = job.progress || {};
          add("progress", `${fmt(p.tasks_done)} of ${fmt(p.tasks_total)} tasks` + (job.attempts > 1 ? ` · attempt ${job.attempts}` : ""));
          add("timings", `created ${time(job.created_at)} · started ${time(job.started_at)} · finished ${time(job.finished_at)}`);
          add("duration", secs(job.duration_s) + (s && s.timings_ms ? ` (scoring ${fmt(s.timings_ms.score)} ms)` : ""));
          const label = job.model_name ? job.model_name + (job.model_version ? "@" + job.model_version : "") : null;
          add("model", job.model_id ? (label ? label + " · " : "") + job.model_id.slice(0, 12)
            + (job.model_alias ? " (via " + job.model_alias + " at acceptance)" : "") : "–");
          if (job.challengers && job.challengers.length) add("challengers", job.challengers.map(c => c.slice(0, 12)).join(", "));
          if (job.error) add("error", job.error, "error");
          box.append(kv);
          if (s && s.parties) {
            box.append(el("h3", {}, "Party coverage"));
            box.append(coverage(s));
          }
          if (job.state !== "done") {
            box.append(el("div", { class: "empty" }, "the distribution appears when the job is done"));
          } else if (!full) {
            box.append(el("div", { class: "locked" }, "Score distribution, banks per customer and drift need the API token: enter it above. Public view: state, counts, progress, timings, coverage and error."));
          } else if (full.status === "ok") {
            distribution(box, full.data);
            if (full.data.comparison) comparisonView(box, full.data.comparison);
          } else {
            box.append(el("div", { class: "locked error" }, full.message));
          }
          $("detail").replaceWith(box);
        }

        // One request per job and token; a failure is asked again at the next refresh.
        function loadDetail(id) {
          if (!token) return null;
          if (!details.has(id)) details.set(id, fetchDetail(id, token));
          return details.get(id);
        }

        async function fetchDetail(id, sent) {
          let answer;
          try {
            const r = await fetch("/jobs/" + encodeURIComponent(id) + "/summary", { headers: { Authorization: "Bearer " + sent }, cache: "no-store" });
            if (sent !== token) return null;
            if (r.status === 401) { askAgain("the token was refused: enter it again"); return null; }
            answer = r.ok ? { status: "ok", data: await r.json() } : { status: "error", message: "detail unavailable: " + ((await r.json()).error || r.status) };
            if (r.ok) {
              // A job with challengers has a comparison (404 without): the redacted form, as the API serves it.
              const c = await fetch("/jobs/" + encodeURIComponent(id) + "/comparison", { headers: { Authorization: "Bearer " + sent }, cache: "no-store" });
              if (sent !== token) return null;
              if (c.ok) answer.data.comparison = await c.json();
            }
          } catch (e) {
            answer = { status: "error", message: "detail unavailable: " + e };
          }
          if (answer.status !== "ok" && sent === token) details.delete(id);
          return answer;
        }

        async function refreshModels() {
          const r = await fetch("/models");
          if (!r.ok) return;
          const answer = await r.json();
          const body = $("models");
          if (answer.models.length) body.replaceChildren();
          for (const m of answer.models) registryLabels.set(m.id, m.label);
          for (const m of answer.models) {
            const tr = el("tr", m.removed_at ? { class: "removed", title: "removed " + m.removed_at } : {});
            tr.append(el("td", {}, m.label), el("td", {}, m.id.slice(0, 12)), el("td", {}, m.aliases.join(", ")),
              el("td", {}, m.owner || "–"), el("td", { class: "num" }, fmt(m.jobs_scored)),
              el("td", { class: "num" }, fmt(m.jobs_in_flight)));
            body.append(tr);
          }
          $("aliases").textContent = answer.aliases.map(a => `${a.name} → ${a.model || "unset"} (generation ${a.generation}, by ${a.updated_by})`).join(" · ");
        }

        async function refresh() {
          try {
            await refreshModels();
            const list = (await (await fetch("/jobs?limit=50")).json()).jobs || [];
            const body = $("jobs");
            if (list.length) body.replaceChildren();
            for (const job of list) {
              const tr = el("tr", { class: "job" + (job.id === selected ? " selected" : "") });
              tr.onclick = () => { selected = job.id; location.hash = encodeURIComponent(job.id); refresh(); };
              if (job.error) tr.title = job.error;
              const p = job.progress || {}, share = p.tasks_total ? p.tasks_done / p.tasks_total : 0;
              const bar = el("span", { class: "bar" }); bar.append(el("span", { style: `width:${(share * 100).toFixed(0)}%` }));
              const cells = [
                el("td", {}, job.id), el("td"), el("td", { class: "num" }, job.parties.length),
                el("td", { class: "num" }, fmt(job.customers)), el("td", { class: "num" }, fmt(job.rejected_rows)),
                el("td"), el("td", { class: "num" }, secs(job.duration_s)),
              ];
              cells[1].append(el("span", { class: "state " + job.state }, job.state));
              cells[5].append(bar, document.createTextNode(` ${p.tasks_done ?? 0}/${p.tasks_total ?? 0}`));
              tr.append(...cells);
              body.append(tr);
            }
            if (!selected && list.length) selected = (list.find(j => j.state === "done") || list[0]).id;
            if (selected) {
              const r = await fetch("/jobs/" + encodeURIComponent(selected));
              if (r.ok) {
                const job = await r.json();
                detail(job, job.state === "done" ? await loadDetail(job.id) : null);
              }
            }
            const counts = {};
            list.forEach(j => counts[j.state] = (counts[j.state] || 0) + 1);
            $("meta").textContent =
              Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(" · ") + " · updated " + new Date().toLocaleTimeString();
          } catch (e) {
            $("meta").textContent = "API unreachable: " + e;
          }
        }

        function lookupTable(answer) {
          const table = el("table");
          const head = el("tr");
          for (const [t, c] of [[answer.key_column || "key", ""], ["score", "num"], ["banks", ""], ["reasons", ""]]) head.append(el("th", c ? { class: c } : {}, t));
          table.append(head);
          const keys = answer.asked;
          (answer.results || []).forEach((row, i) => {
            const tr = el("tr");
            if (row === null) {
              tr.append(el("td", {}, keys[i]), el("td", { class: "num" }, "–"), el("td", { class: "note", colspan: 2 }, "not in this job's results"));
            } else {
              const reasons = el("td", { class: "wrap" });
              (row.reasons || []).forEach((r, k) => {
                if (k) reasons.append(el("br"));
                reasons.append(el("b", {}, r.code), document.createTextNode(r.text ? " " + r.text : ""));
              });
              tr.append(el("td", {}, row.key), el("td", { class: "num" }, row.score === null ? "–" : Number(row.score).toFixed(2)),
                el("td", { class: "wrap" }, (row.parties || []).join(", ")), reasons);
            }
            table.append(tr);
          });
          return table;
        }

        async function lookup() {
          const status = $("lookup-status"), out = $("lookup-results");
          const keys = $("keys").value.split(/\r?\n/).map(k => k.trim()).filter(k => k.length);
          out.replaceChildren();
          if (!selected) { status.textContent = "select a job first"; return; }
          if (!token) { status.textContent = "enter the API token first"; $("token").focus(); return; }
          if (!keys.length) { status.textContent = "paste one key per line"; return; }
          if (keys.length > 1000) { status.textContent = `${fmt(keys.length)} keys: at most 1,000 at a time`; return; }
          status.textContent = "looking up…";
          try {
            const r = await fetch("/jobs/" + encodeURIComponent(selected) + "/lookup", {
              method: "POST", headers: authorized({ "Content-Type": "application/json" }), body: JSON.stringify({ keys }), cache: "no-store",
            });
            if (r.status === 401) { status.textContent = ""; askAgain("the token was refused: enter it again"); return; }
            const answer = await r.json();
            if (!r.ok) { status.textContent = answer.error || ("failed: " + r.status); return; }
            answer.asked = keys;
            const found = (answer.results || []).filter(x => x !== null).length;
            status.textContent = `${fmt(found)} of ${fmt(keys.length)} found in ${answer.job}`;
            out.append(lookupTable(answer));
          } catch (e) {
            status.textContent = "lookup failed: " + e;
          }
        }

        $("auth").addEventListener("submit", e => {
          e.preventDefault();
          const value = $("token").value.trim();
          if (value) { setToken(value); refresh(); }
        });
        $("forget").addEventListener("click", () => { setToken(null); $("lookup-results").replaceChildren(); $("lookup-status").textContent = ""; refresh(); });
        $("lookup-form").addEventListener("submit", e => { e.preventDefault(); lookup(); });
        refresh();
        setInterval(refresh, 3000);
        </script>
        </body>
        </html>
        """#
}
