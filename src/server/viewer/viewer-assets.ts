// The viewer's only static files, kept as strings so the build needs no bundler and no
// copy step: a stylesheet and a small module script that loads more of a timeline when
// the reader scrolls to its end or presses "Load more".

export const VIEWER_SCRIPT = `// mcprec viewer: load the next page of a session's timeline.
const exchanges = document.getElementById('exchanges');
let loading = false;

async function loadMore() {
  const link = document.querySelector('[data-more]');
  if (!link || loading) return;
  loading = true;
  link.textContent = 'Loading…';
  try {
    const response = await fetch(link.dataset.more, { headers: { accept: 'text/html' }, credentials: 'same-origin' });
    if (response.status === 401) { location.reload(); return; }
    if (!response.ok) throw new Error('HTTP ' + response.status);
    const template = document.createElement('template');
    template.innerHTML = await response.text();
    const more = template.content.getElementById('more');
    if (more) more.remove();
    exchanges.append(template.content);
    document.getElementById('more').replaceWith(more ?? document.createTextNode(''));
  } catch (error) {
    link.textContent = 'Load more (failed: ' + error.message + ', try again)';
  } finally {
    loading = false;
    watch();
  }
}

let observer;
function watch() {
  const link = document.querySelector('[data-more]');
  if (!link || !('IntersectionObserver' in window)) return;
  observer?.disconnect();
  observer = new IntersectionObserver((entries) => { if (entries.some((entry) => entry.isIntersecting)) loadMore(); }, { rootMargin: '600px' });
  observer.observe(link);
}

// A permalink (#seq-N) opens its row, and the folded run around it.
function openFromHash() {
  const target = location.hash.startsWith('#seq-') ? document.getElementById(location.hash.slice(1)) : null;
  if (!target) return;
  for (let node = target; node; node = node.parentElement) if (node.tagName === 'DETAILS') node.open = true;
  target.scrollIntoView({ block: 'center' });
}

if (exchanges) {
  window.addEventListener('hashchange', openFromHash);
  openFromHash();
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('[data-more]');
    if (!link) return;
    event.preventDefault();
    loadMore();
  });
  watch();
}

// Approvals keep themselves current: the clocks tick every second, and the page asks for
// news every few seconds. In the list, rows are matched by approval id (a reason being
// typed survives); an approval's own page is swapped when its status changes.
function inWords(ms) {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const units = [[Math.floor(seconds / 86400), 'day'], [Math.floor((seconds % 86400) / 3600), 'hour'], [Math.floor((seconds % 3600) / 60), 'minute'], [seconds % 60, 'second']];
  const first = units.findIndex(([count]) => count > 0);
  if (first === -1) return '0 seconds';
  return units.slice(first, first + 2).filter(([count]) => count > 0).map(([count, unit]) => count + ' ' + unit + (count === 1 ? '' : 's')).join(' ');
}

function tick() {
  const now = Date.now() + clockSkew;
  for (const node of document.querySelectorAll('[data-since]')) node.textContent = inWords(now - Number(node.dataset.since));
  for (const node of document.querySelectorAll('[data-until]')) {
    const left = Number(node.dataset.until) - now;
    node.textContent = left <= 0 ? 'expired' : 'in ' + inWords(left);
  }
}

// The server's clock, as its Date header says, so the clocks agree with it.
let clockSkew = 0;

async function refreshLive(region) {
  let response;
  try {
    response = await fetch(region.dataset.live, { headers: { accept: 'text/x-fragment' }, credentials: 'same-origin' });
  } catch {
    return;
  }
  if (response.status === 401) { location.reload(); return; }
  if (!response.ok) return;
  const served = Date.parse(response.headers.get('date') ?? '');
  if (Number.isFinite(served)) clockSkew = served - Date.now();
  const template = document.createElement('template');
  template.innerHTML = await response.text();
  const fresh = template.content;
  if (region.dataset.liveStatus !== undefined) {
    const status = fresh.querySelector('[data-testid=approval]')?.dataset.status;
    if (status && status !== region.dataset.liveStatus) {
      region.dataset.liveStatus = status;
      region.replaceChildren(fresh);
    }
    return;
  }
  const rows = region.querySelector('[data-live-rows]');
  const freshRows = fresh.querySelector('[data-live-rows]');
  if (rows && freshRows) {
    // Rows already shown stay where they are (never moved, so a focused reason keeps its focus); new ones go in order.
    const wanted = [...freshRows.children];
    const ids = new Set(wanted.map((row) => row.dataset.approvalId));
    const shown = new Map();
    for (const row of [...rows.children]) {
      if (ids.has(row.dataset.approvalId)) shown.set(row.dataset.approvalId, row);
      else row.remove();
    }
    let previous = null;
    for (const row of wanted) {
      const node = shown.get(row.dataset.approvalId);
      if (!node) { if (previous) previous.after(row); else rows.prepend(row); }
      previous = node ?? row;
    }
    const count = rows.children.length;
    region.querySelector('[data-testid=pending-count]').textContent = '(' + count + ')';
    region.querySelector('[data-testid=no-pending]').hidden = count > 0;
    region.querySelector('[data-testid=pending-approvals]').hidden = count === 0;
  }
  for (const part of region.querySelectorAll('[data-live-replace]')) {
    const replacement = fresh.querySelector('[data-live-replace="' + part.dataset.liveReplace + '"]');
    if (replacement) part.replaceWith(replacement);
  }
}

const liveRegions = document.querySelectorAll('[data-live]');
if (liveRegions.length > 0) {
  setInterval(tick, 1000);
  for (const region of liveRegions) {
    const every = Number(region.dataset.refreshMs) || 2000;
    let busy = false;
    setInterval(async () => {
      if (busy || document.hidden) return;
      busy = true;
      try { await refreshLive(region); tick(); } finally { busy = false; }
    }, every);
  }
}
`;

export const VIEWER_STYLES = `:root { --fg: #1d232b; --muted: #66707c; --line: #dde2e8; --bg: #f6f7f9; --card: #fff; --accent: #2457c5;
  --ok: #1c7c3a; --error: #b42318; --blocked: #a15c00; --held: #7a3fb0; --approved: #0f7b8a; --masked: #2457c5; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
header.top { display: flex; align-items: center; gap: 24px; padding: 10px 24px; background: #111827; color: #e5e7eb; }
header.top a { color: #e5e7eb; } header.top .brand { font-weight: 700; font-size: 16px; }
header.top nav { display: flex; gap: 16px; flex: 1; } header.top nav a.current { color: #fff; border-bottom: 2px solid #93b4ff; }
header.top .who { display: flex; gap: 10px; align-items: center; color: #cbd5e1; } .roles { color: #94a3b8; }
header.top form { margin: 0; } header.top button.link { background: none; border: 0; color: #93b4ff; cursor: pointer; padding: 0; font: inherit; }
main { padding: 18px 24px 48px; max-width: 1400px; margin: 0 auto; }
h1 { font-size: 20px; margin: 4px 0 8px; } h2 { font-size: 16px; margin: 22px 0 8px; } .light { color: var(--muted); font-weight: 400; }
.scope, .crumbs { color: var(--muted); margin: 0 0 12px; }
.mono, code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
form.filters { display: flex; flex-wrap: wrap; gap: 10px; align-items: end; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; margin-bottom: 12px; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 2px; }
input, select { font: inherit; padding: 4px 6px; border: 1px solid #c4cbd4; border-radius: 5px; min-width: 130px; background: #fff; }
button, a.button { font: inherit; padding: 5px 12px; border-radius: 5px; border: 1px solid #b9c2cc; background: #fff; cursor: pointer; color: var(--fg); display: inline-block; }
button[type=submit] { background: var(--accent); border-color: var(--accent); color: #fff; }
button.approve { background: var(--ok); border-color: var(--ok); color: #fff; } button.deny { background: var(--error); border-color: var(--error); color: #fff; }
table { border-collapse: collapse; width: 100%; background: var(--card); border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef1f5; font-weight: 600; font-size: 12px; color: #475160; } tr:last-child td { border-bottom: 0; }
td.number { text-align: right; font-variant-numeric: tabular-nums; } td.tools { color: var(--muted); }
.badge, .marker, .integrity { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 11.5px; font-weight: 600; line-height: 18px; white-space: nowrap; }
.badge.open { background: #eef1f5; color: var(--muted); }
.marker-blocked { background: #fff1d6; color: var(--blocked); } .marker-held { background: #f1e6fb; color: var(--held); }
.marker-approved { background: #dcf3f5; color: var(--approved); } .marker-masked { background: #e3ebfc; color: var(--masked); }
.marker-errors, .marker-tool-errors, .marker-denied { background: #fde4e1; color: var(--error); }
fieldset.outcomes { border: 0; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: 2px 10px; font-size: 12px; color: var(--muted); }
fieldset.outcomes legend { padding: 0; margin-bottom: 2px; } form.filters fieldset.outcomes label { flex-direction: row; align-items: center; gap: 4px; color: var(--fg); }
fieldset.outcomes input { min-width: 0; margin: 0; }
.integrity-verified.integrity { background: #dcf5e3; color: var(--ok); } .integrity-incomplete.integrity { background: #fff1d6; color: var(--blocked); }
.integrity-invalid.integrity { background: #b42318; color: #fff; } .integrity-unsigned.integrity { background: #eef1f5; color: var(--muted); }
.header { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
.integrity-box { display: flex; gap: 10px; align-items: center; padding: 8px 10px; border-radius: 6px; margin: 4px 0 10px; background: #f3f5f8; }
.integrity-box .integrity { font-size: 13px; padding: 2px 10px; text-transform: uppercase; letter-spacing: .04em; }
.integrity-box.integrity-invalid { background: #fde4e1; } .integrity-box.integrity-verified { background: #ecf8f0; }
dl.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 4px 24px; margin: 0; }
dl.facts div { display: flex; gap: 8px; } dt { color: var(--muted); min-width: 72px; } dd { margin: 0; overflow-wrap: anywhere; }
.timeline { margin-top: 16px; }
.exchange-head, details.exchange > summary { display: grid; grid-template-columns: 64px 84px 22px minmax(140px, 1.2fr) minmax(120px, 1.5fr) 64px 80px minmax(120px, 1.3fr); gap: 8px; align-items: center; }
.exchange-head { padding: 4px 10px; font-size: 12px; color: var(--muted); font-weight: 600; }
#exchanges { background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
details.exchange { border-bottom: 1px solid var(--line); } details.exchange:last-child { border-bottom: 0; }
details.exchange > summary { list-style: none; cursor: pointer; padding: 4px 10px; font-variant-numeric: tabular-nums; }
details.exchange > summary::-webkit-details-marker { display: none; }
details.exchange > summary:hover { background: #f3f6fb; } details.exchange[open] > summary { background: #eef3fd; }
summary .seq, summary .at, summary .duration { color: var(--muted); font-size: 12px; } summary .method { font-weight: 600; }
summary .subject { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; } summary .rule { color: var(--muted); font-size: 11.5px; margin-left: 4px; }
.status-ok summary .status { color: var(--ok); } .status-error summary .status, .status-tool-error summary .status { color: var(--error); font-weight: 600; }
.status-refused summary .status { color: var(--blocked); font-weight: 600; } .status-pending summary .status { color: var(--muted); }
.kind-stderr summary .method { color: #8a5a00; } .kind-lifecycle summary .method { color: var(--muted); }
.parts { padding: 4px 12px 10px 40px; background: #fafbfc; }
.part h4 { margin: 8px 0 4px; font-size: 12px; text-transform: uppercase; letter-spacing: .03em; } .part .meta { color: var(--muted); font-weight: 400; text-transform: none; letter-spacing: 0; }
pre.json { margin: 0; padding: 8px 10px; background: #fff; border: 1px solid var(--line); border-radius: 6px; overflow: auto; max-height: 480px; white-space: pre-wrap; overflow-wrap: anywhere; }
summary .gist { grid-column: 2 / -1; color: var(--fg); font-size: 12.5px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
summary .gist .args { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: #3b4552; } summary .gist .to { color: var(--muted); }
summary .gist .refusal { color: var(--blocked); } summary .gist .approval-line { color: var(--held); margin-left: 6px; }
.error-text { color: var(--error); } a.seq { color: var(--muted); }
img.thumb { max-height: 28px; max-width: 64px; vertical-align: middle; border: 1px solid var(--line); border-radius: 3px; margin-left: 4px; }
img.image { max-width: 320px; max-height: 240px; border: 1px solid var(--line); border-radius: 4px; background: #fff; vertical-align: middle; }
mark.redacted { background: #ffe08a; color: #5c3d00; border-radius: 3px; padding: 0 2px; font-weight: 600; }
pre.text { margin: 0 0 6px; padding: 8px 10px; background: #fff; border: 1px solid var(--line); border-radius: 6px; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 480px; overflow: auto; }
table.structured { width: auto; min-width: 240px; margin: 4px 0; } table.structured caption { text-align: left; color: var(--muted); font-size: 12px; }
table.structured th { background: #f6f7f9; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
details.raw { margin-top: 8px; } details.raw > summary { cursor: pointer; color: var(--accent); font-size: 12.5px; }
details.chatter-run { border-bottom: 1px solid var(--line); } details.chatter-run > summary { cursor: pointer; padding: 4px 10px 4px 84px; color: var(--muted); font-size: 12.5px; }
details.chatter-run > summary .fold { color: var(--fg); font-weight: 600; } details.chatter-run[open] > summary { background: #f3f6fb; }
dl.approval-facts { grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); }
.evidence { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; margin-top: 10px; padding-top: 10px; border-top: 1px solid var(--line); }
.policy-text pre { max-height: 24em; overflow: auto; white-space: pre-wrap; border: 1px solid var(--line); padding: 8px; margin: 6px 0 0; }
.notice-box { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin-top: 12px; color: var(--fg); }
#more, .end { text-align: center; margin: 12px 0; color: var(--muted); }
.error { color: var(--error); background: #fde4e1; padding: 8px 12px; border-radius: 6px; }
.notice { background: #ecf8f0; padding: 8px 12px; border-radius: 6px; } .empty { color: var(--muted); }
td.actions form { display: flex; gap: 6px; margin: 0; align-items: center; } code.summary { white-space: pre-wrap; overflow-wrap: anywhere; }
td.arguments { min-width: 260px; max-width: 640px; } p.argument-names { margin: 0 0 4px; } .argument-name { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-weight: 600; } pre.arguments { max-height: 360px; resize: vertical; } .hint { color: var(--muted); font-size: 12px; }
form.decision { display: flex; flex-direction: column; gap: 4px; margin-top: 8px; } form.decision textarea { font: inherit; min-width: 220px; padding: 4px 6px; border: 1px solid #c4cbd4; border-radius: 5px; }
table.facts { margin: 0 0 12px; } table.facts th { text-align: left; padding: 2px 16px 2px 0; color: var(--muted); font-weight: 500; }
.message { max-width: 640px; margin: 40px auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 20px 24px; }
`;
