/**
 * The engine worker: a dedicated module worker that owns the engine and its
 * OPFS handles and answers the page entry's requests (protocol.ts).
 * Result buffers are transferred, not copied.
 */
import { serializeError } from './errors.js';
import type { Request, Response } from './protocol.js';
import { checkStorage } from './worker.js';

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<Request>) => void) | null;
  postMessage(message: Response, transfer: Transferable[]): void;
};

scope.onmessage = async (event) => {
  const request = event.data;
  try {
    switch (request.op) {
      case 'checkStorage': {
        const result = await checkStorage(request.location, request.payload);
        scope.postMessage({ id: request.id, ok: true, result }, [result.readBack.buffer]);
        break;
      }
      default:
        throw new Error(`unknown request ${(request as { op: string }).op}`);
    }
  } catch (err) {
    scope.postMessage({ id: request.id, ok: false, error: serializeError(err) }, []);
  }
};
