// The write-ahead journal's cost (DESIGN §3 and §8): the short-session measure through
// mcprec as it runs (every event journaled before it is forwarded) and through mcprec whose
// journal folder cannot be created, the one way it runs without: it says so on stderr and
// records through the store alone. Fresh processes in rotating order, as in
// measure-short-session.ts. Not a budget of its own: every budget is measured with the
// journal on; this shows what it adds.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { mcprecPath, type BenchPath } from './bench-paths.js';
import { RpcClient } from './rpc-client.js';
import { shortSessions, type ShortSessionOptions } from './measure-short-session.js';
import { log, round } from './stats.js';

export async function measureJournalCost(options: ShortSessionOptions) {
	const withoutHome = path.join(options.home, 'without-journal');
	mkdirSync(withoutHome);
	// A file where the journal folder goes: `run` cannot create the folder and goes on without.
	writeFileSync(path.join(withoutHome, 'journal'), 'not a folder\n');
	const confirmed = await runsWithoutJournal(mcprecPath({ home: withoutHome }));
	const summary = await shortSessions(
		{ journal: mcprecPath({ home: options.home }), withoutJournal: mcprecPath({ home: withoutHome }) },
		options,
	);
	const journal = summary('journal');
	const withoutJournal = summary('withoutJournal');
	log(`journal cost: p50 µs ${withoutJournal.p50Us} without, ${journal.p50Us} with; pipelined/s ${withoutJournal.requestsPerSecond} without, ${journal.requestsPerSecond} with`);
	return {
		repetitions: options.repetitions,
		perSession: { warmup: options.warmup, timed: options.timed, pipelined: options.pipelined },
		journal,
		withoutJournal,
		// mcprec said it ran without its journal: the comparison is what it claims to be.
		withoutJournalConfirmed: confirmed,
		cost: {
			p50: round(journal.p50Us / withoutJournal.p50Us),
			p99: round(journal.p99Us / withoutJournal.p99Us),
			throughput: round(journal.requestsPerSecond / withoutJournal.requestsPerSecond),
		},
		budget: 'none of its own: shows what the journal adds (every budget is measured with it on); fails only if mcprec did not run without it',
		pass: confirmed,
	};
}

async function runsWithoutJournal(path: BenchPath): Promise<boolean> {
	const client = new RpcClient(path);
	try {
		await client.initialize();
	} finally {
		await client.close();
	}
	return client.stderr.includes('the write-ahead journal cannot be created');
}
