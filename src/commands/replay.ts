export async function replayCommand(..._args: unknown[]): Promise<void> {}
