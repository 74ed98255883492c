// The one colour decision for everything mcprec prints: colour only when the stream written
// to is a terminal, so a table piped to a file has none. chalk's supports-color already
// honours FORCE_COLOR (0 none; 1, 2, 3 colour even on a pipe) and TERM=dumb, but not
// NO_COLOR (https://no-color.org): a non-empty NO_COLOR turns colour off here unless
// FORCE_COLOR is set too, the precedence Node's own `tty.hasColors()` gives them.

import { Chalk, supportsColor, type ChalkInstance, type ColorInfo, type ColorSupportLevel } from 'chalk';

/** The chalk level for a stream whose supports-color verdict is `support`. */
export function colourLevel(support: ColorInfo, env: NodeJS.ProcessEnv = process.env): ColorSupportLevel {
	if (env.FORCE_COLOR === undefined && env.NO_COLOR) return 0;
	return support ? support.level : 0;
}

/**
 * Styles for text written to stdout, the only stream mcprec colours. Text coloured for
 * stderr would need an instance decided on chalk's `supportsColorStderr` instead.
 */
export const stdoutColours: ChalkInstance = new Chalk({ level: colourLevel(supportsColor) });
