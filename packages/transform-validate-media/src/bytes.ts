const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'] as const;

/** `26214400` → `25 MiB`, `1536` → `1.5 KiB`, `12` → `12 bytes`: sizes in messages. */
export const formatBytes = (bytes: number): string => {
  if (bytes < 1024) return `${bytes} byte${bytes === 1 ? '' : 's'}`;
  let value = bytes;
  let unit = '';
  for (const next of UNITS) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  const text = value >= 100 || Number.isInteger(value) ? value.toFixed(0) : value.toFixed(1);
  return `${text.replace(/\.0$/, '')} ${unit}`;
};
