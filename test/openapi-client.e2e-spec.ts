import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as ts from 'typescript';
import { standardAlert } from './support/fixtures';
import { api, registerOrganization, type RunningService, startGateway } from './support/hub-harness';
import { type Alert, hubClient, submitAndReadAlert } from './support/hub-rest-client';

const GENERATED = path.join(__dirname, 'support', 'cosmo-hub-api.d.ts');
const CLIENT = path.join(__dirname, 'support', 'hub-rest-client.ts');
const GENERATOR = path.join(__dirname, '..', 'node_modules', 'openapi-typescript', 'bin', 'cli.js');

/** The types, as `npx openapi-typescript <document> -o cosmo-hub-api.d.ts` writes them. */
async function generateTypes(document: unknown): Promise<string> {
  const folder = mkdtempSync(path.join(tmpdir(), 'cosmo-hub-client-'));
  try {
    writeFileSync(path.join(folder, 'openapi.json'), JSON.stringify(document));
    await promisify(execFile)(process.execPath, [GENERATOR, 'openapi.json', '-o', 'api.d.ts'], {
      cwd: folder,
    });
    return readFileSync(path.join(folder, 'api.d.ts'), 'utf8');
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Type errors of the client against the generated types, strict, as an integrator's build sees them. */
function typeErrors(): string[] {
  const program = ts.createProgram([CLIENT], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    skipLibCheck: true,
    types: ['node'],
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
}

describe('a REST client generated from the OpenAPI document (openapi-typescript + openapi-fetch)', () => {
  let gateway: RunningService;

  beforeAll(async () => {
    gateway = await startGateway();
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('is generated from the served document as committed (run with UPDATE_OPENAPI=1 to refresh it)', async () => {
    const document = (await api<Record<string, unknown>>(gateway.url, 'GET', '/docs-json')).body;
    const generated = await generateTypes(document);
    if (process.env.UPDATE_OPENAPI === '1') writeFileSync(GENERATED, generated);
    expect(readFileSync(GENERATED, 'utf8')).toBe(generated);
  });

  it('compiles against the generated types under strict TypeScript', () => {
    expect(typeErrors()).toEqual([]);
  });

  it('submits an alert and reads it back from a running gateway', async () => {
    const member = await registerOrganization(gateway.url, { kind: 'member', country: 'FR' });
    // The contracts type country codes as strings; the generated types know the code list.
    const alert = standardAlert() as Alert;
    const { created, read } = await submitAndReadAlert(hubClient(gateway.url, member.apiKey), alert);
    expect(created).toMatchObject({ reference: alert.reference, version: 1, originator: member.code });
    expect(read).toEqual(created);
  });
});
