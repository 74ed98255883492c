// AWS secret access keys are 40 characters of base64 with no prefix, so they are only
// recognised where something says what they are: a name (aws_secret_access_key in
// credentials files and env, SecretAccessKey / secretAccessKey in JSON from the CLI and
// SDKs, `secret` in Terraform state and in prose: "… and secret <key>"), or the access key
// id they are paired with, a few characters before ("key pair: `AKIA…` / `<key>`",
// "AKIA…, <key>"). The names are found by the shared scan in key-value-detector.ts. A
// 40-character run must mix upper- and lower-case letters (a SHA-1 in hex does not) and
// not be AWS's documentation example (…EXAMPLEKEY).

export const AWS_SECRET_KEY = 'aws-secret-key';

const NAME = /^(?:aws_?)?secret_?access_?key$|^aws_?secret(?:_?key)?$|^secret(?:_?key)?$/i;
// A separator (or just spaces, as in `aws configure set aws_secret_access_key …`), then the key.
const VALUE = /(?:\\?["'`])?(?:\s*(?:[:=]|=>)\s*|[ \t]+)(?:\\?["'`])?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/dy;
// After an access key id: closing quote, a short separator (` / `, `, `, ` and secret `,
// `:`), opening quote, the secret.
const AFTER_KEY_ID = /A[KS]IA[A-Z0-9]{16}[`'"]?[ \t]*(?:[/,:;|]|\band\b|\bsecret\b|\bwith\b|[ \t]){1,4}[ \t]*(?:(?:access[ \t]+)?(?:secret[ \t]+)?key[ \t]*:?[ \t]*)?[`'"]?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/dy;

export function isAwsSecretKeyName(key: string): boolean {
	return NAME.test(key);
}

/** The range of the 40-character secret after the key, or null. */
export function findAwsSecretAfter(text: string, keyEnd: number): [number, number] | null {
	VALUE.lastIndex = keyEnd;
	const match = VALUE.exec(text);
	if (match === null) return null;
	return looksLikeSecret(match[1]) ? match.indices![1] : null;
}

/** Reports each secret key written right after its access key id (see the header). */
export function collectSecretsAfterKeyIds(text: string, report: (start: number, end: number) => void): void {
	for (let found = text.indexOf('IA', 2); found !== -1; found = text.indexOf('IA', found + 1)) {
		const at = found - 2;
		const first = text.charCodeAt(at + 1);
		if (text.charCodeAt(at) !== 65 || (first !== 75 && first !== 83)) continue;
		AFTER_KEY_ID.lastIndex = at;
		const match = AFTER_KEY_ID.exec(text);
		if (match === null || !looksLikeSecret(match[1])) continue;
		const [start, end] = match.indices![1];
		report(start, end);
		found = end;
	}
}

function looksLikeSecret(value: string): boolean {
	return !value.includes('EXAMPLE') && /[a-z]/.test(value) && /[A-Z]/.test(value);
}
