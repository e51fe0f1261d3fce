/**
 * Opening a fold again from the paths a database recorded when it was ingested (its `sources` rows), for
 * commands that need the pixels back (export masks) without being told where they are. Each file must still
 * be the one that was ingested: it is fingerprinted the way it was recorded and compared.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PannukeError } from '../errors.js';
import { fingerprint, type FingerprintKind } from './fingerprint.js';
import { openFold, type OpenFold } from './fold.js';
import { ROLES, type FoldFiles, type Role } from './layout.js';
import { npyMembers } from './zip.js';
import type { ZipMember } from './zip-member.js';

export interface RecordedFile {
  fold: number;
  role: Role;
  path: string;
  bytes: number;
  fingerprint: string;
  fingerprintKind: FingerprintKind;
}

const ZIP_MEMBER = /^(.*\.zip):(.+)$/i;

async function filesOf(fold: number, recorded: readonly RecordedFile[]): Promise<FoldFiles> {
  const byRole = new Map(recorded.map((r) => [r.role, r]));
  const paths = {} as Record<Role, string>;
  const members = {} as Record<Role, ZipMember>;
  let zipped = false;
  for (const role of ROLES) {
    const r = byRole.get(role);
    if (r === undefined) throw new PannukeError('FILE_MISSING', `the database records no ${role}.npy for fold ${fold}`, { hint: 'give --data <root>' });
    paths[role] = r.path;
    const zip = ZIP_MEMBER.exec(r.path);
    if (zip === null) {
      if (!fs.existsSync(r.path)) throw new PannukeError('FILE_MISSING', `fold ${fold}'s ${role}.npy, recorded at ingest, is no longer there`, { file: r.path, hint: 'give --data <root> where the folds are now' });
      continue;
    }
    zipped = true;
    const member = (await npyMembers(zip[1] as string)).find((m) => m.name === zip[2]);
    if (member === undefined) throw new PannukeError('FILE_MISSING', `the archive no longer holds ${zip[2]}`, { file: zip[1] as string, hint: 'give --data <root> where the folds are now' });
    members[role] = member;
  }
  const official = paths.masks.includes(`${path.sep}Fold ${fold}${path.sep}`);
  return { fold, layout: zipped ? 'zip' : official ? 'official' : 'flat', ...paths, ...(zipped && { members }) };
}

/** Opens `folds` from their recorded files, refusing any file that changed since it was ingested. */
export async function openRecordedFolds(recorded: readonly RecordedFile[], folds: readonly number[]): Promise<OpenFold[]> {
  const opened: OpenFold[] = [];
  try {
    for (const fold of folds) {
      const mine = recorded.filter((r) => r.fold === fold);
      const files = await filesOf(fold, mine);
      for (const r of mine) {
        const now = await fingerprint(files, r.role, r.fingerprintKind);
        if (now.bytes !== r.bytes || now.fingerprint !== r.fingerprint) {
          throw new PannukeError('SOURCE_CHANGED', `fold ${fold}'s ${r.role}.npy has changed since it was ingested (size or fingerprint differs)`, {
            file: r.path, hint: 'give --data <root> with the files the database was made from',
          });
        }
      }
      opened.push(await openFold(files));
    }
    return opened;
  } catch (e) {
    for (const f of opened) f.close();
    throw e;
  }
}
