// Preloaded with `node --import` (NODE_OPTIONS): appends the URL of every module of the
// built bundle (and of openid-client) that the process loads to $MCPREC_LOADED_MODULES_FILE, one per line, so a
// test can see what a command really loads (not what its static import graph suggests).
import { register } from 'node:module';

const hook = `
import fs from 'node:fs';
export async function load(url, context, next) {
	if ((url.includes('/dist/bundle/') || url.includes('/node_modules/openid-client/')) && process.env.MCPREC_LOADED_MODULES_FILE) fs.appendFileSync(process.env.MCPREC_LOADED_MODULES_FILE, url + '\\n');
	return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
