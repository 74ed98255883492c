// Short, fixed-shape renderings of times and sizes for the timeline's narrow columns.

/** `+0.040s`, `+12.345s`, `+1:02.345`, `+1:02:03` since the session started. */
export function formatOffset(micros: number): string {
	const millis = Math.max(0, Math.round(micros / 1000));
	const seconds = millis / 1000;
	if (seconds < 60) return `+${seconds.toFixed(3)}s`;
	const totalSeconds = Math.floor(seconds);
	const hours = Math.floor(totalSeconds / 3600);
	const minutes = Math.floor((totalSeconds % 3600) / 60);
	if (hours > 0) return `+${hours}:${pad2(minutes)}:${pad2(totalSeconds % 60)}`;
	const rest = (seconds - minutes * 60).toFixed(3).padStart(6, '0');
	return `+${minutes}:${rest}`;
}

/** `0.4 ms`, `669 ms`, `1.25 s`, `3m02s`. */
export function formatDuration(millis: number): string {
	if (millis < 1) return `${millis.toFixed(1)} ms`;
	if (millis < 1000) return `${Math.round(millis)} ms`;
	if (millis < 60_000) return `${(millis / 1000).toFixed(2)} s`;
	const totalSeconds = Math.round(millis / 1000);
	const hours = Math.floor(totalSeconds / 3600);
	const minutes = Math.floor((totalSeconds % 3600) / 60);
	if (hours > 0) return `${hours}h${pad2(minutes)}m`;
	return `${minutes}m${pad2(totalSeconds % 60)}s`;
}

/** `88 B`, `7.5 KiB`, `64.0 MiB`. */
export function formatBytes(bytes: number): string {
	if (bytes < 1024) return `${bytes} B`;
	const units = ['KiB', 'MiB', 'GiB', 'TiB'];
	let value = bytes / 1024;
	let unit = 0;
	while (value >= 1024 && unit < units.length - 1) {
		value /= 1024;
		unit += 1;
	}
	return `${value.toFixed(1)} ${units[unit]}`;
}

/** Local wall-clock time `2026-11-22 13:40:41`, the way a person reads a start time. */
export function formatClock(micros: number): string {
	const date = new Date(Math.floor(micros / 1000));
	const day = `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())}`;
	return `${day} ${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
}

function pad2(value: number): string {
	return String(value).padStart(2, '0');
}

// Recorded payloads are untrusted: a server's stderr may carry escape sequences that would
// move the cursor or recolour the screen. Show control characters instead of obeying them.
export function sanitizeText(text: string): string {
	return text.replace(/\t/g, '    ').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (character) => {
		const code = character.charCodeAt(0);
		return code === 0x1b ? '␛' : `\\x${code.toString(16).padStart(2, '0')}`;
	});
}

/** Pads or cuts to exactly `width` code points, marking a cut with `…`. */
export function fit(text: string, width: number): string {
	if (width <= 0) return '';
	const characters = Array.from(text);
	if (characters.length <= width) return text + ' '.repeat(width - characters.length);
	return `${characters.slice(0, width - 1).join('')}…`;
}
