// Two lines naming the session: who and what was recorded, when, for how long, how much.

import { Box, Text } from 'ink';
import type { SessionRow } from '../store/session-queries.js';
import { formatBytes, formatClock, formatDuration, sanitizeText } from '../replay/format-timeline.js';

export interface SessionHeaderProps {
	session: SessionRow;
	width: number;
}

export function SessionHeader({ session, width }: SessionHeaderProps) {
	const client = session.client_name ? `client ${session.client_name}${session.client_version ? ` ${session.client_version}` : ''}` : null;
	const user = session.identity_email ?? session.identity_name ?? session.os_user;
	const duration = session.ended_at === null ? 'still running' : formatDuration((session.ended_at - session.started_at) / 1000);
	const ending = session.end_reason ? `${session.end_reason}${exitText(session)}` : null;
	const counts = [
		`${plural(session.messages, 'message')} (${formatBytes(session.bytes)})`,
		plural(session.requests, 'request'),
		`${plural(session.errors, 'error')}${session.tool_errors ? ` (${session.tool_errors} tool)` : ''}`,
		// Blocked, masked and approved are news when they happened; zero is the quiet default.
		session.blocked ? `${session.blocked} blocked` : null,
		session.denied ? `${session.denied} denied` : null,
		session.masked ? `${session.masked} masked` : null,
		session.approvals ? plural(session.approvals, 'approval') : null,
		plural(session.event_count, 'event'),
	]
		.filter(Boolean)
		.join(' · ');
	const facts = [client, session.protocol_version ? `protocol ${session.protocol_version}` : null, user ? `user ${user}` : null].filter(Boolean).join('  ');
	return (
		<Box flexDirection="column" width={width} height={2}>
			<Text wrap="truncate-end">
				<Text bold color="cyan">mcprec replay</Text>
				<Text> {session.id}  </Text>
				<Text bold>{sanitizeText(session.server)}</Text>
				<Text dimColor>  {sanitizeText(facts)}</Text>
			</Text>
			<Text wrap="truncate-end">
				<Text>started {formatClock(session.started_at)} · {duration}</Text>
				{ending ? <Text dimColor> · {ending}</Text> : null}
				<Text> · {counts}</Text>
			</Text>
		</Box>
	);
}

function exitText(session: SessionRow): string {
	if (session.exit_signal) return `, ${session.exit_signal}`;
	if (session.exit_code !== null) return `, exit ${session.exit_code}`;
	return '';
}

function plural(count: number, noun: string): string {
	return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
