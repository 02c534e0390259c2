// The fleet console: polls /api/fleet every 2 s and renders it with DOM calls only (textContent, never
// innerHTML), so names and errors coming from proxies or Kubernetes objects can never inject markup.
// No framework and no build step: the project runs its TypeScript sources without a bundler, and a
// page of five tables and two bar charts does not need one (nothing is loaded from a CDN either).
const POLL_MS = 2000;

const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'class') node.className = value;
    else if (key === 'style') node.style.cssText = value;
    else node.setAttribute(key, value);
  }
  for (const child of children)
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
};

const ago = (iso, now) => {
  if (!iso) return '–';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
};
const bytes = (n) =>
  n >= 1048576 ? `${(n / 1048576).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
const ms = (n) => (n === undefined ? '–' : `${n.toFixed(1)} ms`);
const short = (hash) => (hash ? hash.slice(0, 12) : '–');
const minutes = (period) => `last ${Math.round(period / 60000)} min`;

function fill(tbody, rows, empty) {
  tbody.replaceChildren(
    ...(rows.length ? rows : [el('tr', {}, el('td', { colspan: '9', class: 'muted' }, empty))]),
  );
}

function renderBuild(data) {
  const target = document.getElementById('build');
  if (!data.desired) {
    target.replaceChildren('no build yet');
    return;
  }
  const build = data.build;
  const entities = Object.entries(build?.entities ?? {})
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `${count} ${name}`)
    .join(', ');
  target.replaceChildren(
    el(
      'div',
      {},
      'hash ',
      el('code', { id: 'desired-hash' }, data.desired.hash),
      ` · revision ${data.desired.revision} · built ${ago(data.desired.at, Date.parse(data.at))}`,
    ),
    el(
      'div',
      { class: 'muted' },
      build
        ? `${entities || 'no entities'} · ${bytes(build.sizeBytes)} · ${build.droppedObjects} dropped`
        : 'build record expired',
    ),
  );
  const rollout = document.getElementById('rollout');
  rollout.hidden = !data.rollout;
  if (data.rollout) {
    const pct = Math.round((100 * data.rollout.atDesired) / Math.max(1, data.rollout.total));
    rollout.replaceChildren(
      `rollout of ${short(data.rollout.hash)}: ${data.rollout.atDesired}/${data.rollout.total} proxies`,
      el('div', { class: 'progress' }, el('div', { style: `width:${pct}%` })),
    );
  }
}

function renderProxies(data, now) {
  const rows = data.proxies.map((p) =>
    el(
      'tr',
      { 'data-proxy': p.id },
      el('td', {}, p.id),
      el('td', {}, el('code', {}, p.adminUrl)),
      el('td', { class: `state state-${p.state}` }, p.state),
      el('td', {}, el('code', { title: p.actualHash ?? '' }, short(p.actualHash))),
      el('td', {}, ago(p.lastSeenAt, now)),
      el(
        'td',
        {},
        p.scrape
          ? p.scrape.failures
            ? `failing ${p.scrape.failures}×`
            : ago(p.scrape.lastSuccessAt, now)
          : '–',
      ),
      el('td', { class: 'error' }, p.lastError ?? p.scrape?.lastError ?? ''),
    ),
  );
  fill(document.querySelector('#proxies tbody'), rows, 'no proxy known yet');
}

function renderTraffic(data) {
  document.getElementById('traffic-period').textContent = minutes(data.periodMs);
  const rows = (data.traffic ?? []).map((r) =>
    el(
      'tr',
      {},
      el('td', {}, r.route || '–'),
      el('td', {}, r.service || '–'),
      el('td', { class: 'num' }, r.requests),
      el('td', { class: 'num' }, `${(r.errorRate * 100).toFixed(1)}%`),
      el('td', { class: 'num' }, r.clientErrors),
      el('td', { class: 'num' }, ms(r.p95Ms)),
      el('td', { class: 'num' }, ms(r.p99Ms)),
      el('td', { class: 'num' }, bytes(r.ingressBytes)),
      el('td', { class: 'num' }, bytes(r.egressBytes)),
    ),
  );
  fill(
    document.querySelector('#traffic tbody'),
    rows,
    data.traffic ? 'no traffic in this period' : 'traffic is not scraped',
  );
}

function renderDrift(data) {
  document.getElementById('drift-period').textContent =
    `${data.drift.length} checks, ${minutes(data.periodMs)}`;
  const ticks = data.drift.map((report) => {
    const { inSync, drifted, unreachable, total } = report.summary;
    const part = (n, cls) => el('span', { class: cls, style: `height:${(100 * n) / Math.max(1, total)}%` });
    return el(
      'div',
      {
        class: 'tick',
        title: `${report.at}: ${inSync} in sync, ${drifted} drifted, ${unreachable} unreachable`,
      },
      part(inSync, 'in-sync'),
      part(drifted, 'drifted'),
      part(unreachable, 'unreachable'),
    );
  });
  document.getElementById('drift-timeline').replaceChildren(...ticks);
  const events = data.drift
    .flatMap((report) => report.proxies.map((entry) => ({ at: report.at, ...entry })))
    .reverse()
    .slice(0, 50)
    .map((e) =>
      el(
        'li',
        { class: `event event-${e.class}` },
        el('time', { datetime: e.at }, new Date(e.at).toLocaleTimeString()),
        ` ${e.proxy} ${e.class}${e.cause ? ` (${e.cause})` : ''} → ${e.action}${e.error ? `: ${e.error}` : ''}`,
      ),
    );
  document
    .getElementById('drift-events')
    .replaceChildren(
      ...(events.length ? events : [el('li', { class: 'muted' }, 'every check found every proxy in sync')]),
    );
}

function renderConvergence(data) {
  const buckets = data.convergence;
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const target = document.getElementById('convergence');
  if (!buckets.some((b) => b.count > 0)) {
    target.replaceChildren(el('p', { class: 'muted' }, 'no rollout finished in this replica yet'));
    return;
  }
  target.replaceChildren(
    el(
      'div',
      { class: 'bars' },
      ...buckets.map((b) =>
        el('div', {
          class: 'bar',
          title: `≤ ${b.le} s: ${b.count}`,
          style: `height:${(100 * b.count) / max}%`,
        }),
      ),
    ),
    el(
      'div',
      { class: 'bar-labels' },
      ...buckets.map((b) => el('span', {}, b.le === '+Inf' ? '∞' : `${b.le}s`)),
    ),
  );
}

function renderDropped(data) {
  const items = data.dropped.map((d) =>
    el(
      'li',
      {},
      el('strong', {}, d.object),
      ` — ${d.reason}`,
      el(
        'span',
        { class: 'muted' },
        d.by === 'proxy' ? ` (rejected by ${d.proxy})` : ' (left out by the controller)',
      ),
    ),
  );
  document
    .getElementById('dropped')
    .replaceChildren(...(items.length ? items : [el('li', { class: 'muted' }, 'nothing dropped')]));
}

async function refresh() {
  const status = document.getElementById('updated');
  try {
    const response = await fetch(`/api/fleet${location.search}`, {
      credentials: 'same-origin',
      cache: 'no-store',
    });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    const data = await response.json();
    const now = Date.parse(data.at);
    document.getElementById('link-queues').href = data.links.queues;
    renderBuild(data);
    renderProxies(data, now);
    renderTraffic(data);
    renderDrift(data);
    renderConvergence(data);
    renderDropped(data);
    status.textContent = `updated ${new Date(now).toLocaleTimeString()}`;
    document.body.dataset.loaded = 'true';
  } catch (err) {
    status.textContent = `update failed: ${err.message}`;
  } finally {
    setTimeout(refresh, POLL_MS);
  }
}

refresh();
