// `mcprec whoami [--json]`: who is signed in, until when, and which credential store
// holds the tokens (DESIGN §6). Shows what is stored; it never refreshes or prompts.

import type { CredentialStore } from '../identity/credential-store.js';
import { isAccessTokenFresh, readLogin } from '../identity/login-record.js';
import { openCredentialStore } from '../identity/open-credential-store.js';

export interface WhoamiOptions {
	json?: boolean;
}

export async function whoamiCommand(options: WhoamiOptions): Promise<void> {
	const { store } = openCredentialStore();
	const record = readLogin(store);
	if (!record) {
		if (options.json) process.stdout.write(`${JSON.stringify({ signedIn: false, store: store.kind, storeLocation: store.location }, null, 2)}\n`);
		else process.stderr.write('Not signed in. Run `mcprec login`.\n');
		process.exitCode = 1;
		return;
	}
	const expiresAt = record.expiresAt === undefined ? null : new Date(record.expiresAt).toISOString();
	const expired = !isAccessTokenFresh(record);
	const { sub, email, name, groups } = record.profile;
	if (options.json) {
		const summary = {
			signedIn: true,
			issuer: record.issuer,
			subject: sub,
			email,
			name,
			groups,
			clientId: record.clientId,
			scope: record.scope,
			expiresAt,
			expired,
			refreshable: record.refreshToken !== undefined,
			store: store.kind,
			storeLocation: store.location,
		};
		process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
		return;
	}
	const rows: [string, string][] = [
		['issuer', record.issuer],
		['subject', sub],
		['email', email ?? '-'],
		['name', name ?? '-'],
		['groups', groups.length > 0 ? groups.join(', ') : '-'],
		['token', describeExpiry(expiresAt, expired, record.refreshToken !== undefined)],
		['store', describeStore(store)],
	];
	for (const [label, value] of rows) process.stdout.write(`${label.padEnd(8)} ${value}\n`);
}

function describeExpiry(expiresAt: string | null, expired: boolean, refreshable: boolean): string {
	if (expiresAt === null) return 'no expiry given';
	if (!expired) return `valid until ${expiresAt}`;
	return refreshable ? `expired at ${expiresAt}; renewed silently at the next \`mcprec run\`` : `expired at ${expiresAt}; run \`mcprec login\``;
}

export function describeStore(store: CredentialStore): string {
	return store.kind === 'file' ? `file ${store.location}` : store.location;
}
