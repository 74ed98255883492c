// Tool fingerprints remembered across sessions, per server label (policy tools.pin).

import type { StoreDatabase } from '../store/open-store.js';

export interface PinStore {
	/** The remembered fingerprint, or undefined on first sight. */
	get(server: string, tool: string): string | undefined;
	remember(server: string, tool: string, fingerprint: string, now: number): void;
}

export function sqlitePinStore(openDatabase: () => StoreDatabase): PinStore {
	let database: StoreDatabase | undefined;
	const store = () => (database ??= openDatabase());
	return {
		get(server, tool) {
			const row = store().prepare('SELECT fingerprint FROM tool_pins WHERE server = ? AND tool = ?').get(server, tool) as { fingerprint: string } | undefined;
			return row?.fingerprint;
		},
		remember(server, tool, fingerprint, now) {
			store()
				.prepare(
					`INSERT INTO tool_pins (server, tool, fingerprint, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)
					 ON CONFLICT (server, tool) DO UPDATE SET fingerprint = excluded.fingerprint, last_seen = excluded.last_seen`,
				)
				.run(server, tool, fingerprint, now, now);
		},
	};
}
