/*
 * app.js - the scaleadvisor dashboard. Polls the JSON API every few
 * seconds and renders the overview, the selected deployment (chart, the
 * three recommendation cards, validation, decision history) and the
 * service state.
 *
 * Safety: every text that comes from the API (and so possibly from an LLM)
 * goes into the page through createTextNode / textContent or setAttribute
 * on a non-URL attribute; nothing is ever parsed as HTML. No inline script
 * or style, so the CSP "default-src 'self'; script-src 'self'" holds.
 *
 * Refresh without flicker: each render builds a fresh tree and morphs it
 * into the live one, touching only nodes that changed, so focus, scroll
 * position and text selection survive a refresh.
 */
'use strict';

(function () {
  const REFRESH_MS = 5000;
  const FETCH_TIMEOUT_MS = 8000;
  const HISTORY_ROWS = 50;      /* decisions shown in the table */
  const HISTORY_LIMIT = 2000;   /* rows per list asked of the history API */
  const TOKEN_KEY = 'scaleadvisor.token';

  const state = {
    recs: [],          /* recommendation objects, as the API returned them */
    status: null,      /* /api/status object */
    history: null,     /* history object of the selected deployment */
    historyKey: '',    /* "ns/name" the history belongs to */
    ns: '',            /* namespace filter, '' = all */
    loaded: false,
    unreachableSince: 0,
    lastUpdate: 0,
    timer: 0,
    inFlight: false,
  };

  const {h, s, patch, label, isNum, num, int, pct, epoch, clock, tok} = window.saDom;

  function keyOf(r) { return r.namespace + '/' + r.deployment; }
  function hashOf(r) { return '#' + encodeURIComponent(r.namespace) + '/' + encodeURIComponent(r.deployment); }

  function decision(r) { return (r && r.decision) || {}; }
  function recs(r) { return (r && r.recommendations) || {}; }

  /* Confidence of the recommendation the decision came from, if any. */
  function chosenConfidence(r) {
    const d = decision(r);
    const src = recs(r)[d.source];
    return src && isNum(src.confidence) ? src.confidence : NaN;
  }

  /* ---------- token ---------- */

  function token() {
    try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch (e) { return ''; }
  }
  function setToken(t) {
    try {
      if (t) sessionStorage.setItem(TOKEN_KEY, t); else sessionStorage.removeItem(TOKEN_KEY);
    } catch (e) { /* storage disabled: actions stay unavailable */ }
  }

  function say(text, kind) {
    const m = document.getElementById('message');
    m.textContent = text;
    m.className = 'message' + (kind ? ' ' + kind : '');
  }

  /* ---------- fetching ---------- */

  // One fetch with a time limit; a non-2xx answer throws an Error carrying
  // the API's error message and the status.
  async function request(path, init, timeoutMs) {
    const ctl = new AbortController();
    const t = setTimeout(() => ctl.abort(), timeoutMs);
    try {
      const res = await fetch(path, Object.assign({signal: ctl.signal, cache: 'no-store'}, init));
      const body = await res.json().catch(() => null);
      if (!res.ok) {
        const msg = body && body.error && body.error.message ? body.error.message : 'HTTP ' + res.status;
        const err = new Error(String(msg));
        err.status = res.status;
        throw err;
      }
      return body;
    } finally {
      clearTimeout(t);
    }
  }

  function getJSON(path) {
    return request(path, {headers: {Accept: 'application/json'}}, FETCH_TIMEOUT_MS);
  }

  function post(path) {
    return request(path, {
      method: 'POST',
      headers: {Authorization: 'Bearer ' + token(), Accept: 'application/json'},
    }, FETCH_TIMEOUT_MS * 3);
  }

  function selectedKey() {
    const raw = location.hash.replace(/^#/, '');
    const i = raw.indexOf('/');
    if (i > 0) {
      try {
        return decodeURIComponent(raw.slice(0, i)) + '/' + decodeURIComponent(raw.slice(i + 1));
      } catch (e) { /* malformed fragment: fall back to the first one */ }
    }
    return '';
  }

  function visibleRecs() {
    return state.recs.filter((r) => !state.ns || r.namespace === state.ns);
  }

  /* The selected deployment: the URL fragment's, else the first visible. */
  function selected() {
    const k = selectedKey();
    const hit = state.recs.find((r) => keyOf(r) === k);
    if (hit) return hit;
    const v = visibleRecs();
    return v.length ? v[0] : null;
  }

  async function refresh() {
    if (state.inFlight) return;
    state.inFlight = true;
    try {
      const [list, status] = await Promise.all([
        getJSON('/api/autoscaling/recommendations'),
        getJSON('/api/status').catch(() => null),
      ]);
      state.recs = (list && Array.isArray(list.recommendations) ? list.recommendations : [])
        .filter((r) => r && typeof r.deployment === 'string' && typeof r.namespace === 'string');
      state.status = status;
      await refreshHistory();
      state.loaded = true;
      state.unreachableSince = 0;
      state.lastUpdate = Date.now() / 1000;
    } catch (e) {
      if (!state.unreachableSince) state.unreachableSince = Date.now() / 1000;
      /* an HTTP status means the service answered, with an error */
      state.errorKind = e && e.status ? 'error' : 'unreachable';
      state.lastError = e && e.name === 'AbortError' ? 'no answer within ' + FETCH_TIMEOUT_MS / 1000 + ' s'
        : e && e.message ? e.message : String(e);
    } finally {
      state.inFlight = false;
      render();
    }
  }

  /* The history changes once per evaluation: fetch it again only when the
   * selection, the window or the recommendation's time changed. */
  async function refreshHistory() {
    const r = selected();
    if (!r) { state.history = null; state.historyKey = ''; state.historyStamp = ''; return; }
    const win = Number(document.getElementById('window-select').value) || 3600;
    const stamp = keyOf(r) + '|' + win + '|' + String(r.generated_at);
    if (stamp === state.historyStamp && state.historyKey === keyOf(r)) return;
    const ref = Number.isFinite(epoch(r.generated_at)) ? epoch(r.generated_at) : Date.now() / 1000;
    const since = Math.floor(ref - win);
    const path = '/api/autoscaling/deployments/' + encodeURIComponent(r.namespace) + '/' +
      encodeURIComponent(r.deployment) + '/history?since=' + since + '&limit=' + HISTORY_LIMIT;
    try {
      state.history = await getJSON(path);
      state.historyKey = keyOf(r);
      state.historyStamp = stamp;
      state.historyError = '';
    } catch (e) {
      if (e && e.status) {          /* the service answered: show why */
        state.history = null;
        state.historyKey = keyOf(r);
        state.historyError = e.message;
        state.historyStamp = stamp;
      } else {
        throw e;                      /* unreachable: keep the last data */
      }
    }
  }

  function schedule(delay) {
    clearTimeout(state.timer);
    state.timer = setTimeout(async () => {
      await refresh();
      schedule(REFRESH_MS);
    }, delay);
  }

  /* ---------- rendering: global state ---------- */

  function item(term, value, cls) {
    return h('div' + (cls ? '.' + cls : ''), null, h('dt', null, term), h('dd', null, value));
  }

  function renderGlobal() {
    const st = state.status;
    const kids = [];
    if (!st) {
      kids.push(item('State', state.loaded ? 'status unavailable' : 'loading…'));
    } else {
      const llm = st.llm || {};
      const mode = st.dry_run === false ? 'applying' : 'dry-run';
      kids.push(item('Mode', h('span.badge.mode-' + mode, {id: 'mode'}, st.dry_run === false ? 'APPLYING' : 'DRY-RUN')));
      kids.push(item('Actuation', h('span.badge.' + (st.emergency_stop ? 'stopped' : st.paused ? 'paused' : 'running'), {id: 'paused'},
        st.emergency_stop ? 'emergency stop' : st.paused ? 'paused' : (st.dry_run === false ? 'active' : 'advice only'))));
      kids.push(item('Source', label(st.source)));
      kids.push(item('Last cycle', Number.isFinite(epoch(st.last_cycle_at)) ? clock(epoch(st.last_cycle_at)) : '—'));
      kids.push(item('LLM', llm.enabled ? 'enabled' : 'disabled'));
      if (llm.enabled) {
        kids.push(item('Breaker', h('span.badge.breaker-' + tok(llm.breaker), null, label(llm.breaker))));
        kids.push(item('LLM calls / h', int(llm.calls_last_hour)));
        kids.push(item('Tokens / h', int(llm.tokens_last_hour)));
        kids.push(item('Last LLM error', llm.last_error ? String(llm.last_error) : 'none', 'wide'));
      }
      if (st.last_error) kids.push(item('Service error', String(st.last_error), 'wide error'));
    }
    patch(document.getElementById('global'), kids);
    document.body.setAttribute('data-mode', st ? (st.dry_run === false ? 'applying' : 'dry-run') : 'unknown');
  }

  /* ---------- rendering: overview ---------- */

  function renderFilter() {
    const sel = document.getElementById('ns-filter');
    const names = Array.from(new Set(state.recs.map((r) => r.namespace))).sort();
    const want = [''].concat(names);
    const have = Array.from(sel.options).map((o) => o.value);
    if (want.join('\u0000') !== have.join('\u0000')) {
      const keep = state.ns;
      while (sel.firstChild) sel.removeChild(sel.firstChild);
      for (const n of want) {
        sel.appendChild(h('option', {value: n}, n === '' ? 'All namespaces' : n));
      }
      if (keep && names.indexOf(keep) < 0) state.ns = '';
      sel.value = state.ns;
    }
  }

  function renderOverview(sel) {
    const rows = visibleRecs().map((r) => {
      const d = decision(r);
      const v = d.validation || {};
      const cur = sel && keyOf(sel) === keyOf(r);
      const cur_n = r.current_replicas;
      const dir = isNum(d.target_replicas) && isNum(cur_n)
        ? (d.target_replicas > cur_n ? 'up' : d.target_replicas < cur_n ? 'down' : 'same') : 'same';
      return h('tr' + (cur ? '.selected' : ''), {'data-key': keyOf(r)},
        h('th', {scope: 'row'},
          h('a', {href: hashOf(r), 'aria-current': cur ? 'true' : null},
            h('span.dep-name', null, r.deployment), h('span.dep-ns', null, r.namespace)),
          r.degraded ? h('span.badge.degraded', {title: String(r.degraded)}, 'degraded') : null),
        h('td.num', null, int(cur_n)),
        h('td.num.dir-' + dir, null,
          h('span.sr-only', null, label(d.action) + ' to '), int(d.target_replicas),
          h('span.arrow', {'aria-hidden': 'true'}, dir === 'up' ? ' ▲' : dir === 'down' ? ' ▼' : '')),
        h('td.num', null, isNum(r.hpa_desired_replicas) && r.hpa_desired_replicas >= 0 ? int(r.hpa_desired_replicas) : '—'),
        h('td.decision', null, h('span.badge.src-' + tok(d.source), null, label(d.source)), ' ',
          h('span.badge.verdict-' + tok(v.verdict), null, label(v.verdict))),
        h('td.num', null, pct(chosenConfidence(r))));
    });
    if (!rows.length) {
      rows.push(h('tr', {'data-key': 'empty'}, h('td', {colspan: '6'},
        state.loaded ? 'No watched deployment' + (state.ns ? ' in this namespace.' : ' yet.') : 'Loading…')));
    }
    patch(document.getElementById('overview-body'), rows);
    const all = state.recs.length;
    const shown = visibleRecs().length;
    document.getElementById('overview-note').textContent =
      state.loaded ? shown + ' of ' + all + ' deployment' + (all === 1 ? '' : 's') + ' shown.' : '';
  }

  /* A history decision: either a flat row or a whole stored recommendation
   * object; both become {generated_at, source, action, target_replicas,
   * verdict, reasons, applied, dry_run}. */
  function flatDecision(x) {
    if (!x || typeof x !== 'object') return null;
    if (x.decision && typeof x.decision === 'object') {
      const d = x.decision;
      const v = d.validation || {};
      return {generated_at: x.generated_at, source: d.source, action: d.action,
        target_replicas: d.target_replicas, verdict: v.verdict, reasons: v.reasons,
        applied: d.applied, dry_run: d.dry_run};
    }
    return x;
  }

  function historyDecisions(hist) {
    return (hist && Array.isArray(hist.decisions) ? hist.decisions : []).map(flatDecision)
      .filter((x) => x && Number.isFinite(epoch(x.generated_at)));
  }

  /* ---------- rendering: the chart (plain SVG) ---------- */

  /* Chart geometry; the width follows the space available so that text in
   * the SVG keeps its size on a phone. */
  const CH = {w: 760, h: 330, l: 48, r: 14, top: 14, mid: 214, rtop: 236, bottom: 296};

  function chartWidth() {
    const el = document.getElementById('detail-body');
    const w = el ? el.clientWidth : 0;
    return w > 0 ? Math.max(300, Math.min(1100, Math.round(w))) : 760;
  }

  function pathOf(points, step) {
    let d = '';
    let prev = null;
    for (const p of points) {
      if (!p) { prev = null; continue; }
      if (!prev) d += 'M' + p[0].toFixed(1) + ' ' + p[1].toFixed(1);
      else if (step) d += 'H' + p[0].toFixed(1) + 'V' + p[1].toFixed(1);
      else d += 'L' + p[0].toFixed(1) + ' ' + p[1].toFixed(1);
      prev = p;
    }
    return d;
  }

  function niceMax(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }

  function metricOf(r, samples) {
    const f = r.forecast || {};
    if (f.metric === 'request_rate' && samples.some((x) => isNum(x.request_rate))) return 'request_rate';
    return samples.some((x) => isNum(x.cpu_percent)) || !samples.length ? 'cpu_percent' : 'request_rate';
  }

  /* Forecast points in the chart's metric. The service forecasts demand in
   * replica units ("demand_replicas": replicas that would run at 100 %
   * CPU); as CPU % that is demand * 100 / replicas, shown at the current
   * replica count. */
  function forecastPoints(r, hist, metric) {
    const reps = r.current_replicas;
    const out = [];
    for (const x of (hist && Array.isArray(hist.forecast) ? hist.forecast : [])) {
      if (!x || !Number.isFinite(epoch(x.timestamp)) || !isNum(x.mean)) continue;
      if (!x.metric || x.metric === metric) {
        out.push({timestamp: epoch(x.timestamp), mean: x.mean, lower: x.lower, upper: x.upper});
      } else if (x.metric === 'demand_replicas' && metric === 'cpu_percent' && isNum(reps) && reps > 0) {
        const k = 100 / reps;
        out.push({timestamp: epoch(x.timestamp), mean: x.mean * k, converted: true,
          lower: isNum(x.lower) ? x.lower * k : NaN, upper: isNum(x.upper) ? x.upper * k : NaN});
      }
    }
    return out.sort((a, b) => a.timestamp - b.timestamp);
  }

  function chart(r, hist) {
    const samples = (hist && Array.isArray(hist.samples) ? hist.samples : [])
      .filter((x) => x && Number.isFinite(epoch(x.timestamp)));
    const metric = metricOf(r, samples);
    const fcAll = forecastPoints(r, hist, metric);
    const fcConverted = fcAll.length > 0 && fcAll[0].converted;
    const decs = historyDecisions(hist).filter((x) => isNum(x.target_replicas));
    const mname = metric === 'cpu_percent' ? 'CPU %' : 'requests/s';

    const genAt = epoch(r.generated_at);
    const lastSample = samples.length ? epoch(samples[samples.length - 1].timestamp) : NaN;
    const now = Number.isFinite(lastSample) ? Math.max(lastSample, Number.isFinite(genAt) ? genAt : lastSample) : genAt;
    /* forecasts made for times already past are drawn faintly, behind the
     * observations; the band is drawn ahead of now only */
    const fcPast = Number.isFinite(now) ? fcAll.filter((x) => epoch(x.timestamp) <= now) : [];
    const fc = Number.isFinite(now) ? fcAll.filter((x) => epoch(x.timestamp) > now) : fcAll;
    const ts = samples.map((x) => epoch(x.timestamp)).concat(fcAll.map((x) => epoch(x.timestamp)),
      decs.map((x) => epoch(x.generated_at)), Number.isFinite(now) ? [now] : []);
    if (!samples.length && !fcAll.length) {
      return h('figure.chart', {id: 'chart', 'data-key': 'chart-empty'},
        h('p.note', null, hist ? 'No samples recorded for this deployment in this window yet.' : 'Loading history…'));
    }
    let t0 = Math.min(...ts);
    let t1 = Math.max(...ts);
    if (!(t1 > t0)) { t0 -= 60; t1 += 60; }

    let vmax = 0;
    for (const x of samples) if (isNum(x[metric])) vmax = Math.max(vmax, x[metric]);
    for (const x of fcAll) vmax = Math.max(vmax, x.mean, isNum(x.upper) ? x.upper : 0);
    const tgt = hist && hist.deployment && typeof hist.deployment === 'object' ? hist.deployment.target_cpu_percent : NaN;
    if (metric === 'cpu_percent' && isNum(tgt)) vmax = Math.max(vmax, tgt);
    vmax = niceMax(vmax * 1.05);
    let rmax = Math.max(r.max_replicas || 0, r.current_replicas || 0, decision(r).target_replicas || 0);
    for (const x of samples) if (isNum(x.replicas)) rmax = Math.max(rmax, x.replicas);
    for (const x of decs) rmax = Math.max(rmax, x.target_replicas);
    rmax = Math.max(2, Math.ceil(rmax * 1.1));

    CH.w = chartWidth();
    const nt = CH.w < 520 ? 2 : 4;
    const X = (t) => CH.l + (t - t0) / (t1 - t0) * (CH.w - CH.l - CH.r);
    const Y = (v) => CH.mid - v / vmax * (CH.mid - CH.top);
    const YR = (v) => CH.bottom - v / rmax * (CH.bottom - CH.rtop);
    const g = [];

    /* grid and axes */
    for (let i = 0; i <= 4; i++) {
      const v = vmax * i / 4;
      g.push(s('line', {class: 'grid', x1: CH.l, x2: CH.w - CH.r, y1: Y(v).toFixed(1), y2: Y(v).toFixed(1)}));
      g.push(s('text', {class: 'tick', x: CH.l - 6, y: (Y(v) + 4).toFixed(1), 'text-anchor': 'end'},
        v >= 100 ? v.toFixed(0) : +v.toFixed(1)));
    }
    for (const v of [0, Math.round(rmax / 2), rmax]) {
      g.push(s('line', {class: 'grid', x1: CH.l, x2: CH.w - CH.r, y1: YR(v).toFixed(1), y2: YR(v).toFixed(1)}));
      g.push(s('text', {class: 'tick', x: CH.l - 6, y: (YR(v) + 4).toFixed(1), 'text-anchor': 'end'}, v));
    }
    for (let i = 0; i <= nt; i++) {
      const t = t0 + (t1 - t0) * i / nt;
      g.push(s('text', {class: 'tick', x: X(t).toFixed(1), y: CH.h - 14,
        'text-anchor': i === 0 ? 'start' : i === nt ? 'end' : 'middle'}, clock(t).slice(0, 5)));
    }
    g.push(s('text', {class: 'axis-title', x: CH.l, y: CH.top - 2}, mname));
    g.push(s('text', {class: 'axis-title', x: CH.l, y: CH.rtop - 6}, 'replicas'));

    /* the CPU target, when the service says what it is */
    const target = hist && hist.deployment && typeof hist.deployment === 'object'
      ? hist.deployment.target_cpu_percent : undefined;
    if (metric === 'cpu_percent' && isNum(target) && target > 0 && target <= vmax) {
      g.push(s('line', {class: 'target', x1: CH.l, x2: CH.w - CH.r, y1: Y(target).toFixed(1), y2: Y(target).toFixed(1)}));
      g.push(s('text', {class: 'target-label', x: CH.w - CH.r - 4, y: (Y(target) - 4).toFixed(1), 'text-anchor': 'end'},
        'target ' + num(target) + ' %'));
    }

    /* forecast band and mean, ahead of now, joined to the last observation */
    const last = samples.length ? samples[samples.length - 1] : null;
    if (fc.length && last && isNum(last[metric]) && epoch(last.timestamp) < epoch(fc[0].timestamp)) {
      const v = last[metric];
      fc.unshift({timestamp: epoch(last.timestamp), mean: v, lower: v, upper: v});
    }
    const band = fc.filter((x) => isNum(x.lower) && isNum(x.upper));
    if (band.length) {
      const up = band.map((x) => X(epoch(x.timestamp)).toFixed(1) + ',' + Y(x.upper).toFixed(1));
      const lo = band.slice().reverse().map((x) => X(epoch(x.timestamp)).toFixed(1) + ',' + Y(Math.max(0, x.lower)).toFixed(1));
      g.push(s('polygon', {class: 'band', points: up.concat(lo).join(' ')}));
    }
    if (fcPast.length) {
      g.push(s('path', {class: 'forecast-past', d: pathOf(fcPast.map((x) => [X(epoch(x.timestamp)), Y(x.mean)]))}));
    }
    if (fc.length) {
      g.push(s('path', {class: 'forecast', d: pathOf(fc.map((x) => [X(epoch(x.timestamp)), Y(x.mean)]))}));
    }
    /* observed metric */
    g.push(s('path', {class: 'observed', d: pathOf(samples.map((x) => isNum(x[metric]) ? [X(epoch(x.timestamp)), Y(x[metric])] : null))}));

    /* replicas: current (observed) and recommended (decisions) */
    g.push(s('path', {class: 'replicas', d: pathOf(samples.map((x) => isNum(x.replicas) && x.replicas >= 0 ? [X(epoch(x.timestamp)), YR(x.replicas)] : null), true)}));
    const recPts = decs.slice().sort((a, b) => epoch(a.generated_at) - epoch(b.generated_at))
      .map((x) => [X(epoch(x.generated_at)), YR(x.target_replicas)]);
    const dt = decision(r).target_replicas;
    if (isNum(dt) && Number.isFinite(now)) recPts.push([X(now), YR(dt)], [X(t1), YR(dt)]);
    if (recPts.length) g.push(s('path', {class: 'recommended', d: pathOf(recPts, true)}));
    if (isNum(dt) && Number.isFinite(now)) g.push(s('circle', {class: 'rec-dot', cx: X(now).toFixed(1), cy: YR(dt).toFixed(1), r: 4}));

    /* now marker */
    if (Number.isFinite(now)) {
      const xn = X(now).toFixed(1);
      g.push(s('line', {class: 'now', x1: xn, x2: xn, y1: CH.top, y2: CH.bottom}));
      const nearEnd = X(now) > CH.w - CH.r - 20;
      g.push(s('text', {class: 'now-label', x: nearEnd ? (X(now) - 4).toFixed(1) : xn, y: CH.top + 10,
        'text-anchor': nearEnd ? 'end' : 'middle'}, 'now'));
    }

    const f = r.forecast || {};
    const desc = 'Observed ' + mname + ' from ' + clock(t0) + ' to ' + clock(now) +
      (last && isNum(last[metric]) ? ', last ' + num(last[metric], 1) : '') +
      (fc.length ? '; forecast to ' + clock(epoch(fc[fc.length - 1].timestamp)) +
        (isNum(f.peak) ? ', peak ' + num(f.peak, 1) : '') : '; no forecast') +
      '. Replicas now ' + int(r.current_replicas) + ', recommended ' + int(dt) + '.';
    const svg = s('svg', {viewBox: '0 0 ' + CH.w + ' ' + CH.h, role: 'img', 'aria-labelledby': 'chart-title chart-desc', class: 'chart-svg'},
      s('title', {id: 'chart-title'}, mname + ' and replicas of ' + r.deployment),
      s('desc', {id: 'chart-desc'}, desc), g);
    const legend = h('ul.legend', null,
      h('li.lg-observed', null, 'observed ' + mname),
      fc.length ? h('li.lg-forecast', null, 'forecast' + (f.method ? ' (' + label(f.method) + ')' : '') +
        (fcConverted ? ' at ' + int(r.current_replicas) + ' replicas' : '')) : null,
      fcPast.length ? h('li.lg-forecast-past', null, 'earlier forecasts') : null,
      band.length ? h('li.lg-band', null, 'forecast band') : null,
      h('li.lg-replicas', null, 'replicas (current)'),
      h('li.lg-recommended', null, 'replicas (recommended)'));
    return h('figure.chart', {id: 'chart', 'data-key': 'chart'}, svg,
      h('figcaption', null, legend, h('p.sr-only', null, desc)));
  }

  /* ---------- rendering: cards, validation, history ---------- */

  function field(term, value) { return h('div', null, h('dt', null, term), h('dd', null, value)); }

  function card(kind, title, rec, r) {
    const d = decision(r);
    const chosen = d.source === kind;
    const head = h('header.card-head', null, h('h3', null, title),
      chosen ? h('span.badge.chosen', null, 'chosen') : null);
    if (!rec) {
      let why = 'No recommendation from this source.';
      if (kind === 'llm') {
        const ls = r.llm_status || {};
        why = 'No LLM recommendation' + (ls.error ? ': ' + String(ls.error) : '.');
      }
      return h('article.card.card-' + kind + '.absent', {id: 'card-' + kind, 'data-key': 'card-' + kind}, head,
        h('p.why', null, why));
    }
    const body = [head,
      h('p.card-action', null, h('span.badge.act-' + tok(rec.action), null, label(rec.action)),
        ' to ', h('strong', null, int(rec.target_replicas)), ' replicas'),
    ];
    if (isNum(rec.confidence)) {
      body.push(h('div.conf', null, h('span', null, 'Confidence ' + pct(rec.confidence)),
        h('meter', {min: '0', max: '1', value: String(rec.confidence), 'aria-label': 'confidence'})));
    }
    if (rec.reasoning) body.push(h('p.reasoning', null, String(rec.reasoning)));
    const factors = Array.isArray(rec.factors_considered) ? rec.factors_considered : [];
    if (factors.length) {
      body.push(h('h4', null, 'Factors considered'),
        h('ul.factors', null, factors.map((x) => h('li', null, String(x)))));
    }
    const facts = [];
    if (rec.risk_assessment) facts.push(field('Risk', label(rec.risk_assessment)));
    if (rec.cost_impact) facts.push(field('Cost', label(rec.cost_impact)));
    if (rec.performance_impact) facts.push(field('Performance', label(rec.performance_impact)));
    if (rec.recommended_timing) facts.push(field('Timing', label(rec.recommended_timing)));
    if (rec.model) facts.push(field('Model', String(rec.model)));
    if (facts.length) body.push(h('dl.facts', null, facts));
    return h('article.card.card-' + kind + (chosen ? '.is-chosen' : ''), {id: 'card-' + kind, 'data-key': 'card-' + kind}, body);
  }

  function validation(r) {
    const d = decision(r);
    const v = d.validation || {};
    const reasons = Array.isArray(v.reasons) ? v.reasons : [];
    return h('section.validation', {'aria-labelledby': 'validation-h', 'data-key': 'validation'},
      h('h3', {id: 'validation-h'}, 'Validation'),
      h('p', null, 'Verdict: ', h('span.badge.verdict-' + tok(v.verdict), null, label(v.verdict)),
        ' · final target ', h('strong', null, int(d.target_replicas)),
        ' (bounds ', int(r.min_replicas), '–', int(r.max_replicas), ')'),
      reasons.length ? h('ul.reasons', null, reasons.map((x) => h('li', null, String(x))))
        : h('p.note', null, 'No constraint changed the recommendation.'),
      pace(r.pace));
  }

  /* The pace every source is held to: the preset's, or the HPA's behavior. */
  function pace(p) {
    if (!p || typeof p !== 'object') return null;
    const from = p.from === 'hpa_behavior' ? "the HPA's behavior" : label(p.from) + ' preset';
    return h('p.pace', {id: 'pace', 'data-key': 'pace'}, h('strong', null, 'Pace'), ' (', from, '): ',
      String(p.scale_up || ''), '; ', String(p.scale_down || ''), '.');
  }

  function forecastFacts(r) {
    const f = r.forecast;
    if (!f || typeof f !== 'object' || f.present === false) {
      return h('p.note', {'data-key': 'fc-none'}, 'No forecast yet (not enough history).');
    }
    /* the predictor's figures are for the whole deployment: CPU demand in %
     * of one pod's request, requests/s, or replica units */
    const unit = f.metric === 'request_rate' ? ' req/s' : f.metric === 'cpu_percent' ? ' %' : '';
    const what = f.metric === 'cpu_percent' ? 'CPU demand, whole deployment (% of one pod)'
      : f.metric === 'request_rate' ? 'request rate, whole deployment' : 'demand (replica units)';
    const hs = isNum(f.horizon_s) ? f.horizon_s : 0;
    return h('dl.facts.forecast-facts', {'data-key': 'fc'},
      field('Forecast', what + '; ' + label(f.method) + ', next ' +
        (hs >= 120 ? Math.round(hs / 60) + ' min' : Math.round(hs) + ' s')),
      field('Now', num(f.now, 1) + unit),
      field('Mean', num(f.mean, 1) + unit),
      field('Peak (upper)', num(f.peak, 1) + ' (' + num(f.peak_upper, 1) + ')' + unit),
      field('Trend', num(f.trend_per_hour, 1) + unit + '/h'),
      field('Accuracy', pct(f.accuracy)));
  }

  function historyTable(hist) {
    const decs = historyDecisions(hist)
      .sort((a, b) => epoch(b.generated_at) - epoch(a.generated_at)).slice(0, HISTORY_ROWS);
    const head = h('h3', {id: 'history-h'}, 'Decision history');
    if (!decs.length) {
      return h('section.history', {'aria-labelledby': 'history-h', 'data-key': 'history-empty'}, head,
        h('p.note', null, state.historyError ? 'History unavailable: ' + state.historyError : 'No decision recorded in this window.'));
    }
    const rows = decs.map((x) => h('tr', null,
      h('td', null, clock(epoch(x.generated_at), true)),
      h('td', null, label(x.source)),
      h('td', null, label(x.action)),
      h('td.num', null, int(x.target_replicas)),
      h('td', null, label(x.verdict)),
      h('td.reasons-cell', null, (Array.isArray(x.reasons) ? x.reasons : []).map(String).join('; ') || '—'),
      h('td', null, x.applied ? 'applied' : x.dry_run ? 'dry-run' : 'not applied')));
    return h('section.history', {'aria-labelledby': 'history-h', 'data-key': 'history'}, head,
      h('div.table-wrap', null, h('table.history-table', null,
        h('caption.sr-only', null, 'Latest decisions first'),
        h('thead', null, h('tr', null, ['Time', 'Source', 'Action', 'Target', 'Verdict', 'Reasons', 'Outcome']
          .map((t, i) => h('th' + (i === 3 ? '.num' : ''), {scope: 'col'}, t)))),
        h('tbody', null, rows))));
  }

  function renderDetail(r) {
    const title = document.getElementById('detail-h');
    const body = document.getElementById('detail-body');
    if (!r) {
      title.textContent = state.loaded ? 'No deployment selected' : 'Loading…';
      patch(body, [h('p.note', null, state.loaded ? 'No watched deployment to show.' : '')]);
      return;
    }
    const want = r.deployment + ' · ' + r.namespace;
    if (title.textContent !== want) title.textContent = want;
    const d = decision(r);
    const hist = state.historyKey === keyOf(r) ? state.history : null;
    const st = state.status || {};
    const outcome = d.applied ? 'applied' : (d.dry_run || st.dry_run !== false) ? 'not applied: dry-run' : 'not applied';
    const asked = selectedKey();
    patch(body, [
      asked && asked !== keyOf(r) && state.loaded
        ? h('p.warn', {'data-key': 'missing'}, 'No watched deployment ' + asked + '; showing ' + keyOf(r) + '.') : null,
      h('p.summary', {'data-key': 'summary'},
        'Would ', h('strong', null, label(d.action)), ': ', int(r.current_replicas), ' → ',
        h('strong', null, int(d.target_replicas)), ' replicas, from the ',
        h('span.badge.src-' + tok(d.source), null, label(d.source)), ' recommendation (',
        outcome, '). Generated ', clock(epoch(r.generated_at), true), '.'),
      r.degraded ? h('p.warn', {'data-key': 'degraded'}, 'Metrics degraded: ' + String(r.degraded)) : null,
      chart(r, hist),
      forecastFacts(r),
      h('div.cards', {'data-key': 'cards'},
        card('llm', 'LLM', recs(r).llm, r),
        card('predictive', 'Predictive', recs(r).predictive, r),
        card('rule', 'Rule', recs(r).rule, r)),
      validation(r),
      historyTable(hist),
    ]);
  }

  function renderAccess() {
    const has = token() !== '';
    document.getElementById('readonly').hidden = has;
    document.getElementById('actions').hidden = !has;
    const ev = document.getElementById('evaluate-btn');
    ev.disabled = !has || !selected();
    ev.title = has ? 'Evaluate the selected deployment now' : 'Needs the API token';
    const st = state.status || {};
    document.getElementById('pause-btn').disabled = !has || st.paused === true;
    document.getElementById('resume-btn').disabled = !has || st.paused === false;
  }

  function renderBanner() {
    const b = document.getElementById('banner');
    if (state.unreachableSince) {
      b.textContent = (state.errorKind === 'error' ? 'Service error since ' : 'Service unreachable since ') +
        clock(state.unreachableSince) +
        (state.lastError ? ' (' + state.lastError + ')' : '') +
        (state.loaded ? '. Showing the last data received; retrying every ' + REFRESH_MS / 1000 + ' s.' :
          '. Retrying every ' + REFRESH_MS / 1000 + ' s.');
      b.hidden = false;
    } else {
      b.hidden = true;
      b.textContent = '';
    }
    document.getElementById('updated').textContent = state.lastUpdate
      ? 'Updated ' + clock(state.lastUpdate) + '; refreshes every ' + REFRESH_MS / 1000 + ' s.'
      : 'Not updated yet.';
  }

  function render() {
    const r = selected();
    renderGlobal();
    renderFilter();
    renderOverview(r);
    renderDetail(r);
    renderAccess();
    renderBanner();
  }

  /* ---------- actions ---------- */

  async function act(path, what, after) {
    if (!token()) { say('Enter the API token first.', 'error'); document.getElementById('token-input').focus(); return; }
    say(what + '…');
    try {
      const body = await post(path);
      say(after(body), 'ok');
    } catch (e) {
      if (e && e.status === 401) {
        setToken('');
        say('The service refused the token; enter it again.', 'error');
      } else {
        say(what + ' failed: ' + (e && e.message ? e.message : String(e)), 'error');
      }
    }
    await refresh();
    schedule(REFRESH_MS);
  }

  function wire() {
    document.getElementById('token-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const inp = document.getElementById('token-input');
      const t = inp.value.trim();
      inp.value = '';
      if (!t) return;
      setToken(t);
      say('Token kept for this browser session.', 'ok');
      render();
      document.getElementById('pause-btn').focus();
    });
    document.getElementById('forget-btn').addEventListener('click', () => {
      setToken('');
      say('Token forgotten; the page is read-only.');
      render();
      document.getElementById('token-input').focus();
    });
    document.getElementById('pause-btn').addEventListener('click', () =>
      act('/api/autoscaling/pause', 'Pausing actuation', () => 'Actuation paused.'));
    document.getElementById('resume-btn').addEventListener('click', () =>
      act('/api/autoscaling/resume', 'Resuming actuation', () => 'Actuation resumed.'));
    document.getElementById('evaluate-btn').addEventListener('click', () => {
      const r = selected();
      if (!r) return;
      act('/api/autoscaling/deployments/' + encodeURIComponent(r.namespace) + '/' +
        encodeURIComponent(r.deployment) + '/evaluate', 'Evaluating ' + r.deployment,
      (b) => 'Evaluated ' + r.deployment + ': ' + label(decision(b).action) + ' to ' +
        int(decision(b).target_replicas) + ' replicas.');
    });
    document.getElementById('ns-filter').addEventListener('change', (ev) => {
      state.ns = ev.target.value;
      const r = selected();
      if (r && selectedKey() !== keyOf(r)) history.replaceState(null, '', hashOf(r));
      render();
      refreshNow();
    });
    document.getElementById('window-select').addEventListener('change', refreshNow);
    window.addEventListener('hashchange', () => {
      render();
      refreshNow();
    });
  }

  function refreshNow() { schedule(0); }

  function start() {
    wire();
    let resizeTimer = 0;
    window.addEventListener('resize', () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(render, 150);
    });
    render();
    refreshNow();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
