// What a command's failure means for the person and for scripts: one line on stderr (a
// stack trace only for the unexpected) and the exit code of DESIGN §2.

import { CredentialStoreError } from '../identity/credential-store.js';
import { PolicyError } from '../policy/policy-types.js';
import { StoreError } from '../errors/store-error.js';
import { ExitCode, UserError } from '../errors/user-error.js';

/** Prints why a command failed and returns the exit code. */
export function reportFailure(error: unknown): number {
	if (error instanceof UserError) {
		process.stderr.write(`mcprec: ${error.message}\n`);
		return error.exitCode;
	}
	if (error instanceof PolicyError || error instanceof CredentialStoreError) {
		process.stderr.write(`mcprec: ${error.message}\n`);
		return ExitCode.usage;
	}
	if (error instanceof StoreError) {
		process.stderr.write(`mcprec: ${error.message}\n`);
		return ExitCode.store;
	}
	const code = (error as { code?: string }).code;
	if (typeof code === 'string' && code.startsWith('SQLITE_')) {
		process.stderr.write(`mcprec: the recording database failed: ${(error as Error).message}\n`);
		return ExitCode.store;
	}
	process.stderr.write(`mcprec: unexpected error (please report it): ${(error as Error).stack ?? String(error)}\n`);
	return 70;
}
