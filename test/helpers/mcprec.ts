// Shared helpers for tests that drive the built `mcprec` binary as a user would.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { inflateRawSync } from 'node:zlib';
import type { Command } from 'commander';
import { execa, type Options } from 'execa';
import type { EventRow } from '../../src/event/event-forms.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The built CLI; `npm test` builds before running vitest. */
export const mcprecBin = path.join(repoRoot, 'bin/mcprec.js');
export const fixturesDir = path.join(repoRoot, 'fixtures');

/** Paths to the official servers' entry points inside node_modules (never fetched). */
export const servers = {
	everything: path.join(repoRoot, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js'),
	filesystem: path.join(repoRoot, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js'),
	memory: path.join(repoRoot, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js'),
};

export function fixture(name: string): string {
	return path.join(fixturesDir, name);
}

/** A fresh MCPREC_HOME, removed by the caller's cleanup (or left in the OS temp dir). */
export function makeHome(prefix = 'mcprec-test-'): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Removes a test's MCPREC_HOME. */
export function removeHome(home: string): void {
	fs.rmSync(home, { recursive: true, force: true });
}

/** Runs `mcprec <args>` to completion and returns execa's result (never throws on exit code). */
export function runMcprec(args: string[], home: string, options: Options = {}) {
	return execa(process.execPath, [mcprecBin, ...args], {
		reject: false,
		...options,
		// After `...options`, so a test's extra environment keeps MCPREC_HOME.
		env: { MCPREC_HOME: home, NO_COLOR: '1', ...(options.env ?? {}) },
	});
}

/** Every command path of the CLI (`['policy', 'check']`…), read from the program (buildProgram()). */
export function commandPaths(command: Command, prefix: string[] = []): string[][] {
	return command.commands.flatMap((sub) => [[...prefix, sub.name()], ...commandPaths(sub, [...prefix, sub.name()])]);
}

export function openDatabase(home: string): Database.Database {
	return new Database(path.join(home, 'mcprec.db'));
}

/** An events row as stored (DESIGN §5). */
export type StoredEventRow = EventRow;

/** All events of the newest session (or the given one), in seq order. */
export function readEvents(home: string, sessionId?: string): StoredEventRow[] {
	const database = openDatabase(home);
	try {
		const id = sessionId ?? (database.prepare('SELECT id FROM sessions ORDER BY started_at DESC LIMIT 1').pluck().get() as string);
		return database.prepare('SELECT * FROM events WHERE session_id = ? ORDER BY seq').all(id) as StoredEventRow[];
	} finally {
		database.close();
	}
}

/**
 * The newest session's events once `ready` holds for them: the recorder commits in the
 * background (its writer thread starts a moment into the session), so a test that has its
 * answer may still be ahead of the store. Fails after `timeoutMs`.
 */
export async function waitForEvents(home: string, ready: (events: StoredEventRow[]) => boolean, timeoutMs = 5000): Promise<StoredEventRow[]> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const events = readEvents(home);
		if (ready(events)) return events;
		if (Date.now() > deadline) throw new Error(`the store did not get the expected events within ${timeoutMs} ms (it has ${events.length})`);
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
}

export function readSessions(home: string): Record<string, unknown>[] {
	const database = openDatabase(home);
	try {
		return database.prepare('SELECT * FROM sessions ORDER BY started_at').all() as Record<string, unknown>[];
	} finally {
		database.close();
	}
}

/** The stored bytes of an event, decompressed when the store compressed them. */
export function payloadOf(row: StoredEventRow): Buffer {
	return row.encoding === 'deflate-raw' ? inflateRawSync(row.payload) : row.payload;
}
