// API keys and tokens whose vendor prefix makes them recognisable on their own. Each is
// found from a literal part of its prefix (indexOf) and checked with a sticky pattern
// there. Anchors are chosen for speed: indexOf skips ahead to the anchor's first
// character, so one short anchor (`gh`) or a rarer later part (`k-` of `sk-`) beats a list.

import { createAnchoredDetector, type Detector } from './detector.js';

const WORD_END = '(?![A-Za-z0-9_])';
const sticky = (source: string) => new RegExp(source, 'y');

// A key body, not a hyphenated word: has a digit, a lower- and an upper-case letter.
const looksRandom = (value: string) => /\d/.test(value) && /[a-z]/.test(value) && /[A-Z]/.test(value);

export const awsAccessKey: Detector = createAnchoredDetector({
	name: 'aws-access-key',
	// Long-term (AKIA) and temporary (ASIA) access key ids: one scan for their common `IA`.
	anchors: ['IA'],
	anchorOffset: 2,
	pattern: sticky(`A[KS]IA[A-Z0-9]{16}${WORD_END}`),
	tokenStart: true,
	// Documentation keys such as AKIAIOSFODNN7EXAMPLE are left alone.
	accept: (value) => !value.endsWith('EXAMPLE'),
});

export const githubToken: Detector = createAnchoredDetector({
	name: 'github-token',
	anchors: ['gh', 'github_pat_'],
	pattern: sticky(`(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,247})${WORD_END}`),
	tokenStart: true,
});

export const gitlabToken: Detector = createAnchoredDetector({
	name: 'gitlab-token',
	// Personal/project/group access, deploy, runner and pipeline trigger tokens.
	anchors: ['gl'],
	pattern: sticky(`gl(?:pat|dt|rt|ptt)-[A-Za-z0-9_.-]{20,80}${WORD_END}`),
	tokenStart: true,
});

export const slackToken: Detector = createAnchoredDetector({
	name: 'slack-token',
	anchors: ['xox'],
	pattern: sticky(`xox[abprse]-(?:\\d+-)?[A-Za-z0-9-]{10,250}${WORD_END}`),
	tokenStart: true,
	accept: (value) => /\d/.test(value),
});

export const slackWebhook: Detector = createAnchoredDetector({
	name: 'slack-webhook',
	anchors: ['https://hooks.slack.com/'],
	pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/-]{20,200}/y,
});

export const stripeKey: Detector = createAnchoredDetector({
	name: 'stripe-key',
	// Secret and restricted keys; publishable keys (pk_) are public by design.
	anchors: ['k_'],
	anchorOffset: 1,
	pattern: sticky(`[sr]k_(?:live|test)_[A-Za-z0-9]{16,247}${WORD_END}`),
	tokenStart: true,
});

export const googleApiKey: Detector = createAnchoredDetector({
	name: 'google-api-key',
	anchors: ['AIza'],
	pattern: /AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/y,
	tokenStart: true,
});

export const anthropicKey: Detector = createAnchoredDetector({
	name: 'anthropic-key',
	anchors: ['-ant-'],
	anchorOffset: 2,
	pattern: /sk-ant-[A-Za-z0-9_-]{32,300}(?![A-Za-z0-9_-])/y,
	tokenStart: true,
	accept: looksRandom,
});

export const openaiKey: Detector = createAnchoredDetector({
	name: 'openai-key',
	anchors: ['k-'],
	anchorOffset: 1,
	pattern: /sk-(?!ant-)(?:(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_-]{20,300}(?![A-Za-z0-9_-])/y,
	tokenStart: true,
	accept: looksRandom,
});

export const npmToken: Detector = createAnchoredDetector({
	name: 'npm-token',
	anchors: ['pm_'],
	anchorOffset: 1,
	pattern: sticky(`npm_[A-Za-z0-9]{36}${WORD_END}`),
	tokenStart: true,
	accept: looksRandom,
});
