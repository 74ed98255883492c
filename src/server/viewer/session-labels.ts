// Small pieces the session list and the session page both show.

import type { Outcomes } from '../event-outcomes.js';
import type { Integrity } from '../session-integrity.js';
import type { StoredSession } from '../store/collector-store.js';
import { html, type Html } from './html.js';

export const INTEGRITY_TEXT: Record<Integrity, string> = {
	verified: 'signed by its device; every signed event is here and the chain ends at the signed head',
	incomplete: 'signed by its device, but the collector does not hold every signed event yet',
	invalid: 'the signature, the device or the stored chain does not match what was signed',
	unsigned: 'no device signature yet (the session is open, or its device has no key)',
};

export function integrityBadge(integrity: Integrity): Html {
	return html`<span class="integrity integrity-${integrity}" data-integrity="${integrity}" title="${INTEGRITY_TEXT[integrity]}">${integrity}</span>`;
}

export function outcomeBadges(outcomes: Outcomes): Html {
	const shown = (['blocked', 'masked', 'approved', 'errors'] as const).filter((name) => outcomes[name] > 0);
	return html`${shown.map((name) => html`<span class="marker marker-${name}" data-outcome="${name}">${name} ${outcomes[name]}</span> `)}`;
}

export function userLabel(session: StoredSession): string {
	return session.ownerEmail ?? session.ownerSub;
}
