/** A store problem a person can act on; printed without a stack. Kept apart from open-store so the CLI can name it without loading SQLite. */
export class StoreError extends Error {
	override name = 'StoreError';
}
