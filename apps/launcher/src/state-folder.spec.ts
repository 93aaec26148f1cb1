import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { keptSecret, writeSecretFile } from './state-folder';

const modeOf = (file: string): number => fs.statSync(file).mode & 0o777;

describe(writeSecretFile.name, () => {
  let root: string;
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'cosmo-hub-state-'))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('leaves the folder 0700 and the file 0600, also when they existed wider (L-5)', () => {
    const state = path.join(root, '.hub');
    const keys = path.join(state, 'demo-keys.json');
    fs.mkdirSync(state, { mode: 0o755 });
    fs.chmodSync(state, 0o755);
    fs.writeFileSync(keys, '{}', { mode: 0o644 });
    fs.chmodSync(keys, 0o644);
    writeSecretFile(keys, '{"organizations":[]}');
    expect(fs.readFileSync(keys, 'utf8')).toBe('{"organizations":[]}');
    expect(modeOf(keys)).toBe(0o600);
    expect(modeOf(state)).toBe(0o700);
  });

  it('creates the folder and the file private', () => {
    const file = path.join(root, 'fresh', 'secret-key');
    writeSecretFile(file, 'secret');
    expect(modeOf(file)).toBe(0o600);
    expect(modeOf(path.dirname(file))).toBe(0o700);
  });
});

describe(keptSecret.name, () => {
  let root: string;
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'cosmo-hub-state-'))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('makes a secret once, keeps it across runs, and narrows a file made wider by hand', () => {
    const file = path.join(root, 'admin-token');
    const made = keptSecret(file, 'base64url');
    expect(made).toMatch(/^[A-Za-z0-9_-]{43}$/);
    fs.chmodSync(file, 0o644);
    expect(keptSecret(file, 'base64url')).toBe(made);
    expect(modeOf(file)).toBe(0o600);
  });
});
