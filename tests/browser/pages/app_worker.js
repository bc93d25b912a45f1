// An application's own dedicated worker using `shaledb/worker` in-process.
import { checkStorage } from '/dist/js/worker.js';

self.onmessage = async ({ data }) => {
  try {
    const result = await checkStorage(data.location, data.payload);
    self.postMessage({ ok: true, backend: result.backend, readBack: new TextDecoder().decode(result.readBack) });
  } catch (err) {
    self.postMessage({ ok: false, code: err.code, name: err.name, message: err.message });
  }
};
