// The selected exchange in full: request and response, scrollable once it has the keys.

import { Box, Text } from 'ink';
import type { DetailLine } from './detail-lines.js';

export interface DetailPaneProps {
	lines: DetailLine[];
	top: number;
	rows: number;
	width: number;
	focused: boolean;
}

const TONE_COLORS: Record<NonNullable<DetailLine['tone']>, string> = {
	heading: 'cyan',
	error: 'red',
	muted: 'gray',
	warning: 'yellow',
};

export function DetailPane({ lines, top, rows, width, focused }: DetailPaneProps) {
	const shown = lines.slice(top, top + rows);
	const last = Math.min(lines.length, top + rows);
	const position = lines.length <= rows ? `${lines.length} lines` : `lines ${top + 1}–${last} of ${lines.length}`;
	const hint = focused ? '↑↓ PgUp/PgDn g/G scroll · Esc back to the list' : 'Enter/Tab to scroll';
	return (
		<Box flexDirection="column" borderStyle="round" borderColor={focused ? 'cyan' : 'gray'} width={width} height={rows + 3}>
			<Text wrap="truncate-end">
				<Text bold>Detail</Text>
				<Text dimColor>
					{'  '}
					{position} · {hint}
				</Text>
			</Text>
			{shown.map((line, index) => (
				<Text key={top + index} wrap="truncate-end" color={line.tone ? TONE_COLORS[line.tone] : undefined} bold={line.tone === 'heading'}>
					{line.text}
				</Text>
			))}
		</Box>
	);
}
