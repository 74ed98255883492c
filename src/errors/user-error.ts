/** An expected failure: printed as one line without a stack, with an exit code scripts can rely on. */
export class UserError extends Error {
	override name = 'UserError';
	constructor(
		message: string,
		readonly exitCode: number = 2,
	) {
		super(message);
	}
}

/** Exit codes: 0 success, 1 a check failed (verify found tampering), 2 bad usage or input, 3 store problem. */
export const ExitCode = { ok: 0, checkFailed: 1, usage: 2, store: 3 } as const;
