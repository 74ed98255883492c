/** Kept in step with package.json by hand; tests check they match. */
export const VERSION = '0.1.0';
