// Small pieces the session list and the session page both show.

import { OUTCOME_KEYS, OUTCOME_NAMES, type OutcomeName, type Outcomes } from '../event-outcomes.js';
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

/** What each outcome means, for the filter and the badges' tooltips. */
export const OUTCOME_LABELS: Record<OutcomeName, { label: string; title: string }> = {
	errors: { label: 'errors', title: 'error answers of any kind: JSON-RPC errors and tool errors' },
	'tool-errors': { label: 'tool errors', title: 'tools/call results with isError: true (the tool ran and failed)' },
	blocked: { label: 'blocked by policy', title: 'calls a policy rule refused' },
	denied: { label: 'denied by approver', title: 'held calls that were not approved: an approver said no, or nobody answered in time' },
	held: { label: 'held', title: 'calls held for approval' },
	approved: { label: 'approved', title: 'held calls an approver (or a grant) let through' },
	masked: { label: 'masked', title: 'values masked in results or in the record' },
};

// Tool errors are shown inside the errors badge ("errors 3 (2 tool)"), not as a second badge.
// With `link`, each badge is a link (to the session's first row of that kind, or the next).
export function outcomeBadges(outcomes: Outcomes, link?: (name: OutcomeName) => string): Html {
	const shown = OUTCOME_NAMES.filter((name) => name !== 'tool-errors' && outcomes[OUTCOME_KEYS[name]] > 0);
	return html`${shown.map((name) => {
		const count = outcomes[OUTCOME_KEYS[name]];
		const text = name === 'errors' && outcomes.toolErrors > 0 ? `errors ${count} (${outcomes.toolErrors} tool)` : `${OUTCOME_LABELS[name].label.replace(/ by .*/, '')} ${count}`;
		return link
			? html`<a class="marker marker-${name}" data-outcome="${name}" data-flag="${name}" href="${link(name)}" title="${OUTCOME_LABELS[name].title} — go to the first">${text}</a> `
			: html`<span class="marker marker-${name}" data-outcome="${name}" title="${OUTCOME_LABELS[name].title}">${text}</span> `;
	})}`;
}

export function userLabel(session: StoredSession): string {
	return session.ownerEmail ?? session.ownerSub;
}
