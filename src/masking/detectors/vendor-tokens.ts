// API keys and tokens whose vendor prefix makes them recognisable on their own. Each
// pattern starts with its literal prefix, so the regex engine skips ahead quickly and the
// prefilter rejects most text without running it.

import { TOKEN_END, TOKEN_START } from '../boundaries.js';
import { createPatternDetector, type Detector } from './detector.js';

const pattern = (body: string, flags = 'g') => new RegExp(`${TOKEN_START}${body}`, flags);

// A key body, not a hyphenated word: has a digit, a lower- and an upper-case letter.
const looksRandom = (value: string) => /\d/.test(value) && /[a-z]/.test(value) && /[A-Z]/.test(value);

export const awsAccessKey: Detector = createPatternDetector({
	name: 'aws-access-key',
	anchors: ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'A3T'],
	pattern: pattern(`(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}${TOKEN_END}`),
	// Documentation keys such as AKIAIOSFODNN7EXAMPLE are left alone.
	accept: (value) => !value.endsWith('EXAMPLE'),
});

export const githubToken: Detector = createPatternDetector({
	name: 'github-token',
	anchors: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
	pattern: pattern(`(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,247})${TOKEN_END}`),
});

export const gitlabToken: Detector = createPatternDetector({
	name: 'gitlab-token',
	anchors: ['glpat-', 'gldt-', 'glrt-', 'glptt-', 'glsoat-'],
	pattern: pattern(`gl(?:pat|dt|rt|ptt|soat)-[A-Za-z0-9_.-]{20,80}${TOKEN_END}`),
});

export const slackToken: Detector = createPatternDetector({
	name: 'slack-token',
	anchors: ['xox'],
	pattern: pattern(`xox[abprse]-(?:\\d+-)?[A-Za-z0-9-]{10,250}${TOKEN_END}`),
	accept: (value) => /\d/.test(value),
});

export const slackWebhook: Detector = createPatternDetector({
	name: 'slack-webhook',
	anchors: ['hooks.slack.com/'],
	pattern: /https?:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/-]{20,200}/g,
});

export const stripeKey: Detector = createPatternDetector({
	name: 'stripe-key',
	anchors: ['k_live_', 'k_test_'],
	pattern: pattern(`[sr]k_(?:live|test)_[A-Za-z0-9]{16,247}${TOKEN_END}`),
});

export const googleApiKey: Detector = createPatternDetector({
	name: 'google-api-key',
	anchors: ['AIza'],
	pattern: pattern(`AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])`),
});

export const anthropicKey: Detector = createPatternDetector({
	name: 'anthropic-key',
	anchors: ['sk-ant-'],
	pattern: pattern(`sk-ant-[A-Za-z0-9_-]{32,300}(?![A-Za-z0-9_-])`),
	accept: looksRandom,
});

export const openaiKey: Detector = createPatternDetector({
	name: 'openai-key',
	anchors: ['sk-'],
	pattern: pattern(`sk-(?!ant-)(?:(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_-]{20,300}(?![A-Za-z0-9_-])`),
	accept: looksRandom,
});

export const npmToken: Detector = createPatternDetector({
	name: 'npm-token',
	anchors: ['npm_'],
	pattern: pattern(`npm_[A-Za-z0-9]{36}${TOKEN_END}`),
	accept: looksRandom,
});
