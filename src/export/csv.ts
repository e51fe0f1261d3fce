/** CSV fields per RFC 4180: quote a field holding a comma, a quote or a line break, doubling its quotes. */

/** Text for one value: null as empty, blobs as hex. */
export function plainText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  return String(v);
}

export function csvField(v: unknown): string {
  const s = plainText(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
