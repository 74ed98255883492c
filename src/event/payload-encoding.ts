// How an event's payload is kept at rest, locally and on the collector alike: as is, or
// deflate-raw when it is large and shrinks by at least a tenth. Hashes always cover the
// uncompressed bytes (hash-chain.ts), so the encoding never changes a chain.

// node:zlib is taken on first use: `run` rarely compresses, and loading it costs every
// session's startup ~3 ms (DESIGN §8).
const zlib = () => process.getBuiltinModule('node:zlib');

export type PayloadEncoding = 'identity' | 'deflate-raw';

/** Payloads above this size are tried with deflate-raw (level 1: cheap, most of the gain on JSON). */
export const COMPRESS_ABOVE_BYTES = 64 * 1024;

export function encodePayload(payload: Buffer): { payload: Buffer; encoding: PayloadEncoding } {
	if (payload.length > COMPRESS_ABOVE_BYTES) {
		const compressed = zlib().deflateRawSync(payload, { level: 1 });
		if (compressed.length < payload.length * 0.9) return { payload: compressed, encoding: 'deflate-raw' };
	}
	return { payload, encoding: 'identity' };
}

export function decodePayloadBytes(payload: Buffer, encoding: string): Buffer {
	return encoding === 'deflate-raw' ? zlib().inflateRawSync(payload) : payload;
}
