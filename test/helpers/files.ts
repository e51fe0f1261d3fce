/** A file's bytes, for "nothing changed" checks. */
import crypto from 'node:crypto';
import fs from 'node:fs';

export const fileSha = (file: string): string => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
