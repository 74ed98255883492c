// A readable diff of two versions of a config file for `install --dry-run`: changed lines
// with two lines of context, `-` before and `+` after. The common head and tail are cut
// first, so the quadratic part only sees the changed middle.

export function lineDiff(before: string, after: string, context = 2): string {
	if (before === after) return '';
	const a = before.split(/\r?\n/);
	const b = after.split(/\r?\n/);
	let head = 0;
	while (head < a.length && head < b.length && a[head] === b[head]) head++;
	let tail = 0;
	while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
	const middleA = a.slice(head, a.length - tail);
	const middleB = b.slice(head, b.length - tail);
	const ops = diffMiddle(middleA, middleB);
	const lines: string[] = [];
	const from = Math.max(0, head - context);
	lines.push(`@@ line ${from + 1} @@`);
	for (let index = from; index < head; index++) lines.push(`  ${a[index]}`);
	lines.push(...ops);
	for (let index = a.length - tail; index < Math.min(a.length, a.length - tail + context); index++) lines.push(`  ${a[index]}`);
	return `${lines.join('\n')}\n`;
}

// Longest common subsequence over the changed middle.
function diffMiddle(a: string[], b: string[]): string[] {
	const width = b.length + 1;
	const table = new Uint32Array((a.length + 1) * width);
	for (let i = a.length - 1; i >= 0; i--) {
		for (let j = b.length - 1; j >= 0; j--) {
			table[i * width + j] = a[i] === b[j] ? table[(i + 1) * width + j + 1]! + 1 : Math.max(table[(i + 1) * width + j]!, table[i * width + j + 1]!);
		}
	}
	const out: string[] = [];
	let i = 0;
	let j = 0;
	while (i < a.length || j < b.length) {
		if (i < a.length && j < b.length && a[i] === b[j]) {
			out.push(`  ${a[i++]}`);
			j++;
		} else if (i < a.length && (j === b.length || table[(i + 1) * width + j]! >= table[i * width + j + 1]!)) out.push(`- ${a[i++]}`);
		else out.push(`+ ${b[j++]}`);
	}
	return out;
}
