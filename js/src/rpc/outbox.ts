/**
 * Outbox: coalesces the messages one side posts during a turn of its event
 * loop into one postMessage (an array), with one transfer list. A message
 * crossing costs tens of microseconds whatever its size; a thousand
 * pipelined requests cost one crossing instead of a thousand.
 *
 * Messages are posted in the order they were pushed, at the end of the
 * current microtask checkpoint, or at once when `maxBatch` are waiting.
 */
import type { MessagePortLike } from './protocol.js';

export class Outbox<T> {
  private items: T[] = [];
  private transfer: Transferable[] = [];
  private scheduled = false;

  /** `onError` receives the items of a batch the port refused (e.g. a closed port). */
  constructor(
    private readonly port: MessagePortLike,
    private readonly onError: (items: T[], err: unknown) => void,
    private readonly maxBatch = 1024,
  ) {}

  push(item: T, transfer: Transferable[]): void {
    this.items.push(item);
    for (const t of transfer) this.transfer.push(t);
    if (this.items.length >= this.maxBatch) {
      this.flush();
    } else if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  flush(): void {
    if (this.items.length === 0) return;
    const items = this.items;
    const transfer = this.transfer;
    this.items = [];
    this.transfer = [];
    try {
      this.port.postMessage(items, transfer);
    } catch (err) {
      this.onError(items, err);
    }
  }
}
