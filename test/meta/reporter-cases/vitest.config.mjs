// Deliberately broken test files for test/meta/summary-reporter.test.ts; not part of the suite.
export default { test: { include: ['*.case.ts'], reporters: ['../../summary-reporter.ts'] } };
