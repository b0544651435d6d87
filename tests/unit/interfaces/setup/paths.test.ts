/** Where seedsweep is installed decides the project it belongs to and the setup command it names. */
import { describe, expect, it } from 'vitest';
import { installedAsDependency, projectRoot, setupCommand } from '../../../../src/core/common/paths.js';

describe('install context', () => {
  it('a checkout names bash scripts/setup.sh', () => {
    expect(installedAsDependency('/home/me/seedsweep')).toBe(false);
    expect(projectRoot('/home/me/seedsweep')).toBe('/home/me/seedsweep');
    expect(setupCommand('/home/me/seedsweep')).toBe('bash scripts/setup.sh');
  });

  it('a dependency names npx seedsweep setup and belongs to the outermost project', () => {
    expect(installedAsDependency('/home/me/app/node_modules/seedsweep')).toBe(true);
    expect(projectRoot('/home/me/app/node_modules/seedsweep')).toBe('/home/me/app');
    expect(projectRoot('/home/me/app/node_modules/.pnpm/seedsweep@0.1.0/node_modules/seedsweep')).toBe(
      '/home/me/app',
    );
    expect(setupCommand('/home/me/app/node_modules/seedsweep')).toBe('npx seedsweep setup');
  });
});
