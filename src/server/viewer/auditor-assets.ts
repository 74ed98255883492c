// The auditor's tools on a session's timeline, as static files next to viewer-assets.ts: a
// filter over the rows, jumps to the next or previous flagged row (buttons, keys n/p, and the
// outcome badges, which are links), row-to-row keys (j/k), and playback at 1×–50× like
// `mcprec replay --speed` (recorded gaps divided by the speed, each wait capped at 2 s).
// Rows of later pages are fetched by clicking the page's own "Load more" control (viewer.js).

import { Html } from './html.js';

// Kept out of the pages' templates for the reason given in viewer-layout.ts.
export const AUDITOR_ASSETS = new Html('<link rel="stylesheet" href="/viewer/auditor.css"><script type="module" src="/viewer/auditor.js"></script>');

export const AUDITOR_SCRIPT = `// mcprec viewer: the auditor's tools on a session's timeline.
// On the list, it fills in the count of matching sessions.
const timeline = document.querySelector('[data-testid=timeline]');
const exchanges = document.getElementById('exchanges');
const MAX_GAP_MS = 2000;

const rows = () => [...exchanges.querySelectorAll('[data-testid=exchange]')];
const shown = (row) => !row.hidden && !row.classList.contains('playback-hidden');
const say = (id, text) => { const element = document.getElementById(id); if (element) element.textContent = text; };
const fold = (text) => text.normalize('NFKD').replace(/\\p{M}/gu, '').toLowerCase();

// Every page of the timeline, by pressing its "Load more" control until the end.
async function loadAll() {
  for (;;) {
    const link = document.querySelector('[data-more]');
    if (!link) return;
    link.click();
    const started = Date.now();
    while (link.isConnected && Date.now() - started < 20000) await new Promise((resolve) => setTimeout(resolve, 25));
    if (link.isConnected) throw new Error('the next page did not load');
  }
}

// Opens the folded run a row sits in, brings it into view and focuses it.
function reveal(row) {
  for (let node = row.parentElement; node; node = node.parentElement) if (node.tagName === 'DETAILS') node.open = true;
  for (const other of exchanges.querySelectorAll('.current-row')) other.classList.remove('current-row');
  row.classList.add('current-row');
  row.scrollIntoView({ block: 'center' });
  row.querySelector('summary').focus({ preventScroll: true });
  history.replaceState(null, '', location.pathname + location.search + '#' + row.id);
}

// --- filter rows --------------------------------------------------------------
const filterBox = document.getElementById('row-filter');
let filterTimer;
async function applyFilter() {
  const words = fold(filterBox.value).split(/[^\\p{L}\\p{N}]+/u).filter(Boolean);
  if (words.length > 0 && document.querySelector('[data-more]')) {
    say('row-filter-status', 'Loading the whole session…');
    try { await loadAll(); } catch (error) { say('row-filter-status', 'Could not load every row: ' + error.message); }
  }
  let matched = 0;
  const all = rows();
  for (const row of all) {
    const match = words.every((word) => (row.dataset.text ??= fold(row.textContent)).includes(word));
    row.hidden = !match;
    if (match) matched++;
  }
  // A folded run of protocol messages opens while the filter shows rows inside it, and folds again after.
  for (const run of exchanges.querySelectorAll('details.chatter-run')) {
    const inside = [...run.querySelectorAll('[data-testid=exchange]')];
    run.hidden = inside.every((row) => row.hidden);
    if (words.length > 0 && !run.hidden && !run.open) { run.open = true; run.dataset.openedByFilter = 'yes'; }
    if (words.length === 0 && run.dataset.openedByFilter) { run.open = false; delete run.dataset.openedByFilter; }
  }
  say('row-filter-status', words.length === 0 ? '' : matched + ' of ' + all.length + ' rows match');
}

// --- flagged rows -------------------------------------------------------------
let currentSeq = -1;
async function jump(direction, flag) {
  const wanted = (row) => shown(row) && (flag ? (row.dataset.flags ?? '').split(' ').includes(flag) : (row.dataset.flags ?? '') !== '');
  for (;;) {
    const candidates = rows().filter(wanted);
    const target = direction > 0 ? candidates.find((row) => Number(row.dataset.seq) > currentSeq) : candidates.reverse().find((row) => Number(row.dataset.seq) < currentSeq);
    if (target) {
      currentSeq = Number(target.dataset.seq);
      reveal(target);
      const all = rows().filter(wanted);
      say('flag-status', (flag ? flag + ' ' : 'flagged row ') + (all.indexOf(target) + 1) + ' of ' + all.length + (document.querySelector('[data-more]') ? '+' : '') + ': #' + target.dataset.seq + ' ' + (target.dataset.flags || ''));
      return;
    }
    if (direction > 0 && document.querySelector('[data-more]')) {
      say('flag-status', 'Loading more rows…');
      try { const link = document.querySelector('[data-more]'); link.click(); const started = Date.now(); while (link.isConnected && Date.now() - started < 20000) await new Promise((resolve) => setTimeout(resolve, 25)); } catch { return; }
      continue;
    }
    say('flag-status', direction > 0 ? 'No ' + (flag ?? 'flagged') + ' row after #' + currentSeq + '.' : 'No ' + (flag ?? 'flagged') + ' row before #' + currentSeq + '.');
    return;
  }
}

// --- playback -----------------------------------------------------------------
const playButton = document.getElementById('play');
const speedSelect = document.getElementById('speed');
let playback = null;

function schedule(list, startMicros, speed) {
  let previous = startMicros;
  let elapsed = 0;
  return list.map((row) => {
    const ts = Number(row.dataset.ts);
    elapsed += Math.min(Math.max(0, ts - previous) / 1000 / speed, MAX_GAP_MS);
    previous = Math.max(previous, ts);
    return elapsed;
  });
}

function showRow(row, visible) {
  row.classList.toggle('playback-hidden', !visible);
  const run = row.closest('details.chatter-run');
  if (run) run.classList.toggle('playback-hidden', [...run.querySelectorAll('[data-testid=exchange]')].every((inside) => inside.classList.contains('playback-hidden')));
}

function playbackText() {
  if (!playback) return '';
  const state = playback.timer === null ? (playback.shown === playback.list.length ? '■ played to the end' : '⏸ paused') : '▶ playing';
  return state + ' at ' + playback.speed + '× · ' + playback.shown + ' of ' + playback.list.length + ' rows';
}

function tick() {
  const elapsed = Date.now() - playback.startedAt;
  while (playback.shown < playback.list.length && playback.due[playback.shown] <= elapsed) {
    const row = playback.list[playback.shown++];
    showRow(row, true);
    row.scrollIntoView({ block: 'nearest' });
  }
  if (playback.shown === playback.list.length) {
    playback.timer = null;
    playButton.textContent = '▶ Play again';
    playButton.setAttribute('aria-pressed', 'false');
  } else {
    playback.timer = setTimeout(tick, Math.max(0, playback.due[playback.shown] - (Date.now() - playback.startedAt)));
  }
  say('playback-status', playbackText());
}

async function togglePlayback() {
  if (playback && playback.timer !== null) {
    clearTimeout(playback.timer);
    playback.timer = null;
    playback.pausedAt = Date.now() - playback.startedAt;
    playButton.textContent = '▶ Resume';
    playButton.setAttribute('aria-pressed', 'false');
    say('playback-status', playbackText());
    return;
  }
  if (!playback || playback.shown === playback.list.length) {
    say('playback-status', 'Loading the whole session…');
    try { await loadAll(); } catch (error) { say('playback-status', 'Could not load every row: ' + error.message); return; }
    const speed = Number(speedSelect.value);
    const list = rows().filter((row) => !row.hidden);
    const startMicros = Number(timeline.dataset.start);
    playback = { list, speed, due: schedule(list, startMicros, speed), shown: 0, pausedAt: 0, timer: null, startedAt: 0 };
    for (const row of list) showRow(row, false);
  }
  playback.startedAt = Date.now() - playback.pausedAt;
  playButton.textContent = '⏸ Pause';
  playButton.setAttribute('aria-pressed', 'true');
  playback.timer = setTimeout(tick, 0);
  say('playback-status', playbackText());
}

// Changing the speed mid-play keeps the place: what is shown stays, the rest follows the new pace.
function changeSpeed() {
  if (!playback || playback.shown === playback.list.length) return;
  const running = playback.timer !== null;
  if (running) clearTimeout(playback.timer);
  const speed = Number(speedSelect.value);
  const done = playback.shown === 0 ? 0 : playback.due[playback.shown - 1];
  const elapsed = running ? Date.now() - playback.startedAt : playback.pausedAt;
  const rest = schedule(playback.list, Number(timeline.dataset.start), speed);
  const offset = playback.shown === 0 ? 0 : rest[playback.shown - 1];
  playback.due = rest.map((due) => due - offset + done);
  playback.speed = speed;
  playback.pausedAt = elapsed;
  playback.startedAt = Date.now() - elapsed;
  if (running) playback.timer = setTimeout(tick, 0);
  say('playback-status', playbackText());
}

// --- keys ---------------------------------------------------------------------
function moveFocus(direction) {
  const list = rows().filter((row) => shown(row) && row.offsetParent !== null);
  const at = list.findIndex((row) => row.contains(document.activeElement));
  const next = list[at === -1 ? (direction > 0 ? 0 : list.length - 1) : at + direction];
  if (!next) return;
  currentSeq = Number(next.dataset.seq);
  next.querySelector('summary').focus();
  next.scrollIntoView({ block: 'nearest' });
  history.replaceState(null, '', location.pathname + location.search + '#' + next.id);
}

// The list's count, when the page left it to be fetched.
const counter = document.querySelector('[data-count]');
if (counter) {
  fetch(counter.dataset.count, { credentials: 'same-origin' })
    .then((response) => (response.ok ? response.text() : Promise.reject(new Error('HTTP ' + response.status))))
    .then((text) => { counter.textContent = text; })
    .catch((error) => { counter.textContent = 'Could not count the sessions that match (' + error.message + ').'; });
}

if (timeline && exchanges) {
  filterBox.addEventListener('input', () => { clearTimeout(filterTimer); filterTimer = setTimeout(applyFilter, 150); });
  document.getElementById('next-flag').addEventListener('click', () => jump(1));
  document.getElementById('previous-flag').addEventListener('click', () => jump(-1));
  playButton.addEventListener('click', togglePlayback);
  speedSelect.addEventListener('change', changeSpeed);
  document.addEventListener('click', (event) => {
    const badge = event.target.closest && event.target.closest('a[data-flag]');
    if (!badge || !timeline.contains(badge) && !badge.closest('[data-testid=session-header]')) return;
    event.preventDefault();
    jump(1, badge.dataset.flag);
  });
  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const typing = event.target.closest && event.target.closest('input, select, textarea');
    if (typing) {
      if (event.key === 'Escape' && event.target === filterBox) { filterBox.value = ''; applyFilter(); filterBox.blur(); }
      return;
    }
    const actions = { n: () => jump(1), p: () => jump(-1), j: () => moveFocus(1), k: () => moveFocus(-1), '/': () => filterBox.focus() };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
  const params = new URLSearchParams(location.search);
  if (params.get('q')) { filterBox.value = params.get('q'); applyFilter(); }
  if (params.get('flag')) jump(1, params.get('flag'));
}
`;

export const AUDITOR_STYLES = `:root { --muted: #5b6571; } /* 4.5:1 on the light greys of badges and headers (axe, WCAG AA) */
.timeline-tools { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: center; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; margin: 0 0 6px; }
.timeline-tools label { display: flex; gap: 6px; align-items: center; color: var(--fg); font-size: 13px; }
.timeline-tools input[type=search] { min-width: 260px; } .timeline-tools select { min-width: 0; }
.tool-status { color: #4a5561; font-size: 12.5px; min-width: 1ch; } .hint.keys { margin: 0 0 8px; } kbd { font: 11.5px ui-monospace, monospace; border: 1px solid #b9c2cc; border-radius: 3px; padding: 0 4px; background: #fff; }
details.exchange.current-row > summary { outline: 2px solid var(--accent); outline-offset: -2px; }
details.exchange > summary:focus-visible, a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
.playback-hidden { display: none !important; } .playback, .flag-jumps { display: inline-flex; gap: 6px; align-items: center; }
table.sessions td.number { white-space: nowrap; }
p.row-link { margin: 6px 0 0; font-size: 12.5px; } p.row-link a { text-decoration: underline; }
.crumbs a, p.empty a, .hint a, p.count a { text-decoration: underline; }
a.marker { text-decoration: none; } a.marker:hover { text-decoration: underline; }
p.count { margin: 0 0 8px; color: var(--fg); font-weight: 600; }
th[data-sort] a { color: #2f3944; display: block; } th[aria-sort=ascending], th[aria-sort=descending] { background: #e2e8f0; }
form.filters label.search { flex: 1 1 320px; } form.filters label.search input { width: 100%; }
form.filters label { color: #4a5561; } td.groups { color: #4a5561; font-size: 12.5px; }
`;
