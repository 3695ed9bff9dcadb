import type { FleetSnapshotEntry, InstanceState } from '../../src/index.js';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** `crashed (exit 3)`, `crashed (SIGKILL)`, `running`. */
export function describeState(state: InstanceState): string {
  if (state.state !== 'crashed') return state.state;
  const why = state.signal ?? (state.exitCode === undefined ? undefined : `exit ${state.exitCode}`);
  return why === undefined ? 'crashed' : `crashed (${why})`;
}

function row(entry: FleetSnapshotEntry): string {
  const id = escapeHtml(entry.instanceId);
  const path = `/instances/${encodeURIComponent(entry.instanceId)}`;
  return `<tr data-instance="${id}" data-state="${entry.state.state}" data-uptime="${entry.uptimeSeconds}">
  <th scope="row">${id}</th>
  <td><span class="pill" data-role="state">${escapeHtml(describeState(entry.state))}</span></td>
  <td data-role="uptime"></td>
  <td class="actions">
    <form method="post" action="${path}/start"><button data-action="start">Start</button></form>
    <form method="post" action="${path}/stop"><button data-action="stop">Stop</button></form>
  </td>
  <td data-role="error" class="error" aria-live="polite"></td>
</tr>`;
}

/** The whole page: works without JavaScript (forms), live with it (SSE + fetch). */
export function renderPage(title: string, snapshot: FleetSnapshotEntry[]): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
  <h1>${escapeHtml(title)}</h1>
  <p class="status" data-role="connection">connecting…</p>
  <table>
    <thead><tr><th>Instance</th><th>State</th><th>Uptime</th><th>Actions</th><th></th></tr></thead>
    <tbody>
${snapshot.map(row).join('\n')}
    </tbody>
  </table>
  <template id="row">${row({ instanceId: '__id__', state: { state: 'stopped' }, uptimeSeconds: 0 })}</template>
</main>
<script type="module">${SCRIPT}</script>
</body>
</html>`;
}

const STYLE = `
:root { color-scheme: light dark; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --idle: #6e7781; }
body { font: 15px/1.5 system-ui, sans-serif; margin: 0; background: Canvas; color: CanvasText; }
main { max-width: 56rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
.status { color: var(--idle); margin: 0 0 1rem; font-size: .85rem; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .55rem .6rem; border-bottom: 1px solid color-mix(in srgb, CanvasText 15%, transparent); }
thead th { font-size: .75rem; text-transform: uppercase; letter-spacing: .04em; color: var(--idle); }
tbody th { font-family: ui-monospace, monospace; font-weight: 600; }
.pill { display: inline-block; min-width: 6.5rem; padding: .1rem .6rem; border-radius: 999px; font-size: .85rem;
  color: #fff; background: var(--idle); text-align: center; }
tr[data-state="running"] .pill { background: var(--ok); }
tr[data-state="starting"] .pill, tr[data-state="stopping"] .pill { background: var(--warn); }
tr[data-state="crashed"] .pill { background: var(--bad); }
.actions form { display: inline; }
button { font: inherit; padding: .2rem .9rem; border-radius: 6px; border: 1px solid color-mix(in srgb, CanvasText 30%, transparent);
  background: ButtonFace; color: ButtonText; cursor: pointer; }
button:disabled { opacity: .4; cursor: default; }
.error { color: var(--bad); font-size: .85rem; }
`;

// The browser side: applies every SSE state event to its row and posts the buttons with fetch.
const SCRIPT = `
const tbody = document.querySelector('tbody');
const template = document.getElementById('row');
const connection = document.querySelector('[data-role=connection]');
const canStart = new Set(['stopped', 'crashed']);
const canStop = new Set(['starting', 'running']);

function describe(s) {
  if (s.state !== 'crashed') return s.state;
  const why = s.signal ?? (s.exit_code === undefined ? undefined : 'exit ' + s.exit_code);
  return why === undefined ? 'crashed' : 'crashed (' + why + ')';
}

function rowFor(id) {
  const found = [...tbody.rows].find((r) => r.dataset.instance === id);
  if (found) return found;
  const html = template.innerHTML.replaceAll('__id__', encodeURIComponent(id));
  tbody.insertAdjacentHTML('beforeend', html);
  const row = tbody.rows[tbody.rows.length - 1];
  row.dataset.instance = id;
  row.querySelector('th').textContent = id;
  return row;
}

function render(row) {
  const state = row.dataset.state;
  row.querySelector('[data-action=start]').disabled = !canStart.has(state);
  row.querySelector('[data-action=stop]').disabled = !canStop.has(state);
  const up = Number(row.dataset.uptime);
  const since = Number(row.dataset.since ?? Date.now() - up * 1000);
  const seconds = state === 'running' ? Math.floor((Date.now() - since) / 1000) : 0;
  row.dataset.since = String(since);
  row.querySelector('[data-role=uptime]').textContent = state === 'running' ? seconds + ' s' : '–';
}

for (const row of tbody.rows) render(row);
setInterval(() => { for (const row of tbody.rows) render(row); }, 1000);

const events = new EventSource('/events');
events.addEventListener('open', () => { connection.textContent = 'live'; });
events.addEventListener('error', () => { connection.textContent = 'reconnecting…'; });
events.addEventListener('state', (event) => {
  const data = JSON.parse(event.data);
  const row = rowFor(data.instance_id);
  if (row.dataset.state !== data.state) {
    row.dataset.uptime = '0';
    delete row.dataset.since;
  }
  row.dataset.state = data.state;
  row.querySelector('[data-role=state]').textContent = describe(data);
  render(row);
});

document.addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  const row = form.closest('tr');
  const error = row.querySelector('[data-role=error]');
  error.textContent = '';
  form.querySelector('button').disabled = true;
  try {
    const response = await fetch(form.action, { method: 'POST', headers: { accept: 'application/json' } });
    const body = await response.json();
    if (!body.ok) error.textContent = body.error.code + ': ' + body.error.message;
  } catch (e) {
    error.textContent = String(e);
  } finally {
    render(row);
  }
});
`;
