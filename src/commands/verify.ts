export async function verifyCommand(..._args: unknown[]): Promise<void> {}
