import type { JsonRpcId } from './classify.js';

/** A request that has been forwarded and not yet answered. */
export interface PendingRequest {
	id: JsonRpcId;
	method: string;
	tool?: string;
	ts: number;
}

/**
 * In-flight requests of one direction, keyed by id, for latency and for answering on
 * upstream death. A Map tells `1` from `"1"` by itself, so ids are keys as they are.
 */
export class PendingRequests {
	private readonly byId = new Map<JsonRpcId, PendingRequest>();

	add(request: PendingRequest): void {
		this.byId.set(request.id, request);
	}

	/** Removes and returns the request this response answers, if any. */
	settle(id: JsonRpcId | undefined): PendingRequest | undefined {
		const key = id ?? null;
		const request = this.byId.get(key);
		if (request) this.byId.delete(key);
		return request;
	}

	has(id: JsonRpcId): boolean {
		return this.byId.has(id);
	}

	takeAll(): PendingRequest[] {
		const all = [...this.byId.values()];
		this.byId.clear();
		return all;
	}

	get size(): number {
		return this.byId.size;
	}
}
