import { beforeAll, describe, it, expect } from 'vitest';
describe('needs chromium', () => { beforeAll(() => { throw new Error('no chromium'); }); it('one', () => expect(1).toBe(1)); it('two', () => expect(1).toBe(1)); });
describe('fine', () => { it('three', () => expect(1).toBe(1)); it.skip('four', () => {}); });
