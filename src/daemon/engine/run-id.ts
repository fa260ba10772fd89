import { randomBytes } from 'node:crypto';

// `20261124-053200-123-k3f9q2`: UTC time to the millisecond, so ids sort by creation as plain strings, then
// random base-36 so two runs created in the same millisecond differ. Uniqueness is finally settled by the
// run store's exclusive mkdir, which retries with a fresh suffix.
export function newRunId(now: Date = new Date()): string {
  const iso = now.toISOString(); // 2026-11-24T05:32:00.123Z
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}-${iso.slice(20, 23)}`;
  return `${stamp}-${randomSuffix()}`;
}

function randomSuffix(): string {
  const bytes = randomBytes(6);
  let out = '';
  for (const b of bytes) out += (b % 36).toString(36);
  return out;
}

