// The demo: a notes app kept offline in ShaleDB (the package's page entry).
//
// Keys (bytewise order does the work):
//   note:<id>                 → JSON { title, body, updated }   (id sorts by creation time)
//   title:<lowercase title>\0<id> → ''                        (index for search by prefix)
//   bulk:<000000..099999>     → 100 bytes                      (the "watch compaction" records)
// A note and its index entry change together in one atomic batch.
import { open } from '../dist/js/entries/browser.js';

const DB_NAME = 'shaledb-demo-notes';
const BULK = 100_000;
const BULK_BATCH = 1000;

const $ = (id) => document.getElementById(id);
let db;
let editing;  // { id, title } of the note in the editor, or undefined for a new one
let busy = false;

function newId() {
  // Milliseconds then a random tail: sorts by creation time, no collisions in practice.
  return `${Date.now().toString().padStart(15, '0')}-${Math.random().toString(36).slice(2, 8)}`;
}

const titleKey = (title, id) => `title:${title.toLowerCase()}\0${id}`;

function showError(err) {
  $('error').textContent = err ? `${err.code ?? err.name}: ${err.message}` : '';
  $('error').hidden = !err;
}

async function start(options = {}) {
  $('locked').hidden = true;
  try {
    db = await open(DB_NAME, options);
  } catch (err) {
    if (err.code === 'LOCKED') {
      $('db-status').textContent = 'Waiting: the notes are open in another tab.';
      $('locked').hidden = false;
      return;
    }
    $('db-status').textContent = `Could not open the database: ${err.code ?? err.name}: ${err.message}`;
    return;
  }
  $('db-status').textContent = `Open: “${DB_NAME}” in OPFS, engine in a worker.`;
  $('save').disabled = false;
  await renderList();
  refreshStats();
}

// ---- notes ----

async function renderList() {
  const query = $('search').value.trim().toLowerCase();
  const list = $('note-list');
  const items = [];
  if (query === '') {
    for await (const [, value] of db.scan({ prefix: 'note:', reverse: true, limit: 200, as: 'string', keys: false })) {
      items.push(JSON.parse(value));
    }
  } else {
    const ids = [];
    for await (const [key] of db.scan({ prefix: `title:${query}`, limit: 200, values: false })) {
      const text = new TextDecoder().decode(key);
      ids.push(text.slice(text.indexOf('\0') + 1));
    }
    const values = await db.getMany(ids.map((id) => `note:${id}`), { as: 'string' });
    values.forEach((v) => v && items.push(JSON.parse(v)));
  }
  list.replaceChildren(
    ...items.map((note) => {
      const li = document.createElement('li');
      li.className = 'note';
      li.dataset.id = note.id;
      const title = document.createElement('strong');
      title.textContent = note.title;
      const body = document.createElement('span');
      body.className = 'snippet';
      body.textContent = note.body.slice(0, 120);
      const when = document.createElement('time');
      when.textContent = new Date(note.updated).toLocaleString();
      li.append(title, body, when);
      li.addEventListener('click', () => edit(note));
      return li;
    }),
  );
  $('empty').hidden = items.length > 0 || query !== '';
  $('count').textContent = query ? `(${items.length} matching “${query}”)` : `(${items.length})`;
}

function edit(note) {
  editing = note ? { id: note.id, title: note.title } : undefined;
  $('title').value = note?.title ?? '';
  $('body').value = note?.body ?? '';
  $('editor-title').textContent = note ? 'Edit note' : 'New note';
  $('delete').hidden = !note;
  showError(undefined);
  $('title').focus();
}

$('note-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const title = $('title').value.trim();
  if (!title) return;
  const id = editing?.id ?? newId();
  const note = { id, title, body: $('body').value, updated: Date.now() };
  const batch = db.batch();
  if (editing && editing.title !== title) batch.del(titleKey(editing.title, id));
  batch.put(`note:${id}`, JSON.stringify(note)).put(titleKey(title, id), '');
  try {
    await batch.write({ durability: 'strict' });  // a note is kept once "Save" returns
    edit(undefined);
    await renderList();
  } catch (err) {
    showError(err);
  }
});

$('delete').addEventListener('click', async () => {
  if (!editing) return;
  try {
    await db.batch([
      { type: 'del', key: `note:${editing.id}` },
      { type: 'del', key: titleKey(editing.title, editing.id) },
    ], { durability: 'strict' });
    edit(undefined);
    await renderList();
  } catch (err) {
    showError(err);
  }
});

$('new').addEventListener('click', () => edit(undefined));
$('search').addEventListener('input', () => renderList().catch(showError));
$('wait-lock').addEventListener('click', () => start({ wait: true }));

// ---- engine panel ----

function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

async function refreshStats() {
  if (!db) return;
  try {
    const s = await db.stats();
    $('levels').replaceChildren(
      ...s.levels.map((l) => {
        const tr = document.createElement('tr');
        for (const text of [`L${l.level}`, String(l.files), formatBytes(l.bytes)]) {
          const td = document.createElement('td');
          td.textContent = text;
          tr.append(td);
        }
        return tr;
      }),
    );
    $('s-files').textContent = String(s.totalFiles);
    $('s-bytes').textContent = formatBytes(s.totalBytes);
    $('s-pending').textContent = s.compactionPending ? 'yes' : 'no';
    $('s-jobs').textContent = `${s.flushes} / ${s.compactions}`;
    $('s-cache').textContent = `${(s.cacheHitRate * 100).toFixed(1)} %`;
    $('s-wamp').textContent = s.writeAmplification.toFixed(2);
    $('s-text').textContent = s.text;
  } catch (err) {
    if (err.code !== 'CLOSED') showError(err);
  }
}
setInterval(refreshStats, 500);

async function exclusive(button, work) {
  if (busy) return;
  busy = true;
  for (const id of ['bulk', 'bulk-clear', 'compact']) $(id).disabled = true;
  try {
    await work();
  } catch (err) {
    showError(err);
  } finally {
    busy = false;
    for (const id of ['bulk', 'bulk-clear', 'compact']) $(id).disabled = false;
    refreshStats();
  }
}

$('bulk').addEventListener('click', () => exclusive('bulk', async () => {
  const progress = $('bulk-progress');
  progress.hidden = false;
  const start = performance.now();
  for (let i = 0; i < BULK; i += BULK_BATCH) {
    // 100 random bytes per record: incompressible, like real data.
    const values = new Uint8Array(100 * BULK_BATCH);
    for (let at = 0; at < values.length; at += 65536) crypto.getRandomValues(values.subarray(at, at + 65536));
    const ops = [];
    for (let j = 0; j < BULK_BATCH; j++) {
      ops.push({ type: 'put', key: `bulk:${String(i + j).padStart(6, '0')}`, value: values.subarray(j * 100, j * 100 + 100) });
    }
    await db.batch(ops, { durability: 'relaxed' });
    progress.value = i + BULK_BATCH;
    $('bulk-status').textContent = `${i + BULK_BATCH} records written…`;
  }
  await db.flush();
  const seconds = (performance.now() - start) / 1000;
  $('bulk-status').textContent = `${BULK.toLocaleString()} records in ${seconds.toFixed(1)} s (${Math.round(BULK / seconds).toLocaleString()}/s).`;
}));

$('bulk-clear').addEventListener('click', () => exclusive('bulk-clear', async () => {
  let n = 0;
  let batch = db.batch();
  for await (const [key] of db.scan({ prefix: 'bulk:', values: false })) {
    batch.del(key);
    if (batch.length === BULK_BATCH) {
      await batch.write({ durability: 'relaxed' });
      n += BULK_BATCH;
      batch = db.batch();
      $('bulk-status').textContent = `${n} records deleted…`;
    }
  }
  n += batch.length;
  await batch.write();
  $('bulk-status').textContent = `${n.toLocaleString()} records deleted; compact to reclaim their space.`;
}));

$('compact').addEventListener('click', () => exclusive('compact', async () => {
  $('bulk-status').textContent = 'Compacting…';
  const start = performance.now();
  await db.compact();
  $('bulk-status').textContent = `Compacted in ${((performance.now() - start) / 1000).toFixed(1)} s.`;
}));

start();
