// AWS secret access keys are 40 characters of base64 with no prefix, so they are only
// recognised after a name that says what they are: aws_secret_access_key (credentials
// files, env), SecretAccessKey / secretAccessKey (JSON from the CLI and SDKs). The names
// are found by the shared scan in key-value-detector.ts.

export const AWS_SECRET_KEY = 'aws-secret-key';

const NAME = /^(?:aws_?)?secret_?access_?key$|^aws_?secret(?:_?key)?$/i;
// A separator (or just spaces, as in `aws configure set aws_secret_access_key …`), then the key.
const VALUE = /(?:\\?["'])?(?:\s*(?:[:=]|=>)\s*|[ \t]+)(?:\\?["'])?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/dy;

export function isAwsSecretKeyName(key: string): boolean {
	return NAME.test(key);
}

/** The range of the 40-character secret after the key, or null. */
export function findAwsSecretAfter(text: string, keyEnd: number): [number, number] | null {
	VALUE.lastIndex = keyEnd;
	const match = VALUE.exec(text);
	if (match === null) return null;
	const value = match[1];
	if (value.includes('EXAMPLE') || !/[a-z]/.test(value) || !/[A-Z]/.test(value)) return null;
	return match.indices![1];
}
