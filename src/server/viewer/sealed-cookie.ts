// The viewer's cookies carry their state sealed (AES-256-GCM, with an expiry inside), so
// any collector sharing the key can read them and nobody else can read or forge them:
// collectors stay stateless.

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export interface CookieSealer {
	seal(value: Record<string, unknown>, maxAgeSeconds: number): string;
	/** The value, or undefined when the cookie is forged, damaged, sealed with another key or expired. */
	open(text: string | undefined): Record<string, unknown> | undefined;
}

export function createCookieSealer(options: { secret: Buffer | string; now?: () => number }): CookieSealer {
	const key = createHash('sha256').update('mcprec-viewer-cookie-v1\n').update(options.secret).digest();
	const now = options.now ?? Date.now;
	return {
		seal(value, maxAgeSeconds) {
			const iv = randomBytes(12);
			const cipher = createCipheriv('aes-256-gcm', key, iv);
			const plain = Buffer.from(JSON.stringify({ value, exp: now() + maxAgeSeconds * 1000 }));
			const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
			return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
		},
		open(text) {
			if (!text) return undefined;
			try {
				const bytes = Buffer.from(text, 'base64url');
				const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
				decipher.setAuthTag(bytes.subarray(12, 28));
				const plain = Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]);
				const { value, exp } = JSON.parse(plain.toString('utf8')) as { value: Record<string, unknown>; exp: number };
				return exp > now() ? value : undefined;
			} catch {
				return undefined;
			}
		},
	};
}

/** Cookies of a request header, by name (the first of each name wins). */
export function readCookies(header: string | undefined): Map<string, string> {
	const cookies = new Map<string, string>();
	for (const part of (header ?? '').split(';')) {
		const index = part.indexOf('=');
		if (index < 0) continue;
		const name = part.slice(0, index).trim();
		if (!cookies.has(name)) cookies.set(name, part.slice(index + 1).trim());
	}
	return cookies;
}

export function cookieHeader(options: { name: string; value: string; maxAgeSeconds: number; path: string; secure: boolean }): string {
	const parts = [`${options.name}=${options.value}`, `Path=${options.path}`, `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`, 'HttpOnly', 'SameSite=Lax'];
	if (options.secure) parts.push('Secure');
	return parts.join('; ');
}
