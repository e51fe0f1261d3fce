/** Plain-text tables for terminals (only the CLI formats text). */

export function formatTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows].map((r) => r.map((c) => (typeof c === 'number' ? c.toLocaleString('en-US') : c)));
  const widths = header.map((_, k) => Math.max(...cells.map((r) => (r[k] ?? '').length)));
  const numeric = header.map((_, k) => rows.every((r) => typeof r[k] === 'number'));
  const line = (r: readonly string[]) => r.map((c, k) => (numeric[k] ? c.padStart(widths[k] as number) : c.padEnd(widths[k] as number))).join('  ').trimEnd();
  return [line(cells[0] as string[]), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n') + '\n';
}
