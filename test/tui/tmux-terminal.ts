// A real terminal for TUI tests: a detached tmux session on a private socket, driven with
// send-keys and read with capture-pane, the way a person types and looks.

import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';

export function hasTmux(): boolean {
	return spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
}

export interface TmuxTerminalOptions {
	/** Directory for the tmux socket (keep the path short: sockets are limited to ~100 bytes). */
	directory: string;
	name: string;
	columns: number;
	rows: number;
	/** Shell command run in the pane. */
	command: string;
}

export class TmuxTerminal {
	readonly socket: string;
	readonly target: string;

	private constructor(socket: string, target: string) {
		this.socket = socket;
		this.target = target;
	}

	static start({ directory, name, columns, rows, command }: TmuxTerminalOptions): TmuxTerminal {
		const socket = path.join(directory, `${name}.sock`);
		const terminal = new TmuxTerminal(socket, name);
		terminal.tmux(['new-session', '-d', '-s', name, '-x', String(columns), '-y', String(rows), command]);
		return terminal;
	}

	/** `tmux send-keys`: key names such as `j`, `Enter`, `Escape`, `PageDown`, or literal text with `-l`. */
	keys(...keys: string[]): void {
		this.tmux(['send-keys', '-t', this.target, ...keys]);
	}

	/** Types text literally, one character at a time, as a person would. */
	type(text: string): void {
		for (const character of text) this.tmux(['send-keys', '-t', this.target, '-l', character]);
	}

	/** The pane's rows as text (no colours), one line per row. */
	screen(): string {
		return this.tmux(['capture-pane', '-p', '-t', this.target]).replace(/\n$/, '');
	}

	lines(): string[] {
		return this.screen().split('\n');
	}

	resize(columns: number, rows: number): void {
		this.tmux(['resize-window', '-t', this.target, '-x', String(columns), '-y', String(rows)]);
	}

	/** Polls the screen until `check` accepts it; fails with the last screen after `timeoutMs`. */
	async waitFor(description: string, check: (screen: string) => boolean, timeoutMs = 15_000): Promise<string> {
		const deadline = Date.now() + timeoutMs;
		let screen = '';
		for (;;) {
			screen = this.screen();
			if (check(screen)) return screen;
			if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}; the screen was:\n${screen}`);
			await new Promise((resolve) => setTimeout(resolve, 40));
		}
	}

	/** Ends this tmux server (only ours: it has its own socket). */
	close(): void {
		spawnSync('tmux', ['-S', this.socket, 'kill-server'], { stdio: 'ignore' });
	}

	private tmux(args: string[]): string {
		return execFileSync('tmux', ['-S', this.socket, ...args], { encoding: 'utf8' });
	}
}

/** The selected row of the exchange list (marked `▸`). */
export function selectedRow(screen: string): string | undefined {
	return screen.split('\n').find((line) => line.startsWith('│▸'));
}

/** Quotes a value for the pane's shell. */
export function shellQuote(value: string): string {
	return `'${value.replace(/'/g, `'\\''`)}'`;
}
