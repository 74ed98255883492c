import './does-not-exist.js'; // fails on purpose
import { it } from 'vitest';
it('x', () => {});
