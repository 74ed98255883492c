// Device keys: a device registers its Ed25519 public key once for the signed-in user;
// re-registering the same key is a no-op, a different key for the same id is refused.
// Ids are per user, so nobody can take another user's device id first; an auditor reads
// someone else's device with `?owner=<sub>`.

import type { FastifyInstance } from 'fastify';
import { ApiError, badRequest, forbidden } from './api-error.js';
import { parseDevicePublicKey } from './parse-device-key.js';
import { DEVICE_ID } from './session-document.js';
import type { CollectorStore, Device } from './store/collector-store.js';
import { withAuth } from './route-auth.js';

export function registerDeviceRoutes(app: FastifyInstance, store: CollectorStore): void {
	app.put<{ Params: { id: string } }>('/api/v1/devices/:id', withAuth('bearer'), async (request, reply) => {
		const id = deviceIdParam(request.params.id);
		const body = request.body as Record<string, unknown> | null;
		if (typeof body !== 'object' || body === null) throw badRequest('invalid_device', 'the body must be {"publicKey": <Ed25519 JWK>, "name": "…"}');
		const publicKey = parseDevicePublicKey(body.publicKey);
		if (body.name !== undefined && body.name !== null && (typeof body.name !== 'string' || body.name.length > 200)) {
			throw badRequest('invalid_device', "'name' must be a string of at most 200 characters");
		}
		const result = await store.putDevice({ id, ownerSub: request.principal!.sub, publicKey, name: (body.name as string | undefined) ?? null });
		if (result.kind === 'key-mismatch') {
			throw new ApiError(409, 'device_key_mismatch', `device '${id}' is already registered with a different key; register the new key under a new device id`);
		}
		return reply.status(result.created ? 201 : 200).send(deviceView(result.device));
	});

	app.get<{ Params: { id: string }; Querystring: { owner?: string } }>('/api/v1/devices/:id', withAuth('bearer'), async (request) => {
		const id = deviceIdParam(request.params.id);
		const principal = request.principal!;
		const owner = request.query.owner ?? principal.sub;
		if (owner !== principal.sub && !principal.auditor) throw forbidden("only the auditor group may read other users' devices");
		const device = await store.getDevice(owner, id);
		if (!device) throw new ApiError(404, 'not_found', owner === principal.sub ? `device '${id}' is not registered to you` : `device '${id}' is not registered to that user`);
		return deviceView(device);
	});
}

function deviceIdParam(id: string): string {
	if (!DEVICE_ID.test(id)) throw badRequest('invalid_device_id', `'${id}' is not a device id (letters, digits, '.', '-' and '_', at most 128)`);
	return id;
}

function deviceView(device: Device) {
	return { id: device.id, owner: device.ownerSub, publicKey: device.publicKey, name: device.name, registeredAt: new Date(device.registeredAt).toISOString() };
}
