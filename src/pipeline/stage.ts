import type { Flow } from './flow.js';
import type { SessionContext } from './session-context.js';

/** One step of the data path (DESIGN §3). Hooks are synchronous; a stage that must wait sets `flow.hold`. */
export interface Stage {
	name: string;
	toServer?(flow: Flow, context: SessionContext): void;
	toClient?(flow: Flow, context: SessionContext): void;
	/**
	 * Shapes what the record keeps of a client message (Flow.recordAs, notes), and nothing
	 * else. Runs for every client message that is recorded, forwarded or answered by an
	 * earlier stage, once it is on its way: work that only concerns the record does not
	 * stand between the message and the server (DESIGN §8).
	 */
	recordToServer?(flow: Flow, context: SessionContext): void;
}

/** Runs the stages from `start` until one answers, swallows or holds the flow; returns where it stopped. */
export function runStages(stages: readonly Stage[], flow: Flow, context: SessionContext, start = 0): number {
	for (let index = start; index < stages.length; index++) {
		const stage = stages[index];
		const hook = flow.direction === 'to-server' ? stage.toServer : stage.toClient;
		if (!hook) continue;
		try {
			hook.call(stage, flow, context);
		} catch (error) {
			throw new StageError(stage.name, error);
		}
		if (flow.answer !== undefined || flow.swallow || flow.hold) return index;
	}
	return stages.length;
}

/** Runs every stage's recordToServer hook over a client message, in order. */
export function shapeRecord(stages: readonly Stage[], flow: Flow, context: SessionContext): void {
	for (const stage of stages) {
		if (!stage.recordToServer) continue;
		try {
			stage.recordToServer(flow, context);
		} catch (error) {
			throw new StageError(stage.name, error);
		}
	}
}

/** A stage threw: the proxy fails closed for that message and says which stage broke. */
export class StageError extends Error {
	override name = 'StageError';
	constructor(
		readonly stage: string,
		readonly failure: unknown,
	) {
		super(`stage '${stage}' failed: ${(failure as Error)?.message ?? String(failure)}`);
	}
}
