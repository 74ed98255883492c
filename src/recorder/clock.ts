/** Microsecond wall-clock timestamps that never go backwards within a process. */
export interface Clock {
	nowMicros(): number;
}

export function systemClock(): Clock {
	const originMicros = Date.now() * 1000 - Number(process.hrtime.bigint() / 1000n);
	let last = 0;
	return {
		nowMicros() {
			let now = originMicros + Number(process.hrtime.bigint() / 1000n);
			if (now <= last) now = last + 1;
			last = now;
			return now;
		},
	};
}
