/**
 * A word as a POSIX shell reads it back, for the commands pannuke prints for a user to copy ("see: pannuke
 * eval show 'my model' --db 'my data/x.sqlite'"). Plain words stay as they are; anything else goes in single
 * quotes, an embedded quote as '\''. Written here: one function, not worth a dependency.
 */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_\-.,:/@%+=]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}
