// Keys come from the terminal even when stdin is a pipe (`… | mcprec replay last`), the way
// `less` reads /dev/tty.

import fs from 'node:fs';
import tty from 'node:tty';
import { UserError } from '../errors/user-error.js';

export interface TerminalInput {
	stream: NodeJS.ReadStream;
	close: () => void;
}

export function openTerminalInput(): TerminalInput {
	if (process.stdin.isTTY) return { stream: process.stdin, close: () => {} };
	let descriptor: number;
	try {
		descriptor = fs.openSync('/dev/tty', 'r');
	} catch {
		throw new UserError('the interactive replay needs a terminal to read keys from; use --plain or --json');
	}
	const stream = new tty.ReadStream(descriptor);
	return { stream: stream as unknown as NodeJS.ReadStream, close: () => stream.destroy() };
}
