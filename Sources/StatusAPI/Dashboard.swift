/// The dashboard at `GET /`: one self-contained HTML page (no external assets, no framework) that lists the jobs and
/// draws the selected job's score distribution, party coverage and drift as inline SVG, refreshing every 3 seconds
/// from the API's own JSON routes.
enum Dashboard {
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
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
          main { display:grid; grid-template-columns: minmax(520px, 1.2fr) minmax(420px, 1fr); gap:20px; padding:20px 24px; }
          section { background:#fff; border:1px solid var(--line); border-radius:8px; padding:14px 16px; }
          h2 { font-size:14px; margin:0 0 10px; color:var(--muted); font-weight:600; text-transform:uppercase;
               letter-spacing:.04em; }
          table { width:100%; border-collapse:collapse; }
          th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); white-space:nowrap; }
          th { color:var(--muted); font-weight:600; font-size:12px; }
          td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; }
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
          svg text { font: 11px system-ui, sans-serif; fill: var(--muted); }
          .error { color:var(--bad); }
          .band-stable { color:var(--ok); } .band-watch { color:var(--warn); } .band-shifted { color:var(--bad); }
        </style>
        </head>
        <body>
        <header><h1>vfl · credit scoring jobs</h1><span class="meta" id="meta">loading…</span></header>
        <main>
          <section>
            <h2>Jobs</h2>
            <table>
              <thead><tr><th>batch</th><th>state</th><th class="num">parties</th><th class="num">customers</th>
                <th class="num">rejects</th><th>progress</th><th class="num">duration</th></tr></thead>
              <tbody id="jobs"><tr><td colspan="7" class="empty">no jobs yet: drop a batch into the spool inbox</td></tr></tbody>
            </table>
          </section>
          <section id="detail"><h2>Job</h2><div class="empty">select a job</div></section>
        </main>
        <script>
        "use strict";
        let selected = decodeURIComponent(location.hash.slice(1)) || null;
        const el = (tag, attrs = {}, text) => {
          const e = document.createElementNS(tag === "svg" || attrs.svg ? "http://www.w3.org/2000/svg" : "http://www.w3.org/1999/xhtml", tag);
          for (const [k, v] of Object.entries(attrs)) if (k !== "svg") e.setAttribute(k, v);
          if (text !== undefined) e.textContent = text;
          return e;
        };
        const fmt = n => n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US");
        const secs = s => s === undefined || s === null ? "–" : s < 1 ? (s * 1000).toFixed(0) + " ms" : s.toFixed(2) + " s";

        function histogram(summary) {
          const bins = (summary.score_histogram || {}).bins || [];
          const w = 460, h = 170, left = 36, bottom = 22;
          const svg = el("svg", { viewBox: `0 0 ${w} ${h}`, width: "100%", role: "img", "aria-label": "score distribution" });
          if (!bins.length) return svg;
          const max = Math.max(...bins.map(b => b.count));
          const lo = 300, hi = 850, bw = (w - left - 16) / ((hi - lo) / 10);
          for (let t = 0; t <= 4; t++) {
            const y = 8 + (h - bottom - 8) * (1 - t / 4);
            svg.append(el("line", { svg: 1, x1: left, x2: w - 4, y1: y, y2: y, stroke: "#eef0f4" }));
            svg.append(el("text", { svg: 1, x: left - 4, y: y + 4, "text-anchor": "end" }, fmt(Math.round(max * t / 4))));
          }
          for (const b of bins) {
            const x = left + (b.from - lo) / 10 * bw, bh = (h - bottom - 8) * b.count / max;
            const r = el("rect", { svg: 1, x: x + 0.5, y: h - bottom - bh, width: Math.max(bw - 1, 1), height: bh, fill: "#2f6fdb", rx: 1 });
            r.append(el("title", { svg: 1 }, `${b.from}–${b.from + 10}: ${fmt(b.count)}`));
            svg.append(r);
          }
          for (let s = 300; s <= 850; s += 50) {
            svg.append(el("text", { svg: 1, x: left + (s - lo) / 10 * bw, y: h - 6, "text-anchor": "middle" }, s));
          }
          return svg;
        }

        function coverage(summary) {
          const parties = Object.entries(summary.parties || {});
          const w = 460, row = 26, h = parties.length * row + 6, left = 120;
          const svg = el("svg", { viewBox: `0 0 ${w} ${h}`, width: "100%", role: "img", "aria-label": "party coverage" });
          parties.forEach(([name, p], i) => {
            const y = 4 + i * row, share = p.coverage || 0, bw = (w - left - 70) * share;
            svg.append(el("text", { svg: 1, x: left - 8, y: y + 15, "text-anchor": "end" }, name));
            svg.append(el("rect", { svg: 1, x: left, y: y + 4, width: w - left - 70, height: 14, fill: "#eef0f4", rx: 3 }));
            svg.append(el("rect", { svg: 1, x: left, y: y + 4, width: bw, height: 14, fill: p.input === "absent" ? "#cbd2dc" : "#1f9d55", rx: 3 }));
            svg.append(el("text", { svg: 1, x: left + (w - left - 70) + 6, y: y + 15 },
              p.input === "absent" ? "absent" : (share * 100).toFixed(1) + "%"));
          });
          return svg;
        }

        function detail(job) {
          const box = document.getElementById("detail");
          box.replaceChildren(el("h2", {}, "Job " + job.id));
          const kv = el("div", { class: "kv" });
          const add = (k, v, cls) => { kv.append(el("div", {}, k)); kv.append(el("div", cls ? { class: cls } : {}, v)); };
          add("state", job.state);
          add("customers", fmt(job.customers) + (job.scored !== null ? " (" + fmt(job.scored) + " scored)" : ""));
          add("rejected rows", fmt(job.rejected_rows));
          add("duration", secs(job.duration_s));
          add("model", job.model_id ? job.model_id.slice(0, 12) : "–");
          if (job.error) add("error", job.error, "error");
          const s = job.summary;
          if (s && s.drift) {
            add("score PSI", (s.drift.psi ?? 0).toFixed(4) + " · " + (s.drift.psi_band || ""), "band-" + (s.drift.psi_band || "stable"));
            add("shifted", (s.drift.shifted || []).length ? s.drift.shifted.join(", ") : "none");
          }
          box.append(kv);
          if (s && s.score_histogram) {
            box.append(el("h2", {}, "Score distribution"));
            box.append(histogram(s));
            box.append(el("h2", {}, "Party coverage"));
            box.append(coverage(s));
          } else {
            box.append(el("div", { class: "empty" }, "charts appear when the job is done"));
          }
        }

        async function refresh() {
          try {
            const list = (await (await fetch("/jobs?limit=50")).json()).jobs || [];
            const body = document.getElementById("jobs");
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
              if (r.ok) detail(await r.json());
            }
            const counts = {};
            list.forEach(j => counts[j.state] = (counts[j.state] || 0) + 1);
            document.getElementById("meta").textContent =
              Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(" · ") + " · updated " + new Date().toLocaleTimeString();
          } catch (e) {
            document.getElementById("meta").textContent = "API unreachable: " + e;
          }
        }
        refresh();
        setInterval(refresh, 3000);
        </script>
        </body>
        </html>
        """#
}
