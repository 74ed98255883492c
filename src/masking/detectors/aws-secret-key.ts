// AWS secret access keys are 40 characters of base64 with no prefix, so they are only
// recognised next to a name that says what they are (env files, credentials files, JSON).

import { createPatternDetector, type Detector } from './detector.js';

export const awsSecretKey: Detector = createPatternDetector({
	name: 'aws-secret-key',
	anchors: ['ecret', 'ECRET'],
	pattern:
		/(?:secret_?access_?key|aws_?secret(?:_?key)?)(?:\\?["'])?\s*(?:[:=]|=>)\s*(?:\\?["'])?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/dgi,
	group: 1,
	accept: (value) => !value.includes('EXAMPLE') && /[0-9/+]/.test(value) && /[a-z]/.test(value) && /[A-Z]/.test(value),
});
