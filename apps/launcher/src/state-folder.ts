import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes a file of the state folder (`.hub/`) that holds secrets: the folder 0700 and the file
 * 0600 on every write, also when either existed with a wider mode (L-5): `writeFileSync`'s `mode`
 * applies only to a file it creates. An existing file is narrowed before the secret goes in.
 */
export function writeSecretFile(file: string, content: string): void {
  const folder = path.dirname(file);
  fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  fs.chmodSync(folder, 0o700);
  if (fs.existsSync(file)) fs.chmodSync(file, 0o600);
  fs.writeFileSync(file, content, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

/**
 * A secret kept in the state folder across runs: read when the file exists (its folder and mode
 * narrowed), else 32 random bytes written there.
 */
export function keptSecret(file: string, encoding: 'base64' | 'base64url' = 'base64'): string {
  if (fs.existsSync(file)) {
    const kept = fs.readFileSync(file, 'utf8').trim();
    writeSecretFile(file, kept);
    return kept;
  }
  const made = randomBytes(32).toString(encoding);
  writeSecretFile(file, made);
  return made;
}
