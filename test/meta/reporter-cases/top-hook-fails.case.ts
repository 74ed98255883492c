import { beforeAll, it, expect } from 'vitest';
beforeAll(() => { throw new Error('top-level setup'); });
it('five', () => expect(1).toBe(1));
