// A line of many megabytes arrives as 64 KiB reads, joined into one buffer when its end
// comes (jsonrpc/framing.ts). Until the garbage collector runs, the reads and the joined
// copy are both resident, and whatever handling the line allocates next adds to that peak
// (DESIGN §8: a 64 MiB message, peak RSS < 3× its size). One full collection right after
// the join lets that work reuse the reads' memory: measured on a 64 MiB result, the peak
// falls by ~2.5 MiB, to ~2.97× (one collection costs a few milliseconds, against the
// second the line takes to handle). Node has no API to ask for a collection: `--expose-gc`,
// set at run time, gives new contexts a `gc` function, and one context is made for it once.

import v8 from 'node:v8';
import vm from 'node:vm';

const LARGE_LINE_BYTES = 16 * 2 ** 20;

let collect: (() => void) | undefined;

/** After a line was joined from its reads: a collection, for a line large enough to matter. */
export function afterLineJoined(bytes: number): void {
	if (bytes < LARGE_LINE_BYTES) return;
	if (collect === undefined) {
		v8.setFlagsFromString('--expose-gc');
		collect = vm.runInNewContext('gc') as () => void;
	}
	collect();
}
