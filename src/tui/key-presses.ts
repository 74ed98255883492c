// Turns what ink reads from the terminal into single key presses. Ink hands over a whole
// chunk at once when keys arrive faster than it reads them (typing ahead, a held key,
// a paste): "jj" or "echo\r" must still count as separate presses.

import type { Key } from 'ink';

export type KeyPress =
	| { name: 'up' | 'down' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'return' | 'tab' | 'backTab' | 'escape' | 'backspace' | 'other' }
	| { name: 'text'; text: string };

export function keyPresses(input: string, key: Key): KeyPress[] {
	if (key.upArrow) return [{ name: 'up' }];
	if (key.downArrow) return [{ name: 'down' }];
	if (key.pageUp) return [{ name: 'pageUp' }];
	if (key.pageDown) return [{ name: 'pageDown' }];
	if (key.home) return [{ name: 'home' }];
	if (key.end) return [{ name: 'end' }];
	if (key.tab) return [{ name: key.shift ? 'backTab' : 'tab' }];
	if (key.escape) return [{ name: 'escape' }];
	if (key.backspace || key.delete) return [{ name: 'backspace' }];
	if (key.ctrl || key.meta || key.leftArrow || key.rightArrow) return [{ name: 'other' }];
	if (key.return && input.length <= 1) return [{ name: 'return' }];
	if (!input) return [{ name: 'other' }];
	return Array.from(input, characterPress);
}

function characterPress(character: string): KeyPress {
	switch (character) {
		case '\r':
		case '\n':
			return { name: 'return' };
		case '\t':
			return { name: 'tab' };
		case '\b':
		case '\u007f':
			return { name: 'backspace' };
		default:
			return character < ' ' ? { name: 'other' } : { name: 'text', text: character };
	}
}
