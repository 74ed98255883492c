// Draws the interactive timeline full-screen (the terminal's alternate screen, like `less`)
// and resolves when the person quits, leaving their scrollback as it was.

import chalk from 'chalk';
import { render } from 'ink';
import { stdoutColours } from '../terminal/colours.js';
import { buildExchanges } from '../replay/build-exchanges.js';
import type { ReplayEvent } from '../event/event-forms.js';
import type { SessionRow } from '../store/session-queries.js';
import { ReplayApp } from './replay-app.js';
import { openTerminalInput } from './terminal-input.js';

export interface RunReplayTuiOptions {
	session: SessionRow;
	events: ReplayEvent[];
	/** Play back N times faster than recorded (1 = real time); without it, show everything at once. */
	speed?: number;
	stdout?: NodeJS.WriteStream;
	stdin?: NodeJS.ReadStream;
}

const ENTER_ALTERNATE_SCREEN = '\u001B[?1049h\u001B[H';
const LEAVE_ALTERNATE_SCREEN = '\u001B[?1049l';

export async function runReplayTui({ session, events, speed, stdout = process.stdout, stdin }: RunReplayTuiOptions): Promise<void> {
	const input = stdin ? { stream: stdin, close: () => {} } : openTerminalInput();
	const exchanges = buildExchanges(events);
	// ink styles through chalk's default instance, which ignores NO_COLOR: give it mcprec's decision.
	chalk.level = stdoutColours.level;
	// Leave the alternate screen even when something ends the process abruptly.
	const restoreScreen = () => stdout.write(LEAVE_ALTERNATE_SCREEN);
	stdout.write(ENTER_ALTERNATE_SCREEN);
	process.once('exit', restoreScreen);
	try {
		const app = render(<ReplayApp session={session} events={events} exchanges={exchanges} speed={speed} />, {
			stdout,
			stdin: input.stream,
			exitOnCtrlC: true,
			patchConsole: true,
		});
		await app.waitUntilExit();
	} finally {
		process.off('exit', restoreScreen);
		restoreScreen();
		input.close();
	}
}
