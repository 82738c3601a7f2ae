// WAL file names and LSNs, pure. A segment name is TLI(8 hex) | log(8 hex) | seg(8 hex); with
// segments of S bytes there are 2^32 / S segments per log, so "next" wraps seg into log.
// Archived objects live under wal/<TLI>/<name><codec suffix> in the backup store.
import { compressionSuffix, type Compression } from '../stream/compress.js';

export const WAL_PREFIX = 'wal';
export const DEFAULT_WAL_SEGMENT_SIZE = 16 * 1024 * 1024;
const SEGMENT = /^[0-9A-F]{24}$/;
/** Segments, timeline histories, backup labels and partial segments: what archive_command hands us. */
const ARCHIVABLE = /^([0-9A-F]{24}(\.partial|\.[0-9A-F]{8}\.backup)?|[0-9A-F]{8}\.history)$/;

export function isSegmentName(name: string): boolean {
  return SEGMENT.test(name);
}

export function isArchivableName(name: string): boolean {
  return ARCHIVABLE.test(name);
}

/** Store key of an archived WAL file; the name's timeline is its folder. */
export function walKey(name: string, codec: { compression: Compression; key: Buffer | null }): string {
  return `${WAL_PREFIX}/${name.slice(0, 8)}/${name}${compressionSuffix(codec.compression)}${codec.key ? '.enc' : ''}`;
}

/** The archived file name of a store child name (codec suffixes dropped). */
export function walNameOfChild(child: string): string {
  return child.replace(/(\.zst|\.gz)?(\.enc)?$/, '');
}

/** "16/B374D848" → 0x16B374D848. */
export function parseLsn(text: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!m) throw new Error(`not an LSN: ${text}`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

const hex8 = (n: bigint | number) => n.toString(16).toUpperCase().padStart(8, '0');

/** Segment number (counting from 0) of a segment name. */
export function segmentNumber(name: string, segSize = DEFAULT_WAL_SEGMENT_SIZE): bigint {
  const perLog = 0x100000000n / BigInt(segSize);
  return BigInt(`0x${name.slice(8, 16)}`) * perLog + BigInt(`0x${name.slice(16, 24)}`);
}

export function segmentName(timeline: number, segNo: bigint, segSize = DEFAULT_WAL_SEGMENT_SIZE): string {
  const perLog = 0x100000000n / BigInt(segSize);
  return `${hex8(timeline)}${hex8(segNo / perLog)}${hex8(segNo % perLog)}`;
}

/** The segment that holds an LSN on a timeline. */
export function segmentOfLsn(timeline: number, lsn: bigint, segSize = DEFAULT_WAL_SEGMENT_SIZE): string {
  return segmentName(timeline, lsn / BigInt(segSize), segSize);
}

export interface WalChain {
  /** First and last segment of the unbroken run starting at `from`. */
  first: string;
  last: string | null;
  segments: number;
  /** The first missing segment after `from`, when later segments exist beyond it. */
  gap: { missing: string; nextPresent: string } | null;
}

/**
 * Walks the archived segments of one timeline from `from`: how far they run without a hole, and the
 * first hole if later segments exist (a hole at the very end is just "not archived yet").
 */
export function walkWalChain(names: string[], from: string, segSize = DEFAULT_WAL_SEGMENT_SIZE): WalChain {
  const tli = from.slice(0, 8);
  const have = new Set(names.filter((n) => isSegmentName(n) && n.startsWith(tli)).map((n) => segmentNumber(n, segSize)));
  const start = segmentNumber(from, segSize);
  const timeline = Number.parseInt(tli, 16);
  let n = start;
  while (have.has(n)) n++;
  const later = [...have].filter((x) => x > n).sort((a, b) => (a < b ? -1 : 1));
  return {
    first: from,
    last: n > start ? segmentName(timeline, n - 1n, segSize) : null,
    segments: Number(n - start),
    gap: later.length ? { missing: segmentName(timeline, n, segSize), nextPresent: segmentName(timeline, later[0], segSize) } : null,
  };
}
