const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `2 GiB`, `1.9 MiB`, `512 bytes`: sizes in messages, in powers of 1024. */
export function formatBytes(bytes: number): string {
  let unit = 0;
  let value = bytes;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = Number.isInteger(value) ? String(value) : value < 10 ? value.toFixed(1) : String(Math.round(value));
  return `${shown} ${UNITS[unit]}`;
}

/** `1048576`, `500K`, `64M`, `2G`, `1T` (powers of 1024) → bytes; null for anything else, 0 included. */
export function parseBytes(text: string): number | null {
  const match = /^(\d{1,15})([KMGT]?)$/i.exec(text.trim());
  if (!match) return null;
  const bytes = Number(match[1]) * 1024 ** ' KMGT'.indexOf((match[2] || ' ').toUpperCase());
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : null;
}
