// Ends the run with one plain line, `N passed, N failed, N skipped`, that tools reading
// the tail of a CI log understand whatever the test runner. A test that never ran because
// its file or suite failed to set up (a `beforeAll` that threw, an import that failed)
// counts as failed, not skipped; a file or suite that failed outside its tests (an
// `afterAll` that threw) counts as one failure even when its tests passed; the broken file
// or suite is named: the line must never read better than the run was.

import type { Reporter, TestModule, TestSuite } from 'vitest/node';

type Parent = TestModule | TestSuite;

export default class SummaryReporter implements Reporter {
	onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
		let passed = 0;
		let failed = 0;
		let skipped = 0;
		const brokenSetups: string[] = [];
		for (const module of testModules) {
			const broken = new Set<Parent>();
			for (const parent of [module, ...module.children.allSuites()]) {
				if (setupFailed(parent)) {
					broken.add(parent);
					brokenSetups.push(parent.type === 'module' ? parent.relativeModuleId : `${parent.module.relativeModuleId} > ${parent.fullName}`);
				}
			}
			const failedBefore = failed;
			for (const test of module.children.allTests()) {
				const state = test.result().state;
				if (state === 'failed' || (state !== 'passed' && underBrokenSetup(test.parent, broken))) failed++;
				else if (state === 'passed') passed++;
				else skipped++;
			}
			// A file or suite that failed outside its tests (an import that threw, an afterAll
			// that did) still failed, even when every test in it passed.
			if (broken.size > 0 && failed === failedBefore) failed += broken.size;
		}
		const lines = brokenSetups.map((name) => `  failed outside its tests (setup, teardown or import): ${name}\n`).join('');
		process.stdout.write(`\n${lines}${passed} passed, ${failed} failed, ${skipped} skipped\n`);
	}
}

// Errors outside any test: a hook (beforeAll/afterAll) or the file itself.
function setupFailed(parent: Parent): boolean {
	return parent.errors().length > 0 || (parent.type === 'module' && parent.state() === 'failed' && parent.children.size === 0);
}

function underBrokenSetup(parent: Parent, broken: ReadonlySet<Parent>): boolean {
	for (let current: Parent | undefined = parent; current; current = current.type === 'suite' ? current.parent : undefined) {
		if (broken.has(current)) return true;
	}
	return false;
}
