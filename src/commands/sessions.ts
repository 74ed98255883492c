export async function sessionsCommand(..._args: unknown[]): Promise<void> {}
