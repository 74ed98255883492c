// The frame every viewer page shares: head, navigation, who is signed in.

import type { Principal } from '../verify-access-token.js';
import { html, Html } from './html.js';

export interface PageOptions {
	title: string;
	principal?: Principal;
	formToken?: string;
	/** Which navigation entry is current. */
	section?: 'sessions' | 'approvals';
	body: Html;
}

// Kept out of the page's template: a bundler rewrites a tagged template whose text holds a
// closing script tag into a call to a helper package (it escapes the tag for inline scripts
// and must then preserve the template's raw strings), and that package is not ours to ship.
const VIEWER_SCRIPT = new Html('<script type="module" src="/viewer/viewer.js"></script>');

export function renderPage(options: PageOptions): Html {
	const { principal } = options;
	const roles = principal ? [principal.auditor ? 'auditor' : null, principal.approver ? 'approver' : null].filter(Boolean).join(', ') : '';
	return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · mcprec</title>
<link rel="stylesheet" href="/viewer/viewer.css">
${VIEWER_SCRIPT}
</head>
<body>
<header class="top">
  <a class="brand" href="/">mcprec</a>
  <nav>
    <a href="/" class="${options.section === 'sessions' ? 'current' : ''}">Sessions</a>
    <a href="/approvals" class="${options.section === 'approvals' ? 'current' : ''}">Approvals</a>
  </nav>
  ${
		principal
			? html`<div class="who"><span data-testid="signed-in-as">${principal.email ?? principal.sub}</span>${roles ? html` <span class="roles">(${roles})</span>` : ''}
    <form method="post" action="/auth/logout"><button type="submit" class="link">Sign out</button></form></div>`
			: ''
	}
</header>
<main>
${options.body}
</main>
</body>
</html>`;
}

export function renderMessagePage(options: { title: string; message: string; link?: { href: string; text: string }; principal?: Principal }): Html {
	return renderPage({
		title: options.title,
		principal: options.principal,
		body: html`<section class="message"><h1>${options.title}</h1><p>${options.message}</p>${options.link ? html`<p><a href="${options.link.href}">${options.link.text}</a></p>` : ''}</section>`,
	});
}
