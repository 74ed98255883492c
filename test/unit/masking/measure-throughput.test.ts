// The bench's masking workload (the speed itself is measured by `npm run bench`, never here).

import { describe, expect, it } from 'vitest';
import { measureDetectorCostPerFormat } from '../../../src/masking/measure-detector-cost.js';
import { buildToolOutput, measureMaskingThroughput } from '../../../src/masking/measure-throughput.js';

describe('measureMaskingThroughput', () => {
	it('builds tool output of the requested size, the same every time', () => {
		const texts = buildToolOutput(1_000_000);
		const total = texts.reduce((sum, text) => sum + text.length, 0);
		expect(total).toBeGreaterThanOrEqual(1_000_000);
		expect(total).toBeLessThan(1_000_000 + 70_000);
		expect(buildToolOutput(1_000_000)).toEqual(texts);
	});

	it('reports the bytes it masked and a rate', () => {
		const result = measureMaskingThroughput({ targetBytes: 200_000, runs: 1 });
		expect(result.bytes).toBeGreaterThanOrEqual(200_000);
		expect(result.mbPerSecond).toBeGreaterThan(0);
	});
});

describe('measureDetectorCostPerFormat', () => {
	it('reports a rate and the costliest detectors for every format of the document corpus', () => {
		const result = measureDetectorCostPerFormat({ bytesPerFormat: 32 * 1024, runs: 1 });
		expect(Object.keys(result).length).toBeGreaterThanOrEqual(20);
		for (const cost of Object.values(result)) {
			expect(cost.mbPerSecond).toBeGreaterThan(0);
			expect(Object.keys(cost.costliest)).toHaveLength(3);
		}
	});
});
