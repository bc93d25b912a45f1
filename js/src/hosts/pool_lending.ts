/**
 * Lending pool files to the compaction worker (opfs_compaction.ts), which
 * writes a job's outputs there (headers included, with the generations lent
 * along). Its inputs it reads through `getFile()` snapshots of the files
 * OpfsPoolHost.physicalName() names; this worker keeps its handles on them.
 */
import { StatusCode } from '../shared/errors.js';
import { HostError } from './file_host.js';
import type { PoolSlots } from './pool_slots.js';

/**
 * Lends `count` empty files of `slots`: their handles are closed and the
 * pool forgets them until adopt(). `generation` is the first of `count`
 * header generations reserved for them.
 */
export async function lend(slots: PoolSlots, count: number): Promise<{ fileNames: string[]; generation: number }> {
  slots.flushReleased();
  while (slots.spares.length < count) {
    const slot = await slots.createSpare();
    if (!slot) throw new HostError(StatusCode.CLOSED, 'file pool closed');
    slots.spares.push(slot);
  }
  const lent = slots.spares.splice(slots.spares.length - count, count);
  const generation = slots.nextGeneration;
  slots.nextGeneration += count;
  for (const slot of lent) {
    slots.all.delete(slot);
    slot.handle.close();
  }
  return { fileNames: lent.map((s) => s.fileName), generation };
}

/**
 * Takes lent files back into `slots`: re-opens them (waiting while the
 * borrower's handles close) and registers each as the engine file its
 * header names, or as a spare (emptied) when it names none or a name
 * already taken.
 */
export async function adopt(slots: PoolSlots, dir: FileSystemDirectoryHandle, fileNames: string[]): Promise<void> {
  for (const fileName of fileNames) {
    if (slots.closed) return;
    const slot = await slots.openSlot(fileName, await dir.getFileHandle(fileName), false);
    if (slots.closed) {
      slot.handle.close();
      return;
    }
    slots.all.add(slot);
    if (slot.name !== '' && !slots.named.has(slot.name)) {
      slots.nextGeneration = Math.max(slots.nextGeneration, slot.generation + 1);
      slots.named.set(slot.name, slot);
      continue;
    }
    try {
      slots.makeSpare(slot);
    } catch {
      // An unused output left named: an orphan the engine removes at the next open, a spare until then.
      slots.spares.push(slot);
    }
  }
}
