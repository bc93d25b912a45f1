// The Node writer process of the crash torture (crash_torture.mjs; protocol
// in workload.mjs): `node node_writer.mjs <dir>` opens <dir> through the
// package's public Node API (the WASI engine in a worker, compactions in the
// compaction worker), prints "OPEN", then applies the batches read from stdin
// with each batch's durability, printing "A <id>" once its write resolved.
// Several batches are in flight at once: the API applies writes in call
// order, so the acknowledgements come in the order the batches were sent.
//
// Background work is reported for the driver to aim kills at: "W <name>" when
// a table file appears in the directory (flush or compaction output), "W job"
// while stats() says a compaction job runs in the compaction worker.
//
// Errors: a message on stderr and exit code 1. EOF on stdin: close, exit 0.
import { watch } from 'node:fs';

import { open } from '../../dist/js/entries/node.js';

const nodeWriterOptions = {
  writeBufferSize: 64 << 10, // the smallest allowed: a flush every ~50 batches; L0 fills, compactions follow
  compactionWorker: true,
};

function fail(what, err) {
  process.stderr.write(`node_writer: ${what}: ${err?.code ?? ''} ${err?.stack ?? err}\n`);
  process.exit(1);
}

async function main(dir) {
  const db = await open(dir, nodeWriterOptions).catch((err) => fail('open', err));
  process.stdout.write('OPEN\n');

  const watcher = watch(dir, (event, name) => {
    if (event === 'rename' && name?.endsWith('.sst')) process.stdout.write(`W ${name}\n`);
  });
  watcher.unref();

  let inFlight = 0;
  let polling = false;
  const poll = async () => {
    if (polling) return;
    polling = true;
    while (inFlight > 0) {
      const stats = await db.stats().catch((err) => fail('stats', err));
      if (/compaction-worker on \(running\)/.test(stats.text)) process.stdout.write('W job\n');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    polling = false;
  };

  let buffered = '';
  let batch; // the batch being read: { id, durability, left, ops }
  let ended = false;
  let last = Promise.resolve();
  const submit = (b) => {
    inFlight++;
    last = db.batch(b.ops, { durability: b.durability }).then(
      () => {
        inFlight--;
        process.stdout.write(`A ${b.id}\n`);
      },
      (err) => fail(`write of batch ${b.id}`, err),
    );
    void poll();
  };
  const line = (text) => {
    if (batch) {
      const [type, key, value] = text.split('\t');
      if (type === 'P' && value !== undefined) batch.ops.push({ type: 'put', key, value });
      else if (type === 'D' && key !== undefined) batch.ops.push({ type: 'del', key });
      else fail('input', new Error(`bad op line in batch ${batch.id}: ${text}`));
      if (--batch.left === 0) {
        submit(batch);
        batch = undefined;
      }
      return;
    }
    const m = /^B (\S+) (strict|group|relaxed) (\d+)$/.exec(text);
    if (!m) fail('input', new Error(`bad batch header: ${text}`));
    batch = { id: m[1], durability: m[2], left: Number(m[3]), ops: [] };
    if (batch.left === 0) {
      submit(batch);
      batch = undefined;
    }
  };
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (data) => {
    buffered += data;
    const lines = buffered.split('\n');
    buffered = lines.pop();
    for (const l of lines) line(l);
  });
  process.stdin.on('end', async () => {
    if (ended) return;
    ended = true;
    if (batch) fail('input', new Error(`input ended inside batch ${batch.id}`));
    await last;
    await db.close().catch((err) => fail('close', err));
    process.exit(0);
  });
}

const [dir] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: node node_writer.mjs <dir>\n');
  process.exit(2);
}
await main(dir);
