// `mcprec verify --bundle FILE`: checks an evidence bundle downloaded from the collector,
// offline, with what the file holds (src/verify/verify-bundle.ts). Exit 0 intact, 1 not.

import fs from 'node:fs';
import { stdoutColours } from '../terminal/colours.js';
import { ExitCode, UserError } from '../errors/user-error.js';
import { verifyBundle } from '../verify/verify-bundle.js';

export async function verifyBundleCommand(file: string, options: { json?: boolean; session?: string }): Promise<void> {
	if (options.session) throw new UserError(`give either a session or --bundle, not both (got '${options.session}' and --bundle ${file})`);
	let archive: Buffer;
	try {
		archive = fs.readFileSync(file);
	} catch (error) {
		throw new UserError(`cannot read the bundle ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); download it from the session's page in the viewer`);
	}
	const result = verifyBundle(archive);
	if (options.json) process.stdout.write(`${JSON.stringify({ bundle: file, ...result }, null, 2)}\n`);
	else if (result.intact) {
		const signature = result.signature === 'ok' ? `, signature ok (device ${result.deviceId})` : ', no device signature: only the chain was checked';
		process.stdout.write(`${stdoutColours.green('✓')} ${result.sessionId} intact (${result.events} events${signature})\n`);
	} else {
		const where = result.firstBadSeq === null ? '' : ` at seq ${result.firstBadSeq}`;
		process.stdout.write(`${stdoutColours.red('✗')} ${result.sessionId} does not check out${where}: ${result.problem}\n`);
	}
	if (!result.intact) process.exitCode = ExitCode.checkFailed;
}
