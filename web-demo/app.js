// The demo: writes notes to OPFS through the shaledb package and shows what
// OPFS holds, read directly (not through the engine) so persistence is visible.
import { checkStorage } from '../dist/js/browser.js';

const DIR = 'shaledb-demo';
const $ = (id) => document.getElementById(id);
const decoder = new TextDecoder();

async function showStored() {
  try {
    const root = await navigator.storage.getDirectory();
    const file = await (await (await root.getDirectoryHandle(DIR)).getFileHandle('STORAGE-CHECK')).getFile();
    const bytes = new Uint8Array(await file.arrayBuffer());
    const length = new DataView(bytes.buffer).getUint32(4, true);
    $('stored').textContent = `“${decoder.decode(bytes.subarray(8, 8 + length))}” (${bytes.length} bytes on disk)`;
  } catch (err) {
    $('stored').textContent = err?.name === 'NotFoundError' ? 'Nothing yet: write a note above.' : `Could not read OPFS: ${err}`;
  }
}

$('note-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const note = $('note').value;
  $('save').disabled = true;
  $('error').hidden = true;
  try {
    const result = await checkStorage(DIR, note);
    $('read-back').textContent = decoder.decode(result.readBack);
    $('backend').textContent = result.backend === 'opfs' ? 'OPFS (sync access handles, engine worker)' : result.backend;
    $('bytes').textContent = `${result.readBack.length} payload + 16 header/checksum`;
    $('elapsed').textContent = `${result.elapsedMs.toFixed(2)} ms`;
    $('result').hidden = false;
    await showStored();
  } catch (err) {
    $('error').textContent = `${err.code ?? err.name}: ${err.message}`;
    $('error').hidden = false;
  } finally {
    $('save').disabled = false;
  }
});

showStored();
