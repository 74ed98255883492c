/** Who ran a session, as the signed-in login says: stored on the session, matched by policy \`groups\`. */
export interface SessionIdentity {
	issuer: string;
	sub: string;
	email?: string | null;
	name?: string | null;
	groups: string[];
}
