// The query line shown while typing a `/` search.

import { Text } from 'ink';

export interface SearchInputProps {
	text: string;
	matchCount: number;
}

export function SearchInput({ text, matchCount }: SearchInputProps) {
	const result = text.trim() === '' ? 'method, tool or payload text; tool:NAME, method:NAME' : matchCount === 0 ? 'no match' : `${matchCount} match${matchCount === 1 ? '' : 'es'}`;
	return (
		<Text wrap="truncate-end">
			<Text bold color="magenta">
				/
			</Text>
			<Text>{text}</Text>
			<Text inverse> </Text>
			<Text dimColor>
				{'  '}
				{result} · Enter keep · Esc cancel
			</Text>
		</Text>
	);
}
