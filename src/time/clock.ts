/** Microsecond wall-clock timestamps that never go backwards within a process. */
export interface Clock {
	nowMicros(): number;
}

export function systemClock(): Clock {
	// performance.now() (a double, sub-µs) costs about half of hrtime.bigint() and a BigInt
	// division, and the proxy stamps every message.
	const originMicros = Date.now() * 1000 - Math.floor(performance.now() * 1000);
	let last = 0;
	return {
		nowMicros() {
			let now = originMicros + Math.floor(performance.now() * 1000);
			if (now <= last) now = last + 1;
			last = now;
			return now;
		},
	};
}
