/**
 * Writes the committed JSON Schemas. Run from the repository root after a build:
 *   npm run build && node dist/libs/contracts/src/schemas/write-schemas.js [output-dir]
 * The schema drift spec fails until the files match the code again.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderSchemaFiles } from './schema-files.renderer';

const outputDir = resolve(process.argv[2] ?? 'libs/contracts/schemas');
if (!process.argv[2] && !existsSync(resolve('libs/contracts'))) {
  throw new Error('run from the repository root, or pass the output directory');
}
mkdirSync(outputDir, { recursive: true });
const files = renderSchemaFiles();
for (const stale of readdirSync(outputDir).filter(
  (name) => name.endsWith('.schema.json') && !(name in files),
)) {
  rmSync(join(outputDir, stale));
}
for (const [name, content] of Object.entries(files)) writeFileSync(join(outputDir, name), content);
process.stdout.write(`wrote ${Object.keys(files).length} schemas to ${outputDir}\n`);
