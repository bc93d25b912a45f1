/**
 * How many spares an OPFS pool (opfs_pool_host.ts) keeps ready. Spares are
 * empty files, so they cost a handle each and no space.
 *
 * The target is `spareTarget` (default DEFAULT_SPARE_TARGET) plus one per
 * compaction output of table data (a full compaction, which runs inside one
 * request, writes at most that many outputs); at most twice the target is
 * kept, extra spares are deleted during maintenance. The target doubles
 * (up to MAX_SPARE_TARGET) after the pool ran dry.
 */

/**
 * Spares kept ready. One request creates at most about four files when the
 * engine runs its background work inline: a new WAL when the memtable fills,
 * the table of the flush the stalled writer runs, one or two compaction
 * outputs (cut at the target file size, so an L0→L1 compaction of 4 MiB
 * memtables yields one), and a new manifest when the old one is retired.
 */
export const DEFAULT_SPARE_TARGET = 4;
/** The target doubles after the pool ran dry, up to this. */
export const MAX_SPARE_TARGET = 32;
/**
 * The engine's default target_file_size (engine/include/shale/options.h), where
 * compaction outputs are cut; the pool needs it before the engine is loaded
 * (tests/js/spare_policy.test.mjs keeps the two equal).
 */
export const COMPACTION_OUTPUT_BYTES = 32 << 20;

export class SparePolicy {
  private base: number;
  /** One spare per compaction output of table data, recomputed at each maintenance. */
  private dataSpares = 0;
  private drained = false;
  /** Creates that found no spare ready. */
  misses = 0;

  constructor(spareTarget: number | undefined) {
    this.base = Math.max(1, Math.min(spareTarget ?? DEFAULT_SPARE_TARGET, MAX_SPARE_TARGET));
  }

  /** Spares to keep: the base target plus one per compaction output a full compaction could write. */
  get target(): number {
    return this.base + this.dataSpares;
  }

  /** Whether maintenance has work: `free` spares and released files, `released` of them released. */
  needsMaintenance(spares: number, released: number): boolean {
    return released > 0 || spares < this.target || spares > 2 * this.target;
  }

  /**
   * Whether the next engine call can create the files it may need without
   * running dry, with `free` spares and released files: one call (`many`
   * false) at most a WAL, a flush's table and a manifest; a flush,
   * compaction or background slice (`many`) up to the whole target.
   */
  enough(free: number, many: boolean): boolean {
    return free >= (many ? this.target : Math.min(this.target, 3));
  }

  /** A create took a file (`left` spares remain), or found none (`left` < 0). */
  took(left: number): void {
    if (left <= 0) this.drained = true;
    if (left < 0) this.misses++;
  }

  /** At each maintenance: the bytes of table data now; doubles the target after the pool ran dry. */
  adjust(dataBytes: number): void {
    this.dataSpares = Math.floor(dataBytes / COMPACTION_OUTPUT_BYTES);
    if (this.drained) {
      this.base = Math.min(this.base * 2, MAX_SPARE_TARGET);
      this.drained = false;
    }
  }
}
