// Credentials in HTTP Authorization values: `Bearer <token>` anywhere (curl commands,
// logs, header dumps) and `Basic <base64 user:password>`. The scheme word stays visible.
// The scheme words are found by the shared scan in key-value-detector.ts.

export const BEARER_TOKEN = 'bearer-token';

const CREDENTIAL = / +([A-Za-z0-9._~+/-]{12,4096}={0,2})(?![A-Za-z0-9._~+/=-])/dy;

/** The range of the credential after the scheme word `bearer`/`basic` (any case) ending at schemeEnd, or null. */
export function findAuthorizationCredential(text: string, scheme: string, schemeEnd: number): [number, number] | null {
	CREDENTIAL.lastIndex = schemeEnd;
	const match = CREDENTIAL.exec(text);
	if (match === null) return null;
	const value = match[1];
	if (scheme.toLowerCase() === 'bearer') {
		if (!/\d/.test(value) || !/[A-Za-z]/.test(value) || /^[a-z]+(?:[-_.][a-z]+)*$/.test(value)) return null;
	} else if (!/^[\x20-\x7e]+:[\x20-\x7e]+$/.test(Buffer.from(value, 'base64').toString('latin1'))) return null;
	return match.indices![1];
}
