/**
 * README's "Sweep your own model" shows examples/mlp-digits/mlp.ts whole: the block must stay the file
 * (the example is what the tests and users run), so an edit to one without the other fails here.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';

it("README's model-trainable block is examples/mlp-digits/mlp.ts without its header comment", () => {
  const readme = readFileSync(path.join(PACKAGE_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Sweep your own model'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  const file = readFileSync(path.join(PACKAGE_ROOT, 'examples', 'mlp-digits', 'mlp.ts'), 'utf8');
  const body = file.replace(/^\/\*\*[\s\S]*?\*\/\n/, '');
  expect(block).toContain('defineModelTrainable');
  expect(block).toBe(body);
});
