// The summary line at the end of `npm test` must never read better than the run: tests that
// could not run because their suite or file failed to set up count as failed, a suite whose
// teardown failed counts as a failure, and each is named.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { expect, it } from 'vitest';

const cases = path.join(path.dirname(fileURLToPath(import.meta.url)), 'reporter-cases');

it('counts tests under a failed beforeAll or import, and a failed teardown, as failed and names them', async () => {
	const result = await execa('npx', ['vitest', 'run', '--root', cases], { reject: false, env: { CI: 'true' } });
	expect(result.exitCode).toBe(1);
	// hook-fails: 2 under the broken suite, 1 passing, 1 skipped; import-fails: 1; top-hook-fails: 1;
	// teardown-fails: its test passed, its afterAll failed.
	expect(result.stdout).toMatch(/^2 passed, 5 failed, 1 skipped$/m);
	for (const name of ['hook-fails.case.ts > needs chromium', 'import-fails.case.ts', 'top-hook-fails.case.ts', 'teardown-fails.case.ts']) {
		expect(result.stdout).toContain(`failed outside its tests (setup, teardown or import): ${name}`);
	}
});
