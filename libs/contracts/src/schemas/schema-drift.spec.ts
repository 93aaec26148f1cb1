import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { renderSchemaFiles } from './schema-files.renderer';

const COMMITTED_DIR = join(__dirname, '..', '..', 'schemas');
const REGENERATE = 'npm run build && node dist/libs/contracts/src/schemas/write-schemas.js';

describe('committed JSON Schemas', () => {
  const expected = renderSchemaFiles();

  it('are exactly the files the code produces', () => {
    const committed = readdirSync(COMMITTED_DIR)
      .filter((name) => name.endsWith('.json'))
      .sort();
    expect({ files: committed, hint: REGENERATE }).toEqual({
      files: Object.keys(expected).sort(),
      hint: REGENERATE,
    });
  });

  it.each(Object.keys(renderSchemaFiles()))(
    '%s matches the code (regenerate if the contracts changed)',
    (name) => {
      const committed = readFileSync(join(COMMITTED_DIR, name), 'utf8');
      expect({ content: committed, hint: REGENERATE }).toEqual({ content: expected[name], hint: REGENERATE });
    },
  );
});
