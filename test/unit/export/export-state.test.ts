// export-state.json (src/export/export-state.ts) is written by several processes at once: a
// live export per running session and `export --since-last` from cron. Each loaded the file
// before the others saved; what every one of them learnt must be in it afterwards.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadExportState, wasSent } from '../../../src/export/export-state.js';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mcprec-export-state-'));
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));
let count = 0;

type Step = { writer: number; session: number; kind: 'whole' } | { writer: number; session: number; kind: 'sent'; seq: number };

const steps = fc.array(
	fc.oneof(
		fc.record({ writer: fc.nat({ max: 3 }), session: fc.nat({ max: 4 }), kind: fc.constant('whole' as const) }),
		fc.record({ writer: fc.nat({ max: 3 }), session: fc.nat({ max: 4 }), kind: fc.constant('sent' as const), seq: fc.nat({ max: 30 }) }),
	),
	{ maxLength: 30 },
);

describe('export-state.json written by several processes', () => {
	it('keeps what every writer learnt, whoever saved first', async () => {
		await fc.assert(
			fc.asyncProperty(steps, fc.array(fc.nat({ max: 3 }), { maxLength: 8 }), async (plan, saveOrder) => {
				const file = path.join(folder, `state-${count++}.json`);
				// Every writer loads the file before any of them saves.
				const writers = [0, 1, 2, 3].map(() => loadExportState(file));
				const whole = new Set<string>();
				const sent = new Map<string, Set<number>>();
				for (const step of plan) {
					const session = `s${step.session}`;
					if (step.kind === 'whole') {
						writers[step.writer]!.remember('otlp http://x/v1/traces', session, 'h');
						whole.add(session);
					} else {
						writers[step.writer]!.rememberSent('otlp http://x/v1/traces', session, { through: -1, also: [step.seq] }, { pid: 1, start: null });
						sent.set(session, (sent.get(session) ?? new Set()).add(step.seq));
					}
				}
				for (const writer of [...saveOrder, 0, 1, 2, 3]) await writers[writer]!.save();
				const after = loadExportState(file);
				for (let index = 0; index <= 4; index++) {
					const session = `s${index}`;
					expect(after.has('otlp http://x/v1/traces', session), session).toBe(whole.has(session));
					if (whole.has(session)) continue;
					const known = after.sentRequests('otlp http://x/v1/traces', session);
					for (let seq = 0; seq <= 30; seq++) expect(wasSent(known, seq), `${session} seq ${seq}`).toBe(sent.get(session)?.has(seq) ?? false);
				}
			}),
			{ seed: 18_7, numRuns: 60 },
		);
	});
});
