// The footer: the keys that work right now.

import { Text } from 'ink';

export interface StatusBarProps {
	focus: 'list' | 'detail';
}

const LIST_KEYS: [string, string][] = [
	['↑↓/jk', 'move'],
	['PgUp/PgDn', 'page'],
	['g/G', 'top/bottom'],
	['Enter/Tab', 'detail'],
	['/', 'search'],
	['n/N', 'next/prev match'],
	['space', 'play/pause'],
	['p', 'protocol msgs'],
	['q', 'quit'],
];

const DETAIL_KEYS: [string, string][] = [
	['↑↓/jk', 'scroll'],
	['PgUp/PgDn', 'page'],
	['g/G', 'top/bottom'],
	['Esc/Tab', 'list'],
	['/', 'search'],
	['n/N', 'next/prev match'],
	['space', 'play/pause'],
	['p', 'protocol msgs'],
	['q', 'quit'],
];

export function StatusBar({ focus }: StatusBarProps) {
	const keys = focus === 'list' ? LIST_KEYS : DETAIL_KEYS;
	return (
		<Text wrap="truncate-end">
			{keys.map(([key, action], index) => (
				<Text key={key}>
					{index > 0 ? '  ' : ''}
					<Text bold color="cyan">
						{key}
					</Text>
					<Text dimColor> {action}</Text>
				</Text>
			))}
		</Text>
	);
}
