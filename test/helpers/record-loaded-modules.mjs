// Preloaded with `node --import` (NODE_OPTIONS): appends the URL of every module of the
// built bundle (and of openid-client and OpenTelemetry) that the process loads to $MCPREC_LOADED_MODULES_FILE, one per line, so a
// test can see what a command really loads (not what its static import graph suggests).
// A `%p` in the file name becomes the process id, so processes started by the command
// (which inherit NODE_OPTIONS) each write their own file.
import { register } from 'node:module';

const hook = `
import fs from 'node:fs';
export async function load(url, context, next) {
	const file = process.env.MCPREC_LOADED_MODULES_FILE;
	if ((url.includes('/dist/bundle/') || url.includes('/node_modules/openid-client/') || url.includes('/node_modules/@opentelemetry/')) && file) fs.appendFileSync(file.replace('%p', String(process.pid)), url + '\\n');
	return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
