import { describe, expect, it } from 'vitest';
import { DeliveryLedger } from '../../../src/proxy/delivery-ledger.js';

type Step = ['recorded', number] | ['wrote', number] | ['written'] | ['failed'];

// Each case: what the proxy told the ledger, and which seqs it names undelivered at the end.
const cases: [string, Step[], number[]][] = [
	['nothing written yet: every recorded message is undelivered', [['recorded', 3], ['recorded', 5], ['wrote', 2], ['failed']], [3, 5]],
	['a confirmed write is delivered', [['recorded', 3], ['wrote', 1], ['written'], ['recorded', 7], ['wrote', 1], ['failed']], [7]],
	['writes are confirmed in order, each for its own frames', [['recorded', 1], ['recorded', 2], ['wrote', 2], ['recorded', 4], ['wrote', 1], ['written'], ['failed']], [4]],
	['all confirmed: nothing undelivered', [['recorded', 1], ['wrote', 1], ['recorded', 2], ['wrote', 1], ['written'], ['written'], ['failed']], []],
	['a confirmation that comes before its record still counts', [['wrote', 1], ['written'], ['recorded', 9], ['recorded', 10], ['wrote', 1], ['failed']], [10]],
];

describe('DeliveryLedger', () => {
	it.each(cases)('%s', (_case, steps, undelivered) => {
		const ledger = new DeliveryLedger();
		let result: number[] = [];
		for (const step of steps) {
			if (step[0] === 'recorded') ledger.recorded(step[1]);
			else if (step[0] === 'wrote') ledger.wrote(step[1]);
			else if (step[0] === 'written') ledger.written();
			else result = ledger.failed();
		}
		expect(result).toEqual(undelivered);
	});

	it('names the undelivered messages only once', () => {
		const ledger = new DeliveryLedger();
		ledger.recorded(1);
		ledger.wrote(1);
		expect(ledger.failed()).toEqual([1]);
		ledger.recorded(2);
		expect(ledger.failed()).toEqual([]);
	});

	it('keeps its queues small over a long session', () => {
		const ledger = new DeliveryLedger();
		for (let seq = 0; seq < 100_000; seq++) {
			ledger.recorded(seq);
			ledger.wrote(1);
			ledger.written();
		}
		const queues = ledger as unknown as { seqs: number[]; writes: number[] };
		expect(queues.seqs.length).toBeLessThan(5000);
		expect(queues.writes.length).toBeLessThan(5000);
		ledger.recorded(100_000);
		ledger.wrote(1);
		expect(ledger.failed()).toEqual([100_000]);
	});
});
