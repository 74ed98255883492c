// A session's integrity as the collector can prove it: the device's signature over the
// closed session's head (device-signature.ts) and the chain actually stored.

/** verified: signed, signature good, every signed event stored and the head matches.
 *  unsigned: no seal yet (open session, or a client without a device key).
 *  incomplete: signature good, but the collector holds fewer events than were signed.
 *  invalid: bad signature, unknown device, or the stored chain differs from what was signed. */
export type Integrity = 'verified' | 'unsigned' | 'incomplete' | 'invalid';

/** The signed head of a closed session, as stored. */
export interface Seal {
	headHash: string;
	eventCount: number;
	deviceId: string;
	signature: string;
	/** Whether the signature verified against the device's registered key when received. */
	valid: boolean;
}

export function deriveIntegrity(input: { seal: Seal | null; nextSeq: number; headHash: string | null; genesis: string }): Integrity {
	const { seal, nextSeq } = input;
	if (!seal) return 'unsigned';
	if (!seal.valid) return 'invalid';
	if (nextSeq < seal.eventCount) return 'incomplete';
	if (nextSeq > seal.eventCount) return 'invalid';
	return (input.headHash ?? input.genesis) === seal.headHash ? 'verified' : 'invalid';
}
