// A secret's value for `mcprec secret set`: typed at a prompt that echoes nothing, or read
// from stdin when it is not a terminal (`pass show x | mcprec secret set X`).

export async function readSecretValue(options: { prompt: string; input?: NodeJS.ReadStream; output?: NodeJS.WriteStream }): Promise<string> {
	const input = options.input ?? process.stdin;
	const output = options.output ?? process.stderr;
	if (!input.isTTY) return withoutFinalNewline(await readAll(input));
	return promptHidden(options.prompt, input, output);
}

async function readAll(input: NodeJS.ReadableStream): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
	return Buffer.concat(chunks).toString('utf8');
}

// Only the one newline a shell or `echo` adds; other whitespace may belong to the secret.
function withoutFinalNewline(text: string): string {
	return text.replace(/\r?\n$/, '');
}

function promptHidden(prompt: string, input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<string> {
	return new Promise((resolve, reject) => {
		let value = '';
		output.write(prompt);
		input.setRawMode(true);
		input.resume();
		input.setEncoding('utf8');
		const finish = (error?: Error) => {
			input.setRawMode(false);
			input.pause();
			input.off('data', onData);
			output.write('\n');
			if (error) reject(error);
			else resolve(value);
		};
		const onData = (text: string) => {
			for (const character of text) {
				if (character === '\r' || character === '\n' || character === '\u0004') return finish();
				if (character === '\u0003') return finish(Object.assign(new Error('cancelled'), { name: 'AbortError' }));
				if (character === '\u007f' || character === '\b') value = Array.from(value).slice(0, -1).join('');
				else if (character >= ' ') value += character;
			}
		};
		input.on('data', onData);
	});
}
