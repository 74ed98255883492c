// `mcprec verify --all` with a collector configured: is this device's key the one the
// collector holds for it? A local attacker who replaced the device key (and re-signed
// the store with the new one) passes every local check; the collector still has the key
// registered first, and refuses a second one for the same id (device-routes.ts).

import type { DevicePublicKey } from '../event/device-signature.js';
import { createBearerTokenSource } from './bearer-token.js';
import { CollectorClient, CollectorError } from './collector-client.js';

export type DeviceCheck =
	| { status: 'registered'; deviceId: string; endpoint: string }
	| { status: 'different-key'; deviceId: string; endpoint: string; problem: string }
	| { status: 'unchecked'; deviceId: string; endpoint: string; problem: string };

export async function checkDeviceAtCollector(input: { endpoint: string; deviceId: string; publicKey: DevicePublicKey }): Promise<DeviceCheck> {
	const { endpoint, deviceId, publicKey } = input;
	const client = new CollectorClient({ endpoint, accessToken: createBearerTokenSource(), attempts: 1, timeoutMs: 10_000 });
	try {
		const registered = await client.getDevice(deviceId);
		if (registered.publicKey?.x === publicKey.x) return { status: 'registered', deviceId, endpoint };
		return {
			status: 'different-key',
			deviceId,
			endpoint,
			problem: `the device key that signs this store is not the one ${endpoint} holds for device '${deviceId}': the key was replaced after it was registered`,
		};
	} catch (error) {
		if (error instanceof CollectorError && error.status === 404) {
			return { status: 'unchecked', deviceId, endpoint, problem: `device '${deviceId}' is not registered at ${endpoint} yet (\`mcprec sync\` registers it)` };
		}
		return { status: 'unchecked', deviceId, endpoint, problem: `could not ask ${endpoint} about device '${deviceId}': ${(error as Error).message}` };
	}
}
