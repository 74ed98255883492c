// A session as evidence to take away (issue 20): the bundle of src/event/evidence-bundle.ts,
// built from what the collector stores — every event as uploaded, the device's signed head
// and the key it is checked against — so a reader can check it without the collector.

import type { ChainEvent } from '../event/event.js';
import { encodeEventLines } from '../event/event-forms.js';
import { writeBundle } from '../event/evidence-bundle.js';
import { sealMessage } from '../event/device-signature.js';
import { sessionView } from './session-view.js';
import type { CollectorStore, StoredSession } from './store/collector-store.js';

const READ_PAGE = 1000;

export function evidenceFileName(session: StoredSession): string {
	return `mcprec-evidence-${session.id}.tar`;
}

export async function buildEvidenceBundle(store: CollectorStore, session: StoredSession, collectorUrl: string): Promise<Buffer> {
	const events: ChainEvent[] = [];
	for (;;) {
		const page = await store.readEvents(session.id, { afterSeq: events.length - 1, limit: READ_PAGE });
		events.push(...page);
		if (page.length < READ_PAGE) break;
	}
	const seal = session.seal;
	const device = seal ? await store.getDevice(session.ownerSub, seal.deviceId) : undefined;
	const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
	const files = {
		'session.json': json({ ...sessionView(session), exportedFrom: collectorUrl }),
		'events.ndjson': encodeEventLines(events),
		...(seal
			? {
					'seal.json': json({
						sessionId: session.id,
						deviceId: seal.deviceId,
						eventCount: seal.eventCount,
						headHash: seal.headHash,
						signature: seal.signature,
						algorithm: 'Ed25519',
						signedText: sealMessage({ sessionId: session.id, eventCount: seal.eventCount, headHash: seal.headHash }).toString('utf8'),
					}),
				}
			: {}),
		...(device ? { 'device-key.json': json({ deviceId: device.id, owner: session.ownerSub, publicKey: device.publicKey, registeredAt: new Date(device.registeredAt).toISOString() }) } : {}),
		'README.txt': readme(session, events.length, Boolean(seal), Boolean(device)),
	};
	return writeBundle(`mcprec-evidence-${session.id}`, files, Math.floor((session.updatedAt || Date.now()) / 1000));
}

function readme(session: StoredSession, eventCount: number, sealed: boolean, keyed: boolean): string {
	return `mcprec evidence bundle — session ${session.id} (${session.server}), ${eventCount} events.

Check it offline:

    mcprec verify --bundle mcprec-evidence-${session.id}.tar

That recomputes the hash chain of events.ndjson from the session id, and checks the
device's Ed25519 signature in seal.json over its signed text with device-key.json.
${sealed ? '' : '\nThis session has no device signature (it was open, or its device has no key):\nonly the hash chain can be checked.\n'}${sealed && !keyed ? '\nThe collector does not hold the key of the device that signed it.\n' : ''}
By hand: each line of events.ndjson is one event; payload is base64 of the exact bytes.
hash = SHA-256(prevHash ‖ canonical(event)), the first prevHash derived from the
session id; the canonical form is described in mcprec's README ("Tamper evidence").
The signed text is "mcprec-seal-v1\\n<session id>\\n<event count>\\n<head hash>".
`;
}
