// The summary line at the end of `npm test` must never read better than the run: tests that
// could not run because their suite or file failed to set up count as failed, and are named.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { expect, it } from 'vitest';

const cases = path.join(path.dirname(fileURLToPath(import.meta.url)), 'reporter-cases');

it('counts tests under a failed beforeAll or a failed import as failed and names their suites', async () => {
	const result = await execa('npx', ['vitest', 'run', '--root', cases], { reject: false, env: { CI: 'true' } });
	expect(result.exitCode).toBe(1);
	// hook-fails: 2 under the broken suite, 1 passing, 1 skipped; import-fails: 1; top-hook-fails: 1.
	expect(result.stdout).toMatch(/^1 passed, 4 failed, 1 skipped$/m);
	expect(result.stdout).toContain('failed to set up: hook-fails.case.ts > needs chromium');
	expect(result.stdout).toContain('failed to set up: import-fails.case.ts');
	expect(result.stdout).toContain('failed to set up: top-hook-fails.case.ts');
});
